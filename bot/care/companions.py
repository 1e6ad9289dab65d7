"""A companion: the one relative or friend a patient invites, who gets copies of urgent and emergency advice only.

The patient's ``/companion`` makes a personal link, ``t.me/<bot>?start=<payload>``: ``c`` and the URL-safe base64
of these bytes, signed as clinic invitations are (``bot.care.invites.seal_payload`` under the data key's
invitation key, with its own context so neither link ever checks as the other), 33 characters:

    version (1) | link id (6, random) | patient number (4) | expiry date (2) | "I'm not OK" passed on (1) | MAC (10)

The patient number, never a Telegram id, says whose companion the opener becomes; the store remembers each used
id (``invites_used``, as for invitations), so a link works once, and for ``DAYS`` days. What the companion gets
goes through the outbox (kind ``companion``): the advice text the patient got, headed with their name, and, if
the patient chose it, a line when they say they are not OK (never their words). The companion never gets
answers, results, reminders or the chart, and their own typed words are never taken as the patient's.
"""

from __future__ import annotations

import logging
import secrets
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.care.invites import EPOCH, ID_BYTES, open_payload, seal_payload
from bot.logs import pseudonym
from bot.services import Services
from bot.store import Companion, Patient, StoreError

log = logging.getLogger(__name__)

PREFIX, VERSION, CONTEXT = "c", 1, b"aftercare companion"
BODY = struct.Struct(">B6sIHB")
DAYS = 7                         # a companion's link expires this many days after it was made
LENGTH = 33                      # the payload's characters: the prefix and the signed, url-safe body
LEVELS = ("urgent", "emergency")  # the only advice a companion gets a copy of
KIND = "companion"               # the outbox kind of every message to a companion


@dataclass(frozen=True)
class Link:
    """What a valid companion link says."""

    id: str
    patient_number: int
    expires: date
    not_ok: bool


def looks_like_link(payload: str | None) -> bool:
    return bool(payload) and payload.startswith(PREFIX) and len(payload) == LENGTH


def make_link(svc: Services, patient: Patient, not_ok: bool, today: date) -> str | None:
    """A new signed payload for the patient, or None (no data key to sign with, or no patient number)."""
    sealer, number = svc.store.sealer, svc.store.patient_number(patient.chat_id)
    if sealer is None or number is None:
        return None
    expires = (today + timedelta(days=DAYS) - EPOCH).days
    body = BODY.pack(VERSION, secrets.token_bytes(ID_BYTES), number, expires, int(not_ok))
    return seal_payload(sealer.sign_invite, PREFIX, body, CONTEXT)


def read_link(svc: Services, payload: str, today: date) -> Link | str:
    """What the link says, or why it is refused: "forged", "expired" or "used"."""
    sealer = svc.store.sealer
    body = open_payload(sealer.sign_invite if sealer is not None else None, PREFIX, payload, CONTEXT)
    if body is None or len(body) != BODY.size:
        return "forged"
    version, link_id, number, expires, not_ok = BODY.unpack(body)
    if version != VERSION:
        return "forged"
    expiry = EPOCH + timedelta(days=expires)
    if today > expiry:
        return "expired"
    if svc.store.invite_used(link_id.hex()):
        return "used"
    return Link(link_id.hex(), number, expiry, bool(not_ok))


def first_name(patient: Patient) -> str:
    """The patient's name as the companion reads it: their Telegram first name."""
    return (patient.display_name or "").split(" ")[0] or "?"


def tell(svc: Services, link: Companion, text: str, now: datetime, to_patient: bool = False) -> None:
    """A message that must arrive, to the companion (or to the patient about their companion), through the outbox."""
    target = link.patient_chat_id if to_patient else link.chat_id
    try:
        svc.store.enqueue("reply" if to_patient else KIND, target, now, about=link.patient_chat_id, body=text)
    except StoreError as error:  # the patient's own advice is out already; a copy never fails their reply
        log.error("a message about a companion link could not be queued (%s)", type(error).__name__)
        return
    svc.wake()


def copy_advice(svc: Services, patient: Patient, level: str, advice: str, now: datetime) -> bool:
    """The urgent or emergency advice the patient just got, headed with their name, for their companion; True if
    queued. Any other level, or no companion, queues nothing."""
    if level not in LEVELS:  # most results: no need to look for a companion
        return False
    link = svc.store.companion_of(patient.chat_id)
    if link is None:
        return False
    with svc.speaking(link.language):
        heading = svc.text(f"companion.copy_{level}", name=first_name(patient))
    tell(svc, link, heading + "\n\n" + without_reasons(svc, advice), now)
    log.info("chat %s: a copy of %s advice queued for their companion", pseudonym(patient.chat_id), level)
    return True


def without_reasons(svc: Services, advice: str) -> str:
    """The advice without its "Because you told me: ..." paragraph: what to do is the companion's to know, which
    answers led to it is the patient's (rendered in the voice the advice was written in)."""
    opening = svc.text("checkin.because", answers="\x00").split("\x00")[0].strip()
    kept = [part for part in advice.split("\n\n") if not (opening and part.startswith(opening))]
    return "\n\n".join(kept)


def pass_not_ok(svc: Services, patient: Patient, now: datetime) -> bool:
    """The patient said they are not OK: their companion is told so (never their words), if the patient chose it."""
    link = svc.store.companion_of(patient.chat_id)
    if link is None or not link.not_ok:
        return False
    with svc.speaking(link.language):
        text = svc.text("companion.not_ok", name=first_name(patient))
    tell(svc, link, text, now)
    return True


def end(svc: Services, link: Companion, now: datetime, by_patient: bool) -> None:
    """End the link and tell the other side through the outbox."""
    patient = svc.store.patient(link.patient_chat_id)
    svc.store.end_companion(link.patient_chat_id)
    if by_patient:
        with svc.speaking(link.language):
            text = svc.text("companion.ended_by_patient", name=first_name(patient))
        svc.store.enqueue("reply", link.chat_id, now, body=text)  # the link is gone: not kind "companion"
        svc.wake()
    else:
        with svc.speaking_to(link.patient_chat_id):
            tell(svc, link, svc.text("companion.ended_by_companion", companion=link.name), now, to_patient=True)
    log.info("chat %s: companion link ended by the %s", pseudonym(link.patient_chat_id),
             "patient" if by_patient else "companion")


def tell_of_erasure(svc: Services, patient_chat_id: int, now: datetime) -> None:
    """Before a patient is erased: their companion is told the link ended (without the name, which goes too); and
    if they were someone's companion themselves, that link ends and that patient is told."""
    link = svc.store.companion_of(patient_chat_id)
    if link is not None:
        with svc.speaking(link.language):
            svc.store.enqueue("reply", link.chat_id, now, body=svc.text("companion.ended_erased"))
    theirs = svc.store.accompanied_by(patient_chat_id)
    if theirs is not None:
        end(svc, theirs, now, by_patient=False)
