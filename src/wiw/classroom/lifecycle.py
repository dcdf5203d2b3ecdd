"""The classroom: one JupyterHub, a container per learner, nobody loses their work.

Objects of a classroom for workshop ``W`` (all labelled ``org.wiw.workshop=W``):

- network ``wiw-W``: the hub and learners' containers talk over it;
- container ``wiw-W-hub``: JupyterHub and its proxy, with the engine's socket;
- containers ``wiw-W-learner-NAME``: one per learner, no socket, limited;
- volume ``wiw-W-hub``: the hub's database and cookie secret, and wiw's own
  state (the join secret, the port learners know);
- volumes ``wiw-W-home-NAME``: each learner's home. Only :meth:`Classroom.destroy`
  with ``confirm=True`` removes volumes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom.contract import (
    HOME,
    HUB_PORT,
    INSTRUCTOR,
    STATE_DIR,
    HubSettings,
    Names,
    hub_spec,
)
from wiw.classroom.delivery import Delivered, deliver_lessons
from wiw.classroom.hub_api import HubAPI
from wiw.classroom.seats import Seats, read_seats, seat_homes, taken_seats
from wiw.classroom.state import (
    STATE_FILE,
    ClassroomState,
    TLSFiles,
    access_warnings,
    load_state,
    read_file,
    resolve_access,
    write_state,
)
from wiw.classroom.swarm import collect_from_nodes, placements
from wiw.contract import SEAT_LABEL, clean_name, name_problem, short_form
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec
from wiw.errors import ServerAPIError
from wiw.lab.serve import (
    ALL_INTERFACES,
    LOG_TAIL,
    LOOPBACK,
    check_port,
    check_timeout,
    start_published,
)
from wiw.network import port_holder
from wiw.planning import LearnerLimits
from wiw.waiting import Deadline, WaitTimeout, poll

__all__ = [
    "Classroom",
    "ClassroomOptions",
    "Learner",
    "attach",
    "collect_work",
    "destroy",
    "down",
    "learner_volumes",
]

_READY = "JupyterHub is now running at"
_MIN_PASSWORD = 8
_MAX_LEARNERS = 10_000
_MAX_SPAWNS = 1000
_MIN_CULL, _MAX_CULL = 10, 7 * 24 * 3600


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
        docker_socket: The engine's socket on the host, mounted into the hub
            only; the engine's own if omitted (Docker's, or Podman's API socket).
        backend: ``"docker"`` (a container per learner on this engine) or
            ``"swarm"`` (a Swarm service per learner, placed on any node of
            the swarm this engine manages).
        seats: Learners' servers to keep started ahead, so that learners who
            arrive together each find one ready (0: none; not on Swarm yet).
            Refilled as learners take them, within ``max_learners``.
        short_url: Answer the class's short address (:attr:`Classroom.short_url`),
            for people who type rather than scan.
        roster: The class list: the join page offers these names and takes
            only them, each once (empty: any name). With temporary logins only.
    """

    max_learners: int = 30
    concurrent_spawns: int = 4
    cull_after: int = 3600
    auth: Literal["temporary", "shared-password"] = "temporary"
    password: str | None = field(default=None, repr=False)
    limits: LearnerLimits = field(default_factory=LearnerLimits)
    docker_socket: str | None = None
    backend: Literal["docker", "swarm"] = "docker"
    seats: int = 0
    short_url: bool = True
    roster: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_range("The learner cap", self.max_learners, 0, _MAX_LEARNERS)
        _check_range("The number of servers starting at once", self.concurrent_spawns, 1,
                     _MAX_SPAWNS)  # fmt: skip
        _check_range("The idle time before culling", self.cull_after, _MIN_CULL, _MAX_CULL)
        self._check_seats()
        self._check_roster()
        if self.auth == "shared-password" and len(self.password or "") < _MIN_PASSWORD:
            raise errors.InvalidOption(
                "A shared-password classroom needs a password of 8 characters or more.",
                hint="Choose a class password of at least 8 characters.",
            )

    def _check_seats(self) -> None:
        _check_range("The number of seats", self.seats, 0, self.max_learners or _MAX_SPAWNS)

    def _check_roster(self) -> None:
        if self.roster and self.auth != "temporary":
            raise errors.InvalidOption(
                "A class list works with the join page, not with a class password.",
                hint="Give either the class list or the class password.",
            )
        seen: dict[str, str] = {}
        for name in self.roster:
            problem = name_problem(name)
            if name != clean_name(name):
                problem = "Write it with single spaces and none around it."
            if problem is None and name.casefold() in seen:
                problem = f"It is on the list already, as {seen[name.casefold()]!r}."
            if problem is not None:
                raise errors.InvalidOption(
                    f"{name!r} cannot be on the class list: {problem}",
                    hint="Write one name per line, each once, as learners should see it.",
                )
            seen[name.casefold()] = name


