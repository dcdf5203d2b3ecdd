"""A seat's own process (``jupyterhub/server/wiw_seat.py``): warming up, its door, its learner.

What it imports ahead (and never JupyterHub's own modules), the one address
it answers while it waits (over a real socket on loopback), and how it hands
the process over to the learner's server, with their settings only.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import json
import os
import sys
import threading
import types
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from tests.support.hubside import load_support_module

SEAT = load_support_module("wiw_seat")
KEY = "the-key"
LEARNER = json.dumps({"env": {"JUPYTERHUB_USER": "Ada"}}).encode()


@pytest.fixture
def door() -> Iterator[tuple[Any, int]]:
    """A seat's door on a port of its own, answering in a thread until the test ends."""
    seat = SEAT.Waiting(KEY, port=0)
    thread = threading.Thread(target=seat.serve_forever, daemon=True)
    thread.start()
    try:
        yield seat, int(seat.server_address[1])
    finally:
        seat.shutdown()
        seat.server_close()


def send(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    """One request to the seat, its headers exactly as given (no Content-Length added)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders(body or None)
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def learner_of(seat: Any) -> dict[str, str] | None:
    """The settings a seat took, if any."""
    learner: dict[str, str] | None = seat.learner
    return learner


def post(port: int, body: bytes, *, key: str = KEY, path: str = "/wiw-seat") -> int:
    """POST ``body`` with its length and the key; the answer's status."""
    headers = {"Content-Length": str(len(body)), "Authorization": f"token {key}"}
    return send(port, "POST", path, body, headers).status


def test_the_door_listens_on_every_address_of_the_seat() -> None:
    """The class's network reaches it on the port given."""
    with SEAT.Waiting(KEY, port=0) as seat:
        host, port = seat.server_address
        assert (host, seat.key, seat.learner) == ("0.0.0.0", KEY, None)
        assert port > 0


def test_the_learner_is_taken_with_the_key_only_once_and_as_strings_only() -> None:
    """Forbidden without the exact key, refused when unreadable, then taken, then conflict."""
    with SEAT.Waiting(KEY, port=0) as seat:
        for header in ("", KEY, f"Token {KEY}", f"token {KEY}x", f"token {KEY[:-1]}"):
            assert seat.take(header, LEARNER) == HTTPStatus.FORBIDDEN
        for body in (b"{", b"\xff", b"null", b"[]", b"{}", b'{"env": []}', b'{"env": "x"}',
                     b'{"env": {"A": 1}}', b'{"env": {"A": null}}'):  # fmt: skip
            assert seat.take(f"token {KEY}", body) == HTTPStatus.BAD_REQUEST
        assert learner_of(seat) is None
        assert seat.take(f"token {KEY}", LEARNER) == HTTPStatus.ACCEPTED
        assert learner_of(seat) == {"JUPYTERHUB_USER": "Ada"}
        assert seat.take("", b"{}") == HTTPStatus.CONFLICT  # taken: no one else, key or not
        assert seat.take(f"token {KEY}", LEARNER) == HTTPStatus.CONFLICT


def test_an_empty_set_of_settings_is_taken_as_given() -> None:
    """No variable at all is still a learner's settings (the hub always sends some)."""
    with SEAT.Waiting(KEY, port=0) as seat:
        assert seat.take(f"token {KEY}", b'{"env": {}}') == HTTPStatus.ACCEPTED
        assert learner_of(seat) == {}


def test_the_door_answers_its_path_only_with_empty_answers(door: tuple[Any, int]) -> None:
    """GET /wiw-seat: 200; elsewhere 404; every answer with no body and says so."""
    seat, port = door
    ready = send(port, "GET", "/wiw-seat")
    assert (ready.status, ready.getheader("Content-Length")) == (200, "0")
    other = send(port, "GET", "/wiw-seat/")
    assert (other.status, other.getheader("Content-Length")) == (404, "0")
    assert post(port, LEARNER, path="/other") == 404
    assert learner_of(seat) is None


def test_a_post_needs_a_length_from_one_byte_to_a_mebibyte(door: tuple[Any, int]) -> None:
    """No length, 0, or over 1 MiB: a bad request, before the key is even looked at."""
    seat, port = door
    assert send(port, "POST", "/wiw-seat", headers={"Authorization": "x"}).status == 400
    empty = {"Content-Length": "0", "Authorization": "x"}
    assert send(port, "POST", "/wiw-seat", headers=empty).status == 400
    over = {"Content-Length": str((1 << 20) + 1), "Authorization": f"token {KEY}"}
    assert send(port, "POST", "/wiw-seat", headers=over).status == 400
    assert learner_of(seat) is None
    assert post(port, LEARNER, key="wrong") == 403
    assert post(port, b"{", key="wrong") == 403  # one byte is a length: the key is looked at
    full = LEARNER + b" " * ((1 << 20) - len(LEARNER))  # JSON may end with spaces
    assert post(port, full) == 202
    assert learner_of(seat) == {"JUPYTERHUB_USER": "Ada"}
    assert post(port, LEARNER) == 409


def test_waiting_ends_when_a_learner_is_handed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probes and wrong keys are answered meanwhile; the settings are returned; port 8888."""
    bound = threading.Event()
    asked: list[int] = []
    ports: list[int] = []

    class Door(SEAT.Waiting):  # type: ignore[name-defined,misc]
        """The seat's door on a free port, saying when it listens."""

        def __init__(self, key: str, port: int) -> None:
            asked.append(port)
            super().__init__(key, port=0)
            ports.append(int(self.server_address[1]))
            bound.set()

    monkeypatch.setattr(SEAT, "Waiting", Door)
    found: list[dict[str, str]] = []
    waiting = threading.Thread(target=lambda: found.append(SEAT.wait_for_learner(KEY)))
    waiting.start()
    assert bound.wait(timeout=10)
    assert send(ports[0], "GET", "/wiw-seat").status == 200
    assert post(ports[0], LEARNER, key="wrong") == 403
    assert post(ports[0], LEARNER) == 202
    waiting.join(timeout=10)
    assert found == [{"JUPYTERHUB_USER": "Ada"}]
    assert asked == [8888]


def test_warming_up_imports_what_it_can_and_leaves_the_rest_to_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server's modules, JupyterHub's requirements, the extensions: each tried, in order."""
    monkeypatch.setattr(SEAT, "SERVER_MODULES", ("json", "no_such_module_of_wiw", "csv"))
    wanted: list[str] = []

    def requirements(distribution: str) -> list[str]:
        wanted.append(distribution)
        return ["no_such_requirement_of_wiw", "email.mime"]

    monkeypatch.setattr(SEAT, "requirement_modules", requirements)
    found = {"html": True, "no_such_extension": True}
    (tmp_path / "x.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": found}}))
    assert SEAT.warm_up(tmp_path) == ["json", "csv", "email.mime", "html"]
    assert wanted == ["jupyterhub"]


@pytest.fixture
def distributions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed distributions as the test says: 'hub' requires these, with these modules."""
    requires = {
        "hub": ["Foo.Bar>=1", "baz_qux[socks]>=2; python_version>'3'", "opt-dep ; extra == 'dev'",
                "Spaced (>=1)", "paren(>=1)", "tab\t>=1", "gt>1", "lt<2", "eq==1", "neq!=3",
                "tilde~=2", "semi;os_name=='posix'", "plain"],
        "bare": None,
    }  # fmt: skip
    modules = {
        "foo_bar": ["foo-bar"], "_foo_private": ["Foo.Bar"], "bazq": ["Baz_Qux"],
        "opt": ["opt-dep"], "spaced": ["spaced"], "paren": ["PAREN"], "tab": ["tab"],
        "gt": ["gt"], "lt": ["lt"], "eq": ["eq"], "neq": ["neq"], "tilde": ["tilde"],
        "semi": ["semi"], "plain": ["plain"], "other": ["unrelated"],
        "multi": ["unrelated", "plain"],
    }  # fmt: skip

    def required(name: str) -> list[str] | None:
        if name not in requires:
            raise importlib.metadata.PackageNotFoundError(name)
        return requires[name]

    monkeypatch.setattr(importlib.metadata, "requires", required)
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: modules)


