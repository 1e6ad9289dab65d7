"""Erasure leaves no name in the clinic chat: receipts are edited to the erased wording, /flagged never names."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import CLINIC_ADMIN as ADMIN, CLINIC_CHAT as CLINIC, enrol
from tests.texts import said

CHAT = 1001


def named(phone) -> list[str]:
    """Every text in the clinic chat (as it reads now, edits applied) that names the patient."""
    return [m.text for m in phone.telegram.chat(CLINIC) if "Ana" in (m.text or "") or "ana_k" in (m.text or "")]


async def test_delete_edits_the_sent_to_receipts_and_flagged_never_names_the_patient(clinic_bot):
    """After /delete, the "✓ Sent to Ana (@ana_k)" receipt says the patient erased their data, and an earlier
    /flagged listing named the patient by number only, so nothing in the clinic chat names them."""
    phone = clinic_bot.phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic", username="ana_k")
    await phone.send(CHAT, "My throat is swelling and I can't breathe", username="ana_k")
    relayed = next(m for m in reversed(phone.telegram.chat(CLINIC)) if m.text.startswith("✉️"))
    await phone.feed(phone.telegram.reply(CLINIC, "Call 999 now.", relayed))
    receipt = phone.telegram.last(CLINIC)
    assert receipt.text.startswith("✓ Sent to Ana (@ana_k)")
    await phone.feed(phone.telegram.message(CLINIC, "/flagged", user_id=ADMIN, chat_type="supergroup"))
    assert "patient no. 1" in phone.telegram.last(CLINIC).text
    assert named(phone)  # the alert, the relay and the receipt name her until she erases
    await phone.send(CHAT, "/delete")
    await phone.tap(CHAT, "Yes, erase everything")
    await clinic_bot.run(phone.clock.now() + timedelta(minutes=1))
    assert receipt.text == said("alerts.erased_message")
    assert named(phone) == []
    assert phone.store.db.execute("SELECT count(*) FROM clinic_mentions").fetchone()[0] == 0


async def test_delete_edits_the_caption_of_a_relayed_photo(clinic_bot):
    """A photo the patient relayed with /clinic keeps no name after /delete: its caption is edited (a photo has
    no text to edit) to the erased wording."""
    phone = clinic_bot.phone
    await enrol(phone)
    await phone.send(CHAT, "/clinic", username="ana_k")
    await phone.feed(phone.telegram.photo(CHAT, "AgADphoto2", caption="is this normal?"))
    photo = phone.telegram.last(CLINIC)
    assert photo.kind == "photo" and "Ana" in photo.text
    await phone.send(CHAT, "/delete")
    await phone.tap(CHAT, "Yes, erase everything")
    await clinic_bot.run(phone.clock.now() + timedelta(minutes=1))
    assert photo.text == said("alerts.erased_message") and photo.edits == 1
    assert named(phone) == []
    assert any(method == "editMessageCaption" for method, _ in phone.telegram.calls)
