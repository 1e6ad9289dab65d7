"""`aftercare doctor`: check configuration, clinic profile, care plans, database and token; one line each.

Problems are printed as ``problem: ...``, passes as ``ok: ...`` and what would leave
patients unprotected (bot/readiness.py) as ``warning: ...``; the exit status is
non-zero when there is at least one problem, or, with ``--strict``, a warning.
Nothing here prints the token or an exception's message that could contain it
(Bot API URLs do).
"""

from __future__ import annotations

import argparse
import asyncio
import stat
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping, TextIO

from telegram.request import BaseRequest

from bot.config import ConfigError, Settings, load_settings


class _Report:
    def __init__(self, out: TextIO) -> None:
        self.out, self.problems, self.warnings = out, 0, 0

    def ok(self, text: str) -> None:
        print(f"ok: {text}", file=self.out)

    def problem(self, text: str) -> None:
        self.problems += 1
        print(f"problem: {text}", file=self.out)

    def warning(self, text: str) -> None:
        self.warnings += 1
        print(f"warning: {text}", file=self.out)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="aftercare doctor",
        description="Check the configuration, clinic profile, care plans, data folder, database and token "
                    "(with Telegram, when a token is set), one line each. Exit 1 on a problem.")
    parser.add_argument("--strict", action="store_true",
                        help="also fail on go-live warnings: the example clinic profile's fictional phone "
                             "number, no clinic chat, no admins (use it before going live)")
    return parser.parse_args(argv)


def doctor_command(environ: Mapping[str, str], out: TextIO = sys.stdout, request: BaseRequest | None = None,
                   argv: list[str] | None = None, now: datetime | None = None) -> int:
    """Run every check; returns 0 when all pass, 1 otherwise (``request`` lets tests use the fake API, ``now``
    a fixed clock)."""
    from bot.readiness import go_live_warnings

    strict = _parse(list(argv or [])).strict
    report = _Report(out)
    try:
        settings = load_settings(environ, require_token=False)
    except ConfigError as exc:  # every problem of the settings and the clinic profile, one line each
        for problem in exc.problems:
            report.problem(f"configuration: {problem}")
        return 1
    report.ok("configuration read")
    report.ok(f"clinic profile {settings.clinic_file}: {settings.clinic.name}, "
              f"data kept {settings.clinic.retention_days} days after a plan ends")
    _check_plans(settings, report)
    _check_catalogs(settings, report)
    _check_lexicons(settings, report)
    if _check_database(settings, report, explicit_folder=bool(environ.get("AFTERCARE_DATA_DIR", "").strip())):
        now = now or datetime.now(timezone.utc)  # the clock read once for both checks
        _check_backups(settings, report, now)
        _check_restore_drill(settings, report, now)
    if settings.token:
        _check_token(settings, report, request)
    else:
        report.ok("no TELEGRAM_BOT_TOKEN set: token not checked"
                  + ("; the clinic chat was not checked either" if settings.clinic_chat_id is not None else ""))
    for warning in go_live_warnings(settings):
        report.warning(warning)
    if report.warnings and not strict:
        print("(not ready for real patients: `aftercare doctor --strict` fails on these warnings)", file=out)
    return 1 if report.problems or (strict and report.warnings) else 0


def _check_plans(settings: Settings, report: _Report) -> None:
    from messages.catalog import load_catalog
    from schedules.care_plan import PlanError, available_plans, load_plan

    try:
        keys = load_catalog(settings.language, settings.catalog_dir).texts.keys()
    except (ValueError, OSError) as exc:
        report.problem(f"message catalog: {exc}")
        return
    plans = available_plans(settings.plans_dir)
    if settings.clinic.plan not in plans:
        report.problem(f"clinic profile: plan {settings.clinic.plan!r} is not one of {', '.join(plans)}")
    for name in plans:
        try:
            plan = load_plan(name, keys, settings.plans_dir)
        except PlanError as exc:
            report.problem(f"care plan {name}: {exc}")
        else:
            report.ok(f"care plan {name}: {len(plan.steps)} steps over {plan.length_days} days")


