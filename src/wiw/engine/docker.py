"""The one boundary between wiw and the container engine.

Only this module imports python-on-whales or starts the engine's client, every
method returns wiw's own types, and every failure leaves it as a
:class:`wiw.errors.EngineError` made by one helper, :func:`engine_error`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import re
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_on_whales as pow
from python_on_whales.exceptions import DockerException, NoSuchContainer

from wiw import errors
from wiw.waiting import Deadline, WaitTimeout, poll

DOCKER_SOCKET = "/var/run/docker.sock"

__all__ = [
    "ContainerInfo",
    "ContainerSpec",
    "Engine",
    "ImageInfo",
    "Inventory",
    "JobSpec",
    "LogFollower",
    "MountInfo",
    "NodeInfo",
    "classify",
    "default_engine",
    "engine_error",
]

# (substring of the engine's lowercased stderr, error class); first match wins.
_ERROR_PATTERNS: tuple[tuple[str, type[errors.EngineError]], ...] = (
    ("permission denied while trying to connect", errors.EnginePermissionDenied),
    ("cannot connect to the docker daemon", errors.EngineUnavailable),
    ("is the docker daemon running", errors.EngineUnavailable),
    ("cannot connect to podman", errors.EngineUnavailable),
    ("no basic auth credentials", errors.RegistryAuthFailed),
    ("unauthorized", errors.RegistryAuthFailed),
    ("authentication required", errors.RegistryAuthFailed),
    ("an image does not exist locally with the tag", errors.ImageNotFound),
    ("port is already allocated", errors.PortInUse),
    ("address already in use", errors.PortInUse),
    ("no such image", errors.ImageNotFound),
    ("image not known", errors.ImageNotFound),
    ("unable to find image", errors.ImageNotFound),
    ("pull access denied", errors.ImageNotFound),
    ("manifest unknown", errors.ImageNotFound),
    ("reference does not exist", errors.ImageNotFound),
    ("connection refused", errors.RegistryUnreachable),
    ("no such host", errors.RegistryUnreachable),
    ("i/o timeout", errors.RegistryUnreachable),
    ("server gave http response to https client", errors.RegistryUnreachable),
)

_MESSAGES: Mapping[type[errors.EngineError], str] = {
    errors.EnginePermissionDenied: "Permission denied talking to the container engine.",
    errors.EngineUnavailable: "The container engine is not running or not reachable.",
    errors.PortInUse: "The host port is already in use.",
    errors.ImageNotFound: "The image was not found.",
    errors.RegistryUnreachable: "The container registry could not be reached.",
    errors.RegistryAuthFailed: "The container registry refused the login.",
}
_STDERR_KEEP = 2000
_TIMEOUT = 120.0


def classify(stderr: str) -> type[errors.EngineError]:
    """Name the situation an engine's error text describes.

    Args:
        stderr: What the engine's client printed on failure.

    Returns:
        The most specific :class:`wiw.errors.EngineError` subclass that fits.
    """
    lowered = stderr.lower()
    for needle, cls in _ERROR_PATTERNS:
        if needle in lowered:
            return cls
    return errors.EngineError


def engine_error(
    text: str,
    *,
    what: str,
    command: Sequence[str] | None,
    exit_code: int | None,
    log_tail: Sequence[str] = (),
) -> errors.EngineError:
    """Turn a failed engine call into the matching wiw error, with its evidence.

    Args:
        text: What the client printed (stderr, or the output's last lines).
        what: What wiw was doing, e.g. ``"push the image"``.
        command: The client command that failed.
        exit_code: Its exit status.
        log_tail: The output's last lines, for long-running commands.

    Returns:
        The error to raise.
    """
    cls = classify(text)
    message = _MESSAGES.get(cls) or f"The container engine failed to {what}."
    stderr = None if log_tail else text.strip()[-_STDERR_KEEP:]
    return cls(message, command=command, exit_code=exit_code, stderr=stderr, log_tail=log_tail)


@contextlib.contextmanager
def _translate(what: str) -> Iterator[None]:
    """Turn every python-on-whales exception raised inside into a wiw error."""
    try:
        yield
    except DockerException as exc:
        raise engine_error(
            exc.stderr or "", what=what, command=exc.docker_command, exit_code=exc.return_code
        ) from exc
    except pow.ClientNotFoundError as exc:
        raise errors.EngineMissing(
            "No container engine client (docker or podman) was found on PATH."
        ) from exc


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
          "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}  # fmt: skip


def size_bytes(text: str) -> int:
    """Bytes from a size as engines print them: ``628KiB`` (Docker), ``557.1kB`` (Podman)."""
    found = _SIZE.match(text)
    if found is None:
        return 0
    return round(float(found["n"]) * _UNITS.get(found["unit"] or "B", 1))


def _container_info(raw: Any) -> ContainerInfo:
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


class Engine:
    """A container engine driven through its command-line client.

    Args:
        client_call: The client command, e.g. ``["docker"]``, ``["podman"]``
            or ``["docker", "--context", "remote"]``.
    """

    def __init__(self, client_call: Sequence[str] = ("docker",)) -> None:
        self.client_call = list(client_call)
        self._client = pow.DockerClient(client_call=self.client_call)

    def __repr__(self) -> str:
        return f"Engine({self.client_call!r})"

    @property
    def is_podman(self) -> bool:
        """Whether the client is podman (which builds without buildx)."""
        return Path(self.client_call[0]).name.startswith("podman")

    @functools.cached_property
    def has_buildx(self) -> bool:
        """Whether ``docker buildx`` is available to build with BuildKit."""
        if self.is_podman:
            return False
        return self._run(["buildx", "version"], what="ask for buildx", check=False)[0] == 0

    def _run(
        self,
        args: Sequence[str],
        *,
        what: str,
        check: bool = True,
        stdin: str | None = None,
        timeout: float = _TIMEOUT,
    ) -> tuple[int, str]:
        """Run one client command; return its exit status and stdout."""
        cmd = [*self.client_call, *args]
        try:
            done = subprocess.run(
                cmd, input=stdin, capture_output=True, text=True, check=False, timeout=timeout
            )
        except FileNotFoundError as exc:
            raise errors.EngineMissing(
                f"The container engine client {self.client_call[0]!r} was not found."
            ) from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise errors.EngineUnavailable(
                f"The container engine client did not answer: {exc}", command=cmd
            ) from exc
        if check and done.returncode != 0:
            raise engine_error(done.stderr, what=what, command=cmd, exit_code=done.returncode)
        return done.returncode, done.stdout

    def api_socket(self) -> str:
        """The path of this engine's API socket on its machine, for the classroom's hub.

        Docker's is /var/run/docker.sock (or DOCKER_HOST's unix path); Podman's
        is its API service's socket, which must be running.

        Raises:
            wiw.errors.EngineUnavailable: Podman's API service is not running.
        """
        if not self.is_podman:
            host = os.environ.get("DOCKER_HOST", "")
            return host.removeprefix("unix://") if host.startswith("unix://") else DOCKER_SOCKET
        fields = "{{.Host.RemoteSocket.Path}}\t{{.Host.RemoteSocket.Exists}}"
        path, exists = self._podman_info(fields)
        if exists != "true":
            raise errors.EngineUnavailable(
                f"Podman's API service is not running (its socket {path} is missing); the "
                "classroom's hub starts learners' servers through it.",
                hint="Start it: 'sudo systemctl enable --now podman.socket' (or run "
                f"'podman system service --time=0 unix://{path}').",
            )
        return path.removeprefix("unix://")

    def ping(self) -> None:
        """Check that the engine answers, raising the matching error if not."""
        version = "{{.Version.Version}}" if self.is_podman else "{{.ServerVersion}}"
        self._run(["info", "--format", version], what="answer")

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "run"
    ) -> Iterator[str]:
        """Run a client command and yield its output lines (stdout and stderr merged).

        Raises:
            wiw.errors.EngineError: The command exited non-zero; the error
                carries the last 40 lines of its output.
        """
        cmd = [*self.client_call, *args]
        tail: deque[str] = deque(maxlen=40)
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env={**os.environ, **(env or {})},
            )
        except FileNotFoundError as exc:
            raise errors.EngineMissing(f"{self.client_call[0]!r} was not found.") from exc
        except OSError as exc:
            raise errors.EngineUnavailable(f"Cannot run the engine client: {exc}") from exc
        with proc:
            try:
                for raw in proc.stdout or ():
                    line = raw.rstrip("\n")
                    tail.append(line)
                    yield line
            finally:
                if proc.poll() is None:
                    proc.kill()
            code = proc.wait()
        if code != 0:
            raise engine_error(
                "\n".join(tail), what=what, command=cmd, exit_code=code, log_tail=tail
            )

    # Images -----------------------------------------------------------------

    def image_info(self, ref: str) -> ImageInfo | None:
        """Return what the engine knows of an image, or None when it does not exist."""
        with _translate("inspect the image"):
            if not self._client.image.exists(ref):
                return None
            img = self._client.image.inspect(ref)
        return ImageInfo(
            id=str(img.id),
            tags=[str(t) for t in img.repo_tags or []],
            created=img.created.timestamp(),
            size=int(img.size or 0),
            labels=dict(img.config.labels or {}),
        )

    def images_labelled(self, label: str) -> list[ImageInfo]:
        """Return every image that carries ``label`` (``key`` or ``key=value``)."""
        with _translate("list images"):
            found = self._client.image.list(filters=[("label", label)])
            return [
                ImageInfo(
                    id=str(img.id),
                    tags=[str(t) for t in img.repo_tags or []],
                    created=img.created.timestamp(),
                    size=int(img.size or 0),
                    labels=dict(img.config.labels or {}),
                )
                for img in found
            ]

    def images_in_use(self) -> set[str]:
        """Ids of the images that some container (running or stopped) was created from."""
        with _translate("list containers"):
            return {str(c.image) for c in self._client.container.list(all=True)}

    def image_remove(self, ref: str) -> None:
        """Remove an image or one of its tags (never forced)."""
        with _translate("remove the image"):
            self._client.image.remove(ref, force=False, prune=True)

    def image_tag(self, ref: str, new_ref: str) -> None:
        """Add the tag ``new_ref`` to image ``ref``."""
        with _translate("tag the image"):
            self._client.image.tag(ref, new_ref)

    def image_history(self, ref: str) -> str:
        """Return the commands that made each layer of an image, in full."""
        return self._run(["history", "--no-trunc", ref], what="read the image's history")[1]

    def login(self, registry: str, username: str, password: str) -> None:
        """Log in to a registry (the password goes through stdin, never the command line)."""
        self._run(
            ["login", registry, "--username", username, "--password-stdin"],
            what=f"log in to {registry}",
            stdin=password,
        )

    def repo_digests(self, ref: str) -> list[str]:
        """Return the ``repository@sha256:...`` references an image is known by."""
        with _translate("inspect the image"):
            return [str(d) for d in self._client.image.inspect(ref).repo_digests or []]

    def _podman_info(self, fields: str) -> list[str]:
        """The fields of ``podman info`` that ``fields`` (a tab-separated template) asks for."""
        out = self._run(["info", "--format", fields], what="read engine info")[1]
        return [field.strip() for field in out.split("\t")]

    def data_root(self) -> str | None:
        """Return the engine's data directory, for disk checks."""
        if self.is_podman:
            return self._podman_info("{{.Store.GraphRoot}}")[0] or None
        with _translate("read engine info"):
            info = self._client.system.info()
        return getattr(info, "docker_root_dir", None) or None

    def host_resources(self) -> tuple[int, int]:
        """Return the engine's total memory in bytes and its CPU count."""
        if self.is_podman:
            memory, cpus = self._podman_info("{{.Host.MemTotal}}\t{{.Host.CPUs}}")
            return int(memory), int(cpus) or 1
        with _translate("read engine info"):
            info = self._client.system.info()
        return int(info.mem_total or 0), int(info.n_cpu or 1)

    # Containers -------------------------------------------------------------

    def container_create(self, spec: ContainerSpec) -> str:
        """Create (not start) a container and return its id."""
        with _translate("create the container"):
            container = self._client.container.create(
                spec.image,
                list(spec.command),
                name=spec.name,
                labels=dict(spec.labels),
                publish=spec.publish_args(),
                envs=dict(spec.envs),
                memory=spec.memory,
                pids_limit=spec.pids_limit,
                volumes=list(spec.volumes),
                networks=[spec.network] if spec.network else [],
                user=spec.user,
                workdir=spec.workdir,
                entrypoint=spec.entrypoint,
            )
        return str(container.id)

    def container_start(self, cid: str) -> None:
        """Start a created container."""
        with _translate("start the container"):
            self._client.container.start(cid)

    def container_info(self, name: str) -> ContainerInfo | None:
        """Return what the engine knows of a container, or None when there is none."""
        with _translate("inspect the container"):
            try:
                return _container_info(self._client.container.inspect(name))
            except NoSuchContainer:  # never made, or removed a moment ago
                return None

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        """Return ``(running, exit_code)`` of a container."""
        with _translate("inspect the container"):
            state = self._client.container.inspect(cid).state
        return bool(state.running), state.exit_code

    def container_port(self, cid: str, container_port: int) -> int | None:
        """Return the host port published for ``container_port``, if any."""
        with _translate("inspect the container"):
            info = _container_info(self._client.container.inspect(cid))
        return info.host_port(container_port)

    def container_logs(self, cid: str) -> str:
        """Return all output of a container so far."""
        with _translate("read container logs"):
            return str(self._client.container.logs(cid))

    def container_kill(self, cid: str) -> None:
        """Kill a container's main process (SIGKILL), as a crash would."""
        with _translate("kill the container"):
            self._client.container.kill(cid)

    def container_stop(self, cid: str, *, timeout: int = 10) -> None:
        """Stop a container (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        with _translate("stop the container"):
            self._client.container.stop(cid, time=timeout)

    def container_remove(self, cid: str) -> None:
        """Stop and remove a container, keeping its volumes; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), _translate("remove the container"):
            self._client.container.remove(cid, force=True, volumes=False)

    def containers_labelled(self, label: str) -> list[str]:
        """Return the ids of all containers (running or not) carrying ``label``."""
        with _translate("list containers"):
            found = self._client.container.list(all=True, filters=[("label", label)])
        return [str(c.id) for c in found]

    def container_running(self, name: str) -> bool | None:
        """Whether the container ``name`` runs (None when there is no such container)."""
        info = self.container_info(name)
        return None if info is None else info.running

    def run_to_end(self, spec: ContainerSpec, *, timeout: float = 300.0) -> tuple[int, str]:
        """Run a short-lived container to its end; return its exit status and output.

        The container is removed afterwards, whatever happens.
        """
        cid = self.container_create(spec)
        try:
            self.container_start(cid)
            code = int(self._run(["wait", cid], what="wait for the container", timeout=timeout)[1])
            return code, self.container_logs(cid)
        finally:
            self.container_remove(cid)

    def port_user(self, port: int) -> str | None:
        """The name of the running container that publishes host ``port``, if one does."""
        with _translate("list containers"):
            running = self._client.container.list()
        for raw in running:
            info = _container_info(raw)
            if any(p == port for bindings in info.ports.values() for _, p in bindings):
                return f"the container {info.name}"
        return None

    def memory_usage(self, cids: Sequence[str]) -> dict[str, int]:
        """Return the memory each running container uses now, in bytes, by container id."""
        if not cids:
            return {}
        args = ["stats", "--no-stream", "--no-trunc", "--format", "{{.ID}}\t{{.MemUsage}}"]
        code, out = self._run([*args, *cids], what="read container statistics", check=False)
        if code != 0:
            # One may have stopped since it was listed (a culled server): ask again without it.
            alive = [cid for cid in cids if (info := self.container_info(cid)) and info.running]
            if len(alive) == len(cids):
                self._run([*args, *cids], what="read container statistics")  # raises, typed
            return self.memory_usage(alive)
        used = {}
        for line in out.splitlines():
            ident, _, usage = line.partition("\t")
            used[ident.strip()] = size_bytes(usage.split("/")[0])
        return {cid: size for cid in cids for full, size in used.items() if full.startswith(cid)}

    def copy_from(self, cid: str, path: str, dest: Path) -> None:
        """Copy ``path`` out of a container (which need not be running) into ``dest``."""
        with _translate("copy files out of the container"):
            self._client.container.copy((cid, path), dest)

    def copy_to(self, cid: str, source: Path, path: str) -> None:
        """Copy ``source`` into a container (which need not be running) at ``path``."""
        with _translate("copy files into the container"):
            self._client.container.copy(source, (cid, path))

    # Networks, volumes and services --------------------------------------------

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> bool:
        """Create network ``name`` unless it exists; return whether it was created here."""
        with _translate("create the network"):
            if self._client.network.exists(name):
                return False
            if overlay:
                self._client.network.create(
                    name, driver="overlay", attachable=True, labels=dict(labels)
                )
            else:
                self._client.network.create(name, labels=dict(labels))
        return True

    def network_remove(self, name: str, *, timeout: float = 30.0) -> None:
        """Remove a network; no error if it is gone.

        Containers and Swarm tasks just removed may still hold endpoints on
        it for a moment, so removal is retried until ``timeout`` seconds pass.
        """
        last: list[errors.EngineError] = []

        def attempt() -> bool | None:
            try:
                with _translate("remove the network"):
                    if self._client.network.exists(name):
                        self._client.network.remove(name)
            except errors.EngineError as exc:
                if "active endpoints" not in (exc.stderr or ""):
                    raise
                last[:] = [exc]
                return None
            return True

        try:
            poll(attempt, timeout=timeout, what=f"removing network {name}", interval=0.25)
        except WaitTimeout:
            raise last[0] from None

    def volume_labels(self, name: str) -> dict[str, str] | None:
        """Return a volume's labels, or None when it does not exist."""
        with _translate("inspect the volume"):
            if not self._client.volume.exists(name):
                return None
            return dict(self._client.volume.inspect(name).labels or {})

    def volume_create(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a named volume with labels."""
        with _translate("create the volume"):
            self._client.volume.create(name, labels=dict(labels))

    def volumes_labelled(self, label: str) -> dict[str, dict[str, str]]:
        """Return ``{name: labels}`` of the volumes carrying ``label``."""
        with _translate("list volumes"):
            found = self._client.volume.list(filters=[("label", label)])
            return {str(v.name): dict(v.labels or {}) for v in found}

    def volume_remove(self, name: str) -> None:
        """Remove a volume (and with it the files on it)."""
        with _translate("remove the volume"):
            self._client.volume.remove(name)

    def swarm_manager(self) -> bool:
        """Whether this engine is an active Swarm manager."""
        with _translate("read engine info"):
            swarm = self._client.system.info().swarm
        return bool(swarm and swarm.local_node_state == "active" and swarm.control_available)

    def services_labelled(self, label: str) -> list[str]:
        """Return the ids of the Swarm services carrying ``label`` (none outside a swarm)."""
        if not self.swarm_manager():
            return []
        with _translate("list services"):
            return [str(s.id) for s in self._client.service.list(filters=[("label", label)])]

    def service_remove(self, sid: str) -> None:
        """Remove a Swarm service; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), _translate("remove the service"):
            self._client.service.remove(sid)

    def nodes(self) -> dict[str, NodeInfo]:
        """The swarm's nodes by id (this engine must be a manager)."""
        fields = "{{.ID}}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}"
        _, out = self._run(["node", "ls", "--format", fields], what="list the swarm's nodes")
        found = {}
        for line in out.splitlines():
            ident, host, state, availability = line.split("\t")
            found[ident] = NodeInfo(ident, host, state.lower(), availability.lower())
        return found

    def run_job(self, job: JobSpec, *, timeout: float) -> str:
        """Run a one-off task on one node of the swarm; return what it printed.

        Raises:
            wiw.errors.EngineError: The task failed or did not finish in time
                (the error carries the engine's account of it).
        """
        args = ["service", "create", "--detach", "--quiet", "--mode", "replicated-job",
                "--name", job.name, "--restart-condition", "none", "--constraint",
                f"node.id=={job.node}", "--entrypoint", job.command[0]]  # fmt: skip
        for key, value in sorted(job.labels.items()):
            args += ["--label", f"{key}={value}", "--container-label", f"{key}={value}"]
        for volume, path in job.volumes:
            args += ["--mount", f"type=volume,source={volume},target={path},readonly"]
        self._run([*args, job.image, *job.command[1:]], what="start a task on a swarm node")
        try:
            self._wait_job(job.name, timeout)
            return self._run(["service", "logs", "--raw", "--no-task-ids", job.name],
                             what="read the task's output")[1]  # fmt: skip
        finally:
            self._run(["service", "rm", job.name], what="remove the task", check=False)

    def _wait_job(self, name: str, timeout: float) -> None:
        """Wait (bounded) for a job's task to complete; raise with its error if it does not."""
        cmd = ["service", "ps", name, "--no-trunc", "--format", "{{.CurrentState}}\t{{.Error}}"]

        def finished() -> str | None:
            states = self._run(cmd, what="follow the task")[1].strip()
            return states if states.startswith(("Complete", "Failed", "Rejected")) else None

        try:
            outcome = poll(finished, timeout=timeout, what=f"task {name}", interval=0.5)
        except WaitTimeout:
            outcome = self._run(cmd, what="follow the task")[1].strip() or "not scheduled"
        if not outcome.startswith("Complete"):
            raise errors.EngineError(
                f"The task {name} on a swarm node did not complete: {outcome}",
                command=[*self.client_call, *cmd],
                hint="Check that the node is up ('docker node ls') and has the image.",
            )

    def inventory(self, *, images: bool = False) -> Inventory:
        """List every container (by id), network, volume and, if asked, image tag.

        Networks count by name: an engine restart re-creates its default ones
        with new ids. Images count by their tags: the untagged layers a failed
        build leaves are the builder's cache, not objects anyone made.
        """
        with _translate("list what the engine holds"):
            tags = (
                frozenset(str(t) for i in self._client.image.list() for t in i.repo_tags or [])
                if images
                else frozenset()
            )
            return Inventory(
                containers=frozenset(str(c.id) for c in self._client.container.list(all=True)),
                networks=frozenset(str(n.name) for n in self._client.network.list()),
                volumes=frozenset(str(v.name) for v in self._client.volume.list()),
                images=tags,
            )

    def follow_logs(self, cid: str) -> LogFollower:
        """Start reading a container's output line by line as it is written."""
        return LogFollower([*self.client_call, "logs", "--follow", cid])


