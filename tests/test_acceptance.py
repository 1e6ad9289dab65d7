"""The delivery promise, end to end.

"A patient enrolled yesterday gets exactly the reminders ``aftercare preview``
shows, in their zone, across a restart and across a DST change."

A patient enrols through the real chat (typed answers, default times) the day
before a DST change in their zone, with "yesterday" as the treatment date.
Time is then driven by hand from one due instant to the next
(``store.next_due_at()``, every job run at that instant) for ten days; right
after the DST-change day the process "restarts": the application is shut
down, the store closed, the same database file reopened with the same data
key, and a fresh application and dispatcher carry on. Telegram (the fake) is
the same throughout, as the real one would be. What the patient received,
and when, is then compared with the text ``aftercare preview`` prints for the
same treatment date and zone.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.tools.preview import preview_command
from bot.store import open_store
from tests.conftest import enrol_typing, make_settings, open_phone

CHAT = 4004
DAYS = 10  # how far past enrolment time is driven
SLOT_TIMES = {"morning": time(8, 0), "midday": time(13, 0), "evening": time(21, 0)}  # the clinic defaults

# "2026-10-23 Fri 08:00 CEST   2026-10-23T06:00Z  day  0  note       Please skip make-up today ..."
PREVIEW_LINE = re.compile(
    r"^(?P<local_date>\d{4}-\d{2}-\d{2}) \w{3} (?P<local_time>\d{2}:\d{2}) (?P<abbr>\S+)\s+"
    r"(?P<utc>\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z\s+day\s+(?P<day>-?\d+)\s+(?P<kind>\S+)\s+(?P<first_line>.+)$")


@dataclass(frozen=True)
class Line:
    """One line of ``aftercare preview``."""

    local: datetime  # naive local wall time as printed
    abbr: str
    due: datetime    # aware UTC
    day: int
    kind: str
    first_line: str


@dataclass(frozen=True)
class Received:
    """One message the patient's phone received, at the clock's instant."""

    at: datetime
    message_id: int
    text: str


@dataclass(frozen=True)
class Scenario:
    zone: str
    start: datetime          # the clock when the patient enrols: the day before the DST change, locally
    dst_day: date            # the local date of the DST change
    offsets: tuple[int, int]  # UTC offset in hours before and after the change


SCENARIOS = {
    # Northern hemisphere, fall back: 03:00 CEST -> 02:00 CET on Sunday 25 October 2026.
    "berlin-fall-back": Scenario("Europe/Berlin", datetime(2026, 10, 24, 5, 0, tzinfo=UTC),
                                 date(2026, 10, 25), (2, 1)),
    # Northern hemisphere, spring forward: 02:00 CET -> 03:00 CEST on Sunday 29 March 2026.
    "berlin-spring-forward": Scenario("Europe/Berlin", datetime(2026, 3, 28, 5, 0, tzinfo=UTC),
                                      date(2026, 3, 29), (1, 2)),
    # Southern hemisphere, spring forward: 02:00 AEST -> 03:00 AEDT on Sunday 4 October 2026.
    "sydney-spring-forward": Scenario("Australia/Sydney", datetime(2026, 10, 3, 0, 30, tzinfo=UTC),
                                      date(2026, 10, 4), (10, 11)),
    # Southern hemisphere, fall back: 03:00 AEDT -> 02:00 AEST on Sunday 5 April 2026.
    "sydney-fall-back": Scenario("Australia/Sydney", datetime(2026, 4, 3, 23, 30, tzinfo=UTC),
                                 date(2026, 4, 5), (11, 10)),
}


def preview_lines(treated: date, zone: str, clinic) -> list[Line]:
    """Run ``aftercare preview --treated DATE --tz ZONE`` with the clinic's defaults and parse every line."""
    out, err = io.StringIO(), io.StringIO()
    code = preview_command(["--treated", treated.isoformat(), "--tz", zone], clinic.timing(),
                           out=out, err=err, contact=clinic.contact_values())
    assert (code, err.getvalue()) == (0, "")
    lines = []
    for raw in out.getvalue().splitlines():
        m = PREVIEW_LINE.match(raw)
        assert m, f"unexpected preview line: {raw!r}"
        lines.append(Line(datetime.fromisoformat(f"{m['local_date']}T{m['local_time']}"), m["abbr"],
                          datetime.fromisoformat(m["utc"]).replace(tzinfo=UTC), int(m["day"]), m["kind"],
                          m["first_line"]))
    return lines


