"""A running classroom's hub: waiting for it, who has joined, their memory, and the seats.

The hub's REST API is replaced by a stand-in that records how wiw reached it,
and the waits by one that calls its check a given number of times, so that
no test sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import pytest

from tests.support.fakeengine import FakeEngine, FakeLogStream
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import lifecycle
from wiw.classroom.contract import Names
from wiw.classroom.lifecycle import Classroom, Learner
from wiw.classroom.seats import Seats
from wiw.contract import SEAT_LABEL, SEATS_STATUS, SEATS_TAKEN
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.lab.serve import check_timeout
from wiw.waiting import WaitTimeout

T = TypeVar("T")
WORKSHOP = "intro"
NAMES = Names(WORKSHOP)
READY_LINE = "[I 2026-01-01 JupyterHub app:3000] JupyterHub is now running at http://:8000/"


@dataclass
class HubStub:
    """The hub's API as a test says it answers; it records each client made."""

    users_list: list[dict[str, Any]] = field(default_factory=list)
    health: list[bool | Exception] = field(default_factory=lambda: [True])
    made: list[tuple[str, str, bool]] = field(default_factory=list)

    def __call__(self, base_url: str, token: str, *, verify_tls: bool = True) -> HubStub:
        """Make a client (this stub) for ``base_url``, recording how."""
        self.made.append((base_url, token, verify_tls))
        return self

    def healthy(self) -> bool:
        """The next health answer (the last one repeats)."""
        answer = self.health.pop(0) if len(self.health) > 1 else self.health[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def users(self) -> Iterator[dict[str, Any]]:
        """Every user the hub knows."""
        yield from self.users_list


@dataclass
class PollStub:
    """``poll`` without sleeping: calls the check up to ``tries`` times, recording the call."""

    tries: int = 5
    asked: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        check: Callable[[], T | None],
        *,
        timeout: float,
        what: str,
        interval: float = 0.2,
        retry_on: tuple[type[BaseException], ...] = (),
    ) -> T:
        """Return the check's first answer that is not None, or raise WaitTimeout."""
        self.asked.append(
            {"timeout": timeout, "what": what, "interval": interval, "retry_on": retry_on}
        )
        last: BaseException | None = None
        for _ in range(self.tries):
            try:
                found = check()
            except retry_on as exc:
                found, last = None, exc
            if found is not None:
                return found
        raise WaitTimeout(what, timeout, last)


class LogEngine(FakeEngine):
    """The fake engine, keeping the log streams it hands out."""

    def __init__(self) -> None:
        super().__init__()
        self.streams: list[FakeLogStream] = []

    def follow_logs(self, cid: str) -> FakeLogStream:
        """Hand out the stream as the fake does, and keep it."""
        stream = super().follow_logs(cid)
        self.streams.append(stream)
        return stream


@pytest.fixture
def fake() -> LogEngine:
    """An empty fake engine."""
    return LogEngine()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> HubStub:
    """The hub's API stand-in, in place of the real client."""
    stub = HubStub()
    monkeypatch.setattr(lifecycle, "HubAPI", stub)
    return stub


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> PollStub:
    """The wait stand-in, in place of the real one."""
    stub = PollStub()
    monkeypatch.setattr(lifecycle, "poll", stub)
    return stub


def start(fake: FakeEngine, **kwargs: Any) -> Classroom:
    """Start the workshop's classroom on the fake engine."""
    ref = f"wiw/{WORKSHOP}:latest"
    fake.add_image(ref, {**_labels.labels_for(WORKSHOP, "image", __version__), _labels.REF: ref})
    return Classroom.start(Image(ref, engine=fake), engine=fake, **kwargs)


def put_hub_file(fake: FakeEngine, name: str, value: Any) -> None:
    """Write one of wiw's files on the hub's volume, as the hub does."""
    fake.put_file(NAMES.hub_volume, f"/wiw/{name}", json.dumps(value).encode())