def _check_catalogs(settings: Settings, report: _Report) -> None:
    """Each language the profile offers (and the clinic chat's): a catalog folder with its meta.toml, every English
    key, the same placeholders, and reviewed by the clinic's clinician; a warning for each gap (--strict fails)."""
    from messages.catalog import DEFAULT_LANGUAGE, fields, own_texts

    english = own_texts(DEFAULT_LANGUAGE, settings.catalog_dir)
    languages = dict.fromkeys([*settings.clinic.offered_languages(settings.language),
                               settings.clinic.staff_language(settings.language)])
    for code in languages:
        own = own_texts(code, settings.catalog_dir)
        if own is None:
            report.warning(f"language {code}: offered, but there is no catalog folder messages/catalog/{code}/ "
                           f"(patients who choose it would get English); add one or take {code} off [clinic] languages")
            continue
        texts, meta = own
        gaps = []
        if not meta:
            gaps.append("no meta.toml (its name and reviewed = true once checked), so it is not offered yet")
        if english is not None and code != DEFAULT_LANGUAGE:
            missing = sorted(set(english[0]) - set(texts))
            if missing:
                gaps.append(f"{len(missing)} key(s) missing versus English (said in English), e.g. "
                            f"{', '.join(missing[:5])}")
            differ = sorted(key for key in set(english[0]) & set(texts)
                            if fields(english[0][key]) != fields(texts[key]))
            if differ:
                gaps.append(f"placeholders differ from English in {', '.join(differ[:5])}"
                            + (f" and {len(differ) - 5} more" if len(differ) > 5 else ""))
        if meta and meta.get("reviewed") is not True:
            gaps.append("meta.toml says reviewed = false: the clinic's clinician has not read it yet")
        for gap in gaps:
            report.warning(f"language {code}: {gap}")
        if not gaps:
            report.ok(f"language {code}: {len(texts)} texts, reviewed")


def _check_lexicons(settings: Settings, report: _Report) -> None:
    """Rules v3 P4g: each language the profile offers has a warning-sign lexicon (messages/lexicon/<code>.toml),
    read by a clinician (``reviewed = true``); without one its patients' warning signs are read only by the other
    languages' lexicons, and their texts that none reads go to the clinic chat marked "not read by the bot"."""
    from messages.reading import installed_languages
    from messages.reading_lexicon import load_lexicon

    installed = installed_languages()
    for code in dict.fromkeys(settings.clinic.offered_languages(settings.language)):
        if code not in installed:
            report.warning(f"language {code}: offered, but there is no warning-sign lexicon messages/lexicon/"
                           f"{code}.toml, so warning signs typed in it are not read (only relayed as unread)")
            continue
        lexicon = load_lexicon(code)
        if not lexicon.reviewed:
            report.warning(f"language {code}: its warning-sign lexicon (version {lexicon.version}) says "
                           f"reviewed = false: the clinic's clinician has not read it yet")
        else:
            report.ok(f"language {code}: warning-sign lexicon {lexicon.version}, reviewed")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _check_database(settings: Settings, report: _Report, explicit_folder: bool) -> bool:
    """The data folder and database; True when there is a sound database to look into further."""
    from bot.runtime import data_folder_problem
    from bot.store import open_store
    from bot.store.health import database_problems, inspect_database
    from bot.tools.upgrade import upgrade_notes

    folder, path = settings.data_dir, settings.database_path
    try:
        open_store(None).close()  # every migration applies cleanly to an empty database
    except Exception as exc:  # noqa: BLE001 - any failure here is a broken migration
        report.problem(f"database: the migrations fail on an empty database ({type(exc).__name__}: {exc})")
        return False
    unusable = data_folder_problem(folder)
    if unusable:
        report.problem(f"database: {unusable}")
        return False
    if not folder.is_dir():
        if explicit_folder:  # as `aftercare run` does: a mistyped folder must not start an empty database
            report.problem(f"database: the data folder {folder} does not exist; create it (AFTERCARE_DATA_DIR)")
        else:
            report.ok(f"database: the data folder {folder} does not exist yet; it is created (owner-only) "
                      "on first start")
        if settings.data_key is None:
            report.problem("database: no data key is set (AFTERCARE_DATA_KEY_FILE or AFTERCARE_DATA_KEY): "
                           "the bot will not start; create one with `aftercare keygen PATH`")
        return False
    if _mode(folder) & 0o077:
        report.problem(f"database: the data folder {folder} is open to others (mode {_mode(folder):o}); "
                       f"run: chmod 700 {folder}")
    if not path.exists():
        report.ok(f"database: {path} does not exist yet; it is created (owner-only) on first start")
        if settings.data_key is None:
            report.problem("database: no data key is set (AFTERCARE_DATA_KEY_FILE or AFTERCARE_DATA_KEY): "
                           "the bot will not start; create one with `aftercare keygen PATH`")
        return False
    if _mode(path) & 0o077:
        report.problem(f"database: {path} is readable by others (mode {_mode(path):o}); run: chmod 600 {path}")
        return False  # opening it would silently fix the mode; let the owner see and decide
    problems = database_problems(path)  # read-only: the doctor never changes the database
    if problems:
        report.problem(f"database: {path}: {problems[0]}")
        return False
    _, key_problems = inspect_database(path, settings.sealer())
    for problem in key_problems:
        report.problem(f"database: {problem}")
    for note in upgrade_notes(settings):
        report.ok(f"database: {note}")
    if not key_problems:
        report.ok(f"database: {path} is owner-only, intact, and opens with the data key")
    return True


