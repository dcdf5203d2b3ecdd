"""The classroom's proxy (jupyterhub/hub/wiw_proxy.py): configurable-http-proxy 0.4.0, adapted.

What it decides on its own is checked as plain logic (the TLS flags taken
off the command line, the upstream request, the relay of a response); then
the patched handlers proxy real requests between two tornado servers on
127.0.0.1: compressed answers pass through as they are, streamed, and the
hub's error pages arrive without their cookies.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st
from tornado import httpclient, httpserver, httputil, netutil, web
from tornado.iostream import StreamClosedError

from tests.support.hubside import load_support_module

PROXY = load_support_module("wiw_proxy")


@pytest.fixture
def tls(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The proxy's remembered certificate and key, empty for each test."""
    files: dict[str, str] = {}
    monkeypatch.setattr(PROXY, "TLS", files)
    return files


# --- The command line --------------------------------------------------------


def test_tls_flags_are_taken_and_remembered(tls: dict[str, str]) -> None:
    """--ssl-key and --ssl-cert, spelt either way, leave the command line for TLS."""
    argv = ["--ip", "0.0.0.0", "--ssl-key", "/srv/tls.key", "--ssl-cert=/srv/tls.crt",
            "--port", "8000", "--api-ip", "127.0.0.1"]  # fmt: skip
    assert PROXY._take_tls(argv) == ["--ip", "0.0.0.0", "--port", "8000", "--api-ip", "127.0.0.1"]
    assert tls == {"key": "/srv/tls.key", "cert": "/srv/tls.crt"}


def test_other_ssl_flags_stay(tls: dict[str, str]) -> None:
    """The API's own TLS flags and look-alikes are configurable-http-proxy's to read."""
    argv = ["--api-ssl-key", "/a.key", "--ssl-ciphers=HIGH", "--ssl-keyfile", "x"]
    assert PROXY._take_tls(argv) == argv
    assert tls == {}


@given(st.lists(st.text(min_size=1).filter(lambda w: not w.startswith("--ssl-")), max_size=8))
def test_a_command_line_without_tls_is_left_as_it_is(argv: list[str]) -> None:
    """Without the two flags nothing is taken and nothing remembered."""
    PROXY.TLS.clear()
    assert PROXY._take_tls(list(argv)) == argv
    assert PROXY.TLS == {}


# --- The request upstream ----------------------------------------------------


def upstream(monkeypatch: pytest.MonkeyPatch, **headers: str) -> Any:
    """_proxy_request over a stand-in for configurable-http-proxy's own request."""

    def original(handler: object, url: str) -> httpclient.HTTPRequest:
        return httpclient.HTTPRequest(url, headers=httputil.HTTPHeaders(headers))

    monkeypatch.setattr(PROXY, "_original_request", original)
    return PROXY._proxy_request(object(), "http://learner:8888/user/ada/lab")


def test_the_answer_is_not_decompressed(
    monkeypatch: pytest.MonkeyPatch, tls: dict[str, str]
) -> None:
    """The browser's Accept-Encoding goes upstream; the answer comes back still compressed."""
    request = upstream(
        monkeypatch, **{"Accept-Encoding": "gzip, br", "X-Forwarded-Proto": ",http"}
    )
    assert request.decompress_response is False
    assert request.headers["Accept-Encoding"] == "gzip, br"
    assert request.headers["X-Forwarded-Proto"] == ",http"  # plain HTTP: left alone


@pytest.mark.parametrize(
    ("given_proto", "sent"),
    [
        (",http", "https"),
        ("https,http", "https,https"),
        (None, "http,https"),
        ("https,http,http", "https,http,https"),
    ],
)
def test_with_tls_the_server_is_told_https(
    monkeypatch: pytest.MonkeyPatch, tls: dict[str, str], given_proto: str | None, sent: str
) -> None:
    """The proxy's own (last) entry in X-Forwarded-Proto becomes https; earlier ones stay.

    configurable-http-proxy appends its entry (``,http`` when there was none);
    tornado's servers read the last one.
    """
    tls.update(cert="/srv/tls.crt", key="/srv/tls.key")
    given = {} if given_proto is None else {"X-Forwarded-Proto": given_proto}
    request = upstream(monkeypatch, **given)
    assert request.headers["X-Forwarded-Proto"] == sent


