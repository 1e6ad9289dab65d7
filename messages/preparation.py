"""Before the session: which signs a patient types mean the session should wait (docs/triage-rules.md, "Before
the session").

Pure: a function of the text's one warning-sign reading (``messages.checkin.read_text``), the text and the
catalog's typed words. The rules are written for treated skin; before day 0 the safer reading is that a cold
sore, an infection, a rash, a sunburn or a fever means the clinic must hear of it and the patient should call to
reschedule, rather than the aftercare triage of a skin that was never treated. Emergencies are not decided here:
``messages.routing`` acts on them before and after the session alike.
"""

from __future__ import annotations

from messages import questionnaire as q
from messages.checkin import TextReading
from messages.words import Words, normalise

# The signs that mean "call to reschedule" before the session, in the order the advice names them. The first
# eight are the reader's own tokens (messages/lexicon/<lang>.toml); a sunburn is read only before the session
# (after it, sunburn-like redness is expected: triage-rules §3), from ``preparation.words_prep_sunburn``.
PREP_SIGNS = ("cold_sores", "blisters", "pus", "yellow_crusts", "rash", "spreading_redness", "sunburn", "fever",
              "chills")
SUNBURN = "sunburn"
NEGATION_REACH = 3  # words: "no sunburn", "I haven't got a sunburn", "not burnt in the sun"


def reschedule_signs(reading: TextReading, sunburn: bool = False) -> tuple[str, ...]:
    """The signs of a reading (and a sunburn, ``mentions_sunburn``) that mean the session should wait, in
    PREP_SIGNS order (empty: none). An affirmed sign and one the reader would ask about both count: before the
    session nobody is asked to rate a cold sore, the clinic is told and the patient asked to call."""
    named = set(reading.signs) | {q.sign_token(a) for a in reading.asks if a.startswith(("confirm_", "ask_"))}
    if sunburn:
        named.add(SUNBURN)
    return tuple(sign for sign in PREP_SIGNS if sign in named)


def mentions_sunburn(text: str, words: Words) -> bool:
    """Whether the text says the patient has a sunburn (one of the typed forms, not negated just before it)."""
    tokens = normalise(text).replace("'", "").split()
    negations = {n.replace("'", "") for n in words.forms.get("prep_not", ())}
    for form in words.forms.get("prep_sunburn", ()):
        wanted = form.replace("'", "").split()
        for start in range(len(tokens) - len(wanted) + 1):
            if tokens[start:start + len(wanted)] != wanted:
                continue
            before = tokens[max(0, start - NEGATION_REACH):start]
            if not any(" ".join(before[i:j]) in negations for i in range(len(before))
                       for j in range(i + 1, len(before) + 1)):
                return True
    return False
