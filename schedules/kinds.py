"""The kinds of delivery: the one list every other module imports.

A plan step has one of the plan kinds; the check-in flow adds a re-prompt
(an unanswered check-in, asked once more) and a follow-up (after a worrying
check-in). The kind picks the lateness policy (``schedules.planner``), what
/stop can switch off, and whether a message carries the check-in button.
"""

from __future__ import annotations

SUNSCREEN = "sunscreen"
SKINCARE = "skincare"
NOTE = "note"
CHECKIN = "checkin"
REPROMPT = "reprompt"
FOLLOWUP = "followup"

# What a care plan step may be.
PLAN_KINDS = frozenset({SUNSCREEN, SKINCARE, NOTE, CHECKIN})
# Everything a plan or a flow can queue; "stop everything" means all of them.
ALL_KINDS = PLAN_KINDS | {REPROMPT, FOLLOWUP}
# Messages that invite a check-in, so they carry its button.
PROMPT_KINDS = frozenset({CHECKIN, REPROMPT, FOLLOWUP})

# What each /stop choice switches off, in the order the patient is offered them
# ("all" first): re-prompts and follow-ups belong to check-ins.
STOP_CHOICES: dict[str, frozenset[str]] = {
    "all": ALL_KINDS,
    SUNSCREEN: frozenset({SUNSCREEN}),
    SKINCARE: frozenset({SKINCARE}),
    CHECKIN: PROMPT_KINDS,
}
