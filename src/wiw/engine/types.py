"""The plain data that crosses the engine boundary: specs going in, answers coming out."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ContainerInfo",
    "ContainerSpec",
    "ImageInfo",
    "Inventory",
    "JobSpec",
    "MountInfo",
    "NodeInfo",
    "size_bytes",
    "to_container_info",
]


@dataclass(frozen=True)
class ImageInfo:
    """What the engine says of one image, read once."""

    id: str
    tags: list[str]
    created: float
    size: int
    labels: dict[str, str]

    @property
    def name(self) -> str:
        """Its first tag, or its id when it has none."""
        return self.tags[0] if self.tags else self.id


@dataclass(frozen=True)
class MountInfo:
    """One mount of a container: a named volume or a host path."""

    type: str
    source: str
    target: str


@dataclass(frozen=True)
class ContainerInfo:
    """What the engine says of one container, read once."""

    id: str
    name: str
    image_id: str
    running: bool
    exit_code: int | None
    user: str
    env: dict[str, str]
    labels: dict[str, str]
    memory: int
    pids_limit: int | None
    cpu_quota: int | None
    nano_cpus: int | None
    security_opt: list[str]
    cap_drop: list[str]
    mounts: list[MountInfo]
    ports: dict[str, list[tuple[str, int]]]
    started_at: str | None = None  # ISO 8601, UTC, when it last started

    def host_port(self, container_port: int) -> int | None:
        """The host port ``container_port``/tcp is published on, if any."""
        bindings = self.ports.get(f"{container_port}/tcp", [])
        return bindings[0][1] if bindings else None


@dataclass(frozen=True)
class Inventory:
    """Everything on an engine, by name or id, for before/after comparisons."""

    containers: frozenset[str]
    networks: frozenset[str]
    volumes: frozenset[str]
    images: frozenset[str]

    def minus(self, before: Inventory) -> dict[str, list[str]]:
        """What is here and was not ``before``, by kind (only kinds with something new)."""
        found = {
            "containers": self.containers - before.containers,
            "networks": self.networks - before.networks,
            "volumes": self.volumes - before.volumes,
            "images": self.images - before.images,
        }
        return {kind: sorted(new) for kind, new in found.items() if new}


@dataclass(frozen=True)
class ContainerSpec:
    """Everything needed to create one container, as plain data."""

    image: str
    name: str
    labels: Mapping[str, str]
    command: Sequence[str] = ()
    publish: Sequence[tuple[str, int | None, int]] = ()
    envs: Mapping[str, str] = field(default_factory=dict)
    memory: str | None = None
    pids_limit: int | None = None
    volumes: Sequence[tuple[str, str]] = ()
    network: str | None = None
    user: str | None = None
    workdir: str | None = None
    entrypoint: str | None = None

    def publish_args(self) -> list[tuple[str, str]]:
        """Return the ``-p`` values for python-on-whales (``host_ip:port``, ``container``)."""
        return [
            (f"{ip}:{port if port is not None else ''}", str(target))
            for ip, port, target in self.publish
        ]


@dataclass(frozen=True)
class JobSpec:
    """A one-off task on one node of a swarm: runs once, its output read back, then removed."""

    image: str
    name: str
    labels: Mapping[str, str]
    node: str
    command: Sequence[str]
    volumes: Sequence[tuple[str, str]] = ()  # (volume, path), mounted read-only


@dataclass(frozen=True)
class NodeInfo:
    """A node of a swarm, as its manager sees it."""

    id: str
    hostname: str
    state: str  # ready, down, unknown, disconnected
    availability: str  # active, pause, drain

    @property
    def usable(self) -> bool:
        """Whether the node can run tasks now."""
        return self.state == "ready" and self.availability == "active"


_SIZE = re.compile(r"^\s*(?P<n>[\d.]+)\s*(?P<unit>[kKMGT]?i?B)?\s*$")
_UNITS = {"B": 1, "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KiB": 2**10, "kiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}  # fmt: skip


def size_bytes(text: str) -> int:
    """Bytes from a size as engines print them: ``628KiB`` (Docker), ``557.1kB`` (Podman)."""
    found = _SIZE.match(text)
    if found is None:
        return 0
    return round(float(found["n"]) * _UNITS.get(found["unit"] or "B", 1))


def _iso(moment: Any) -> str | None:
    """A timestamp as ISO 8601 in UTC, seconds only; None when the engine gave none."""
    if not isinstance(moment, datetime.datetime) or moment.year == 1:  # "0001-01-01": never
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")


def to_container_info(raw: Any) -> ContainerInfo:
    """Read python-on-whales' container record into wiw's own type."""
    host, config, state = raw.host_config, raw.config, raw.state
    ports: dict[str, list[tuple[str, int]]] = {}
    for key, bindings in (raw.network_settings.ports or {}).items():
        ports[str(key)] = [
            (str(b.get("HostIp", "")), int(b["HostPort"]))
            for b in bindings or []
            if b.get("HostPort")
        ]
    return ContainerInfo(
        id=str(raw.id),
        name=str(raw.name).lstrip("/"),
        image_id=str(raw.image),
        running=bool(state.running),
        exit_code=state.exit_code,
        started_at=_iso(state.started_at) if state.running else None,
        user=str(config.user or ""),
        env=dict(p.split("=", 1) for p in config.env or [] if "=" in p),
        labels=dict(config.labels or {}),
        memory=int(host.memory or 0),
        pids_limit=host.pids_limit,
        cpu_quota=host.cpu_quota,
        nano_cpus=host.nano_cpus,
        security_opt=[str(o) for o in host.security_opt or []],
        cap_drop=[str(c) for c in host.cap_drop or []],
        mounts=[
            MountInfo(str(m.type), str(m.name or m.source), str(m.destination))
            for m in raw.mounts or []
        ],
        ports=ports,
    )
