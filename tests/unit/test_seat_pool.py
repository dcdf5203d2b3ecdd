"""The hub's seat service (``jupyterhub/hub/wiw_seats.py``) over a Docker API held in memory.

Every call the service makes is recorded with its arguments, so that what a
seat is made of (its limits, labels, home, command and key) and what the
service writes for the spawner and for ``wiw status`` are checked exactly.
``tests/integration/test_seats.py`` runs seats on a real engine.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import types
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.support.httpstub import StubServer, serving
from tests.support.hubside import load_support_module
from wiw.contract import SEAT_LABEL

SEATS = load_support_module("wiw_seats")
PREFIX = "wiw-intro-seat-"
LEARNER = {"org.wiw.workshop": "intro", "org.wiw.role": "learner"}
HOME = {"org.wiw.workshop": "intro", "org.wiw.role": "learner-home"}
ENV = {
    "WIW_WORKSHOP": "intro", "WIW_NETWORK": "wiw-intro", "WIW_SEATS": "3",
    "WIW_MAX_LEARNERS": "4", "WIW_MEM_LIMIT": str(2**30), "WIW_CPU_LIMIT": "1.5",
    "WIW_PIDS_LIMIT": "256", "WIW_LEARNER_LABELS": json.dumps(LEARNER),
    "WIW_HOME_LABELS": json.dumps(HOME),
}  # fmt: skip


class Docker:
    """The Docker API calls the service makes, recorded, over containers and volumes held here.

    As Docker does, it lists running containers unless asked for all, filters
    by label (``key`` or ``key=value``) or by name, and answers ``None`` for
    an empty list of volumes. An unknown filter is refused, as Docker refuses it.
    """

    def __init__(self) -> None:
        self.containers_: dict[str, dict[str, Any]] = {}
        self.volumes_: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.address = "10.0.0.9"

    def record(self, method: str, *args: Any, **kwargs: Any) -> None:
        """Remember a call."""
        self.calls.append((method, args, kwargs))

    def called(self, method: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """The arguments of every call of ``method``."""
        return [(args, kwargs) for name, args, kwargs in self.calls if name == method]

    def add(
        self, cid: str, name: str, labels: dict[str, str], *, image: str = "sha256:one",
        running: bool = True, created: int = 0,
    ) -> None:  # fmt: skip
        """Put a container on the engine."""
        self.containers_[cid] = {
            "Id": cid, "Names": [f"/{name}"], "ImageID": image, "Created": created,
            "Labels": labels, "running": running,
        }  # fmt: skip

    def containers(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[Any]:
        """Containers carrying every label of the filter; running ones unless ``all``."""
        assert set(filters or {}) <= {"label"}, f"unknown filter {filters}"
        self.record("containers", all=all, filters=filters)
        wanted = (filters or {}).get("label", [])
        return [dict(c) for c in self.containers_.values()
                if (all or c["running"]) and matches(c["Labels"], wanted)]  # fmt: skip

    def volumes(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Volumes by name or by label, as the API lists them (``None`` for none)."""
        assert set(filters or {}) <= {"label", "name"}, f"unknown filter {filters}"
        self.record("volumes", filters=filters)
        found = [{"Name": n, "Labels": labels or None} for n, labels in self.volumes_.items()
                 if matches(labels, (filters or {}).get("label", []))]  # fmt: skip
        if name := (filters or {}).get("name"):
            found = [v for v in found if v["Name"] == name]
        return {"Volumes": found or None}

    def create_volume(self, name: str, labels: dict[str, str]) -> dict[str, Any]:
        """Make a volume."""
        self.record("create_volume", name=name, labels=labels)
        self.volumes_[name] = labels
        return {"Name": name}

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        """The host config, as given."""
        return kwargs

    def create_container(self, **kwargs: Any) -> dict[str, Any]:
        """Make a container (not started)."""
        self.record("create_container", **kwargs)
        cid = f"c{len(self.containers_)}"
        self.add(cid, kwargs["name"], kwargs["labels"], image=kwargs["image"], running=False,
                 created=len(self.containers_))  # fmt: skip
        return {"Id": cid}

    def start(self, cid: str) -> None:
        """Start it."""
        self.record("start", cid)
        self.containers_[cid]["running"] = True

    def remove_container(self, cid: str, force: bool = False) -> None:
        """Remove it."""
        self.record("remove_container", cid, force=force)
        del self.containers_[cid]

    def inspect_container(self, cid: str) -> dict[str, Any]:
        """Its address on the class's network."""
        self.record("inspect_container", cid)
        return {"NetworkSettings": {"Networks": {"wiw-intro": {"IPAddress": self.address}}}}