@pytest.mark.usefixtures("distributions")
def test_the_requirements_modules_are_read_from_the_installed_metadata() -> None:
    """Each requirement by its name alone, in any spelling; extras and private modules not."""
    assert SEAT.requirement_modules("hub") == [
        "bazq", "eq", "foo_bar", "gt", "lt", "multi", "neq", "paren", "plain", "semi", "spaced",
        "tab", "tilde",
    ]  # fmt: skip
    assert SEAT.requirement_modules("bare") == []
    assert SEAT.requirement_modules("missing") == []


def test_a_module_of_jupyterhubs_is_one_named_it_or_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A module whose name only starts like it is another's."""
    monkeypatch.setattr(SEAT, "HUB", "wiwtesthub")
    assert not SEAT.hub_imported()
    monkeypatch.setitem(sys.modules, "wiwtesthubx", types.ModuleType("wiwtesthubx"))
    assert not SEAT.hub_imported()
    monkeypatch.setitem(sys.modules, "wiwtesthub.sub", types.ModuleType("wiwtesthub.sub"))
    assert SEAT.hub_imported()
    monkeypatch.delitem(sys.modules, "wiwtesthub.sub")
    monkeypatch.setitem(sys.modules, "wiwtesthub", types.ModuleType("wiwtesthub"))
    assert SEAT.hub_imported()


