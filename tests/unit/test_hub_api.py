"""The JupyterHub client: users page by page, and one mapping of failures into wiw errors.

A stdlib HTTP server on loopback stands in for a classroom's hub under its
join prefix; its routes answer JSON, error codes, nothing or too late.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from tests.support.fakeengine import FakeEngine
from tests.support.httpstub import CLOSE, SLOW, StubServer, serving
from wiw import errors
from wiw._version import __version__
from wiw.classroom.contract import Names
from wiw.classroom.hub_api import HubAPI
from wiw.classroom.lifecycle import Classroom, Learner
from wiw.classroom.state import ClassroomState
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.errors import ServerRefused, ServerUnreachable
from wiw.waiting import Deadline

TOKEN = "hub-api-token-4d9e1f0a7c3b"
PREFIX = "join-prefix-b81c5e2f9a0d"
DID_NOT_ANSWER = "The classroom hub's API did not answer: "
USERS = f"/{PREFIX}/hub/api/users?offset={{}}&limit=200&include_stopped_servers=1"


class FakeHub(StubServer):
    """A classroom hub's stand-in under its join prefix."""

    def __init__(self) -> None:
        super().__init__(not_found=b'{"status": 404}')

    @property
    def base(self) -> str:
        """The hub's base URL, join prefix included."""
        return f"{self.root}/{PREFIX}/"

    def answer(self, path: str, value: Any, status: int = 200) -> None:
        """Answer ``path`` (under the join prefix) with ``value`` as JSON."""
        self.routes[f"/{PREFIX}/{path}"] = (status, json.dumps(value).encode())


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake hub on a free loopback port, shut down afterwards."""
    with serving(monkeypatch, FakeHub()) as httpd:
        yield httpd


def assert_no_secret(err: errors.WiwError) -> None:
    """Neither the token nor the join prefix is in the error's text, evidence or attributes."""
    texts = [
        str(err),
        err.message,
        *err.evidence(),
        getattr(err, "url", ""),
        getattr(err, "reason", ""),
    ]
    for secret in (TOKEN, PREFIX):
        assert all(secret not in text for text in texts), texts


def test_users_are_read_page_by_page_with_the_token(hub: FakeHub) -> None:
    """users() follows the pagination; every API call carries the token and asks for pages."""
    hub.routes[USERS.format(0)] = (
        200,
        json.dumps(
            {
                "items": [{"name": "ada"}, {"name": "bob"}],
                "_pagination": {"offset": 0, "limit": 2, "total": 3, "next": {"offset": 2}},
            }
        ).encode(),
    )
    hub.routes[USERS.format(2)] = (
        200,
        json.dumps(
            {
                "items": [{"name": "cy", "servers": {"": {"ready": True}}}],
                "_pagination": {"next": None},
            }
        ).encode(),
    )
    users = list(HubAPI(hub.base, TOKEN).users())
    assert [u["name"] for u in users] == ["ada", "bob", "cy"]
    assert users[2]["servers"][""]["ready"] is True
    for _, headers in hub.seen:
        assert headers["Authorization"] == f"token {TOKEN}"
        assert headers["Accept"] == "application/jupyterhub-pagination+json"


def test_an_unpaginated_user_list_is_read_too(hub: FakeHub) -> None:
    """A hub that answers a plain list (no pagination) gives those users."""
    hub.routes[USERS.format(0)] = (200, b'[{"name": "ada"}]')
    assert list(HubAPI(hub.base, TOKEN).users()) == [{"name": "ada"}]


def test_get_returns_json_and_health_is_asked_without_the_token(hub: FakeHub) -> None:
    """get() decodes JSON under hub/api/; the health check sends no token."""
    hub.answer("hub/api/info", {"version": "5.2.1"})
    hub.routes[f"/{PREFIX}/hub/health"] = (200, b"")
    api = HubAPI(hub.base.rstrip("/"), TOKEN)
    assert api.get("info") == {"version": "5.2.1"}
    assert api.healthy() is True
    assert "Authorization" not in hub.seen[-1][1]
    hub.routes[f"/{PREFIX}/hub/health"] = (202, b"")
    assert api.healthy() is False
    assert PREFIX not in repr(api)
    assert TOKEN not in repr(api)


@pytest.mark.parametrize(
    ("status", "reason"), [(403, "Forbidden"), (404, "Not Found"), (500, "Internal Server Error")]
)
def test_http_error_codes_raise_server_refused(hub: FakeHub, status: int, reason: str) -> None:
    """An error code is a ServerRefused: a HubError with the classroom's message, and the code."""
    hub.answer("hub/api/users/ada", {"status": status}, status=status)
    with pytest.raises(ServerRefused) as caught:
        HubAPI(hub.base, TOKEN).get("users/ada")
    err = caught.value
    assert isinstance(err, errors.HubError)
    assert err.message == f"{DID_NOT_ANSWER}HTTP Error {status}: {reason}"
    assert err.status == status
    assert err.url == f"http://127.0.0.1:{hub.port}/[redacted]/hub/api/users/ada"
    assert not err.hint
    assert_no_secret(err)


