"""The classroom's proxy: JupyterHub's pure-Python configurable-http-proxy, adapted.

JupyterHub starts this instead of ``configurable-http-proxy`` (same command
line, same REST API). Three things change from the pinned 0.4.0, which wiw's
image installs:

- HTTPS: with ``--ssl-key``/``--ssl-cert`` (JupyterHub passes them when
  ``c.JupyterHub.ssl_cert`` is set) the public side serves TLS, and tells the
  servers behind it so (``X-Forwarded-Proto: https``); 0.4.0 refuses the flags.
- Compression passes through: the browser's ``Accept-Encoding`` reaches the
  learner's server, which answers with precompressed assets; 0.4.0 asks for
  gzip itself, unpacks the answer and sends it on uncompressed.
- Responses stream, chunk by chunk and with back-pressure, instead of being
  buffered whole (0.4.0 also refuses bodies over 100 MB).
- The class's short address (``/k7mq-4xr-2h9``, to type from the projector)
  redirects to the join URL; each address gets ``SHORT_GUESSES_PER_MINUTE``
  wrong guesses a minute, then 429, so that nobody finds it by trying.
- Error pages (the hub's, for a path nothing serves, such as a browser's
  ``/favicon.ico``) go out without the cookies the hub set on them: fetched
  by the proxy, the page carried an XSRF cookie made for the proxy's address,
  which replaced the learner's and made the join form fail with a 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import ssl
import sys
import time
import urllib.parse
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from configurable_http_proxy import cli as chp_cli
from configurable_http_proxy import handlers as chp_handlers
from tornado import httputil
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.httpserver import HTTPServer
from tornado.iostream import StreamClosedError
from tornado.web import RequestHandler
from wiw_contract import SHORT_GUESSES_PER_MINUTE, read_short

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
    "proxy-authenticate", "proxy-authorization",
})  # fmt: skip
TLS: dict[str, str] = {}  # the certificate and key, when HTTPS is asked for
_original_request = chp_handlers.ProxyHandler._get_proxy_request
_original_error = chp_handlers.ProxyHandler.handle_proxy_error
NOT_PASSED_ON = HOP_BY_HOP | {"set-cookie", "content-length", "content-encoding"}


def _proxy_request(self: chp_handlers.ProxyHandler, url: str) -> HTTPRequest:
    """The upstream request, with the browser's Accept-Encoding left as it was."""
    request: HTTPRequest = _original_request(self, url)
    request.decompress_response = False
    if TLS:
        forwarded = request.headers.get("x-forwarded-proto", "http").rsplit(",", 1)[0]
        request.headers["x-forwarded-proto"] = f"{forwarded},https".lstrip(",")
    return request


class _Relay:
    """Sends an upstream response on as it arrives: status and headers, then chunks."""

    def __init__(self, handler: chp_handlers.ProxyHandler) -> None:
        self.handler = handler
        self.start: httputil.ResponseStartLine | None = None
        self.headers = httputil.HTTPHeaders()
        self.sent = False

    def header_line(self, line: str) -> None:
        if self.start is None or line.startswith("HTTP/"):  # a 100-continue is replaced
            self.start = httputil.parse_response_start_line(line.strip())
            self.headers = httputil.HTTPHeaders()
        elif line.strip():
            self.headers.parse_line(line)

    def send_headers(self) -> None:
        if self.sent or self.start is None:
            return
        self.sent = True
        self.handler.set_status(self.start.code, self.start.reason)
        existing = {name.lower() for name, _ in self.handler._headers.get_all()}
        for name, value in self.headers.get_all():
            lowered = name.lower()
            if lowered in HOP_BY_HOP:
                continue
            if lowered in existing:
                self.handler.set_header(name, value)
                existing.discard(lowered)  # more values of the same header are added
            else:
                self.handler.add_header(name, value)

    def chunk(self, data: bytes) -> Awaitable[None] | None:
        self.send_headers()
        try:
            self.handler.write(data)
            return self.handler.flush()  # awaited upstream: back-pressure
        except StreamClosedError:
            return None


async def _call_proxy(self: chp_handlers.ProxyHandler, path: str | None = None) -> None:
    """Proxy one request, streaming the answer (replaces ProxyHandler.call_proxy)."""
    url = await self.get_target_url(path)
    if url is None:
        return
    request = self._get_proxy_request(url)
    relay = _Relay(self)
    request.header_callback = relay.header_line
    request.streaming_callback = relay.chunk
    try:  # an HTTP status is an answer to relay; no answer at all is raised (tornado 6)
        await AsyncHTTPClient().fetch(request, raise_error=False)
    except Exception as err:
        if not relay.sent:
            await self.handle_proxy_error(503, err)
        return
    relay.send_headers()
    self.finish()


async def _proxy_error(
    self: chp_handlers.ProxyHandler, code: int, err: BaseException | None
) -> None:
    """Answer with the hub's error page, minus its cookies (replaces handle_proxy_error)."""
    if self.ws_connection or not self.proxy.error_target:
        await _original_error(self, code, err)
        return
    self.proxy.log.error(f"{code} {self.request.method} {self.request.path} {err or ''}")
    target = urllib.parse.urlparse(self.proxy.error_target)
    target = target._replace(query=f"url={urllib.parse.quote(self.request.path)}",
                             path=target.path.rstrip("/") + f"/{code}")  # fmt: skip
    try:
        page = await AsyncHTTPClient().fetch(target.geturl(), raise_error=True)
    except Exception as exc:
        self.proxy.log.error(f"Failed to get custom error page: {exc}")
        self.handle_proxy_error_default(code, err)
        return
    for name, value in page.headers.get_all():
        if name.lower() not in NOT_PASSED_ON:
            self.set_header(name, value)
    self.set_status(code)
    self.finish(page.body)