async def live_through(tmp_path, scenario: Scenario):
    """Enrol, then drive the jobs from due instant to due instant for DAYS days, restarting once.

    Returns (settings, treatment date, messages received after enrolment, delivery rows, restarted at).
    """
    settings = make_settings(tmp_path)
    zone = ZoneInfo(scenario.zone)
    clock = ManualClock(scenario.start)
    received: list[Received] = []

    store = open_store(settings.database_path, settings.sealer())
    phone = await open_phone(settings, store, clock)
    telegram = phone.telegram  # Telegram outlives the bot's process

    def observe(event: str, sent) -> None:
        if event == "sent" and sent.chat_id == CHAT:
            received.append(Received(clock.now(), sent.message_id, sent.text))

    telegram.observer = observe
    restart_at = datetime.combine(scenario.dst_day + timedelta(days=1), time(0, 0), zone).astimezone(UTC)
    end = scenario.start + timedelta(days=DAYS)
    restarted = None
    try:
        await enrol_typing(phone, CHAT, zone=scenario.zone, treated="yesterday")
        patient = store.patient(CHAT)
        assert patient.enrolled and patient.zone == scenario.zone
        assert clock.now() == scenario.start  # enrolment took no (clock) time
        enrolment_chatter = len(received)
        runs = 0
        while (due := store.next_due_at()) is not None and due <= end:
            if restarted is None and due >= restart_at:
                # The restart: shut down, close the database, reopen the same file with the same key.
                await phone.app.shutdown()
                store.close()
                store = open_store(settings.database_path, settings.sealer())
                phone = await open_phone(settings, store, clock, telegram=telegram)
                restarted = restart_at  # between the last run before it and the first after
                assert store.patient(CHAT).zone == scenario.zone  # the sealed profile opened with the same key
            assert due > clock.now() or runs == 0, "next_due_at did not move forward"
            clock.set(due)
            await phone.run_jobs(due)
            runs += 1
            assert runs < 200
        assert restarted is not None and scenario.start < restarted < end
        treated = store.patient(CHAT).treatment.treatment_date
        rows = store.deliveries(CHAT)
    finally:
        await phone.app.shutdown()
        store.close()
    return settings, treated, received[enrolment_chatter:], rows, restarted


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
async def lived(request, tmp_path):
    scenario = SCENARIOS[request.param]
    return scenario, *(await live_through(tmp_path, scenario))


def split(received: list[Received], rows) -> tuple[list[Received], list[Received]]:
    """The received messages that carry plan rows, and the lone check-in re-prompts."""
    kinds = defaultdict(set)
    for row in rows:
        if row.state == "sent":
            kinds[row.message_id].add(row.kind)
    reprompts = [m for m in received if kinds.get(m.message_id) == {"reprompt"}]
    return [m for m in received if m not in reprompts], reprompts


