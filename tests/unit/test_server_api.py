"""The Jupyter Server client: typed answers, and one mapping of failures into wiw errors.

A stdlib HTTP server on loopback stands in for Jupyter Server; its routes answer
JSON, error codes, nothing (a closed connection) or too late.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

from tests.support.httpstub import CLOSE, SLOW, StubServer, serving
from tests.support.httpstub import refused_url as nothing_listens
from wiw import errors
from wiw.engine.protocol import ContainerEngine
from wiw.errors import ServerRefused, ServerUnreachable
from wiw.lab.lab import Lab
from wiw.lab.server_api import Entry, ServerAPI, ServerStatus, hide
from wiw.lab.smoke import check_lab

TOKEN = "lab-token-7f3a9c2e5b1d4f60"
STATUS = {"started": "2026-01-01T00:00:00Z", "last_activity": None, "connections": 1, "kernels": 2}
LISTING = {
    "content": [
        {"name": "b.ipynb", "path": "b.ipynb", "type": "notebook"},
        {"name": "a.ipynb", "path": "a.ipynb", "type": "notebook"},
    ]
}


class FakeServer(StubServer):
    """A Jupyter Server's stand-in: answers each path as ``routes`` says."""

    @property
    def base(self) -> str:
        """The server's root URL."""
        return self.root


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A fake Jupyter Server on a free loopback port, shut down afterwards."""
    with serving(monkeypatch, FakeServer()) as httpd:
        yield httpd


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL where nothing listens."""
    with nothing_listens() as url:
        yield url


def assert_no_token(err: errors.WiwError) -> None:
    """The token is in none of the error's text, message, evidence or attributes."""
    texts = [
        str(err),
        err.message,
        *err.evidence(),
        getattr(err, "url", ""),
        getattr(err, "reason", ""),
    ]
    assert all(TOKEN not in text for text in texts), texts


def test_the_status_probe_decodes_the_status_and_sends_the_token(server: FakeServer) -> None:
    """/api/status becomes a ServerStatus; the token travels in the header, not the URL."""
    server.answer("/api/status", STATUS)
    status = ServerAPI(server.base, TOKEN).status()
    assert status == ServerStatus("2026-01-01T00:00:00Z", None, connections=1, kernels=2)
    path, headers = server.seen[-1]
    assert path == "/api/status"
    assert headers["Authorization"] == f"token {TOKEN}"


def test_the_contents_listing_and_any_json(server: FakeServer) -> None:
    """The contents API gives entries; get_json gives the decoded body."""
    server.answer("/api/contents/", LISTING)
    server.answer("/api/kernelspecs", {"default": "python3"})
    api = ServerAPI(server.base + "/", TOKEN)
    assert api.contents() == [
        Entry("b.ipynb", "b.ipynb", "notebook"),
        Entry("a.ipynb", "a.ipynb", "notebook"),
    ]
    assert api.get_json("/api/kernelspecs") == {"default": "python3"}
    assert api.url("lab") == server.base + "/lab"
    assert TOKEN not in repr(api)


def test_no_token_sends_no_authorization(server: FakeServer) -> None:
    """An empty token is not sent as an empty header."""
    server.answer("/api/status", STATUS)
    ServerAPI(server.base, "").status()
    assert "Authorization" not in server.seen[-1][1]


@pytest.mark.parametrize(
    ("status", "reason"), [(403, "Forbidden"), (404, "Not Found"), (500, "Internal Server Error")]
)
def test_http_error_codes_raise_server_refused(
    server: FakeServer, status: int, reason: str
) -> None:
    """An error code is a ServerRefused (a HubError) that keeps the code and the URL."""
    server.answer(f"/api/x?token={TOKEN}", {"message": "no"}, status=status)
    with pytest.raises(ServerRefused) as caught:
        ServerAPI(server.base, TOKEN).get_json(f"api/x?token={TOKEN}")
    err = caught.value
    assert isinstance(err, errors.HubError)
    assert err.status == status
    assert err.message == (
        f"The workshop server answered {status} ({reason}) at "
        f"{server.base}/api/x?token=[redacted]."
    )
    assert err.url == f"{server.base}/api/x?token=[redacted]"
    assert f"HTTP status: {status}" in err.evidence()
    assert_no_token(err)


