"""Where wiw's ``jupyterhub/`` support folder is: inside the wheel, or in a checkout."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["support_dir", "support_file"]


def support_dir() -> Path:
    """Locate the ``jupyterhub/`` folder: inside the wheel, or in a source checkout."""
    packaged = Path(str(importlib.resources.files("wiw"))) / "jupyterhub"
    if (packaged / "Dockerfile").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "jupyterhub"
    if (checkout / "Dockerfile").is_file():
        return checkout
    msg = "wiw's jupyterhub/ support folder is missing from this installation"
    raise FileNotFoundError(msg)


def support_file(name: str) -> Path:
    """One file of the support folder, e.g. ``run_lessons.py``."""
    return support_dir() / name