async def test_patient_gets_exactly_what_preview_shows(lived):
    """Across a DST change and a restart, messages arrive at exactly preview's instants, once each, with every
    reminder preview lists for that instant (re-prompts included: nobody answers the check-ins here)."""
    scenario, settings, treated, received, rows, _ = lived
    zone = ZoneInfo(scenario.zone)
    assert treated == scenario.start.astimezone(zone).date() - timedelta(days=1)  # "yesterday", locally

    end = scenario.start + timedelta(days=DAYS)
    expected = [line for line in preview_lines(treated, scenario.zone, settings.clinic)
                if scenario.start < line.due <= end]  # due before enrolment finished is never planned
    by_instant: dict[datetime, list[Line]] = defaultdict(list)
    for line in expected:
        by_instant[line.due].append(line)
    assert len(by_instant) >= 20  # the busy first days: up to three instants a day in the first week

    instants = Counter(m.at for m in received)
    # One push per instant: at most a care message and the check-in prompt, a short message of its own.
    assert {at for at, n in instants.items() if n > 2} == set()
    assert set(instants) == set(by_instant)                      # nothing missing, nothing extra

    sent_rows = defaultdict(list)
    for row in rows:
        if row.state == "sent":
            sent_rows[row.message_id].append(row)
    for at in instants:
        lines = by_instant[at]
        at_once = [m for m in received if m.at == at]
        assert sorted((r.day, r.kind) for m in at_once for r in sent_rows[m.message_id]) == \
            sorted((line.day, line.kind) for line in lines)
        assert sum(any(r.kind in ("checkin", "reprompt") for r in sent_rows[m.message_id]) for m in at_once) <= 1
    for message in received:
        lines = by_instant[message.at]
        # Preview's local wall time and zone abbreviation are what the patient's clock showed.
        here = message.at.astimezone(zone)
        assert {(line.local, line.abbr) for line in lines} == {(here.replace(tzinfo=None), here.tzname())}

    # Every row in the window was sent, none skipped or failed; none is left pending.
    in_window = [r for r in rows if r.due_at <= end]
    assert {r.state for r in in_window} == {"sent"}
    assert len(in_window) == len(expected)
    assert Counter(r.step for r in rows) == Counter({r.step: 1 for r in rows})  # one row per step, ever

    # A re-prompt comes 45 minutes after its check-in prompt, on days whose budget leaves room, as preview shows.
    checkins = sorted(line.due for line in expected if line.kind == "checkin")
    reprompts = sorted(line.due for line in expected if line.kind == "reprompt")
    assert set(reprompts) <= {due + timedelta(minutes=45) for due in checkins}
    assert all(len({m.at for m in received if m.at.astimezone(zone).date() == day}) <= 3
               for day in {m.at.astimezone(zone).date() for m in received})  # the first week's budget


async def test_reminders_keep_local_wall_time_across_dst(lived):
    """Every reminder arrives at its slot's local time (mornings at 08:00) while the UTC offset changes by an hour
    at the DST change, before and after the restart."""
    scenario, _, _, received, rows, restarted = lived
    zone = ZoneInfo(scenario.zone)
    slot_of, slots_at, at_of = {}, defaultdict(set), {m.message_id: m.at for m in received}
    for row in rows:
        if row.state == "sent" and row.kind != "reprompt":
            slots_at[at_of[row.message_id]].add(row.slot)
    for message in received:  # a push's messages (a care message, the prompt) share its slots
        if slots_at.get(message.at):
            slot_of[message.message_id] = slots_at[message.at]
    plan_messages, _ = split(received, rows)
    assert plan_messages
    offsets = set()
    for message in plan_messages:
        slots = slot_of[message.message_id]  # bundled to the day's budget: at the earliest slot's time
        local = message.at.astimezone(zone)
        assert local.time() == min(SLOT_TIMES[slot] for slot in slots), (slots, local)
        hours = local.utcoffset() // timedelta(hours=1)
        assert hours == (scenario.offsets[0] if local.date() < scenario.dst_day else scenario.offsets[1])
        offsets.add(hours)
    assert offsets == set(scenario.offsets)  # the window really crosses the change

    mornings = [m.at.astimezone(zone) for m in plan_messages if "morning" in slot_of[m.message_id]]
    assert {m.time() for m in mornings} == {time(8, 0)}
    assert {m.date() for m in mornings} >= {scenario.dst_day, scenario.dst_day + timedelta(days=1)}
    # Both sides of the restart delivered.
    assert any(m.at < restarted for m in plan_messages) and any(m.at >= restarted for m in plan_messages)
