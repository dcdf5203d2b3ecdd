"""Seats on a swarm (``jupyterhub/hub/wiw_seats.py``): services spread over the nodes.

The seat service's calls go to a Swarm API held in memory (services and
nodes), recorded with their arguments, so that a seat's service (its node,
limits, labels, home, entry point and key) and what counts as free are
checked exactly. ``tests/integration/test_multinode.py`` runs seats on a
swarm of three engines.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_seat_pool import ENV as ONE_ENGINE
from tests.unit.test_seat_pool import HOME, LEARNER, PREFIX, SEATS
from tests.unit.test_swarm_pinning import node
from wiw.contract import SEAT_LABEL

ENV = {**ONE_ENGINE, "WIW_MAX_LEARNERS": "6"}
IMAGE = "localhost:5000/wiw/intro:1"


def service(
    sid: str, name: str, labels: dict[str, str], *, node_id: str = "n1", image: str = IMAGE,
    created: str = "2026-12-06T04:00:00.123456789Z", env: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A service as the Docker API lists it."""
    return {"ID": sid, "CreatedAt": created, "Spec": {
        "Name": name, "Labels": labels,
        "TaskTemplate": {"ContainerSpec": {"Image": image, "Env": env or []},
                         "Placement": {"Constraints": [f"node.id=={node_id}"]}},
    }}  # fmt: skip