# A nightly backup older than this is missing: a day, and the job's grace of hours on top.
BACKUP_OVERDUE = timedelta(hours=36)


def _check_backups(settings: Settings, report: _Report, now: datetime) -> None:
    """The nightly backups the running bot writes (bot/care/backups.py): on, recent, and the last one sound."""
    from bot.store.backups import database_created_at, nightly_files, read_last_backup

    if settings.backup_at is None:
        report.warning("backups: nightly backups are off (AFTERCARE_BACKUP_AT=off); set a time such as 02:30 "
                       "so the bot keeps a copy of the database every night")
        return
    folder, path = settings.backup_folder, settings.database_path
    record, created = read_last_backup(path), database_created_at(path)
    at = f"{settings.backup_at:%H:%M} UTC"
    if record is not None and not record.ok:
        report.warning(f"backups: the last nightly backup ({record.at:%Y-%m-%d %H:%M} UTC) failed: {record.problem}")
        return
    last_ok = record.last_ok_at if record else None
    if last_ok is None:
        if created is not None and now - created > BACKUP_OVERDUE:
            report.warning(f"backups: no nightly backup has been written (due every night at {at} into {folder}): "
                           "is the bot running? `aftercare run` writes them")
        else:
            report.ok(f"backups: the first nightly backup is written at {at} into {folder}")
        return
    if now - last_ok > BACKUP_OVERDUE:
        report.warning(f"backups: the newest nightly backup is from {last_ok:%Y-%m-%d %H:%M} UTC, more than a day "
                       f"ago (due every night at {at}): is the bot running?")
        return
    kept = nightly_files(folder)
    if not kept or kept[-1].name != record.file:
        report.warning(f"backups: the last nightly backup {record.file} is no longer in {folder}")
        return
    report.ok(f"backups: {record.file} verified at {last_ok:%Y-%m-%d %H:%M} UTC; {len(kept)} kept in {folder} "
              f"(the newest {settings.backup_keep})")


