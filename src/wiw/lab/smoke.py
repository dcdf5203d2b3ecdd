"""A quick end-to-end check that a running workshop serves its lessons."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

from wiw import errors
from wiw.waiting import Deadline, WaitTimeout, poll

__all__ = ["SmokeResult", "check_lab"]


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


def _get(url: str, token: str, deadline: Deadline) -> tuple[int, bytes]:
    """GET ``url``, retrying connection errors until ``deadline``."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})  # noqa: S310

    def answer() -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    try:
        return poll(answer, timeout=deadline.remaining, what=url, retry_on=(OSError,))
    except WaitTimeout as exc:
        raise errors.HubError(
            f"The workshop server did not answer at {url}: {exc.last}",
            hint="Check the URL from this machine; is a proxy in the way?",
        ) from exc


def check_lab(url: str, lessons: Sequence[str], *, timeout: float = 30.0) -> SmokeResult:
    """Check that JupyterLab answers at ``url`` and that ``lessons`` are listed.

    Args:
        url: The login URL, with its token.
        lessons: File names expected at the top of the learner's home.
        timeout: Seconds to keep retrying while the server does not answer.

    Returns:
        What was seen; :attr:`SmokeResult.ok` tells whether all is well.
    """
    parts = urlsplit(url)
    token = parse_qs(parts.query).get("token", [""])[0]
    deadline = Deadline(timeout)
    base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    lab_status, _ = _get(f"{base}/lab", token, deadline)
    status, body = _get(f"{base}/api/contents/", token, deadline)
    files = []
    if status == 200:  # noqa: PLR2004
        files = sorted(item["name"] for item in json.loads(body).get("content", []))
    return SmokeResult(lab_status, files, [name for name in lessons if name not in files])
