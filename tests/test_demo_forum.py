"""demo/forum.txt: the demo's clinic chat as a forum, an invitation to a resolved alert in the patient's topic."""

from __future__ import annotations

from tests.test_demo import ROOT, first_line, transcript
from tests.texts import said

FORUM_SCRIPT = ROOT / "demo" / "forum.txt"
FORUM_DOC = ROOT / "docs" / "forum.md"
TOPIC = "[chat -100100 › A-1043 · patient no. 1]"


def thread_view(text: str) -> str:
    """What ``:thread`` printed: the patient's topic as the staff see it."""
    return text.split("you> :thread\n", 1)[1].split("── end of the topic ──", 1)[0]


async def test_the_forum_walkthrough_keeps_one_patients_whole_story_in_her_topic(tmp_path):
    """demo/forum.txt: Ana enrols from the nurse's invitation; her alert opens her topic (named by the clinic
    reference, never her name) and lives there through acknowledged, no answer, a note, reached and resolved; the
    nurse's message in the topic reaches her, her answer comes back to it, and ``:thread`` shows it all in order."""
    code, text = await transcript(FORUM_SCRIPT.read_text(encoding="utf-8").splitlines(), tmp_path)
    assert code == 0 and text.rstrip().endswith("(demo over)")
    assert first_line("enrol.invite_found", date="23 Nov 2026", plan_title="Microneedling aftercare") in text
    assert f"{TOPIC} bot> (topic created: A-1043 · patient no. 1)" in text
    assert f"{TOPIC} bot> ⚠️ URGENT (today): Ana" in text
    nurse = "Hello Ana, this is Sam from the clinic. Please call us back on the clinic number when you can."
    assert "bot> " + said("clinic.from_clinic", text=nurse) in text  # the topic message reached Ana
    view = thread_view(text)
    assert view.startswith(f"── {TOPIC}, as the staff see it ──\n(topic created: A-1043 · patient no. 1)\n")
    order = ["⚠️ URGENT (today)", "Note: Left a voicemail", "✅ Resolved by Sam", f"Sam> {nurse}",
             "✓ Sent to Ana", "✉️ Message from Ana", "I called, we spoke."]
    assert all(part in view for part in order)
    assert view.index(f"Sam> {nurse}") < view.index("✓ Sent to Ana") < view.index("I called, we spoke.")


async def test_docs_forum_shows_the_thread_the_walkthrough_prints(tmp_path):
    """The thread in docs/forum.md is exactly what ``:thread`` prints at the end of demo/forum.txt."""
    code, text = await transcript(FORUM_SCRIPT.read_text(encoding="utf-8").splitlines(), tmp_path)
    documented = FORUM_DOC.read_text(encoding="utf-8").split("```text\n", 1)[1].split("```", 1)[0]
    assert code == 0 and documented == thread_view(text) + "── end of the topic ──\n"