# --- The relay of an answer --------------------------------------------------


class Handler:
    """What _Relay asks of the proxy's handler, recorded."""

    def __init__(self, *, closed: bool = False) -> None:
        self._headers = httputil.HTTPHeaders({"Server": "TornadoServer", "Content-Type": "x"})
        self.status: tuple[int, str | None] | None = None
        self.written: list[bytes] = []
        self.closed = closed

    def set_status(self, code: int, reason: str | None = None) -> None:
        """Record the status."""
        self.status = (code, reason)

    def set_header(self, name: str, value: str) -> None:
        """Replace a header."""
        self._headers[name] = value

    def add_header(self, name: str, value: str) -> None:
        """Add a header's value."""
        self._headers.add(name, value)

    def write(self, data: bytes) -> None:
        """Record a chunk, or fail as a closed connection does."""
        if self.closed:
            raise StreamClosedError
        self.written.append(data)

    def flush(self) -> str:
        """What tornado returns is awaited upstream; any token will do here."""
        return "flushed"


def relayed(*lines: str, closed: bool = False) -> tuple[Any, Handler]:
    """A relay that has read these header lines."""
    handler = Handler(closed=closed)
    relay = PROXY._Relay(handler)
    for line in lines:
        relay.header_line(line)
    return relay, handler


def test_headers_go_on_once_without_hop_by_hop_ones() -> None:
    """Status, the server's headers (its Content-Type replacing the proxy's), no hop-by-hop."""
    relay, handler = relayed(
        "HTTP/1.1 200 OK\r\n", "Content-Type: text/html\r\n", "Content-Encoding: gzip\r\n",
        "Set-Cookie: a=1\r\n", "Set-Cookie: b=2\r\n", "Connection: keep-alive\r\n",
        "Transfer-Encoding: chunked\r\n", "Keep-Alive: timeout=5\r\n", "\r\n",
    )  # fmt: skip
    relay.send_headers()
    assert relay.sent is True
    relay.send_headers()  # once only
    assert handler.status == (200, "OK")
    assert handler._headers["Content-Type"] == "text/html"
    assert handler._headers["Content-Encoding"] == "gzip"
    assert handler._headers.get_list("Set-Cookie") == ["a=1", "b=2"]
    for hop in ("Connection", "Transfer-Encoding", "Keep-Alive"):
        assert hop not in handler._headers


def test_an_interim_answer_is_replaced_by_the_final_one() -> None:
    """A 100 Continue and its headers are forgotten when the real status line arrives."""
    relay, handler = relayed("HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n",
                             "HTTP/1.1 201 Created\r\n", "Location: /x\r\n", "\r\n")  # fmt: skip
    relay.send_headers()
    assert handler.status == (201, "Created")
    assert "X-Early" not in handler._headers
    assert handler._headers["Location"] == "/x"


def test_chunks_follow_the_headers_and_wait_for_the_flush() -> None:
    """Each chunk is written as it comes, after the headers, and its flush is returned."""
    relay, handler = relayed("HTTP/1.1 200 OK\r\n", "\r\n")
    assert relay.chunk(b"one") == "flushed"
    assert relay.chunk(b"two") == "flushed"
    assert handler.status == (200, "OK")
    assert handler.written == [b"one", b"two"]


def test_a_browser_gone_stops_the_writing_quietly() -> None:
    """A closed connection is not an error for the proxy: the chunk is dropped."""
    relay, _ = relayed("HTTP/1.1 200 OK\r\n", "\r\n", closed=True)
    assert relay.chunk(b"late") is None


def test_nothing_is_sent_before_a_status_line() -> None:
    """Without an answer there is nothing to send (the caller reports the error instead)."""
    relay, handler = relayed()
    relay.send_headers()
    assert handler.status is None
    assert relay.sent is False


# --- TLS on the public side only ---------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> dict[str, str]:
    """A certificate and key for 127.0.0.1, as files."""
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return {"cert": str(cert), "key": str(key)}