def test_a_closed_connection_is_unreachable(server: FakeServer) -> None:
    """A server that hangs up without answering raises ServerUnreachable."""
    server.routes["/api/status"] = CLOSE
    with pytest.raises(ServerUnreachable) as caught:
        ServerAPI(server.base, TOKEN).status()
    assert caught.value.message.startswith(
        f"The workshop server did not answer at {server.base}/api/status: "
    )
    assert isinstance(caught.value, errors.HubError)
    assert_no_token(caught.value)


def test_a_slow_server_times_out_as_unreachable(server: FakeServer) -> None:
    """A server that does not answer within the timeout raises ServerUnreachable."""
    server.routes["/api/status"] = SLOW
    with pytest.raises(ServerUnreachable) as caught:
        ServerAPI(server.base, TOKEN, timeout=0.3).status()
    assert "timed out" in caught.value.reason
    assert_no_token(caught.value)


def test_a_refused_connection_is_unreachable(refused_url: str) -> None:
    """Nothing listening raises ServerUnreachable, the URL in its evidence."""
    with pytest.raises(ServerUnreachable) as caught:
        ServerAPI(refused_url, TOKEN, timeout=2).status()
    assert "refused" in caught.value.reason.lower()
    assert f"url: {refused_url}/api/status" in caught.value.evidence()
    assert_no_token(caught.value)


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"[1, 2]"])
def test_an_answer_that_is_not_the_api_s_is_unreachable(server: FakeServer, body: bytes) -> None:
    """A 200 whose body is not a status raises ServerUnreachable, not a TypeError or the like."""
    server.routes["/api/status"] = (200, body)
    with pytest.raises(ServerUnreachable):
        ServerAPI(server.base, TOKEN).status()


def test_page_status_returns_error_codes(server: FakeServer) -> None:
    """A page's status is data, error codes included."""
    server.routes["/lab"] = (200, b"<html></html>")
    api = ServerAPI(server.base, TOKEN)
    assert api.page_status("lab") == 200
    assert api.page_status("tree") == 404


def test_check_lab_sees_the_lab_and_the_lessons(server: FakeServer) -> None:
    """The smoke check reads the token from the URL and lists the home through the API."""
    server.routes["/lab"] = (200, b"<html></html>")
    server.answer("/api/contents/", LISTING)
    result = check_lab(f"{server.base}/lab?token={TOKEN}", ["a.ipynb", "c.ipynb"], timeout=5)
    assert (result.lab_status, result.files, result.missing) == (
        200,
        ["a.ipynb", "b.ipynb"],
        ["c.ipynb"],
    )
    assert not result.ok
    assert all(headers["Authorization"] == f"token {TOKEN}" for _, headers in server.seen)


def test_check_lab_reports_refusals_as_results(server: FakeServer) -> None:
    """A lab page that 404s and a listing that 403s are results, not errors."""
    server.answer("/api/contents/", {"message": "Forbidden"}, status=403)
    result = check_lab(f"{server.base}/lab?token={TOKEN}", ["a.ipynb"], timeout=5)
    assert (result.lab_status, result.files, result.missing) == (404, [], ["a.ipynb"])


def test_check_lab_gives_up_with_a_hub_error(refused_url: str) -> None:
    """A server that never answers is a HubError at the deadline, saying where and why."""
    with pytest.raises(errors.HubError) as caught:
        check_lab(f"{refused_url}/lab?token={TOKEN}", ["a.ipynb"], timeout=0.5)
    assert type(caught.value) is errors.HubError
    assert caught.value.message.startswith(
        f"The workshop server did not answer at {refused_url}/lab: <urlopen error"
    )
    assert_no_token(caught.value)


class _Container:
    """The two engine calls a lab makes while it waits for its server."""

    def __init__(self, *, running: bool) -> None:
        self.running = running

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        return self.running, None if self.running else 3

    def container_logs(self, cid: str) -> str:
        return "starting\nstopped\n"


def lab_on(server: FakeServer, *, running: bool = True) -> Lab:
    """A Lab whose 'container' is the fake server."""
    engine = cast("ContainerEngine", _Container(running=running))
    port = int(server.server_address[1])
    return Lab(
        engine=engine, container_id="c1", name="wiw-x", host="127.0.0.1", port=port, token=TOKEN
    )


