"""An alert's life in the clinic chat: Acknowledge, then Reached or No answer, then Resolved, each a button on the
alert, and a note added with "Add a note" (the team's reply to its prompt). The table of which step follows which
is ``messages/alert_life.py``; only the clinic team acts (``bot.care.relay.on_the_team``, as for replies), and an
on-call admin on their private copy.

Callback data is ``al1:<alert id>`` (an acknowledgement, as on alerts posted before the steps existed) or
``al1:<alert id>:<step code>``; anything else, an alert that does not exist (erased) or a step its state no longer
allows gets a short answer and changes nothing. Each step is recorded with who (the first name, and the logs'
pseudonym, never the raw id), when, and the note; the patient hears only the acknowledgement (as before), and
their /mydata shows the state, never the notes.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Bot, ForceReply, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.care.alerts import CB, RECALL_GAP, alert_text, life_markup, who
from bot.care.relay import on_the_team, speaks_for_clinic, tell_patient
from bot.logs import pseudonym
from bot.services import SERVICES_KEY, Services, services
from bot.store.checkins import AlertRow
from bot.store.outbox import ALERT_KINDS
from messages import alert_life as life
from messages import checkin as core

__all__ = ["register", "history"]
log = logging.getLogger(__name__)
MAX_ID_DIGITS = 18  # SQLite integers stop at 2**63: a longer id is forged, never looked up
NOTE = "note"
SHOWN_KINDS = (*ALERT_KINDS, "recall")


def parse(data: str | None) -> tuple[int, str] | None:
    """(alert id, step) from callback data, or None when it is not ours or is forged."""
    parts = (data or "").split(":")
    if len(parts) not in (2, 3) or parts[0] != CB or not parts[1].isascii() or not parts[1].isdigit() \
            or len(parts[1]) > MAX_ID_DIGITS:
        return None
    step = "acknowledged" if len(parts) == 2 else NOTE if parts[2] == NOTE else life.STEP_OF_CODE.get(parts[2])
    return (int(parts[1]), step) if step else None


def history(svc: Services, alert_id: int) -> str:
    """The alert's steps so far, one line each, with their notes (staff only)."""
    lines = []
    for step in svc.store.alert_steps(alert_id):
        key = "checkin.alert_acked" if step.step == "acknowledged" else f"staff.step_{step.step}"
        local = step.at.astimezone(ZoneInfo(svc.settings.clinic.timezone))
        lines.append(svc.text(key, who=step.staff_name or step.staff_ref, when=f"{local:%H:%M}"))
        if step.note:
            lines.append(svc.text("staff.step_note", note=step.note))
    return "\n".join(lines)


