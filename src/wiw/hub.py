"""Run a workshop image and hand out a URL that works."""

from __future__ import annotations

import contextlib
import secrets
import socket
import time
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

from wiw import _labels, errors
from wiw._docker import ContainerSpec, Engine, LogFollower
from wiw._tokens import find_server_url, rewrite_url
from wiw._version import __version__
from wiw.image import Image

if TYPE_CHECKING:
    from wiw.classroom import Classroom, ClassroomOptions

__all__ = ["Hub"]

LAB_PORT = 8888
LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only when the caller asks for it
_MAX_PORT = 65535
_LOG_TAIL = 25


def check_port(port: int | None) -> int | None:
    """Return ``port`` if it is None or a valid TCP port, else raise InvalidOption."""
    if port is not None and not 1 <= port <= _MAX_PORT:
        raise errors.InvalidOption(f"Port {port} is out of range (1-{_MAX_PORT}).")
    return port


def check_timeout(timeout: float) -> float:
    """Return ``timeout`` if it is a positive number of seconds, else raise InvalidOption."""
    if not 0 < timeout < 24 * 3600:
        raise errors.InvalidOption(f"Timeout {timeout} s must be positive and under a day.")
    return timeout


def lan_address() -> str:
    """Return an address of this machine that others on the network can use."""
    with contextlib.suppress(OSError, UnicodeError):
        for address in socket.gethostbyname_ex(socket.gethostname())[2]:
            if not address.startswith("127."):
                return address
    return LOOPBACK


def lab_spec(
    image: Image,
    *,
    workshop: str,
    port: int | None,
    public: bool,
    command: Sequence[str] | None,
    name: str | None = None,
) -> ContainerSpec:
    """Decide the container for a one-learner JupyterLab server, as plain data."""
    return ContainerSpec(
        image=image.ref,
        name=name or f"wiw-{workshop}-{secrets.token_hex(4)}",
        labels=_labels.labels_for(workshop, "lab", __version__),
        command=tuple(command or ()),
        publish=[(ALL_INTERFACES if public else LOOPBACK, port, LAB_PORT)],
    )


def start_published(engine: Engine, spec: ContainerSpec, target: int) -> tuple[str, int]:
    """Create and start a container; return its id and the host port of ``target``.

    A container that fails to start, or exits before its port is published,
    is removed before the error is raised: nothing is left half-started.

    Raises:
        wiw.errors.PortInUse: The host port asked for is taken (the error names it).
        wiw.errors.HubExited: The container exited at once (its exit code and logs attached).
    """
    cid = engine.container_create(spec)
    try:
        engine.container_start(cid)
        host_port = engine.container_port(cid, target)
        if host_port is None:
            _, code = engine.container_state(cid)
            raise errors.HubExited(
                f"{spec.name} exited at once.",
                exit_code=code,
                log_tail=engine.container_logs(cid).splitlines()[-_LOG_TAIL:],
            )
    except errors.PortInUse as exc:
        engine.container_remove(cid)
        host, port, _ = spec.publish[0]
        exc.message = f"Port {port} on {host} is already in use."
        raise
    except BaseException:
        engine.container_remove(cid)
        raise
    return cid, host_port