def test_a_closed_connection_is_unreachable(hub: FakeHub) -> None:
    """A hub that hangs up without answering raises ServerUnreachable with the same message."""
    hub.routes[USERS.format(0)] = CLOSE
    with pytest.raises(ServerUnreachable) as caught:
        list(HubAPI(hub.base, TOKEN).users())
    assert caught.value.message.startswith(DID_NOT_ANSWER)
    assert isinstance(caught.value, errors.HubError)
    assert not caught.value.hint  # the caller says what to do
    assert_no_secret(caught.value)


def test_a_slow_hub_times_out_as_unreachable(hub: FakeHub) -> None:
    """API calls and the health check give up after their timeouts."""
    hub.routes[f"/{PREFIX}/hub/api/info"] = SLOW
    hub.routes[f"/{PREFIX}/hub/health"] = SLOW
    api = HubAPI(hub.base, TOKEN, timeout=0.3)
    with pytest.raises(ServerUnreachable) as caught:
        api.get("info")
    assert caught.value.message == f"{DID_NOT_ANSWER}timed out"
    with pytest.raises(ServerUnreachable):
        api.healthy(timeout=0.3)
    assert_no_secret(caught.value)


def test_a_refused_connection_is_unreachable() -> None:
    """Nothing listening (a bound socket that never listens) raises ServerUnreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}/{PREFIX}/"
        with pytest.raises(ServerUnreachable) as caught:
            HubAPI(base, TOKEN, timeout=2).get("info")
    assert caught.value.message.startswith(f"{DID_NOT_ANSWER}<urlopen error")
    assert "refused" in caught.value.reason.lower()
    assert_no_secret(caught.value)


def test_an_answer_that_is_not_json_is_unreachable(hub: FakeHub) -> None:
    """A 200 whose body is not JSON raises ServerUnreachable, as the classroom always said."""
    hub.routes[f"/{PREFIX}/hub/api/info"] = (200, b"<html>proxy page</html>")
    with pytest.raises(ServerUnreachable) as caught:
        HubAPI(hub.base, TOKEN).get("info")
    assert caught.value.message == f"{DID_NOT_ANSWER}Expecting value: line 1 column 1 (char 0)"


def test_https_is_verified_unless_told_not_to(hub: FakeHub) -> None:
    """The classroom's own hub on loopback has a certificate for its public name."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("hub.example.org").configure_cert(context)
    hub.socket = context.wrap_socket(hub.socket, server_side=True)
    hub.scheme = "https"
    hub.answer("hub/api/info", {"version": "5"})
    assert HubAPI(hub.base, TOKEN, verify_tls=False).get("info") == {"version": "5"}
    with pytest.raises(ServerUnreachable) as caught:
        HubAPI(hub.base, TOKEN, timeout=2).get("info")
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message


def test_the_classroom_reads_learners_and_health_through_the_client(hub: FakeHub) -> None:
    """Classroom.learners() and its health wait go through the hub's API, on loopback."""
    token, prefix = "classroom-token-0e6a2d", "classroom-prefix-93f1c7"  # registered globally
    hub.routes[f"/{prefix}/hub/health"] = (200, b"")
    hub.routes[USERS.format(0).replace(PREFIX, prefix)] = (
        200,
        json.dumps(
            [
                {"name": "instructor"},
                {
                    "name": "ada",
                    "last_activity": "2026-01-01T10:00:00Z",
                    "servers": {"": {"ready": True, "state": {"node_name": "n1"}}},
                },
            ]
        ).encode(),
    )
    engine = FakeEngine()
    engine.add_image("wiw/demo:latest")
    learner = ContainerSpec(
        "wiw/demo:latest",
        "wiw-demo-learner-ada",
        _labels.labels_for("demo", "learner", __version__),
        envs={"JUPYTERHUB_USER": "ada"},
    )
    engine.container_start(engine.container_create(learner))
    helper = ContainerSpec("wiw/demo:latest", "wiw-demo-helper", {_labels.WORKSHOP: "demo"})
    engine.container_start(engine.container_create(helper))
    room = Classroom(
        engine=engine,
        container_id="hub1",
        names=Names("demo"),
        state=ClassroomState(join_secret=prefix, api_token=token, port=hub.port),
    )
    room._wait_healthy(Deadline(5))
    assert room.learners() == [
        Learner(
            "ada",
            running=True,
            pending=None,
            last_activity="2026-01-01T10:00:00Z",
            memory=100 * 2**20,  # the fake's figure for a running container; helpers not counted
            node="n1",
        )
    ]
    assert hub.seen[-1][1]["Authorization"] == f"token {token}"


def test_a_page_without_pagination_details_is_the_last(hub: FakeHub) -> None:
    """A page object with items but no _pagination ends the list."""
    hub.answer(USERS.format(0).removeprefix(f"/{PREFIX}/"), {"items": [{"name": "ada"}]})
    assert list(HubAPI(hub.base, TOKEN).users()) == [{"name": "ada"}]


def test_the_client_shows_its_class_and_its_hidden_url() -> None:
    """Its repr names the class; the join prefix and the token stay hidden."""
    shown = repr(HubAPI(f"http://127.0.0.1:8000/{PREFIX}/", TOKEN))
    assert shown.startswith("HubAPI('http://127.0.0.1:8000/")
    assert PREFIX not in shown