def run_learner(
    fake: FakeEngine,
    name: str,
    *,
    user: str = "",
    memory: int = 0,
    role: Literal["learner", "helper"] = "learner",
    workshop: str = WORKSHOP,
    seat: str | None = None,
) -> str:
    """Start a container as the hub starts learners' servers; its id."""
    labels = dict(_labels.labels_for(workshop, role, __version__))
    if seat is not None:
        labels[SEAT_LABEL] = seat
    envs = {"JUPYTERHUB_USER": user} if user else {}
    spec = ContainerSpec(f"wiw/{WORKSHOP}:latest", name, labels, envs=envs)
    cid = fake.container_create(spec)
    fake.container_start(cid)
    fake.containers[cid].memory = memory
    return cid


# The hub's API address --------------------------------------------------------------------


def test_the_hub_is_asked_on_loopback_under_the_join_secret(fake: LogEngine, hub: HubStub) -> None:
    """It reaches its own hub on 127.0.0.1 and the class's port, with its token, unverified."""
    room = start(fake, host="192.0.2.1")
    room.learners()
    assert hub.made == [
        (f"http://127.0.0.1:{room.port}/{room.state.join_secret}/", room.state.api_token, False)
    ]


# wait_until_ready ---------------------------------------------------------------------------


def test_a_hub_that_printed_its_line_and_answers_is_ready(
    fake: LogEngine, hub: HubStub, polls: PollStub
) -> None:
    """The join URL comes back once the hub says it runs and its health check answers."""
    room = start(fake)
    fake.containers[room.container_id].logs = f"starting\n{READY_LINE}\nmore\n"
    hub.health = [errors.ServerUnreachable("not yet", url="u", reason="r"), False, True]
    assert room.wait_until_ready(timeout=60) == room.join_url
    assert room.url == room.join_url
    assert fake.streams[0].closed
    assert fake.called("follow_logs") == [room.container_id]
    assert len(polls.asked) == 1
    asked = polls.asked[0]
    assert (asked["what"], asked["interval"], asked["retry_on"]) == (
        "the hub", 0.2, (errors.ServerAPIError,),
    )  # fmt: skip
    assert 0 < asked["timeout"] <= 60
    assert room.wait_for_token() == room.join_url  # known now: no second wait
    assert len(fake.streams) == 1


def test_waiting_stops_reading_the_log_at_the_ready_line(fake: LogEngine, hub: HubStub) -> None:
    """Lines after the ready line are not read."""
    room = start(fake)
    fake.containers[room.container_id].logs = f"one\n{READY_LINE}\nafter\n"
    room.wait_until_ready(timeout=5)
    assert list(fake.streams[0].seen) == ["one", READY_LINE]


def test_a_hub_that_stopped_while_starting_says_so_with_its_log(fake: LogEngine) -> None:
    """Its exit code and last 25 log lines are given."""
    room = start(fake)
    lines = [f"line {n}" for n in range(30)]
    fake.containers[room.container_id].logs = "\n".join(lines)
    fake.container_kill(room.container_id)
    with pytest.raises(errors.HubExited) as caught:
        room.wait_until_ready(timeout=5)
    assert caught.value.message == "The classroom hub wiw-intro-hub stopped while starting."
    assert caught.value.exit_code == 137
    assert caught.value.log_tail == lines[-25:]
    assert fake.streams[0].closed
    assert room.url is None


def test_a_hub_that_never_said_it_runs_times_out_with_its_log(fake: LogEngine) -> None:
    """Running but without the ready line: a timeout, with the last 25 lines."""
    room = start(fake)
    lines = [f"line {n}" for n in range(27)]
    fake.containers[room.container_id].logs = "\n".join(lines)
    with pytest.raises(errors.TokenTimeout) as caught:
        room.wait_until_ready(timeout=5)
    assert caught.value.message == "The classroom hub wiw-intro-hub was not ready in time."
    assert caught.value.log_tail == lines[-25:]
    assert caught.value.hint == errors.TokenTimeout.hint
    assert caught.value.exit_code is None
    assert fake.streams[0].closed


