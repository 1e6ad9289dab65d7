"""`python -m bot`: read settings, open the store, build the app, run (same as `aftercare run`)."""

from bot.tools.cli import main

raise SystemExit(main(["run"]))
