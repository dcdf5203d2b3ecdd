"""Render a workshop's build context as plain data, before any engine call.

A :class:`BuildContext` maps paths inside the context to their bytes or to
a source file. It can be inspected (``wiw build --dry-run``), compared in
tests, and written to a folder for the engine to build.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wiw.workshop import Workshop

__all__ = ["DEFAULT_BASE_IMAGE", "BuildContext", "render_context", "support_dir"]

DEFAULT_BASE_IMAGE = "debian:bookworm-slim"
# The files of the `jupyterhub/` folder that go into every image.
SUPPORT_FILES = ("requirements.txt", "jupyter_server_config.py", "wiw-start")
_EXECUTABLE = frozenset({"wiw/wiw-start"})


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


@dataclass(frozen=True)
class BuildContext:
    """The files and arguments of one image build."""

    files: Mapping[str, bytes | Path]
    build_args: Mapping[str, str] = field(default_factory=dict)

    @property
    def dockerfile(self) -> str:
        """The Dockerfile text of this context."""
        return self.read("Dockerfile").decode()

    def read(self, name: str) -> bytes:
        """Return the bytes of one file of the context."""
        source = self.files[name]
        return source if isinstance(source, bytes) else source.read_bytes()

    def write(self, dest: Path) -> None:
        """Write the context into the (empty) folder ``dest``."""
        for name, source in sorted(self.files.items()):
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, bytes):
                target.write_bytes(source)
            else:
                shutil.copyfile(source, target)
            # Fixed modes keep the build cache independent of the host's umask.
            os.chmod(target, 0o755 if name in _EXECUTABLE else 0o644)


def render_context(workshop: Workshop, *, base_image: str = DEFAULT_BASE_IMAGE) -> BuildContext:
    """Decide the build context for a workshop, without touching the engine.

    Args:
        workshop: The workshop to build.
        base_image: The image the Dockerfile starts from.

    Returns:
        The context: wiw's support files under ``wiw/``, the workshop's
        dependency files under ``workshop/``, its lessons under
        ``workshop/lessons/``, and the Dockerfile.
    """
    support = support_dir()
    files: dict[str, bytes | Path] = {"Dockerfile": support / "Dockerfile"}
    for name in SUPPORT_FILES:
        files[f"wiw/{name}"] = support / name
    files["workshop/requirements.txt"] = workshop.requirements or b""
    for path in workshop.content_files():
        files[f"workshop/lessons/{path.relative_to(workshop.path).as_posix()}"] = path
    return BuildContext(files=files, build_args={"BASE_IMAGE": base_image})