class Hub:
    """A workshop server running in a container.

    Use :meth:`run` to start one; use it as a context manager so that the
    container is removed however the block ends::

        with Hub.run(image) as hub:
            print(hub.wait_for_token())
    """

    def __init__(self, *, engine: Engine, container_id: str, name: str, host: str, port: int):
        self.engine = engine
        self.container_id = container_id
        self.name = name
        self.host = host
        self.port = port
        self.url: str | None = None
        self._follower: LogFollower | None = None
        self._stopped = False

    def __repr__(self) -> str:
        return f"Hub({self.name!r}, port={self.port})"

    @overload
    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["lab"] = "lab",
        port: int | None = None,
        public: bool = False,
        command: Sequence[str] | None = None,
        name: str | None = None,
        classroom: ClassroomOptions | None = None,
        engine: Engine | None = None,
    ) -> Hub: ...

    @overload
    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["classroom"],
        port: int | None = None,
        public: bool = False,
        command: Sequence[str] | None = None,
        name: str | None = None,
        classroom: ClassroomOptions | None = None,
        engine: Engine | None = None,
    ) -> Classroom: ...

    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["lab", "classroom"] = "lab",
        port: int | None = None,
        public: bool = False,
        command: Sequence[str] | None = None,
        name: str | None = None,
        classroom: ClassroomOptions | None = None,
        engine: Engine | None = None,
    ) -> Hub:
        """Start a workshop image: JupyterLab for one learner, or a classroom hub.

        Args:
            image: The workshop image (or its reference).
            mode: ``"lab"``: one JupyterLab server with a token, as ``docker run``
                of the image gives. ``"classroom"``: a JupyterHub that gives
                every learner their own server and keeps their files (see
                :class:`wiw.Classroom`).
            port: The host port; a free one is picked when omitted.
            public: Publish on all interfaces instead of 127.0.0.1 only; the
                URL then names this machine's LAN address.
            command: Lab mode: run this instead of the image's default command.
            name: Lab mode: the container's name; a unique one when omitted.
            classroom: Classroom mode: its options (caps, limits, login).
            engine: The engine to run on; the image's engine if omitted.

        Returns:
            The running hub. Call :meth:`wait_for_token` for its URL.

        Raises:
            wiw.errors.ImageNotFound: The image does not exist.
            wiw.errors.PortInUse: ``port`` is taken on the host.
        """
        img = image if isinstance(image, Image) else Image(image, engine=engine)
        engine = engine or img.engine
        if mode == "classroom":
            from wiw.classroom import Classroom, ClassroomOptions  # noqa: PLC0415

            options = classroom or ClassroomOptions()
            return Classroom.start(img, options=options, port=port, public=public, engine=engine)
        if mode != "lab":
            raise errors.InvalidOption(f"Unknown mode {mode!r}: use 'lab' or 'classroom'.")
        labels = img.labels  # raises ImageNotFound before anything is created
        workshop = labels.get(_labels.WORKSHOP) or "workshop"
        host = lan_address() if public else LOOPBACK
        spec = lab_spec(
            img,
            workshop=workshop,
            port=check_port(port),
            public=public,
            command=command,
            name=name,
        )
        cid, host_port = start_published(engine, spec, LAB_PORT)
        return cls(
            engine=engine,
            container_id=cid,
            name=spec.name,
            host=host,
            port=host_port,
        )

    def wait_for_token(self, timeout: float = 60.0) -> str:
        """Wait until the server prints its login URL, and return it for the host.

        Args:
            timeout: Seconds to wait at most.

        Returns:
            The URL, with host and port rewritten to the published ones.

        Raises:
            wiw.errors.HubExited: The server stopped first (its exit code and logs attached).
            wiw.errors.TokenTimeout: No URL appeared before the deadline.
        """
        if self.url:
            return self.url
        deadline = time.monotonic() + check_timeout(timeout)
        if self._follower is None:
            self._follower = self.engine.follow_logs(self.container_id)
        for line in self._follower.lines(deadline):
            found = find_server_url(line)
            if found:
                self.url = rewrite_url(found, host=self.host, port=self.port)
                self._follower.close()  # nobody reads further; do not buffer a day of logs
                self._follower = None
                return self.url
        tail = list(self._follower.seen)[-_LOG_TAIL:]
        running, code = self.engine.container_state(self.container_id)
        if self._follower.ended or not running:
            raise errors.HubExited(
                f"The workshop server {self.name} exited before printing its URL.",
                exit_code=code,
                log_tail=tail,
            )
        raise errors.TokenTimeout(
            f"The workshop server {self.name} printed no URL within {timeout:g} s.",
            log_tail=tail,
        )

    def logs(self) -> str:
        """Return everything the server has printed so far."""
        return self.engine.container_logs(self.container_id)

    def stop(self) -> None:
        """Stop the server and remove its container (volumes are kept)."""
        if self._stopped:
            return
        self._stopped = True
        if self._follower is not None:
            self._follower.close()
        self.engine.container_remove(self.container_id)

    def __enter__(self) -> Hub:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
