"""Import the image's scripts (``jupyterhub/``) the way the image runs them: as files."""

from __future__ import annotations

import importlib.util
import runpy
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import wiw.contract
from wiw.resources import support_file

__all__ = ["SUPPORT_MODULES", "load_support_module", "module_name", "run_support_script"]

# Each script's module name and its path inside ``jupyterhub/``. In the image
# they sit side by side (see render_context), so they import each other by name.
SUPPORT_MODULES = {
    "wiw_precompress": "build/wiw_precompress.py",
    "jupyterhub_config": "hub/jupyterhub_config.py",
    "wiw_auth": "hub/wiw_auth.py",
    "wiw_proxy": "hub/wiw_proxy.py",
    "wiw_swarm": "hub/wiw_swarm.py",
    "wiw_seats": "hub/wiw_seats.py",
    "wiw_seat": "server/wiw_seat.py",
    "jupyter_server_config": "server/jupyter_server_config.py",
    "wiw_sync": "server/wiw_sync.py",
    "wiw_static": "shared/wiw_static.py",
    "run_lessons": "lessons/run_lessons.py",
}

# The scripts each script imports by name (beside it in the image).
IMPORTS = {"wiw_seats": ("wiw_swarm",)}


def module_name(name: str) -> str:
    """The name a loaded script's functions carry as ``__module__``: its path in the repository.

    ``wiw_auth`` -> ``jupyterhub.hub.wiw_auth``. Mutation testing (``nox -s
    mutate``) names a function's mutants after its file's path and activates
    them by comparing that name with the function's ``__module__``, so the
    scripts must be loaded under it to be mutated. The name is never put in
    :data:`sys.modules`: the scripts still import each other by their own names.
    """
    return "jupyterhub." + SUPPORT_MODULES[name].removesuffix(".py").replace("/", ".")


def load_support_module(name: str) -> ModuleType:
    """The support script ``NAME.py``, imported from the folder shipped in the wheel.

    The hub-side scripts import the contract as ``wiw_contract`` (the image's
    copy of :mod:`wiw.contract`): here it is wiw's own. The scripts it
    imports by name (``IMPORTS``) are loaded first, under those names.
    """
    sys.modules.setdefault("wiw_contract", wiw.contract)
    for needed in IMPORTS.get(name, ()):
        if needed not in sys.modules:
            sys.modules[needed] = load_support_module(needed)
    spec = importlib.util.spec_from_file_location(
        module_name(name), support_file(SUPPORT_MODULES[name])
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_support_script(name: str, init_globals: Mapping[str, Any]) -> dict[str, Any]:
    """Execute the script ``NAME.py`` as its program runs it (a configuration file); its globals.

    Run under :func:`module_name`, as :func:`load_support_module` loads a script.
    """
    path = str(support_file(SUPPORT_MODULES[name]))
    return runpy.run_path(path, init_globals=dict(init_globals), run_name=module_name(name))
