"""Render a workshop's build context as plain data, before any engine call.

A :class:`BuildContext` maps paths inside the context to their bytes or to
a source file. It can be inspected (``wiw build --dry-run``), compared in
tests, and written to a folder for the engine to build.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import wiw.contract
from wiw.build.data import cached
from wiw.build.rlang import R_BASES, choose_r_base
from wiw.build.workshop import DEPENDENCY_FILES, Environment, Workshop
from wiw.errors import UnsupportedPython
from wiw.resources import support_dir

__all__ = [
    "DEFAULT_BASE_IMAGE",
    "PYTHON_BASES",
    "BuildContext",
    "add_data",
    "build_arg_flags",
    "choose_base",
    "describe_build",
    "render_context",
]

DEFAULT_BASE_IMAGE = "debian:bookworm-slim"
# The files of the `jupyterhub/` folder that go into every image, by their
# path in it (a subfolder for where each runs: see its README.md). The build
# context holds them side by side under `wiw/`, where the Dockerfile finds them.
SUPPORT_FILES = (
    "requirements.lock",
    "build/wiw-install",
    "build/wiw_precompress.py",
    "build/wiw-r-install",
    "hub/jupyterhub_config.py",
    "hub/wiw_auth.py",
    "hub/wiw_proxy.py",
    "hub/wiw_seats.py",
    "hub/wiw_swarm.py",
    "server/jupyter_server_config.py",
    "server/lab-overrides.json",
    "server/page_config.json",
    "server/text-lessons-viewers.json",
    "server/wiw-start",
    "server/wiw_seat.py",
    "server/wiw_sync.py",
    "shared/wiw_static.py",
)
# The Python the default base (Debian 12) offers, and where the others are.
DEFAULT_BASE_PYTHON = "3.11"
PYTHON_BASES = {
    "3.11": DEFAULT_BASE_IMAGE,
    "3.12": "python:3.12-slim",
    "3.13": "debian:trixie-slim",
    "3.14": "python:3.14-slim",
}
# Pythons past their end of life, and when it came (python.org's release status).
END_OF_LIFE = {
    "3.6": "December 2021",
    "3.7": "June 2023",
    "3.8": "October 2024",
    "3.9": "October 2025",
    "3.10": "October 2026",
}
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class BuildContext:
    """The files and arguments of one image build."""

    files: Mapping[str, bytes | Path]
    build_args: Mapping[str, str] = field(default_factory=dict)

    @property
    def dockerfile(self) -> str:
        """The Dockerfile text of this context."""
        return self.read("Dockerfile").decode()

    @property
    def digest(self) -> str:
        """A digest of everything the build uses: file names, modes, contents, arguments.

        The image records it, so ``wiw test`` can tell whether the folder
        changed since the image was built.
        """
        sha = hashlib.sha256()
        for name in sorted(self.files):
            source = self.files[name]
            executable = isinstance(source, Path) and os.access(source, os.X_OK)
            sha.update(f"{name}\0{int(executable)}\0".encode())
            sha.update(hashlib.sha256(self.read(name)).digest())
        for key, value in sorted(self.build_args.items()):
            sha.update(f"{key}={value}\0".encode())
        return "sha256:" + sha.hexdigest()

    def read(self, name: str) -> bytes:
        """Return the bytes of one file of the context."""
        source = self.files[name]
        return source if isinstance(source, bytes) else source.read_bytes()

    def write(self, dest: Path) -> None:
        """Write the context into the (empty) folder ``dest``."""
        for name, source in sorted(self.files.items()):
            target = dest / name
            if name.endswith("/"):  # a folder that must exist, even empty
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, bytes):
                target.write_bytes(source)
            else:
                shutil.copyfile(source, target)
            # Fixed modes keep the build cache independent of the host's umask.
            executable = isinstance(source, Path) and os.access(source, os.X_OK)
            os.chmod(target, 0o755 if executable else 0o644)


def render_context(workshop: Workshop, *, base_image: str | None = None) -> BuildContext:
    """Decide the build context for a workshop, without touching the engine.

    Args:
        workshop: The workshop to build.
        base_image: The image the Dockerfile starts from; by default the one
            that has the Python ``runtime.txt`` asks for (see :func:`choose_base`).

    Returns:
        The context. A workshop with its own Dockerfile is its own context.
        Otherwise: wiw's support files side by side under ``wiw/`` (by name,
        without their subfolder), the dependency files under ``workshop/``,
        the workshop's package and ``postBuild`` under ``workshop/package/``
        (without notebooks, so that editing a lesson reinstalls nothing), its
        lessons under ``workshop/lessons/``, and the Dockerfile.

    Raises:
        wiw.errors.UnsupportedPython: ``runtime.txt`` asks for a Python no base offers.
    """
    env = workshop.environment
    if env.dockerfile:
        return _own_dockerfile_context(workshop, env.dockerfile)
    support = support_dir()
    files: dict[str, bytes | Path] = {"Dockerfile": support / "Dockerfile"}
    for name in SUPPORT_FILES:
        files[f"wiw/{PurePosixPath(name).name}"] = support / name
    # The contract both sides read (wiw.contract), beside the hub's configuration.
    files["wiw/wiw_contract.py"] = Path(wiw.contract.__file__)
    # environment.yml, translated, replaces requirements.txt (as in Binder).
    translated = env.conda.text().encode() if env.conda else None
    files["workshop/requirements.txt"] = translated or env.requirements or b""
    files["workshop/apt.txt"] = env.apt or b""
    files.update(_r_files(env))
    if env.r and env.r.package:
        files.update(_r_package_files(workshop))
    # Text lessons: Jupytext, pinned beside the runtime, in their images only.
    files["workshop/text-lessons.lock"] = (
        support / "text-lessons.lock" if workshop.text_lessons else b""
    )
    files["workshop/package/.wiw-package"] = b""
    content = [(p.relative_to(workshop.path).as_posix(), p) for p in workshop.content_files()]
    files.update(_package_files(workshop, content))
    for name, path in content:
        files[f"workshop/lessons/{name}"] = path
    # data.txt's files are added when the build fetches them (add_data); what
    # they are (digest and path) is part of the context from the start.
    files["workshop/data/"] = b""
    files["workshop/data.txt"] = "".join(f"{d.sha256} {d.name}\n" for d in env.data).encode()
    asked_by = env.python_from if env.python == env.runtime_python else "--python"
    base, python = choose_base(env.python, base_image, asked_by=asked_by)
    if _r_picks_base(env, base_image):
        base = choose_r_base(env.r.version if env.r else None)[0]  # with its own python3
    build_args = {"BASE_IMAGE": base, **({"PYTHON_VERSION": python} if python else {})}
    return BuildContext(files=files, build_args=build_args)


def add_data(context: BuildContext, fetched: Mapping[str, Path]) -> BuildContext:
    """The context with data.txt's files, fetched (:func:`wiw.build.data.fetch_all`), added.

    They go under ``workshop/data/`` at their path among the lessons, where the
    Dockerfile copies them from in a layer before the lessons'.
    """
    files = {**context.files, **{f"workshop/data/{name}": path for name, path in fetched.items()}}
    return BuildContext(files=files, build_args=context.build_args)


def _package_files(workshop: Workshop, content: list[tuple[str, Path]]) -> dict[str, Path]:
    """The workshop's own package (its files but the notebooks) and postBuild."""
    env, files = workshop.environment, {}
    if env.package:
        for name, path in content:
            if path.suffix != ".ipynb":
                files[f"workshop/package/{name}"] = path
        for name in ("pyproject.toml", "setup.py", "setup.cfg"):
            if (workshop.path / name).is_file():
                files[f"workshop/package/{name}"] = workshop.path / name
    if env.post_build:
        files["workshop/package/postBuild"] = env.post_build
    return files


