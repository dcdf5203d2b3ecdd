"""A stdlib HTTP server on loopback that answers as a test says: JSON, codes, silence.

It stands in for the servers wiw talks to (a lab's Jupyter Server, a
classroom's JupyterHub) in unit tests of wiw's clients: each route answers a
status and body, closes the connection (``CLOSE``) or answers too late
(``SLOW``); every request is remembered with its headers.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar, cast

import pytest

__all__ = ["CLOSE", "SLOW", "Route", "StubServer", "refused_url", "serving"]

SLOW, CLOSE = "slow", "close"
Route = tuple[int, bytes] | str
Server = TypeVar("Server", bound="StubServer")
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY")  # fmt: skip


class StubServer(ThreadingHTTPServer):
    """Answers each path as ``routes`` says (404 otherwise), and remembers what it was asked."""

    daemon_threads = True

    def __init__(self, not_found: bytes = b'{"message": "Not Found"}') -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # lets a slow answer go at teardown
        self.not_found = not_found
        self.scheme = "http"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.server_address[1])

    @property
    def root(self) -> str:
        """Its root URL, without a trailing slash."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def answer(self, path: str, value: Any, status: int = 200) -> None:
        """Answer ``path`` with ``value`` as JSON."""
        self.routes[path] = (status, json.dumps(value).encode())


class _Handler(BaseHTTPRequestHandler):
    server: StubServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path, (404, self.server.not_found))
        if route == SLOW:  # no answer before the test ends (the client gave up long before)
            self.server.release.wait(timeout=10)
        if route in (CLOSE, SLOW):
            self.close_connection = True  # no answer at all
            return
        status, body = cast("tuple[int, bytes]", route)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@contextlib.contextmanager
def serving(monkeypatch: pytest.MonkeyPatch, server: Server) -> Iterator[Server]:
    """Serve ``server`` on a thread (no proxy in the way); shut it down afterwards."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def refused_url() -> Iterator[str]:
    """A loopback URL where nothing listens: a bound socket that never calls listen()."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
