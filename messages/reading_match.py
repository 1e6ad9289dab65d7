"""Where the lexicon's words occur in a message: sentences, clauses, sign matches, cues and body part +
state pairs (temperatures and pain scores are read by ``messages.reading_numbers``).

The first half of reading a message (P4a): it finds every candidate without
deciding what it means. ``messages.reading`` then decides polarity (P4b) and
action (P4c). Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from messages.reading_lexicon import LONG_LINK, Lexicon, Phrase
from messages.reading_spelling import LETTERS, one_edit

_PIECES = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)?)|(?P<word>{LETTERS}+|°|%)|(?P<sent>[.!?\n]+)|(?P<clause>[,;:()\[\]/&*+=\-–—~|<>\"]+)"
)
MAX_GAP = 2  # extra words allowed between the words of a sign form


@dataclass
class Word:
    """One word of the message, with where it stands."""

    text: str
    sentence: int
    clause: int
    bases: frozenset[str] = frozenset()


@dataclass
class Match:
    """One occurrence of a lexicon phrase: a sign form, a part or state, or a cue."""

    kind: str  # form | hedged | topic | other | part | state | pair | temperature | normal_temperature | cue name
    key: str   # token, part/state class or cue name
    positions: tuple[int, ...]
    classes: set[str] = field(default_factory=set)  # for states: every class the words belong to
    anchor: int = -1

    def __post_init__(self) -> None:
        if self.anchor < 0:
            self.anchor = self.positions[0]

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1]


@dataclass
class Text:
    """A message split into words, with the questions among its sentences."""

    words: list[Word]
    questions: set[int]


def split(text: str, lexicon: Lexicon) -> Text:
    """Normalise and split ``text`` (its first ``max_chars`` characters) into words, clauses and sentences."""
    raw: list[tuple[str, int, int]] = []
    questions: set[int] = set()
    sentence = clause = 0
    for piece in _PIECES.finditer(lexicon.normalise(text[: lexicon.max_chars])):
        if piece["sent"]:
            if "?" in piece["sent"]:
                questions.add(sentence)
            sentence, clause = sentence + 1, clause + 1
        elif piece["clause"]:
            clause += 1
        else:
            raw.append((piece[0], sentence, clause))
    raw = _numbers_spelled(raw, lexicon)
    words: list[Word] = []
    breakers = lexicon.cues["clause_breakers"]
    i, cid, last = 0, 0, None
    while i < len(raw):
        text_, sent, cl = raw[i]
        if cl != last:
            cid, last = cid + 1, cl
        found = next((p for p in breakers if tuple(w for w, _, c in raw[i:i + len(p)] if c == cl) == p), None)
        kept = next((p for p in lexicon.cues["unbroken"] if tuple(w for w, _, _ in raw[i:i + len(p)]) == p), None)
        if found and not kept:  # "but", "however", ...: the words after it start a new clause
            cid += 1
            i += len(found)
            continue
        words.append(Word(text_, sent, cid, lexicon.base_words(text_)))
        i += 1
    return Text(words, questions)


def _numbers_spelled(raw: list[tuple[str, int, int]], lexicon: Lexicon) -> list[tuple[str, int, int]]:
    """Numbers in words as digits, within one clause ("thirty eight point five" -> "38.5", P4i)."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and raw[j][2] == raw[i][2]:
            j += 1
        k = i
        for piece, used in lexicon.spelling.spell_numbers([w for w, _, _ in raw[i:j]]):
            out.append((piece, raw[k][1], raw[k][2]))
            k += used
        i = j
    return out


def _follow(words: list[Word], i: int, phrase: Phrase, gaps: int, stop: frozenset[str],
            opening: frozenset[str] = frozenset()) -> tuple[int, ...] | None:
    """Positions of ``phrase`` matched from word ``i`` (same clause, up to ``gaps`` words between). A phrase word
    in ``opening`` (a subordinator) may stand right after a clause break of the same sentence ("in Ohnmacht
    gefallen, als ich die Rechnung sah")."""
    positions = [i]
    clause = words[i].clause
    for part in phrase[1:]:
        j, skipped = positions[-1] + 1, 0
        if part in opening and j < len(words) and words[j].text == part and words[j].clause != clause \
                and words[j].sentence == words[i].sentence:
            clause = words[j].clause
        while j < len(words) and words[j].clause == clause:
            if part in words[j].bases or words[j].text == part:
                break
            if skipped >= gaps or words[j].text in stop:
                return None
            j, skipped = j + 1, skipped + 1
        else:
            return None
        positions.append(j)
    return tuple(positions)