class ShortDoor:
    """The class's short address: the right one leads to the join URL, guessing is slowed.

    Each client address gets ``per_minute`` wrong guesses in any minute; past
    that, every answer is 429 until a minute after its oldest wrong guess,
    the right address included. Clients are told nothing else.
    """

    MAX_CLIENTS = 10_000  # clients remembered at most; those with no recent miss go first

    def __init__(self, code: str, target: str, per_minute: int = SHORT_GUESSES_PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic, *,
                 behind_proxy: bool = False) -> None:  # fmt: skip
        self.code = code
        self.target = target
        self.per_minute = per_minute
        self.clock = clock
        self.behind_proxy = behind_proxy
        self.misses: dict[str, deque[float]] = {}

    def client(self, peer: str, forwarded: str | None) -> str:
        """Who is guessing: the peer's address, or the one a reverse proxy here forwards.

        Behind a reverse proxy or tunnel (``--public-url``) every request comes
        from the proxy. When it runs on this machine (a loopback peer), the last
        ``X-Forwarded-For`` entry is the address it saw; from any other peer the
        header is not believed, as a guesser could write it to dodge the limit.
        """
        if not (self.behind_proxy and forwarded):
            return peer
        try:
            local = ipaddress.ip_address(peer).is_loopback
        except ValueError:
            return peer
        return (forwarded.rsplit(",", 1)[-1].strip() or peer) if local else peer

    def answer(self, client: str, typed: str) -> tuple[int, str | None]:
        """The status for ``client`` typing ``typed``, and where to send them (302 only)."""
        now = self.clock()
        recent = self.misses.get(client, deque())
        while recent and now - recent[0] >= 60:  # noqa: PLR2004 - a minute
            recent.popleft()
        if len(recent) >= self.per_minute:
            return 429, None
        if hmac.compare_digest(read_short(typed).encode(), self.code.encode()):
            return 302, self.target
        recent.append(now)
        self.misses[client] = recent
        if len(self.misses) > self.MAX_CLIENTS:
            self.misses = {c: m for c, m in self.misses.items() if m and now - m[-1] < 60}  # noqa: PLR2004
        return 404, None


def short_door(env: Mapping[str, str]) -> ShortDoor | None:
    """The short address from the hub's state, if the class has one and it is on."""
    if env.get("WIW_SHORT_URL") != "1":
        return None
    try:
        state = json.loads((Path(env["WIW_STATE_DIR"]) / "state.json").read_text())
    except (KeyError, OSError, ValueError):
        return None
    code, secret = state.get("short_code"), state.get("join_secret")
    if not (code and secret):
        return None
    return ShortDoor(str(code), f"/{secret}/", behind_proxy=bool(state.get("public_url")))


class ShortHandler(RequestHandler):
    """``/CODE``: the short address, answered by the proxy itself."""

    def initialize(self, door: ShortDoor) -> None:
        """Keep the door."""
        self.door = door

    def get(self, typed: str) -> None:
        """Redirect to the join URL, or say no (404), or say to wait (429)."""
        forwarded = self.request.headers.get("X-Forwarded-For")
        client = self.door.client(self.request.remote_ip or "", forwarded)
        status, target = self.door.answer(client, typed)
        self.set_header("Cache-Control", "no-store")
        if target is not None:
            self.redirect(target)
            return
        if status == 429:  # noqa: PLR2004
            self.set_header("Retry-After", "60")
        self.set_status(status)
        self.finish()


SHORT_PATH = r"/([A-Za-z0-9][A-Za-z0-9 -]{7,19})"  # what may be a short address, dashes too
DOOR: list[ShortDoor] = []  # the short address, when the class has one


def _server(app: Any, *args: Any, **kwargs: Any) -> HTTPServer:
    """HTTPServer for the proxy's apps: the public one serves TLS when asked for."""
    if TLS and getattr(app, "wiw_public", False):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS["cert"], TLS["key"])
        kwargs["ssl_options"] = context
    return HTTPServer(app, *args, **kwargs)


class _Proxy(chp_cli.PythonProxy):
    """The proxy, its public app marked so that only that one serves TLS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proxy_app.wiw_public = True  # type: ignore[attr-defined]  # read by _server
        for door in DOOR:  # before the proxy's catch-all route
            self.proxy_app.add_handlers(r".*", [(SHORT_PATH, ShortHandler, {"door": door})])


def _take_tls(argv: list[str]) -> list[str]:
    """Remove --ssl-key/--ssl-cert from the command line, remembering the files."""
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        name, _, value = word.partition("=")
        if name in ("--ssl-key", "--ssl-cert"):
            TLS[name.removeprefix("--ssl-")] = value or next(words)
        else:
            rest.append(word)
    return rest


def main() -> None:
    """Run the proxy with the command line JupyterHub gives configurable-http-proxy."""
    sys.argv = [sys.argv[0], *_take_tls(sys.argv[1:])]
    DOOR[:] = [door] if (door := short_door(os.environ)) else []
    # Patched on purpose (mypy rightly objects to assigning methods and classes):
    chp_handlers.ProxyHandler._get_proxy_request = _proxy_request  # type: ignore[method-assign]
    chp_handlers.ProxyHandler.call_proxy = _call_proxy  # type: ignore[method-assign]
    chp_handlers.ProxyHandler.handle_proxy_error = _proxy_error  # type: ignore[method-assign]
    chp_cli.PythonProxy = _Proxy  # type: ignore[misc]
    chp_cli.HTTPServer = _server  # type: ignore[misc, assignment]
    # Streamed bodies are limited by max_body_size only (100 MB by default).
    AsyncHTTPClient.configure(None, max_body_size=64 * 2**30)
    chp_cli.main()


if __name__ == "__main__":
    main()
