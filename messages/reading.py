"""Read a typed message for signs (triage-rules.md P4a-P4c): ``read_message(text) -> Reading``.

Pure: no Telegram, no database, no clock. The words are data
(``messages/lexicon/en.toml``); ``reading_match`` finds where they occur and
this module decides what each occurrence means:

- P4b polarity: a negation cue covers the first sign after it in its clause,
  and the next ones joined to it by "or"/"and"/"any" only ("no fever or chills",
  but "no fever and my lips are swelling" affirms the lips); "... is fine/gone"
  covers the sign right before it; "if"/"in case" make a sign a possibility;
  a sign of someone else ("my son has a fever") and a sign said to have passed
  ("fever last night, fine now") read like negated mentions; "not sure" is
  uncertainty, so the sign counts (P2); persistence words ("still") affirm.
- P4c action: an affirmed sign does what its lexicon entry says (emergency,
  urgent, confirm or ask); a negated or hedged emergency or urgent sign is
  asked about; a negated contact or monitor sign raises nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from messages.reading_lexicon import Lexicon, load_lexicon
from messages.reading_match import Match, Text, Word, cue_matches, pairs, resolve, sign_matches, split
from messages.reading_numbers import score_matches, temperature_matches
from messages.words import unaccented

__all__ = ["ACTIONS", "Reading", "Sign", "free_text_token", "installed_languages", "read_all", "read_message",
           "warm_up"]

ALARMS = ("emergency", "urgent")
#: What the bot does about a sign, weakest first. "passed" is an emergency sign said to have passed (P4i).
ACTIONS = ("ask", "passed", "confirm", "urgent", "emergency")
_RANK = {action: rank for rank, action in enumerate(ACTIONS)}
_CONSUMING = ("persistence", "uncertainty")
# Cues kept where a sign's words overlap them: "her face is swollen" both ties the daughter to the treatment
# (patient_links) and is a sign.
_BESIDE_SIGNS = ("patient_links",)
_SAFETY_ACTIONS = ("emergency", "ask", "passed")
_ECHO_WORDS = 3  # a question this short, answered "No" in the next sentence, denies its sign ("Eiter? Nein, ...")


@dataclass(frozen=True)
class Sign:
    """One §0 token found in a message and what the bot does about it (P4c)."""

    token: str   # "lip_swelling", "fever", "pain:very_severe", "rash", "trend:worsening", ...
    action: str  # "emergency" | "urgent" | "confirm" | "ask" | "passed" (an emergency sign that has passed, P4i)


@dataclass(frozen=True)
class Reading:
    """Every sign found in one message, in the order they first appear."""

    signs: tuple[Sign, ...] = ()
    lexicon_version: str = ""
    # Tokens every mention of which is negated or passed (P4b: "no fever", "no pain", "temp is 36.8"), none
    # hedged or affirmed: at that item's own question this is the answer No (or None). Whatever their level.
    denied: tuple[str, ...] = field(default=(), compare=False)
    # Tokens of the emergency families (P4f: breathing, swallowing, throat, tongue, lips, mouth, fainting,
    # dizziness, confusion, speech, chest): asking about one of them is the Q1 safety screen.
    safety_tokens: tuple[str, ...] = field(default=(), compare=False)
    # Tokens asked about only because the message mentions their red-flag function in words the reader cannot
    # settle (P4f: "my lips feel a bit funny"), not because they were negated, hedged or someone else's: left
    # unanswered for 12 h, such a question is contact_provider, so a person looks at it.
    unsettled: tuple[str, ...] = field(default=(), compare=False)
    # The lexicon's language, and every token the message names in it, whatever it says of it (negated, someone
    # else's, said of a thing): another language's lexicon does not read those again (read_all, P4g).
    language: str = field(default="", compare=False)
    mentioned: tuple[str, ...] = field(default=(), compare=False)
    # P4g: no installed lexicon found anything, and the text is in a language none of them reads.
    unread: bool = field(default=False, compare=False)

    def _tokens(self, action: str) -> tuple[str, ...]:
        return tuple(sign.token for sign in self.signs if sign.action == action)

    @property
    def emergency(self) -> tuple[str, ...]:
        return self._tokens("emergency")

    @property
    def urgent(self) -> tuple[str, ...]:
        return self._tokens("urgent")

    @property
    def confirm(self) -> tuple[str, ...]:
        return self._tokens("confirm")

    @property
    def ask(self) -> tuple[str, ...]:
        return self._tokens("ask")

    @property
    def passed(self) -> tuple[str, ...]:
        """Emergency signs said to have passed ("I fainted this morning, feel ok now"): P4i, contact_provider."""
        return self._tokens("passed")

    @property
    def safety_question(self) -> bool:
        """True when the patient must at once see the emergency advice or be asked the Q1 safety screen:
        an emergency-family sign that is affirmed (E4), asked about (negated, hedged, someone else's,
        possible or unsettled: P4c, P4f) or has passed (P4i)."""
        family = set(self.safety_tokens) | set(self.emergency) | set(self.passed)
        return any(sign.token in family and sign.action in _SAFETY_ACTIONS for sign in self.signs)

    @property
    def level(self) -> str:
        """What the message alone calls for: emergency (E4), urgent (U10), contact_provider for a passed
        emergency sign (P4i), else monitor (M11, a question or a confirmation)."""
        return "emergency" if self.emergency else "urgent" if self.urgent else \
            "contact_provider" if self.passed else "monitor"


def free_text_token(text: str) -> str | None:
    """The §0 ``free_text:`` token of a typed message (spaces as ``_``), or None when it has no letter or digit.

    Punctuation is kept, because clauses, decimals and degrees carry meaning
    (P4b, "38,7", "39°"); ``;`` separates tokens, so it becomes ``,`` (both end a clause).
    """
    if not any(ch.isalnum() for ch in text) and not any(emoji in text for emoji in load_lexicon().spelling.emoji):
        return None  # an emoji read as a word ("👅") is a message too (P4i)
    return "free_text:" + "_".join(text.replace(";", ",").split())


class _Polarity:
    """Decides, for each sign occurrence, whether the message affirms it."""

    def __init__(self, text: Text, signs: list[Match], cues: list[Match], parts: list[Match],
                 lexicon: Lexicon) -> None:
        self.words, self.signs, self.lexicon = text.words, signs, lexicon
        self.questions = text.questions
        taken = {i for m in signs if m.kind in ("form", "hedged") for i in m.positions}
        consuming = [set(c.positions) for c in cues if c.kind in _CONSUMING]
        self.by_clause: dict[tuple[str, int], list[Match]] = {}
        self.cues: dict[str, list[Match]] = {}
        for cue in cues:
            # A cue that wholly holds a persistence or uncertainty cue is the longer, exacter phrase and stays
            # ("still come to my appointment", "ir igual a la sesión": go anyway); one partly inside it does not
            # ("not" in "not sure"). A past tense inside a sign's own words still places it in the past
            # ("me faltaba el aire, ahora normal": passed, P4i).
            spots = set(cue.positions)
            inside_sign = bool(spots & taken) and cue.kind != "past"
            inside_cue = any(c & spots and not c < spots for c in consuming)
            if cue.kind in _CONSUMING + _BESIDE_SIGNS or not (inside_sign or inside_cue):
                self.cues.setdefault(cue.kind, []).append(cue)
                self.by_clause.setdefault((cue.kind, self.words[cue.start].clause), []).append(cue)
                end = self.words[cue.end].clause
                if cue.kind == "hypothetical" and end != self.words[cue.start].clause:
                    # German sets a comma before "wenn"/"dass": "ist es normal, wenn ..." asks about the clause after it.
                    self.by_clause.setdefault((cue.kind, end), []).append(cue)
        # The patient, written about by someone else, unless that someone had a treatment of their own.
        # A link the writer calls their own ("my son has a fever, can I still come to my appointment") ties
        # only its own clause ("my son found me slumped after my treatment").
        self.first_person = {w for p in lexicon.cues["first_person"] for w in p}
        links = [] if self.cues.get("others_treatment") else self.cues.get("patient_links", [])
        # "... so I need to move my appointment": the writer's own diary ties no one's sign to the treatment.
        rebooking = {i for c in self.cues.get("rebooking", []) for i in c.positions}
        links = [c for c in links if not set(c.positions) & rebooking]
        # The "my" of "my grandma" names someone else, not the writer ("mi abuela es la paciente").
        naming = {i for c in self.cues.get("others", []) for i in c.positions}
        own = [c for c in links  # "my appointment", "my next appointment"; not "my son (treatment this morning)"
               if any(self.words[j].text in self.first_person and self.words[j].clause == self.words[c.start].clause
                      and j not in naming for j in range(max(0, c.start - 2), c.start))]
        self.linked = len(own) < len(links)
        self.own_link_clauses = {self.words[c.start].clause for c in own}
        self.links = {w for p in lexicon.cues["thing_links"] for w in p}
        self.places, self.owners = lexicon.cue_words["locations"], lexicon.cue_words["owners"]
        self.third_person = {w for p in lexicon.cues["third_person"] for w in p}
        self.busy = {i for p in parts for i in p.positions} | {i for m in signs for i in m.positions}
        self.covered = self._covered({w for p in lexicon.cues["coordinators"] for w in p},
                                     {w for p in lexicon.cues["negation_fillers"] for w in p})

    def _in_clause(self, kind: str, clause: int) -> list[Match]:
        return self.by_clause.get((kind, clause), [])

    def _covered(self, coordinators: set[str], fillers: set[str]) -> set[int]:
        """Ids of signs a negation cue covers: the first after it in its clause when only filler words
        stand between ("I don't have a fever", not "I can't sleep because of the itching"), and those
        joined to it by coordinators only ("no fever or chills"; not "no fever and my lips are swelling")."""
        in_clause: dict[int, list[Match]] = {}
        for m in sorted(self.signs, key=lambda m: (m.anchor, m.start)):  # a pair's part may come first
            in_clause.setdefault(self.words[m.anchor].clause, []).append(m)
        covered: set[int] = set()
        for cue in self.cues.get("negation", []):
            chain = [m for m in in_clause.get(self.words[cue.start].clause, []) if m.anchor > cue.end]
            if not chain:
                continue
            first = min(chain[0].start if chain[0].start > cue.end else chain[0].anchor, chain[0].anchor)
            if not all(w.text in fillers or i in self.busy
                       for i, w in enumerate(self.words[cue.end + 1: first], start=cue.end + 1)):
                continue
            last = chain[0]
            for m in chain:
                if m.start > last.end:
                    if id(m) in covered:
                        break  # the rest was already walked from an earlier cue
                    if not all(w.text in coordinators for w in self.words[last.end + 1: m.start]):
                        break
                    last = m
                covered.add(id(m))
        return covered

    def negated(self, sign: Match) -> bool:
        """Negated, passed, or only a possibility ("if I get a fever")."""
        clause = self.words[sign.anchor].clause
        return self.denied(sign) or (not self._in_clause("uncertainty", clause) and (any(
            c.end < sign.anchor for c in self._in_clause("hypothetical", clause)) or self._example_of_possible(sign)))

    def _example_of_possible(self, sign: Match) -> bool:
        """ "what should I look out for, like pus?": a clause that opens with an example word gives examples of
        a possibility named in the clause just before it, in the same sentence."""
        word = self.words[sign.anchor]
        if self._asked_after_possible(word.sentence):
            return True
        opening = next((i for i, w in enumerate(self.words) if w.clause == word.clause), None)
        if opening is None or not any(c.start == opening for c in self._in_clause("examples", word.clause)):
            return False
        before = [w for w in self.words if w.clause == word.clause - 1]
        return bool(before) and before[0].sentence == word.sentence and bool(
            self._in_clause("hypothetical", word.clause - 1))

    def _asked_after_possible(self, sentence: int) -> bool:
        """ "what would be warning signs of an allergy? shortness of breath?": a question of a few words right
        after a question about a possibility names an example of that possibility, not a sign."""
        if sentence == 0 or sentence not in self.questions or sentence - 1 not in self.questions \
                or sum(w.sentence == sentence for w in self.words) > _ECHO_WORDS:
            return False
        before = {w.clause for w in self.words if w.sentence == sentence - 1}
        return any(self._in_clause("hypothetical", clause) for clause in before)

    def denied(self, sign: Match) -> bool:
        """Said not to be there, or to have passed ("no fever", "breathing is fine", "fever last night, fine now")."""
        clause = self.words[sign.anchor].clause
        if self._in_clause("uncertainty", clause):
            return False  # P2: "not sure" means it may be there
        if id(sign) in self.covered or self._answered_no(sign):
            return True
        return self._said_after(sign, ("negation_after", "passing_after")) or self._passed(sign)

    def _answered_no(self, sign: Match) -> bool:
        """ "Eiter? Nein, das sind nur Schüppchen": a sign asked in a question of a few words, and the next
        sentence opens with the answer No (the lexicon's ``answer_no``)."""
        sentence = self.words[sign.anchor].sentence
        if sentence not in self.questions or sum(w.sentence == sentence for w in self.words) > _ECHO_WORDS:
            return False
        after = next((i for i, w in enumerate(self.words) if w.sentence > sentence), None)
        return after is not None and any(c.start == after for c in self.cues.get("answer_no", []))

    def has_passed(self, sign: Match) -> bool:
        """Said to have passed ("I fainted this morning, feel ok now", "tongue swelling has gone down"), P4i."""
        if self._in_clause("uncertainty", self.words[sign.anchor].clause) or id(sign) in self.covered:
            return False
        return self._said_after(sign, ("passing_after",)) or self._passed(sign)

    def _said_after(self, sign: Match, kinds: tuple[str, ...]) -> bool:
        """A cue of ``kinds`` right after the sign in its clause ("breathing is fine"); not in a question
        ("is the swelling normal?"), nor beside a medicine (P4i: "temperature went down after paracetamol")."""
        clause, sentence = self.words[sign.anchor].clause, self.words[sign.anchor].sentence
        if sentence in self.questions or self._medicine(sentence):
            return False
        for cue in (c for kind in kinds for c in self._in_clause(kind, clause)):
            between = range(sign.end + 1, cue.start)
            if cue.start > sign.end and len(between) <= 2 and not any(i in self.busy for i in between):
                return True
        return False

    def treated_away(self, sign: Match) -> bool:
        """P4i: said to have gone down beside a medicine ("temperature went down after paracetamol"): not passed."""
        sentence = self.words[sign.anchor].sentence
        if not self._medicine(sentence):
            return False
        clause = self.words[sign.anchor].clause
        return any(c.start > sign.end and c.start - sign.end <= 3 for kind in ("negation_after", "passing_after")
                   for c in self._in_clause(kind, clause))

    def _medicine(self, sentence: int) -> bool:
        return any(self.words[c.start].sentence == sentence for c in self.cues.get("medicine", []))

    def _passed(self, sign: Match) -> bool:
        """ "fever last night, fine now": the sign's clause speaks of the past and a later cue says it passed;
        a sign treated away by a medicine has not passed (P4i)."""
        clause, sentence = self.words[sign.anchor].clause, self.words[sign.anchor].sentence
        if self._in_clause("persistence", clause) or self._medicine(sentence) or not (
                self._in_clause("past", clause) or self._framed_in_past(clause, sentence)):
            return False
        # A cue that is both past and passed ("as a child", "als Kind", "vor Jahren") may also stand before the sign.
        long_ago = {c.positions for c in self._in_clause("past", clause)}
        after = sentence + 1 if self._says_only_passed(sentence + 1) else sentence
        return any((c.start > sign.end or (c.positions in long_ago and c.end < sign.start))
                   and sentence <= self.words[c.start].sentence <= after for c in self.cues.get("passed", []))

    def _framed_in_past(self, clause: int, sentence: int) -> bool:
        """ "Hatte nachts kurz das Gefühl, der Hals macht zu": the clause just before, in the same sentence, frames
        this one as a feeling or thought (the lexicon's ``framing``), speaks of the past and names no sign of its
        own, so the sign told after its comma is past too."""
        before = clause - 1
        if not any(w.clause == before and w.sentence == sentence for w in self.words):
            return False
        return bool(self._in_clause("past", before)) and bool(self._in_clause("framing", before)) and not any(
            self.words[m.anchor].clause == before for m in self.signs)

    def _says_only_passed(self, sentence: int) -> bool:
        """ "I was confused last night. Feel normal today.": the sentence after a past sign may say it passed, when
        it names no sign, no one else, no persistence and no medicine of its own."""
        return not any(self.words[m.anchor].sentence == sentence for m in self.signs) and not any(
            self.words[c.start].sentence == sentence for kind in ("others", "persistence", "uncertainty", "medicine")
            for c in self.cues.get(kind, []))

    def about_a_thing(self, sign: Match) -> bool:
        """P4h: a red-flag phrase said of a thing, not the body ("that bill was hard to swallow", "my phone
        is burning up"): a thing word just before it in its clause, with only linking words between."""
        clause = self.words[sign.anchor].clause
        for cue in self._in_clause("things", clause):
            between = self.words[cue.end + 1: sign.start]
            if cue.end < sign.start and len(between) <= 4 and all(w.text in self.links for w in between) \
                    and not self._placed_thing(cue):
                return True
        return False

    def _placed_thing(self, cue: Match) -> bool:
        """A thing named as where or from what, not as what the phrase is said of ("im Auto weggetreten", "von dem
        Serum ohnmächtig", "in the car"): a location word just before it, an owner word ("dem", "my") between."""
        i = cue.start
        before = [self.words[j].text for j in range(max(0, i - 2), i) if self.words[j].clause == self.words[i].clause]
        if before and before[-1] in self.owners:
            before = before[:-1]
        return bool(before) and before[-1] in self.places

    def someone_else(self, sign: Match, carried: bool) -> bool:
        """A sign said of someone the message names as not the patient."""
        if self.linked or self.words[sign.anchor].clause in self.own_link_clauses:
            return False
        sentence = self.words[sign.anchor].sentence
        for cue in self.cues.get("others", []):
            if self.words[cue.start].sentence == sentence and cue.end < sign.start:
                # The sign's own first word counts: "my husband says I have a fever" told as "mi marido dice
                # que tengo fiebre", where "tengo" opens the sign, is the writer's fever.
                if not any(w.text in self.first_person for w in self.words[cue.end + 1: sign.start + 1]):
                    return True
        if carried:
            before = [w.text for w in self.words[: sign.start] if w.sentence == sentence]
            return any(w in self.third_person for w in before) and not any(w in self.first_person for w in before)
        return False

    def hedged(self, sign: Match) -> bool:
        """A generic hedge ("a bit", "slightly") just before a sign."""
        return any(0 <= sign.start - c.end - 1 <= 1 or 0 <= sign.anchor - c.end - 1 <= 1
                   for c in self.cues.get("hedges", []) if c.end < sign.anchor)


def _carried(words: list[Word], cues: list[Match], lexicon: Lexicon) -> set[int]:
    """Sentences whose he/she may refer to someone named as not the patient in the sentence before."""
    first = {w for p in lexicon.cues["first_person"] for w in p}
    out: set[int] = set()
    for cue in cues:
        if cue.kind == "others":
            sentence = words[cue.start].sentence
            rest = [w.text for w in words[cue.end + 1:] if w.sentence == sentence]
            if not any(w in first for w in rest):
                out.add(sentence + 1)
    return out


def _action(entry_action: str, sign: Match, lexicon: Lexicon, day: int | None) -> str:
    entry = lexicon.tokens[sign.key]
    action = entry_action
    if entry.confirm_from_day is not None and action == "ask" and (day is None or day >= entry.confirm_from_day):
        action = "confirm"
    if entry.urgent_until_day is not None and action == "urgent" and day is not None and day > entry.urgent_until_day:
        action = "confirm"
    return action


def read_message(text: str, lexicon: Lexicon | None = None, *, day: int | None = None) -> Reading:
    """The signs in a typed message. ``day`` (days since treatment) applies the day bounds of P4a/§2:
    blisters and cold sores are urgent only to day 14; redness and a rash are confirmed from day 8. Without
    a day the safer reading is used."""
    lexicon = lexicon or load_lexicon()
    parsed = split(text, lexicon)
    found = sign_matches(parsed.words, lexicon)
    signs, parts, states = resolve(found)
    paired = pairs(parsed, parts, states, lexicon)
    state_spans = {tuple(s.positions) for s in states}
    used = {p.anchor for p in paired}
    signs = [m for m in signs if not (tuple(m.positions) in state_spans and m.start in used)]
    # A form holding a whole pair is the more exact reading ("darker marks" are spots, not spots getting darker).
    paired = [p for p in paired if not any(set(p.positions) <= set(m.positions) for m in signs
                                           if m.kind in ("form", "hedged"))]
    signs += paired + temperature_matches(parsed.words, lexicon) + score_matches(parsed.words, lexicon)
    signs = [m for m in signs if not _settled_topic(m, signs, parts, parsed.words, lexicon)]
    cues = cue_matches(parsed.words, lexicon)
    polarity = _Polarity(parsed, signs, cues, parts, lexicon)
    carried = _carried(parsed.words, cues, lexicon)
    found_signs: list[tuple[str, str, int, int]] = []  # (token, action, position, sentence)
    topics: set[str] = set()  # tokens with an unsettled mention (P4f)
    denied: dict[str, bool] = {}  # token -> every mention of it denied
    # A normal temperature settles the word for it in its sentence ("is 37.8 a fever?", "99.5F, is that a fever?").
    measured = {(m.key, parsed.words[m.start].sentence) for m in signs if m.kind == "normal_temperature"}
    # Every token the message names in this language, in another sense too ("sorry for the confusion").
    mentioned = tuple(dict.fromkeys(m.key for m in sorted(found + signs, key=lambda m: m.start)
                                    if m.kind not in ("part", "state")))
    for sign in sorted(signs, key=lambda m: m.start):
        entry = lexicon.tokens[sign.key]
        if (entry.action in ALARMS or entry.safety) and polarity.about_a_thing(sign):
            continue  # P4h: said of a thing, another sense
        sentence = parsed.words[sign.anchor].sentence
        if sign.kind in ("form", "hedged") and (sign.key, sentence) in measured:
            found_signs.append((sign.key, "ask", sign.start, sentence))
            continue
        elsewhere = polarity.someone_else(sign, sentence in carried)
        affirmed = not polarity.negated(sign) and not elsewhere
        if entry.action == "emergency" and sign.kind in ("form", "pair") and not elsewhere \
                and polarity.has_passed(sign):
            action: str | None = "passed"  # P4i: an emergency sign that has passed is not dropped
        else:
            action = _what_to_do(sign, affirmed, polarity, lexicon, day)
        if action:
            found_signs.append((sign.key, action, sign.start, sentence))
            if action == "ask" and affirmed and (sign.kind == "topic" or "unsettled" in sign.classes):
                topics.add(sign.key)  # not negated, passed, possible or someone else's: unsettled (P4f)
        said_not = sign.kind == "normal_temperature" or (
            polarity.denied(sign) and sign.kind != "hedged" and not polarity.hedged(sign))
        if (action and sign.kind != "topic") or said_not:  # an unsettled topic ("temp") is no answer either way
            denied[sign.key] = denied.get(sign.key, True) and said_not
    safety = tuple(t for t, entry in lexicon.tokens.items() if entry.safety)
    merged = _merged(found_signs, lexicon)
    unsettled = tuple(s.token for s in merged if s.action == "ask" and s.token in topics)  # nothing else settled it
    return Reading(merged, lexicon.version, tuple(t for t, all_of in denied.items() if all_of), safety, unsettled,
                   lexicon.language, mentioned)


def _settled_topic(topic: Match, signs: list[Match], parts: list[Match], words: list[Word], lexicon: Lexicon) -> bool:
    """P4f: a mention of a red-flag function ("my lips feel a bit funny") asks, unless something else in the
    message settles it: a sign of the same token in its sentence, a body part + state pair over it, a body
    part of another kind holding it ("around my mouth" is the treated skin), or the part named only as
    where another sign is ("a cold sore on my lip")."""
    if topic.kind != "topic":
        return False
    sentence, clause = words[topic.start].sentence, words[topic.start].clause
    own_parts = {part for pair in lexicon.pairs if pair.token == topic.key for part in pair.parts}
    place = {w for p in lexicon.cues["locations"] for w in p}
    located = any(w.text in place for w in words[max(0, topic.start - 2): topic.start] if w.clause == clause)
    return any(
        (m.key == topic.key and m.kind != "topic" and words[m.start].sentence == sentence)
        or (m.kind in ("pair", "hedged") and set(m.positions) & set(topic.positions))
        or (located and m.kind != "topic" and words[m.anchor].clause == clause)
        for m in signs) or any(set(topic.positions) <= set(p.positions) and p.key not in own_parts for p in parts)


def _what_to_do(sign: Match, affirmed: bool, polarity: _Polarity, lexicon: Lexicon, day: int | None) -> str | None:
    """P4c: the action for one occurrence of a sign, or None when it raises and asks nothing."""
    entry = lexicon.tokens[sign.key]
    alarm = entry.action in ALARMS or entry.safety
    if sign.kind in ("normal_temperature", "bare_temperature"):
        return "ask"  # a normal temperature is a negated mention of fever; a bare decimal is asked about (P4i)
    if sign.kind == "topic":
        if polarity.treated_away(sign):
            return _action(entry.action, sign, lexicon, day)  # P4i: "temperature went down after paracetamol"
        return "ask" if alarm else None  # P4f: an unsettled mention of a red-flag function is asked about
    if sign.kind == "hedged" or (entry.action not in ALARMS and polarity.hedged(sign)):
        return "ask" if affirmed or alarm else None
    if affirmed:
        return _action(entry.action, sign, lexicon, day)
    return "ask" if alarm else None


def _merged(found: list[tuple[str, str, int, int]], lexicon: Lexicon) -> tuple[Sign, ...]:
    """One Sign per token with its strongest action, in order of first appearance; an "ask" token becomes
    "confirm" beside an affirmed sign it names in ``confirm_with`` in the same sentence (a rash getting worse)."""
    affirmed = {(token, sentence) for token, action, _, sentence in found if action != "ask"}
    best: dict[str, tuple[int, int]] = {}  # token -> (rank, first position)
    for token, action, position, sentence in found:
        if action == "ask" and any((other, sentence) in affirmed for other in lexicon.tokens[token].confirm_with):
            action = "confirm"
        rank, first = best.get(token, (-1, position))
        best[token] = (max(rank, _RANK[action]), min(first, position))
    names = {rank: action for action, rank in _RANK.items()}
    return tuple(Sign(token, names[rank]) for token, (rank, _) in sorted(best.items(), key=lambda item: item[1][1]))


def warm_up() -> None:
    """Load every installed lexicon and the language lists now (about a second), not on a patient's first text."""
    for language in installed_languages():
        _exact(language)
    _known_words()


@lru_cache(maxsize=1)
def installed_languages() -> tuple[str, ...]:
    """The languages with a lexicon shipped in ``messages/lexicon/`` (``<code>.toml``): each reads every message."""
    folder = resources.files("messages").joinpath("lexicon")
    return tuple(sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir()
                        if entry.name.endswith(".toml") and len(entry.name) == len("xx.toml")))


