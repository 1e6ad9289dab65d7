"""Thin Telegram callbacks, one module per flow; the wiring is in ``bot.app``."""
