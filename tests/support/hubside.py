"""Import the image's scripts (``jupyterhub/``) the way the image runs them: as files."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import wiw.contract
from wiw.resources import support_file

__all__ = ["SUPPORT_MODULES", "load_support_module"]

# Each script's module name and its path inside ``jupyterhub/``. In the image
# they sit side by side (see render_context), so they import each other by name.
SUPPORT_MODULES = {
    "wiw_precompress": "build/wiw_precompress.py",
    "jupyterhub_config": "hub/jupyterhub_config.py",
    "wiw_auth": "hub/wiw_auth.py",
    "wiw_proxy": "hub/wiw_proxy.py",
    "wiw_swarm": "hub/wiw_swarm.py",
    "jupyter_server_config": "server/jupyter_server_config.py",
    "wiw_sync": "server/wiw_sync.py",
    "wiw_static": "shared/wiw_static.py",
    "run_lessons": "lessons/run_lessons.py",
}


def load_support_module(name: str) -> ModuleType:
    """The support script ``NAME.py``, imported from the folder shipped in the wheel.

    The hub-side scripts import the contract as ``wiw_contract`` (the image's
    copy of :mod:`wiw.contract`): here it is wiw's own.
    """
    sys.modules.setdefault("wiw_contract", wiw.contract)
    spec = importlib.util.spec_from_file_location(name, support_file(SUPPORT_MODULES[name]))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
