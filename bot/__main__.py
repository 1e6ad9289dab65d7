"""`python -m bot`: read settings, open the store, build the app, run (same as `aftercare run`, `--help` too)."""

import sys

from bot.tools.cli import main

raise SystemExit(main(["run", *sys.argv[1:]]))
