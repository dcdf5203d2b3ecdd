"""Run a workshop image for one learner and hand out a URL that works."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine, LogStream
from wiw.engine.types import ContainerSpec
from wiw.errors import ServerRefused, ServerUnreachable
from wiw.lab.serve import (
    ALL_INTERFACES,
    LOG_TAIL,
    LOOPBACK,
    check_port,
    check_timeout,
    start_published,
)
from wiw.lab.server_api import ServerAPI
from wiw.lab.tokens import find_server_url, rewrite_url
from wiw.network import public_address, url_host
from wiw.waiting import Deadline, WaitTimeout, poll

__all__ = ["LAB_PORT", "Lab", "lab_spec"]

LAB_PORT = 8888
TOKEN_ENV = "JUPYTER_TOKEN"  # noqa: S105 - a variable's name; read by Jupyter Server at start: never on the command line


def lab_spec(
    image: Image,
    *,
    workshop: str,
    port: int | None,
    public: bool,
    command: Sequence[str] | None,
    name: str | None = None,
    token: str | None = None,
) -> ContainerSpec:
    """Decide the container for a one-learner JupyterLab server, as plain data."""
    return ContainerSpec(
        image=image.ref,
        name=name or f"wiw-{workshop}-{secrets.token_hex(4)}",
        labels=_labels.labels_for(workshop, "lab", __version__),
        command=tuple(command or ()),
        publish=[(ALL_INTERFACES if public else LOOPBACK, port, LAB_PORT)],
        envs={TOKEN_ENV: token} if token else {},
    )


class Lab:
    """A one-learner JupyterLab server running in a container.

    Use :meth:`run` to start one, as a context manager so that the container
    is removed however the block ends::

        with Lab.run(image) as lab:
            print(lab.wait_for_token())

    A whole class is served by :class:`wiw.Classroom` instead.
    """

    def __init__(
        self,
        *,
        engine: ContainerEngine,
        container_id: str,
        name: str,
        host: str,
        port: int,
        token: str | None = None,
    ) -> None:
        self.engine = engine
        self.container_id = container_id
        self.name = name
        self.host = host
        self.port = port
        self.url: str | None = None
        self._token = token
        self._follower: LogStream | None = None
        self._stopped = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, port={self.port})"

    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        port: int | None = None,
        public: bool = False,
        host: str | None = None,
        command: Sequence[str] | None = None,
        name: str | None = None,
        engine: ContainerEngine | None = None,
    ) -> Self:
        """Start JupyterLab for one learner from a workshop image.

        Args:
            image: The workshop image (or its reference).
            port: The host port; a free one is picked when omitted.
            public: Publish on all interfaces instead of 127.0.0.1 only; the
                URL then names this machine's address on the network (the
                interface that carries the default route).
            host: The name or address the URL uses instead (a DNS name, a
                public address).
            command: Run this instead of the image's default command.
            name: The container's name; a unique one when omitted.
            engine: The engine to run on; the image's engine if omitted.

        Returns:
            The running server. Call :meth:`wait_for_token` for its URL.

        Raises:
            wiw.errors.ImageNotFound: The image does not exist.
            wiw.errors.PortInUse: ``port`` is taken on the host.
        """
        img = image if isinstance(image, Image) else Image(image, engine=engine)
        engine = engine or img.engine
        labels = img.labels  # raises ImageNotFound before anything is created
        address = public_address(host) if public else (host or LOOPBACK)
        # wiw's own images start Jupyter Server, which takes its token from the
        # environment; an image with its own Dockerfile prints the one it made.
        token = secrets.token_hex(24) if labels.get(_labels.SERVER) == "wiw" else None
        spec = lab_spec(
            img,
            workshop=labels.get(_labels.WORKSHOP) or "workshop",
            port=check_port(port),
            public=public,
            command=command,
            name=name,
            token=token,
        )
        cid, host_port = start_published(engine, spec, LAB_PORT)
        return cls(
            engine=engine,
            container_id=cid,
            name=spec.name,
            host=address,
            port=host_port,
            token=token,
        )

    def wait_for_token(self, timeout: float = 60.0) -> str:
        """Wait until the server answers, and return its login URL for the host.

        Args:
            timeout: Seconds to wait at most.

        Returns:
            The URL with its token, at the published host address and port.

        Raises:
            wiw.errors.HubExited: The server stopped first (its exit code and logs attached).
            wiw.errors.TokenTimeout: It did not answer before the deadline.
        """
        if self.url:
            return self.url
        deadline = Deadline(check_timeout(timeout))
        if self._token is not None:
            self.url = self._wait_answering(deadline)
        else:
            self.url = self._wait_printed(deadline)
        return self.url

    def _wait_answering(self, deadline: Deadline) -> str:
        """Poll the server's status API with the token wiw gave it."""
        assert self._token is not None  # noqa: S101 - only called with a token
        api = ServerAPI(f"http://{LOOPBACK}:{self.port}", self._token, timeout=5)

        def answers() -> bool | None:
            try:
                api.status()
            except (ServerUnreachable, ServerRefused):
                running, code = self.engine.container_state(self.container_id)
                if not running:
                    raise self._exited(code) from None
                return None
            return True

        try:
            poll(answers, timeout=deadline.remaining, what="the workshop server")
        except WaitTimeout:
            raise errors.TokenTimeout(
                f"The workshop server {self.name} did not answer within {deadline.seconds:g} s.",
                log_tail=self._log_tail(),
            ) from None
        return f"http://{url_host(self.host)}:{self.port}/lab?token={self._token}"

    def _wait_printed(self, deadline: Deadline) -> str:
        """Follow the server's log until it prints its login URL (own Dockerfiles)."""
        if self._follower is None:
            self._follower = self.engine.follow_logs(self.container_id)
        for line in self._follower.lines(deadline):
            found = find_server_url(line)
            if found:
                self._follower.close()  # nobody reads further; do not buffer a day of logs
                self._follower = None
                return rewrite_url(found, host=self.host, port=self.port)
        tail = list(self._follower.seen)[-LOG_TAIL:]
        running, code = self.engine.container_state(self.container_id)
        if self._follower.ended or not running:
            raise self._exited(code, tail)
        raise errors.TokenTimeout(
            f"The workshop server {self.name} printed no URL within {deadline.seconds:g} s.",
            log_tail=tail,
        )

    def _log_tail(self) -> list[str]:
        return self.engine.container_logs(self.container_id).splitlines()[-LOG_TAIL:]

    def _exited(self, code: int | None, tail: list[str] | None = None) -> errors.HubExited:
        return errors.HubExited(
            f"The workshop server {self.name} exited before it was ready.",
            exit_code=code,
            log_tail=self._log_tail() if tail is None else tail,
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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
