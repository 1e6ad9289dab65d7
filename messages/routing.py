"""What a patient's typed text does, decided in one place (rules v3 P4e, P4f; docs/design.md "One door").

Every text a patient sends (a message, an edit, a caption, ``/clinic`` text, a long text, a second message
sent before the bot answered the first) is read once, by ``read``, into a ``Typed``: the warning-sign reading
(``messages.checkin.read_text``, itself one ``read_message``) and the few other readings the screen may need
(a typed STOP, yes or no, an everyday wish or answer). ``route(typed, screen)`` then decides, from that
reading and what the patient has in front of them (``Screen``), the ``Action``: the steps the shell carries
out, in order. Pure: no Telegram, no database, no clock.

The safety order, for a clinician to read:

1. **Signs first** (``SIGNS``): an affirmed emergency or urgent sign gets its advice and a clinic alert at once
   (E4, U10; the safety advice alone for someone not enrolled); a sign to confirm or an unsettled red-flag
   mention gets its one-tap question (P4c, P4f). Whatever is on screen. Before the session ("preparing"), a
   cold sore, an infection, a rash, a sunburn or a fever gets the advice to call to reschedule and a note to
   the clinic instead of the aftercare triage (``messages.preparation``); an emergency acts as after it.
2. **Then the answer to what is on screen** (``ORDER``, top row first): a typed STOP stops; an edit changes
   nothing else; a text for the clinic is relayed; a caption gets the note on media; a message written before the bot's last reply
   answers nothing on screen; the consent, an enrolment question, the /settings menu, the resume choice or
   the check-in question take their answer.
3. **Then the everyday answer**: a wish (a pause, a person, help), the clinic's approved answer for the topic
   the question names, "is this normal?" from the day's healing timeline, or "I can't answer that here".
4. **Then the fallback**: the hint for what is on screen (its buttons again after two messages that answer
   nothing), or M11. Every non-answer text carries the emergency line (P11, in the catalog).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from messages import checkin as core
from messages import preparation
from messages import questionnaire as q
from messages.questions import answer_for, looks_like_question, timeline_answer, wish_of
from messages.parsing import is_settings_item_name
from messages.reading_lexicon import Lexicon, load_lexicon
from messages.words import Words
from messages.yes_no import read_yes_no

LONG_TEXT = 1000  # characters: no answer the bot asks for is anywhere near this long

# What the patient can have in front of them.
SCREENS = {
    "stale": "a message written before the bot's last reply appeared (meant for the question before)",
    "relay": "the patient asked to write to the clinic (/clinic or its button): the next text goes there",
    "thread": "a reply to a staff message the bot passed on: it goes back to that staff message",
    "welcome": "not enrolled, nothing asked yet",
    "consent": "the welcome's consent question",
    "enrolment": "an enrolment (or /settings) question",
    "settings": "the /settings menu",
    "resume": "back after blocking the bot: the resume choice",
    "question": "a check-in question",
    "idle": "enrolled, nothing asked",
    "preparing": "enrolled, nothing asked, before the session (days before day 0)",
    "companion": "not a patient: someone's companion (their words are never the patient's)",
}
# How the text came.
VIAS = ("message", "edit", "caption", "clinic")

# The steps an Action can hold, each carried out by bot/handlers/typed.py.
STEPS = {
    "act": "E4 / U10: the advice and a clinic alert at once, then the check-in's one-tap confirmation",
    "advise": "the safety advice for someone not enrolled (nothing is stored)",
    "ask": "the one-tap questions about the signs (a check-in begun if none is open)",
    "reschedule": "before the session: the advice to call to reschedule, and a note to the clinic",
    "unread": "P4g: a text in a language the bot cannot read goes to the clinic chat marked \"not read by the bot\"",
    "stop": "a typed STOP: everything stops",
    "relay": "the text (or the photo with it) goes to the clinic chat",
    "media_note": "the note on photos and other media",
    "edit_note": "the note that an edit changes nothing",
    "too_long": "the note on a very long text",
    "ignore": "nothing (a double-sent answer to a question already gone)",
    "consent": "the typed yes or no to the consent",
    "welcome": "the welcome and its consent question",
    "enrolment": "the answer to the enrolment question (the flow checks it and hints)",
    "settings": "the /settings item the text names (or the menu again)",
    "resume": "the typed yes or no to the resume choice",
    "checkin_answer": "the answer to the check-in question, and the next question",
    "wish": "a pause, a person, help, fewer messages, thanks, worried",
    "normal": "\"is this normal?\": the day's healing timeline",
    "everyday": "the clinic's approved answer",
    "unknown": "\"I can't answer that here\" and the way to a person",
    "hint": "the hint for what is on screen",
    "again": "what is on screen again, with its buttons and one line on what they mean",
    "m11": "M11: an answer, the clinic's contact and the check-in button",
    "companion": "the short kind reply to a companion, with the emergency line; their words go nowhere",
}
ANSWERS_SCREEN = {"consent": "consent", "enrolment": "enrolment", "settings": "settings", "resume": "resume"}
MISSES_BEFORE_AGAIN = 1  # the second message in a row that answers nothing brings the buttons back


@dataclass(frozen=True)
class Screen:
    """What the patient has in front of them when the text arrives."""

    kind: str                          # a key of SCREENS
    via: str = "message"               # one of VIAS
    enrolled: bool = False
    question: q.Question | None = None  # the check-in question on screen, when kind == "question"
    day: int | None = None             # days since treatment, when known (negative before the session)
    misses: int = 0                    # messages in a row that answered nothing at this screen


@dataclass(frozen=True)
class Typed:
    """The one reading of one text."""

    text: str
    signs: core.TextReading
    stop: bool = False
    yes_no: str | None = None       # "yes" | "no" | "unsure"
    wish: str | None = None         # messages.questions.wish_of
    normal: str | None = None       # the timeline key for "is this normal?"
    everyday: str | None = None     # the key of the clinic's approved answer
    question: bool = False          # it reads as a question
    long: bool = False
    item_name: bool = False         # at the /settings menu, the whole text is an item's name
    sunburn: bool = False           # before the session: "I got sunburnt" (messages.preparation.mentions_sunburn)

    @property
    def acts(self) -> bool:
        return self.signs.kind in {"emergency", "urgent"}

    @property
    def reschedule(self) -> tuple[str, ...]:
        """The signs that, before the session, mean it should wait (messages.preparation)."""
        return preparation.reschedule_signs(self.signs, self.sunburn)


@dataclass(frozen=True)
class Action:
    """What the shell does with one text: its steps in order, and the row of the order that decided."""

    steps: tuple[str, ...]
    why: str

    @property
    def answered(self) -> bool:
        """False when the text answered nothing at a pending choice (it counts toward its buttons again)."""
        return not ({"hint", "again"} & set(self.steps))


def read(text: str, screen: Screen, words: Words, plan, *, lexicon=None) -> Typed:
    """Read ``text`` once for what ``route`` needs, with the check-in question on screen and the day.

    ``plan`` holds the clinic's approved answers (``messages.questions.PlanWithAnswers``), or None before
    enrolment; ``lexicon`` is the warning-sign reader's (the patient's language; English by default)."""
    text = text.strip()
    # Before the session (a negative day) signs read as on day 0, the safer reading of day-bound rules (blisters
    # urgent to day 14); the everyday answers and "is this normal?" answer for the day it is.
    sign_day = None if screen.day is None else max(0, screen.day)
    signs = core.read_text(text, screen.question if screen.kind == "question" else None, words, day=sign_day,
                           lexicon=lexicon)
    day = screen.day if screen.day is not None else 0
    wish = wish_of(text, words.forms)
    normal = timeline_answer(text, day, plan, words.forms) if plan is not None else None
    yes_no = words.yes_no(text) or read_yes_no(text, words)  # "No, nothing like that": signs still first (route)
    return Typed(text=text, signs=signs, stop=is_stop_word(words, text), yes_no=yes_no, wish=wish,
                 normal=normal, everyday=answer_for(text, day, plan, words.forms) if plan is not None else None,
                 question=looks_like_question(text, words.forms) or normal is not None, long=len(text) > LONG_TEXT,
                 item_name=screen.kind == "settings" and is_settings_item_name(text, words),
                 sunburn=screen.kind == "preparing" and preparation.mentions_sunburn(text, words))


def lexicon_for(language: str) -> Lexicon:
    """The warning-sign reader's lexicon for ``language``: the one place the reading's language is chosen. A
    language with no lexicon installed is read with the English one first; every other installed lexicon reads
    the text too, and a text none of them can read is marked unread (``messages.reading.read_all``, rules P4g)."""
    try:
        return load_lexicon(language)
    except FileNotFoundError:
        return load_lexicon("en")


def is_stop_word(words: Words, text: str) -> bool:
    """A typed STOP, stop, unsubscribe or "stop all" (the catalog's ``words.stop``; any case, spacing or final ! or .)."""
    return words.read(text[:40], ("stop",)) is not None


def signs_step(typed: Typed, screen: Screen) -> tuple[str, ...]:
    """Step 1 of the safety order: what the signs in the text call for, whatever is on screen."""
    reading = typed.signs
    if not screen.enrolled:  # nothing to judge or store, but the safety advice is for anyone; at an enrolment
        # question a text no lexicon reads is the flow's to read, in the patient's language (its hints carry the
        # emergency line)
        unread_answer = reading.unread and screen.kind == "enrolment"
        return ("advise",) if typed.acts or (reading.safety and not unread_answer) else ()
    if screen.kind == "preparing" and reading.kind != "emergency" and typed.reschedule:
        return ("reschedule",)  # before the session: a cold sore or fever means it waits (an emergency acts)
    if typed.acts:
        return ("act",)
    if reading.unread:  # P4g: a person reads it (unless it is going to one anyway), and Q1 in one tap
        return ("ask",) if screen.kind in {"relay", "thread"} else ("unread", "ask")
    if reading.kind == "asks" and typed.item_name:  # "Sprache" typed at the menu names its Language item
        return ()
    if reading.kind == "asks" and (reading.worrying or _asks_alone(typed, screen)):
        return ("ask",)
    return ()


def _asks_alone(typed: Typed, screen: Screen) -> bool:
    """A sign to confirm that nothing else on screen or in the everyday answers takes (idle, no answer for it)."""
    return screen.kind in {"idle", "question", "stale"} and screen.via == "message" and not _everyday(typed, screen)


@dataclass(frozen=True)
class Row:
    """One row of the order: when it holds, what answers the screen."""

    when: str
    holds: Callable[[Typed, Screen], bool]
    then: Callable[[Typed, Screen, tuple[str, ...]], tuple[str, ...]]
    # Its reply goes before the signs' advice, so that the sign's question is the last thing on screen (the
    # relay receipt, the note on media); the decision is still signs first: none is ever dropped.
    reply_first: bool = False


def _everyday(typed: Typed, screen: Screen) -> tuple[str, ...]:
    """Step 3: the everyday answer, if the text asks for one."""
    if not screen.enrolled:
        return ()
    if typed.wish == "worried" and (typed.signs.kind != "nothing" or screen.kind != "idle"):
        return ()  # "worried about dark spots": its sign is asked about; in a check-in, its question is
    if typed.wish is not None:
        return ("wish",)
    if typed.everyday is not None:  # "is it normal to peel on day 4?": the topic's own answer, not the day's
        return ("everyday",)
    if typed.normal is not None and typed.question:
        return ("normal",)
    return ("unknown",) if typed.question else ()


def _at_choice(typed: Typed, screen: Screen, signs: tuple[str, ...]) -> tuple[str, ...]:
    """A pending choice (consent, resume): its typed yes or no, else the hint, then the buttons again."""
    if typed.acts or signs and not {"advise"} >= set(signs):
        return ()  # an emergency or urgent sign's advice stands alone
    if typed.yes_no in {"yes", "no"}:
        return (ANSWERS_SCREEN[screen.kind],)
    if signs:
        return ()  # the safety advice was the reply
    return ("again",) if screen.misses >= MISSES_BEFORE_AGAIN else ("hint",)


def _at_question(typed: Typed, screen: Screen, signs: tuple[str, ...]) -> tuple[str, ...]:
    """The check-in question on screen: its answer, else the everyday answer, else the hint (buttons again)."""
    if "act" in signs:
        return ()
    if typed.signs.kind == "answer":
        return ("checkin_answer",)
    everyday = _everyday(typed, screen)
    if everyday or signs:
        return everyday
    return ("again",) if screen.misses >= MISSES_BEFORE_AGAIN else ("hint",)


def _at_idle(typed: Typed, screen: Screen, signs: tuple[str, ...]) -> tuple[str, ...]:
    """Nothing asked: the everyday answer after any one-tap question, else M11."""
    if "act" in signs:
        return ()
    return _everyday(typed, screen) or (() if signs else ("m11",))


# The order (step 2 onwards), top row first; the first row that holds decides.
ORDER: tuple[Row, ...] = (
    Row("a typed STOP stops everything, whatever is on screen (a companion's: their link)",
        lambda t, s: t.stop and s.via == "message", lambda t, s, signs: ("stop",)),
    Row("a companion is not the patient: a kind reply and the emergency line (the safety advice alone for a sign)",
        lambda t, s: s.kind == "companion", lambda t, s, signs: () if "advise" in signs else ("companion",)),
    Row("an edit: read for signs; without any, the note that edits change nothing",
        lambda t, s: s.via == "edit", lambda t, s, signs: () if signs else ("edit_note",)),
    Row("a text for the clinic (or a reply to staff) is relayed, and its signs acted on",
        lambda t, s: s.kind in {"relay", "thread"}, lambda t, s, signs: ("relay",), reply_first=True),
    Row("a caption: the note on media, and its signs acted on",
        lambda t, s: s.via == "caption", lambda t, s, signs: ("media_note",), reply_first=True),
    Row("a message written before the last reply answers nothing on screen; a question still gets its answer",
        lambda t, s: s.kind == "stale", lambda t, s, signs: () if "act" in signs else _everyday(t, s) or (
            () if signs else ("ignore",))),
    Row("a very long text answers nothing on screen, after its signs",
        lambda t, s: t.long, lambda t, s, signs: () if signs else ("too_long",)),
    Row("before enrolment, nothing on screen: the welcome (after any safety advice)",
        lambda t, s: s.kind == "welcome", lambda t, s, signs: () if "advise" in signs and t.acts else ("welcome",)),
    Row("the consent on screen: a typed yes or no answers it",
        lambda t, s: s.kind == "consent", _at_choice),
    Row("an enrolment question on screen: the flow reads the answer",
        lambda t, s: s.kind == "enrolment", lambda t, s, signs: () if signs else ("enrolment",)),
    Row("the /settings menu on screen: the item the text names",
        lambda t, s: s.kind == "settings", lambda t, s, signs: () if signs else ("settings",)),
    Row("the resume choice on screen: a typed yes or no answers it",
        lambda t, s: s.kind == "resume", _at_choice),
    Row("the check-in question on screen: its answer, else the everyday answer, else the hint",
        lambda t, s: s.kind == "question", _at_question),
    Row("nothing asked: the everyday answer, else M11 (before the session as after it)",
        lambda t, s: True, _at_idle),
)


def route(typed: Typed, screen: Screen) -> Action:
    """The steps for ``typed`` at ``screen``: signs first, then the first row of ORDER that holds."""
    if screen.kind not in SCREENS or screen.via not in VIAS:
        raise ValueError(f"unknown screen {screen.kind!r} / {screen.via!r}")
    signs = signs_step(typed, screen)
    row = next(r for r in ORDER if r.holds(typed, screen))
    then = row.then(typed, screen, signs)
    steps = then + signs if row.reply_first else signs + then
    return Action(steps or ("m11",), row.when)
