"""What the bot says and how worrying an answer is: pure code plus data, no Telegram."""
