"""Render a workshop's build context as plain data, before any engine call.

A :class:`BuildContext` maps paths inside the context to their bytes or to
a source file. It can be inspected (``wiw build --dry-run``), compared in
tests, and written to a folder for the engine to build.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wiw._support import support_dir
from wiw.errors import WorkshopError
from wiw.workshop import DEPENDENCY_FILES, Workshop

__all__ = ["DEFAULT_BASE_IMAGE", "BuildContext", "render_context"]

DEFAULT_BASE_IMAGE = "debian:bookworm-slim"
# The files of the `jupyterhub/` folder that go into every image.
SUPPORT_FILES = (
    "requirements.txt",
    "jupyter_server_config.py",
    "jupyterhub_config.py",
    "wiw_proxy.py",
    "wiw_auth.py",
    "wiw_sync.py",
    "lab-overrides.json",
    "wiw-start",
)
# The only Python the default base (Debian 12) offers.
DEFAULT_BASE_PYTHON = "3.11"


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
            executable = isinstance(source, Path) and os.access(source, os.X_OK)
            os.chmod(target, 0o755 if executable else 0o644)


def render_context(workshop: Workshop, *, base_image: str = DEFAULT_BASE_IMAGE) -> BuildContext:
    """Decide the build context for a workshop, without touching the engine.

    Args:
        workshop: The workshop to build.
        base_image: The image the Dockerfile starts from.

    Returns:
        The context. A workshop with its own Dockerfile is its own context.
        Otherwise: wiw's support files under ``wiw/``, the dependency files
        under ``workshop/``, the workshop's package and ``postBuild`` under
        ``workshop/package/`` (without notebooks, so that editing a lesson
        reinstalls nothing), its lessons under ``workshop/lessons/``, and the
        Dockerfile.

    Raises:
        wiw.errors.WorkshopError: ``runtime.txt`` asks for a Python the base lacks.
    """
    env = workshop.environment
    if env.dockerfile:
        return _own_dockerfile_context(workshop, env.dockerfile)
    support = support_dir()
    files: dict[str, bytes | Path] = {"Dockerfile": support / "Dockerfile"}
    for name in SUPPORT_FILES:
        files[f"wiw/{name}"] = support / name
    files["workshop/requirements.txt"] = env.requirements or b""
    files["workshop/apt.txt"] = env.apt or b""
    files["workshop/package/.wiw-package"] = b""
    content = [(p.relative_to(workshop.path).as_posix(), p) for p in workshop.content_files()]
    if env.package:
        for name, path in content:
            if path.suffix != ".ipynb":
                files[f"workshop/package/{name}"] = path
        for name in ("pyproject.toml", "setup.py", "setup.cfg"):
            if (workshop.path / name).is_file():
                files[f"workshop/package/{name}"] = workshop.path / name
    if env.post_build:
        files["workshop/package/postBuild"] = env.post_build
    for name, path in content:
        files[f"workshop/lessons/{name}"] = path
    build_args = {"BASE_IMAGE": base_image, **_python_arg(env.python, base_image)}
    return BuildContext(files=files, build_args=build_args)


def _python_arg(python: str | None, base_image: str) -> dict[str, str]:
    """Return the PYTHON build argument that honours runtime.txt, if it can be."""
    if python is None or python in ("3", DEFAULT_BASE_PYTHON):
        return {}
    if base_image == DEFAULT_BASE_IMAGE:
        raise WorkshopError(
            f"runtime.txt asks for Python {python}; {base_image} offers {DEFAULT_BASE_PYTHON}.",
            hint=f"Write 'python-{DEFAULT_BASE_PYTHON}' in runtime.txt, or pass a base image "
            f"whose apt offers python{python} (--base-image).",
        )
    return {"PYTHON": f"python{python}"}


def _own_dockerfile_context(workshop: Workshop, dockerfile: Path) -> BuildContext:
    """The context of a workshop that brings its own Dockerfile: the folder as it is."""
    files: dict[str, bytes | Path] = {"Dockerfile": dockerfile}
    for path in workshop.content_files():
        files[path.relative_to(workshop.path).as_posix()] = path
    for path in workshop.path.iterdir():
        if path.is_file() and path.name in DEPENDENCY_FILES:
            files.setdefault(path.name, path)
    return BuildContext(files=files)
