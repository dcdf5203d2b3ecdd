"""The classroom: one JupyterHub, a container per learner, nobody loses their work.

Objects of a classroom for workshop ``W`` (all labelled ``org.wiw.workshop=W``):

- network ``wiw-W``: the hub and learners' containers talk over it;
- container ``wiw-W-hub``: JupyterHub and its proxy, with the engine's socket;
- containers ``wiw-W-learner-NAME``: one per learner, no socket, limited;
- volume ``wiw-W-hub``: the hub's database, cookie secret and join secret;
- volumes ``wiw-W-home-NAME``: each learner's home. Only :meth:`Classroom.destroy`
  with ``confirm=True`` removes volumes.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wiw import _labels, errors
from wiw._docker import ContainerSpec, Engine
from wiw._version import __version__
from wiw.hub import (
    ALL_INTERFACES,
    LOOPBACK,
    Hub,
    check_port,
    check_timeout,
    lan_address,
    start_published,
)
from wiw.image import Image

__all__ = [
    "ClassPlan",
    "Classroom",
    "ClassroomOptions",
    "Learner",
    "LearnerLimits",
    "attach",
    "collect_work",
    "destroy",
    "down",
    "plan_classroom",
]

HUB_PORT = 8000
JOIN_SECRET_LABEL = "org.wiw.join-secret"  # noqa: S105 - the label's name, not a secret
_MEMORY = re.compile(r"^\d+(?:\.\d+)?[bkmgBKMG]?$")
_READY = "JupyterHub is now running at"


@dataclass(frozen=True)
class LearnerLimits:
    """What one learner's container may use.

    Attributes:
        memory: Memory limit, e.g. ``"1g"`` or ``"512m"``.
        cpus: CPU limit in cores.
        pids: Process-count limit.
    """

    memory: str = "1g"
    cpus: float = 1.0
    pids: int = 512

    def __post_init__(self) -> None:
        if not _MEMORY.match(self.memory) or memory_bytes(self.memory) < 64 * 2**20:
            raise errors.InvalidOption(
                f"Memory limit {self.memory!r}: use e.g. '1g' (64m or more)."
            )
        if not 0.05 <= self.cpus <= 1024:  # noqa: PLR2004
            raise errors.InvalidOption(f"CPU limit {self.cpus}: between 0.05 and 1024 cores.")
        if not 16 <= self.pids <= 1_000_000:  # noqa: PLR2004
            raise errors.InvalidOption(f"Process limit {self.pids}: between 16 and 1000000.")


def memory_bytes(text: str) -> int:
    """Convert a Docker memory string (``"1g"``, ``"512m"``) to bytes."""
    units = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30}
    unit = text[-1].lower() if text[-1].isalpha() else "b"
    return int(float(text.rstrip("bkmgBKMG")) * units[unit])


@dataclass(frozen=True)
class ClassroomOptions:
    """How the classroom hub behaves.

    Attributes:
        max_learners: Learner servers running at once; the next learner gets
            HTTP 429 ("full, try again"). 0 means no cap.
        concurrent_spawns: Servers starting at once; more wait their turn.
        cull_after: Seconds of inactivity after which a learner's server is
            stopped (their files stay).
        auth: ``"temporary"`` (anyone with the join URL gets an account, kept
            in their browser) or ``"shared-password"`` (learners pick a name
            and type the class password, so they can come back from another device).
        password: The class password, for ``"shared-password"`` (8 characters or more).
        limits: Per-learner resource limits.
        docker_socket: The engine's socket on the host, mounted into the hub only.
        backend: ``"docker"`` (a container per learner on this engine) or
            ``"swarm"`` (a Swarm service per learner, placed on any node of
            the swarm this engine manages).
    """

    max_learners: int = 30
    concurrent_spawns: int = 4
    cull_after: int = 3600
    auth: Literal["temporary", "shared-password"] = "temporary"
    password: str | None = field(default=None, repr=False)
    limits: LearnerLimits = field(default_factory=LearnerLimits)
    docker_socket: str = "/var/run/docker.sock"
    backend: Literal["docker", "swarm"] = "docker"

    def __post_init__(self) -> None:
        if not 0 <= self.max_learners <= 10_000:  # noqa: PLR2004
            raise errors.InvalidOption(f"max_learners={self.max_learners}: 0 to 10000.")
        if not 1 <= self.concurrent_spawns <= 1000:  # noqa: PLR2004
            raise errors.InvalidOption(f"concurrent_spawns={self.concurrent_spawns}: 1 to 1000.")
        if not 10 <= self.cull_after <= 7 * 24 * 3600:  # noqa: PLR2004
            raise errors.InvalidOption(f"cull_after={self.cull_after} s: 10 s to a week.")
        if self.auth == "shared-password" and len(self.password or "") < 8:  # noqa: PLR2004
            raise errors.InvalidOption(
                "A shared-password classroom needs a password of 8 characters or more."
            )


@dataclass(frozen=True)
class Learner:
    """A learner as the hub sees them.

    Attributes:
        name: Their account name.
        running: Whether their server runs and answers now.
        pending: ``"spawn"`` or ``"stop"`` while their server starts or stops.
        last_activity: When the hub last saw them (ISO 8601), if ever.
    """

    name: str
    running: bool
    pending: str | None
    last_activity: str | None


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


def hub_spec(
    image: Image,
    names: Names,
    options: ClassroomOptions,
    *,
    port: int | None,
    public: bool,
    join_secret: str,
    api_token: str,
) -> ContainerSpec:
    """Decide the hub's container, as plain data."""
    labels = _labels.labels_for(names.workshop, "hub", __version__)
    env = {
        "WIW_WORKSHOP": names.workshop,
        "WIW_IMAGE": image.ref,
        "WIW_NETWORK": names.network,
        "WIW_HUB_NAME": names.hub,
        "WIW_JOIN_SECRET": join_secret,
        "WIW_API_TOKEN": api_token,
        "WIW_AUTH": options.auth,
        "WIW_MAX_LEARNERS": str(options.max_learners),
        "WIW_CONCURRENT_SPAWNS": str(options.concurrent_spawns),
        "WIW_CULL_AFTER": str(options.cull_after),
        "WIW_MEM_LIMIT": str(memory_bytes(options.limits.memory)),
        "WIW_CPU_LIMIT": str(options.limits.cpus),
        "WIW_PIDS_LIMIT": str(options.limits.pids),
        "WIW_LABELS": json.dumps(_labels.labels_for(names.workshop, "learner", __version__)),
        "WIW_BACKEND": options.backend,
    }
    if options.password:
        env["WIW_PASSWORD"] = options.password
    return ContainerSpec(
        image=image.ref,
        name=names.hub,
        labels=labels,
        command=("jupyterhub", "-f", "/etc/jupyterhub/jupyterhub_config.py"),
        publish=[(ALL_INTERFACES if public else LOOPBACK, port, HUB_PORT)],
        envs=env,
        volumes=[
            (names.hub_volume, "/srv/wiw-hub"),
            (options.docker_socket, "/var/run/docker.sock"),
        ],
        network=names.network,
        user="root",  # to reach the engine's socket; the hub runs no learner code
        workdir="/srv/wiw-hub",
    )


