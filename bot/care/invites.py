"""Invitations: a personal deep link the clinic hands a patient, which already knows the treatment date, the plan
and the clinic's own reference for them.

The ``/start`` payload carries everything, signed, so the bot needs no list of invitations made (``aftercare
invite`` can make one with the bot running elsewhere); the store only remembers which were used (once each).
Telegram allows at most 64 characters of ``A-Z a-z 0-9 _ -``, so the payload is ``i`` and the URL-safe base64
(no padding) of these bytes, 60 characters at most:

    version (1) | invite id (6, random) | treatment date (2) | expiry date (2) | plan (3) | reference (0-20) | MAC (10)

Dates are days since 2000-01-01. The plan is the first 3 bytes of the SHA-256 of its name, matched against the
plans this bot has (``schedules/plans/*.toml`` and AFTERCARE_PLANS_DIR). The MAC is HMAC-SHA256 under a key
derived from the data key (``bot.crypto.Sealer.sign_invite``), cut to 80 bits: forging one means guessing it.
The reference travels in the link (it is a number in the clinic's own system; no name, no health data).

A plain poster link (``?start=<plan>``) is not an invitation: it only selects the plan (``opening``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterable

import segno

from schedules.care_plan import available_plans, load_plan

PREFIX, VERSION = "i", 1
EPOCH = date(2000, 1, 1)
MAC_BYTES, ID_BYTES, PLAN_BYTES = 10, 6, 3
HEAD = struct.Struct(">B6sHH3s")
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,19}$")  # a record number: what fits, and no one's name
MAX_DAYS = 90            # an invitation expires after at most this many days
DEFAULT_DAYS = 14
MAX_AHEAD = timedelta(days=60)  # a treatment date at most this far ahead (an invitation made at booking)


class InviteError(ValueError):
    """An invitation that can't be made (a bad date, plan, reference or number of days), said plainly."""


@dataclass(frozen=True)
class Invite:
    """What a valid invitation says."""

    id: str
    plan: str
    treatment_date: date
    expires: date
    ref: str


def _plan_tag(name: str) -> bytes:
    return hashlib.sha256(name.encode("ascii")).digest()[:PLAN_BYTES]


def _day(value: date) -> int:
    return (value - EPOCH).days


def seal_payload(sign: Callable[[bytes], bytes], prefix: str, body: bytes, context: bytes = b"") -> str:
    """``prefix`` and the URL-safe base64 (no padding) of ``body`` and its MAC, cut to 80 bits. The MAC covers
    ``context`` too, so a payload made for one purpose (a companion's link: bot/care/companions.py) never checks
    as another's; clinic invitations have none, as every link already handed out was made."""
    return prefix + base64.urlsafe_b64encode(body + sign(context + body)[:MAC_BYTES]).decode("ascii").rstrip("=")


def open_payload(sign: Callable[[bytes], bytes] | None, prefix: str, payload: str,
                 context: bytes = b"") -> bytes | None:
    """The body of a payload ``seal_payload`` made with this key and ``context``, or None (forged, changed, not
    ours, or no data key to check it with)."""
    if sign is None or not payload.startswith(prefix):
        return None
    text = payload[len(prefix):]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if not body or not hmac.compare_digest(sign(context + body)[:MAC_BYTES], mac):
        return None
    return body


def make_invite(sign: Callable[[bytes], bytes], plan: str, treated: date, ref: str, days: int, today: date,
                plan_length: int, token: Callable[[int], bytes] = secrets.token_bytes) -> tuple[str, Invite]:
    """A signed payload and what it says; raises InviteError naming what is wrong."""
    if ref and not REF.match(ref):
        raise InviteError("the clinic reference must be 1-20 letters, digits or . _ / - (no spaces, no names)")
    if not 1 <= days <= MAX_DAYS:
        raise InviteError(f"--days must be between 1 and {MAX_DAYS}")
    if treated > today + MAX_AHEAD:
        raise InviteError(f"the treatment date is more than {MAX_AHEAD.days} days ahead")
    if treated < today - timedelta(days=plan_length):
        raise InviteError(f"the treatment date is more than {plan_length} days ago: the plan would be over")
    expires = today + timedelta(days=days)
    invite_id = token(ID_BYTES)
    body = HEAD.pack(VERSION, invite_id, _day(treated), _day(expires), _plan_tag(plan)) + ref.encode("ascii")
    payload = seal_payload(sign, PREFIX, body)
    assert len(payload) <= 64
    return payload, Invite(invite_id.hex(), plan, treated, expires, ref)


def looks_like_invite(payload: str) -> bool:
    return payload.startswith(PREFIX) and len(payload) > 30


def read_invite(sign: Callable[[bytes], bytes] | None, payload: str, plans: Iterable[str],
                today: date) -> Invite | str:
    """What the payload says, or why it is refused: "forged" (not ours, or changed), "expired", "plan" (a plan this
    bot no longer has). Whether it was used already is the store's (``invite_used``)."""
    body = open_payload(sign, PREFIX, payload)
    if body is None or len(body) < HEAD.size:
        return "forged"
    version, invite_id, treated, expires, tag = HEAD.unpack(body[:HEAD.size])
    ref = body[HEAD.size:].decode("ascii", "replace")
    if version != VERSION:
        return "forged"
    expiry = EPOCH + timedelta(days=expires)
    if today > expiry:
        return "expired"
    plan = next((name for name in sorted(plans) if _plan_tag(name) == tag), None)
    if plan is None:
        return "plan"
    return Invite(invite_id.hex(), plan, EPOCH + timedelta(days=treated), expiry, ref)


def invite_for(sealer, plans_dir, plan: str, treated: date, ref: str, days: int, today: date) -> tuple[str, Invite]:
    """A new invitation for one of this bot's plans, signed with the data key's invitation key."""
    if sealer is None:
        raise InviteError("invitations are signed with the data key: set AFTERCARE_DATA_KEY_FILE (or "
                          "AFTERCARE_DATA_KEY) as the bot has it")
    known = available_plans(plans_dir)
    if plan not in known:
        raise InviteError(f"no care plan {plan!r}; the plans are: {', '.join(known)}")
    length = load_plan(plan, None, plans_dir).length_days
    return make_invite(sealer.sign_invite, plan, treated, ref, days, today, length)


def desk_files(link: str) -> tuple[bytes, bytes]:
    """The link's QR code as a PNG (to show or send) and a one-page PDF (to print at the desk), both by segno.

    segno, not fpdf2: it is already the poster's QR library, it writes the PDF itself (vector modules, one page
    the size of the code, no fonts), and it needs no new dependency to lock and audit. The page carries the code
    only: it goes home with the patient, so nothing on it names them or their treatment."""
    code = segno.make_qr(link, error="m")
    png, pdf = io.BytesIO(), io.BytesIO()
    code.save(png, kind="png", scale=10, border=4)
    code.save(pdf, kind="pdf", scale=8, border=4)
    return png.getvalue(), pdf.getvalue()