def test_only_the_public_app_serves_tls(tls: dict[str, str], certificate: dict[str, str]) -> None:
    """The app marked public gets the certificate; the REST API stays plain HTTP."""
    tls.update(certificate)
    public = PROXY._server(SimpleNamespace(wiw_public=True))
    api = PROXY._server(SimpleNamespace())
    assert isinstance(public.ssl_options, ssl.SSLContext)
    assert api.ssl_options is None


def test_without_tls_the_public_app_is_plain(tls: dict[str, str]) -> None:
    """No certificate given: no TLS anywhere; the server serves the app it is given, as asked."""
    app = SimpleNamespace(wiw_public=True)
    server = PROXY._server(app, True, xheaders=True)  # no_keep_alive, then a keyword
    assert server.ssl_options is None
    assert server.request_callback is app
    assert server.conn_params.no_keep_alive is True
    assert server.xheaders is True


def test_the_proxy_marks_its_public_app() -> None:
    """Of the proxy's two apps, the public one is marked."""
    proxy = PROXY._Proxy({})
    assert proxy.proxy_app.wiw_public is True
    assert getattr(proxy.api_app, "wiw_public", False) is False


# --- Real requests through the patched proxy ---------------------------------

BODY = b"<html>" + b"lesson " * 5000 + b"</html>"


class Learner(web.RequestHandler):
    """A learner's server: a compressed answer in two chunks, with a cookie."""

    async def get(self) -> None:
        """Answer with gzip, as a server with precompressed files does."""
        packed = gzip.compress(BODY, mtime=0)
        self.set_header("Content-Encoding", "gzip")
        self.set_header("Set-Cookie", "learner=ada")
        self.write(packed[:100])
        await self.flush()
        self.write(packed[100:])


class ErrorPage(web.RequestHandler):
    """The hub's error page, which sets an XSRF cookie for the proxy's address."""

    def get(self, code: str) -> None:
        """A page for the code, with cookies that must not reach the browser."""
        self.set_header("Set-Cookie", "_xsrf=for-the-proxy")
        self.write(f"{code}: nothing here ({self.get_argument('url')})")


class Empty(web.RequestHandler):
    """A learner's server answering with a status and no body at all."""

    def get(self, code: str) -> None:
        """Answer with ``code``."""
        self.set_status(int(code))
        self.set_header("X-Lesson", "empty")


class Classroom:
    """A learner's server and the hub's error pages behind the proxy, on 127.0.0.1."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, error_pages: str = "error") -> None:
        handlers = PROXY.chp_handlers.ProxyHandler
        monkeypatch.setattr(handlers, "_get_proxy_request", PROXY._proxy_request)
        monkeypatch.setattr(handlers, "call_proxy", PROXY._call_proxy)
        monkeypatch.setattr(handlers, "handle_proxy_error", PROXY._proxy_error)
        self.loop = asyncio.new_event_loop()
        self.servers: list[httpserver.HTTPServer] = []
        behind = self.serve(web.Application([(r"/user/ada/lab", Learner),
                                             (r"/user/ada/empty/(\d+)", Empty),
                                             (r"/hub/error/(\d+)", ErrorPage)]))  # fmt: skip
        errors = {"error_target": f"http://127.0.0.1:{behind}/hub/{error_pages}"}
        proxy = PROXY._Proxy(errors if error_pages else {})
        proxy.add_route("/user/ada", {"target": f"http://127.0.0.1:{behind}"})
        gone = netutil.bind_sockets(0, "127.0.0.1")[0]  # a port nothing listens on
        port = gone.getsockname()[1]
        gone.close()
        proxy.add_route("/user/bob", {"target": f"http://127.0.0.1:{port}"})
        self.port = self.serve(proxy.proxy_app)

    def serve(self, app: web.Application) -> int:
        """Serve an app on a free port of 127.0.0.1; return the port."""
        sockets = netutil.bind_sockets(0, "127.0.0.1")

        async def start() -> httpserver.HTTPServer:
            server = httpserver.HTTPServer(app)
            server.add_sockets(sockets)
            return server

        self.servers.append(self.loop.run_until_complete(start()))
        port: int = sockets[0].getsockname()[1]
        return port

    def get(self, path: str, **headers: str) -> httpclient.HTTPResponse:
        """A browser's request through the proxy; errors are returned, not raised."""

        async def fetch() -> httpclient.HTTPResponse:
            return await httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{self.port}{path}", headers=headers,
                decompress_response=False, raise_error=False,
            )  # fmt: skip

        return self.loop.run_until_complete(fetch())

    def close(self) -> None:
        """Stop the servers and the loop."""
        for server in self.servers:
            server.stop()
            self.loop.run_until_complete(server.close_all_connections())
        self.loop.close()


