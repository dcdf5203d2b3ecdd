"""How the engine's failures become wiw's errors: one place that reads the client's stderr."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence

import python_on_whales as pow
from python_on_whales.exceptions import DockerException

from wiw import errors

__all__ = ["classify", "engine_error", "translate"]

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
def translate(what: str) -> Iterator[None]:
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
