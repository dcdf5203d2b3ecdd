"""The one boundary between wiw and the container engine.

Only this module imports python-on-whales or starts the engine's client
directly, and every failure leaves it as a :class:`wiw.WiwError`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_on_whales as pow
from python_on_whales.exceptions import DockerException

from wiw import errors

__all__ = [
    "ContainerSpec",
    "Engine",
    "ImageInfo",
    "LogFollower",
    "default_engine",
    "map_engine_error",
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


def map_engine_error(exc: DockerException, *, what: str = "") -> errors.EngineError:
    """Translate a python-on-whales failure into a wiw error with evidence.

    Args:
        exc: The exception python-on-whales raised.
        what: A short description of what wiw was doing, for the message.

    Returns:
        The wiw error to raise in its place.
    """
    stderr = (exc.stderr or "").strip()
    cls = classify(stderr)
    message = _MESSAGES.get(cls) or f"The container engine failed{' to ' + what if what else ''}."
    return cls(
        message,
        command=exc.docker_command,
        exit_code=exc.return_code,
        stderr=stderr[-2000:],
    )


@contextlib.contextmanager
def translate(what: str = "") -> Iterator[None]:
    """Turn every engine-level exception raised inside into a wiw error."""
    try:
        yield
    except DockerException as exc:
        raise map_engine_error(exc, what=what) from exc
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

    def publish_args(self) -> list[tuple[str, str]]:
        """Return the ``-p`` values for python-on-whales (``host_ip:port``, ``container``)."""
        return [
            (f"{ip}:{port if port is not None else ''}", str(target))
            for ip, port, target in self.publish
        ]


class Engine:
    """A container engine driven through its command-line client.

    Args:
        client_call: The client command, e.g. ``["docker"]``, ``["podman"]``
            or ``["docker", "--context", "remote"]``.
    """

    def __init__(self, client_call: Sequence[str] = ("docker",)) -> None:
        self.client_call = list(client_call)
        self.client = pow.DockerClient(client_call=self.client_call)

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
        result = self._run_raw(["buildx", "version"], check=False)
        return result.returncode == 0

    def _run_raw(
        self, args: Sequence[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        cmd = [*self.client_call, *args]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
        except FileNotFoundError as exc:
            raise errors.EngineMissing(
                f"The container engine client {self.client_call[0]!r} was not found."
            ) from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise errors.EngineUnavailable(
                f"The container engine client did not answer: {exc}", command=cmd
            ) from exc
        if check and result.returncode != 0:
            cls = classify(result.stderr)
            raise cls(
                _MESSAGES.get(cls, "The container engine failed."),
                command=cmd,
                exit_code=result.returncode,
                stderr=result.stderr.strip()[-2000:],
            )
        return result

    def ping(self) -> None:
        """Check that the engine answers, raising the matching error if not."""
        self._run_raw(["info", "--format", "{{.ServerVersion}}"])

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None
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
            text = "\n".join(tail)
            cls = classify(text)
            message = _MESSAGES.get(cls, "The container engine command failed.")
            raise cls(message, command=cmd, exit_code=code, log_tail=tail)

    # Images -----------------------------------------------------------------

    def image_inspect(self, ref: str) -> Any | None:
        """Return the engine's record of an image, or None when it does not exist."""
        with translate("inspect the image"):
            if not self.client.image.exists(ref):
                return None
            return self.client.image.inspect(ref)

    def images_labelled(self, label: str) -> list[ImageInfo]:
        """Return every image that carries ``label`` (``key`` or ``key=value``)."""
        with translate("list images"):
            found = self.client.image.list(filters=[("label", label)])
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

    def image_remove(self, ref: str) -> None:
        """Remove an image or one of its tags (never forced)."""
        with translate("remove the image"):
            self.client.image.remove(ref, force=False, prune=True)

    def image_tag(self, ref: str, new_ref: str) -> None:
        """Add the tag ``new_ref`` to image ``ref``."""
        with translate("tag the image"):
            self.client.image.tag(ref, new_ref)

    def login(self, registry: str, username: str, password: str) -> None:
        """Log in to a registry (the password goes through stdin, never the command line)."""
        cmd = [*self.client_call, "login", registry, "--username", username, "--password-stdin"]
        try:
            result = subprocess.run(
                cmd, input=password, capture_output=True, text=True, check=False, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise errors.RegistryUnreachable(f"Logging in to {registry} failed: {exc}") from exc
        if result.returncode != 0:
            cls = classify(result.stderr)
            raise cls(
                _MESSAGES.get(cls, f"Logging in to {registry} failed."),
                command=cmd,
                exit_code=result.returncode,
                stderr=result.stderr.strip()[-2000:],
            )

    def repo_digests(self, ref: str) -> list[str]:
        """Return the ``repository@sha256:...`` references an image is known by."""
        with translate("inspect the image"):
            return [str(d) for d in self.client.image.inspect(ref).repo_digests or []]

    def data_root(self) -> str | None:
        """Return the engine's data directory, for disk checks."""
        with translate("read engine info"):
            info = self.client.system.info()
        return getattr(info, "docker_root_dir", None) or None

    # Containers -------------------------------------------------------------

    def container_create(self, spec: ContainerSpec) -> str:
        """Create (not start) a container and return its id."""
        with translate("create the container"):
            container = self.client.container.create(
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
            )
        return str(container.id)

    def container_start(self, cid: str) -> None:
        """Start a created container."""
        with translate("start the container"):
            self.client.container.start(cid)

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        """Return ``(running, exit_code)`` of a container."""
        with translate("inspect the container"):
            state = self.client.container.inspect(cid).state
        return bool(state.running), state.exit_code

    def container_port(self, cid: str, container_port: int) -> int | None:
        """Return the host port published for ``container_port``, if any."""
        with translate("inspect the container"):
            ports = self.client.container.inspect(cid).network_settings.ports or {}
        for binding in ports.get(f"{container_port}/tcp") or []:
            if binding.get("HostPort"):
                return int(binding["HostPort"])
        return None

    def container_logs(self, cid: str) -> str:
        """Return all output of a container so far."""
        with translate("read container logs"):
            return str(self.client.container.logs(cid))

    def container_remove(self, cid: str) -> None:
        """Stop and remove a container, keeping its volumes; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), translate("remove the container"):
            self.client.container.remove(cid, force=True, volumes=False)

    def containers_labelled(self, label: str) -> list[str]:
        """Return the ids of all containers (running or not) carrying ``label``."""
        with translate("list containers"):
            found = self.client.container.list(all=True, filters=[("label", label)])
        return [str(c.id) for c in found]

    def container_running(self, name: str) -> bool | None:
        """Whether the container ``name`` runs (None when there is no such container)."""
        with translate("inspect the container"):
            if not self.client.container.exists(name):
                return None
            return bool(self.client.container.inspect(name).state.running)

    def container_env(self, cid: str) -> dict[str, str]:
        """Return a container's environment variables."""
        with translate("inspect the container"):
            pairs = self.client.container.inspect(cid).config.env or []
        return dict(p.split("=", 1) for p in pairs if "=" in p)

    def host_resources(self) -> tuple[int, int]:
        """Return the engine's total memory in bytes and its CPU count."""
        with translate("read engine info"):
            info = self.client.system.info()
        return int(info.mem_total or 0), int(info.n_cpu or 1)

    def copy_from(self, cid: str, path: str, dest: Path) -> None:
        """Copy ``path`` out of a container (which need not be running) into ``dest``."""
        with translate("copy files out of the container"):
            self.client.container.copy((cid, path), dest)

    # Networks and volumes ------------------------------------------------------

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> None:
        """Create network ``name`` unless it exists: a bridge, or an attachable overlay."""
        with translate("create the network"):
            if self.client.network.exists(name):
                return
            if overlay:
                self.client.network.create(
                    name, driver="overlay", attachable=True, labels=dict(labels)
                )
            else:
                self.client.network.create(name, labels=dict(labels))

    def swarm_manager(self) -> bool:
        """Whether this engine is an active Swarm manager."""
        with translate("read engine info"):
            swarm = self.client.system.info().swarm
        return bool(swarm and swarm.local_node_state == "active" and swarm.control_available)

    def services_labelled(self, label: str) -> list[str]:
        """Return the ids of the Swarm services carrying ``label`` (none outside a swarm)."""
        if not self.swarm_manager():
            return []
        with translate("list services"):
            return [str(s.id) for s in self.client.service.list(filters=[("label", label)])]

    def service_remove(self, sid: str) -> None:
        """Remove a Swarm service; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), translate("remove the service"):
            self.client.service.remove(sid)

    def network_remove(self, name: str, *, timeout: float = 30.0) -> None:
        """Remove a network; no error if it is gone.

        Containers and Swarm tasks just removed may still hold endpoints on
        it for a moment, so removal is retried until ``timeout`` seconds pass.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                with translate("remove the network"):
                    if self.client.network.exists(name):
                        self.client.network.remove(name)
                return
            except errors.EngineError as exc:
                if "active endpoints" not in (exc.stderr or "") or time.monotonic() > deadline:
                    raise
            time.sleep(0.25)  # poll interval within the bounded wait

    def volume_labels(self, name: str) -> dict[str, str] | None:
        """Return a volume's labels, or None when it does not exist."""
        with translate("inspect the volume"):
            if not self.client.volume.exists(name):
                return None
            return dict(self.client.volume.inspect(name).labels or {})

    def volume_create(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a named volume with labels."""
        with translate("create the volume"):
            self.client.volume.create(name, labels=dict(labels))

    def volumes_labelled(self, label: str) -> dict[str, dict[str, str]]:
        """Return ``{name: labels}`` of the volumes carrying ``label``."""
        with translate("list volumes"):
            found = self.client.volume.list(filters=[("label", label)])
            return {str(v.name): dict(v.labels or {}) for v in found}

    def volume_remove(self, name: str) -> None:
        """Remove a volume (and with it the files on it)."""
        with translate("remove the volume"):
            self.client.volume.remove(name)

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

    def lines(self, deadline: float) -> Iterator[str]:
        """Yield new lines until the stream ends or the monotonic ``deadline`` passes."""
        while not self.ended:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
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
