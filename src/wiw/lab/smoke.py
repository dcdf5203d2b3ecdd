"""A quick end-to-end check that a running workshop serves its lessons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

from wiw import errors
from wiw.errors import ServerRefused, ServerUnreachable
from wiw.lab.server_api import ServerAPI
from wiw.waiting import Deadline, WaitTimeout, poll

__all__ = ["SmokeResult", "check_lab"]

T = TypeVar("T")


@dataclass(frozen=True)
class SmokeResult:
    """What the check saw.

    Attributes:
        lab_status: HTTP status of the JupyterLab page.
        files: Names at the top of the learner's home, from the contents API.
        missing: Expected lessons that were not listed.
    """

    lab_status: int
    files: list[str]
    missing: list[str]

    @property
    def ok(self) -> bool:
        """Whether JupyterLab answered 200 and every lesson was listed."""
        return self.lab_status == 200 and not self.missing  # noqa: PLR2004


def _retrying(ask: Callable[[], T], url: str, deadline: Deadline) -> T:
    """Call ``ask``, again while the server at ``url`` does not answer, until ``deadline``."""
    try:
        return poll(ask, timeout=deadline.remaining, what=url, retry_on=(ServerUnreachable,))
    except WaitTimeout as exc:
        last = exc.last.reason if isinstance(exc.last, ServerUnreachable) else exc.last
        raise errors.HubError(
            f"The workshop server did not answer at {url}: {last}",
            hint="Check the URL from this machine; is a proxy in the way?",
        ) from exc


def _listed(api: ServerAPI) -> list[str]:
    """The names at the top of the learner's home; none when the server refuses to list them."""
    try:
        return sorted(entry.name for entry in api.contents())
    except ServerRefused:
        return []


def check_lab(url: str, lessons: Sequence[str], *, timeout: float = 30.0) -> SmokeResult:
    """Check that JupyterLab answers at ``url`` and that ``lessons`` are listed.

    Args:
        url: The login URL, with its token.
        lessons: File names expected at the top of the learner's home.
        timeout: Seconds to keep retrying while the server does not answer.

    Returns:
        What was seen; :attr:`SmokeResult.ok` tells whether all is well.

    Raises:
        wiw.errors.HubError: The server did not answer before the deadline.
    """
    parts = urlsplit(url)
    token = parse_qs(parts.query).get("token", [""])[0]
    deadline = Deadline(timeout)
    api = ServerAPI(urlunsplit((parts.scheme, parts.netloc, "", "", "")), token, timeout=10)
    lab_status = _retrying(lambda: api.page_status("lab"), api.url("lab"), deadline)
    files = _retrying(lambda: _listed(api), api.url("api/contents/"), deadline)
    return SmokeResult(lab_status, files, [name for name in lessons if name not in files])
