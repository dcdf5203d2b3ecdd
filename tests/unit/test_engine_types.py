"""The engine's records read into wiw's own types, and the plain data sent to it."""

from __future__ import annotations

import datetime
import time
from types import SimpleNamespace
from typing import Any

import pytest

from wiw.engine.types import ContainerSpec, Inventory, size_bytes, to_container_info

STARTED = datetime.datetime(
    2026, 12, 5, 17, 30, 15, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
)


def raw_container(**state: Any) -> SimpleNamespace:
    """A container record shaped as python-on-whales gives it."""
    mount = SimpleNamespace
    return SimpleNamespace(
        id="c0ffee",
        name="/wiw-x-hub",
        image="sha256:abc",
        state=SimpleNamespace(**{"running": True, "exit_code": None,
                                 "started_at": STARTED, **state}),
        config=SimpleNamespace(
            user="1000", env=["A=1", "B=x=y", "NOVALUE"], labels={"org.wiw.role": "hub"}
        ),
        host_config=SimpleNamespace(
            memory=512 * 2**20, pids_limit=256, cpu_quota=50000, nano_cpus=10**9,
            security_opt=["no-new-privileges"], cap_drop=["ALL"],
        ),
        mounts=[
            mount(type="volume", name="wiw-x-hub-state", source="/var/lib/x", destination="/srv"),
            mount(type="bind", name=None, source="/home/me/w", destination="/w"),
        ],
        network_settings=SimpleNamespace(
            ports={
                "8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}, {"HostPort": ""}],
                "9000/tcp": None,
                "7000/tcp": [{"HostPort": "7001"}],
            }
        ),
    )  # fmt: skip


def test_a_running_container_is_read_in_full() -> None:
    """Every field, with the name's slash gone, env split once, the start time in UTC."""
    info = to_container_info(raw_container())
    assert info.id == "c0ffee"
    assert info.name == "wiw-x-hub"
    assert info.image_id == "sha256:abc"
    assert (info.running, info.exit_code) == (True, None)
    assert info.started_at == "2026-12-05T16:30:15+00:00"
    assert info.user == "1000"
    assert info.env == {"A": "1", "B": "x=y"}
    assert info.labels == {"org.wiw.role": "hub"}
    assert (info.memory, info.pids_limit, info.cpu_quota, info.nano_cpus) == (
        512 * 2**20, 256, 50000, 10**9,
    )  # fmt: skip
    assert (info.security_opt, info.cap_drop) == (["no-new-privileges"], ["ALL"])
    assert [(m.type, m.source, m.target) for m in info.mounts] == [
        ("volume", "wiw-x-hub-state", "/srv"),
        ("bind", "/home/me/w", "/w"),
    ]
    assert info.ports == {
        "8000/tcp": [("127.0.0.1", 49153)],
        "9000/tcp": [],
        "7000/tcp": [("", 7001)],
    }
    assert (info.host_port(8000), info.host_port(7000), info.host_port(9000)) == (
        49153,
        7001,
        None,
    )
    assert info.host_port(1234) is None


def test_a_stopped_container_has_no_start_time_and_keeps_its_exit_code() -> None:
    """Stopped: not running, its exit code kept, no start time given."""
    info = to_container_info(raw_container(running=False, exit_code=137))
    assert (info.running, info.exit_code, info.started_at) == (False, 137, None)


@pytest.mark.parametrize(
    "started",
    [datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), None, "2026-12-05T16:30:15Z"],
)
def test_a_start_time_the_engine_never_set_is_none(started: object) -> None:
    """The engine's zero time ('0001-01-01') or no datetime at all: no start time."""
    assert to_container_info(raw_container(started_at=started)).started_at is None


def test_a_bare_record_reads_as_empty_values() -> None:
    """Missing user, env, labels, limits, mounts and ports read as empty, not as errors."""
    raw = raw_container()
    raw.config = SimpleNamespace(user=None, env=None, labels=None)
    raw.host_config = SimpleNamespace(
        memory=None, pids_limit=None, cpu_quota=None, nano_cpus=None,
        security_opt=None, cap_drop=None,
    )  # fmt: skip
    raw.mounts = None
    raw.network_settings = SimpleNamespace(ports=None)
    info = to_container_info(raw)
    assert (info.user, info.env, info.labels, info.memory) == ("", {}, {}, 0)
    assert (info.security_opt, info.cap_drop, info.mounts, info.ports) == ([], [], [], {})


def test_publish_arguments_leave_the_host_port_to_the_engine_when_unset() -> None:
    """``(ip, port, target)`` becomes ``ip:port`` and the target, ``ip:`` when no port."""
    spec = ContainerSpec(
        "img", "n", {}, publish=[("127.0.0.1", 8000, 80), ("0.0.0.0", None, 8888)]
    )
    assert spec.publish_args() == [("127.0.0.1:8000", "80"), ("0.0.0.0:", "8888")]


def test_an_inventory_lists_only_what_is_new_sorted_by_kind() -> None:
    """Each kind with something new, its names sorted; kinds with nothing new left out."""
    before = Inventory(frozenset({"c1"}), frozenset({"n1"}), frozenset(), frozenset({"i1"}))
    after = Inventory(
        frozenset({"c1", "c3", "c2"}),
        frozenset({"n1", "n2"}),
        frozenset({"v1"}),
        frozenset({"i1"}),
    )
    assert after.minus(before) == {
        "containers": ["c2", "c3"],
        "networks": ["n2"],
        "volumes": ["v1"],
    }
    assert before.minus(before) == {}
    assert Inventory(frozenset(), frozenset(), frozenset(), frozenset({"i2", "i1"})).minus(
        before
    ) == {"images": ["i2"]}


@pytest.mark.parametrize(("text", "size"), [("7iB", 7), ("2kiB", 2048), ("3 B", 3)])
def test_sizes_with_odd_units(text: str, size: int) -> None:
    """'kiB' is a KiB; a unit the pattern lets through but no engine prints counts as bytes."""
    assert size_bytes(text) == size


def test_the_start_time_is_in_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine set to another zone still reports UTC; a name loses only its leading '/'."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        raw = raw_container()
        raw.name = "/Xavier-hub"
        info = to_container_info(raw)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert info.started_at == "2026-12-05T16:30:15+00:00"
    assert info.name == "Xavier-hub"