def matches(labels: dict[str, str], rules: list[str]) -> bool:
    """Whether ``labels`` carry every ``key`` or ``key=value`` of ``rules``."""
    pairs = [rule.partition("=") for rule in rules]
    return all(k in labels and (not eq or labels[k] == v) for k, eq, v in pairs)


def settings(state_dir: Path, image: list[str], **env: str) -> Any:
    """The service's settings, over ``state_dir``, running ``image[0]``."""
    return SEATS.Settings.from_env({**ENV, "WIW_STATE_DIR": str(state_dir), **env},
                                   lambda: image[0])  # fmt: skip


class Service(NamedTuple):
    """A service over a fake engine, and the seats that answer its probes."""

    pool: Any
    docker: Docker
    answering: set[str]  # the ids of the seats whose process waits
    probed: list[str]  # the ids of the seats probed, in order


@pytest.fixture
def service(tmp_path: Path) -> Service:
    """A service keeping 3 seats in a class capped at 4."""
    docker = Docker()
    pool = SEATS.SeatPool(docker, settings(tmp_path, ["sha256:one"]))
    made = Service(pool, docker, set(), [])

    def probe(seat: Any) -> bool:
        made.probed.append(seat.id)
        return seat.id in made.answering

    pool.probe = probe
    return made


def seat_ids(docker: Docker) -> list[str]:
    """The seat ids of the containers on the engine, in the order made."""
    return [c["Labels"][SEAT_LABEL] for c in docker.containers_.values()]


def test_the_settings_are_read_from_the_hubs_environment(tmp_path: Path) -> None:
    """Each WIW_* setting, as its type."""
    image = ["sha256:one"]
    read = settings(tmp_path, image)
    assert read._replace(image=None) == SEATS.Settings(
        workshop="intro", network="wiw-intro", state_dir=tmp_path, spare=3, cap=4,
        memory=2**30, cpus=1.5, pids=256, learner_labels=LEARNER, home_labels=HOME, image=None,
    )  # fmt: skip
    image[0] = "sha256:two"
    assert read.image() == "sha256:two"


