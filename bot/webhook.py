"""Limits on the webhook server: bodies over 1 MB and requests without the secret are refused before the
body is read, and the secret is compared in constant time.

python-telegram-bot's webhook server (telegram/ext/_utils/webhookhandler.py) builds a plain tornado
``HTTPServer(app, ssl_options=...)``: tornado's default body limit is 100 MB, read into memory before
PTB's handler runs, and PTB compares the secret with ``!=``. PTB offers no option for either, so the
bot configures tornado's ``HTTPServer`` (a ``Configurable``: ``HTTPServer.configure`` is tornado's
documented way to set defaults for servers built elsewhere) to build a :class:`GuardedHTTPServer`,
which checks every request's headers before tornado reads its body.
"""

from __future__ import annotations

import hmac
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer

MAX_BODY_BYTES = 1 << 20  # Telegram's updates are a few kilobytes; 1 MB is plenty
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Guard(httputil.HTTPMessageDelegate):
    """Answers 403 to a request without the right secret as soon as its headers arrive; else passes it on."""

    def __init__(self, inner: httputil.HTTPMessageDelegate, connection: httputil.HTTPConnection,
                 secret: bytes) -> None:
        self.inner, self.connection, self.secret = inner, connection, secret
        self.refused = False

    def headers_received(self, start_line, headers: httputil.HTTPHeaders):
        supplied = headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if hmac.compare_digest(supplied, self.secret):
            return self.inner.headers_received(start_line, headers)
        # Finishing the response before the body is read makes tornado close the connection
        # instead of reading what was sent (HTTP1Connection.finish: _disconnect_on_finish).
        self.refused = True
        self.connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", 403, "Forbidden"),
            httputil.HTTPHeaders({"Content-Length": "0", "Connection": "close"}))
        self.connection.finish()
        return None

    def data_received(self, chunk: bytes):
        return None if self.refused else self.inner.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.inner.on_connection_close()


class GuardedHTTPServer(HTTPServer):
    """tornado's HTTPServer with the secret checked (in constant time) on the headers of every request."""

    def initialize(self, *args: Any, secret_token: str | None = None, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self._secret = (secret_token or "").encode("utf-8")

    def start_request(self, server_conn: object, request_conn: httputil.HTTPConnection):
        inner = super().start_request(server_conn, request_conn)
        return _Guard(inner, request_conn, self._secret) if self._secret else inner


def guard_webhook_server(secret_token: str, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Make every tornado HTTPServer built from now on (PTB's webhook server) a guarded one: a body over
    ``max_body_bytes`` is refused from its Content-Length (or as soon as a chunked body passes it)."""
    HTTPServer.configure(GuardedHTTPServer, secret_token=secret_token, max_body_size=max_body_bytes)


def unguard_webhook_server() -> None:
    """Back to tornado's plain HTTPServer (for tests that start several servers in one process)."""
    HTTPServer.configure(None)
