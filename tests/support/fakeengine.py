"""An in-memory container engine: wiw's decisions tested in milliseconds, no Docker.

:class:`FakeEngine` satisfies :class:`wiw.engine.protocol.ContainerEngine`. It
keeps images, containers, networks and volumes (with the files on them) in
dictionaries, records every call, and can be told to fail: the next call of a
method raises the error given (:meth:`FakeEngine.fail`), a build stops at a
step, a port is taken, a container exits as it starts. Its answers follow the
real engine's (the same ``None`` for what is missing, the same error classes):
``tests/support/scenarios.py`` runs the same calls against both and the
integration suite checks that they agree.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wiw import errors
from wiw.engine.failures import engine_error
from wiw.engine.types import (
    ContainerInfo,
    ContainerSpec,
    ImageInfo,
    Inventory,
    JobSpec,
    MountInfo,
    NodeInfo,
)
from wiw.waiting import Deadline

__all__ = ["FakeContainer", "FakeEngine", "FakeImage", "FakeLogStream", "Script"]

GIB = 2**30
FIRST_EPHEMERAL_PORT = 49153
BUILTIN_NETWORKS = ("bridge", "host", "none")
# What a container run to its end prints and returns: (exit status, output).
Script = Callable[[ContainerSpec], tuple[int, str]]


@dataclass
class FakeImage:
    """An image in the fake engine's store."""

    id: str
    tags: list[str]
    labels: dict[str, str]
    created: float
    size: int = 500 * 2**20

    def info(self) -> ImageInfo:
        """What ``image_info`` answers for it."""
        return ImageInfo(self.id, list(self.tags), self.created, self.size, dict(self.labels))


@dataclass
class FakeContainer:
    """A container in the fake engine: its spec, state, ports and own files."""

    id: str
    spec: ContainerSpec
    image_id: str
    running: bool = False
    exit_code: int | None = 0  # Docker reports 0 until a container has exited
    ports: dict[int, int] = field(default_factory=dict)  # container port -> host port
    files: dict[str, bytes] = field(default_factory=dict)  # outside any volume
    labels: dict[str, str] = field(default_factory=dict)  # the image's, then the spec's
    started_at: str | None = None
    logs: str = ""
    memory: int = 100 * 2**20

    def info(self) -> ContainerInfo:
        """What ``container_info`` answers for it."""
        host_ip = {target: ip for ip, _, target in self.spec.publish}
        return ContainerInfo(
            id=self.id,
            name=self.spec.name,
            image_id=self.image_id,
            running=self.running,
            exit_code=self.exit_code,
            user=self.spec.user or "",
            env=dict(self.spec.envs),
            labels=dict(self.labels),
            memory=0,
            pids_limit=self.spec.pids_limit,
            cpu_quota=None,
            nano_cpus=None,
            security_opt=[],
            cap_drop=[],
            mounts=[
                MountInfo("bind" if v.startswith("/") else "volume", v, p)
                for v, p in self.spec.volumes
            ],
            ports={f"{t}/tcp": [(host_ip[t], p)] for t, p in self.ports.items()},
            started_at=self.started_at if self.running else None,
        )


class FakeLogStream:
    """A container's output handed out line by line, as ``follow_logs`` does."""

    def __init__(self, lines: Sequence[str], *, ended: bool) -> None:
        self._pending = deque(lines)
        self._ends = ended
        self.seen: deque[str] = deque(maxlen=200)
        self.ended = False
        self.closed = False

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """Yield the lines there are; end the stream if the container has stopped."""
        while self._pending and not deadline.passed:
            line = self._pending.popleft()
            self.seen.append(line)
            yield line
        self.ended = self._ends

    def close(self) -> None:
        """Stop following."""
        self.closed = True


def _matches(labels: Mapping[str, str], label: str) -> bool:
    """Whether ``labels`` satisfy an engine filter ``key`` or ``key=value``."""
    key, eq, value = label.partition("=")
    return key in labels and (not eq or labels[key] == value)


def _norm(path: str) -> str:
    return str(PurePosixPath("/") / path.removesuffix("/."))