def sign_matches(words: list[Word], lexicon: Lexicon) -> list[Match]:
    """Every occurrence of a sign form, hedged form, topic, other sense, part or state."""
    stop = frozenset(w for p in lexicon.cues["negation"] for w in p)
    opening = lexicon.cue_words["subordinators"]
    found: list[Match] = []
    for i, word in enumerate(words):
        keys = word.bases | {word.text}
        for first in keys:
            for kind, key, phrase in lexicon.by_first_word.get(first, ()):
                gaps = MAX_GAP if kind in ("form", "hedged") else 0
                positions = _follow(words, i, phrase, gaps, stop, opening if kind == "other" else frozenset())
                if positions:
                    classes = {key} if kind == "state" else \
                        {"unsettled"} if kind == "hedged" and phrase in lexicon.tokens[key].unsettled else set()
                    found.append(Match(kind, key, positions, classes))
    unique: dict[tuple, Match] = {}
    for m in found:  # one match per place; an unsettled wording there keeps it unsettled (P4f)
        kept = unique.setdefault((m.kind, m.key, m.positions), m)
        kept.classes |= m.classes
    return list(unique.values())


def cue_matches(words: list[Word], lexicon: Lexicon) -> list[Match]:
    """Every exact occurrence of a cue phrase (negation, persistence, ...), kind = the cue list's name. A one-word
    link to the treatment of eight letters or more also matches with one typo ("Behandlugn"), unless the typed word
    is a word of the language: it only ties a sign to the patient, so a typo there never drops one. The typo stands
    for the link inside longer cues too ("miss my appointmnet" is the writer's own diary)."""
    found = []
    texts = [_meant_link(word.text, lexicon.long_links, lexicon) for word in words]
    for i, word in enumerate(words):
        for name, phrase in lexicon.cues_by_first_word.get(texts[i], ()):
            end = i + len(phrase)
            if name != "clause_breakers" and end <= len(words) and words[end - 1].sentence == word.sentence \
                    and all(texts[i + k] == phrase[k] for k in range(1, len(phrase))):
                found.append(Match(name, name, tuple(range(i, end))))
    return found


def _meant_link(text: str, long_links: tuple[str, ...], lexicon: Lexicon) -> str:
    """The treatment link a long typed word stands for with one typo, else the word itself."""
    if len(text) >= LONG_LINK and text not in lexicon.english_words and text not in lexicon.cues_by_first_word:
        return next((w for w in long_links if one_edit(text, w)), text)
    return text


def _near(match: Match, matches: list[Match]) -> list[Match]:
    """The matches that may contain ``match`` (those starting at most MAX_GAP + 6 words before it)."""
    return [m for m in matches if match.start - 8 <= m.start <= match.start and m.end >= match.end]


def resolve(matches: list[Match]) -> tuple[list[Match], list[Match], list[Match]]:
    """Drop other senses and contained matches; return (signs, parts, states)."""
    others = [m for m in matches if m.kind == "other"]
    signs, parts, states = [], [], []
    for m in matches:
        inside_other = any(set(m.positions) <= set(o.positions) for o in others)
        if m.kind in ("form", "hedged", "topic"):
            if any(o.key == m.key and set(m.positions) & set(o.positions) for o in others):
                continue
            signs.append(m)
        elif m.kind == "part" and not inside_other:
            parts.append(m)
        elif m.kind == "state" and not inside_other:
            states.append(m)
    signs = [m for m in signs if not any(
        o is not m and set(m.positions) < set(o.positions) and o.kind in ("form", "hedged") for o in _near(m, signs))]
    # Same token, overlapping: an explicit hedged wording beats the form inside it ("a bit dizzy" vs "dizzy").
    signs = [m for m in signs if not (m.kind in ("form", "topic") and any(
        o.key == m.key and o.kind == "hedged" and set(m.positions) <= set(o.positions) for o in _near(m, signs)))]
    parts = [m for m in parts if not any(o is not m and set(m.positions) < set(o.positions) for o in _near(m, parts))]
    merged: list[Match] = []
    for m in sorted(states, key=lambda m: -len(m.positions)):
        home = next((o for o in merged if set(m.positions) <= set(o.positions)), None)
        if home:
            home.classes |= m.classes
        else:
            merged.append(m)
    return signs, parts, merged


