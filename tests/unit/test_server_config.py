"""The learner's Jupyter Server configuration (jupyterhub/server/jupyter_server_config.py).

It runs inside the image, where Jupyter Server and JupyterLab are installed;
here their handler modules are stand-ins (tornado's StaticFileHandler is the
real one), so that what the configuration sets and replaces can be checked.
Also: the hub side's stub of the contract names what the contract exports.
"""

from __future__ import annotations

import ast
import sys
import types
from typing import Any

import pytest
from tornado import web

import wiw.contract
from tests.support.hubside import load_support_module, run_support_script
from wiw.resources import support_dir


class Section(dict[str, Any]):
    """One configurable class's settings (``c.ServerApp``): attributes stored as items."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


class Config(dict[str, Section]):
    """What ``get_config()`` returns: sections made on first use."""

    def __getattr__(self, name: str) -> Section:
        return self.setdefault(name, Section())


class FileFindHandler(web.StaticFileHandler):
    """jupyter_server's FileFindHandler, as far as the configuration uses it."""


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> tuple[Config, types.ModuleType]:
    """The configuration run against stand-ins; its settings and JupyterLab's handlers module."""
    lab = types.ModuleType("jupyterlab_server.handlers")
    lab.FileFindHandler = FileFindHandler  # type: ignore[attr-defined]
    server = types.ModuleType("jupyter_server.base.handlers")
    server.FileFindHandler = FileFindHandler  # type: ignore[attr-defined]
    fakes = {
        "jupyterlab_server": types.ModuleType("jupyterlab_server"),
        "jupyterlab_server.handlers": lab,
        "jupyter_server": types.ModuleType("jupyter_server"),
        "jupyter_server.base": types.ModuleType("jupyter_server.base"),
        "jupyter_server.base.handlers": server,
        "wiw_static": load_support_module("wiw_static"),  # beside it in /etc/jupyter
    }
    fakes["jupyterlab_server"].handlers = lab  # type: ignore[attr-defined]
    for name, module in fakes.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))
    config = Config()
    run_support_script("jupyter_server_config", {"get_config": lambda: config})
    return config, lab


def test_lab_opens_in_the_home_with_terminals(configured: tuple[Config, Any]) -> None:
    """JupyterLab is the default, no browser is opened, terminals stay on."""
    c, _ = configured
    assert c.ServerApp.default_url == "/lab"
    assert c.ServerApp.open_browser is False
    assert c.ServerApp.terminals_enabled is True


def test_static_files_go_out_precompressed(configured: tuple[Config, Any]) -> None:
    """The server's static handler and JupyterLab's FileFindHandler both become precompressed."""
    c, lab = configured
    handler = c.ServerApp.tornado_settings["static_handler_class"]
    assert handler.__name__ == "PrecompressedFileFindHandler"
    assert issubclass(handler, FileFindHandler)
    assert lab.FileFindHandler is not FileFindHandler
    assert issubclass(lab.FileFindHandler, FileFindHandler)
    assert lab.FileFindHandler.__name__ == "PrecompressedFileFindHandler"


def test_what_a_workshop_does_not_use_is_not_loaded(configured: tuple[Config, Any]) -> None:
    """Language servers and the notebook shim are off; no news, no update checks."""
    c, _ = configured
    assert c.ServerApp.jpserver_extensions == {"jupyter_lsp": False, "notebook_shim": False}
    assert c.LabApp.extension_manager == "readonly"
    assert c.LabApp.news_url is None
    assert c.LabApp.check_for_updates_class.endswith("NeverCheckForUpdate")


def test_the_hub_sides_contract_stub_names_what_the_contract_exports() -> None:
    """jupyterhub/typings/wiw_contract.pyi re-exports exactly wiw.contract's names."""
    stub = ast.parse((support_dir() / "typings" / "wiw_contract.pyi").read_text())
    imported = {
        alias.name
        for node in stub.body
        if isinstance(node, ast.ImportFrom) and node.module == "wiw.contract"
        for alias in node.names
    }
    exported = next(
        ast.literal_eval(node.value)
        for node in stub.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert imported == set(exported) == set(wiw.contract.__all__)
