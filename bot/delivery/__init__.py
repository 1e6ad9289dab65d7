"""The delivery engine: the dispatcher's run over the deliveries and the alert outbox, composing, pacing, sending
and retrying messages to Telegram. It imports nothing from care: what it needs from above comes as hooks."""