def _r_files(env: Environment) -> dict[str, bytes | Path]:
    """The R layers' inputs: R and the IRkernel, then the course's packages and install.R.

    R and the IRkernel are a layer all R courses share. A workshop without R
    gets empty files: its R layers do nothing, and are the same for every workshop.
    """
    return {
        "workshop/r-kernel": b"IRkernel\n" if env.r else b"",
        "workshop/r/packages.txt": env.r.packages_text().encode() if env.r else b"",
        "workshop/r/install.R": (env.r.install_r if env.r else None) or b"",
    }


# What of an R package's folder R CMD INSTALL reads (besides DESCRIPTION and NAMESPACE).
R_PACKAGE_FOLDERS = ("R", "data", "inst", "man", "src")


def _r_package_files(workshop: Workshop) -> dict[str, bytes | Path]:
    """The workshop's own R package, for R CMD INSTALL: DESCRIPTION, NAMESPACE, R/ and such."""
    files: dict[str, bytes | Path] = {}
    for name in ("DESCRIPTION", "NAMESPACE"):
        if (workshop.path / name).is_file():
            files[f"workshop/r/package/{name}"] = workshop.path / name
    for path in workshop.content_files():
        relative = path.relative_to(workshop.path)
        if relative.parts[0] in R_PACKAGE_FOLDERS and path.suffix != ".ipynb":
            files[f"workshop/r/package/{relative.as_posix()}"] = path
    return files


