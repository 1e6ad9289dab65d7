"""Before the session: a sign that means it should wait (messages/preparation.py decides) gets the advice to call
to reschedule at once, and the clinic a short note through the outbox, once per session and sign.

The note names the patient as every alert does (number, name, reference) and the signs by name, never the
patient's own words: the team needs to know whom to call and why, nothing more."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update

from bot.care.relay import reference
from bot.logs import pseudonym
from bot.services import Services
from bot.store import Patient
from messages.formatting import join_list

log = logging.getLogger(__name__)


def sign_names(svc: Services, signs: tuple[str, ...]) -> str:
    """The signs as one list in the current voice: "a cold sore and a fever"."""
    return join_list(svc.voice, [svc.text(f"preparation.sign_{sign}") for sign in signs])


async def advise_reschedule(update: Update, svc: Services, patient: Patient, signs: tuple[str, ...],
                            now: datetime) -> None:
    """The advice to call to reschedule, then the clinic's note naming the signs not noted yet this session."""
    await update.effective_chat.send_message(svc.text("preparation.reschedule_advice",
                                                      signs=sign_names(svc, signs)))
    target = svc.settings.clinic_chat_id
    if target is None or patient.treatment is None:
        return
    user = update.effective_user

    def note(new: tuple[str, ...]) -> str:
        with svc.clinic_voice():
            return svc.text("preparation.clinic_note", date=svc.date("date", patient.treatment.treatment_date),
                            who=reference(svc, patient, user), signs=sign_names(svc, new))

    noted = svc.store.note_preparation_signs(patient.chat_id, patient.treatment.id, signs, target, note, now)
    log.info("chat %s: %d sign(s) before the session, %d new for the clinic", pseudonym(patient.chat_id),
             len(signs), len(noted))
    if noted:
        svc.wake()
