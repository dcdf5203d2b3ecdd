"""Seats: how many the hub keeps, which one a learner may take, and the seat's own door.

The hub's side (``jupyterhub/hub/wiw_seats.py``, ``jupyterhub/server/wiw_seat.py``)
runs here over the Docker API's answers as plain data and over a real
socket on loopback; ``tests/integration/test_seats.py`` runs a seated
class on a real engine.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.engine import free_port
from tests.support.fakeengine import FakeEngine
from tests.support.hubside import load_support_module
from wiw import errors
from wiw.classroom.contract import HUB_STATE, Names
from wiw.classroom.lifecycle import ClassroomOptions
from wiw.classroom.seats import Seats, read_seats, seat_homes, taken_seats
from wiw.contract import SEAT_LABEL
from wiw.engine.types import ContainerSpec
from wiw.planning import plan_classroom

SEATS = load_support_module("wiw_seats")
SEAT = load_support_module("wiw_seat")
PREFIX = "wiw-intro-seat-"


def listed(
    sid: str, *, name: str | None = None, image: str = "sha256:a", created: int = 1
) -> dict[str, Any]:
    """A seat's container as the engine's API lists it (``GET /containers/json``)."""
    labels = {SEAT_LABEL: sid, "org.wiw.role": "learner"}
    return {"Id": f"c-{sid}", "Names": [f"/{name or PREFIX + sid}"], "ImageID": image,
            "Created": created, "Labels": labels}  # fmt: skip


@given(
    spare=st.integers(0, 50), cap=st.integers(0, 60), learners=st.integers(0, 60),
    waiting=st.integers(0, 50), starting=st.integers(0, 50),
)  # fmt: skip
def test_seats_are_refilled_within_the_cap_a_few_at_a_time(
    spare: int, cap: int, learners: int, waiting: int, starting: int
) -> None:
    """Never more free seats than asked, nor beyond the cap; at most two starting at once."""
    starting = min(starting, waiting)
    more = SEATS.seats_to_start(
        spare=spare, cap=cap, learners=learners, waiting=waiting, starting=starting
    )
    assert more >= 0
    assert waiting + more <= max(waiting, spare)
    if cap:
        assert learners + waiting + more <= max(cap, learners + waiting)
    assert starting + more <= max(starting, SEATS.MAX_STARTING)


def test_a_class_that_keeps_five_seats() -> None:
    """Five asked: two start at a time; a full class keeps none; a cap of 0 means no cap."""
    assert SEATS.seats_to_start(spare=5, cap=10, learners=0, waiting=0, starting=0) == 2
    assert SEATS.seats_to_start(spare=5, cap=10, learners=0, waiting=4, starting=1) == 1
    assert SEATS.seats_to_start(spare=5, cap=10, learners=7, waiting=2, starting=0) == 1
    assert SEATS.seats_to_start(spare=5, cap=10, learners=10, waiting=0, starting=0) == 0
    assert SEATS.seats_to_start(spare=5, cap=0, learners=100, waiting=3, starting=0) == 2


def test_only_free_ready_seats_of_the_current_image_are_offered_oldest_first() -> None:
    """A taken seat (renamed), an old image's or one not answering yet is never offered."""
    seats = SEATS.seats_of([
        listed("b", created=2), listed("a", created=1), listed("old", image="sha256:0"),
        listed("taken", name="wiw-intro-learner-ada"), listed("cold"),
        {"Id": "c-x", "Names": ["/other"], "Labels": {}},
    ])  # fmt: skip
    assert [s.id for s in seats] == ["a", "cold", "old", "taken", "b"]  # by age, then id
    assert [s.id for s in SEATS.free(seats, "intro")] == ["a", "cold", "old", "b"]
    offered = SEATS.ready_seats(seats, "intro", "sha256:a", ready=["a", "b", "taken", "old"])
    assert [s.id for s in offered] == ["a", "b"]