def _check_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise errors.InvalidOption(
            f"{what} is {value}, out of range.", hint=f"Give a number from {low} to {high}."
        )


@dataclass(frozen=True)
class Learner:
    """A learner as the hub sees them.

    Attributes:
        name: Their name (their account: the name they gave when joining).
        running: Whether their server runs and answers now.
        pending: ``"spawn"`` or ``"stop"`` while their server starts or stops.
        last_activity: When the hub last saw them (ISO 8601), if ever.
        memory: Bytes of memory their server uses now, while it runs.
        node: On Swarm, the host name of the node that holds their home.
    """

    name: str
    running: bool
    pending: str | None
    last_activity: str | None
    memory: int | None = None
    node: str | None = None


class Classroom:
    """A running classroom hub: one join URL, a server per learner.

    Start one with :meth:`start`, find a running one with :meth:`attach`::

        with Classroom.start(image, ClassroomOptions(max_learners=25)) as classroom:
            save_qr(classroom.wait_until_ready(), "join.png")
    """

    def __init__(
        self, *, engine: ContainerEngine, container_id: str, names: Names, state: ClassroomState
    ) -> None:
        self.engine = engine
        self.container_id = container_id
        self.names = names
        self.state = state
        self.url: str | None = None
        self.notices: list[str] = []  # things the instructor should know, e.g. a new URL
        self._stopped = False
        short = (state.short_code, short_form(state.short_code)) if state.short_code else ()
        for secret in (state.join_secret, state.api_token, state.instructor_secret, *short):
            if secret:
                errors.register_secret(secret)

    def __repr__(self) -> str:
        return f"Classroom({self.names.workshop!r}, port={self.port})"

    @property
    def name(self) -> str:
        """The hub's container name."""
        return self.names.hub

    @property
    def port(self) -> int:
        """The host port the class is served on."""
        assert self.state.port is not None  # noqa: S101 - set once started
        return self.state.port

    @property
    def join_url(self) -> str:
        """The URL learners open (or scan): the hub's base URL with its secret."""
        return self.state.join_url

    @property
    def instructor_url(self) -> str:
        """The instructor's URL: it logs them in to see and help every learner.

        Keep it to yourself: it is never in the QR code or the join URL.
        """
        return self.state.instructor_url

    @property
    def short_url(self) -> str | None:
        """The short address, for people who type rather than scan: it leads to the join URL.

        For example ``http://192.168.1.20:41457/k7mq-4xr-2h9``. Guessing it is
        slowed to a few tries a minute per device; None when the class was
        started with ``short_url=False``.
        """
        return self.state.short_url

    @property
    def _local_url(self) -> str:
        """The hub's base URL as reached from this machine."""
        return f"{self.state.scheme}://{LOOPBACK}:{self.port}/{self.state.join_secret}/"

    @property
    def _hub(self) -> HubAPI:
        """The hub's REST API, on loopback.

        Over HTTPS the certificate names the public host, not 127.0.0.1, and
        the hub is this machine's own container: it is not verified here.
        """
        return HubAPI(self._local_url, self.state.api_token, verify_tls=False)

    @classmethod
    def start(
        cls,
        image: Image,
        options: ClassroomOptions | None = None,
        *,
        port: int | None = None,
        public: bool | None = None,
        host: str | None = None,
        public_url: str | None = None,
        tls: TLSFiles | bool | None = None,
        source: str | None = None,
        engine: ContainerEngine | None = None,
    ) -> Classroom:
        """Start (or restart) the classroom of the image's workshop.

        Its join secret, the port learners were given and how they reach the
        class are kept on the hub's volume: starting the classroom again gives
        the same join URL, unless told otherwise.

        Args:
            image: The workshop image; learners' servers start from it too.
            options: Caps, limits and logins; the defaults if omitted.
            port: The host port; the one used last time (or a free one) if omitted.
            public: Listen on the network (True) or on loopback only (False);
                as last time if omitted (loopback the first time).
            host: The name or address the join URL uses, e.g. a DNS name; by
                default the address of the interface carrying the default
                route (with ``public``) or 127.0.0.1.
            public_url: The URL a reverse proxy in front serves the class at
                (``https://workshop.example.org/``); the join URL is this plus
                the secret.
            tls: A certificate and key to serve HTTPS with; False to serve
                plain HTTP again; as last time if omitted.
            source: Where the workshop comes from (its folder's absolute path,
                or its repository): a class of the same name started from
                elsewhere is refused instead of taken over.
            engine: The engine; the image's engine if omitted.

        Returns:
            The classroom; call :meth:`wait_until_ready` for its join URL.

        Raises:
            wiw.errors.HubError: The classroom already runs, a Swarm
                classroom was asked of an engine outside a swarm, or a class of
                the same name belongs to another folder.
            wiw.errors.PortInUse: The port is taken (the error says by what).
            wiw.errors.NoPublicAddress: ``public`` and no network address was found.
        """
        options = options or ClassroomOptions()
        engine = engine or image.engine
        names = Names(image.workshop)  # raises ImageNotFound before anything is made
        check_port(port)
        _refuse_running(engine, names, swarm=options.backend == "swarm")
        made: list[str] = []
        asked = {"port": port, "public": public, "host": host, "public_url": public_url}
        try:
            return cls._start(
                image, options, names, engine, made, {**asked, "tls": tls}, source=source
            )
        except BaseException:
            _undo(engine, names, made)
            raise

    @classmethod
    def _start(  # noqa: PLR0917 - one private step of start()
        cls,
        image: Image,
        options: ClassroomOptions,
        names: Names,
        engine: ContainerEngine,
        made: list[str],
        asked: dict[str, Any],
        *,
        source: str | None,
    ) -> Classroom:
        before = load_state(engine, names, image.ref, made)
        _refuse_other_source(names.workshop, before.source, source)
        # On this engine, learners start from the image itself (its id), so a
        # rebuild changes nothing until 'wiw update' says so; Swarm nodes pull by name.
        runs = image.ref if options.backend == "swarm" else image.id
        state = replace(
            resolve_access(before, **asked), image=runs, source=source or before.source,
            short=options.short_url,
        )  # fmt: skip
        net_labels = _labels.labels_for(names.workshop, "network", __version__)
        if engine.network_ensure(names.network, net_labels, overlay=options.backend == "swarm"):
            made.append("network")
        spec = hub_spec(
            names,
            _settings(runs, options, tls=state.scheme == "https"),
            bind=ALL_INTERFACES if state.public else LOOPBACK,
            port=state.port,
            docker_socket=options.docker_socket or engine.api_socket(),
        )
        tls = asked["tls"] if isinstance(asked["tls"], TLSFiles) else None
        cid, host_port = _start_hub(engine, spec, state, options, tls)
        state = replace(state, port=host_port)
        write_state(engine, cid, state)
        room = cls(engine=engine, container_id=cid, names=names, state=state)
        if before.port is not None and before.join_url != state.join_url:
            room.notices.append(
                f"The join URL changed (it was {before.join_url}): share the new QR code."
            )
        room.notices += access_warnings(state, remembered=asked["host"] is None)
        return room

    @classmethod
    def attach(cls, workshop: str, *, engine: ContainerEngine) -> Classroom:
        """Find the running classroom of ``workshop`` (started by this or another process).

        Raises:
            wiw.errors.HubError: No classroom of that workshop runs.
        """
        names = Names(workshop)
        if not engine.container_running(names.hub):
            raise errors.HubError(
                f"No classroom of {workshop} is running.", hint="Start one with 'wiw up'."
            )
        text = read_file(engine, names.hub, f"{STATE_DIR}/{STATE_FILE}")
        if text is None:
            raise errors.HubError(
                f"{names.hub} is not a classroom hub of this version of wiw.",
                hint=f"Stop it with 'wiw down {workshop}' and start it again with 'wiw up'.",
            )
        room = cls(
            engine=engine,
            container_id=names.hub,
            names=names,
            state=ClassroomState.from_json(text),
        )
        room.url = room.join_url
        return room

    def wait_until_ready(self, timeout: float = 120.0) -> str:
        """Wait until the hub answers, and return the join URL.

        Raises:
            wiw.errors.HubExited: The hub stopped first.
            wiw.errors.TokenTimeout: It did not become healthy before the deadline.
        """
        if self.url:
            return self.url
        deadline = Deadline(check_timeout(timeout))
        follower = self.engine.follow_logs(self.container_id)
        try:
            ready = any(_READY in line for line in follower.lines(deadline))
        finally:
            follower.close()
        if not ready:
            running, code = self.engine.container_state(self.container_id)
            tail = list(follower.seen)[-LOG_TAIL:]
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

    def wait_for_token(self, timeout: float = 120.0) -> str:
        """The same as :meth:`wait_until_ready` (the name :class:`wiw.Hub` uses)."""
        return self.wait_until_ready(timeout)

    def _wait_healthy(self, deadline: Deadline) -> None:
        hub = self._hub

        def healthy() -> bool | None:
            return hub.healthy() or None

        try:
            poll(healthy, timeout=deadline.remaining, what="the hub", retry_on=(ServerAPIError,))
        except WaitTimeout:
            raise errors.TokenTimeout(
                f"The classroom hub {self.name} did not answer its health check."
            ) from None

    def learners(self) -> list[Learner]:
        """Who has joined, by name, with their server's state, last activity and memory.

        The instructor's own account is not listed.
        """
        memory = self._memory_by_learner()
        learners = []
        for user in self._hub.users():
            if user["name"] == INSTRUCTOR:
                continue
            server = (user.get("servers") or {}).get("", {})
            learners.append(
                Learner(
                    name=user["name"],
                    running=bool(server.get("ready")),
                    pending=server.get("pending"),
                    last_activity=user.get("last_activity"),
                    memory=memory.get(user["name"]),
                    node=(server.get("state") or {}).get("node_name"),
                )
            )
        return learners

    def _memory_by_learner(self) -> dict[str, int]:
        """Memory in use now by each learner's running container, by learner name.

        A taken seat's container was started before its learner was known: its
        learner is the one the hub recorded for the seat.
        """
        owners, seated = {}, {}
        for cid in self.engine.containers_labelled(f"{_labels.WORKSHOP}={self.names.workshop}"):
            info = self.engine.container_info(cid)
            if info and info.running and info.labels.get(_labels.ROLE) == "learner":
                owners[info.id] = info.env.get("JUPYTERHUB_USER", "")
                if SEAT_LABEL in info.labels:
                    seated[info.id] = info.labels[SEAT_LABEL]
        if seated:
            taken = taken_seats(self.engine, self.names, lambda: self.state.image)
            owners.update({cid: taken.get(seat, "") for cid, seat in seated.items()})
        used = self.engine.memory_usage([cid for cid, owner in owners.items() if owner])
        return {owners[cid]: size for cid, size in used.items()}

    def seats(self) -> Seats | None:
        """The class's seats now (ready, starting, taken), or None when it keeps none."""
        return read_seats(self.engine, self.names)

    def wait_for_seats(
        self, timeout: float = 300.0, progress: Callable[[Seats], None] | None = None
    ) -> Seats | None:
        """Wait until the spare seats are ready (or the class needs no more); return them.

        Args:
            timeout: Seconds to wait at most.
            progress: Called with the seats each time their count changes.

        Raises:
            wiw.errors.TokenTimeout: The seats were not ready in time.
        """
        seen: list[Seats | None] = [None]

        def ready() -> Seats | None:
            seats = self.seats()
            if seats is not None and seats != seen[0] and progress is not None:
                progress(seats)
            seen[0] = seats
            return seats if seats is not None and seats.starting == 0 else None

        try:
            return poll(ready, timeout=check_timeout(timeout), what="the seats", interval=1.0)
        except WaitTimeout:
            raise errors.TokenTimeout(
                f"The seats of {self.names.workshop} were not all ready in time ({seen[0]}).",
                hint="Learners can join now; their servers start as they arrive. See the "
                f"hub's log ('wiw logs {self.names.workshop}').",
            ) from None

    def update(self, image: Image, *, restore_deleted: bool = False) -> list[Delivered]:
        """Switch the class to a new image of its workshop and deliver its lessons to everyone.

        Servers started from now on run ``image``; servers running now keep
        theirs (and their kernels). Every learner's home, their server running
        or not, gets the new lessons without losing an edit: a lesson they
        never changed is replaced, one they changed stays as it is with the
        new version beside it (``lesson02.updated.ipynb``), one they deleted
        stays deleted (unless ``restore_deleted``), new lessons appear.

        Args:
            image: The rebuilt image of this classroom's workshop.
            restore_deleted: Bring back lessons learners deleted.

        Returns:
            What each learner's home got.

        Raises:
            wiw.errors.InvalidOption: The image is another workshop's.
        """
        if image.workshop != self.names.workshop:
            raise errors.InvalidOption(
                f"{image.ref} is an image of {image.workshop}, not of {self.names.workshop}.",
                hint="Update a classroom with a new image of its own workshop.",
            )
        info = self.engine.container_info(self.container_id)
        swarm = info is not None and info.env.get("WIW_BACKEND") == "swarm"
        self.state = replace(self.state, image=image.ref if swarm else image.id)
        write_state(self.engine, self.container_id, self.state)
        homes = learner_volumes(self.names.workshop, engine=self.engine)
        return deliver_lessons(
            self.engine, self.names.workshop, image.id, homes, restore_deleted=restore_deleted
        )

    def collect_work(self, dest: str | Path, *, image: Image | None = None) -> list[Path]:
        """Copy every learner's files into ``dest/NAME/`` and return those folders."""
        return collect_work(self.names.workshop, dest, image=image, engine=self.engine)

    def stop(self) -> None:
        """Stop the classroom: remove hub, learners' containers and network; keep all volumes."""
        if self._stopped:
            return
        self._stopped = True
        down(self.names.workshop, engine=self.engine)

    def destroy(self, *, confirm: bool) -> list[str]:
        """Stop the classroom and delete every learner's files (see :func:`destroy`)."""
        self._stopped = True
        return destroy(self.names.workshop, confirm=confirm, engine=self.engine)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _settings(image: str, options: ClassroomOptions, *, tls: bool = False) -> HubSettings:
    return HubSettings(
        image=image,
        auth=options.auth,
        max_learners=options.max_learners,
        concurrent_spawns=options.concurrent_spawns,
        cull_after=options.cull_after,
        memory=options.limits.memory_bytes,
        cpus=options.limits.cpus,
        pids=options.limits.pids,
        backend=options.backend,
        tls=tls,
        seats=options.seats,
        short_url=options.short_url,
    )