def read_all(text: str, lexicon: Lexicon | None = None, *, day: int | None = None) -> Reading:
    """P4g: ``text`` read in the patient's language (``lexicon``), and by every other installed lexicon for
    emergency and urgent signs and red-flag mentions to ask about, whatever language the patient chose.

    The text is read first in the installed language it is written in (the patient's unless the commonest words
    of another installed language are clearly more), and that language decides everything it names: a token it
    reads (affirmed, negated, someone else's, said of a thing) is not read again in another language ("my daughter has a temperature of 39" stays
    her daughter's). A text in which no lexicon finds anything and that is confidently in a language none of
    them reads is ``unread``: the bot asks Q1 and a person reads it (``messages.checkin.read_text``)."""
    words = _plain_words(text)
    lexicon = _written_in(words, lexicon or load_lexicon())
    main = read_message(text, lexicon, day=day)
    found = list(main.signs)
    named = set(main.mentioned)
    safety, unsettled = set(main.safety_tokens), list(main.unsettled)
    for language in installed_languages():
        if language == main.language:
            continue
        exact = _exact(language)
        if not _may_hold_signs(text, exact):
            continue
        other = read_message(text, exact, day=day)
        safety |= set(other.safety_tokens)
        for sign in other.signs:
            if sign.token in named:
                continue
            if sign.action in ALARMS or (sign.action in _SAFETY_ACTIONS and sign.token in other.safety_tokens):
                found.append(sign)
                unsettled += [sign.token] if sign.token in other.unsettled else []
    best: dict[str, Sign] = {}
    for sign in found:
        if sign.token not in best or _RANK[sign.action] > _RANK[best[sign.token].action]:
            best[sign.token] = sign
    # Unread: no alarm found, and the words are those of a language with no lexicon (a sign word one letter
    # from an installed language's, "lippen", is no reading of the message: its questions are asked too).
    unread = not any(sign.action in ALARMS for sign in best.values()) and _in_another_language(words)
    if len(found) == len(main.signs):
        return replace(main, unread=unread)
    return replace(main, signs=tuple(best.values()), safety_tokens=tuple(sorted(safety)),
                   unsettled=tuple(dict.fromkeys(t for t in unsettled if best[t].action == "ask")), unread=unread)


