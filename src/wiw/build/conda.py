"""A conda ``environment.yml``, translated into what the image installs: pip requirements.

Binder courses describe their environment in ``environment.yml`` more often
than in anything but ``requirements.txt``. wiw's images have no conda: the
lessons' environment is a virtual environment that pip fills from PyPI. Most
packages lessons use have the same name on PyPI as on conda-forge; the few
that differ are in :data:`CONDA_TO_PYPI`. Conda packages that are programs or
libraries rather than Python packages (Graphviz, Node.js, GDAL, R…) have no
PyPI equivalent: they are refused, naming the line and the Debian package
(``apt.txt``) that brings them. Packages conda installs only as its own
plumbing (``pip``, compilers' runtimes, ``python_abi``…) are left out.

``python=X.Y`` picks the image's Python, as ``runtime.txt`` does. Channels
are ignored (everything comes from PyPI), which :attr:`Translation.notes`
says, with every name that was changed and every build string dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from wiw import errors

__all__ = ["CONDA_TO_PYPI", "NOT_ON_PYPI", "Translation", "translate", "translate_file"]

#: conda-forge names whose PyPI package is called otherwise.
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "matplotlib-base": "matplotlib",
    "py-opencv": "opencv-python-headless",
    "opencv": "opencv-python-headless",
    "pytables": "tables",
    "python-graphviz": "graphviz",
    "msgpack-python": "msgpack",
    "ruamel_yaml": "ruamel.yaml",
    "pyqt": "PyQt5",
    "py-xgboost": "xgboost",
    "pillow-simd": "pillow",
    "jupyter_contrib_nbextensions": "jupyter-contrib-nbextensions",
    "tensorflow-base": "tensorflow",
    "geopandas-base": "geopandas",
    # conda-forge's dask is a bundle (dask-core, distributed, pyarrow, bokeh…): pip's extra.
    "dask": "dask[complete]",
    "dask-core": "dask",
}
#: conda packages that are programs or libraries, not on PyPI: the Debian package instead.
NOT_ON_PYPI = {
    "graphviz": "graphviz",
    "nodejs": "nodejs",
    "git": "git",
    "ffmpeg": "ffmpeg",
    "openjdk": "default-jdk",
    "gcc": "build-essential",
    "gxx": "build-essential",
    "compilers": "build-essential",
    "make": "make",
    "libgdal": "gdal-bin libgdal-dev",
    "proj": "proj-bin",
    "geos": "libgeos-dev",
    "imagemagick": "imagemagick",
    "pandoc": "pandoc",
    "texlive-core": "texlive",
    "r-base": "r-base",
    "julia": "julia",
    "cudatoolkit": "",
}
# conda's own plumbing, which a virtual environment has or does not need.
_LEFT_OUT = frozenset({
    "python", "pip", "setuptools", "wheel", "python_abi", "conda", "mamba", "mkl",
    "libblas", "libcblas", "liblapack", "blas", "openssl", "ca-certificates", "libgcc-ng",
    "libstdcxx-ng", "libgomp", "_libgcc_mutex", "_openmp_mutex", "ld_impl_linux-64", "tk",
    "xz", "zlib", "readline", "ncurses", "sqlite", "libffi", "bzip2", "libzlib",
    "libsqlite", "libuuid", "libnsl", "libxcrypt",
})  # fmt: skip
_RELEASE_PARTS = 3  # major.minor.micro: a whole version, not a prefix
# name, then an optional version: "numpy", "numpy=1.26", "numpy 1.26.*", "numpy>=1.2,<2",
# "numpy=1.26.4=py311h64a7726_0" (with a build string).
_SPEC = re.compile(
    r"^(?:(?P<channel>[\w.-]+)::)?(?P<name>[A-Za-z0-9][\w.-]*)"
    r"\s*(?P<version>(?:[=<>!~]=?|\s)\s*[^=\s]+(?:,\s*[<>=!~]=?\s*[^=\s,]+)*)?"
    r"(?:\s*=\s*(?P<build>\S+))?$"
)


@dataclass(frozen=True)
class Translation:
    """What an ``environment.yml`` becomes.

    Attributes:
        source: The file it came from.
        python: The Python ``python=X.Y`` asks for, if it names one.
        requirements: pip requirement lines, conda's packages first, then
            the ``pip:`` section as it is.
        notes: What changed on the way, one sentence each: names mapped,
            build strings dropped, channels ignored, plumbing left out.
    """

    source: Path
    python: str | None = None
    requirements: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """The requirements, as the ``requirements.txt`` the image installs."""
        header = f"# Translated by wiw from {self.source.name}.\n"
        return header + "".join(f"{line}\n" for line in self.requirements)


def translate_file(path: Path) -> Translation:
    """Read and translate an ``environment.yml``.

    Raises:
        wiw.errors.UnsupportedFile: It is not YAML, or not an environment's shape.
        wiw.errors.UntranslatableDependency: A package has no PyPI equivalent.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise errors.UnsupportedFile(
            f"{path} cannot be read as YAML: {exc}",
            hint="Check its indentation; 'conda env export --from-history' writes a clean one.",
        ) from exc
    return translate(data, path)