def test_extensions_are_read_from_every_readable_file(tmp_path: Path) -> None:
    """A broken file or a folder is passed over; files without the setting add nothing."""
    (tmp_path / "0-broken.json").write_text("{")
    (tmp_path / "1-folder.json").mkdir()
    (tmp_path / "2.json").write_text(json.dumps({"Other": {}}))
    (tmp_path / "3.json").write_text(json.dumps({"ServerApp": {"root_dir": "/"}}))
    (tmp_path / "4.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"b_ext": True, "off": False}}}))  # fmt: skip
    (tmp_path / "5.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"a_ext": True}}}))  # fmt: skip
    (tmp_path / "6.txt").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"txt_ext": True}}}))  # fmt: skip
    assert SEAT.extensions(tmp_path) == ["a_ext", "b_ext"]


class Exec(Exception):
    """``os.execv`` was called (the process would have become another)."""


def test_a_server_whose_extensions_imported_jupyterhub_starts_afresh_with_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The image's jupyterhub-singleuser, executed, with the learner's settings set."""
    seen: list[tuple[str, list[str], str]] = []

    def execv(path: str, args: list[str]) -> None:
        seen.append((path, args, os.environ["JUPYTERHUB_USER"]))
        raise Exec

    monkeypatch.setenv("JUPYTERHUB_USER", "before")
    monkeypatch.setattr(SEAT, "hub_imported", lambda: True)
    monkeypatch.setattr(os, "execv", execv)
    with pytest.raises(Exec):
        SEAT.become_server({"JUPYTERHUB_USER": "Ada"})
    server = f"{sys.prefix}/bin/jupyterhub-singleuser"
    assert seen == [(server, [server], "Ada")]


def test_a_seat_becomes_the_learners_server_in_its_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """JupyterHub's singleuser main, imported only now, run as the server's program."""
    ran: list[tuple[list[str], str]] = []

    def main() -> int:
        ran.append((list(sys.argv), os.environ["JUPYTERHUB_USER"]))
        return 3

    singleuser = types.ModuleType("jupyterhub.singleuser")
    singleuser.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jupyterhub", types.ModuleType("jupyterhub"))
    monkeypatch.setitem(sys.modules, "jupyterhub.singleuser", singleuser)
    monkeypatch.setattr(SEAT, "hub_imported", lambda: False)
    monkeypatch.setattr(sys, "argv", ["wiw-seat"])
    monkeypatch.setenv("JUPYTERHUB_USER", "before")
    with pytest.raises(SystemExit) as ended:
        SEAT.become_server({"JUPYTERHUB_USER": "Ada"})
    assert ended.value.code == 3
    assert ran == [([f"{sys.prefix}/bin/jupyterhub-singleuser"], "Ada")]


def test_a_seat_warms_up_waits_and_serves_its_learner_without_its_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key leaves the environment before anything else; then warm-up, wait, serve."""
    steps: list[Any] = []
    monkeypatch.setenv("WIW_SEAT_KEY", KEY)

    def wait_for_learner(key: str) -> dict[str, str]:
        steps.append(("wait", key))
        return {"A": "b"}

    monkeypatch.setattr(
        SEAT, "warm_up", lambda: steps.append(("warm", "WIW_SEAT_KEY" in os.environ))
    )
    monkeypatch.setattr(SEAT, "wait_for_learner", wait_for_learner)
    monkeypatch.setattr(SEAT, "become_server", lambda env: steps.append(("serve", env)))
    SEAT.main()
    assert steps == [("warm", False), ("wait", KEY), ("serve", {"A": "b"})]


@pytest.mark.parametrize("key", [None, ""])
def test_a_seat_without_a_key_stops_at_once(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    """Only the hub starts seats: without its key, a message and nothing else."""
    if key is None:
        monkeypatch.delenv("WIW_SEAT_KEY", raising=False)
    else:
        monkeypatch.setenv("WIW_SEAT_KEY", key)
    monkeypatch.setattr(SEAT, "warm_up", lambda: pytest.fail("warmed up"))
    with pytest.raises(SystemExit) as stopped:
        SEAT.main()
    assert (
        stopped.value.code == "wiw-seat: no seat key (WIW_SEAT_KEY); seats are started by the hub"
    )
