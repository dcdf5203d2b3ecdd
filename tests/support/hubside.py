"""Import the hub-side scripts (``jupyterhub/``) the way the image runs them: as files."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import wiw.contract
from wiw.resources import support_file

__all__ = ["load_support_module"]


def load_support_module(name: str) -> ModuleType:
    """The support script ``NAME.py``, imported from the folder shipped in the wheel.

    The hub-side scripts import the contract as ``wiw_contract`` (the image's
    copy of :mod:`wiw.contract`): here it is wiw's own.
    """
    sys.modules.setdefault("wiw_contract", wiw.contract)
    spec = importlib.util.spec_from_file_location(name, support_file(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