def _hits(words: list[str], languages) -> dict[str, int]:
    """How many of ``words`` (of two letters or more) each language's known words hold."""
    known = _known_words()
    return {language: sum(len(word) > 1 and word in known.get(language, ()) for word in words)
            for language in languages}


def _written_in(words: list[str], lexicon: Lexicon) -> Lexicon:
    """The installed lexicon of the language the text (its ``_plain_words``) is written in: the patient's
    (``lexicon``), unless another installed language has at least two more of its commonest words in it ("my
    daughter has a temperature" from a patient who chose Spanish is read in English first)."""
    hits = _hits(words, installed_languages())
    best = max(hits, key=lambda language: (hits[language], language == lexicon.language))
    return load_lexicon(best) if hits[best] >= hits.get(lexicon.language, 0) + 2 else lexicon


def _may_hold_signs(text: str, lexicon: Lexicon) -> bool:
    """Whether ``lexicon`` (typos off) could find anything in ``text``: a digit (temperatures, scores), an emoji it
    reads, or a word that begins one of its phrases or is a form of one of its sign words. Most texts in another
    language have none, and skip a whole reading."""
    if any(ch.isdigit() for ch in text) or any(emoji in text for emoji in lexicon.spelling.emoji):
        return True
    return any(word in lexicon.by_first_word or word in lexicon.bases
               for word in _LETTERS.findall(lexicon.normalise(text)))


