"""The staff chat and the admins in `aftercare setup`: found from /clinicid and /myid, or typed in.

The operator sends the command in Telegram with the one-time code set-up prints for that step
("send /myid 4821"), presses Enter, and setup reads the bot's updates, answers the command in that
chat (the same text as the running bot's) and offers to save the id. A command without this step's
code (a stranger who found the bot, an old one from an earlier run, a guess) is named to the operator
and skipped: it is never offered as the clinic chat or an admin (issue 26).
"""

from __future__ import annotations

import secrets

from telegram.error import Conflict, TelegramError

from messages.catalog import load_catalog

CODE_DIGITS = 4


def one_time_code() -> str:
    """A fresh code for one set-up step: four digits, unguessable enough for the minute a step is open, and
    short to type on a phone (a wrong guess is named to the operator)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _with_code(guide, command: str, code: str):
    """The commands sent so far that carry ``code``; the others are named once each and skipped."""
    found = _look(guide, command)
    if found is None:
        return None
    skipped = guide.skipped
    for seen in found:
        if seen.code != code and seen.update_id not in skipped:
            skipped.add(seen.update_id)
            where = f"the group \"{seen.chat_title}\" ({seen.chat_id})" if seen.chat_type != "private" \
                else "a private chat"
            guide.console.say(f"   Skipped: {command} from {seen.user_name or '?'} ({seen.user_id}) in {where}"
                              " without this set-up's code.")
    return [seen for seen in found if seen.code == code]


def _look(guide, command: str):
    """The /clinicid or /myid commands sent so far, or None if Telegram refused."""
    try:
        found = guide.telegram.commands(command)
    except Conflict:
        guide.console.say("   Telegram says something else reads this bot's updates: stop the running bot "
                          "(or remove its webhook) while setup runs, or type the id.")
        return None
    except TelegramError as exc:
        guide.console.say(f"   Could not read the bot's messages ({type(exc).__name__}); try again, or type the id.")
        return None
    backlog, guide.telegram.backlog = guide.telegram.backlog, None
    if backlog == "dropped":
        guide.console.say("   More than 100 messages were waiting for the bot; set-up read the newest 100 and dropped "
                          "the older ones (nobody is enrolled yet, so no patient was waiting for them).")
    elif backlog == "kept":
        guide.console.say(f"   More than 100 messages were waiting for the bot; set-up took them from Telegram to "
                          f"see the newest and keeps {guide.telegram.kept} of them, sealed, for the bot to answer "
                          "when it starts.")
    elif backlog == "full":
        guide.console.say("   More than 100 messages are waiting for the bot, some perhaps from patients, and Telegram "
                          "shows only the oldest 100 without dropping any: if your command is not found, type the "
                          "id instead.")
    return found


def _answer(guide, command: str, found) -> None:
    """Answer each command with set-up's code in its chat, once (the running bot's text)."""
    catalog, answered = load_catalog(), guide.answered
    for seen in found:
        if seen.update_id not in answered:
            key, value = ("setup.clinicid", {"chat_id": seen.chat_id}) if command == "/clinicid" \
                else ("setup.myid", {"user_id": seen.user_id})
            if command == "/clinicid" and seen.chat_type == "private":
                key, value = "setup.clinicid_private", {}
            guide.telegram.reply(seen.chat_id, catalog.render(key, **value))
            answered.add(seen.update_id)


def ask_clinic_chat(guide) -> None:
    """Find the staff group's chat id with /clinicid (or take it typed) and save AFTERCARE_CLINIC_CHAT_ID."""
    console, current = guide.console, guide.settings().clinic_chat_id
    console.say("\n3. The staff chat that receives alerts about worrying check-ins")
    if current is not None and console.yes(f"   The clinic chat is {current}. Keep it?"):
        return
    code = one_time_code()
    console.say(f"   In Telegram, create a group for the clinic's staff (or open yours), add @{guide.telegram.username}"
                f" to it, and send /clinicid {code} in that group (the code counts for this set-up only).")
    while True:
        answer = console.ask("   Press Enter once /clinicid is sent (or type the chat id, or 'skip')")
        if answer.lower() == "skip":
            console.say("   Skipped: alerts reach nobody until a clinic chat is set (run `aftercare setup` again).")
            return
        if answer.lstrip("-").isdigit():
            guide.save(AFTERCARE_CLINIC_CHAT_ID=str(int(answer)))
            console.say(f"   Saved AFTERCARE_CLINIC_CHAT_ID={int(answer)}.")
            return
        found = _with_code(guide, "/clinicid", code)
        _answer(guide, "/clinicid", found or [])
        groups = [seen for seen in found or [] if seen.chat_type != "private"]
        if found is not None and not groups:
            console.say(f"   No /clinicid {code} from a group yet. Is the bot a member of the group? "
                        f"Send /clinicid {code} there, then press Enter again.")
            continue
        if groups:
            group = groups[-1]
            if console.yes(f"   /clinicid came from the group \"{group.chat_title}\" ({group.chat_id}). "
                           "Use it as the clinic chat?"):
                guide.telegram.confirm_setup_commands()
                guide.save(AFTERCARE_CLINIC_CHAT_ID=str(group.chat_id))
                console.say(f"   Saved AFTERCARE_CLINIC_CHAT_ID={group.chat_id}.")
                return


def ask_admins(guide) -> None:
    """Collect the admins' user ids from /myid (or typed) and save AFTERCARE_ADMIN_IDS."""
    console, current = guide.console, sorted(guide.settings().admin_ids)
    console.say("\n4. The admins (allowed /flagged, the list of open alerts)")
    if current and console.yes(f"   The admins are {', '.join(map(str, current))}. Keep them?"):
        return
    code = one_time_code()
    console.say(f"   Each admin sends /myid {code} to @{guide.telegram.username} (in a private chat or the staff group;"
                " the code counts for this set-up only).")
    while True:
        answer = console.ask("   Press Enter once they have (or type ids separated by commas, or 'skip')")
        if answer.lower() == "skip":
            console.say("   Skipped: nobody can use /flagged until admins are set (run `aftercare setup` again).")
            return
        if answer and all(part.strip().isdigit() for part in answer.split(",")):
            ids = [int(part) for part in answer.split(",")]
        else:
            found = _with_code(guide, "/myid", code)
            _answer(guide, "/myid", found or [])
            people = {seen.user_id: seen.user_name for seen in found or [] if seen.user_id is not None}
            if not people:
                if found is not None:
                    console.say(f"   No /myid {code} seen yet. Send it to the bot, then press Enter again.")
                continue
            listed = ", ".join(f"{name or '?'} ({user_id})" for user_id, name in people.items())
            if not console.yes(f"   /myid came from {listed}. Make them the admins?"):
                continue
            guide.telegram.confirm_setup_commands()
            ids = list(people)
        value = ",".join(str(i) for i in sorted(set(ids)))
        guide.save(AFTERCARE_ADMIN_IDS=value)
        console.say(f"   Saved AFTERCARE_ADMIN_IDS={value}.")
        return
