"""Test doubles: stand-ins for Telegram used only by the tests."""
