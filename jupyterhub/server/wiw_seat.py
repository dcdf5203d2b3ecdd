"""A seat: a learner's server, started before the learner is known (installed as ``wiw-seat``).

The hub's ``wiw-seats`` service starts seats ahead of a class (``wiw up
--seats``). In each, the image's entry point has delivered the lessons into
the home; then this process imports what the server will run (most of a
server's start) and waits on the server's port, answering ``GET /wiw-seat``
(so the service knows it is ready). JupyterHub's own modules are not
imported ahead: some read the learner's settings (``JUPYTERHUB_*``) when
imported, into class defaults; what they import (SQLAlchemy, alembic,
aiohttp, ...) is, which is most of their cost. The hub's spawner, when a learner
joins, sends ``POST /wiw-seat`` with the seat's key (a secret in this
container's environment, known only to the engine and the hub) and the
learner's settings, as it would have given a new container; this process
stops listening, takes the settings and becomes ``jupyterhub-singleuser``
for that learner.

Nothing from before the learner stays in the server: the key is removed
from the environment before their settings are put in it.
"""

from __future__ import annotations

import hmac
import importlib
import importlib.metadata
import json
import os
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

PORT = 8888  # the server's port (wiw_contract.SEAT_PORT; this file runs without it)
PATH = "/wiw-seat"
MAX_BODY = 1 << 20
# What every learner's server imports: the server, JupyterLab, JupyterHub's ORM (with
# JupyterHub's requirements, below) and the extensions its configuration enables.
SERVER_MODULES = ("jupyter_server.serverapp", "jupyterlab.labapp", "sqlalchemy.orm")
EXTENSION_CONFIG = f"{sys.prefix}/etc/jupyter/jupyter_server_config.d"
HUB = "jupyterhub"  # its modules read the learner's settings when imported: not ahead


def warm_up(config: Path = Path(EXTENSION_CONFIG)) -> list[str]:
    """Import the server, what JupyterHub needs and the extensions; return what was imported.

    An extension that fails to import here is left for the server to report,
    as it would without a seat.
    """
    names = [*SERVER_MODULES, *requirement_modules(HUB), *extensions(config)]
    imported = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - the server reports it when it starts
            continue
        imported.append(name)
    return imported


def requirement_modules(distribution: str) -> list[str]:
    """The top-level modules of what ``distribution`` requires (extras left out), sorted."""
    try:
        requires = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    wanted = {_canonical(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0])
              for r in requires if "extra ==" not in r}  # fmt: skip
    return sorted(
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if not module.startswith("_") and any(_canonical(d) in wanted for d in dists)
    )


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def hub_imported() -> bool:
    """Whether a module of JupyterHub's was imported (then the server starts afresh)."""
    return any(name == HUB or name.startswith(f"{HUB}.") for name in sys.modules)


def extensions(config: Path) -> list[str]:
    """The server extensions enabled in a ``jupyter_server_config.d`` folder, sorted."""
    enabled: set[str] = set()
    for file in sorted(config.glob("*.json")):
        try:
            settings = json.loads(file.read_text())
        except (OSError, ValueError):
            continue
        found = settings.get("ServerApp", {}).get("jpserver_extensions", {})
        enabled |= {name for name, on in found.items() if on}
    return sorted(enabled)


class Waiting(HTTPServer):
    """The seat's one address while it waits: ready to anyone, taken with the key only."""

    allow_reuse_address = True

    def __init__(self, key: str, port: int = PORT) -> None:
        super().__init__(("0.0.0.0", port), SeatHandler)  # noqa: S104 - the class's network
        self.key = key
        self.learner: dict[str, str] | None = None

    def take(self, header: str, body: bytes) -> HTTPStatus:
        """Take the learner's settings if ``header`` carries the key; the answer's status."""
        if self.learner is not None:
            return HTTPStatus.CONFLICT
        if not hmac.compare_digest(header.encode(), f"token {self.key}".encode()):
            return HTTPStatus.FORBIDDEN
        try:
            env = json.loads(body)["env"]
        except (ValueError, KeyError, TypeError):
            return HTTPStatus.BAD_REQUEST
        if not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items()
        ):
            return HTTPStatus.BAD_REQUEST
        self.learner = env
        return HTTPStatus.ACCEPTED


class SeatHandler(BaseHTTPRequestHandler):
    """``GET /wiw-seat``: ready. ``POST /wiw-seat``: the learner's settings."""

    server: Waiting

    def do_GET(self) -> None:
        """Say the seat is ready (nothing else is here)."""
        self._answer(HTTPStatus.OK if self.path == PATH else HTTPStatus.NOT_FOUND)

    def do_POST(self) -> None:
        """Take the learner's settings, with the seat's key."""
        length = int(self.headers.get("Content-Length") or 0)
        if self.path != PATH or not 0 < length <= MAX_BODY:
            self._answer(HTTPStatus.NOT_FOUND if self.path != PATH else HTTPStatus.BAD_REQUEST)
            return
        body = self.rfile.read(length)
        self._answer(self.server.take(self.headers.get("Authorization", ""), body))

    def _answer(self, status: HTTPStatus) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: probes come every second."""


def wait_for_learner(key: str, port: int = PORT) -> dict[str, str]:
    """Answer on ``port`` until the hub hands over a learner's settings; return them."""
    with Waiting(key, port) as waiting:
        while waiting.learner is None:
            waiting.handle_request()
        return waiting.learner


def become_server(env: dict[str, str]) -> None:
    """Run the learner's server in this process, with their settings.

    Should something have imported JupyterHub's modules already (an extension
    that does), they hold no learner's settings: the server starts as a new
    process instead, as it would without a seat.
    """
    server = f"{sys.prefix}/bin/jupyterhub-singleuser"
    os.environ.update(env)
    if hub_imported():
        os.execv(server, [server])  # noqa: S606 - the image's own server, no shell
    from jupyterhub.singleuser import main  # noqa: PLC0415 - with the learner's settings now

    sys.argv = [server]
    sys.exit(main())


def main() -> None:
    """Warm up, wait for the learner, then be their server."""
    key = os.environ.pop("WIW_SEAT_KEY", "")
    if not key:
        sys.exit("wiw-seat: no seat key (WIW_SEAT_KEY); seats are started by the hub")
    warm_up()
    become_server(wait_for_learner(key))


if __name__ == "__main__":
    main()