class Swarm:
    """The Swarm API calls the service makes, recorded, over services and nodes held here."""

    def __init__(self) -> None:
        self.services_: dict[str, dict[str, Any]] = {}
        self.nodes_ = [node("n1", "manager"), node("n2", "worker-a"), node("n3", "worker-b")]
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.made = 0

    def services(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Services carrying every label of the filter (``key`` or ``key=value``)."""
        assert set(filters or {}) <= {"label"}, f"unknown filter {filters}"
        self.calls.append(("services", {"filters": filters}))
        rules = [r.partition("=") for r in (filters or {}).get("label", [])]
        return [json.loads(json.dumps(s)) for s in self.services_.values()
                if all(k in s["Spec"]["Labels"] and (not eq or s["Spec"]["Labels"][k] == v)
                       for k, eq, v in rules)]  # fmt: skip

    def nodes(self) -> list[dict[str, Any]]:
        """The swarm's nodes."""
        self.calls.append(("nodes", {}))
        return list(self.nodes_)

    def create_service(self, **spec: Any) -> dict[str, str]:
        """Make a service (its task follows on its node)."""
        self.calls.append(("create_service", spec))
        sid = f"svc{self.made}"
        self.made += 1
        self.services_[sid] = {"ID": sid, "CreatedAt": f"2026-12-06T05:00:{self.made:02}Z",
                               "Spec": {"Name": spec["name"], "Labels": spec["labels"],
                                        "TaskTemplate": spec["task_template"]}}  # fmt: skip
        return {"ID": sid}

    def remove_service(self, sid: str) -> bool:
        """Remove a service."""
        self.calls.append(("remove_service", {"sid": sid}))
        del self.services_[sid]
        return True

    def called(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call of ``method``."""
        return [kwargs for name, kwargs in self.calls if name == method]


def pool(tmp_path: Path, image: list[str] | None = None) -> tuple[Any, Swarm]:
    """A swarm's seat service keeping 3 seats in a class capped at 6, and its swarm."""
    swarm = Swarm()
    images = image or [IMAGE]
    settings = SEATS.Settings.from_env({**ENV, "WIW_STATE_DIR": str(tmp_path)}, lambda: images[0])
    return SEATS.SwarmSeatPool(swarm, settings), swarm


def test_a_swarm_class_keeps_its_seats_as_services() -> None:
    """WIW_BACKEND picks the keeper: services on a swarm, containers otherwise."""
    assert SEATS.pool_class({"WIW_BACKEND": "swarm"}) is SEATS.SwarmSeatPool
    assert SEATS.pool_class({"WIW_BACKEND": "docker"}) is SEATS.SeatPool
    assert SEATS.pool_class({}) is SEATS.SeatPool
    assert issubclass(SEATS.SwarmSeatPool, SEATS.SeatPool)


def test_a_seats_service_is_a_learners_on_the_emptiest_node(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its node (fewest learners and seats), limits, labels, home, entry point kept, key."""
    keeper, swarm = pool(tmp_path)
    swarm.services_["a"] = service("a", "wiw-intro-x1", LEARNER, node_id="n1")
    swarm.services_["b"] = service("b", PREFIX + "s2", {**LEARNER, SEAT_LABEL: "s2"}, node_id="n3")
    with caplog.at_level(logging.INFO, logger="wiw-seats"):
        sid = keeper.start_seat(IMAGE)
    assert caplog.messages == [f"started seat {sid} on node n2"]
    assert re.fullmatch(r"[0-9a-f]{12}", sid)
    ((spec),) = swarm.called("create_service")
    env = spec["task_template"]["ContainerSpec"]["Env"]
    assert len(env) == 1
    key = env[0].removeprefix("WIW_SEAT_KEY=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)
    labels = {**LEARNER, SEAT_LABEL: sid}
    assert spec == {
        "name": PREFIX + sid, "labels": labels,
        "task_template": {
            "ContainerSpec": {
                "Image": IMAGE, "Args": ["/opt/wiw/bin/python", "/usr/local/bin/wiw-seat"],
                "Labels": labels, "Env": [f"WIW_SEAT_KEY={key}"], "CapabilityDrop": ["ALL"],
                "Mounts": [{"Type": "volume", "Source": PREFIX + sid, "Target": "/home/learner",
                            "VolumeOptions": {"Labels": {**HOME, SEAT_LABEL: sid}}}],
            },
            "Resources": {"Limits": {"NanoCPUs": 1_500_000_000, "MemoryBytes": 2**30}},
            "Placement": {"Constraints": ["node.id==n2"]},  # the one node without a server
            "Networks": [{"Target": "wiw-intro"}],
        },
        "endpoint_spec": {"Mode": "dnsrr"},
    }  # fmt: skip
    keeper.start_seat(IMAGE)
    keeper.start_seat(IMAGE)
    placed = [
        s["task_template"]["Placement"]["Constraints"] for s in swarm.called("create_service")
    ]
    # Each node holds one: the first by hostname (manager), then the emptiest again.
    assert placed[1:] == [["node.id==n1"], ["node.id==n2"]]
    keys = {s["task_template"]["ContainerSpec"]["Env"][0] for s in swarm.called("create_service")}
    assert len(keys) == 3  # a key of its own


def test_seats_go_only_to_nodes_that_can_run_them(tmp_path: Path) -> None:
    """A drained or down node gets none; with no node left, the look fails and says why."""
    keeper, swarm = pool(tmp_path)
    swarm.nodes_ = [node("n1", "manager", availability="drain"), node("n2", "a", state="down"),
                    node("n3", "b")]  # fmt: skip
    keeper.start_seat(IMAGE)
    spec = swarm.called("create_service")[0]
    assert spec["task_template"]["Placement"]["Constraints"] == ["node.id==n3"]
    swarm.nodes_ = swarm.nodes_[:2]
    with pytest.raises(RuntimeError) as none:
        keeper.start_seat(IMAGE)
    assert str(none.value) == "no node of the swarm can start a seat now"
    assert len(swarm.called("create_service")) == 1


def test_a_taken_seat_keeps_its_name_and_is_told_by_the_record(tmp_path: Path) -> None:
    """Free seats are those seats-taken.json does not name; learners count taken seats."""
    keeper, swarm = pool(tmp_path)
    for sid in ("s1", "s2", "s3"):
        swarm.services_[sid] = service(sid, PREFIX + sid, {**LEARNER, SEAT_LABEL: sid})
    swarm.services_["own"] = service("own", "wiw-intro-ab12", LEARNER)
    swarm.services_["own2"] = service("own2", "wiw-intro-cd34", LEARNER)
    swarm.services_["other"] = service("other", "wiw-x-seat-s9", {"org.wiw.workshop": "x",
                                       "org.wiw.role": "learner", SEAT_LABEL: "s9"})  # fmt: skip
    SEATS.record_taken(tmp_path, "s2", "Ada")
    listed = keeper.listed()
    assert [s.id for s in listed] == ["s1", "s2", "s3"]
    assert [s.id for s in keeper.free_seats(listed)] == ["s1", "s3"]
    assert keeper.learners_running() == 3  # Ada's seat and two learners' own services
    assert swarm.called("services")[0] == {"filters": {"label": [
        SEAT_LABEL, "org.wiw.role=learner", "org.wiw.workshop=intro"]}}  # fmt: skip
    assert swarm.called("services")[-1] == {"filters": {"label": [
        "org.wiw.role=learner", "org.wiw.workshop=intro"]}}  # fmt: skip
    assert keeper.address(listed[0]) == PREFIX + "s1"  # the class's network resolves it


def test_a_swarm_look_starts_seats_retires_old_ones_and_never_a_taken_one(tmp_path: Path) -> None:
    """'wiw update' switched the image: free seats of the old one go, a taken one stays."""
    images = [IMAGE]
    keeper, swarm = pool(tmp_path, images)
    keeper.probe = lambda seat: True
    keeper.tick()
    keeper.tick()
    assert len(swarm.services_) == 3
    first = min(swarm.services_)
    SEATS.record_taken(tmp_path, swarm.services_[first]["Spec"]["Labels"][SEAT_LABEL], "Ada")
    images[0] = "localhost:5000/wiw/intro:2"
    status = keeper.tick()
    assert [c["sid"] for c in swarm.called("remove_service")] == ["svc1", "svc2"]
    assert first in swarm.services_  # Ada's
    assert (status["taken"], status["ready"], status["starting"]) == (1, 0, 2)


def test_services_are_read_as_seats_whatever_the_listing_leaves_out() -> None:
    """A seat's id, service, name, image (digest left out) and age; others are no seats."""
    seats = SEATS.service_seats([
        service("b", "seat-b", {SEAT_LABEL: "sb"}, image=f"{IMAGE}@sha256:ab",
                created="2026-12-06T04:00:02.5Z"),
        service("a", "seat-a", {SEAT_LABEL: "sa"}, created="2026-12-06T04:00:01Z"),
        service("c", "own", {}),
        {"ID": "d", "Spec": {"Labels": {SEAT_LABEL: "sd"}}},
        {"ID": "e", "Spec": {"Labels": None}},
        {"ID": "f"},
    ])  # fmt: skip
    assert seats == [
        SEATS.Seat("sd", "d", "", "", 0),
        SEATS.Seat("sa", "a", "seat-a", IMAGE, 1_796_529_601),
        SEATS.Seat("sb", "b", "seat-b", IMAGE, 1_796_529_602),
    ]


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The hub's clock set to another time zone than the engine's UTC stamps."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("new_york")
def test_a_seats_age_is_read_in_utc_whatever_the_hubs_time_zone() -> None:
    """The engine stamps in UTC: the same second since the epoch in any zone."""
    (seat,) = SEATS.service_seats([service("a", "seat-a", {SEAT_LABEL: "sa"},
                                           created="2026-12-06T04:00:01Z")])  # fmt: skip
    assert seat.created == 1_796_529_601


def test_a_services_node_and_key_come_from_its_spec() -> None:
    """The node.id constraint (spaces allowed) and the seat's key; empty when absent."""
    found = service("x", "seat-x", {}, node_id="n7", env=["A=1", "WIW_SEAT_KEY=k=ey"])
    assert SEATS.service_node(found) == "n7"
    assert SEATS.service_key(found) == "k=ey"
    spaced = {"Spec": {"TaskTemplate": {"Placement": {"Constraints": [
        "node.role == manager", "node.id == n9"]}}}}  # fmt: skip
    assert SEATS.service_node(spaced) == "n9"
    assert SEATS.service_node({"Spec": {"TaskTemplate": {}}}) == ""
    assert SEATS.service_node({}) == ""
    assert SEATS.service_key({}) == ""


def test_the_spawner_is_offered_free_ready_seats_of_its_image_oldest_first(
    tmp_path: Path,
) -> None:
    """Taken, not yet answering or of another image: not offered; digests do not matter."""
    swarm = Swarm()
    for sid, created, image in [("s1", "03", IMAGE), ("s2", "01", f"{IMAGE}@sha256:f"),
                                ("s3", "02", IMAGE), ("s4", "00", "other:1"),
                                ("s5", "04", IMAGE)]:  # fmt: skip
        labels = {**LEARNER, SEAT_LABEL: sid}
        stamp = f"2026-12-06T04:00:{created}Z"
        swarm.services_[sid] = service(sid, PREFIX + sid, labels, image=image, created=stamp)
    SEATS.record_taken(tmp_path, "s3", "Ada")
    SEATS.write_json(tmp_path / "seats.json", {"ready_ids": ["s1", "s2", "s3", "s4"]})

    async def call(method: str, **kwargs: Any) -> Any:
        return getattr(swarm, method)(**kwargs)

    async def offered(image: str) -> list[str]:
        seats = SEATS.take_service_seat(call, labels=LEARNER, image=image, state_dir=tmp_path)
        return [s["ID"] async for s in seats]

    assert asyncio.run(offered(IMAGE)) == ["s2", "s1"]
    assert asyncio.run(offered(f"{IMAGE}@sha256:f")) == ["s2", "s1"]
    assert swarm.called("services")[0] == {"filters": {"label": [
        SEAT_LABEL, "org.wiw.role=learner", "org.wiw.workshop=intro"]}}  # fmt: skip