def translate(data: Any, source: Path) -> Translation:
    """Translate the parsed contents of an ``environment.yml``; see :func:`translate_file`."""
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(dependencies, list):
        raise errors.UnsupportedFile(
            f"{source} has no list of dependencies.",
            hint="An environment.yml lists its packages under 'dependencies:'.",
        )
    notes: list[str] = []
    if data.get("channels"):
        channels = ", ".join(str(c) for c in data["channels"])
        notes.append(f"channels ({channels}) are not used: packages come from PyPI")
    python: str | None = None
    requirements: list[str] = []
    pip_lines: list[str] = []
    for entry in dependencies:
        if isinstance(entry, dict) and isinstance(entry.get("pip"), list):
            pip_lines += [str(line) for line in entry["pip"]]
            continue
        if not isinstance(entry, str):
            raise _untranslatable(source, str(entry), "it is not a package name")
        line, python_asked = _one(entry.strip(), source, notes)
        python = python_asked or python
        if line:
            requirements.append(line)
    return Translation(source, python, (*requirements, *pip_lines), tuple(notes))


def _one(entry: str, source: Path, notes: list[str]) -> tuple[str, str | None]:
    """One conda dependency: its pip line ("" to leave it out) and the Python it asks for."""
    match = _SPEC.match(entry)
    if not match:
        raise _untranslatable(source, entry, "it is not a conda package specification")
    name = match["name"].lower()
    version = (match["version"] or "").strip()
    if match["build"]:
        notes.append(f"{entry}: the build string {match['build']} is conda's; left out")
    if name == "python":
        return "", _python(version)
    if name in _LEFT_OUT:
        return "", None
    if name.startswith("r-") and name != "r-base":
        package = name.removeprefix("r-")
        raise _untranslatable(
            source, entry, f"it is an R package (name it in install.R instead: "
            f"install.packages(\"{package}\"))",
        )  # fmt: skip
    if name in NOT_ON_PYPI:
        debian = NOT_ON_PYPI[name]
        instead = f"list '{debian}' in apt.txt, or " if debian else ""
        raise _untranslatable(
            source, entry, f"it is not a Python package on PyPI ({instead}use a Dockerfile)"
        )
    pypi = CONDA_TO_PYPI.get(name, name)
    line = pypi + _pip_version(version)
    try:
        Requirement(line)
    except InvalidRequirement:
        raise _untranslatable(source, entry, "its version is not one pip can read") from None
    if pypi != name:
        notes.append(f"{name} is called {pypi} on PyPI")
    return line, None


def _pip_version(version: str) -> str:
    """Conda's version part as pip's: ``=1.26`` means 1.26.*, ``=1.26.4`` exactly that."""
    if not version:
        return ""
    if version[0] not in "=<>!~":
        version = "=" + version.strip()  # "numpy 1.26.*": the space form
    if version.startswith("=") and not version.startswith("=="):
        exact = version[1:].strip()
        whole = exact.endswith("*") or len(exact.split(".")) >= _RELEASE_PARTS
        return f"=={exact}" if whole else f"=={exact}.*"
    return version.replace(" ", "")


def _python(version: str) -> str | None:
    """The X.Y of ``python=3.11`` or ``python=3.11.4``; None for a range or none at all."""
    found = re.fullmatch(r"==?\s*(3\.\d+)(?:\.[\d*]+)?", version.strip())
    return found[1] if found else None


def _untranslatable(source: Path, entry: str, why: str) -> errors.UntranslatableDependency:
    return errors.UntranslatableDependency(
        f"{source}: '{entry}' cannot be installed with pip: {why}.",
        hint="wiw installs environment.yml's packages from PyPI. Programs and libraries go "
        "in apt.txt (Debian packages); what neither has needs a Dockerfile in the folder.",
    )
