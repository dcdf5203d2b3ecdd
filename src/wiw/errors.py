"""Everything that can go wrong in wiw, as one tree of exceptions.

Catch :class:`WiwError` to handle them all::

    WiwError
    ├── WorkshopError               the lessons folder is not usable
    │   ├── WorkshopNotFound
    │   ├── NoLessons
    │   ├── InvalidNotebook
    │   ├── InvalidRequirement      a requirements.txt line pip cannot read
    │   ├── UnsupportedFile         a dependency file wiw does not read
    │   ├── UntranslatableDependency an environment.yml package pip cannot install
    │   ├── UnsupportedPython       runtime.txt names a Python no base provides
    │   ├── PrivateFolder           the folder looks like a home directory
    │   ├── SourceError             a git repository could not be fetched
    │   │   ├── SourceRefNotFound
    │   │   └── SourceAuthRequired
    │   └── DataError               a data.txt line is not one wiw can use
    │       └── DataFetchFailed     a data file could not be fetched
    │           └── DataMismatch    its SHA-256 is not the one data.txt gives
    ├── InvalidName                 an image name, tag or label is malformed
    ├── ImageOutdated               the image is missing or older than the folder
    ├── InvalidOption               a port, timeout or limit is out of range
    ├── ValuesFileError             a chart values file is missing or not wiw's
    ├── NotEnoughDisk               too little free space to build
    ├── NoPublicAddress             no address learners' devices could use
    ├── ClassTooBig                 the class does not fit this machine
    ├── CollectIncomplete           some learners' homes could not be reached
    ├── EngineError                 the container engine said no
    │   ├── EngineMissing           no docker/podman executable
    │   ├── EngineUnavailable       the engine is not running
    │   │   └── EnginePermissionDenied
    │   ├── ImageNotFound
    │   ├── BuildFailed
    │   ├── PortInUse
    │   ├── RegistryUnreachable     a push or pull could not reach the registry
    │   └── RegistryAuthFailed      the registry refused the login
    ├── LessonRunFailed             the lessons could not be run to a report
    └── HubError                    the workshop server did not come up
        ├── HubExited               it stopped before it was ready
        └── TokenTimeout            it never printed a URL in time

Every error formats its own message: what happened, the evidence (command,
exit code, the last lines of output) with secrets redacted, and a hint.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence

__all__ = [
    "BuildFailed",
    "ClassTooBig",
    "CollectIncomplete",
    "DataError",
    "DataFetchFailed",
    "DataMismatch",
    "EngineError",
    "EngineMissing",
    "EnginePermissionDenied",
    "EngineUnavailable",
    "FileAccessError",
    "FolderNotEmpty",
    "HubError",
    "HubExited",
    "ImageNotFound",
    "ImageOutdated",
    "InvalidName",
    "InvalidNotebook",
    "InvalidOption",
    "InvalidRequirement",
    "LessonRunFailed",
    "NoLessons",
    "NoPublicAddress",
    "NotEnoughDisk",
    "PortInUse",
    "PrivateFolder",
    "RegistryAuthFailed",
    "RegistryUnreachable",
    "ServerAPIError",
    "ServerRefused",
    "ServerUnreachable",
    "SourceAuthRequired",
    "SourceError",
    "SourceRefNotFound",
    "TokenTimeout",
    "UnsupportedFile",
    "UnsupportedPython",
    "UntranslatableDependency",
    "UsageError",
    "ValuesFileError",
    "WiwError",
    "WorkshopError",
    "WorkshopNotFound",
    "redact",
    "register_secret",
]

_SECRETS = re.compile(
    r"""(?ix)
    (?P<key>
        [?&]token=
      | \b(?:[A-Z_]*TOKEN|[A-Z_]*PASSWORD|[A-Z_]*SECRET|api[_-]?key)\s*[=:]\s*
      | \bauthorization:\s*(?:token|bearer|basic)\s+
      | --password[= ]
      | --[\w.-]*token[= ]
    )
    (?P<value>[^\s&'"]+)
    """
)
# A password inside a URL: https://user:PASSWORD@host/...
_URL_PASSWORD = re.compile(r"(?P<key>://[^/\s:@]+:)(?P<value>[^@\s/]+)(?=@)")

REDACTED = "[redacted]"
_LONG_ARG = 200
_MIN_SECRET = 8
# Secrets wiw knows by value (a classroom's join secret, which lives in URL
# paths where no pattern can tell it from a folder name): redacted wherever
# they appear.
_KNOWN: set[str] = set()
_KNOWN_LOCK = threading.Lock()


def register_secret(value: str) -> None:
    """Redact ``value`` wherever it appears in text wiw shows from now on.

    Args:
        value: A secret of at least 8 characters (shorter ones are refused,
            as they would redact ordinary words).
    """
    if len(value) < _MIN_SECRET:
        raise ValueError("a secret to redact must have at least 8 characters")
    with _KNOWN_LOCK:
        _KNOWN.add(value)


def redact(text: str) -> str:
    """Hide tokens, passwords and other secrets in text meant for people.

    Args:
        text: Any text: a command line, a log, an error message.

    Returns:
        The text with every secret value replaced by ``[redacted]``: values
        after ``token=``, ``PASSWORD=`` and the like, and every secret
        registered with :func:`register_secret`, wherever it appears.
    """
    with _KNOWN_LOCK:
        known = sorted(_KNOWN, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(lambda m: m.group("key") + REDACTED, text)
    return _SECRETS.sub(lambda m: m.group("key") + REDACTED, text)


class WiwError(Exception):
    """Base of every error wiw raises."""

    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: Sequence[str] | None = None,
        exit_code: int | None = None,
        stderr: str | None = None,
        log_tail: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint
        self.command = list(command) if command is not None else None
        self.exit_code = exit_code
        self.stderr = stderr
        self.log_tail = list(log_tail)

    def evidence(self) -> list[str]:
        """Return the lines that show what happened, secrets redacted."""
        lines: list[str] = []
        if self.command:
            # A script passed as an argument would drown the rest; show its start.
            args = (
                a if len(a) <= _LONG_ARG else f"{a[:60]}…[{len(a)} chars]" for a in self.command
            )
            lines.append("command: " + " ".join(args))
        if self.exit_code is not None:
            lines.append(f"exit code: {self.exit_code}")
        if self.stderr and self.stderr.strip():
            lines.append("stderr: " + self.stderr.strip())
        if self.log_tail:
            lines.append(f"last {len(self.log_tail)} log lines:")
            lines.extend("  " + line for line in self.log_tail)
        return [redact(line) for line in lines]

    def __str__(self) -> str:
        parts = [redact(self.message), *self.evidence()]
        if self.hint:
            parts.append("hint: " + redact(self.hint))
        return "\n".join(parts)


class WorkshopError(WiwError):
    """The workshop folder cannot be used as it is."""


class WorkshopNotFound(WorkshopError):
    """The workshop folder does not exist or is not a folder."""

    hint = "Pass the folder that holds the lesson notebooks (*.ipynb)."


class NoLessons(WorkshopError):
    """The workshop folder holds no lesson notebooks."""

    hint = "Add at least one Jupyter notebook (*.ipynb) to the folder."


class InvalidNotebook(WorkshopError):
    """A lesson notebook is not valid notebook JSON."""

    hint = "Open and save the notebook in JupyterLab, or fix the file shown."


class InvalidRequirement(WorkshopError):
    """A line of ``requirements.txt`` is not something pip can read.

    Attributes:
        path: The file.
        line: The line's number (1 is the first).
        text: The line, as pip reads it (continuations joined, comment removed).
        reason: What pip's grammar expected there.
    """

    hint = "Write one requirement per line, e.g. 'numpy==2.1.3' or 'pandas>=2.2'."

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str],
        line: int,
        text: str,
        reason: str,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = os.fspath(path)
        self.line = line
        self.text = text
        self.reason = reason

    def evidence(self) -> list[str]:
        """Return why pip cannot read the line (the message names it), then any other evidence."""
        first, *rest = self.reason.splitlines() or [""]
        lines = [f"why: {first}", *(f"     {more}" for more in rest)]
        return [redact(line) for line in lines] + super().evidence()


class UnsupportedFile(WorkshopError):
    """The workshop describes its environment in a format wiw does not read."""


class UntranslatableDependency(WorkshopError):
    """A package of ``environment.yml`` has no PyPI equivalent (a program, a library, R…)."""


class UnsupportedPython(WorkshopError):
    """``runtime.txt`` asks for a Python no base image wiw knows provides."""


class PrivateFolder(WorkshopError):
    """The folder looks like someone's home directory, not a workshop."""


class SourceError(WorkshopError):
    """A workshop's git repository could not be fetched."""

    hint = "Check the repository's URL, that it answers, and that this machine may read it."


class SourceRefNotFound(SourceError):
    """The branch, tag or commit asked for is not in the repository."""

    hint = "Give a branch, tag or commit the repository has (--ref), or leave --ref out."


class SourceAuthRequired(SourceError):
    """The repository wants credentials, and wiw never asks for them interactively."""

    hint = (
        "Give a URL this machine can read without a password (a public HTTPS URL, or an "
        "SSH URL with a key loaded in ssh-agent), or set up git's credential helper first."
    )


class DataError(WorkshopError):
    """A line of ``data.txt`` is not one wiw can use (its URL, SHA-256 or file name)."""

    hint = (
        "Write one file a line: its URL, 'sha256:' and its 64 hex digits, and optionally "
        "the path it takes in the lessons, e.g. "
        "'https://example.org/penguins.csv sha256:3f5a… data/penguins.csv'."
    )


class DataFetchFailed(DataError):
    """A file ``data.txt`` lists could not be downloaded on this machine."""

    hint = (
        "Check the URL and that this machine reaches it. wiw keeps each file it fetched "
        "(by its SHA-256), so later builds need no network."
    )


class DataMismatch(DataFetchFailed):
    """A file ``data.txt`` lists was downloaded, but its SHA-256 is not the one given."""

    hint = (
        "The file changed, or data.txt's SHA-256 is wrong. If the new file is the one you "
        "want, put its SHA-256 (shown above) in data.txt."
    )


class InvalidName(WiwError, ValueError):
    """An image reference, tag or label does not follow the engine's rules."""

    hint = "Use lowercase letters, digits and separators (. _ -), e.g. 'wiw/my-workshop:2026-11'."


class InvalidOption(WiwError, ValueError):
    """An option (a port, a timeout, a count) is outside the range it allows."""

    hint = "Check the value against the range given in the message."


class ValuesFileError(WiwError, ValueError):
    """A Zero-to-JupyterHub values file cannot be read or written, or was not written by wiw."""

    hint = "Give the values file 'wiw export z2jh' wrote for this class."

    def __init__(
        self, message: str, *, path: str | os.PathLike[str], hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = os.fspath(path)

    def evidence(self) -> list[str]:
        """Return the file concerned, then any other evidence."""
        return [redact(f"file: {self.path}"), *super().evidence()]


class NotEnoughDisk(WiwError):
    """The engine has too little free disk space for a build."""

    def __init__(
        self, message: str, *, free: int, required: int, reclaimable: int, hint: str
    ) -> None:
        super().__init__(message, hint=hint)
        self.free = free
        self.required = required
        self.reclaimable = reclaimable


class NoPublicAddress(WiwError):
    """No address other devices could use was found (only loopback)."""

    hint = "Say which name or address learners should open with --host."


class ClassTooBig(WiwError):
    """The expected class needs more memory than this machine has."""

    hint = "Use a bigger machine or several (docs/deploy.md), or pass --force to start anyway."


class CollectIncomplete(WiwError):
    """Some learners' homes could not be reached; everyone else's work was collected.

    Attributes:
        collected: The folders that were written.
    """

    hint = (
        "Bring those machines back ('docker node ls' shows them), then run 'wiw collect' "
        "again; the work collected so far is in place."
    )

    def __init__(self, message: str, *, collected: Sequence[os.PathLike[str] | str] = ()) -> None:
        super().__init__(message)
        self.collected = [os.fspath(p) for p in collected]


class EngineError(WiwError):
    """The container engine refused or failed a command."""

    hint = "Run the command shown yourself to see the engine's full answer."


class EngineMissing(EngineError):
    """No container engine client (docker or podman) is installed."""

    hint = "Install Docker (https://docs.docker.com/engine/install/) or Podman."


class EngineUnavailable(EngineError):
    """The container engine is installed but does not answer."""

    hint = "Start the engine (e.g. 'sudo systemctl start docker') and check 'docker info'."


class EnginePermissionDenied(EngineUnavailable):
    """The engine answers, but this user may not talk to it."""

    hint = (
        "Add yourself to the 'docker' group (then log in again) or use rootless Docker or Podman."
    )


class ImageNotFound(EngineError):
    """The image does not exist on the engine."""

    hint = "Build it first ('wiw build FOLDER') or check the name with 'docker images'."


class ImageOutdated(WiwError):
    """The image is missing, or older than its workshop folder, and no build was wanted."""

    hint = "Build it with 'wiw build FOLDER'."


class BuildFailed(EngineError):
    """The image build stopped with an error."""

    hint = "The last build lines above show the failing step; fix it and build again."


class PortInUse(EngineError):
    """The host port asked for is already taken."""

    hint = "Choose another port, or leave the port out so that wiw picks a free one."


class LessonRunFailed(WiwError):
    """Running the lessons stopped before the runner could report on them."""

    hint = "The last output lines above say why; a memory limit too low is a common cause."


class RegistryUnreachable(EngineError):
    """The container registry did not answer."""

    hint = "Check the registry's address and port, and that it runs ('curl http://HOST/v2/')."


class RegistryAuthFailed(EngineError):
    """The container registry refused the credentials (or asked for some)."""

    hint = "Log in first ('docker login REGISTRY') with an account that may push there."


class HubError(WiwError):
    """The workshop server did not become ready."""


class ServerAPIError(HubError):
    """A request to a Jupyter server's API failed.

    Attributes:
        url: The URL asked for, secrets redacted.
    """

    def __init__(self, message: str, *, url: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.url = url

    def evidence(self) -> list[str]:
        """Return the URL asked for, then any other evidence."""
        return [redact(f"url: {self.url}"), *super().evidence()]


class ServerUnreachable(ServerAPIError):
    """The server gave no usable answer: refused, reset, timed out, or not what its API returns.

    Attributes:
        reason: What went wrong on the way, as the transport said it (redacted).
    """

    def __init__(self, message: str, *, url: str, reason: str, hint: str | None = None) -> None:
        super().__init__(message, url=url, hint=hint)
        self.reason = reason


class ServerRefused(ServerAPIError):
    """The server answered with an HTTP error code.

    Attributes:
        status: The HTTP status code (403, 404, 500...).
    """

    def __init__(self, message: str, *, url: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, url=url, hint=hint)
        self.status = status

    def evidence(self) -> list[str]:
        """Return the URL and the status code, then any other evidence."""
        url, *rest = super().evidence()
        return [url, f"HTTP status: {self.status}", *rest]


class HubExited(HubError):
    """The workshop server stopped before it printed its URL."""

    hint = "The server's last log lines above say why it stopped."


class TokenTimeout(HubError):
    """The workshop server printed no URL before the deadline."""

    hint = (
        "The server may still be starting on a slow machine: raise the timeout, "
        "or check that the image runs a Jupyter server."
    )


class UsageError(WiwError):
    """A command-line mistake found after parsing (e.g. a missing confirmation)."""


class FileAccessError(WiwError):
    """The system refused a file or folder a command needed (not found, no permission, full)."""

    hint = "Check the path and its permissions, or give another."


class FolderNotEmpty(WorkshopError):
    """``wiw init`` was given a folder that already holds files (or a file, not a folder)."""

    hint = "Give a new folder's name (wiw creates it) or an empty folder."