def serve(monkeypatch: pytest.MonkeyPatch, **options: str) -> Iterator[Classroom]:
    """The patched proxy (with ``options``) for a fixture to yield, closed after its test."""
    served = Classroom(monkeypatch, **options)
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def classroom(monkeypatch: pytest.MonkeyPatch) -> Iterator[Classroom]:
    """The patched proxy in front of a learner's server."""
    yield from serve(monkeypatch)


def test_a_compressed_answer_passes_through_as_it_is(classroom: Classroom) -> None:
    """The learner's gzip reaches the browser untouched, cookies and all."""
    reply = classroom.get("/user/ada/lab", **{"Accept-Encoding": "gzip"})
    assert reply.code == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(reply.body) == BODY
    assert len(reply.body) < len(BODY) / 10
    assert reply.headers.get_list("Set-Cookie") == ["learner=ada"]


def test_an_error_page_arrives_without_its_cookies(classroom: Classroom) -> None:
    """A path nothing serves gets the hub's page, its status, and none of its cookies."""
    reply = classroom.get("/favicon.ico")
    assert reply.code == 404
    assert reply.body == b"404: nothing here (/favicon.ico)"
    assert "Set-Cookie" not in reply.headers


def test_headers_after_a_hop_by_hop_one_still_go_on() -> None:
    """A hop-by-hop header is skipped, not the end of the headers."""
    relay, handler = relayed("HTTP/1.1 200 OK\r\n", "Connection: close\r\n", "X-Lesson: 1\r\n")
    relay.send_headers()
    assert handler._headers["X-Lesson"] == "1"
    assert "Connection" not in handler._headers


def test_every_value_of_a_header_the_proxy_also_sets_goes_on() -> None:
    """The server's values replace the proxy's own, all of them, in order."""
    relay, handler = relayed("HTTP/1.1 200 OK\r\n", "Server: a\r\n", "Server: b\r\n")
    relay.send_headers()
    assert handler._headers.get_list("Server") == ["a", "b"]


@pytest.mark.parametrize("code", [200, 204, 404, 500])
def test_an_answer_without_a_body_goes_on_with_its_status(classroom: Classroom, code: int) -> None:
    """No chunk ever comes: the status and headers are still the server's, not an error page."""
    reply = classroom.get(f"/user/ada/empty/{code}")
    assert reply.code == code
    assert reply.headers["X-Lesson"] == "empty"