def _refuse_running(engine: ContainerEngine, names: Names, *, swarm: bool) -> None:
    """Refuse a second hub, and a Swarm classroom outside a swarm; clear a dead hub."""
    if engine.container_running(names.hub):
        raise errors.HubError(
            f"The classroom of {names.workshop} is already running ({names.hub}).",
            hint=f"Use it ('wiw status {names.workshop}'), or stop it first with "
            f"'wiw down {names.workshop}'.",
        )
    if swarm and not engine.swarm_manager():
        raise errors.HubError(
            "A Swarm classroom needs this engine to be a Swarm manager.",
            hint="Run 'docker swarm init' (and 'docker swarm join' on the other machines).",
        )
    engine.container_remove(names.hub)  # a stopped or killed hub from before


def _refuse_other_source(workshop: str, kept: str | None, asked: str | None) -> None:
    """Refuse to take over the class of another folder that has the same name."""
    if kept and asked and kept != asked:
        raise errors.HubError(
            f"The class {workshop} belongs to {kept}; {asked} has the same name.",
            hint=f"Rename one of the folders, or end the other class first ('wiw collect "
            f"{workshop} DEST', then 'wiw destroy {workshop} --yes').",
        )


def _undo(engine: ContainerEngine, names: Names, made: list[str]) -> None:
    """Remove what a failed start created in this call (never a volume that held anything)."""
    engine.container_remove(names.hub)
    if "network" in made:
        engine.network_remove(names.network)
    if "volume" in made:
        engine.volume_remove(names.hub_volume)


