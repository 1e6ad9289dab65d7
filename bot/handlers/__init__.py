"""Thin Telegram callbacks, one module per flow; ``registry.register_all`` wires them for ``bot.app``."""
