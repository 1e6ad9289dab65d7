"""Everyday questions: find the clinic's approved answer (care plan data) from the patient's words.

Pure and simple on purpose: the words are made plain (``plain_words``: lower case, punctuation
and hyphens to spaces), and an answer's topic matches when one of its words
or phrases appears whole, or, for a word written ``exercis*``, as the start
of a word, and none of its ``not`` words does ("hyaluronic acid" is not one of
the "acids"). Only a message that asks gets a topic's answer (``asks``): "I went
running yesterday" is news, "can I go running?" a question. No guessing beyond
that: a question no topic names gets "I can't answer that here" and the way to
a person. Red flags are read before any of this (messages/routing.py: signs first).

"Is this normal?" (``timeline_answer``) is answered from the day's healing
timeline (the plan's ``[timeline]``), when no topic of the plan is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from messages.words import unaccented

MAX_TEXT = 500  # an everyday question is short; never scan a long message word by word

_NON_WORD = re.compile(r"[^a-z0-9]+")
QUESTION_OPENERS = frozenset({
    "can", "could", "is", "are", "am", "should", "shall", "when", "how", "what", "why", "where", "which", "who",
    "do", "does", "did", "may", "will", "would", "must", "any", "anything", "ok", "okay", "normal",
})
TOMORROW = frozenset({"tomorrow", "tmrw", "tmr"})
# Phrases that ask wherever they stand in the message ("still flaking, is that ok"), besides a question mark or
# an opener first. English; another language adds its own in its catalog's words.toml (``question_openers``,
# ``asking``, ``tomorrow``, and ``topic_<topic>`` / ``topic_<topic>_not`` beside the plan's English topic words).
ASKING = ("is it", "is that", "is this", "can i", "could i", "should i", "do i", "may i", "am i", "how long",
          "how soon", "when can", "when should", "ok to", "okay to", "allowed to", "safe to", "what about",
          "wondering", "wondered")
TOPIC_ALONE = 2  # words: a topic typed alone ("makeup", "gym tomorrow") asks about it


class AnswerData(Protocol):
    """What the core needs of one plan answer (schedules.care_plan.Answer has it)."""

    topic: str
    words: tuple[str, ...]
    by_day: tuple[tuple[int, int, str], ...]
    not_words: tuple[str, ...]


class TimelineData(Protocol):
    """What the core needs of a plan's healing timeline (schedules.plan_parts.Timeline has it)."""

    def key(self, day: int) -> str: ...


class PlanWithAnswers(Protocol):
    answers: tuple[AnswerData, ...]
    timeline: TimelineData | None


def plain_words(text: str) -> str:
    """Lower case, curly quotes straightened, everything but letters and digits to single spaces.

    Plainer than ``messages.words.normalise`` (the typed-answer reader's, which keeps ' ? / -): accents off
    ("maquíllate" is "maquillate"), then only ASCII letters and digits stay, so a topic word matches whole or not
    at all."""
    text = unaccented(text[:MAX_TEXT]).replace("’", "'").replace("'", "")
    return " ".join(_NON_WORD.sub(" ", text).split())


def mentions(text: str, words: Iterable[str]) -> bool:
    """Whether ``text`` (already ``plain_words``) names one of ``words`` (whole words or phrases; ``word*`` a prefix)."""
    padded = f" {text} "
    for word in words:
        if word.endswith("*"):
            stem = plain_words(word[:-1])
            if stem and re.search(rf"(?<![a-z0-9]){re.escape(stem)}", text):
                return True
        elif (phrase := plain_words(word)) and f" {phrase} " in padded:
            return True
    return False


WISHES = ("want_person", "want_pause", "want_fewer", "worried")  # word lists in catalog/<lang>/words.toml,
# found anywhere in the message
WHOLE_WISHES = {"want_help": "want_help", "want_pause": "pause_alone", "thanks": "thanks"}  # wish: the word
# list of what means it only as the whole message ("pause" alone is a wish, "should I pause my retinol?" is not)