def test_a_hub_whose_health_check_never_answers_times_out(
    fake: LogEngine, hub: HubStub, polls: PollStub
) -> None:
    """The ready line alone is not enough: the health check must answer 200."""
    room = start(fake)
    fake.containers[room.container_id].logs = READY_LINE
    hub.health = [False]
    with pytest.raises(errors.TokenTimeout) as caught:
        room.wait_until_ready(timeout=5)
    assert (
        caught.value.message == "The classroom hub wiw-intro-hub did not answer its health check."
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert room.url is None


def test_the_real_wait_takes_a_hub_that_answers_at_once(fake: LogEngine, hub: HubStub) -> None:
    """With the real wait, a hub healthy at once is ready at once."""
    room = start(fake)
    fake.containers[room.container_id].logs = READY_LINE
    assert room.wait_until_ready(timeout=5) == room.join_url


@pytest.fixture
def timeouts(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The timeouts the waits check, in order."""
    checked: list[float] = []

    def check(timeout: float) -> float:
        checked.append(timeout)
        return check_timeout(timeout)

    monkeypatch.setattr(lifecycle, "check_timeout", check)
    return checked


def test_the_hub_is_waited_for_two_minutes_by_default(
    fake: LogEngine, hub: HubStub, timeouts: list[float]
) -> None:
    """Both names of the wait give the hub 120 s, or the time given."""
    for wait in ("wait_until_ready", "wait_for_token"):
        room = start(fake)
        fake.containers[room.container_id].logs = READY_LINE
        getattr(room, wait)()
        room.stop()
    room = start(fake)
    fake.containers[room.container_id].logs = READY_LINE
    room.wait_for_token(7)
    assert timeouts == [120.0, 120.0, 7]


def test_a_wait_of_no_time_is_refused(fake: LogEngine) -> None:
    """The timeout must be above 0."""
    room = start(fake)
    with pytest.raises(errors.InvalidOption):
        room.wait_until_ready(timeout=0)
    assert fake.streams == []


# learners -----------------------------------------------------------------------------------


def test_learners_are_listed_with_their_servers_and_memory(fake: LogEngine, hub: HubStub) -> None:
    """Each learner's server state, activity, memory and node; the instructor is not listed."""
    room = start(fake)
    ada = run_learner(fake, "wiw-intro-learner-ada", user="ada", memory=300)
    bob = run_learner(fake, "wiw-intro-learner-bob", user="bob", memory=400)
    fake.container_stop(run_learner(fake, "wiw-intro-learner-cy", user="cy", memory=500))
    run_learner(fake, "wiw-intro-helper-1", user="ada", memory=700, role="helper")
    run_learner(fake, "wiw-other-learner-ada", user="ada", memory=900, workshop="other")
    hub.users_list = [
        {"name": "instructor", "servers": {"": {"ready": True}}},
        {"name": "ada", "last_activity": "2026-01-01T10:00:00Z",
         "servers": {"": {"ready": True, "state": {"node_name": "pi-1"}}}},
        {"name": "bob", "servers": {"": {"ready": False, "pending": "spawn", "state": None}}},
        {"name": "cy", "servers": None},
        {"name": "dee"},
    ]  # fmt: skip
    assert room.learners() == [
        Learner("ada", running=True, pending=None, last_activity="2026-01-01T10:00:00Z",
                memory=300, node="pi-1"),
        Learner("bob", running=False, pending="spawn", last_activity=None, memory=400),
        Learner("cy", running=False, pending=None, last_activity=None),
        Learner("dee", running=False, pending=None, last_activity=None),
    ]  # fmt: skip
    assert fake.called("containers_labelled") == ["org.wiw.workshop=intro"]
    assert fake.called("memory_usage") == [f"{ada},{bob}"]  # running learners' only


def test_a_taken_seat_counts_for_the_learner_who_took_it(fake: LogEngine, hub: HubStub) -> None:
    """A seat's container, started before its learner was known, is theirs by the hub's record."""
    room = start(fake)
    taken = run_learner(fake, "wiw-intro-seat-s1", seat="s1", memory=600)
    run_learner(fake, "wiw-intro-seat-s2", seat="s2", memory=650)  # free: nobody's
    bob = run_learner(fake, "wiw-intro-learner-bob", user="bob", memory=400)
    run_learner(fake, "wiw-intro-learner-x", memory=800)  # no learner known: not measured
    put_hub_file(fake, SEATS_TAKEN, {"s1": "ada"})
    hub.users_list = [{"name": "ada"}, {"name": "bob"}]
    assert [(learner.name, learner.memory) for learner in room.learners()] == [
        ("ada", 600),
        ("bob", 400),
    ]
    assert sorted(fake.called("memory_usage")[-1].split(",")) == sorted([taken, bob])


def test_seats_are_read_with_the_class_image_once_the_hub_is_gone(
    fake: LogEngine, hub: HubStub
) -> None:
    """Without the hub's container, the seats' record is read through the class's image."""
    room = start(fake)
    run_learner(fake, "wiw-intro-seat-s1", seat="s1", memory=600)
    put_hub_file(fake, SEATS_TAKEN, {"s1": "ada"})
    fake.container_remove(room.container_id)
    hub.users_list = [{"name": "ada"}]
    assert [learner.memory for learner in room.learners()] == [600]
    helpers = [c for c in fake.called("container_create") if c.startswith("wiw-intro-helper-")]
    assert helpers


def test_no_seat_no_record_read(fake: LogEngine, hub: HubStub) -> None:
    """Without seat containers, the hub's seat record is never read."""
    room = start(fake)
    run_learner(fake, "wiw-intro-learner-ada", user="ada", memory=300)
    hub.users_list = [{"name": "ada"}]
    calls = len(fake.calls)
    room.learners()
    assert "copy_from" not in [name for name, _ in fake.calls[calls:]]


# seats ----------------------------------------------------------------------------------------


def test_seats_are_what_the_hub_last_wrote(fake: LogEngine) -> None:
    """None before the hub writes its seats; then the counts."""
    room = start(fake)
    assert room.seats() is None
    put_hub_file(fake, SEATS_STATUS, {"ready": 2, "starting": 1, "taken": 3, "spare": 3})
    assert room.seats() == Seats(ready=2, starting=1, taken=3, spare=3)


def test_waiting_for_seats_reports_each_change_until_none_is_starting(
    fake: LogEngine, polls: PollStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress hears each new count once; the seats come back when none is starting."""
    room = start(fake)
    answers = iter([None, Seats(0, 2, 0, 2), Seats(0, 2, 0, 2), Seats(1, 1, 0, 2),
                    Seats(2, 0, 0, 2)])  # fmt: skip
    monkeypatch.setattr(room, "seats", lambda: next(answers))
    heard: list[Seats] = []
    assert room.wait_for_seats(timeout=30, progress=heard.append) == Seats(2, 0, 0, 2)
    assert heard == [Seats(0, 2, 0, 2), Seats(1, 1, 0, 2), Seats(2, 0, 0, 2)]
    assert polls.asked == [{"timeout": 30, "what": "the seats", "interval": 1.0, "retry_on": ()}]


def test_waiting_for_seats_without_progress(
    fake: LogEngine, polls: PollStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No progress callback: the seats still come back."""
    room = start(fake)
    answers = iter([Seats(0, 1, 0, 1), Seats(1, 0, 0, 1)])
    monkeypatch.setattr(room, "seats", lambda: next(answers))
    assert room.wait_for_seats() == Seats(1, 0, 0, 1)
    assert polls.asked[0]["timeout"] == 300.0


def test_seats_not_ready_in_time_say_how_far_they_got(
    fake: LogEngine, polls: PollStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeout names the last counts seen, and that learners can join anyway."""
    room = start(fake)
    polls.tries = 2
    answers = iter([Seats(0, 3, 0, 3), Seats(1, 2, 0, 3)])
    monkeypatch.setattr(room, "seats", lambda: next(answers))
    with pytest.raises(errors.TokenTimeout) as caught:
        room.wait_for_seats(timeout=9)
    assert caught.value.message == (
        f"The seats of intro were not all ready in time ({Seats(1, 2, 0, 3)})."
    )
    assert caught.value.hint == (
        "Learners can join now; their servers start as they arrive. See the hub's log "
        "('wiw logs intro')."
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_seat_wait_of_no_time_is_refused(fake: LogEngine, polls: PollStub) -> None:
    """The timeout must be above 0."""
    room = start(fake)
    with pytest.raises(errors.InvalidOption):
        room.wait_for_seats(timeout=0)
    assert polls.asked == []


def test_a_class_without_seats_is_not_waited_for_in_vain(fake: LogEngine, polls: PollStub) -> None:
    """While the hub has written no seats, the wait goes on (and times out)."""
    room = start(fake)
    polls.tries = 2
    with pytest.raises(errors.TokenTimeout, match=r"in time \(None\)"):
        room.wait_for_seats(timeout=9)
