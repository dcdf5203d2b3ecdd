"""What a classroom keeps on its hub's volume, so that its join URL never changes.

The join secret, wiw's API token, the port learners were given, how they
reach the class (loopback or the network, a host name, HTTPS) and the class
password live in files on the hub's state volume, readable by root only, and
are read back when the classroom starts again.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from wiw import errors
from wiw._version import __version__
from wiw.classroom.contract import HUB_STATE, STATE_DIR, Names
from wiw.contract import new_short_code, short_form
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec
from wiw.network import HostProblem, check_host, public_address, url_host

__all__ = [
    "IMAGE_FILE",
    "PASSWORD_FILE",
    "STATE_FILE",
    "TLS_CERT",
    "TLS_KEY",
    "ClassroomState",
    "TLSFiles",
    "access_warnings",
    "load_state",
    "read_file",
    "read_saved_state",
    "resolve_access",
    "write_state",
]

STATE_FILE = "state.json"
PASSWORD_FILE = "password"  # noqa: S105 - a file name
TLS_CERT, TLS_KEY = "tls.crt", "tls.key"
IMAGE_FILE = "image"  # the image learners' servers start from now
ROSTER_FILE = "roster.json"  # the class list, when the instructor gave one
JOIN_SECRET_LABEL = "org.wiw.join-secret"  # noqa: S105 - where wiw before 0.2 kept it
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class TLSFiles:
    """A certificate (with its chain) and its private key, as PEM files.

    Raises:
        wiw.errors.InvalidOption: A file is missing or is not PEM of its kind.
    """

    cert: Path
    key: Path

    def __post_init__(self) -> None:
        for path, kind, flag in ((self.cert, "CERTIFICATE", "--tls-cert"),
                                 (self.key, "PRIVATE KEY", "--tls-key")):  # fmt: skip
            try:
                text = Path(path).read_text(errors="replace")
            except OSError as exc:
                raise errors.InvalidOption(
                    f"Cannot read {path}: {exc.strerror}.", hint=f"Give {flag} a readable file."
                ) from exc
            if f"-----BEGIN {kind}" not in text and not (
                kind == "PRIVATE KEY" and "PRIVATE KEY-----" in text
            ):
                raise errors.InvalidOption(
                    f"{path} holds no PEM {kind.lower()}.",
                    hint=f"Give {flag} a PEM file (the text starts with '-----BEGIN').",
                )


@dataclass(frozen=True)
class ClassroomState:
    """What wiw keeps on the hub's volume so that the join URL never changes.

    Attributes:
        join_secret: The join URL's path (192 random bits).
        api_token: wiw's token for the hub's API.
        port: The host port learners know, once one was published.
        public: Whether the class listens on the network, not only on loopback.
        host: The name or address the instructor asked the URL to use, if any.
        address: The name or address the join URL used last.
        scheme: ``http``, or ``https`` when the hub has a certificate.
        public_url: The URL a reverse proxy in front of the hub serves, if any
            (the join URL is then this with the secret appended).
        instructor_secret: The instructor URL's key (192 random bits).
        image: The image learners' servers start from (an id, or a reference
            on Swarm, whose nodes pull it).
        source: The workshop folder (its absolute path) or repository the
            class was started from: another folder of the same name is
            another class, never silently this one.
        short_code: The short address's code, for people to type (see
            :func:`wiw.contract.new_short_code`).
        short: Whether the short address is on (``wiw up --no-short-url`` turns it off).
    """

    join_secret: str
    api_token: str
    port: int | None = None
    public: bool = False
    host: str | None = None
    address: str = LOOPBACK
    scheme: str = "http"
    public_url: str | None = None
    instructor_secret: str = ""
    image: str = ""
    source: str | None = None
    short_code: str = ""
    short: bool = True

    @classmethod
    def new(cls) -> ClassroomState:
        """Fresh secrets for a new classroom."""
        return cls(
            join_secret=secrets.token_urlsafe(24),
            api_token=secrets.token_hex(32),
            instructor_secret=secrets.token_urlsafe(24),
            short_code=new_short_code(),
        )

    @classmethod
    def from_json(cls, text: str) -> ClassroomState:
        """Read the state file (fields wiw does not know are ignored)."""
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_json(self) -> str:
        """The state file's text."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @property
    def join_url(self) -> str:
        """The URL learners open (or scan): the hub's base URL with its secret."""
        if self.public_url:
            return f"{self.public_url.rstrip('/')}/{self.join_secret}/"
        return f"{self.scheme}://{url_host(self.address)}:{self.port}/{self.join_secret}/"

    @property
    def instructor_url(self) -> str:
        """The instructor's own URL: it logs them in to see and help every learner."""
        return f"{self.join_url}hub/instructor/{self.instructor_secret}"

    @property
    def short_url(self) -> str | None:
        """The short address people type, leading to the join URL; None when it is off."""
        if not (self.short and self.short_code):
            return None
        return f"{self.join_url.removesuffix(f'{self.join_secret}/')}{short_form(self.short_code)}"


