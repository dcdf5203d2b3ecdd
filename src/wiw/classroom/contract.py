"""The hub's container and the settings it is handed, decided once, here.

The hub runs ``jupyterhub/hub/jupyterhub_config.py`` inside the workshop image,
where wiw's package is not installed. Every name, label, path and setting it
needs is decided here (from :mod:`wiw.contract`, which both sides read) and
handed to the hub's container: settings
as ``WIW_*`` environment variables (read strictly: a missing one stops the
hub), secrets as files on the hub's state volume (never in the environment,
where ``docker inspect`` would show them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from wiw._version import __version__
from wiw.contract import (
    HOME,
    HUB_CONFIG,
    HUB_PORT,
    HUB_STATE,
    INSTRUCTOR,
    RUNTIME,
    SOCKET,
    STATE_DIR,
    seat_prefix,
)
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec

__all__ = [
    "HOME",
    "HUB_PORT",
    "HUB_STATE",
    "INSTRUCTOR",
    "STATE_DIR",
    "HubSettings",
    "Names",
    "hub_env",
    "hub_spec",
]


Auth = Literal["temporary", "shared-password"]
Backend = Literal["docker", "swarm"]


@dataclass(frozen=True)
class Names:
    """The names of a workshop's classroom objects."""

    workshop: str

    @property
    def network(self) -> str:
        """The classroom's network."""
        return f"wiw-{self.workshop}"

    @property
    def hub(self) -> str:
        """The hub's container."""
        return f"wiw-{self.workshop}-hub"

    @property
    def hub_volume(self) -> str:
        """The hub's state volume."""
        return f"wiw-{self.workshop}-hub"

    @property
    def home_prefix(self) -> str:
        """Learners' home volumes start with this."""
        return f"wiw-{self.workshop}-home-"

    @property
    def seat_prefix(self) -> str:
        """Seats' containers and home volumes start with this (never a learner's prefix)."""
        return seat_prefix(self.workshop)

    @property
    def home_template(self) -> str:
        """A learner's home volume, with DockerSpawner's ``{username}`` field."""
        return f"{self.home_prefix}{{username}}"

    @property
    def learner_template(self) -> str:
        """A learner's container, with DockerSpawner's ``{username}`` field."""
        return f"wiw-{self.workshop}-learner-{{username}}"


@dataclass(frozen=True)
class HubSettings:
    """What the hub needs to know that is not a secret, as plain data.

    Attributes:
        image: The image learners' servers start from.
        auth: How learners log in.
        max_learners: Servers running at once (0: no cap).
        concurrent_spawns: Servers starting at once.
        cull_after: Idle seconds before a learner's server is stopped.
        memory: Each learner's memory limit in bytes.
        cpus: Each learner's CPU limit in cores.
        pids: Each learner's process limit.
        backend: ``docker`` or ``swarm``.
        tls: Whether the hub serves HTTPS (its certificate is on the state volume).
        seats: Spare seats the hub keeps ready (learners' servers started ahead).
        short_url: Whether the proxy answers the class's short address.
    """

    image: str
    auth: Auth
    max_learners: int
    concurrent_spawns: int
    cull_after: int
    memory: int
    cpus: float
    pids: int
    backend: Backend
    tls: bool = False
    seats: int = 0
    short_url: bool = True


def hub_env(names: Names, settings: HubSettings) -> dict[str, str]:
    """Every setting the hub's configuration reads, as environment variables."""
    learner = _labels.labels_for(names.workshop, "learner", __version__)
    home = _labels.labels_for(names.workshop, "learner-home", __version__)
    return {
        "WIW_WORKSHOP": names.workshop,
        "WIW_IMAGE": settings.image,
        "WIW_NETWORK": names.network,
        "WIW_HUB_NAME": names.hub,
        "WIW_HUB_PORT": str(HUB_PORT),
        "WIW_STATE_DIR": STATE_DIR,
        "WIW_HOME": HOME,
        "WIW_LEARNER_NAME": names.learner_template,
        "WIW_HOME_VOLUME": names.home_template,
        "WIW_LEARNER_LABELS": json.dumps(learner, sort_keys=True),
        "WIW_HOME_LABELS": json.dumps(home, sort_keys=True),
        "WIW_LEARNER_LABEL": _labels.LEARNER,
        "WIW_AUTH": settings.auth,
        "WIW_MAX_LEARNERS": str(settings.max_learners),
        "WIW_CONCURRENT_SPAWNS": str(settings.concurrent_spawns),
        "WIW_CULL_AFTER": str(settings.cull_after),
        "WIW_MEM_LIMIT": str(settings.memory),
        "WIW_CPU_LIMIT": repr(float(settings.cpus)),
        "WIW_PIDS_LIMIT": str(settings.pids),
        "WIW_BACKEND": settings.backend,
        "WIW_TLS": "1" if settings.tls else "0",
        "WIW_INSTRUCTOR": INSTRUCTOR,
        "WIW_SEATS": str(settings.seats),
        "WIW_SHORT_URL": "1" if settings.short_url else "0",
    }


def hub_spec(
    names: Names,
    settings: HubSettings,
    *,
    bind: str,
    port: int | None,
    docker_socket: str = SOCKET,
    extra_env: Mapping[str, str] | None = None,
) -> ContainerSpec:
    """Decide the hub's container, as plain data.

    Args:
        names: The classroom's object names.
        settings: What the hub's configuration reads.
        bind: The host address to publish on (loopback, or all interfaces).
        port: The host port; None lets the engine pick one.
        docker_socket: The engine's socket on the host, mounted into the hub only.
        extra_env: More environment for the hub, e.g. a proxy's settings.
    """
    return ContainerSpec(
        image=settings.image,
        name=names.hub,
        labels=_labels.labels_for(names.workshop, "hub", __version__),
        command=(f"{RUNTIME}/bin/jupyterhub", "-f", HUB_CONFIG),
        publish=[(bind, port, HUB_PORT)],
        envs={**hub_env(names, settings), **(extra_env or {})},
        volumes=[(names.hub_volume, HUB_STATE), (docker_socket, SOCKET)],
        network=names.network,
        user="root",  # to reach the engine's socket; the hub runs no learner code
        workdir=HUB_STATE,
    )