def _start_hub(
    engine: ContainerEngine,
    spec: ContainerSpec,
    state: ClassroomState,
    options: ClassroomOptions,
    tls: TLSFiles | None,
) -> tuple[str, int]:
    """Create the hub, give it its state before it starts, and start it.

    Raises:
        wiw.errors.PortInUse: The port is taken; the error says by what, when it can.
    """

    def prepare(cid: str) -> None:
        write_state(engine, cid, state, password=options.password, tls=tls, roster=options.roster)

    try:
        return start_published(engine, spec, HUB_PORT, before_start=prepare)
    except errors.PortInUse as exc:
        if state.port is None:
            raise
        holder = engine.port_user(state.port) or port_holder(state.port) or "another program"
        raise errors.PortInUse(
            f"Port {state.port}, where learners of {spec.labels[_labels.WORKSHOP]} join, "
            f"is in use by {holder}.",
            hint="Stop what holds it and start again, or move the class with --port "
            "(its join URL and QR code then change).",
            command=exc.command,
            exit_code=exc.exit_code,
            stderr=exc.stderr,
        ) from exc


def down(workshop: str, *, engine: ContainerEngine) -> None:
    """Stop a workshop's classroom: remove its containers and network, keep every volume."""
    names = Names(workshop)
    label = f"{_labels.WORKSHOP}={workshop}"
    engine.container_remove(names.hub)  # first: its seat service would start new seats
    for sid in engine.services_labelled(label):
        engine.service_remove(sid)
    for cid in engine.containers_labelled(label):
        engine.container_remove(cid)
    engine.network_remove(names.network)