def _check_restore_drill(settings: Settings, report: _Report, now: datetime) -> None:
    """The last restore drill (`aftercare restore --dry-run`, recorded in the backup folder): passed, and no older
    than AFTERCARE_RESTORE_DRILL_DAYS; a warning when it failed, is too old, or never ran though there are backups."""
    from bot.store.backups import nightly_files, read_drill_record

    folder, days = settings.backup_folder, settings.drill_days
    record = read_drill_record(folder)
    run = "run `aftercare restore --dry-run` (it restores the newest backup into a temporary folder, never the live one)"
    if record is None:
        if nightly_files(folder):
            report.warning(f"restore drill: none has been run with the backups in {folder}; {run}")
        else:
            report.ok("restore drill: none yet; once the first nightly backup is written, " + run)
        return
    if not record.ok:
        report.warning(f"restore drill: the last one ({record.at:%Y-%m-%d %H:%M} UTC) failed: {record.problem}; "
                       "fix that, then " + run)
        return
    if now - record.last_ok_at > timedelta(days=days):
        report.warning(f"restore drill: the last one that passed was on {record.last_ok_at:%Y-%m-%d}, more than "
                       f"{days} days ago (AFTERCARE_RESTORE_DRILL_DAYS); {run}")
        return
    report.ok(f"restore drill: passed on {record.last_ok_at:%Y-%m-%d %H:%M} UTC with {record.file} "
              f"(due again within {days} days)")


def _check_token(settings: Settings, report: _Report, request: BaseRequest | None) -> None:
    """getMe, then the clinic chat as the bot sees it (getChat, getChatMember): it can post there, and it is an
    admin who may manage topics where topics are on (a topic per patient: bot/care/topics.py)."""
    from telegram import Bot
    from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

    async def look():
        bot = Bot(settings.token, base_url=settings.api_url, base_file_url=settings.file_url,
                  request=request, get_updates_request=request)
        async with bot:  # initialize() asks getMe once
            me = bot.bot
            if settings.clinic_chat_id is None:
                return me, None
            try:
                chat = await bot.get_chat(settings.clinic_chat_id)
                member = await bot.get_chat_member(settings.clinic_chat_id, me.id)
            except (BadRequest, Forbidden):
                return me, False
            return me, (chat, member)

    try:
        me, clinic = asyncio.run(look())
    except (InvalidToken, Forbidden):
        report.problem("telegram: the token was rejected; get a new one from @BotFather (TELEGRAM_BOT_TOKEN)")
    except TelegramError as exc:
        report.problem(f"telegram: could not reach the Bot API at {_host(settings.api_url)} ({type(exc).__name__})"
                       + ("; the clinic chat was not checked" if settings.clinic_chat_id is not None else ""))
    else:
        report.ok(f"telegram: the token is accepted (@{me.username})")
        if clinic is not None:
            _report_clinic_chat(settings, report, clinic)


ADMIN = ("administrator", "creator")


def _report_clinic_chat(settings: Settings, report: _Report, clinic) -> None:
    where = f"the clinic chat {settings.clinic_chat_id} (AFTERCARE_CLINIC_CHAT_ID)"
    if clinic is False:
        report.problem(f"telegram: the bot cannot see {where}: add the bot to the staff group, or fix the id "
                       "(send /clinicid in the group to learn it)")
        return
    chat, member = clinic
    where = f"the clinic chat \"{chat.title}\""
    status = member.status
    if status in ("left", "kicked"):
        report.problem(f"telegram: the bot is not a member of {where}: add it to the group again")
        return
    may_post = status in ADMIN or (getattr(member, "can_send_messages", True) if status == "restricted" else
                                   not (chat.permissions and chat.permissions.can_send_messages is False))
    if not may_post:
        report.problem(f"telegram: the bot may not post in {where}, so alerts cannot reach the staff: make it an "
                       "admin there, or let members send messages")
        return
    if chat.is_forum and status not in ADMIN:
        report.problem(f"telegram: topics are on in {where}, and the bot is not an admin there: make it an admin "
                       "(Manage group > Administrators), so its alerts reach the staff")
        return
    if chat.is_forum and status == "administrator" and not getattr(member, "can_manage_topics", False):
        report.problem(f"telegram: topics are on in {where}, and the bot may not manage topics there: give it the "
                       "\"Manage topics\" right (Manage group > Administrators > the bot), so each patient gets a "
                       "topic of their own (without it, everything goes to the General topic)")
        return
    report.ok(f"telegram: the bot can post in {where}" + (" (an admin, topics on)" if chat.is_forum else
                                                          f" (as {'an admin' if status in ADMIN else 'a member'})"))


def _host(url: str) -> str:
    """The scheme and host of an API URL, never its path (a token could hide there)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
