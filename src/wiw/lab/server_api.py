"""A small client for the REST API of a Jupyter Server that wiw started.

Every request goes through :meth:`ServerAPI.fetch`, the one place where what
can go wrong on the way becomes a wiw error:

- no usable answer (connection refused or reset, a timeout, a body that is
  not what the API returns) raises :class:`ServerUnreachable`;
- an HTTP error code (403, 404, 500...) raises :class:`ServerRefused`, which
  keeps the code.

Both are subclasses of :class:`wiw.errors.HubError`; they keep the URL asked
for and never show the token (nor any secret :func:`wiw.errors.redact` knows).
The classroom's JupyterHub client raises the same two.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from wiw import errors
from wiw.errors import ServerRefused, ServerUnreachable

__all__ = [
    "TRANSPORT_ERRORS",
    "Entry",
    "Reply",
    "ServerAPI",
    "ServerStatus",
    "hide",
]

T = TypeVar("T")

# What a request can fail with before any HTTP status: refused, reset, timed
# out (URLError and socket timeouts are OSErrors), or a garbled answer.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def hide(text: str, hidden: tuple[str, ...]) -> str:
    """Replace each of ``hidden`` (tokens, secret URL paths) in ``text``, then redact the rest.

    Args:
        text: A URL or a message about one.
        hidden: Secrets this caller knows by value; empty ones are ignored.

    Returns:
        The text with those values and every secret :func:`wiw.errors.redact`
        finds replaced by ``[redacted]``.
    """
    for secret in sorted(filter(None, hidden), key=len, reverse=True):
        text = text.replace(secret, errors.REDACTED)
    return errors.redact(text)


@dataclass(frozen=True)
class Reply:
    """A successful answer (2xx, after redirects).

    Attributes:
        status: The HTTP status code.
        body: The body, as sent.
    """

    status: int
    body: bytes

    def json(self) -> Any:
        """Return the body decoded from JSON (ValueError when it is not JSON)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class ServerStatus:
    """What ``/api/status`` says about a running Jupyter Server.

    Attributes:
        started: When the server started (ISO 8601), if said.
        last_activity: When it last saw activity (ISO 8601), if said.
        connections: Open kernel connections.
        kernels: Running kernels.
    """

    started: str | None
    last_activity: str | None
    connections: int
    kernels: int


@dataclass(frozen=True)
class Entry:
    """One item of a folder listed by the contents API.

    Attributes:
        name: Its file name.
        path: Its path from the server's root.
        type: ``"notebook"``, ``"file"`` or ``"directory"``.
    """

    name: str
    path: str
    type: str


def _status(reply: Reply) -> ServerStatus:
    data = reply.json()
    return ServerStatus(
        started=data.get("started"),
        last_activity=data.get("last_activity"),
        connections=int(data.get("connections", 0)),
        kernels=int(data.get("kernels", 0)),
    )


def _listing(reply: Reply) -> list[Entry]:
    items = reply.json().get("content") or []
    return [Entry(str(i["name"]), str(i.get("path", "")), str(i.get("type", ""))) for i in items]


class ServerAPI:
    """Jupyter Server's REST API at one base URL, with one token.

    The token travels in the ``Authorization`` header, never in a URL::

        api = ServerAPI("http://127.0.0.1:8888", token)
        names = [entry.name for entry in api.contents()]
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        """Make a client.

        Args:
            base_url: The server's root (scheme, host, port, any base path).
            token: The server's token; empty to send none.
            timeout: Seconds each request may take to connect and to answer.
        """
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self._token = token

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def url(self, path: str) -> str:
        """Return the URL of ``path`` (relative to the base URL), without the token."""
        return self.base_url + path.lstrip("/")

    def fetch(self, path: str, read: Callable[[Reply], T]) -> T:
        """GET ``path`` and return what ``read`` makes of the answer: the one error mapping.

        Args:
            path: Relative to the base URL, e.g. ``"api/status"``.
            read: Turns a successful answer into the result; a ValueError,
                KeyError, TypeError or AttributeError it raises means the
                answer was not what the API returns.

        Returns:
            What ``read`` returned.

        Raises:
            ServerUnreachable: No answer, or not one ``read`` could use.
            ServerRefused: The server answered with an HTTP error code.
        """
        url = self.url(path)
        shown = hide(url, (self._token,))
        headers = {"Authorization": f"token {self._token}"} if self._token else {}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) URLs only
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                reply = Reply(int(response.status), response.read())
        except urllib.error.HTTPError as exc:
            exc.close()
            raise ServerRefused(
                f"The workshop server answered {exc.code} ({exc.reason}) at {shown}.",
                url=shown,
                status=exc.code,
                hint="It runs but refused the request: check its token and the path.",
            ) from exc
        except TRANSPORT_ERRORS as exc:
            raise self._unreachable(shown, exc) from exc
        try:
            return read(reply)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._unreachable(shown, exc) from exc

    def _unreachable(self, shown: str, exc: Exception) -> ServerUnreachable:
        reason = hide(str(exc) or type(exc).__name__, (self._token,))
        return ServerUnreachable(
            f"The workshop server did not answer at {shown}: {reason}",
            url=shown,
            reason=reason,
            hint="Check the URL from this machine; is a proxy in the way?",
        )

    def get_json(self, path: str) -> Any:
        """Return the JSON the server answers at ``path``.

        Raises:
            ServerUnreachable: No answer, or one that is not JSON.
            ServerRefused: An HTTP error code.
        """
        return self.fetch(path, Reply.json)

    def status(self) -> ServerStatus:
        """Ask ``/api/status``: the probe that says the server is up and takes the token.

        Raises:
            ServerUnreachable: No answer (yet), or not a status.
            ServerRefused: An HTTP error code (e.g. 403: the token is refused).
        """
        return self.fetch("api/status", _status)

    def contents(self, path: str = "") -> list[Entry]:
        """List a folder through the contents API (the server's root by default).

        Raises:
            ServerUnreachable: No answer, or not a folder's listing.
            ServerRefused: An HTTP error code (e.g. 404: no such folder).
        """
        return self.fetch(f"api/contents/{quote(path.strip('/'))}", _listing)

    def page_status(self, path: str) -> int:
        """Return the HTTP status a page (e.g. ``"lab"``) answers with, error codes included.

        Raises:
            ServerUnreachable: No answer.
        """
        try:
            return self.fetch(path, lambda reply: reply.status)
        except ServerRefused as exc:
            return exc.status