def resolve_access(
    state: ClassroomState,
    *,
    port: int | None = None,
    public: bool | None = None,
    host: str | None = None,
    public_url: str | None = None,
    tls: TLSFiles | bool | None = None,
) -> ClassroomState:
    """Decide how learners reach the class this time: what was asked, else what was kept.

    A port, ``public``, a host name, a public URL and HTTPS, once given, are
    remembered; the address is found again each time unless a host was given
    (the machine may have moved network).

    Args:
        state: What the hub's volume remembers.
        port: The host port, if asked for.
        public: Listen on the network (True) or loopback only (False), if asked.
        host: The name or address for the URL, if asked for (``""`` forgets
            one given before).
        public_url: The URL a reverse proxy serves the class at, if asked for
            (``""`` forgets one given before).
        tls: Certificate files, ``False`` to stop serving HTTPS, None to keep.

    Raises:
        wiw.errors.NoPublicAddress: The class is to listen on the network and
            no address other than loopback was found (and no host given).
    """
    public = state.public if public is None else public
    host = state.host if host is None else (host or None)  # "" forgets a host given before
    address = public_address(host) if public else (host or LOOPBACK)
    scheme = state.scheme if tls is None else ("https" if tls else "http")
    return replace(
        state,
        port=port or state.port,
        public=public,
        host=host,
        address=address,
        scheme=scheme,
        public_url=(state.public_url if public_url is None else public_url) or None,
    )


def access_warnings(state: ClassroomState, *, remembered: bool) -> list[str]:
    """What the instructor should hear about the host the join URL uses, before sharing it.

    A host (given now, or remembered from the last start) that is an IP
    address none of this machine's interfaces has, or a name that does not
    resolve here, is named with this machine's address and the flag to use it.
    Neither stops the start: a router may forward the address here, a DNS
    server only the learners use may know the name.

    Args:
        state: How learners reach the class this time (see :func:`resolve_access`).
        remembered: Whether the host was remembered rather than given now.

    Returns:
        The warnings, as sentences (none when the host leads here or none is set).
    """
    if not state.host or state.public_url:  # a public URL's proxy is not this machine
        return []
    problem = check_host(state.host)
    return [] if problem is None else [_host_warning(problem, remembered=remembered)]


def _host_warning(problem: HostProblem, *, remembered: bool) -> str:
    """One warning on a host that may not lead here, and what to do."""
    host, current = problem.host, problem.current
    origin = "remembered from the last `wiw up`" if remembered else "given with --host"
    if problem.reason == "not-here":
        still = " any more" if remembered else ""
        unless = "" if remembered else " (unless a router forwards it here)"
        what = (
            f"{host} ({origin}) is not an address of this machine{still}; "
            f"learners' QR codes would point nowhere{unless}."
        )
    else:
        what = f"{host} ({origin}) does not resolve here; learners' devices may not find it."
    instead = "`--host ''` to forget the old one" if remembered else "leave --host out"
    if current is None:
        forget = " Or forget the old one with `--host ''`." if remembered else ""
        return (
            f"{what} This machine has no address other devices could use: connect it to "
            f"the learners' network.{forget}"
        )
    return f"{what} This machine's address is {current}: use `--host {current}`, or {instead}."


def _helper(engine: ContainerEngine, image: str, names: Names) -> str:
    """Create (not start) a container that mounts the hub's volume, to read it."""
    spec = ContainerSpec(
        image=image,
        name=f"wiw-{names.workshop}-helper-{secrets.token_hex(4)}",
        labels=_labels.labels_for(names.workshop, "helper", __version__),
        command=("true",),
        volumes=[(names.hub_volume, HUB_STATE)],
    )
    return engine.container_create(spec)


