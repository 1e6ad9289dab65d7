"""The Telegram shell of the aftercare bot."""
