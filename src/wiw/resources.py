"""Where wiw's shipped folders are: inside the wheel, or in a checkout.

Two folders travel with wiw: ``jupyterhub/`` (the image's Dockerfile and
the code that runs inside the image, in a subfolder for where it runs: see
its README.md) and ``example_workshop/`` (the lessons that
``wiw init`` copies). Beside them, where wiw keeps what it fetched or
learned on this machine: :func:`cache_dir`.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

__all__ = ["cache_dir", "example_dir", "support_dir", "support_file"]


def cache_dir(name: str) -> Path:
    """Wiw's cache folder ``name`` on this machine: ``$XDG_CACHE_HOME/wiw/NAME``.

    ``~/.cache`` stands for ``$XDG_CACHE_HOME`` when it is not set.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wiw" / name


def _shipped(folder: str, marker: str) -> Path:
    """Locate a folder shipped with wiw: inside the wheel, or in a source checkout.

    Args:
        folder: Its name, e.g. ``"jupyterhub"``.
        marker: A file it always holds, to tell it from an empty leftover.

    Raises:
        FileNotFoundError: Neither the wheel nor a checkout holds it.
    """
    packaged = Path(str(importlib.resources.files("wiw"))) / folder
    if (packaged / marker).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / folder
    if (checkout / marker).is_file():
        return checkout
    msg = f"wiw's {folder}/ folder is missing from this installation"
    raise FileNotFoundError(msg)


def support_dir() -> Path:
    """Locate the ``jupyterhub/`` folder: inside the wheel, or in a source checkout."""
    return _shipped("jupyterhub", "Dockerfile")


def support_file(path: str) -> Path:
    """One file of the support folder, by its path inside it.

    Args:
        path: Relative to ``jupyterhub/``, e.g. ``"lessons/run_lessons.py"``
            or ``"hub/wiw_auth.py"``.

    Raises:
        FileNotFoundError: The support folder holds no such file.
    """
    found = support_dir() / path
    if not found.is_file():
        msg = f"wiw's jupyterhub/ folder holds no file {path!r}"
        raise FileNotFoundError(msg)
    return found


def example_dir() -> Path:
    """Locate the example workshop (``example_workshop/``): in the wheel, or in a checkout."""
    return _shipped("example_workshop", "requirements.txt")