def test_a_lab_is_ready_when_its_status_answers(server: FakeServer) -> None:
    """wait_for_token polls /api/status with the token and returns the login URL."""
    server.answer("/api/status", STATUS)
    url = lab_on(server).wait_for_token(timeout=5)
    assert url == f"{server.base}/lab?token={TOKEN}"
    assert server.seen[-1][1]["Authorization"] == f"token {TOKEN}"


def test_a_lab_whose_container_stopped_raises_hub_exited(server: FakeServer) -> None:
    """A refused probe with the container gone is HubExited, with its exit code."""
    server.answer("/api/status", {}, status=403)
    with pytest.raises(errors.HubExited) as caught:
        lab_on(server, running=False).wait_for_token(timeout=5)
    assert caught.value.exit_code == 3


def test_a_lab_that_never_answers_times_out(server: FakeServer) -> None:
    """A probe that keeps failing while the container runs ends in TokenTimeout."""
    server.answer("/api/status", {}, status=500)
    with pytest.raises(errors.TokenTimeout) as caught:
        lab_on(server).wait_for_token(timeout=0.5)
    assert caught.value.log_tail == ["starting", "stopped"]


def test_a_status_without_counts_reads_as_none_running(server: FakeServer) -> None:
    """Counts the server leaves out are 0; the last activity is what it says, if anything."""
    server.answer("/api/status", {"started": "2026-01-01T00:00:00Z"})
    bare = ServerAPI(server.base, "tok").status()
    assert (bare.connections, bare.kernels, bare.last_activity) == (0, 0, None)
    server.answer("/api/status", {**STATUS, "last_activity": "2026-01-01T01:00:00Z"})
    assert ServerAPI(server.base, "tok").status().last_activity == "2026-01-01T01:00:00Z"


def test_a_listing_without_path_or_type_gives_empty_ones(server: FakeServer) -> None:
    """An item the server describes by name only: its path and type are empty, not made up."""
    server.answer("/api/contents/", {"content": [{"name": "a.ipynb"}]})
    assert ServerAPI(server.base, "tok").contents() == [Entry("a.ipynb", "", "")]


def test_refusals_and_silence_each_say_what_to_check(server: FakeServer, refused_url: str) -> None:
    """A refusal points at the token and path; no answer, at the URL and a proxy."""
    server.answer("/api/status", {"message": "Forbidden"}, status=403)
    with pytest.raises(ServerRefused) as refused:
        ServerAPI(server.base, "tok").status()
    assert refused.value.hint == "It runs but refused the request: check its token and the path."
    with pytest.raises(ServerUnreachable) as silent:
        ServerAPI(refused_url, "tok").status()
    assert silent.value.hint == "Check the URL from this machine; is a proxy in the way?"


def test_a_longer_secret_is_hidden_whole_before_a_shorter_one_inside_it() -> None:
    """A token that begins another secret does not leave the rest of that secret shown."""
    shown = hide("/user/abc123def456/?token=abc123", ("abc123", "abc123def456"))
    assert "def456" not in shown
    assert "abc123" not in shown


def test_check_lab_without_a_token_sends_none(server: FakeServer) -> None:
    """A URL with no token in it (a server without one): no Authorization header at all."""
    server.routes["/lab"] = (200, b"<html></html>")
    server.answer("/api/contents/", LISTING)
    assert check_lab(f"{server.base}/lab", ["a.ipynb"], timeout=5).ok
    assert [headers.get("Authorization") for _, headers in server.seen] == [None, None]


def test_check_lab_names_the_listing_it_waited_for(server: FakeServer) -> None:
    """A lab page that answers and a listing that never does: the listing's URL, what to do."""
    server.routes["/lab"] = (200, b"<html></html>")
    server.routes["/api/contents/"] = CLOSE
    with pytest.raises(errors.HubError) as caught:
        check_lab(f"{server.base}/lab?token={TOKEN}", ["a.ipynb"], timeout=0.5)
    assert caught.value.message.startswith(
        f"The workshop server did not answer at {server.base}/api/contents/: "
    )
    assert caught.value.hint == "Check the URL from this machine; is a proxy in the way?"