class LogFollower:
    """Reads a container's output incrementally in a background thread.

    The stream ends when the container stops, which lets waiters fail fast
    instead of waiting out their deadline.
    """

    def __init__(self, cmd: Sequence[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: deque[str] = deque(maxlen=200)
        self.ended = False
        try:
            self._proc = subprocess.Popen(
                list(cmd),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise errors.EngineUnavailable(f"Cannot follow logs: {exc}", command=cmd) from exc
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        # close() may close the pipe under us: that simply ends the stream.
        with contextlib.suppress(ValueError, OSError):
            for line in self._proc.stdout or ():
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """Yield new lines until the stream ends or ``deadline`` passes."""
        while not self.ended:
            if deadline.passed:
                return
            try:
                line = self._lines.get(timeout=min(deadline.remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self.ended = True
                return
            self.seen.append(line)
            yield line

    def close(self) -> None:
        """Stop following."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._thread.join(timeout=5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def default_engine() -> Engine:
    """Return the engine to use when none is given.

    ``WIW_ENGINE`` names the client (e.g. ``podman``); otherwise docker, or
    podman when only podman is installed.
    """
    chosen = os.environ.get("WIW_ENGINE")
    if chosen:
        return Engine(chosen.split())
    if shutil.which("docker") is None and shutil.which("podman") is not None:
        return Engine(["podman"])
    return Engine(["docker"])
