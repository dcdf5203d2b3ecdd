"""Exact pins read from requirements files, such as the runtime's lock."""

from __future__ import annotations

from wiw.resources import support_file

__all__ = ["pins", "runtime_lock"]


def pins(text: str) -> dict[str, str]:
    """Every ``name==version`` line of a requirements text, markers and comments left out."""
    lines = (line.split(";")[0].split("#")[0].strip() for line in text.splitlines())
    return dict(line.split("==") for line in lines if "==" in line)


def runtime_lock() -> dict[str, str]:
    """The runtime's lock (``jupyterhub/requirements.lock``), name -> version."""
    return pins(support_file("requirements.lock").read_text(encoding="utf-8"))
