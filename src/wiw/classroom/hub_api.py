"""A small client for the REST API of a classroom's JupyterHub.

Every request goes through one method, where what can go wrong becomes a
:class:`wiw.errors.HubError` saying "The classroom hub's API did not answer",
as the classroom always said:

- no usable answer (refused, reset, timed out, not JSON) raises
  :class:`~wiw.errors.ServerUnreachable`;
- an HTTP error code raises :class:`~wiw.errors.ServerRefused`, which
  keeps the code.

The hub's base URL holds the class's join secret in its path: neither that
path nor the API token ever appears in an error.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, Required, TypedDict
from urllib.parse import urlsplit

from wiw.errors import ServerRefused, ServerUnreachable
from wiw.lab.server_api import TRANSPORT_ERRORS, Reply, hide

__all__ = ["HubAPI", "HubServer", "HubUser"]

_DID_NOT_ANSWER = "The classroom hub's API did not answer: "
_PAGE = 200
_HTTP_OK = 200


class HubServer(TypedDict, total=False):
    """A user's server in JupyterHub's user model (the fields wiw reads)."""

    ready: bool
    pending: str | None
    state: dict[str, Any]


class HubUser(TypedDict, total=False):
    """A user in JupyterHub's user model (the fields wiw reads; the rest is kept)."""

    name: Required[str]
    last_activity: str | None
    servers: dict[str, HubServer]


class HubAPI:
    """JupyterHub's REST API under a classroom's base URL, with wiw's API token.

    ::

        hub = HubAPI("http://127.0.0.1:8000/JOIN-SECRET/", api_token)
        names = [user["name"] for user in hub.users()]
    """

    def __init__(
        self, base_url: str, token: str, *, verify_tls: bool = True, timeout: float = 30.0
    ) -> None:
        """Make a client.

        Args:
            base_url: The hub's base URL, join prefix included (``.../SECRET/``).
            token: An API token of the hub.
            verify_tls: Check an HTTPS certificate. The classroom turns this
                off for its own hub on loopback, whose certificate names the
                public host, not 127.0.0.1.
            timeout: Seconds an API request may take to connect and to answer.
        """
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self._token = token
        self._hidden = (token, urlsplit(self.base_url).path.strip("/"))
        self._context: ssl.SSLContext | None = None
        if not verify_tls and self.base_url.startswith("https:"):
            self._context = ssl.create_default_context()
            self._context.check_hostname = False
            self._context.verify_mode = ssl.CERT_NONE

    def __repr__(self) -> str:
        return f"{type(self).__name__}({hide(self.base_url, self._hidden)!r})"

    def _fetch(self, path: str, *, timeout: float, api: bool = True) -> tuple[int, Any]:
        """GET ``path`` under the base URL: the one error mapping.

        Args:
            path: Relative to the base URL, e.g. ``"hub/api/users"``.
            timeout: Seconds to connect and to answer.
            api: Send the token and ask for JSON (and read it: a body that
                is not JSON fails); False for a page such as the health check.

        Returns:
            The HTTP status and, with ``api``, the JSON body decoded (None without).

        Raises:
            ServerUnreachable: No answer, or not JSON when ``api``.
            ServerRefused: An HTTP error code.
        """
        url = self.base_url + path
        shown = hide(url, self._hidden)
        headers = {}
        if api:
            headers = {
                "Authorization": f"token {self._token}",
                "Accept": "application/jupyterhub-pagination+json",
            }
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) URLs only
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=timeout, context=self._context
            ) as response:
                reply = Reply(int(response.status), response.read())
            data = reply.json() if api else None
        except urllib.error.HTTPError as exc:
            exc.close()
            message = hide(f"{_DID_NOT_ANSWER}{exc}", self._hidden)
            raise ServerRefused(message, url=shown, status=exc.code, hint="") from exc
        except (*TRANSPORT_ERRORS, ValueError) as exc:
            reason = hide(str(exc) or type(exc).__name__, self._hidden)
            raise ServerUnreachable(
                _DID_NOT_ANSWER + reason, url=shown, reason=reason, hint=""
            ) from exc
        return reply.status, data

    def healthy(self, *, timeout: float = 5.0) -> bool:
        """Ask ``hub/health`` (no token needed): True when the hub answers 200.

        Raises:
            ServerUnreachable: No answer (yet).
            ServerRefused: An HTTP error code (e.g. 502 while the hub starts).
        """
        status, _ = self._fetch("hub/health", timeout=timeout, api=False)
        return status == _HTTP_OK

    def get(self, path: str) -> Any:
        """Return the JSON the API answers at ``path`` (under ``hub/api/``).

        Raises:
            ServerUnreachable: No answer, or not JSON.
            ServerRefused: An HTTP error code (403: the token may not do that).
        """
        _, data = self._fetch(f"hub/api/{path}", timeout=self.timeout)
        return data

    def users(self) -> Iterator[HubUser]:
        """Every user the hub knows, with their servers (stopped ones too), page by page.

        Raises:
            ServerUnreachable: No answer, or not JSON.
            ServerRefused: An HTTP error code.
        """
        offset = 0
        while True:
            page = self.get(f"users?offset={offset}&limit={_PAGE}&include_stopped_servers=1")
            items: list[HubUser] = page["items"] if isinstance(page, dict) else page
            yield from items
            following = page.get("_pagination", {}).get("next") if isinstance(page, dict) else None
            if not following or not items:
                return
            offset = int(following["offset"])
