"""Webhook mode: settings validated with the variable named; requests without the secret, or too large, refused."""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import asynccontextmanager

import httpx
import pytest

from bot.app import build_app
from bot.serve import webhook_options
from bot.config import ConfigError
from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
from bot.store import open_store
from bot.webhook import guard_webhook_server, unguard_webhook_server
from tests.conftest import make_settings

SECRET = "s3cret_Token-value"
URL = "https://bot.clinic_profile.example/aftercare/hook"


def test_polling_is_the_default(tmp_path):
    """Without a webhook URL the bot polls, and the listen defaults are harmless."""
    settings = make_settings(tmp_path)
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert (settings.webhook_listen, settings.webhook_port) == ("127.0.0.1", 8443)


def test_webhook_settings_are_read_and_the_secret_kept_out_of_repr(tmp_path):
    """URL, secret, listen address and port are parsed; the secret never shows in repr()."""
    settings = make_settings(tmp_path, AFTERCARE_WEBHOOK_URL=URL, AFTERCARE_WEBHOOK_SECRET=SECRET,
                             AFTERCARE_WEBHOOK_LISTEN="0.0.0.0", AFTERCARE_WEBHOOK_PORT="9000")
    assert (settings.webhook_url, settings.webhook_secret) == (URL, SECRET)
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 9000)
    assert SECRET not in repr(settings)
    assert webhook_options(settings)["url_path"] == "aftercare/hook"


@pytest.mark.parametrize("overrides, variable", [
    ({"AFTERCARE_WEBHOOK_URL": URL}, "AFTERCARE_WEBHOOK_SECRET is required"),
    ({"AFTERCARE_WEBHOOK_URL": "http://bot.clinic_profile.example/hook", "AFTERCARE_WEBHOOK_SECRET": SECRET},
     "AFTERCARE_WEBHOOK_URL"),
    ({"AFTERCARE_WEBHOOK_URL": URL, "AFTERCARE_WEBHOOK_SECRET": "has space"}, "AFTERCARE_WEBHOOK_SECRET"),
    ({"AFTERCARE_WEBHOOK_URL": URL, "AFTERCARE_WEBHOOK_SECRET": "x" * 257}, "AFTERCARE_WEBHOOK_SECRET"),
    ({"AFTERCARE_WEBHOOK_URL": URL, "AFTERCARE_WEBHOOK_SECRET": "x"}, "AFTERCARE_WEBHOOK_SECRET must be 16"),
    ({"AFTERCARE_WEBHOOK_URL": URL, "AFTERCARE_WEBHOOK_SECRET": "guessable_15chr"}, "AFTERCARE_WEBHOOK_SECRET"),
    ({"AFTERCARE_WEBHOOK_SECRET": SECRET}, "AFTERCARE_WEBHOOK_URL is not"),
    ({"AFTERCARE_WEBHOOK_PORT": "70000"}, "AFTERCARE_WEBHOOK_PORT"),
    ({"AFTERCARE_WEBHOOK_PORT": "http"}, "AFTERCARE_WEBHOOK_PORT"),
    ({"AFTERCARE_WEBHOOK_LISTEN": "every interface"}, "AFTERCARE_WEBHOOK_LISTEN"),
])
def test_bad_webhook_settings_name_the_variable(tmp_path, overrides, variable):
    """Each malformed webhook setting, a secret shorter than 16 characters among them, stops start-up with a
    message naming it (never the secret)."""
    with pytest.raises(ConfigError, match=variable) as error:
        make_settings(tmp_path, **overrides)
    assert SECRET not in str(error.value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def webhook_running(tmp_path, clock):
    """The real Application's webhook server on a free local port, started as bot.serve starts it (guarded)."""
    settings = make_settings(tmp_path, AFTERCARE_WEBHOOK_URL=URL, AFTERCARE_WEBHOOK_SECRET=SECRET)
    store, telegram = open_store(None), FakeTelegram()
    app = build_app(settings, store, clock, request=FakeRequest(telegram))
    await app.initialize()
    guard_webhook_server(settings.webhook_secret)
    try:
        for attempt in range(3):  # a free port can be taken between probing and binding: try another
            options = {**webhook_options(settings), "port": free_port()}
            try:
                await app.updater.start_webhook(**options)
                break
            except OSError:
                if attempt == 2:
                    raise
        try:
            yield app, telegram, options["port"]
        finally:
            await app.updater.stop()
            await app.shutdown()
            store.close()
    finally:
        unguard_webhook_server()


async def exchange(port: int, head: str, body: bytes = b"") -> bytes:
    """Send raw request bytes and return whatever the server answers before it closes (or 5 s pass)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(4096), 5)
    finally:
        writer.close()


async def test_webhook_refuses_large_or_unauthenticated_bodies_before_reading_them(tmp_path, clock):
    """A request announcing a 50 MB body is answered at once (400 with the secret, 403 without), with not
    one byte of that body sent; a normal update with the secret still goes through."""
    async with webhook_running(tmp_path, clock) as (app, telegram, port):
        def head(secret: str | None, length: int) -> str:
            return ("POST /aftercare/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + (f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n" if secret else "")
                    + f"Content-Length: {length}\r\n\r\n")
        huge = await exchange(port, head(SECRET, 50_000_000))
        stranger = await exchange(port, head(None, 50_000_000))
        forged = await exchange(port, head(SECRET[:-1] + "x", 50_000_000))
        update = json.dumps(telegram.message(1001, "/start")).encode()
        accepted = await exchange(port, head(SECRET, len(update)), update)
    assert huge.startswith(b"HTTP/1.1 400")
    assert stranger.startswith(b"HTTP/1.1 403") and forged.startswith(b"HTTP/1.1 403")
    assert accepted.startswith(b"HTTP/1.1 200") and app.update_queue.qsize() == 1


async def test_webhook_server_rejects_requests_without_the_secret(tmp_path, clock):
    """The webhook server, started with our options, answers 403 without the secret header and queues
    only the update that carries it; setWebhook registered the secret with Telegram."""
    async with webhook_running(tmp_path, clock) as (app, telegram, port):
        address = f"http://127.0.0.1:{port}/aftercare/hook"
        update = telegram.message(1001, "/start")
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            refused = await client.post(address, json=update)
            forged = await client.post(address, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            accepted = await client.post(address, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert (refused.status_code, forged.status_code, accepted.status_code) == (403, 403, 200)
        assert app.update_queue.qsize() == 1
    registered = [params for method, params in telegram.calls if method == "setWebhook"]
    assert registered and registered[0]["secret_token"] == SECRET and registered[0]["url"] == URL


HANDLED_TYPES = {"message", "edited_message", "callback_query", "my_chat_member"}


async def test_set_webhook_asks_only_for_the_update_types_the_bot_handles(tmp_path, clock):
    """setWebhook, as bot.serve starts the webhook, lists in allowed_updates only the update types the handlers
    read: no business messages, payments, boosts or reactions are ever sent to the bot."""
    async with webhook_running(tmp_path, clock) as (app, telegram, port):
        pass
    registered = [params for method, params in telegram.calls if method == "setWebhook"]
    assert registered and all(set(params["allowed_updates"]) == HANDLED_TYPES for params in registered)
