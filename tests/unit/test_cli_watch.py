"""'wiw list' and 'wiw logs', word for word: the table of classes, and logs as the hub wrote them.

Each test runs the command line in-process on a fake engine and reads what a
person sees: the table's cells, the JSON a script reads, the lines of a log
(brackets as written, secrets hidden), and how ``--follow`` ends.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator

import pytest

from tests.support.fakeengine import FakeEngine, FakeLogStream
from tests.support.offline import run_cli
from tests.unit.test_cli_class import start_class, table_rows
from wiw.classroom.contract import Names
from wiw.classroom.listing import ClassSummary
from wiw.cli.class_commands import STATUS_SCHEMA
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.waiting import Deadline

watch_commands = importlib.import_module("wiw.cli.watch_commands")

RUNNING = ClassSummary(
    name="intro",
    running=True,
    join_url="http://127.0.0.1:41457/abc/",
    learners=12,
    image="wiw/intro:latest",
    since="2026-12-06T01:00:00Z",
    source="/courses/intro",
)
STOPPED = ClassSummary("stats", False, None, 0, None, None, None)


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough for every table here on one line a row."""
    monkeypatch.setenv("COLUMNS", "300")


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[ClassSummary]:
    """The classes 'wiw list' finds: what the test puts in this list."""
    classes: list[ClassSummary] = []
    monkeypatch.setattr(watch_commands, "list_classes", lambda engine: list(classes))
    return classes


def test_list_shows_each_class_in_a_table(listed: list[ClassSummary]) -> None:
    """A row per class: name, running or stopped, URL, learners, image, since; blanks for none."""
    listed += [RUNNING, STOPPED]
    ran = run_cli("list", engine=FakeEngine())
    assert (ran.code, ran.err) == (0, "")
    assert ran.out.splitlines()[0].strip() == "Classes"
    assert table_rows(ran.out) == [
        ["class", "state", "URL", "learners", "image", "since"],
        ["intro", "running", RUNNING.join_url, "12", "wiw/intro:latest", RUNNING.since],
        ["stats", "stopped", "", "0", "", ""],
    ]


def test_list_as_json_is_versioned_with_every_field(listed: list[ClassSummary]) -> None:
    """'wiw list --json': the schema and each class's fields, nothing on stderr."""
    listed += [RUNNING, STOPPED]
    ran = run_cli("list", "--json", engine=FakeEngine())
    assert (ran.code, ran.err) == (0, "")
    assert json.loads(ran.out) == {
        "schema": STATUS_SCHEMA,
        "classes": [RUNNING.to_dict(), STOPPED.to_dict()],
    }
    assert STATUS_SCHEMA == 1


def test_list_without_classes_says_how_to_start_one(listed: list[ClassSummary]) -> None:
    """No class: one sentence on stderr, no table, status 0; --json lists none."""
    ran = run_cli("list", engine=FakeEngine())
    assert (ran.code, ran.out) == (0, "")
    assert ran.err == "No classes on this engine. Start one with 'wiw up WORKSHOP'.\n"
    as_json = run_cli("list", "--json", engine=FakeEngine())
    assert json.loads(as_json.out) == {"schema": STATUS_SCHEMA, "classes": []}


def learner_server(fake: FakeEngine, name: str, logs: str) -> str:
    """A learner's server of the class intro, with its log; return its container's id."""
    spec = ContainerSpec(
        "wiw/intro:latest",
        f"wiw-intro-learner-{name.lower()}",
        {_labels.ROLE: "learner", _labels.WORKSHOP: "intro"},
        envs={"JUPYTERHUB_USER": name},
    )
    cid = fake.container_create(spec)
    fake.containers[cid].logs = logs
    return cid


def hub_logs(fake: FakeEngine, logs: str) -> str:
    """Give the hub of intro ``logs``; return its container's id."""
    hub = fake.container_info(Names("intro").hub)
    assert hub is not None
    fake.containers[hub.id].logs = logs
    return hub.id


def test_logs_print_the_hubs_log_as_written_secrets_hidden() -> None:
    """'wiw logs': the hub's log with brackets as written, no added newline, secret hidden."""
    fake = FakeEngine()
    room = start_class(fake)
    hub_logs(fake, f"[I] proxy [bold]up[/] at {room.join_url}\nno newline at the end")
    ran = run_cli("logs", "intro", engine=fake)
    assert (ran.code, ran.err) == (0, "")
    shown_url = room.join_url.replace(room.state.join_secret, "[redacted]")
    assert ran.out == f"[I] proxy [bold]up[/] at {shown_url}\nno newline at the end"


def test_logs_of_a_learner_are_their_servers() -> None:
    """'wiw logs --learner NAME': that learner's server's log, not the hub's."""
    fake = FakeEngine()
    start_class(fake)
    hub_logs(fake, "the hub\n")
    learner_server(fake, "Ada", "Ada's [server]\n")
    learner_server(fake, "Grace", "Grace's server\n")
    ran = run_cli("logs", "intro", "--learner", "ada", engine=fake)
    assert (ran.code, ran.out, ran.err) == (0, "Ada's [server]\n", "")


class Interrupted(FakeLogStream):
    """A followed log whose reader presses Ctrl-C after the lines it has."""

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """The lines, then Ctrl-C."""
        assert deadline.remaining > 300 * 24 * 3600  # until Ctrl-C, not a timeout
        yield from super().lines(deadline)
        raise KeyboardInterrupt


def test_follow_prints_new_lines_until_ctrl_c_then_closes_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--follow: the log, then each new line as written, secrets hidden; Ctrl-C ends it, 0."""
    fake = FakeEngine()
    room = start_class(fake)
    hub_logs(fake, "started\n")
    streams: list[tuple[str, FakeLogStream]] = []

    def follow(cid: str) -> FakeLogStream:
        stream = Interrupted(["[red]port 8000[/] ok", f"join {room.join_url}"], ended=False)
        streams.append((cid, stream))
        return stream

    monkeypatch.setattr(fake, "follow_logs", follow)
    monkeypatch.setenv("FORCE_COLOR", "1")  # a colour terminal: nothing is coloured
    ran = run_cli("logs", "intro", "--follow", engine=fake)
    assert (ran.code, ran.err) == (0, "")
    shown_url = room.join_url.replace(room.state.join_secret, "[redacted]")
    assert ran.out == f"started\n[red]port 8000[/] ok\njoin {shown_url}\n"
    assert [cid for cid, _ in streams] == [Names("intro").hub]
    assert streams[0][1].closed


def test_follow_of_a_learner_follows_their_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """--follow --learner NAME follows that learner's container; a stream that ends ends it."""
    fake = FakeEngine()
    start_class(fake)
    cid = learner_server(fake, "Ada", "one\n")
    fake.containers[cid].logs = "one\n"
    followed: list[str] = []
    real = fake.follow_logs

    def follow(container: str) -> FakeLogStream:
        followed.append(container)
        return real(container)

    monkeypatch.setattr(fake, "follow_logs", follow)
    ran = run_cli("logs", "intro", "--learner", "Ada", "--follow", engine=fake)
    assert (ran.code, ran.out, ran.err) == (0, "one\none\n", "")
    assert followed == [cid]


def test_logs_without_follow_follow_nothing() -> None:
    """Without --follow, the log is printed once and no stream is opened."""
    fake = FakeEngine()
    start_class(fake)
    hub_logs(fake, "once\n")
    ran = run_cli("logs", "intro", engine=fake)
    assert (ran.code, ran.out) == (0, "once\n")
    assert fake.called("follow_logs") == []
