"""Stand-ins for JupyterHub, tornado and traitlets: wiw's hub-side code runs without them."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest


class _SharedPassword:
    """JupyterHub's shared-password login, reduced to its rule: one class password."""

    def get_handlers(self, app: Any) -> list[tuple[str, str]]:
        return [("/login", f"login page of {app.name}")]

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> Any:
        if data.get("password") != "class pw":
            return None
        if handler is None:
            return {"name": data["username"]}
        return {"name": data["username"], "handler": handler.request}


def url_path_join(*pieces: str) -> str:
    """JupyterHub's join of URL paths: one slash between pieces, the outer ones kept."""
    inner = "/".join(piece.strip("/") for piece in pieces if piece.strip("/"))
    start = "/" if pieces and pieces[0].startswith("/") else ""
    end = "/" if pieces and pieces[-1].endswith("/") and inner else ""
    return start + inner + end


def install_hub_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put stand-ins for the modules ``wiw_auth.py`` imports into ``sys.modules``."""
    names = ["jupyterhub", "jupyterhub.orm", "jupyterhub.auth", "jupyterhub.authenticators",
             "jupyterhub.authenticators.shared", "jupyterhub.handlers", "jupyterhub.utils",
             "tornado", "traitlets", "traitlets.config"]  # fmt: skip
    fakes = {name: types.ModuleType(name) for name in names}
    fakes["jupyterhub.auth"].Authenticator = type("Authenticator", (), {})  # type: ignore[attr-defined]
    fakes["jupyterhub"].orm = fakes["jupyterhub.orm"]  # type: ignore[attr-defined]
    shared = fakes["jupyterhub.authenticators.shared"]
    shared.SharedPasswordAuthenticator = _SharedPassword  # type: ignore[attr-defined]
    fakes["jupyterhub.handlers"].BaseHandler = type("BaseHandler", (), {})  # type: ignore[attr-defined]
    fakes["jupyterhub.utils"].url_path_join = url_path_join  # type: ignore[attr-defined]
    fakes["tornado"].web = types.SimpleNamespace(HTTPError=RuntimeError)  # type: ignore[attr-defined]
    fakes["traitlets"].Unicode = lambda default="", **kw: default  # type: ignore[attr-defined]
    fakes["traitlets"].List = lambda trait=None, default_value=(), **kw: list(default_value)  # type: ignore[attr-defined]
    fakes["traitlets.config"].Configurable = type("Configurable", (), {})  # type: ignore[attr-defined]
    for name, module in fakes.items():
        monkeypatch.setitem(sys.modules, name, module)
