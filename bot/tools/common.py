"""What the operator commands share: settings without a token, and one-line errors."""

from __future__ import annotations

import sys
from typing import Callable

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import OpsError

# Ctrl-C in any command: one line and the shell's usual exit code for SIGINT (128 + 2), never a traceback.
INTERRUPTED = "Stopped (Ctrl-C); what was already saved is kept."
INTERRUPTED_CODE = 130


def settings_for_tools(environ: dict[str, str]) -> Settings | None:
    """Settings for a tool (no token needed); prints the configuration error and returns None if any."""
    try:
        return load_settings(environ, require_token=False)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def run_tool(environ: dict[str, str], action: Callable[[Settings], str]) -> int:
    """Load settings (no token needed), run ``action`` and print its report; an OpsError is one line, exit 1."""
    settings = settings_for_tools(environ)
    if settings is None:
        return 2
    try:
        print(action(settings))
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