def pairs(text: Text, parts: list[Match], states: list[Match], lexicon: Lexicon) -> list[Match]:
    """Body part + state in one sentence (P4a), each state with its nearest part."""
    table = {(p, s): pair.token for pair in lexicon.pairs for p in pair.parts for s in pair.states}
    hedged = {(p, s) for pair in lexicon.pairs if pair.hedged for p in pair.parts for s in pair.states}
    words, found = text.words, []
    kinds = {id(p): p.key for p in parts}
    for p in parts:  # "it"/"they" stand for the part named before them in the sentence
        if p.key == "pronoun":
            named = [o for o in parts if o.key != "pronoun" and o.end < p.start
                     and words[o.start].sentence == words[p.start].sentence]
            if named:
                kinds[id(p)] = max(named, key=lambda o: o.end).key
    for state in states:
        pairable = [p for p in parts if words[p.start].sentence == words[state.start].sentence
                    and not set(p.positions) & set(state.positions)
                    and any((kinds[id(p)], c) in table for c in state.classes)]
        clause = words[state.anchor].clause
        before = [p for p in pairable if p.end < state.start]
        # A part of its own clause the state is said of, though not a pair ("throat fine, cheeks tight"): the
        # state is that part's, never an earlier clause's.
        own = any(p.end < state.start and words[p.end].clause == clause and not set(p.positions) & set(state.positions)
                  and p not in pairable for p in parts)
        # A part of an earlier clause said there to be fine ("throat is fine, just pink and tight") is settled:
        # a state in a later clause is not said of it.
        earlier = [p for p in before if words[p.end].clause == clause or not _said_fine(words, p, lexicon)]
        part = (_placed_part(words, [p for p in before if words[p.end].clause == clause], lexicon)
                or min((p for p in pairable if p.start > state.end and words[p.start].clause == clause),
                       key=lambda p: p.start, default=None)
                or (None if own else max(earlier, key=lambda p: p.end, default=None)))
        if part is None:
            tokens = [lexicon.defaults[c] for c in sorted(state.classes) if c in lexicon.defaults]
            # Said of the treated skin unless a part it does not pair with is named in its clause ("the rash is
            # puffy"); a part of another clause is another subject ("breathing is fine, just a bit puffy").
            if tokens and not any(words[p.start].clause == words[state.start].clause
                                  and not set(p.positions) & set(state.positions) for p in parts):
                found.append(Match("pair", tokens[0], state.positions, anchor=state.anchor))
            continue
        key = next((kinds[id(part)], c) for c in sorted(state.classes) if (kinds[id(part)], c) in table)
        positions = tuple(sorted(set(part.positions) | set(state.positions)))
        found.append(Match("hedged" if key in hedged else "pair", table[key], positions, anchor=state.anchor))
    return found + _elliptic(text, parts, states, kinds, table, {i for m in found for i in m.positions}, lexicon)


def _said_fine(words: list[Word], part: Match, lexicon: Lexicon) -> bool:
    """Whether the rest of the part's own clause says it is fine ("throat is fine", "lips look normal")."""
    rest = [w.text for w in words[part.end + 1:] if w.clause == words[part.end].clause]
    return any(tuple(rest[i:i + len(p)]) == p for p in lexicon.cues["negation_after"] for i in range(len(rest)))


def _placed_part(words: list[Word], before: list[Match], lexicon: Lexicon) -> Match | None:
    """The part before a state in its clause that the state is said of: the nearest, unless the nearest only
    says where an earlier part is ("the dark mark near my mouth is getting bigger": the mark grows)."""
    nearest = max(before, key=lambda p: p.end, default=None)
    if nearest is None:
        return None
    if not _placed(words, nearest, lexicon):
        return nearest
    earlier = [p for p in before if p.end < nearest.start and not _placed(words, p, lexicon)]
    return max(earlier, key=lambda p: p.end, default=nearest)


def _placed(words: list[Word], part: Match, lexicon: Lexicon) -> bool:
    """A part named as a place: it opens with a location word ("near my mouth") or follows one ("on my cheek")."""
    places, owners = lexicon.cue_words["locations"], lexicon.cue_words["owners"]
    i = part.start
    return (words[i].text in places or (i >= 1 and words[i - 1].text in places)
            or (i >= 2 and words[i - 1].text in owners and words[i - 2].text in places))


def _elliptic(text: Text, parts: list[Match], states: list[Match], kinds: dict[int, str],
              table: dict[tuple[str, str], str], used: set[int], lexicon: Lexicon) -> list[Match]:
    """A part with no state of its own takes the state said before it in the sentence
    ("my lips are not swollen but my tongue is"); its own clause decides its polarity."""
    words, found = text.words, []
    ellipsis = {w for p in lexicon.cues["ellipsis"] for w in p}
    for part in parts:
        if set(part.positions) & used:
            continue
        rest = [w.text for w in words[part.end + 1:] if w.clause == words[part.end].clause]
        if not all(w in ellipsis for w in rest):
            continue
        said = [s for s in states if s.end < part.start and words[s.start].sentence == words[part.start].sentence]
        if not said:
            continue
        state = max(said, key=lambda s: s.end)
        token = next((table[(kinds[id(part)], c)] for c in sorted(state.classes) if (kinds[id(part)], c) in table),
                     None)
        if token:
            found.append(Match("pair", token, part.positions, anchor=part.start))
    return found
