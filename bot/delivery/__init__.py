"""The delivery engine: the outbox run, composing, pacing, sending and retrying messages to Telegram."""
