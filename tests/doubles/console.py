"""The HTTP fake Bot API as a program, to try the whole operator path (setup, run) without Telegram.

    python -m tests.doubles.console --port 8081
    # then, in another terminal: TELEGRAM_API_URL=http://127.0.0.1:8081/bot python3 tasks.py run
    # and paste the token this prints when the set-up asks for it.

Type what people do in Telegram; what the bot sends is printed as it arrives:

    say CHAT TEXT          user CHAT writes TEXT in a private chat with the bot (e.g. say 1001 /start)
    group CHAT USER TEXT   user USER writes TEXT in the group CHAT (e.g. group -1005550001 4242 /clinicid)
    tap CHAT LABEL         user CHAT taps the button whose label contains LABEL on the newest message with buttons
    quit
"""

from __future__ import annotations

import argparse
import sys
import threading

from tests.doubles.bot_api_server import DEFAULT_TOKEN, FakeBotServer


def _printer(server: FakeBotServer, stop: threading.Event) -> None:
    """Print every message the bot sends (and each edit), as it happens."""
    shown: dict[tuple[int, int], int] = {}
    while not stop.is_set():
        try:
            server.wait_for(lambda tg: any(shown.get((m.chat_id, m.message_id)) != m.edits
                                           for chat in tg.messages.values() for m in chat), timeout=0.5)
        except TimeoutError:
            continue
        for chat_id in list(server.telegram.messages):
            for message in server.chat(chat_id):
                key = (chat_id, message.message_id)
                if shown.get(key) != message.edits:
                    label = "edited" if key in shown else "to"
                    buttons = f"  [{' | '.join(message.labels)}]" if message.labels else ""
                    print(f"\n[{label} {chat_id}] {message.text}{buttons}", flush=True)
                    shown[key] = message.edits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.doubles.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    stop = threading.Event()
    with FakeBotServer(args.token, port=args.port, max_hold=10.0) as server:
        print(f"fake Bot API: TELEGRAM_API_URL={server.url}\ntoken: {args.token}\n(help: see --help)", flush=True)
        threading.Thread(target=_printer, args=(server, stop), daemon=True).start()
        for line in sys.stdin:
            words = line.split()
            try:
                if not words:
                    continue
                if words[0] == "quit":
                    break
                if words[0] == "say" and len(words) >= 3:
                    server.send(int(words[1]), line.split(None, 2)[2].strip())
                elif words[0] == "group" and len(words) >= 4:
                    server.send(int(words[1]), line.split(None, 3)[3].strip(), chat_type="group",
                                user_id=int(words[2]), first_name="Staff")
                elif words[0] == "tap" and len(words) >= 3:
                    server.tap(int(words[1]), line.split(None, 2)[2].strip())
                else:
                    print("? say CHAT TEXT | group CHAT USER TEXT | tap CHAT LABEL | quit", flush=True)
            except (KeyError, ValueError) as exc:
                print(f"? {exc}", flush=True)
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