class Classroom(Hub):
    """A running classroom hub. Use :meth:`Hub.run` with ``mode="classroom"``."""

    def __init__(
        self,
        *,
        engine: Engine,
        container_id: str,
        names: Names,
        host: str,
        port: int,
        join_secret: str,
        api_token: str,
    ) -> None:
        super().__init__(
            engine=engine, container_id=container_id, name=names.hub, host=host, port=port
        )
        self.names = names
        self._join_secret = join_secret
        self._api_token = api_token

    def __repr__(self) -> str:
        return f"Classroom({self.names.workshop!r}, port={self.port})"

    @property
    def join_url(self) -> str:
        """The URL learners open (or scan): the hub's base URL with its secret."""
        return f"http://{self.host}:{self.port}/{self._join_secret}/"

    @classmethod
    def start(
        cls,
        image: Image,
        *,
        options: ClassroomOptions,
        port: int | None = None,
        public: bool = False,
        engine: Engine | None = None,
    ) -> Classroom:
        """Start (or restart) the classroom of the image's workshop."""
        engine = engine or image.engine
        workshop = image.labels.get(_labels.WORKSHOP) or "workshop"
        names = Names(workshop)
        host = lan_address() if public else LOOPBACK
        check_port(port)
        if engine.container_running(names.hub):
            raise errors.HubError(
                f"The classroom of {workshop} is already running ({names.hub}).",
                hint=f"Use it, or stop it first with 'wiw down {workshop}'.",
            )
        engine.container_remove(names.hub)  # a stopped or killed hub from before
        swarm = options.backend == "swarm"
        if swarm and not engine.swarm_manager():
            raise errors.HubError(
                "A Swarm classroom needs this engine to be a Swarm manager.",
                hint="Run 'docker swarm init' (and 'docker swarm join' on the other machines).",
            )
        join_secret = _ensure_hub_volume(engine, names)
        net_labels = _labels.labels_for(workshop, "network", __version__)
        engine.network_ensure(names.network, net_labels, overlay=swarm)
        api_token = secrets.token_hex(32)
        spec = hub_spec(
            image,
            names,
            options,
            port=port,
            public=public,
            join_secret=join_secret,
            api_token=api_token,
        )
        cid, host_port = start_published(engine, spec, HUB_PORT)
        return cls(
            engine=engine,
            container_id=cid,
            names=names,
            host=host,
            port=host_port,
            join_secret=join_secret,
            api_token=api_token,
        )

    def wait_for_token(self, timeout: float = 120.0) -> str:
        """Wait until the hub answers, and return the join URL.

        Raises:
            wiw.errors.HubExited: The hub stopped first.
            wiw.errors.TokenTimeout: It did not become healthy before the deadline.
        """
        if self.url:
            return self.url
        deadline = time.monotonic() + check_timeout(timeout)
        follower = self.engine.follow_logs(self.container_id)
        try:
            ready = any(_READY in line for line in follower.lines(deadline))
        finally:
            follower.close()
        tail = list(follower.seen)[-25:]
        if not ready:
            running, code = self.engine.container_state(self.container_id)
            if not running:
                raise errors.HubExited(
                    f"The classroom hub {self.name} stopped while starting.",
                    exit_code=code,
                    log_tail=tail,
                )
            raise errors.TokenTimeout(
                f"The classroom hub {self.name} was not ready in time.", log_tail=tail
            )
        self._wait_healthy(deadline)
        self.url = self.join_url
        return self.url

    def _wait_healthy(self, deadline: float) -> None:
        url = f"{self.join_url}hub/health"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    if response.status == 200:  # noqa: PLR2004
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise errors.TokenTimeout(f"The classroom hub did not answer at {self.name}.")
            time.sleep(0.2)  # brief pause between bounded polls

    def _api(self, path: str) -> Any:
        request = urllib.request.Request(  # noqa: S310
            f"{self.join_url}hub/api/{path}",
            headers={"Authorization": f"token {self._api_token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read())
        except (OSError, ValueError) as exc:
            raise errors.HubError(f"The classroom hub's API did not answer: {exc}") from exc

    def learners(self) -> list[Learner]:
        """Who has joined, and whose server runs now."""
        learners = []
        for user in self._api("users"):
            server = (user.get("servers") or {}).get("", {})
            learners.append(
                Learner(
                    name=user["name"],
                    running=bool(server.get("ready")),
                    pending=server.get("pending"),
                    last_activity=user.get("last_activity"),
                )
            )
        return learners

    def collect_work(self, dest: str | Path, *, image: Image | None = None) -> list[Path]:
        """Copy every learner's files into ``dest/NAME/`` and return those folders."""
        return collect_work(self.names.workshop, dest, image=image, engine=self.engine)

    def stop(self) -> None:
        """Stop the classroom: remove hub, learners' containers and network; keep all volumes."""
        if self._stopped:
            return
        self._stopped = True
        down(self.names.workshop, engine=self.engine)


def _ensure_hub_volume(engine: Engine, names: Names) -> str:
    """Create the hub's volume on first start; return the classroom's join secret."""
    labels = engine.volume_labels(names.hub_volume)
    if labels is None:
        secret = secrets.token_urlsafe(24)  # 192 bits
        labels = {
            **_labels.labels_for(names.workshop, "hub-state", __version__),
            JOIN_SECRET_LABEL: secret,
        }
        engine.volume_create(names.hub_volume, labels)
    found = labels.get(JOIN_SECRET_LABEL)
    if not found:
        raise errors.HubError(
            f"Volume {names.hub_volume} exists but was not made by wiw.",
            hint="Rename or remove that volume; wiw will not take it over.",
        )
    return found


def down(workshop: str, *, engine: Engine) -> None:
    """Stop a workshop's classroom: remove its containers and network, keep every volume."""
    names = Names(workshop)
    label = f"{_labels.WORKSHOP}={workshop}"
    for sid in engine.services_labelled(label):
        engine.service_remove(sid)
    for cid in engine.containers_labelled(label):
        engine.container_remove(cid)
    engine.network_remove(names.network)


def learner_volumes(workshop: str, *, engine: Engine) -> dict[str, str]:
    """Map each learner of a workshop to their home volume."""
    names = Names(workshop)
    found = engine.volumes_labelled(f"{_labels.WORKSHOP}={workshop}")
    return {
        name.removeprefix(names.home_prefix): name
        for name in sorted(found)
        if name.startswith(names.home_prefix)
    }


def collect_work(
    workshop: str, dest: str | Path, *, image: Image | None = None, engine: Engine
) -> list[Path]:
    """Copy every learner's home into ``dest/NAME/`` (read from their volumes)."""
    target = Path(dest)
    folders = []
    for learner, volume in learner_volumes(workshop, engine=engine).items():
        folder = target / learner
        folder.mkdir(parents=True, exist_ok=True)
        spec = ContainerSpec(
            image=(image.ref if image else _any_image_of(workshop, engine)),
            name=f"wiw-{workshop}-collect-{secrets.token_hex(4)}",
            labels=_labels.labels_for(workshop, "collect", __version__),
            command=("true",),
            volumes=[(volume, "/home/learner")],
        )
        cid = engine.container_create(spec)  # never started: only read from
        try:
            engine.copy_from(cid, "/home/learner/.", folder)
        finally:
            engine.container_remove(cid)
        folders.append(folder)
    return folders


def _any_image_of(workshop: str, engine: Engine) -> str:
    images = [i for i in engine.images_labelled(f"{_labels.WORKSHOP}={workshop}") if i.tags]
    if not images:
        raise errors.ImageNotFound(f"No image of workshop {workshop} to read volumes with.")
    return images[0].tags[0]


def destroy(workshop: str, *, confirm: bool, engine: Engine) -> list[str]:
    """Stop a classroom and delete its volumes, learners' files included.

    Raises:
        wiw.errors.InvalidOption: ``confirm`` is not True.
    """
    if confirm is not True:
        raise errors.InvalidOption(
            f"Destroying the classroom of {workshop} deletes every learner's files.",
            hint="Collect their work first; then pass confirm=True (CLI: --yes).",
        )
    down(workshop, engine=engine)
    removed = []
    for name in engine.volumes_labelled(f"{_labels.WORKSHOP}={workshop}"):
        engine.volume_remove(name)
        removed.append(name)
    return removed


@dataclass(frozen=True)
class ClassPlan:
    """How many learners a machine holds, and the limits to give each.

    Attributes:
        requested: Learners the instructor expects.
        fit: Learners this machine holds at the expected memory use.
        per_learner: Bytes one learner is expected to use (idle server plus
            the lessons' measured peak, with headroom).
        limits: The limits to apply to each learner's container.
        host_memory: The engine's memory in bytes.
        host_cpus: The engine's CPUs.
    """

    requested: int
    fit: int
    per_learner: int
    limits: LearnerLimits
    host_memory: int
    host_cpus: int

    @property
    def fits(self) -> bool:
        """Whether the requested class fits."""
        return self.requested <= self.fit

    def summary(self) -> str:
        """One paragraph for the instructor."""
        verdict = "fits" if self.fits else "does NOT fit"
        return (
            f"{self.requested} learners {verdict}: this machine "
            f"({self.host_memory / 2**30:.1f} GiB, {self.host_cpus} CPUs) holds about "
            f"{self.fit} at {self.per_learner / 2**20:.0f} MiB each. "
            f"Each learner is limited to {self.limits.memory} memory, "
            f"{self.limits.cpus:g} CPU and {self.limits.pids} processes."
        )


IDLE_LEARNER = 110 * 2**20  # an idle learner's server, measured on Debian 12
HUB_OVERHEAD = 300 * 2**20  # the hub, its proxy and the culler


def plan_classroom(
    *,
    learners: int,
    host_memory: int,
    host_cpus: int,
    lesson_peak: int | None = None,
    cpus: float = 1.0,
) -> ClassPlan:
    """Size a classroom from the lessons' measured memory and the machine's.

    Args:
        learners: How many learners are expected.
        host_memory: The engine's total memory in bytes.
        host_cpus: The engine's CPUs.
        lesson_peak: Peak memory while the lessons ran (``LessonReport.peak_memory``).
        cpus: CPU limit per learner.

    Returns:
        The plan: how many fit and the per-learner limits.
    """
    if learners < 1 or host_memory <= 0 or host_cpus < 1:
        raise errors.InvalidOption(
            f"learners={learners}, host_memory={host_memory}, host_cpus={host_cpus}: "
            "all must be positive."
        )
    per_learner = int(max(IDLE_LEARNER, lesson_peak or 0) * 1.25)
    usable = int(host_memory * 0.9) - HUB_OVERHEAD
    fit = max(0, usable // per_learner)
    limit_mib = max(512, -(-2 * per_learner // 2**20 // 128) * 128)  # 2x expected, 128 MiB steps
    limits = LearnerLimits(memory=f"{limit_mib}m", cpus=min(cpus, float(host_cpus)))
    return ClassPlan(learners, fit, per_learner, limits, host_memory, host_cpus)


def attach(workshop: str, *, engine: Engine) -> Classroom:
    """Find the running classroom of ``workshop`` (started by this or another process).

    Raises:
        wiw.errors.HubError: No classroom of that workshop runs.
    """
    names = Names(workshop)
    if not engine.container_running(names.hub):
        raise errors.HubError(
            f"No classroom of {workshop} is running.", hint="Start one with 'wiw up'."
        )
    env = engine.container_env(names.hub)
    port = engine.container_port(names.hub, HUB_PORT)
    if port is None or "WIW_JOIN_SECRET" not in env:
        raise errors.HubError(f"{names.hub} is not a wiw classroom hub.")
    hub = Classroom(
        engine=engine,
        container_id=names.hub,
        names=names,
        host=LOOPBACK,
        port=port,
        join_secret=env["WIW_JOIN_SECRET"],
        api_token=env["WIW_API_TOKEN"],
    )
    hub.url = hub.join_url
    return hub