def attach(workshop: str, *, engine: ContainerEngine) -> Classroom:
    """Find the running classroom of ``workshop`` (see :meth:`Classroom.attach`)."""
    return Classroom.attach(workshop, engine=engine)


def learner_volumes(workshop: str, *, engine: ContainerEngine) -> dict[str, str]:
    """Map each learner of a workshop (their account name) to their home volume.

    A learner who took a seat has the seat's home; free seats' homes are nobody's.
    """
    names = Names(workshop)
    found = engine.volumes_labelled(f"{_labels.WORKSHOP}={workshop}")
    homes = {
        labels.get(_labels.LEARNER) or name.removeprefix(names.home_prefix): name
        for name, labels in sorted(found.items())
        if name.startswith(names.home_prefix)
    }
    if any(name.startswith(names.seat_prefix) for name in found):
        taken = taken_seats(engine, names, lambda: _any_image_of(workshop, engine))
        homes.update(seat_homes(found, names, taken))
    return homes


def _collect_on_swarm(workshop: str, dest: Path, *, engine: ContainerEngine) -> list[Path]:
    """Collect from every node of a swarm, where the hub says each home is."""
    room = Classroom.attach(workshop, engine=engine)  # raises HubError when not running
    homes = placements(room._hub.users())
    folders = {who: dest / name for who, name in folder_names([h.learner for h in homes]).items()}
    return collect_from_nodes(engine, workshop, room.state.image, homes, folders)