def _r_picks_base(env: Environment, base_image: str | None) -> bool:
    """Whether runtime.txt's R version picks the base (no Python or base asked for)."""
    return bool(env.r and env.r.version and env.python is None and base_image is None)


def choose_base(
    python: str | None, base_image: str | None = None, *, asked_by: str = "runtime.txt"
) -> tuple[str, str | None]:
    """The base image that has the Python ``runtime.txt`` asks for, and that version.

    Debian releases bring 3.11 (bookworm) and 3.13 (trixie) with apt; the
    official ``python:X.Y-slim`` images bring the others. A base image given
    explicitly is used as it is (its apt must offer ``pythonX.Y`` then).

    Args:
        python: The version runtime.txt names (``"3.13"``), ``"3"`` or None.
        base_image: The base image asked for, if any.
        asked_by: Who asks for that Python, for messages: ``runtime.txt`` or ``--python``.

    Returns:
        ``(base image, X.Y or None for the base's own python3)``.

    Raises:
        wiw.errors.UnsupportedPython: No base wiw knows offers that Python.
    """
    version = None if python in (None, "3") else python
    if base_image is not None:
        return base_image, version
    if version is None:
        return DEFAULT_BASE_IMAGE, None
    if version in END_OF_LIFE:
        newest = max(PYTHON_BASES, key=lambda v: tuple(map(int, v.split("."))))
        raise UnsupportedPython(
            f"{asked_by} asks for Python {version}, which reached its end of life in "
            f"{END_OF_LIFE[version]}: wiw builds with supported Pythons only "
            f"({', '.join(PYTHON_BASES)}).",
            hint=f"Build with a supported one instead: --python {DEFAULT_BASE_PYTHON} (or "
            f"{newest}); then 'wiw test' shows whether the lessons still run. Or write "
            f"python-{DEFAULT_BASE_PYTHON} in runtime.txt.",
        )
    if version not in PYTHON_BASES:
        choices = ", ".join(f"python-{v}" for v in PYTHON_BASES)
        raise UnsupportedPython(
            f"{asked_by} asks for Python {version}, which no base image wiw knows offers "
            "with JupyterHub's runtime.",
            hint=f"Write one of {choices} in runtime.txt, or give a base image whose apt "
            f"offers python{version} (--base-image).",
        )
    return PYTHON_BASES[version], None if version == DEFAULT_BASE_PYTHON else version


def _own_dockerfile_context(workshop: Workshop, dockerfile: Path) -> BuildContext:
    """The context of a workshop that brings its own Dockerfile: the folder as it is."""
    files: dict[str, bytes | Path] = {"Dockerfile": dockerfile}
    for path in workshop.content_files():
        files[path.relative_to(workshop.path).as_posix()] = path
    for path in workshop.path.iterdir():
        if path.is_file() and path.name in DEPENDENCY_FILES:
            files.setdefault(path.name, path)
    return BuildContext(files=files)


def build_arg_flags(build_args: Mapping[str, str]) -> list[str]:
    """The client arguments that pass a build's arguments: ``--build-arg KEY=VALUE``, by key.

    :func:`wiw.build.image.build_command` passes exactly these, and
    ``wiw build --dry-run`` prints them.
    """
    flags: list[str] = []
    for key, value in sorted(build_args.items()):
        flags += ["--build-arg", f"{key}={value}"]
    return flags