async def on_alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A step of an alert tapped by the clinic team (or an on-call admin on their copy): recorded, then shown."""
    svc, query, chat, user = services(context), update.callback_query, update.effective_chat, update.effective_user
    parsed = parse(query.data)
    in_clinic = chat is not None and chat.id == svc.settings.clinic_chat_id
    on_call = chat is not None and chat.type == chat.PRIVATE and user is not None and chat.id == user.id \
        and user.id in svc.settings.oncall_ids
    if on_call and parsed is not None:  # only on a copy that reached them, never on an alert id typed in
        on_call = query.message is not None and svc.store.alert_sent_to(parsed[0], chat.id, query.message.message_id)
    alert = svc.store.alert(parsed[0]) if parsed is not None and (in_clinic or on_call) else None
    if alert is None:
        return await query.answer(svc.text("common.expired"))
    if in_clinic and not on_the_team(svc, user):  # with no admins and no staff, nobody: the alert stays open
        log.info("clinic chat: a tap on alert %s by someone not on the clinic team was refused", alert.id)
        return await query.answer(svc.text("alerts.admins_only_ack" if parsed[1] == "acknowledged"
                                           else "staff.step_team_only"), show_alert=True)
    if parsed[1] == NOTE:
        return await _ask_note(update, svc, alert)
    if not life.may_step(alert.state, parsed[1]):
        return await query.answer(svc.text("checkin.alert_already" if parsed[1] == "acknowledged"
                                           else "staff.step_stale"))
    now = svc.clock.now()
    if svc.store.step_alert(alert.id, alert.state, parsed[1], user.id, user.first_name or "",
                            pseudonym(user.id), now) is None:  # someone else, a moment earlier
        return await query.answer(svc.text("checkin.alert_already" if parsed[1] == "acknowledged"
                                           else "staff.step_stale"))
    await query.answer()
    log.info("alert %s: %s by %s", alert.id, parsed[1], pseudonym(user.id))
    if parsed[1] == "acknowledged":
        # the patient hears that a person has seen it, first: an edit that fails below must not keep it from them;
        # after an urgent or emergency alert it repeats what to do now (P10)
        with svc.speaking_to(alert.chat_id):  # the patient's language, not the clinic chat's
            told = svc.text(core.acknowledgement_key((alert.level, alert.verdict_level or alert.level)))
        await tell_patient(update.get_bot(), svc, alert.chat_id, told)
    elif parsed[1] == "no_answer":
        svc.store.queue_recall(alert.id, chat.id, alert.chat_id, now + RECALL_GAP, now)
        svc.wake()
    tapped = (chat.id, query.message.message_id if query.message else 0)
    await show(update.get_bot(), svc, svc.store.alert(alert.id), tapped)


async def show(bot: Bot, svc: Services, alert: AlertRow, tapped: tuple[int, int] | None) -> None:
    """Every message of the alert (the first post, re-raises, on-call copies, reminders) re-rendered from the store:
    its text, its history, and the next steps' buttons on the message that carries them (the first post, or the
    tapped one when it is not in the outbox, such as an old message)."""
    text = alert_text(svc, alert) + "\n\n" + history(svc, alert.id)
    rows = [r for r in svc.store.outbox(about=alert.chat_id) if r.alert_id == alert.id and r.kind in SHOWN_KINDS
            and r.state == "sent" and r.message_id is not None]
    carriers = {(r.target, r.message_id) for r in rows if r.kind == "alert"
                or (r.kind == "oncall" and svc.settings.clinic_chat_id is None)}
    targets = [(r.target, r.message_id) for r in rows]
    if tapped is not None and tapped not in targets:
        targets.append(tapped)
        carriers.add(tapped)
    for target, message_id in targets:
        markup = life_markup(svc, alert.id, alert.state) if (target, message_id) in carriers else None
        try:
            await bot.edit_message_text(text, chat_id=target, message_id=message_id, reply_markup=markup)
        except TelegramError as error:  # best effort: a stale button still answers that the alert moved on
            log.warning("alert %s: a message was not updated (%s)", alert.id, type(error).__name__)


async def _ask_note(update: Update, svc: Services, alert: AlertRow) -> None:
    """ "Add a note": a prompt the team member replies to; the reply is stored on the alert's latest step."""
    query, steps = update.callback_query, svc.store.alert_steps(alert.id)
    if not steps:
        return await query.answer(svc.text("staff.step_stale"))
    await query.answer()
    prompt = await update.effective_chat.send_message(
        svc.text("staff.note_prompt", id=alert.id, patient=who(svc, alert)),
        reply_to_message_id=query.message.message_id if query.message else None, allow_sending_without_reply=True,
        reply_markup=ForceReply(selective=True),  # in the alert's forum topic, if it is in one
        message_thread_id=query.message.message_thread_id if getattr(query.message, "is_topic_message", False)
        else None)
    svc.store.step_posted(steps[-1].id, update.effective_chat.id, prompt.message_id)


class NoteReply(filters.MessageFilter):
    """A message in the clinic chat replying to one of the bot's note prompts."""

    def __init__(self, svc: Services) -> None:
        super().__init__(name="NoteReply")
        self.svc = svc

    def filter(self, message) -> bool:
        replied = message.reply_to_message
        return replied is not None and message.chat.id == self.svc.settings.clinic_chat_id \
            and self.svc.store.step_of_message(message.chat.id, replied.message_id) is not None


async def on_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The team's reply to a note prompt: stored (sealed) on that step and shown on the alert, never sent on."""
    svc, message = services(context), update.effective_message
    step = svc.store.step_of_message(message.chat.id, message.reply_to_message.message_id)
    if not speaks_for_clinic(svc, message):
        return await message.reply_text(svc.text("staff.step_team_only"))
    text = (message.text or "").strip()
    if step is None or not text:
        return await message.reply_text(svc.text("staff.note_not_text"))
    svc.store.note_step(step.id, text[:1000])
    log.info("alert %s: a note was added by %s", step.alert_id, pseudonym(message.from_user.id))
    await message.reply_text(svc.text("staff.note_saved", id=step.alert_id))
    alert = svc.store.alert(step.alert_id)
    if alert is not None:
        await show(update.get_bot(), svc, alert, None)


def register(application: Application) -> None:
    """Wire the alert buttons and the team's notes (before the replies that go to patients)."""
    application.add_handler(CallbackQueryHandler(on_alert_button, pattern=rf"^{CB}:"))
    svc = application.bot_data[SERVICES_KEY]
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.UpdateType.MESSAGES & filters.REPLY
                                           & ~filters.COMMAND & NoteReply(svc), on_note))
