"""Find the login URL a Jupyter server prints, and make it work from the host.

Jupyter Server 2.x prints ``http://HOST:8888/lab?token=...``; the classic
notebook 5.x printed ``http://(HOST or 127.0.0.1):8888/?token=...``. Both
name addresses inside the container, so the host part is rewritten to the
published address and port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["ServerURL", "find_server_url", "rewrite_url"]

_URL = re.compile(
    r"""(?x)
    (?P<scheme>https?)://
    (?:\((?P<alt1>[^()\s]+)\ or\ (?P<alt2>[^()\s]+)\)      # notebook 5: (HOST or 127.0.0.1)
      |(?P<host>\[[0-9a-fA-F:.]+\]|[^\s/:?#()\[\]]+))
    (?::(?P<port>\d{1,5}))?
    (?P<path>/[^\s?#]*)?
    \?(?P<query>[^\s#'"]*?\btoken=(?P<token>[A-Za-z0-9_.~-]*[A-Za-z0-9_~-])(?:&[^\s#'"]*)?)
    """
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class ServerURL:
    """A login URL as a server printed it.

    Attributes:
        scheme: ``http`` or ``https``.
        host: The host the server named (loopback preferred when it offered several).
        port: The port, or None if the URL had none.
        path: The path, e.g. ``/lab``.
        query: The query string, including ``token=``.
        token: The token itself.
    """

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    token: str

    def __str__(self) -> str:
        netloc = self.host if self.port is None else f"{self.host}:{self.port}"
        return urlunsplit((self.scheme, netloc, self.path or "/", self.query, ""))


def find_server_url(text: str) -> ServerURL | None:
    """Return the first token URL in ``text``, preferring a loopback address.

    Never raises, whatever the text.
    """
    found: list[ServerURL] = []
    for m in _URL.finditer(text):
        port = int(m["port"]) if m["port"] else None
        if port is not None and port > 65535:  # noqa: PLR2004
            continue
        host = m["host"] or (m["alt2"] if m["alt2"] in _LOOPBACK else m["alt1"])
        found.append(ServerURL(m["scheme"], host, port, m["path"] or "/", m["query"], m["token"]))
    for url in found:
        if url.host in _LOOPBACK:
            return url
    return found[0] if found else None


def rewrite_url(url: str | ServerURL, *, host: str, port: int) -> str:
    """Point a server's URL at the address and port published on the host.

    Args:
        url: The URL the server printed.
        host: The host's address for it, e.g. ``127.0.0.1``.
        port: The host port the container's port is published on.

    Returns:
        The same path and query, at ``host:port``.
    """
    parts = urlsplit(str(url))
    netloc = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