class FakeEngine:
    """An engine held in memory that records calls and fails when told to.

    Attributes:
        calls: Every method called, in order, with its first argument.
        taken_ports: Host ports something outside the engine holds.
        exits_at_start: Container-name prefixes whose containers exit at
            once when started, with that exit status and log.
        scripts: Container-name prefixes mapped to what their containers
            print and return when run to their end (``run_to_end``).
        build_lines: What a build prints, one step per ``Step`` line.
        build_fails_after: Stop a build with an error after this many lines.
        alive: False makes every call fail as an engine that stopped does.
    """

    def __init__(self, *, memory: int = 16 * GIB, cpus: int = 4) -> None:
        self.client_call = ["fake-engine"]
        self.images: dict[str, FakeImage] = {}
        self.containers: dict[str, FakeContainer] = {}
        self.networks: dict[str, dict[str, str]] = {name: {} for name in BUILTIN_NETWORKS}
        self.volumes: dict[str, dict[str, str]] = {}
        self.volume_files: dict[str, dict[str, bytes]] = {}
        self.services: dict[str, dict[str, str]] = {}
        self.node_list: dict[str, NodeInfo] = {}
        self.manager = False
        self.calls: list[tuple[str, str]] = []
        self.taken_ports: set[int] = set()
        self.exits_at_start: dict[str, tuple[int, str]] = {}
        self.scripts: dict[str, Script] = {}
        self.build_lines = [
            "Step 1/3 : ARG BASE_IMAGE",
            "Step 2/3 : FROM $BASE_IMAGE",
            " ---> 1234abcd",
            "Step 3/3 : COPY lessons /srv/lessons",
            " ---> 5678ef90",
        ]
        self.build_fails_after: int | None = None
        self.alive = True
        self.open_streams = 0
        self._failures: dict[str, deque[Exception]] = {}
        self._ids = itertools.count(1)
        self._ports = itertools.count(FIRST_EPHEMERAL_PORT)
        self._clock = itertools.count(1_700_000_000)
        self._resources = (memory, cpus)

    def __repr__(self) -> str:
        return f"FakeEngine({len(self.containers)} containers, {len(self.volumes)} volumes)"

    # The fake's own controls -------------------------------------------------

    def fail(self, method: str, error: Exception, *, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` raise ``error``."""
        self._failures.setdefault(method, deque()).extend([error] * times)

    def add_image(self, ref: str, labels: Mapping[str, str] | None = None) -> str:
        """Put an image in the store (as a pull or a build would) and return its id."""
        digest = hashlib.sha256(f"{ref}{next(self._ids)}".encode()).hexdigest()
        image = FakeImage(f"sha256:{digest}", [], dict(labels or {}), float(next(self._clock)))
        self.images[image.id] = image
        self._retag(image, ref)
        return image.id

    def called(self, method: str) -> list[str]:
        """The first argument of every call of ``method`` so far."""
        return [arg for name, arg in self.calls if name == method]

    def _call(self, method: str, arg: object = "") -> None:
        self.calls.append((method, str(arg)))
        if not self.alive:
            raise errors.EngineUnavailable(
                "The container engine is not running or not reachable.",
                command=[*self.client_call, method],
            )
        pending = self._failures.get(method)
        if pending:
            raise pending.popleft()

    def _new_id(self) -> str:
        return hashlib.sha256(str(next(self._ids)).encode()).hexdigest()

    # Host ---------------------------------------------------------------------

    @property
    def is_podman(self) -> bool:
        """The fake speaks Docker's dialect."""
        return False

    @property
    def has_buildx(self) -> bool:
        """Builds go through the legacy builder's output, which the fake prints."""
        return False

    def api_socket(self) -> str:
        """Where a hub would find the engine."""
        return "/var/run/docker.sock"

    def ping(self) -> None:
        """Answer, unless the engine was stopped."""
        self._call("ping")

    def data_root(self) -> str | None:
        """No local data disk: disk checks are skipped, as for a remote engine."""
        self._call("data_root")
        return None

    def host_resources(self) -> tuple[int, int]:
        """The memory and CPUs the fake was made with."""
        self._call("host_resources")
        return self._resources

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "run"
    ) -> Iterator[str]:
        """Builds, pulls and pushes, printed line by line as the real client does."""
        self._call("stream", args[0])
        self.open_streams += 1
        try:
            if args[0] == "build":
                yield from self._build(list(args), what)
            elif args[0] == "pull":
                yield from self._pull(args[1], what)
            else:
                yield f"{args[0]}: done"
        finally:
            self.open_streams -= 1

    def _build(self, args: list[str], what: str) -> Iterator[str]:
        options: dict[str, list[str]] = {}
        for flag, value in itertools.pairwise(args):
            if flag.startswith("--"):
                options.setdefault(flag, []).append(value)
        for n, line in enumerate(self.build_lines):
            if self.build_fails_after is not None and n >= self.build_fails_after:
                shown = self.build_lines[:n]
                raise engine_error(
                    "\n".join(shown), what=what, command=args, exit_code=1, log_tail=shown
                )
            yield line
        labels = dict(v.partition("=")[::2] for v in options.get("--label", []))
        image_id = self.add_image(options["--tag"][0], labels)
        for path in options.get("--iidfile", []):
            Path(path).write_text(image_id)
        yield f"Successfully built {image_id[7:19]}"

    def _pull(self, ref: str, what: str) -> Iterator[str]:
        if self.image_info(ref) is None:
            raise engine_error(
                f"Error response from daemon: pull access denied for {ref}",
                what=what,
                command=["pull", ref],
                exit_code=1,
            )
        yield f"{ref}: up to date"

    def inventory(self, *, images: bool = False) -> Inventory:
        """Everything the fake holds, as the real engine lists it."""
        tags = {t for i in self.images.values() for t in i.tags} if images else set()
        return Inventory(
            containers=frozenset(self.containers),
            networks=frozenset(self.networks),
            volumes=frozenset(self.volumes),
            images=frozenset(tags),
        )

    # Images -------------------------------------------------------------------

    def _image(self, ref: str) -> FakeImage | None:
        if ref in self.images:
            return self.images[ref]
        full = ref if ":" in ref.rpartition("/")[2] else f"{ref}:latest"
        return next((i for i in self.images.values() if full in i.tags), None)

    def _retag(self, image: FakeImage, ref: str) -> None:
        for other in self.images.values():
            if ref in other.tags:
                other.tags.remove(ref)
        image.tags.append(ref)

    def image_info(self, ref: str) -> ImageInfo | None:
        """What the store holds under ``ref`` (a tag or an id), or None."""
        self._call("image_info", ref)
        image = self._image(ref)
        return None if image is None else image.info()

    def images_labelled(self, label: str) -> list[ImageInfo]:
        """Every image carrying ``label``."""
        self._call("images_labelled", label)
        return [i.info() for i in self.images.values() if _matches(i.labels, label)]

    def images_in_use(self) -> set[str]:
        """Ids of the images some container (running or not) was created from."""
        self._call("images_in_use")
        return {c.image_id for c in self.containers.values()}

    def image_remove(self, ref: str) -> None:
        """Untag a tag; remove an image by id unless a container or several tags hold it."""
        self._call("image_remove", ref)
        image = self._image(ref)
        if image is None:
            raise engine_error(
                f"Error: No such image: {ref}",
                what="remove the image",
                command=self.client_call,
                exit_code=1,
            )
        if ref in image.tags and len(image.tags) > 1:
            image.tags.remove(ref)
            return
        if any(c.image_id == image.id for c in self.containers.values()):
            raise engine_error(
                f"Error response from daemon: conflict: unable to delete {ref} - image is "
                "being used by a container",
                what="remove the image",
                command=self.client_call,
                exit_code=1,
            )
        del self.images[image.id]

    def image_tag(self, ref: str, new_ref: str) -> None:
        """Give an image another tag."""
        self._call("image_tag", new_ref)
        image = self._image(ref)
        if image is None:
            raise engine_error(
                f"Error: No such image: {ref}",
                what="tag the image",
                command=self.client_call,
                exit_code=1,
            )
        self._retag(image, new_ref)

    def image_history(self, ref: str) -> str:
        """The build steps, as ``docker history`` would show them."""
        self._call("image_history", ref)
        return "\n".join(self.build_lines)

    def login(self, registry: str, username: str, password: str) -> None:
        """Log in (the fake keeps nothing)."""
        self._call("login", registry)

    def repo_digests(self, ref: str) -> list[str]:
        """``repository@sha256:…`` for each tag of the image."""
        self._call("repo_digests", ref)
        image = self._image(ref)
        return [f"{t.rpartition(':')[0]}@{image.id}" for t in image.tags] if image else []

    # Containers ---------------------------------------------------------------

    def _container(self, name: str) -> FakeContainer | None:
        if name in self.containers:
            return self.containers[name]
        return next((c for c in self.containers.values() if c.spec.name == name), None)

    def _need(self, cid: str, what: str) -> FakeContainer:
        found = self._container(cid)
        if found is None:
            raise engine_error(
                f"Error: No such container: {cid}",
                what=what,
                command=self.client_call,
                exit_code=1,
            )
        return found

    def container_create(self, spec: ContainerSpec) -> str:
        """Create a container; named volumes it mounts are made if missing, as Docker does."""
        self._call("container_create", spec.name)
        image = self._image(spec.image)
        if image is None:
            raise engine_error(
                f"Unable to find image '{spec.image}' locally\nError: No such image: {spec.image}",
                what="create the container",
                command=self.client_call,
                exit_code=1,
            )
        if self._container(spec.name) is not None:
            raise engine_error(
                f'Error response from daemon: Conflict. The container name "/{spec.name}" is '
                "already in use",
                what="create the container",
                command=self.client_call,
                exit_code=1,
            )
        if spec.network and spec.network not in self.networks:
            raise engine_error(
                f"Error response from daemon: network {spec.network} not found",
                what="create the container",
                command=self.client_call,
                exit_code=1,
            )
        for volume, _ in spec.volumes:
            if not volume.startswith("/") and volume not in self.volumes:  # not a bind mount
                self.volumes[volume] = {}
                self.volume_files[volume] = {}
        # As Docker does, a container carries its image's labels under its own.
        labels = {**image.labels, **spec.labels}
        container = FakeContainer(self._new_id(), spec, image.id, labels=labels)
        self.containers[container.id] = container
        return container.id

    def container_start(self, cid: str) -> None:
        """Start a container: bind its ports, or fail as Docker does when one is taken."""
        self._call("container_start", cid)
        container = self._need(cid, "start the container")
        held = {p for c in self.containers.values() if c.running for p in c.ports.values()}
        ports: dict[int, int] = {}
        for _, port, target in container.spec.publish:
            chosen = port if port is not None else next(self._ports)
            if chosen in held | self.taken_ports:
                raise engine_error(
                    f"Error response from daemon: driver failed programming external "
                    f"connectivity: Bind for 0.0.0.0:{chosen} failed: port is already allocated",
                    what="start the container",
                    command=self.client_call,
                    exit_code=1,
                )
            ports[target] = chosen
        prefix = next((p for p in self.exits_at_start if container.spec.name.startswith(p)), None)
        if prefix is not None:
            container.exit_code, container.logs = self.exits_at_start[prefix]
            return
        container.ports, container.running, container.exit_code = ports, True, 0
        moment = datetime.datetime.fromtimestamp(next(self._clock), datetime.UTC)
        container.started_at = moment.isoformat(timespec="seconds")

    def container_info(self, name: str) -> ContainerInfo | None:
        """What the fake knows of a container, or None."""
        self._call("container_info", name)
        found = self._container(name)
        return None if found is None else found.info()

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        """``(running, exit_code)``."""
        self._call("container_state", cid)
        found = self._need(cid, "inspect the container")
        return found.running, found.exit_code

    def container_port(self, cid: str, container_port: int) -> int | None:
        """The host port a running container publishes ``container_port`` on."""
        self._call("container_port", cid)
        return self._need(cid, "inspect the container").ports.get(container_port)

    def container_logs(self, cid: str) -> str:
        """What the container printed."""
        self._call("container_logs", cid)
        return self._need(cid, "read container logs").logs

    def container_kill(self, cid: str) -> None:
        """Kill it: it stops with status 137."""
        self._call("container_kill", cid)
        found = self._need(cid, "kill the container")
        found.running, found.exit_code, found.ports = False, 137, {}

    def container_stop(self, cid: str, *, timeout: int = 10) -> None:
        """Stop it: status 0."""
        self._call("container_stop", cid)
        found = self._need(cid, "stop the container")
        found.running, found.exit_code, found.ports = False, 0, {}

    def container_remove(self, cid: str) -> None:
        """Remove a container (its volumes stay); nothing if it is gone."""
        self._call("container_remove", cid)
        found = self._container(cid)
        if found is not None:
            del self.containers[found.id]

    def containers_labelled(self, label: str) -> list[str]:
        """Ids of every container carrying ``label``."""
        self._call("containers_labelled", label)
        return [c.id for c in self.containers.values() if _matches(c.labels, label)]

    def container_running(self, name: str) -> bool | None:
        """Whether ``name`` runs; None if there is no such container."""
        self._call("container_running", name)
        found = self._container(name)
        return None if found is None else found.running

    def run_to_end(self, spec: ContainerSpec, *, timeout: float = 300.0) -> tuple[int, str]:
        """Run a container's script (``scripts``, by name prefix) and remove it."""
        cid = self.container_create(spec)
        try:
            self.container_start(cid)
            script = next((s for p, s in self.scripts.items() if spec.name.startswith(p)), None)
            code, output = script(spec) if script else (0, "")
            container = self.containers[cid]
            container.running, container.exit_code, container.logs = False, code, output
            return code, output
        finally:
            self.container_remove(cid)

    def port_user(self, port: int) -> str | None:
        """The running container that publishes ``port``."""
        self._call("port_user", str(port))
        for c in self.containers.values():
            if c.running and port in c.ports.values():
                return f"the container {c.spec.name}"
        return None

    def memory_usage(self, cids: Sequence[str]) -> dict[str, int]:
        """What each running container uses (``FakeContainer.memory``)."""
        self._call("memory_usage", ",".join(cids))
        return {cid: self.containers[cid].memory for cid in cids if self.containers[cid].running}

    def follow_logs(self, cid: str) -> FakeLogStream:
        """The container's output so far, ending if it has stopped."""
        self._call("follow_logs", cid)
        found = self._need(cid, "follow logs")
        return FakeLogStream(found.logs.splitlines(), ended=not found.running)

    # Files in containers and volumes --------------------------------------------

    def _store(self, container: FakeContainer, path: str) -> tuple[dict[str, bytes], str]:
        """The dictionary holding ``path`` (a volume's or the container's own) and the key."""
        for volume, mounted_at in container.spec.volumes:
            if volume.startswith("/"):
                continue  # a bind mount of the host's: its files are not the fake's
            mount = _norm(mounted_at)
            if path == mount or path.startswith(f"{mount}/"):
                return self.volume_files[volume], path.removeprefix(mount) or "/"
        return container.files, path

    def _listing(self, container: FakeContainer, path: str) -> dict[str, bytes]:
        """Files under ``path`` (or the file itself), keyed by their path relative to it."""
        store, key = self._store(container, path)
        if key in store:
            return {"": store[key]}
        prefix = key.rstrip("/") + "/"
        return {k.removeprefix(prefix): v for k, v in store.items() if k.startswith(prefix)}

    def _is_folder(self, container: FakeContainer, path: str) -> bool:
        """A mount point, or a path with files under it."""
        if any(_norm(mount) == path for _, mount in container.spec.volumes):
            return True
        found = self._listing(container, path)
        return bool(found) and "" not in found

    def copy_from(self, cid: str, path: str, dest: Path) -> None:
        """Copy a file or folder out, with ``docker cp``'s rules for ``/.`` and folders."""
        self._call("copy_from", f"{cid}:{path}")
        container = self._need(cid, "copy files out of the container")
        found = self._listing(container, _norm(path))
        if not found:
            raise engine_error(
                f"Error: Could not find the file {path} in container {cid}",
                what="copy files out of the container",
                command=self.client_call,
                exit_code=1,
            )
        if "" in found:  # a file
            target = dest / PurePosixPath(path).name if dest.is_dir() else dest
            target.write_bytes(found[""])
            return
        if not path.endswith("/.") and dest.is_dir():
            dest = dest / PurePosixPath(path).name
        for rel, data in found.items():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(data)

    def copy_to(self, cid: str, source: Path, path: str) -> None:
        """Copy a local file or folder in, with ``docker cp``'s rules for folders."""
        self._call("copy_to", f"{cid}:{path}")
        container = self._need(cid, "copy files into the container")
        target = _norm(path)
        if self._is_folder(container, target):
            target = f"{target}/{source.name}"  # into an existing folder
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*"))
        for item in files:
            if item.is_file():
                rel = "" if item == source else f"/{item.relative_to(source).as_posix()}"
                store, key = self._store(container, f"{target}{rel}")
                store[key] = item.read_bytes()

    def put_file(self, volume: str, path: str, data: bytes) -> None:
        """Write a file onto a volume, as a learner's server would."""
        self.volume_files.setdefault(volume, {})[_norm(path)] = data

    # Networks and volumes -----------------------------------------------------

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> bool:
        """Create the network unless it exists; whether it was made now."""
        self._call("network_ensure", name)
        if name in self.networks:
            return False
        self.networks[name] = dict(labels)
        return True

    def network_remove(self, name: str, *, timeout: float = 30.0) -> None:
        """Remove it; nothing if it is gone; an error while a running container is on it."""
        self._call("network_remove", name)
        if any(c.running and c.spec.network == name for c in self.containers.values()):
            raise engine_error(
                f"Error response from daemon: error while removing network: network {name} "
                "has active endpoints",
                what="remove the network",
                command=self.client_call,
                exit_code=1,
            )
        self.networks.pop(name, None)

    def volume_labels(self, name: str) -> dict[str, str] | None:
        """A volume's labels, or None."""
        self._call("volume_labels", name)
        found = self.volumes.get(name)
        return None if found is None else dict(found)

    def volume_create(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a volume (an existing one is left as it is, as Docker does)."""
        self._call("volume_create", name)
        if name not in self.volumes:
            self.volumes[name] = dict(labels)
            self.volume_files[name] = {}

    def volumes_labelled(self, label: str) -> dict[str, dict[str, str]]:
        """``{name: labels}`` of the volumes carrying ``label``."""
        self._call("volumes_labelled", label)
        return {n: dict(v) for n, v in self.volumes.items() if _matches(v, label)}

    def volume_remove(self, name: str) -> None:
        """Remove a volume and its files; an error if it is missing or mounted."""
        self._call("volume_remove", name)
        if name not in self.volumes:
            raise engine_error(
                f"Error: No such volume: {name}",
                what="remove the volume",
                command=self.client_call,
                exit_code=1,
            )
        if any(name == v for c in self.containers.values() for v, _ in c.spec.volumes):
            raise engine_error(
                f"Error response from daemon: remove {name}: volume is in use",
                what="remove the volume",
                command=self.client_call,
                exit_code=1,
            )
        del self.volumes[name]
        del self.volume_files[name]

    # Swarm --------------------------------------------------------------------

    def swarm_manager(self) -> bool:
        """Whether the fake plays a Swarm manager (``manager``)."""
        self._call("swarm_manager")
        return self.manager

    def services_labelled(self, label: str) -> list[str]:
        """Ids of the services carrying ``label``."""
        self._call("services_labelled", label)
        return [sid for sid, labels in self.services.items() if _matches(labels, label)]

    def service_remove(self, sid: str) -> None:
        """Remove a service."""
        self._call("service_remove", sid)
        self.services.pop(sid, None)

    def nodes(self) -> dict[str, NodeInfo]:
        """The swarm's nodes by hostname (``node_list``)."""
        self._call("nodes")
        return dict(self.node_list)

    def run_job(self, job: JobSpec, *, timeout: float) -> str:
        """Run a job's script on its node (``scripts``, by name prefix)."""
        self._call("run_job", job.name)
        node = self.node_list.get(job.node)
        if node is None or not node.usable:
            raise errors.EngineError(f"The task {job.name} on a swarm node did not complete")
        spec = ContainerSpec(job.image, job.name, job.labels, job.command)
        script = next((s for p, s in self.scripts.items() if job.name.startswith(p)), None)
        return script(spec)[1] if script else ""
