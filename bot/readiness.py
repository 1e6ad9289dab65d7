"""Is this configuration safe for real patients? The go-live warnings that start-up, doctor and setup share.

Each warning is one sentence for the clinic's IT that says what goes wrong for patients and how to fix it.
`aftercare run` prints them loudly at start-up (and logs them), `aftercare doctor` prints them as
``warning:`` lines and fails on them with ``--strict``, and `aftercare setup` fixes them one by one.
"""

from __future__ import annotations

import re

from bot.config import Settings

# The example profile's phone number: Ofcom's range for drama (020 7946 0000 to 0999) is never a real line.
FICTIONAL_PHONE = re.compile(r"^(?:\+?44|0)2079460\d{3}$")


def fictional_phone(phone: str) -> bool:
    """Whether ``phone`` is in the fictional range the example clinic profile uses."""
    return bool(FICTIONAL_PHONE.match(re.sub(r"[\s()-]", "", phone)))


def example_profile_warning(settings: Settings) -> str | None:
    if not fictional_phone(settings.clinic.phone):
        return None
    return (f"the clinic profile {settings.clinic_file} gives patients the fictional phone number "
            f"{settings.clinic.phone}: run `aftercare setup` (or set AFTERCARE_CLINIC_FILE to your own profile)")


def no_clinic_chat_warning(settings: Settings) -> str | None:
    if settings.clinic_chat_id is not None:
        return None
    reach = ("go only to the on-call admins in private (AFTERCARE_ONCALL_IDS)" if settings.oncall_ids
             else "reach nobody")
    return (f"no clinic chat is set (AFTERCARE_CLINIC_CHAT_ID): alerts about worrying check-ins {reach}; "
            "add the bot to the staff group, send /clinicid there, and run `aftercare setup`")


def no_admins_warning(settings: Settings) -> str | None:
    if settings.admin_ids:
        return None
    if settings.clinic.staff:
        missing = "nobody can list open alerts with /flagged"
    else:  # nobody may answer in the clinic chat (bot/handlers/clinic.py), so nothing is relayed there
        missing = ("nobody can list open alerts with /flagged, acknowledge them or answer patients, so patients' "
                   "/clinic gives the clinic's phone number instead of passing their message on")
    return (f"no admins are set (AFTERCARE_ADMIN_IDS): {missing}; "
            "each admin sends /myid to the bot, then run `aftercare setup`")


def hours_never_set_warning(settings: Settings) -> str | None:
    if settings.clinic.hours_set:
        return None
    return (f"the clinic profile {settings.clinic_file} never set its opening hours: the bot assumes 09:00-18:00 "
            "every day, with no public holidays, for raising urgent alerts again and for the daily worklist; run "
            "`aftercare setup`, or add an [hours] table and a country (see bot/clinics/example.toml)")


def patient_link(bot_username: str, plan: str) -> str:
    """The link patients open (or scan) to start the bot; the payload names the care plan."""
    return f"https://t.me/{bot_username}?start={plan}"


def running_line(settings: Settings, bot_username: str) -> str:
    """The one start-up line an operator looks for: which bot, for which clinic, the patient link, and readiness."""
    warnings = go_live_warnings(settings)
    ready = ("ready for patients" if not warnings else
             f"NOT READY for patients ({len(warnings)} warning{'s' if len(warnings) > 1 else ''}: "
             "`aftercare doctor --strict`)")
    return (f"Running as @{bot_username} for {settings.clinic.name} · patient link "
            f"{patient_link(bot_username, settings.clinic.plan)} · {ready}")


def go_live_warnings(settings: Settings) -> list[str]:
    """What would leave patients unprotected if the bot went live with these settings; empty when ready."""
    checks = (example_profile_warning, no_clinic_chat_warning, no_admins_warning, hours_never_set_warning)
    return [warning for warning in (check(settings) for check in checks) if warning]
