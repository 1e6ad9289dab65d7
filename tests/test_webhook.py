"""Webhook mode: settings validated with the variable named, and requests without the secret refused."""

from __future__ import annotations

import socket

import httpx
import pytest

from bot.app import build_app
from bot.serve import webhook_options
from bot.config import ConfigError
from bot.tools.simulated_telegram import FakeRequest, FakeTelegram
from bot.store import open_store
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
    ({"AFTERCARE_WEBHOOK_SECRET": SECRET}, "AFTERCARE_WEBHOOK_URL is not"),
    ({"AFTERCARE_WEBHOOK_PORT": "70000"}, "AFTERCARE_WEBHOOK_PORT"),
    ({"AFTERCARE_WEBHOOK_PORT": "http"}, "AFTERCARE_WEBHOOK_PORT"),
    ({"AFTERCARE_WEBHOOK_LISTEN": "every interface"}, "AFTERCARE_WEBHOOK_LISTEN"),
])
def test_bad_webhook_settings_name_the_variable(tmp_path, overrides, variable):
    """Each malformed webhook setting stops start-up with a message naming it (never the secret)."""
    with pytest.raises(ConfigError, match=variable) as error:
        make_settings(tmp_path, **overrides)
    assert SECRET not in str(error.value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_server_rejects_requests_without_the_secret(tmp_path, clock):
    """PTB's webhook server, started with our options, answers 403 without the secret header and queues
    only the update that carries it; setWebhook registered the secret with Telegram."""
    settings = make_settings(tmp_path, AFTERCARE_WEBHOOK_URL=URL, AFTERCARE_WEBHOOK_SECRET=SECRET)
    store, telegram = open_store(None), FakeTelegram()
    app = build_app(settings, store, clock, request=FakeRequest(telegram))
    await app.initialize()
    for attempt in range(3):  # a free port can be taken between probing and binding: try another
        options = {**webhook_options(settings), "port": free_port()}
        try:
            await app.updater.start_webhook(**options)
            break
        except OSError:
            if attempt == 2:
                raise
    try:
        address = f"http://127.0.0.1:{options['port']}/aftercare/hook"
        update = telegram.message(1001, "/start")
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            refused = await client.post(address, json=update)
            forged = await client.post(address, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            accepted = await client.post(address, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert (refused.status_code, forged.status_code, accepted.status_code) == (403, 403, 200)
        assert app.update_queue.qsize() == 1
    finally:
        await app.updater.stop()
        await app.shutdown()
        store.close()
    registered = [params for method, params in telegram.calls if method == "setWebhook"]
    assert registered and registered[0]["secret_token"] == SECRET and registered[0]["url"] == URL
