"""The demo patient's phone: what the patient does (type, tap, share a location), a nurse's reply, and time travel.

Typed lines and taps become updates for the real Application; ``skip`` moves the demo's clock and runs the
jobs (triage of unanswered check-ins, alert re-raises, then the dispatcher) at every instant something fell
due in between. What the bot sends back is printed by
:class:`~bot.tools.demo_screen.Screen`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.care import worklist
from bot.care.jobs import run_jobs
from bot.care.scheduling import patient_day
from bot.services import SERVICES_KEY
from bot.tools.demo_screen import INDENT, Button, Screen, buttons_of

PATIENT_CHAT = 1001
PATIENT_NAME = "Ana"
CLINIC_CHAT = -100100  # the demo clinic's team chat: alerts and relayed messages show as [chat -100100]
STAFF_NAME = "Sam"
STAFF_USER = 7  # the nurse's Telegram user id in the demo clinic chat
DEMO_LOCATION = {"latitude": 51.5072, "longitude": -0.1276}  # what "share my location" shares: London
MAX_RUNS_PER_SKIP = 100_000  # a safety net: a skip never loops for ever


class Phone:
    """The terminal as the patient's phone: its screen prints what the bot sends, typed lines become updates."""

    def __init__(self, app, telegram, store, clock, settings, dispatcher, out: TextIO, files_dir: Path) -> None:
        self.app, self.telegram, self.store, self.clock = app, telegram, store, clock
        self.settings, self.dispatcher = settings, dispatcher
        self.screen = Screen(out, files_dir, own_chat=PATIENT_CHAT)
        telegram.observer = self.screen.observe
        self._photos, self._last_typed = 0, None
        self.screen.topic_name = lambda chat_id, thread: telegram.topics.get(chat_id, {}).get(thread, {}).get("name")
        self._staff_lines: dict[int, tuple[int, str]] = {}  # what staff wrote in a topic: message id -> (thread, text)
        # How a staff reply passed on to the patient begins ("From <clinic>:"), to find the one to reply to.
        self.clinic_prefix = app.bot_data[SERVICES_KEY].text("clinic.from_clinic", text="").strip()[:12]

    def say(self, text: str = "") -> None:
        self.screen.say(text)

    def current_buttons(self) -> list[Button]:
        """The buttons of the latest message in the patient's chat that has any."""
        for sent in reversed(self.telegram.chat(PATIENT_CHAT)):
            numbered = buttons_of(sent)
            if numbered:
                return numbered
        return []

    # ---- what the patient does ----------------------------------------------------------
    async def feed(self, data: dict) -> None:
        from bot.tools.simulated_updates import as_update
        await self.app.process_update(as_update(data, self.app.bot))
        await self.deliver_due(self.clock.now())  # re-planning may have made something due right now

    async def type_text(self, text: str) -> None:
        update = self.telegram.message(PATIENT_CHAT, text, first_name=PATIENT_NAME)
        self._last_typed = update["message"]["message_id"]
        await self.feed(update)

    async def press(self, number: int) -> None:
        numbered = self.current_buttons()
        if not 1 <= number <= len(numbered):
            self.say(f"{INDENT}(there is no button {number}" + (f"; 1 to {len(numbered)} on the latest message)"
                                                                  if numbered else ")"))
            return
        button = numbered[number - 1]
        shared = " (the demo phone shares a spot in London)" if button.action == "location" else ""
        self.say(f"{INDENT}↳ {button.label}{shared}")
        if button.action == "tap":
            await self.feed(self.telegram.callback(PATIENT_CHAT, button.data, message_id=button.message_id,
                                                   first_name=PATIENT_NAME))
        elif button.action == "location":
            await self.feed(self.telegram.message(PATIENT_CHAT, None, first_name=PATIENT_NAME,
                                                  location=dict(DEMO_LOCATION)))
        else:
            await self.type_text(button.label)

    def switch_language(self, code: str) -> None:
        """``:lang CODE``: the demo patient's language from now on, any with a catalog (offered to them for the demo's
        sake if the clinic profile does not); before consent it is the language tapped at /start."""
        from bot.services import LANGUAGE_CHOSEN_KEY as CHOSEN
        from messages.catalog import catalog_languages, load_catalog
        from messages.words import Words

        svc, known = self.app.bot_data[SERVICES_KEY], catalog_languages(self.settings.catalog_dir)
        if code not in known:
            return self.say(f"{INDENT}(no catalog for {code!r}; there are: {', '.join(known)})")
        if code not in svc.catalogs:
            svc.catalogs[code] = load_catalog(code, self.settings.catalog_dir)
            svc.all_words[code] = Words.from_texts(svc.catalogs[code].texts)
        if code not in svc.offered:
            svc.offered = (*svc.offered, code)
        if self.store.patient(PATIENT_CHAT) is not None:
            self.store.update_patient(PATIENT_CHAT, self.clock.now(), language=code)
        else:
            self.app.chat_data[PATIENT_CHAT][CHOSEN] = code
        self.say(f"{INDENT}(the patient's language is now {svc.language_name(code)})")

    async def type_quickly(self, first: str, second: str) -> None:
        """Two messages, the second written before the bot's answer to the first appeared."""
        written = [self.telegram.message(PATIENT_CHAT, text, first_name=PATIENT_NAME) for text in (first, second)]
        for update in written:
            await self.feed(update)

    async def send_photo(self, caption: str) -> None:
        """A photo from the phone's camera (Telegram keeps it; the bot sees its file id), with an optional caption."""
        self._photos += 1
        await self.feed(self.telegram.photo(PATIENT_CHAT, f"AgADdemo{self._photos}", caption=caption or None,
                                            first_name=PATIENT_NAME))

    async def edit_last(self, text: str) -> None:
        """The patient edits their last typed message to read ``text``."""
        if self._last_typed is None:
            self.say(f"{INDENT}(type a message first: :edit changes the last one)")
            return
        update = self.telegram.message(PATIENT_CHAT, text, first_name=PATIENT_NAME)
        message = update.pop("message")
        message["message_id"] = self._last_typed
        await self.feed({**update, "edited_message": {**message, "edit_date": 1}})

    async def reply_to_clinic(self, text: str) -> None:
        """The patient replies (Telegram's reply) to the newest message from the clinic team."""
        about = next((m for m in reversed(self.telegram.chat(PATIENT_CHAT))
                      if m.text.startswith(self.clinic_prefix)), None)
        if about is None:
            self.say(f"{INDENT}(no message from the clinic to reply to yet)")
            return
        await self.feed(self.telegram.reply(PATIENT_CHAT, text, about, first_name=PATIENT_NAME, chat_type="private"))

    async def block(self, blocked: bool) -> None:
        """The patient blocks the bot (or unblocks it) in Telegram."""
        await self.feed(self.telegram.member_status(PATIENT_CHAT, "kicked" if blocked else "member"))

    async def staff_reply(self, text: str) -> None:
        """A nurse replies, in the clinic chat, to the newest relayed message or alert about the patient."""
        about = next((m for m in reversed(self.telegram.chat(CLINIC_CHAT))
                      if self.store.patient_of_clinic_message(CLINIC_CHAT, m.message_id) == PATIENT_CHAT), None)
        if not text or about is None:
            self.say(f"{INDENT}(say what the nurse answers, after a message reached the clinic chat)")
            return
        await self._staff_writes(self.telegram.reply(CLINIC_CHAT, text, about, user_id=STAFF_USER,
                                                     first_name=STAFF_NAME))

    async def staff_acknowledge(self) -> None:
        """A nurse taps the first button (Acknowledge) of the newest alert about the patient in the clinic chat."""
        alert = next((m for m in reversed(self.telegram.chat(CLINIC_CHAT))
                      if buttons_of(m) and self.store.patient_of_clinic_message(CLINIC_CHAT, m.message_id) == PATIENT_CHAT), None)
        if alert is None:
            self.say(f"{INDENT}(no alert with a button about the patient in the clinic chat yet)")
            return
        button = buttons_of(alert)[0]
        self.say(f"{INDENT}[chat {CLINIC_CHAT}] {STAFF_NAME} taps ↳ {button.label}")
        await self.feed(self.telegram.callback(CLINIC_CHAT, button.data, message_id=alert.message_id,
                                               user_id=STAFF_USER, first_name=STAFF_NAME))

    async def staff_command(self, text: str) -> None:
        """The nurse (an admin in the demo) types a command in the clinic chat: /invite or /patient."""
        self.say(f"{INDENT}[chat {CLINIC_CHAT}] {STAFF_NAME}> {text}")
        await self.feed(self.telegram.message(CLINIC_CHAT, text, user_id=STAFF_USER, first_name=STAFF_NAME,
                                              chat_type="supergroup"))

    async def open_invitation(self) -> None:
        """The patient scans the newest invitation the clinic chat got: /start with its payload."""
        link = next((word for m in reversed(self.telegram.chat(CLINIC_CHAT)) for word in m.text.split()
                     if word.startswith("https://t.me/") and "?start=" in word), None)
        if link is None:
            self.say(f"{INDENT}(no invitation in the clinic chat yet: :staffdo /invite DATE PLAN REF)")
            return
        await self.type_text(f"/start {link.split('?start=', 1)[1]}")

    async def staff_step(self, label: str) -> None:
        """The nurse taps the button whose label contains ``label`` on the newest alert about the patient."""
        for sent in reversed(self.telegram.chat(CLINIC_CHAT)):
            button = next((b for b in buttons_of(sent) if label.lower() in b.label.lower()), None)
            if button is not None and button.data.startswith("al1:"):
                where = self.screen.where(CLINIC_CHAT, sent.thread)
                self.say(f"{INDENT}[{where}] {STAFF_NAME} taps ↳ {button.label}")
                await self.feed(self.telegram.callback(CLINIC_CHAT, button.data, message_id=sent.message_id,
                                                       user_id=STAFF_USER, first_name=STAFF_NAME))
                return
        self.say(f"{INDENT}(no alert button like {label!r} in the clinic chat)")

    async def staff_note(self, text: str) -> None:
        """The nurse replies ``text`` to the newest note prompt in the clinic chat."""
        prompt = next((m for m in reversed(self.telegram.chat(CLINIC_CHAT))
                       if self.store.step_of_message(CLINIC_CHAT, m.message_id) is not None), None)
        if prompt is None or not text:
            self.say(f"{INDENT}(tap \"Add a note\" first: :step note)")
            return
        await self._staff_writes(self.telegram.reply(CLINIC_CHAT, text, prompt, user_id=STAFF_USER,
                                                     first_name=STAFF_NAME))

    # ---- a forum clinic chat: a topic per patient ----------------------------------------------------
    def make_forum(self) -> None:
        """``:forum``: the clinic chat has topics on from now on (the bot an admin who may manage topics)."""
        self.telegram.set_group(CLINIC_CHAT, title="Clinic staff", forum=True, bot_status="administrator")
        self.app.bot_data[SERVICES_KEY].forum.pop(CLINIC_CHAT, None)  # the bot sees it at its next post there
        self.say(f"{INDENT}(the clinic chat has topics on now: each patient gets a topic of their own)")

    def _patient_topic(self) -> int | None:
        return self.store.topic_of(CLINIC_CHAT, PATIENT_CHAT)

    async def staff_in_topic(self, text: str) -> None:
        """``:topic TEXT``: the nurse writes TEXT in the patient's topic (a message of its own, not a reply)."""
        thread = self._patient_topic()
        if thread is None or not text:
            self.say(f"{INDENT}(the patient has no topic yet: :forum, then something must reach the clinic chat)")
            return
        await self._staff_writes(self.telegram.topic_message(CLINIC_CHAT, thread, text, user_id=STAFF_USER,
                                                             first_name=STAFF_NAME))

    async def _staff_writes(self, update: dict) -> None:
        """The nurse's message in the clinic chat: shown as typed (in its topic, if any), kept for ``:thread``."""
        message = update["message"]
        thread = message.get("message_thread_id") if message.get("is_topic_message") else None
        if thread is not None:
            self._staff_lines[message["message_id"]] = (thread, message.get("text", ""))
            self.say(f"{INDENT}[{self.screen.where(CLINIC_CHAT, thread)}] {STAFF_NAME}> {message.get('text', '')}")
        await self.feed(update)

    def show_thread(self) -> None:
        """``:thread``: the patient's topic as staff scroll through it now, oldest first (edits as they stand)."""
        thread = self._patient_topic()
        if thread is None:
            self.say(f"{INDENT}(the patient has no topic in the clinic chat)")
            return
        self.say(f"── [{self.screen.where(CLINIC_CHAT, thread)}], as the staff see it ──")
        posts = [(m.message_id, "bot", m) for m in self.telegram.in_topic(CLINIC_CHAT, thread)]
        posts += [(mid, STAFF_NAME, text) for mid, (t, text) in self._staff_lines.items() if t == thread]
        for _, who, post in sorted(posts, key=lambda p: p[0]):
            if who != "bot":
                lines = [f"{who}> {post}"]
            elif post.kind == "topic":
                lines = [f"(topic created: {post.text})"]
            else:
                lines = (f"[{post.kind}] " if post.kind != "text" else "") + post.text
                lines = [f"bot> {line}" if i == 0 else f"{INDENT}{line}" for i, line in enumerate(lines.split("\n"))]
                if post.labels:
                    lines.append(INDENT + " ".join(f"[{label}]" for label in post.labels))
            for line in lines:
                self.say(line.rstrip())
        self.say("── end of the topic ──")

    # ---- time travel ----------------------------------------------------------------------
    async def run_jobs(self, now: datetime):
        """Every job once at ``now``: unanswered check-ins triaged, alerts raised again, then a dispatcher run."""
        return await run_jobs(self.app, now)

    async def deliver_due(self, target: datetime) -> int:
        """Run the jobs at every due instant up to ``target``, in order; returns the runs made."""
        runs = 0
        stuck_at: datetime | None = None
        while runs < MAX_RUNS_PER_SKIP:
            # planned reminders, and what the outbox holds for later (a reminder to the team after "no answer")
            due = min((d for d in (self.store.next_due_at(), self.store.next_outbox_due(),
                                   self.next_worklist(self.clock.now())) if d), default=None)
            if due is None or due > target:
                break
            when = max(due, self.clock.now())  # never backwards: something overdue is judged late, as live
            if when > self.clock.now():
                self.screen.header = f"  ⏰ {self.describe(when)}"
            self.clock.set(when)
            report = await self.run_jobs(when)
            runs += 1
            if report.claimed == 0:  # nothing could be claimed at this instant: do not spin on it
                if stuck_at == due:
                    break
                stuck_at = due
        self.screen.header = None
        return runs

    def next_worklist(self, now: datetime) -> datetime | None:
        """The next clinic opening whose daily worklist is not sent yet: the live bot's jobs run every few minutes,
        so time travel stops there too, and the worklist goes out at opening time rather than with the next
        reminder (and marked late)."""
        svc = self.app.bot_data[SERVICES_KEY]
        if svc.settings.clinic_chat_id is None or not svc.settings.clinic.worklist_send:
            return None
        last = self.store.last_job_run(worklist.JOB)
        for days in range(8):
            opening = svc.settings.clinic.opening_today(now + timedelta(days=days))
            if opening is not None and (last is None or last < opening) and opening >= now - timedelta(minutes=5):
                return opening
        return None

    async def skip(self, delta: timedelta) -> None:
        target = self.clock.now() + delta
        await self.deliver_due(target)
        self.clock.set(target)
        self.say(f"{INDENT}(now {self.describe(target)})")

    def describe(self, when: datetime) -> str:
        """The patient's local time, and the day since treatment once there is one."""
        patient = self.store.patient(PATIENT_CHAT)
        zone = ZoneInfo((patient.zone if patient else None) or self.settings.clinic.timezone)
        local = when.astimezone(zone)
        text = f"{local:%a %d %b %Y %H:%M} {zone.key}"
        if patient and patient.treatment:
            text += f", day {patient_day(patient, when, self.settings.clinic.timezone)} since treatment"
        return text