def describe_build(
    workshop: Workshop, context: BuildContext, *, base_image: str | None = None
) -> list[str]:
    """What ``wiw build --dry-run`` says after the files: base image, build arguments, warnings.

    Args:
        workshop: The workshop.
        context: Its rendered context (:func:`render_context`).
        base_image: The base image asked for, if any.

    Returns:
        Lines of plain text: the base image really used and why, the build
        arguments exactly as the build passes them, then one ``warning:``
        line for each thing in the dependency files that deserves a word.
    """
    if workshop.environment.dockerfile:
        found = _FROM.search(context.dockerfile)
        base = found.group(1) if found else "none"
        lines = [f"Base image: {base} (the FROM of the workshop's own Dockerfile)."]
        lines.append("Build arguments: none.")
    else:
        base = context.build_args["BASE_IMAGE"]
        lines = [f"Base image: {base} ({_why_base(workshop.environment, base_image, base)})."]
        flags = build_arg_flags(context.build_args)
        lines.append("Build arguments, as the build passes them (over the Dockerfile's ARGs):")
        lines += [f"  {flag} {value}" for flag, value in zip(flags[::2], flags[1::2], strict=True)]
    lines += _translation(workshop.environment)
    lines += _r_lines(workshop.environment, context.build_args.get("BASE_IMAGE"))
    lines += _data_lines(workshop.environment)
    lines += [f"warning: {warning}" for warning in workshop.dependency_warnings]
    return lines


def _translation(env: Environment) -> list[str]:
    """What environment.yml became: the requirements installed, and what changed on the way."""
    if env.conda is None:
        return []
    lines = [f"{env.conda.source.name}, translated into the lessons' requirements:"]
    lines += [f"  {line}" for line in env.conda.requirements] or ["  (none)"]
    lines += [f"note: {note}" for note in env.conda.notes]
    return lines


def _data_lines(env: Environment) -> list[str]:
    """What data.txt brings: each file's path among the lessons, its URL, and if it is cached."""
    if not env.data:
        return []
    lines = [f"data.txt: {len(env.data)} file(s) fetched on this machine, put among the lessons:"]
    for entry in env.data:
        where = "cached" if cached(entry) else "to fetch"
        lines.append(f"  {entry.name} <- {entry.url} ({where})")
    return lines


def _r_lines(env: Environment, base: str | None) -> list[str]:
    """What the R lessons get: which R, and where their packages come from."""
    if env.r is None:
        return []
    have = R_BASES.get(base or "")
    which = f"R {have} (Debian's, in {base})" if have else f"the R of {base}'s apt"
    asked = f"; runtime.txt asks for R {env.r.version}" if env.r.version else ""
    lines = [f"R lessons: {which}{asked}, with the IRkernel."]
    if env.r.package:
        lines.append("R package: the workshop's own (DESCRIPTION), installed with R CMD INSTALL.")
    if env.r.packages:
        lines.append(
            f"R packages ({', '.join(env.r.sources)}): {', '.join(env.r.packages)}: Debian's "
            "r-cran-* binaries where Debian has them, else CRAN at build time."
        )
    if env.r.version and have and env.r.version != have:
        lines.append(f"note: no base wiw knows has R {env.r.version}; the nearest is R {have}")
    lines += [f"note: {note}" for note in env.r.notes]
    return lines


def _why_base(env: Environment, base_image: str | None, base: str) -> str:
    """Why the base image is the one it is, in words."""
    python = env.python
    if env.r and _r_picks_base(env, base_image):
        return f"its R {R_BASES[base]} is the nearest to runtime.txt's R {env.r.version}"
    if python != env.runtime_python and base_image is None:
        instead = f" instead of {env.python_from}'s {env.runtime_python}"
        instead = instead if env.runtime_python else ""
        return f"it has Python {python}, asked for with --python{instead}"
    if base_image is not None:
        if python in (None, "3"):
            return "as asked; its python3"
        return f"as asked; its python{python}, from its apt unless it brings its own"
    if python in (None, "3"):
        return f"the default, with Debian's Python {DEFAULT_BASE_PYTHON}"
    return f"it has the Python {python} {env.python_from} asks for"
