"""An alert's life, as a table a clinic can read: which step staff may take from each state.

```mermaid
flowchart LR
  open -->|Acknowledge| acknowledged
  acknowledged -->|Reached| reached
  acknowledged -->|No answer| no_answer
  no_answer -->|Reached| reached
  no_answer -->|No answer again| no_answer
  acknowledged & reached & no_answer -->|Resolved| resolved
```

Only an acknowledgement stops the alert being raised again (bot/care/alerts.py); a "no answer" reminds staff
later (bot/handlers/alert_steps.py). Pure: no Telegram, no store, no clock.
"""

from __future__ import annotations

STATES = ("open", "acknowledged", "reached", "no_answer", "resolved")

# From each state, the steps offered as buttons, in button order.
NEXT: dict[str, tuple[str, ...]] = {
    "open": ("acknowledged",),
    "acknowledged": ("reached", "no_answer", "resolved"),
    "reached": ("resolved",),
    "no_answer": ("reached", "no_answer", "resolved"),
    "resolved": (),
}

# The short code of each step in callback data (``al1:<alert id>:<code>``: 64 bytes at most).
CODES = {"acknowledged": "ack", "reached": "reach", "no_answer": "noans", "resolved": "done"}
STEP_OF_CODE = {code: step for step, code in CODES.items()}

# /flagged's groups, in the order shown: what still needs someone first.
GROUPS = ("open", "no_answer", "acknowledged", "reached")


def may_step(state: str | None, step: str | None) -> bool:
    """Whether ``step`` may be taken from ``state`` (an unknown state or step: never)."""
    return state in NEXT and step in NEXT[state]
