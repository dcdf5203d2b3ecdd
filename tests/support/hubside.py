"""Import the hub-side scripts (``jupyterhub/``) the way the image runs them: as files."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from wiw.resources import support_file

__all__ = ["load_support_module"]


def load_support_module(name: str) -> ModuleType:
    """The support script ``NAME.py``, imported from the folder shipped in the wheel."""
    spec = importlib.util.spec_from_file_location(name, support_file(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
