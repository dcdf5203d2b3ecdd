"""Starting a container that serves on a host port, shared by the lab and the classroom."""

from __future__ import annotations

from collections.abc import Callable

from wiw import errors
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec

__all__ = [
    "ALL_INTERFACES",
    "LOG_TAIL",
    "LOOPBACK",
    "check_port",
    "check_timeout",
    "start_published",
]

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only when the caller asks for it
MAX_PORT = 65535
MAX_TIMEOUT = 24 * 3600.0
LOG_TAIL = 25


def check_port(port: int | None) -> int | None:
    """Return ``port`` if it is None or a valid TCP port, else raise InvalidOption."""
    if port is not None and not 1 <= port <= MAX_PORT:
        raise errors.InvalidOption(
            f"Port {port} is out of range.", hint=f"Give a port from 1 to {MAX_PORT}."
        )
    return port


def check_timeout(timeout: float) -> float:
    """Return ``timeout`` if it is a positive number of seconds, else raise InvalidOption."""
    if not 0 < timeout < MAX_TIMEOUT:
        raise errors.InvalidOption(
            f"Timeout {timeout} s is out of range.",
            hint="Give a positive number of seconds, under a day.",
        )
    return timeout


def start_published(
    engine: ContainerEngine,
    spec: ContainerSpec,
    target: int,
    *,
    before_start: Callable[[str], None] | None = None,
) -> tuple[str, int]:
    """Create and start a container; return its id and the host port of ``target``.

    ``before_start`` is called with the created container's id before it
    starts, e.g. to copy files into it.

    A container that fails to start, or exits before its port is published,
    is removed before the error is raised: nothing is left half-started.

    Raises:
        wiw.errors.PortInUse: The host port asked for is taken (the error names it).
        wiw.errors.HubExited: The container exited at once (its exit code and logs attached).
    """
    cid = engine.container_create(spec)
    try:
        if before_start is not None:
            before_start(cid)
        engine.container_start(cid)
        host_port = engine.container_port(cid, target)
        if host_port is None:
            _, code = engine.container_state(cid)
            raise errors.HubExited(
                f"{spec.name} exited at once.",
                exit_code=code,
                log_tail=engine.container_logs(cid).splitlines()[-LOG_TAIL:],
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