def test_a_server_that_is_gone_gets_the_hubs_503_page(
    classroom: Classroom, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing answers at the learner's address: the hub's page for 503, logged with the cause."""
    reply = classroom.get("/user/bob/lab")
    assert reply.code == 503
    assert reply.body == b"503: nothing here (/user/bob/lab)"
    logged = [r.getMessage() for r in caplog.records if r.name == "configurable_http_proxy"]
    assert any(m.startswith("503 GET /user/bob/lab ") and "refused" in m for m in logged)


def test_a_path_nothing_serves_is_logged_without_an_error(
    classroom: Classroom, caplog: pytest.LogCaptureFixture
) -> None:
    """A 404 has no error to tell: the log line ends after the path."""
    classroom.get("/favicon.ico")
    assert "404 GET /favicon.ico " in [r.getMessage() for r in caplog.records]


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[Classroom]:
    """The proxy, with its error target at a path the hub does not serve."""
    yield from serve(monkeypatch, error_pages="missing")


def test_an_error_page_that_fails_gives_the_plain_error(
    broken: Classroom, caplog: pytest.LogCaptureFixture
) -> None:
    """The hub's page cannot be had: tornado's own page for the code, and the failure logged."""
    reply = broken.get("/user/bob/lab")
    assert reply.code == 503
    assert b"503: Service Unavailable" in reply.body
    messages = [r.getMessage() for r in caplog.records]
    assert "Failed to get custom error page: HTTP 404: Not Found" in messages


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[Classroom]:
    """The proxy without an error target, as configurable-http-proxy runs by default."""
    yield from serve(monkeypatch, error_pages="")


@pytest.mark.parametrize(("path", "code"), [("/favicon.ico", 404), ("/user/bob/lab", 503)])
def test_without_error_pages_the_plain_errors_are_sent(
    plain: Classroom, caplog: pytest.LogCaptureFixture, path: str, code: int
) -> None:
    """configurable-http-proxy's own handling: tornado's page for the code, logged."""
    reply = plain.get(path)
    assert reply.code == code
    assert f"{code}: ".encode() in reply.body
    proxy = "configurable_http_proxy"
    (logged,) = [
        r.getMessage() for r in caplog.records if r.name == proxy and r.levelname == "ERROR"
    ]
    assert logged.startswith(f"{code} GET {path} ")
    if code == 503:  # the connection's error is told
        assert "refused" in logged
    else:
        assert logged == f"{code} GET {path} "


def test_main_patches_the_proxy_and_runs_it_with_the_rest_of_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tls: dict[str, str]
) -> None:
    """The TLS flags are taken, the handlers, the proxy class and the server are wiw's.

    Streamed answers are limited only by max_body_size, raised to 64 GiB.
    """
    handlers, cli = PROXY.chp_handlers.ProxyHandler, PROXY.chp_cli
    for name in ("_get_proxy_request", "call_proxy", "handle_proxy_error"):
        monkeypatch.setattr(handlers, name, getattr(handlers, name))  # restored afterwards
    monkeypatch.setattr(cli, "PythonProxy", cli.PythonProxy)
    monkeypatch.setattr(cli, "HTTPServer", cli.HTTPServer)
    configured: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        PROXY.AsyncHTTPClient, "configure", lambda impl, **kw: configured.append((impl, kw))
    )
    ran: list[list[str]] = []
    monkeypatch.setattr(cli, "main", lambda: ran.append(list(PROXY.sys.argv)))
    argv = ["chp", "--ip", "0.0.0.0", "--ssl-cert=/srv/tls.crt", "--ssl-key", "/srv/tls.key"]
    monkeypatch.setattr(PROXY.sys, "argv", argv)
    PROXY.main()
    assert ran == [["chp", "--ip", "0.0.0.0"]]
    assert tls == {"cert": "/srv/tls.crt", "key": "/srv/tls.key"}
    assert handlers._get_proxy_request is PROXY._proxy_request
    assert handlers.call_proxy is PROXY._call_proxy
    assert handlers.handle_proxy_error is PROXY._proxy_error
    assert cli.PythonProxy is PROXY._Proxy
    assert cli.HTTPServer is PROXY._server
    assert configured == [(None, {"max_body_size": 64 * 2**30})]


def test_behind_a_proxy_here_each_forwarded_device_has_its_own_guesses(
    classroom: Classroom,
) -> None:
    """The short address behind --public-url: one guesser is refused, another device gets in."""
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", behind_proxy=True)
    port = classroom.serve(
        web.Application([(PROXY.SHORT_PATH, PROXY.ShortHandler, {"door": door})])
    )

    def typed(path: str, device: str) -> httpclient.HTTPResponse:
        async def fetch() -> httpclient.HTTPResponse:
            return await httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-For": device},
                follow_redirects=False, raise_error=False,
            )  # fmt: skip

        return classroom.loop.run_until_complete(fetch())

    for _ in range(door.per_minute):
        assert typed("/wrongguess", "198.51.100.66").code == 404
    refused = typed("/k7mq-4xr-2h9", "198.51.100.66")
    assert (refused.code, refused.headers["Retry-After"]) == (429, "60")
    let_in = typed("/k7mq-4xr-2h9", "203.0.113.9")
    assert (let_in.code, let_in.headers["Location"]) == (302, "/SECRET/")
    assert let_in.headers["Cache-Control"] == "no-store"
    assert set(door.misses) == {"198.51.100.66"}