def test_taken_seats_are_recorded_whole_and_read_back(tmp_path: Path) -> None:
    """Each record replaces the file at once (root-only); a seat handed back is forgotten."""
    assert SEATS.read_taken(tmp_path) == {}
    SEATS.record_taken(tmp_path, "a1", "Ada")
    SEATS.record_taken(tmp_path, "b2", "Émilie")
    assert SEATS.read_taken(tmp_path) == {"a1": "Ada", "b2": "Émilie"}
    assert (tmp_path / "seats-taken.json").stat().st_mode & 0o777 == 0o600
    SEATS.forget_taken(tmp_path, "a1")
    assert SEATS.read_taken(tmp_path) == {"b2": "Émilie"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seats-taken.json"]
    (tmp_path / "seats-taken.json").write_text("not json")
    assert SEATS.read_taken(tmp_path) == {}


def test_a_seat_has_the_confinement_of_every_learner() -> None:
    """No capabilities, no new privileges, the process limit: seats as learners."""
    assert SEATS.confinement(256) == {
        "pids_limit": 256, "security_opt": ["no-new-privileges:true"], "cap_drop": ["ALL"],
        "cpu_shares": 1024,
    }  # fmt: skip
    assert SEATS.SEAT_SHARES < SEATS.LEARNER_SHARES / 100  # free seats yield the CPUs


def test_the_key_and_address_come_from_docker_inspect() -> None:
    """What the spawner reads of a seat: its address on the class's network, its key."""
    inspected = {
        "NetworkSettings": {"Networks": {"wiw-intro": {"IPAddress": "172.20.0.5"}}},
        "Config": {"Env": ["PATH=/bin", "WIW_SEAT_KEY=k=ey", "HOME=/home/learner"]},
    }
    assert SEATS.seat_address(inspected, "wiw-intro") == "172.20.0.5"
    assert SEATS.seat_key(inspected) == "k=ey"
    assert SEATS.seat_key({"Config": {"Env": None}}) == ""


@pytest.fixture
def waiting_seat() -> Iterator[tuple[Any, int]]:
    """A seat's door on a loopback port, answering in a thread until the test ends."""
    port = free_port()
    seat = SEAT.Waiting("the-key", port=port)
    seat.server_address = ("127.0.0.1", port)
    thread = threading.Thread(target=seat.serve_forever, daemon=True)
    thread.start()
    try:
        yield seat, port
    finally:
        seat.shutdown()
        seat.server_close()


def ask(port: int, method: str, path: str, body: bytes = b"", key: str = "") -> int:
    """One request to the seat; its status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"token {key}"} if key else {}
    connection.request(method, path, body=body or None, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def taken_by(seat: Any) -> dict[str, str] | None:
    """The settings a seat took, if any."""
    learner: dict[str, str] | None = seat.learner
    return learner


def test_the_seat_takes_its_learner_only_with_its_key_and_only_once(
    waiting_seat: tuple[Any, int],
) -> None:
    """Anyone may ask if it is ready; only the key hands a learner over, and only one learner."""
    seat, port = waiting_seat
    learner = json.dumps({"env": {"JUPYTERHUB_USER": "Ada"}}).encode()
    assert ask(port, "GET", "/wiw-seat") == 200
    assert ask(port, "GET", "/other") == 404
    assert ask(port, "POST", "/wiw-seat", learner) == 403
    assert ask(port, "POST", "/wiw-seat", learner, key="the-ke") == 403
    assert ask(port, "POST", "/wiw-seat", b"[1]", key="the-key") == 400
    assert ask(port, "POST", "/wiw-seat", b'{"env": {"A": 1}}', key="the-key") == 400
    assert taken_by(seat) is None
    assert ask(port, "POST", "/wiw-seat", learner, key="the-key") == 202
    assert taken_by(seat) == {"JUPYTERHUB_USER": "Ada"}
    other = json.dumps({"env": {"JUPYTERHUB_USER": "Eve"}}).encode()
    assert ask(port, "POST", "/wiw-seat", other, key="the-key") == 409
    assert taken_by(seat) == {"JUPYTERHUB_USER": "Ada"}


def test_the_hub_hands_a_learner_over(waiting_seat: tuple[Any, int]) -> None:
    """``hand_over`` (the spawner's side) is what the seat's door takes."""
    seat, port = waiting_seat
    SEATS.hand_over("127.0.0.1", "the-key", {"JUPYTERHUB_USER": "Grace"}, port=port)
    with pytest.raises(OSError, match="409"):
        SEATS.hand_over("127.0.0.1", "the-key", {"JUPYTERHUB_USER": "Eve"}, port=port)
    assert seat.learner == {"JUPYTERHUB_USER": "Grace"}


def test_extensions_enabled_in_the_server_configuration(tmp_path: Path) -> None:
    """The seat imports the extensions the server will load: enabled ones only."""
    (tmp_path / "a.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"jupyterlab": True, "off": False}}}))  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"jupyter_lsp": True}}}))  # fmt: skip
    (tmp_path / "broken.json").write_text("{")
    assert SEAT.extensions(tmp_path) == ["jupyter_lsp", "jupyterlab"]


def test_warming_up_never_imports_jupyterhub(tmp_path: Path) -> None:
    """JupyterHub's modules read the learner's settings when imported: never ahead of them."""
    assert SEAT.HUB not in SEAT.requirement_modules("wiw")
    assert "jupyterhub" not in [m.split(".")[0] for m in SEAT.SERVER_MODULES]
    assert {"rich", "qrcode"} <= set(SEAT.requirement_modules("wiw"))  # wiw's own, as a sample
    assert SEAT.requirement_modules("no-such-distribution") == []


def test_seat_homes_are_learners_only_once_taken() -> None:
    """A taken seat's home is its learner's; a free seat's and a look-alike are nobody's."""
    names = Names("intro")
    volumes = {
        f"{PREFIX}a1": {SEAT_LABEL: "a1"},
        f"{PREFIX}b2": {SEAT_LABEL: "b2"},
        "wiw-intro-home-seat-c3": {SEAT_LABEL: "c3"},
        f"{PREFIX}d4": {},  # named as a seat's home, but no seat's label
    }
    taken = {"a1": "Ada", "c3": "Eve", "d4": "Grace"}
    assert seat_homes(volumes, names, taken) == {"Ada": f"{PREFIX}a1"}


def test_the_seats_status_as_the_hub_writes_it() -> None:
    """``seats.json`` read back; total counts free and taken seats."""
    seats = Seats.from_json('{"ready": 3, "starting": 1, "taken": 4, "spare": 5, "ready_ids": []}')
    assert seats == Seats(ready=3, starting=1, taken=4, spare=5)
    assert seats.to_dict() == {"ready": 3, "taken": 4, "total": 8, "starting": 1, "spare": 5}


def test_seats_are_within_the_cap_on_either_backend() -> None:
    """More seats than the cap are refused with a hint; a Swarm class keeps seats too."""
    assert ClassroomOptions(max_learners=10, seats=10).seats == 10
    with pytest.raises(errors.InvalidOption, match="seats") as refused:
        ClassroomOptions(max_learners=10, seats=11)
    assert refused.value.hint
    assert ClassroomOptions(seats=2, backend="swarm").seats == 2
    with pytest.raises(errors.InvalidOption, match="seats"):
        ClassroomOptions(max_learners=3, seats=4, backend="swarm")


def test_the_plan_counts_the_seats() -> None:
    """Seats hold memory beside the learners; the plan says how many fit."""
    alone = plan_classroom(learners=10, host_memory=8 * 2**30, host_cpus=2)
    room = alone.fit - 10
    fits = plan_classroom(learners=10, host_memory=8 * 2**30, host_cpus=2, seats=room)
    assert fits.fits
    assert f"10 learners and {room} seats fit" in fits.summary()
    over = plan_classroom(learners=10, host_memory=8 * 2**30, host_cpus=2, seats=room + 1)
    assert not over.fits
    assert f"only {room} seats fit beside the learners" in over.summary()


def test_a_class_list_holds_names_people_can_have_each_once() -> None:
    """Names of any script are listed as written; a name twice, in any case, is refused."""
    listed = ("Ada Lovelace", "Émilie du Châtelet", "李白")
    assert ClassroomOptions(roster=listed).roster == listed
    for bad, why in [
        (("Ada", "ADA"), "on the list already, as 'Ada'"),
        (("Ada  Lovelace",), "single spaces"),
        (("instructor",), "taken"),
        (("x" * 41,), "at most 40"),
        (("<script>",), "letters, digits"),
    ]:
        with pytest.raises(errors.InvalidOption, match=why) as refused:
            ClassroomOptions(roster=bad)
        assert "one name per line" in refused.value.hint
    with pytest.raises(errors.InvalidOption, match="not with a class password"):
        ClassroomOptions(roster=("Ada",), auth="shared-password", password="s3cret-word")


class FakeDocker:
    """The Docker API calls the seat service makes, over containers and volumes held here."""

    def __init__(self, answering: set[str]) -> None:
        self.containers_: dict[str, dict[str, Any]] = {}
        self.volumes_: dict[str, dict[str, str]] = {}
        self.removed: list[str] = []
        self.answering = answering  # seats whose process waits (by id)

    def containers(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[Any]:
        """Containers carrying every label of the filter."""
        wanted = (filters or {}).get("label", [])

        def has(labels: dict[str, str], rule: str) -> bool:
            key, _, value = rule.partition("=")
            return key in labels and (not value or labels[key] == value)

        return [c for c in self.containers_.values()
                if all or c["running"]
                if all_of(has(c["Labels"], r) for r in wanted)]  # fmt: skip

    def volumes(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        """Volumes, by name or label, as the API lists them."""
        found = [{"Name": n, "Labels": labels} for n, labels in self.volumes_.items()]
        if name := (filters or {}).get("name"):
            found = [v for v in found if v["Name"] == name]
        return {"Volumes": found}

    def create_volume(self, name: str, labels: dict[str, str]) -> dict[str, Any]:
        """Make a volume."""
        self.volumes_[name] = labels
        return {"Name": name}

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        """The host config, as given."""
        return kwargs

    def create_container(self, **kwargs: Any) -> dict[str, Any]:
        """Make a container (not started)."""
        cid = f"c{len(self.containers_)}"
        self.containers_[cid] = {"Id": cid, "Names": [f"/{kwargs['name']}"], "running": False,
                                 "ImageID": kwargs["image"], "Created": len(self.containers_),
                                 "Labels": kwargs["labels"], "spec": kwargs}  # fmt: skip
        return {"Id": cid}

    def start(self, cid: str) -> None:
        """Start it."""
        self.containers_[cid]["running"] = True

    def remove_container(self, cid: str, force: bool = False) -> None:
        """Remove it."""
        self.removed.append(cid)
        del self.containers_[cid]

    def inspect_container(self, cid: str) -> dict[str, Any]:
        """Its address on the class's network."""
        return {"NetworkSettings": {"Networks": {"wiw-intro": {"IPAddress": f"10.0.0.{cid}"}}}}


def all_of(checks: Any) -> bool:
    """Every check holds (``all`` is the name of a parameter of the API's, above)."""
    return all(checks)


@pytest.fixture
def pool(tmp_path: Path) -> tuple[Any, FakeDocker, list[str]]:
    """A seat service keeping 3 seats in a class capped at 4, over a fake engine."""
    image = ["sha256:one"]
    env = {"WIW_WORKSHOP": "intro", "WIW_NETWORK": "wiw-intro", "WIW_STATE_DIR": str(tmp_path),
           "WIW_SEATS": "3", "WIW_MAX_LEARNERS": "4", "WIW_MEM_LIMIT": str(2**30),
           "WIW_CPU_LIMIT": "1.0", "WIW_PIDS_LIMIT": "256",
           "WIW_LEARNER_LABELS": json.dumps({"org.wiw.workshop": "intro",
                                             "org.wiw.role": "learner"}),
           "WIW_HOME_LABELS": json.dumps({"org.wiw.workshop": "intro",
                                          "org.wiw.role": "learner-home"})}  # fmt: skip
    docker = FakeDocker(answering=set())
    service = SEATS.SeatPool(docker, SEATS.Settings.from_env(env, lambda: image[0]))
    service.probe = lambda seat: seat.id in docker.answering
    return service, docker, image


def test_the_service_fills_seats_two_at_a_time_and_reports_them(
    pool: tuple[Any, FakeDocker, list[str]], tmp_path: Path
) -> None:
    """Confined like learners, lowest CPU weight, home labelled; ready once they answer."""
    service, docker, _ = pool
    status = service.tick()
    assert (status["starting"], status["ready"]) == (2, 0)
    made = list(docker.containers_.values())
    spec = made[0]["spec"]
    assert spec["host_config"]["cap_drop"] == ["ALL"]
    assert spec["host_config"]["cpu_shares"] == SEATS.SEAT_SHARES
    assert spec["host_config"]["mem_limit"] == 2**30
    assert spec["command"] == SEATS.seat_command()
    assert spec["environment"]["WIW_SEAT_KEY"]
    assert len({c["spec"]["environment"]["WIW_SEAT_KEY"] for c in made}) == 2  # a key each
    sid = made[0]["Labels"][SEAT_LABEL]
    assert docker.volumes_[PREFIX + sid][SEAT_LABEL] == sid
    docker.answering |= {c["Labels"][SEAT_LABEL] for c in made}
    status = service.tick()
    assert (status["ready"], status["starting"]) == (2, 1)
    assert json.loads((tmp_path / "seats.json").read_text())["ready"] == 2


def test_taken_seats_count_against_the_cap_and_old_images_are_retired(
    pool: tuple[Any, FakeDocker, list[str]],
) -> None:
    """A taken seat is the learner's; seats of an image 'wiw update' replaced go."""
    service, docker, image = pool
    service.tick()
    service.tick()
    first = next(iter(docker.containers_.values()))
    first["Names"] = ["/wiw-intro-learner-ada"]  # taken: renamed to its learner's
    docker.answering |= {c["Labels"][SEAT_LABEL] for c in docker.containers_.values()}
    status = service.tick()
    assert status["ready"] + status["starting"] == 3  # cap 4, one learner: 3 free seats
    image[0] = "sha256:two"
    before = set(docker.containers_)
    service.tick()
    assert set(docker.removed) == before - {first["Id"]}  # the learner's container stays
    assert first["Id"] in docker.containers_


def test_a_free_seats_home_is_used_again_never_a_taken_one(
    pool: tuple[Any, FakeDocker, list[str]], tmp_path: Path
) -> None:
    """After 'wiw down', a new seat takes a free seat's home; a learner's home never."""
    service, docker, _ = pool
    docker.volumes_ = {f"{PREFIX}free1": {SEAT_LABEL: "free1"},
                       f"{PREFIX}ada1": {SEAT_LABEL: "ada1"}}  # fmt: skip
    SEATS.record_taken(tmp_path, "ada1", "Ada")
    service.tick()
    used = sorted(c["Labels"][SEAT_LABEL] for c in docker.containers_.values())
    assert "free1" in used
    assert "ada1" not in used


def test_the_spawner_is_offered_ready_seats_of_its_image_as_docker_inspect_shows_them(
    tmp_path: Path,
) -> None:
    """Oldest first; a seat gone between the listing and its inspection is skipped."""
    listed_now = [listed("b", created=2), listed("a", created=1), listed("gone", created=3),
                  listed("old", image="sha256:0"), listed("cold", created=4),
                  listed("late", created=5)]  # fmt: skip
    ready = ["a", "b", "gone", "old", "late"]
    (tmp_path / "seats.json").write_text(json.dumps({"ready_ids": ready}))
    asked: list[tuple[str, Any]] = []

    async def call(method: str, *args: Any, **kwargs: Any) -> Any:
        asked.append((method, args or kwargs))
        if method == "containers":
            return listed_now
        assert method == "inspect_container"
        if args[0] == "c-gone":
            raise RuntimeError("no such container")
        return {"Id": args[0], "Name": "/seat"}

    async def offered() -> list[str]:
        seats = SEATS.take_seat(call, labels={"org.wiw.workshop": "intro"}, workshop="intro",
                                image="sha256:a", state_dir=tmp_path)  # fmt: skip
        return [seat["Id"] async for seat in seats]

    assert asyncio.run(offered()) == ["c-a", "c-b", "c-late"]  # the one gone skipped
    wanted = {"label": [SEAT_LABEL, "org.wiw.workshop=intro"]}
    assert asked == [("containers", {"filters": wanted}), *(
        ("inspect_container", (f"c-{sid}",)) for sid in ("a", "b", "gone", "late"))]  # fmt: skip
    assert SEATS.read_ready(tmp_path) == ready
    (tmp_path / "seats.json").write_text("[]")
    assert SEATS.read_ready(tmp_path) == []
    assert asyncio.run(offered()) == []


def hub_with(files: dict[str, str]) -> tuple[FakeEngine, Names]:
    """A class's hub whose volume holds ``files`` (in wiw's folder on it)."""
    fake, names = FakeEngine(), Names("intro")
    ref = "wiw/intro:latest"
    fake.add_image(ref)
    fake.container_create(
        ContainerSpec(ref, names.hub, {}, volumes=[(names.hub_volume, HUB_STATE)])
    )
    for name, text in files.items():
        fake.put_file(names.hub_volume, f"/wiw/{name}", text.encode())
    return fake, names


def test_the_seats_are_read_from_the_hubs_volume_as_the_service_wrote_them() -> None:
    """seats.json, read from the hub; a class that keeps none has no such file."""
    fake, names = hub_with({"seats.json": '{"ready": 2, "starting": 1, "taken": 3, "spare": 4}'})
    assert read_seats(fake, names) == Seats(ready=2, starting=1, taken=3, spare=4)
    assert read_seats(*hub_with({})) is None
    assert read_seats(*hub_with({"seats.json": ""})) is None


def test_a_count_the_hub_did_not_write_reads_as_zero() -> None:
    """A count the hub did not write is 0; counts written as text are read as numbers."""
    assert Seats.from_json('{"ready": "2"}') == Seats(ready=2, starting=0, taken=0, spare=0)
    assert Seats.from_json("{}").total == 0
    assert Seats(ready=1, starting=2, taken=4, spare=3).total == 7


def test_whose_each_taken_seat_is_is_read_from_the_hub_or_its_volume() -> None:
    """From the running hub; once it is gone, from its volume (through the image given)."""
    fake, names = hub_with({"seats-taken.json": '{"a1": "Ada", "b2": 7}'})
    images: list[str] = []

    def image() -> str:
        images.append("asked")
        return "wiw/intro:latest"

    assert taken_seats(fake, names, image) == {"a1": "Ada", "b2": "7"}
    assert images == []  # the hub answered
    fake.container_remove(names.hub)
    assert taken_seats(fake, names, image) == {"a1": "Ada", "b2": "7"}
    assert images == ["asked"]
    assert list(fake.containers) == []  # the helper that read it is gone


@pytest.mark.parametrize("text", [None, "", "[1, 2]", '"a1"'])
def test_no_taken_seat_is_read_from_a_missing_or_odd_file(text: str | None) -> None:
    """No file, an empty one, or one that holds no mapping: no seat was taken."""
    fake, names = hub_with({} if text is None else {"seats-taken.json": text})
    assert taken_seats(fake, names, lambda: "wiw/intro:latest") == {}