def folder_names(learners: list[str]) -> dict[str, str]:
    """A folder name for each learner: safe on any filesystem, and never the same twice.

    Path separators, control characters and leading dots go; names that end
    up equal (``Ada`` and ``ada`` on a case-insensitive disk) get ``-2``, ``-3``.
    """
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for learner in sorted(learners):
        base = re.sub(r'[\x00-\x1f/\\:*?"<>|]+', "_", learner).strip().lstrip(".")[:100]
        base = base or "learner"
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        chosen[learner] = name
    return chosen


def collect_work(
    workshop: str, dest: str | Path, *, image: Image | None = None, engine: ContainerEngine
) -> list[Path]:
    """Copy every learner's home into ``dest/NAME/`` (read from their volumes).

    On Swarm, each home is read on the node that holds it; the classroom
    must run then, as its hub knows which node that is.

    Returns:
        The folders written, one per learner, named after the learner.

    Raises:
        wiw.errors.HubError: A Swarm classroom's hub is not running.
        wiw.errors.CollectIncomplete: On Swarm, some learners' nodes are
            unavailable (everyone else's work is collected first).
    """
    hub = engine.container_info(Names(workshop).hub)
    if hub is not None and hub.env.get("WIW_BACKEND") == "swarm":
        return _collect_on_swarm(workshop, Path(dest), engine=engine)
    volumes = learner_volumes(workshop, engine=engine)
    folders = []
    for learner, folder_name in folder_names(list(volumes)).items():
        folder = Path(dest) / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        spec = ContainerSpec(
            image=(image.ref if image else _any_image_of(workshop, engine)),
            name=f"wiw-{workshop}-collect-{secrets.token_hex(4)}",
            labels=_labels.labels_for(workshop, "helper", __version__),
            command=("true",),
            volumes=[(volumes[learner], HOME)],
        )
        cid = engine.container_create(spec)  # never started: only read from
        try:
            engine.copy_from(cid, f"{HOME}/.", folder)
        finally:
            engine.container_remove(cid)
        folders.append(folder)
    return folders


def _any_image_of(workshop: str, engine: ContainerEngine) -> str:
    images = [i for i in engine.images_labelled(f"{_labels.WORKSHOP}={workshop}") if i.tags]
    if not images:
        raise errors.ImageNotFound(f"No image of workshop {workshop} to read volumes with.")
    return images[0].tags[0]


def destroy(workshop: str, *, confirm: bool, engine: ContainerEngine) -> list[str]:
    """Stop a classroom and delete its volumes, learners' files included.

    Raises:
        wiw.errors.InvalidOption: ``confirm`` is not True.
    """
    if confirm is not True:
        raise errors.InvalidOption(
            f"Destroying the classroom of {workshop} deletes every learner's files.",
            hint="Collect their work first (collect_work); then pass confirm=True.",
        )
    down(workshop, engine=engine)
    removed = []
    for name in engine.volumes_labelled(f"{_labels.WORKSHOP}={workshop}"):
        engine.volume_remove(name)
        removed.append(name)
    return removed