def load_state(
    engine: ContainerEngine, names: Names, image: str, made: list[str]
) -> ClassroomState:
    """Read the classroom's state from its volume, creating both on the first start.

    Raises:
        wiw.errors.HubError: A volume of that name exists that wiw did not make.
    """
    labels = engine.volume_labels(names.hub_volume)
    if labels is None:
        engine.volume_create(
            names.hub_volume, _labels.labels_for(names.workshop, "hub-state", __version__)
        )
        made.append("volume")
        return ClassroomState.new()
    if labels.get(_labels.MANAGED) != "true":
        raise errors.HubError(
            f"Volume {names.hub_volume} exists but was not made by wiw.",
            hint="Rename or remove that volume; wiw will not take it over.",
        )
    text = _saved_text(engine, names, image)
    if text is not None:
        state = ClassroomState.from_json(text)
    elif old := labels.get(JOIN_SECRET_LABEL):  # a classroom made by an earlier wiw
        state = ClassroomState(old, secrets.token_hex(32))
    else:
        return ClassroomState.new()
    if not state.instructor_secret:
        state = replace(state, instructor_secret=secrets.token_urlsafe(24))
    if not state.short_code:  # a class from before short addresses
        state = replace(state, short_code=new_short_code())
    return state


def read_saved_state(engine: ContainerEngine, names: Names, image: str) -> ClassroomState | None:
    """What a stopped class's volume remembers, read through a helper that is never started."""
    if engine.volume_labels(names.hub_volume) is None:
        return None
    text = _saved_text(engine, names, image)
    return ClassroomState.from_json(text) if text else None


def _saved_text(engine: ContainerEngine, names: Names, image: str) -> str | None:
    """The state file on the hub's volume, read through a helper container never started."""
    cid = _helper(engine, image, names)
    try:
        return read_file(engine, cid, f"{STATE_DIR}/{STATE_FILE}")
    finally:
        engine.container_remove(cid)


def read_hub_file(
    engine: ContainerEngine, names: Names, name: str, image: Callable[[], str]
) -> str | None:
    """A file of wiw's on the hub's volume (``STATE_DIR/name``), or None if it is not there.

    Read from the hub's container while there is one, or else through a
    helper made from ``image()`` (called only then).
    """
    path = f"{STATE_DIR}/{name}"
    if engine.container_info(names.hub) is not None:
        return read_file(engine, names.hub, path)
    if engine.volume_labels(names.hub_volume) is None:
        return None
    cid = _helper(engine, image(), names)
    try:
        return read_file(engine, cid, path)
    finally:
        engine.container_remove(cid)


def read_file(engine: ContainerEngine, cid: str, path: str) -> str | None:
    """A text file inside a container (or its volumes), or None if it is not there."""
    with tempfile.TemporaryDirectory(prefix="wiw-read-") as tmp:
        target = Path(tmp) / "file"
        try:
            engine.copy_from(cid, path, target)
        except errors.EngineError:
            return None
        return target.read_text() if target.is_file() else None


def write_state(
    engine: ContainerEngine,
    cid: str,
    state: ClassroomState,
    *,
    password: str | None = None,
    tls: TLSFiles | None = None,
    roster: tuple[str, ...] | None = None,
) -> None:
    """Put wiw's state (the class password, the certificate, the class list) on the hub's volume.

    Root only: learners' names are nobody else's business either.
    """
    with tempfile.TemporaryDirectory(prefix="wiw-state-") as tmp:
        folder = Path(tmp) / "wiw"
        folder.mkdir(mode=0o700)
        files = {STATE_FILE: state.to_json(), IMAGE_FILE: state.image}
        if password is not None:
            files[PASSWORD_FILE] = password
        if tls is not None:
            files[TLS_CERT] = Path(tls.cert).read_text()
            files[TLS_KEY] = Path(tls.key).read_text()
        if roster is not None:  # an empty list: no class list this time
            files[ROSTER_FILE] = json.dumps(list(roster), ensure_ascii=False)
        for name, text in files.items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o600)
        engine.copy_to(cid, folder, HUB_STATE)