@lru_cache(maxsize=8)
def _exact(language: str) -> Lexicon:
    """``language``'s lexicon without its typo tolerance, for reading a text the patient wrote in another language:
    one letter away from one of its sign words is, in another language, mostly another word ("fièvre" is not a
    Spanish "fiebre" with a typo). Its exact words and word forms still read."""
    return replace(load_lexicon(language), typo_index=MappingProxyType({}))


_LETTERS = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-z]+")


def _in_another_language(words: list[str]) -> bool:
    """P4g: whether a text (its ``_plain_words``, two or more) is in a language with no installed lexicon: mostly
    in a script none of them writes ("Мне трудно дышать"), or holding at least two of the commonest words of another
    language and more of them than of any installed one ("ik kan niet goed ademen"); words of one letter count
    only when no word is ours. Ties read as installed."""
    if len(words) < 2 and not (words and len(words[0]) >= 3 and not _LATIN.fullmatch(words[0])):
        return False
    if sum(not _LATIN.fullmatch(word) for word in words) * 2 >= len(words):
        return True
    common, installed = _known_words(), set(installed_languages())
    hits = _hits(words, common)
    ours = max((n for language, n in hits.items() if language in installed), default=0)
    theirs = max((n for language, n in hits.items() if language not in installed), default=0)
    if ours == 0:  # not one word of ours: a one-letter word of theirs counts too ("mam gorączkę i ...")
        theirs = max((sum(word in known for word in words) for language, known in common.items()
                      if language not in installed), default=0)
    return theirs >= 2 and theirs > ours


def _plain_words(text: str) -> list[str]:
    """The words of ``text`` as languages.txt spells them (no lexicon's spelling table: "8/10" is no English
    "out of" here)."""
    return _LETTERS.findall(unaccented(text))


@lru_cache(maxsize=1)
def _known_words() -> dict[str, frozenset[str]]:
    """The commonest words of each language, and for an installed one every word its lexicon reads too."""
    known = dict(_common_words())
    for language in installed_languages():
        lexicon = load_lexicon(language)
        words = {word for phrases in lexicon.cues.values() for phrase in phrases for word in phrase}
        known[language] = known.get(language, frozenset()) | set(lexicon.bases) | words
    return known


@lru_cache(maxsize=1)
def _common_words() -> dict[str, frozenset[str]]:
    """messages/lexicon/languages.txt: the commonest words of each language, as the reader spells them."""
    text = resources.files("messages").joinpath("lexicon", "languages.txt").read_text(encoding="utf-8")
    return {language: frozenset(words.split()) for language, _, words in
            (line.partition(": ") for line in text.splitlines() if line and not line.startswith("#"))}
