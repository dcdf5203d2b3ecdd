"""The engine as the rest of wiw sees it: typed protocols, one per kind of resource.

:class:`ContainerEngine` is every protocol together. wiw's :class:`~wiw.engine.Engine`
drives a real Docker or Podman and satisfies it; a test may pass anything else
that does (the fake engine of wiw's own tests records every call and can be
told to fail). Code above the engine boundary is typed against these
protocols, never against the concrete class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from wiw.engine.types import ContainerInfo, ContainerSpec, ImageInfo, Inventory, JobSpec, NodeInfo
from wiw.waiting import Deadline

__all__ = ["ContainerEngine", "Containers", "Host", "Images", "LogStream", "Storage", "Swarm"]


class LogStream(Protocol):
    """A container's output, read line by line as it is written."""

    @property
    def seen(self) -> Sequence[str]:
        """The latest lines read."""
        ...

    @property
    def ended(self) -> bool:
        """Whether the container's output has ended."""
        ...

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """Yield new lines until the stream ends or ``deadline`` passes."""
        ...

    def close(self) -> None:
        """Stop following."""
        ...


class Host(Protocol):
    """What every engine answers: who it is, whether it answers, the host's size."""

    client_call: list[str]

    @property
    def is_podman(self) -> bool:
        """Whether the client is podman (which builds without buildx)."""
        ...

    @property
    def has_buildx(self) -> bool:
        """Whether ``docker buildx`` is available to build with BuildKit."""
        ...

    def api_socket(self) -> str:
        """The path of this engine's API socket on its machine, for the classroom's hub."""
        ...

    def ping(self) -> None:
        """Check that the engine answers, raising the matching error if not."""
        ...

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "run"
    ) -> Iterator[str]:
        """Run a client command and yield its output lines (stdout and stderr merged)."""
        ...

    def data_root(self) -> str | None:
        """Return the engine's data directory, for disk checks."""
        ...

    def host_resources(self) -> tuple[int, int]:
        """Return the engine's total memory in bytes and its CPU count."""
        ...


class Images(Protocol):
    """What an engine does with images."""

    def image_info(self, ref: str) -> ImageInfo | None:
        """Return what the engine knows of an image, or None when it does not exist."""
        ...

    def images_labelled(self, label: str) -> list[ImageInfo]:
        """Return every image that carries ``label`` (``key`` or ``key=value``)."""
        ...

    def images_in_use(self) -> set[str]:
        """Ids of the images that some container (running or stopped) was created from."""
        ...

    def image_remove(self, ref: str) -> None:
        """Remove an image or one of its tags (never forced)."""
        ...

    def image_tag(self, ref: str, new_ref: str) -> None:
        """Add the tag ``new_ref`` to image ``ref``."""
        ...

    def image_history(self, ref: str) -> str:
        """Return the commands that made each layer of an image, in full."""
        ...

    def login(self, registry: str, username: str, password: str) -> None:
        """Log in to a registry (the password goes through stdin, never the command line)."""
        ...

    def repo_digests(self, ref: str) -> list[str]:
        """Return the ``repository@sha256:...`` references an image is known by."""
        ...


class Containers(Protocol):
    """What an engine does with containers."""

    def container_create(self, spec: ContainerSpec) -> str:
        """Create (not start) a container and return its id."""
        ...

    def container_start(self, cid: str) -> None:
        """Start a created container."""
        ...

    def container_info(self, name: str) -> ContainerInfo | None:
        """Return what the engine knows of a container, or None when there is none."""
        ...

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        """Return ``(running, exit_code)`` of a container."""
        ...

    def container_port(self, cid: str, container_port: int) -> int | None:
        """Return the host port published for ``container_port``, if any."""
        ...

    def container_logs(self, cid: str) -> str:
        """Return all output of a container so far."""
        ...

    def container_kill(self, cid: str) -> None:
        """Kill a container's main process (SIGKILL), as a crash would."""
        ...

    def container_stop(self, cid: str, *, timeout: int = 10) -> None:
        """Stop a container (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        ...

    def container_remove(self, cid: str) -> None:
        """Stop and remove a container, keeping its volumes; no error if it is gone."""
        ...

    def containers_labelled(self, label: str) -> list[str]:
        """Return the ids of all containers (running or not) carrying ``label``."""
        ...

    def container_running(self, name: str) -> bool | None:
        """Whether the container ``name`` runs (None when there is no such container)."""
        ...

    def run_to_end(self, spec: ContainerSpec, *, timeout: float = 300.0) -> tuple[int, str]:
        """Run a short-lived container to its end; return its exit status and output."""
        ...

    def port_user(self, port: int) -> str | None:
        """The name of the running container that publishes host ``port``, if one does."""
        ...

    def memory_usage(self, cids: Sequence[str]) -> dict[str, int]:
        """Return the memory each running container uses now, in bytes, by container id."""
        ...

    def copy_from(self, cid: str, path: str, dest: Path) -> None:
        """Copy ``path`` out of a container (which need not be running) into ``dest``."""
        ...

    def copy_to(self, cid: str, source: Path, path: str) -> None:
        """Copy ``source`` into a container (which need not be running) at ``path``."""
        ...

    def follow_logs(self, cid: str) -> LogStream:
        """Start reading a container's output line by line as it is written."""
        ...


class Storage(Protocol):
    """What an engine does with networks and volumes."""

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> bool:
        """Create network ``name`` unless it exists; return whether it was created here."""
        ...

    def network_remove(self, name: str, *, timeout: float = 30.0) -> None:
        """Remove a network; no error if it is gone."""
        ...

    def volume_labels(self, name: str) -> dict[str, str] | None:
        """Return a volume's labels, or None when it does not exist."""
        ...

    def volume_create(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a named volume with labels."""
        ...

    def volumes_labelled(self, label: str) -> dict[str, dict[str, str]]:
        """Return ``{name: labels}`` of the volumes carrying ``label``."""
        ...

    def volume_remove(self, name: str) -> None:
        """Remove a volume (and with it the files on it)."""
        ...


class Swarm(Protocol):
    """What an engine does on a Swarm."""

    def swarm_manager(self) -> bool:
        """Whether this engine is an active Swarm manager."""
        ...

    def services_labelled(self, label: str) -> list[str]:
        """Return the ids of the Swarm services carrying ``label`` (none outside a swarm)."""
        ...

    def service_remove(self, sid: str) -> None:
        """Remove a Swarm service; no error if it is gone."""
        ...

    def nodes(self) -> dict[str, NodeInfo]:
        """The swarm's nodes by id (this engine must be a manager)."""
        ...

    def run_job(self, job: JobSpec, *, timeout: float) -> str:
        """Run a one-off task on one node of the swarm; return what it printed."""
        ...


class ContainerEngine(Host, Images, Containers, Storage, Swarm, Protocol):
    """A whole container engine: every resource's commands, and what it holds."""

    def inventory(self, *, images: bool = False) -> Inventory:
        """List every container, network, volume and, if asked, image tag."""
        ...
