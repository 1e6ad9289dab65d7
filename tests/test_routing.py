"""The router's table (messages/routing.py): every screen x every kind of reading, and the other readings.

Rows are what the patient has on screen and how the text came; columns are what the warning-sign reading
found. A cell is the steps the shell carries out, in order. Read top to bottom it is the safety order: signs
are acted on (act, advise) or asked about (ask) at every screen; what is on screen answers only what they leave.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from messages import questionnaire as q
from messages.checkin import TextReading
from messages.routing import MISSES_BEFORE_AGAIN, ORDER, SCREENS, STEPS, VIAS, Screen, Typed, route

READINGS = {
    "emergency": TextReading("emergency", signs=("breathing_difficulty",), safety=True),
    "urgent": TextReading("urgent", signs=("fever",), asks=("confirm_fever",)),
    "unsettled": TextReading("asks", asks=("safety",), safety=True, worrying=True),   # P4f: "my lips feel funny"
    "worrying": TextReading("asks", asks=("confirm_redness",), worrying=True),        # C8 once confirmed
    "mild": TextReading("asks", asks=("confirm_peeling",)),                           # N6 once confirmed
    "answer": TextReading("answer", answer="none"),                                   # the check-in question's
    "nothing": TextReading("nothing"),
    "unread": TextReading("asks", asks=("safety",), safety=True, worrying=True, unread=True),  # P4g: "ik kan niet ademen"
}

# via    screen     emergency          urgent             unsettled          worrying        mild        answer          nothing     unread
GRID = """
message  stale      act                act                ask                ask             ask         ignore          ignore      unread+ask
message  relay      relay+act          relay+act          relay+ask          relay+ask       relay       relay           relay       relay+ask
message  thread     relay+act          relay+act          relay+ask          relay+ask       relay       relay           relay       relay+ask
message  welcome    advise             advise             advise+welcome     welcome         welcome     welcome         welcome     advise+welcome
message  consent    advise             advise             advise             hint            hint        hint            hint        advise
message  enrolment  act                act                ask                ask             enrolment   enrolment       enrolment   unread+ask
message  settings   act                act                ask                ask             settings    settings        settings    unread+ask
message  resume     act                act                ask                ask             hint        hint            hint        unread+ask
message  question   act                act                ask                ask             ask         checkin_answer  hint        unread+ask
message  idle       act                act                ask                ask             ask         m11             m11         unread+ask
message  preparing  act                reschedule         ask                ask             m11         m11             m11         unread+ask
caption  stale      media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  relay      relay+act          relay+act          relay+ask          relay+ask       relay       relay           relay       relay+ask
caption  thread     relay+act          relay+act          relay+ask          relay+ask       relay       relay           relay       relay+ask
caption  welcome    media_note+advise  media_note+advise  media_note+advise  media_note      media_note  media_note      media_note  media_note+advise
caption  consent    media_note+advise  media_note+advise  media_note+advise  media_note      media_note  media_note      media_note  media_note+advise
caption  enrolment  media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  settings   media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  resume     media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  question   media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  idle       media_note+act     media_note+act     media_note+ask     media_note+ask  media_note  media_note      media_note  media_note+unread+ask
caption  preparing  media_note+act     media_note+reschedule  media_note+ask  media_note+ask  media_note  media_note      media_note  media_note+unread+ask
edit     stale      act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     relay      act                act                ask                ask             edit_note   edit_note       edit_note   ask
edit     thread     act                act                ask                ask             edit_note   edit_note       edit_note   ask
edit     welcome    advise             advise             advise             edit_note       edit_note   edit_note       edit_note   advise
edit     consent    advise             advise             advise             edit_note       edit_note   edit_note       edit_note   advise
edit     enrolment  act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     settings   act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     resume     act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     question   act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     idle       act                act                ask                ask             edit_note   edit_note       edit_note   unread+ask
edit     preparing  act                reschedule         ask                ask             edit_note   edit_note       edit_note   unread+ask
message  companion  advise             advise             advise             companion       companion   companion       companion   advise
caption  companion  advise             advise             advise             companion       companion   companion       companion   advise
edit     companion  advise             advise             advise             companion       companion   companion       companion   advise
clinic   relay      relay+act          relay+act          relay+ask          relay+ask       relay       relay           relay       relay+ask
"""

CELLS = [(via, screen, reading, tuple(steps.split("+")))
         for via, screen, *cells in (line.split() for line in GRID.strip().splitlines())
         for reading, steps in zip(READINGS, cells, strict=True)]
QUESTION = q.question("pain")


def screen(kind: str, via: str = "message", misses: int = 0) -> Screen:
    enrolled = kind not in {"welcome", "consent", "companion"}
    return Screen(kind, via, enrolled, QUESTION if kind == "question" else None, 3 if enrolled else None, misses)


def typed(reading: str = "nothing", **values) -> Typed:
    return Typed("words", READINGS[reading], **values)


def test_the_grid_names_every_screen_and_way_in():
    """Every screen with every way a text comes (/clinic text only ever meets the relay)."""
    rows = {(via, kind) for via, kind, _, _ in CELLS}
    assert rows == {(via, kind) for via in VIAS for kind in SCREENS if via != "clinic"} | {("clinic", "relay")}


@pytest.mark.parametrize("via, kind, reading, steps", CELLS, ids=[f"{v}-{k}-{r}" for v, k, r, _ in CELLS])
def test_every_screen_and_reading(via, kind, reading, steps):
    assert route(typed(reading), screen(kind, via)).steps == steps


@pytest.mark.parametrize("kind", list(SCREENS))
def test_a_typed_stop_stops_at_every_screen(kind):
    """STOP works whatever is on screen, as in SMS services; an edit to "stop" does not."""
    assert route(typed(stop=True), screen(kind)).steps[-1] == "stop"
    assert "stop" not in route(typed(stop=True), screen(kind, "edit")).steps


@pytest.mark.parametrize("kind, answer, steps", [
    ("consent", "yes", ("consent",)), ("consent", "no", ("consent",)), ("consent", "unsure", ("hint",)),
    ("resume", "yes", ("resume",)), ("resume", "no", ("resume",)), ("resume", None, ("hint",)),
    ("welcome", "yes", ("welcome",)), ("idle", "yes", ("m11",)),
])
def test_a_typed_yes_or_no_answers_the_choice_on_screen(kind, answer, steps):
    assert route(typed(yes_no=answer), screen(kind)).steps == steps


def test_an_emergency_at_the_consent_gets_the_advice_and_never_the_consent():
    assert route(typed("emergency", yes_no="yes"), screen("consent")).steps == ("advise",)
    assert route(typed("unsettled", yes_no="yes"), screen("consent")).steps == ("advise", "consent")


@pytest.mark.parametrize("kind", ["consent", "resume", "question"])
def test_the_second_message_that_answers_nothing_brings_the_buttons_back(kind):
    assert route(typed(), screen(kind, misses=MISSES_BEFORE_AGAIN - 1)).steps == ("hint",)
    assert route(typed(), screen(kind, misses=MISSES_BEFORE_AGAIN)).steps == ("again",)


@pytest.mark.parametrize("kind, values, steps", [
    ("idle", {"everyday": "answers.makeup", "question": True}, ("everyday",)),
    ("idle", {"question": True}, ("unknown",)),
    ("idle", {"normal": "timeline.day_0", "question": True}, ("normal",)),
    ("idle", {"normal": "timeline.day_0"}, ("m11",)),                      # "normal" alone asks nothing
    ("idle", {"normal": "timeline.day_4_7", "everyday": "questions.peeling_expected", "question": True},
     ("everyday",)),                                        # "is it normal to peel?": the topic's own answer
    ("idle", {"wish": "want_person"}, ("wish",)),
    ("idle", {"wish": "worried"}, ("wish",)),
    ("question", {"wish": "worried"}, ("hint",)),                          # in a check-in its question answers
    ("question", {"everyday": "answers.makeup", "question": True}, ("everyday",)),
    ("stale", {"everyday": "answers.makeup", "question": True}, ("everyday",)),
    ("relay", {"everyday": "answers.makeup", "question": True}, ("relay",)),
    ("settings", {"everyday": "answers.makeup", "question": True}, ("settings",)),
    ("consent", {"everyday": "answers.makeup", "question": True}, ("hint",)),
])
def test_the_everyday_answer_comes_after_the_screen(kind, values, steps):
    assert route(typed(**values), screen(kind)).steps == steps


@pytest.mark.parametrize("reading, steps", [
    ("emergency", ("act",)),                                   # the advice stands alone
    ("urgent", ("act",)),
    ("unsettled", ("ask", "everyday")),                        # P4e: "can I wear make-up? my lips feel funny"
    ("worrying", ("ask", "everyday")),                         # P4e: "... my cheeks are still red" on day 10
    ("mild", ("everyday",)),                                   # N6 "is it normal to peel on day 4?": the answer
])
def test_a_sign_inside_an_everyday_question_comes_first(reading, steps):
    values = {"everyday": "answers.makeup", "question": True}
    assert route(typed(reading, **values), screen("idle")).steps == steps
    assert route(typed(reading, **values, wish="worried"), screen("idle")).steps[0] in {"act", "ask", "wish"}


@pytest.mark.parametrize("reading, steps", [
    ("emergency", ("act",)), ("urgent", ("act",)), ("unsettled", ("ask",)), ("worrying", ("ask",)),
    ("mild", ("ask",)), ("nothing", ("too_long",)),
])
def test_a_long_text_is_read_whole_and_answers_nothing_else(reading, steps):
    assert route(typed(reading, long=True), screen("question")).steps == steps


def test_every_step_is_produced_and_carried_out():
    """Each step the table can give is produced by some route, and the door carries out every one."""
    produced = {step for _, _, _, steps in CELLS for step in steps}
    produced |= {"stop", "consent", "resume", "again", "hint", "wish", "normal", "everyday", "unknown", "too_long"}
    assert produced == set(STEPS)
    door = Path(__file__).resolve().parent.parent.joinpath("bot", "handlers", "typed.py").read_text()
    assert all(f'"{step}"' in door for step in STEPS)


@pytest.mark.parametrize("reading, values, steps", [
    (TextReading("urgent", signs=("cold_sores",), asks=("confirm_cold_sores",)), {}, ("reschedule",)),
    (TextReading("asks", asks=("ask_rash",)), {}, ("reschedule",)),
    (TextReading("nothing"), {"sunburn": True}, ("reschedule",)),
    (TextReading("urgent", signs=("eye_problem",), asks=("confirm_eye_problem",)), {}, ("act",)),
    (TextReading("emergency", signs=("breathing_difficulty", "cold_sores"), safety=True), {}, ("act",)),
])
def test_before_the_session_a_sign_that_means_waiting_gets_the_reschedule_advice(reading, values, steps):
    """Before the session a cold sore, a rash or a sunburn means calling to reschedule; an emergency, or an urgent
    sign that is not about the session waiting (an eye problem), still acts as after it."""
    assert route(Typed("words", reading, **values), screen("preparing")).steps == steps
    assert route(Typed("words", reading, **values), screen("idle")).steps != ("reschedule",)


def test_an_unknown_screen_is_refused():
    with pytest.raises(ValueError):
        route(typed(), Screen("lobby"))


def test_the_order_reads_as_sentences():
    """A clinician reads the order as its rows' sentences (messages/routing.py ORDER)."""
    assert all(row.when[0].islower() and len(row.when.split()) >= 4 for row in ORDER)


@pytest.mark.parametrize("kind, steps", [("settings", ("settings",)), ("idle", ("ask",)), ("question", ("ask",))])
def test_an_item_name_typed_alone_at_the_settings_menu_names_the_item(kind, steps):
    """A whole text that is just a /settings item's name ("Sprache", also German for speech) names the item at
    the open menu; the same unsettled mention anywhere else still gets the safety question."""
    assert route(typed("unsettled", item_name=kind == "settings"), screen(kind)).steps == steps