def wish_of(text: str, forms: Mapping[str, Iterable[str]]) -> str | None:
    """What a patient typing at idle asks for beyond a care question: "want_person" (a person at the clinic),
    "want_pause" (a break from messages), "want_fewer" (fewer messages), "worried" (worried, or feeling it is
    not going well, with no sign named), and as the whole message "want_help"
    ("help", "what can you do") or "thanks" (a thank-you or greeting), else None.

    ``forms`` maps each of these to its typed forms (messages.words.Words.forms)."""
    said = plain_words(text)
    for wish in WISHES:
        if mentions(said, forms.get(wish, ())):
            return wish
    return next((wish for wish, key in WHOLE_WISHES.items()
                 if said and said in {plain_words(f) for f in forms.get(key, ())}), None)


def _openers(forms: Mapping[str, Iterable[str]] | None) -> frozenset[str]:
    return QUESTION_OPENERS | frozenset(plain_words(w) for w in (forms or {}).get("question_openers", ()))


def looks_like_question(text: str, forms: Mapping[str, Iterable[str]] | None = None) -> bool:
    """A question mark, or a sentence opening the way questions do ("can I ...", "is it normal ...", and the
    patient's language's ``question_openers``: "darf ich ...", "puedo ...")."""
    if "?" in text[:MAX_TEXT]:
        return True
    words = plain_words(text).split()
    return bool(words) and words[0] in _openers(forms) and len(words) >= 3


def asks(text: str, forms: Mapping[str, Iterable[str]] | None = None) -> bool:
    """Whether ``text`` asks something: a question mark, a question opener first, an asking phrase anywhere
    ("still flaking, is that ok"), or a topic typed alone (at most ``TOPIC_ALONE`` words: "makeup?")."""
    if "?" in text[:MAX_TEXT]:
        return True
    words = plain_words(text)
    asking = (*ASKING, *(forms or {}).get("asking", ()))
    return bool(words) and (words.split()[0] in _openers(forms) or mentions(words, asking)
                            or len(words.split()) <= TOPIC_ALONE)


def answer_for(text: str, day: int, plan: PlanWithAnswers,
               forms: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The catalog key of the clinic's answer to ``text`` on ``day`` since treatment, or None.

    Only a text that ``asks`` gets one. The first answer of the plan whose words (or the patient's language's
    ``topic_<topic>`` words in ``forms``) the text names, and none of its ``not`` words, wins, so a plan lists its more specific topics first. "Tomorrow" asks about the next day's answer.
    """
    forms = forms or {}
    words = plain_words(text)
    if not words or not asks(text, forms):
        return None
    if (TOMORROW | {plain_words(w) for w in forms.get("tomorrow", ())}) & set(words.split()):
        day += 1
    for answer in plan.answers:
        own = answer.topic.replace("-", "_")
        if mentions(words, (*answer.words, *forms.get(f"topic_{own}", ()))) \
                and not mentions(words, (*answer.not_words, *forms.get(f"topic_{own}_not", ()))):
            return key_for_day(answer, day)
    return None


def timeline_answer(text: str, day: int, plan: PlanWithAnswers, forms: Mapping[str, Iterable[str]]) -> str | None:
    """The catalog key of the day's healing timeline when ``text`` asks whether something is normal or expected
    ("is this normal?", "should it look like this", "is that expected"), else None (no timeline, or not asked).

    ``forms["asks_normal"]`` holds the asking phrases (catalog/<lang>/words.toml), found anywhere in the text."""
    timeline = getattr(plan, "timeline", None)
    if timeline is None or not mentions(plain_words(text), forms.get("asks_normal", ())):
        return None
    return timeline.key(day)


def key_for_day(answer: AnswerData, day: int) -> str | None:
    """The answer's catalog key for ``day`` (the last range after the plan). Before the session only a range of
    the preparation days answers (None otherwise): an aftercare answer ("not yet, for the first 5 days") would be
    wrong about skin not yet treated."""
    if not answer.by_day:
        return None
    for first, last, key in answer.by_day:
        if first <= day <= last:
            return key
    return None if day < 0 else answer.by_day[0][2] if day < answer.by_day[0][0] else answer.by_day[-1][2]