def test_a_seat_is_a_confined_learners_container_at_the_lowest_cpu_weight(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    """Its home made and labelled, its limits, its command, its key, its labels; then started."""
    pool, docker, *_ = service
    with caplog.at_level(logging.INFO, logger="wiw-seats"):
        sid = pool.start_seat("sha256:one")
    assert re.fullmatch(r"[0-9a-f]{12}", sid)
    name = PREFIX + sid
    assert docker.called("volumes")[-1] == ((), {"filters": {"name": name}})
    home = {"name": name, "labels": {**HOME, SEAT_LABEL: sid}}
    assert docker.called("create_volume") == [((), home)]
    ((_, made),) = docker.called("create_container")
    key = made["environment"]["WIW_SEAT_KEY"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)  # 32 random bytes
    assert made == {
        "image": "sha256:one", "name": name, "command": ["/opt/wiw/bin/python",
        "/usr/local/bin/wiw-seat"], "ports": [8888], "environment": {"WIW_SEAT_KEY": key},
        "labels": {**LEARNER, SEAT_LABEL: sid},
        "host_config": {
            "auto_remove": True, "mem_limit": 2**30, "cpu_period": 100_000,
            "cpu_quota": 150_000, "network_mode": "wiw-intro",
            "mounts": [{"Type": "volume", "Source": name, "Target": "/home/learner"}],
            "pids_limit": 256, "security_opt": ["no-new-privileges:true"], "cap_drop": ["ALL"],
            "cpu_shares": 2,
        },
    }  # fmt: skip
    assert docker.called("start") == [(("c0",), {})]
    assert docker.containers_["c0"]["running"]
    assert caplog.messages == [f"started seat {sid}"]
    other = pool.start_seat("sha256:one")
    assert other != sid
    keys = [kw["environment"]["WIW_SEAT_KEY"] for _, kw in docker.called("create_container")]
    assert keys[0] != keys[1]  # a key of its own


def test_a_free_seats_home_left_from_before_is_used_again_as_it_is(
    service: Service, tmp_path: Path
) -> None:
    """A class restarted: a seat takes the home of a seat nobody took, and no new volume."""
    pool, docker, *_ = service
    docker.volumes_ = {f"{PREFIX}ada1": {SEAT_LABEL: "ada1"},  # taken by Ada: hers
                       f"{PREFIX}busy": {SEAT_LABEL: "busy"},  # a free seat uses it
                       "wiw-other-seat-x1": {SEAT_LABEL: "x1"},  # another class's
                       f"{PREFIX}unlabelled": {},
                       f"{PREFIX}free1": {**HOME, SEAT_LABEL: "free1"}}  # fmt: skip
    docker.add("busy", PREFIX + "busy", {**LEARNER, SEAT_LABEL: "busy"}, running=False)
    SEATS.record_taken(tmp_path, "ada1", "Ada")
    assert pool.unused_home() == "free1"
    assert docker.called("volumes")[0] == ((), {"filters": {"label": [SEAT_LABEL]}})
    assert pool.start_seat("sha256:one") == "free1"
    assert docker.called("create_volume") == []
    assert pool.unused_home() is None  # free1 is a seat's now


def test_without_any_seat_volume_a_seat_gets_a_new_home(
    service: Service,
) -> None:
    """No seat's home on the engine (Docker lists none as null): a new one."""
    pool, docker, *_ = service
    assert pool.unused_home() is None
    sid = pool.start_seat("sha256:one")
    assert docker.called("create_volume")[0][1]["name"] == PREFIX + sid


def test_learners_running_are_the_learners_containers_that_are_no_free_seat(
    service: Service,
) -> None:
    """Taken seats and learners' own servers count; free seats, stopped ones and others not."""
    pool, docker, *_ = service
    docker.add("a", "wiw-intro-learner-ada", {**LEARNER})
    docker.add("b", "wiw-intro-learner-bob", {**LEARNER, SEAT_LABEL: "b1"})  # a taken seat
    docker.add("c", PREFIX + "c1", {**LEARNER, SEAT_LABEL: "c1"})  # a free seat
    docker.add("d", "wiw-intro-learner-eve", {**LEARNER}, running=False)
    docker.add("e", "wiw-intro-hub", {"org.wiw.workshop": "intro", "org.wiw.role": "hub"})
    docker.add("f", "wiw-other-learner-x", {"org.wiw.workshop": "other",
                                            "org.wiw.role": "learner"})  # fmt: skip
    assert pool.learners_running() == 2
    assert docker.called("containers") == [((), {"all": False, "filters": {"label": [
        "org.wiw.workshop=intro", "org.wiw.role=learner"]}})]  # fmt: skip


def test_every_seat_of_the_class_is_listed_running_or_not(
    service: Service,
) -> None:
    """A seat made but not started yet is a seat: listed with the others, by age."""
    pool, docker, *_ = service
    docker.add("x", PREFIX + "s2", {**LEARNER, SEAT_LABEL: "s2"}, running=False, created=5)
    docker.add("y", PREFIX + "s1", {**LEARNER, SEAT_LABEL: "s1"}, created=3)
    docker.add("z", "wiw-intro-learner-ada", {**LEARNER})  # no seat
    assert [s.id for s in pool.listed()] == ["s1", "s2"]
    assert docker.called("containers") == [((), {"all": True, "filters": {"label": [
        SEAT_LABEL, "org.wiw.role=learner", "org.wiw.workshop=intro"]}})]  # fmt: skip


def test_each_look_reports_the_seats_exactly_and_probes_each_seat_until_it_answers(
    service: Service, tmp_path: Path
) -> None:
    """The status the spawner and 'wiw status' read; a seat that answered is not asked again."""
    pool, docker, answering, probed = service
    first = pool.tick()
    made = seat_ids(docker)
    assert first == {"spare": 3, "ready": 0, "starting": 2, "taken": 0, "ready_ids": []}
    assert json.loads((tmp_path / "seats.json").read_text()) == first
    answering.add(made[0])
    second = pool.tick()
    assert probed == made  # both, once each
    assert second == {"spare": 3, "ready": 1, "starting": 2, "taken": 0, "ready_ids": [made[0]]}
    answering.update(seat_ids(docker))
    SEATS.record_taken(tmp_path, "gone", "Ada")
    third = pool.tick()
    assert probed[2:] == seat_ids(docker)[1:]  # the first seat answered already
    assert third == {"spare": 3, "ready": 3, "starting": 0, "taken": 1,
                     "ready_ids": sorted(seat_ids(docker))}  # fmt: skip
    assert json.loads((tmp_path / "seats.json").read_text()) == third
    assert len(docker.called("create_container")) == 3


def test_a_hub_restarted_beside_its_seats_probes_them_at_its_first_look(
    service: Service,
) -> None:
    """Seats already there are the class's: probed at once, counted, topped up."""
    pool, docker, answering, probed = service
    docker.add("x1", PREFIX + "s1", {**LEARNER, SEAT_LABEL: "s1"}, created=1)
    docker.add("x2", PREFIX + "s2", {**LEARNER, SEAT_LABEL: "s2"}, created=2)
    answering.add("s1")
    status = pool.tick()
    assert probed == ["s1", "s2"]
    assert status == {"spare": 3, "ready": 1, "starting": 2, "taken": 0, "ready_ids": ["s1"]}
    assert len(docker.called("create_container")) == 1


def test_seats_of_an_old_image_are_removed_and_replaced_by_the_new_ones(
    tmp_path: Path,
) -> None:
    """'wiw update' switched the image: free seats of the old one go (forced), new ones come."""
    docker = Docker()
    image = ["sha256:one"]
    pool = SEATS.SeatPool(docker, settings(tmp_path, image))
    pool.probe = lambda seat: True
    pool.tick()
    pool.tick()
    old = set(docker.containers_)
    image[0] = "sha256:two"
    status = pool.tick()
    assert docker.called("remove_container") == [((cid,), {"force": True}) for cid in sorted(old)]
    assert {c["ImageID"] for c in docker.containers_.values()} == {"sha256:two"}
    assert (status["ready"], status["starting"]) == (0, 2)


def test_a_full_class_starts_no_seat(tmp_path: Path) -> None:
    """Four learners in a class capped at four: no seat, and none reported."""
    docker = Docker()
    for n in range(4):
        docker.add(f"l{n}", f"wiw-intro-learner-l{n}", {**LEARNER})
    pool = SEATS.SeatPool(docker, settings(tmp_path, ["sha256:one"]))
    assert pool.tick() == {"spare": 3, "ready": 0, "starting": 0, "taken": 0, "ready_ids": []}
    assert docker.called("create_container") == []


def test_a_look_that_fails_is_logged_and_the_next_one_comes_a_second_later(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The service never stops on an engine's error: it says so and looks again."""
    looks: list[str] = []
    slept: list[float] = []

    class Stop(BaseException):
        """Ends the service's loop in the test."""

    class Pool:
        def tick(self) -> None:
            looks.append("look")
            if len(looks) == 1:
                raise RuntimeError("engine gone")

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise Stop

    monkeypatch.setattr(SEATS, "time", types.SimpleNamespace(sleep=sleep))
    with caplog.at_level(logging.INFO, logger="wiw-seats"), pytest.raises(Stop):
        SEATS.SeatPool.run(Pool())
    assert (looks, slept) == (["look"] * 3, [1.0] * 3)
    assert caplog.messages == ["seats: this look failed; trying again"]
    assert caplog.records[0].exc_info is not None


def test_the_service_runs_over_the_engines_socket_with_the_hubs_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """main(): Docker's socket, the settings, and the image 'wiw update' switched to, if any."""
    made: list[Any] = []

    class Client:
        def __init__(self, base_url: str) -> None:
            self.base_url = base_url

    class Pool:
        def __init__(self, client: Client, read: Any) -> None:
            made.append((client, read))

        def run(self) -> None:
            made.append("run")

    configured: list[dict[str, Any]] = []
    monkeypatch.setitem(sys.modules, "docker", types.SimpleNamespace(APIClient=Client))
    monkeypatch.setattr(SEATS, "SeatPool", Pool)
    monkeypatch.setattr(SEATS, "logging", types.SimpleNamespace(
        INFO=logging.INFO, basicConfig=lambda **kw: configured.append(kw)))  # fmt: skip
    for key, value in {**ENV, "WIW_STATE_DIR": str(tmp_path), "WIW_IMAGE": "sha256:one"}.items():
        monkeypatch.setenv(key, value)
    SEATS.main()
    (client, read), ran = made
    assert ran == "run"
    assert client.base_url == "unix:///var/run/docker.sock"
    assert configured == [{"level": logging.INFO, "format": "[wiw-seats] %(message)s"}]
    assert read._replace(image=None) == settings(tmp_path, [""])._replace(image=None)
    assert read.image() == "sha256:one"
    (tmp_path / "image").write_text("sha256:two\n")
    assert read.image() == "sha256:two"


def test_seats_are_read_from_the_engines_listing_whatever_it_leaves_out() -> None:
    """Containers without a seat's label are no seats; missing fields read as empty."""
    seats = SEATS.seats_of([
        {"Id": "c1", "Labels": {SEAT_LABEL: "s1"}},
        {"Id": "c2", "Labels": {SEAT_LABEL: "s2"}, "Names": None, "Created": 5},
        {"Id": "c3", "Labels": {SEAT_LABEL: "s3"}, "Names": ["/XY", "/other"], "Created": 2,
         "ImageID": "sha256:a"},
        {"Id": "c4"},
        {"Id": "c5", "Labels": {SEAT_LABEL: ""}},
    ])  # fmt: skip
    assert seats == [
        SEATS.Seat("s1", "c1", "", "", 0),
        SEATS.Seat("s3", "c3", "XY", "sha256:a", 2),
        SEATS.Seat("s2", "c2", "", "", 5),
    ]


def test_a_seat_runs_the_waiting_process_with_the_runtimes_python() -> None:
    """The runtime's Python and the script installed as wiw-seat."""
    assert SEATS.seat_command() == ["/opt/wiw/bin/python", "/usr/local/bin/wiw-seat"]


def test_the_files_the_hub_writes_read_as_empty_when_missing_or_broken(tmp_path: Path) -> None:
    """No file, not JSON, not an object: no taken seat, no ready seat; values read as text."""
    assert (SEATS.read_taken(tmp_path), SEATS.read_ready(tmp_path)) == ({}, [])
    for text in ("{", "[1]", '"x"'):
        (tmp_path / "seats-taken.json").write_text(text)
        (tmp_path / "seats.json").write_text(text)
        assert (SEATS.read_taken(tmp_path), SEATS.read_ready(tmp_path)) == ({}, [])
    (tmp_path / "seats-taken.json").write_text('{"a1": 7}')
    (tmp_path / "seats.json").write_text('{"ready_ids": [1, "b"]}')
    assert (SEATS.read_taken(tmp_path), SEATS.read_ready(tmp_path)) == ({"a1": "7"}, ["1", "b"])
    (tmp_path / "seats.json").write_text('{"ready": 2}')
    assert SEATS.read_ready(tmp_path) == []


def test_the_taken_seats_file_is_written_sorted_whole_and_root_only(tmp_path: Path) -> None:
    """Seats by id, whatever the order they were taken in; no part file left behind."""
    SEATS.record_taken(tmp_path, "b2", "Bob")
    SEATS.record_taken(tmp_path, "a1", "Ada")
    written = tmp_path / "seats-taken.json"
    assert written.read_text() == '{"a1": "Ada", "b2": "Bob"}'
    assert written.stat().st_mode & 0o777 == 0o600
    SEATS.forget_taken(tmp_path, "zz")  # never taken: nothing changes
    assert written.read_text() == '{"a1": "Ada", "b2": "Bob"}'
    assert [p.name for p in tmp_path.iterdir()] == ["seats-taken.json"]


def test_the_spawners_filter_names_the_seat_label_and_every_learner_label() -> None:
    """The seat's label, then the learner's labels sorted, as Docker's label filter."""
    assert SEATS.seat_filter({"b": "2", "a": "1"}) == {"label": [SEAT_LABEL, "a=1", "b=2"]}


def test_a_seats_key_is_only_its_own_variable() -> None:
    """A variable whose name only starts like the key's is not the key."""
    env = {"Config": {"Env": ["WIW_SEAT_KEYS=no", "XWIW_SEAT_KEY=no", "WIW_SEAT_KEY=a=b=c"]}}
    assert SEATS.seat_key(env) == "a=b=c"
    assert SEATS.seat_key({"Config": {"Env": ["WIW_SEAT_KEYS=no"]}}) == ""


class Answer:
    """What ``urlopen`` gives back: a status, as a context manager."""

    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class Opened:
    """Every request ``urlopen`` was asked for, with its timeout; each answered ``status``."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, float]] = []
        self.status = HTTPStatus.ACCEPTED

    def urlopen(self, request: Any, timeout: float) -> Answer:
        """Answer ``status``."""
        self.asked.append((request, timeout))
        return Answer(self.status)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    """``urllib.request.urlopen``, recording and answering as the test says."""
    opened = Opened()
    monkeypatch.setattr(urllib.request, "urlopen", opened.urlopen)
    return opened


def test_the_hand_over_is_one_post_with_the_key_and_the_settings(opened: Opened) -> None:
    """To the seat's door on its port, as JSON, the key as a token, ten seconds at most."""
    SEATS.hand_over("10.0.0.5", "k3y", {"JUPYTERHUB_USER": "Ada"})
    ((request, timeout),) = opened.asked
    assert (request.full_url, request.method, timeout) == (
        "http://10.0.0.5:8888/wiw-seat", "POST", 10.0,
    )  # fmt: skip
    assert json.loads(request.data) == {"env": {"JUPYTERHUB_USER": "Ada"}}
    assert dict(request.header_items()) == {
        "Authorization": "token k3y", "Content-type": "application/json",
    }  # fmt: skip
    opened.status = HTTPStatus.OK
    with pytest.raises(OSError, match=r"^the seat answered 200$"):
        SEATS.hand_over("10.0.0.5", "k3y", {})


def test_a_probe_asks_the_seats_address_for_two_seconds_at_most(
    opened: Opened, tmp_path: Path
) -> None:
    """GET on the seat's address on the class's network; 200 only is ready."""
    docker = Docker()
    pool = SEATS.SeatPool(docker, settings(tmp_path, ["sha256:one"]))
    seat = SEATS.Seat("s1", "c-s1", PREFIX + "s1", "sha256:one", 0)
    opened.status = HTTPStatus.OK
    assert pool.probe(seat) is True
    assert opened.asked == [("http://10.0.0.9:8888/wiw-seat", 2.0)]
    assert docker.called("inspect_container") == [(("c-s1",), {})]
    opened.status = HTTPStatus.NO_CONTENT
    assert pool.probe(seat) is False


def test_a_seat_is_ready_when_its_door_answers_ok_at_the_seats_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """200 at /wiw-seat: ready; another path's 200, a 404, a failed inspection or no one: not."""
    with serving(monkeypatch, StubServer()) as stub:
        monkeypatch.setattr(SEATS, "SEAT_PORT", stub.port)
        docker = Docker()
        docker.address = "127.0.0.1"
        pool = SEATS.SeatPool(docker, settings(tmp_path, ["sha256:one"]))
        seat = SEATS.Seat("s1", "c-s1", PREFIX + "s1", "sha256:one", 0)
        stub.routes["/other"] = (200, b"")
        assert pool.probe(seat) is False  # a 404
        stub.routes["/wiw-seat"] = (200, b"")
        assert pool.probe(seat) is True
        assert [path for path, _ in stub.seen] == ["/wiw-seat", "/wiw-seat"]
        docker.address = "127.0.0.2"  # nothing listens there
        assert pool.probe(seat) is False
        docker.inspect_container = None  # type: ignore[method-assign,assignment]
        assert pool.probe(seat) is False
