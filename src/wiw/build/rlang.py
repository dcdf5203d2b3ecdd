"""R lessons: which R packages a course needs, and where the image gets them.

Courses with R lessons follow repo2docker's conventions: ``install.R`` (R code
that calls ``install.packages``), or a ``DESCRIPTION`` file (an R package's
``Depends`` and ``Imports``), and ``runtime.txt`` saying ``r-4.3-2023-10-01``.
Notebooks that use the IRkernel (``kernelspec.language: R``) need R even
without either file.

The image gets R from its Debian base, and each package from Debian's
prebuilt ``r-cran-*`` binaries where Debian has it (seconds, no compiler, no
CRAN). The rest come from CRAN at build time: the course's ``install.R``
runs unchanged, with the packages Debian already gave skipped; a package that
is still missing afterwards (CRAN unreachable, or no such package) ends the
build with its name (see ``jupyterhub/build/wiw-r-install``).

Which R: the base's (Debian 12 has R 4.2, Debian 13 R 4.5). ``runtime.txt``'s
R version picks between them as far as they allow (:func:`choose_r_base`);
its snapshot date is not used, which :attr:`RSetup.notes` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BASE_PACKAGES",
    "R_BASES",
    "RSetup",
    "choose_r_base",
    "debian_package",
    "names_a_package",
    "parse_r_runtime",
    "read_description",
    "read_install_r",
]

#: The R of each Debian base wiw knows, by base image.
R_BASES = {"debian:bookworm-slim": "4.2", "debian:trixie-slim": "4.5"}
#: Packages that come with R itself: never installed separately.
BASE_PACKAGES = frozenset({
    "R", "base", "compiler", "datasets", "graphics", "grDevices", "grid", "methods",
    "parallel", "splines", "stats", "stats4", "tcltk", "tools", "utils",
})  # fmt: skip
# install.packages("a") or install.packages(c("a", "b"), ...): the names it is given.
_INSTALL = re.compile(
    r"\binstall\.packages\s*\(\s*(c\s*\((?P<many>[^)]*)\)|(?P<one>[\"'][^\"']+[\"']))"
)
_STRING = re.compile(r"[\"']([A-Za-z][A-Za-z0-9.]*)[\"']")
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*$")
_RUNTIME = re.compile(r"^r-(?:(?P<version>\d+\.\d+)(?:\.\d+)?)?-?(?P<date>\d{4}-\d{2}-\d{2})?$")
_FIELD = re.compile(r"^(?P<name>[A-Za-z][\w/@.-]*):(?P<value>.*)$")


@dataclass(frozen=True)
class RSetup:
    """What a workshop's R lessons need.

    Attributes:
        packages: R packages, in the order the files name them (the IRkernel
            is always installed besides).
        version: The R version ``runtime.txt`` asks for (``"4.3"``), if any.
        sources: The files the packages were read from (``install.R``, ``DESCRIPTION``).
        install_r: The course's ``install.R``, run at build time, if it has one.
        notes: What was read but is not used, in words.
        package: The course is an R package itself (a ``DESCRIPTION`` naming
            its ``Package`` beside an ``R/`` folder), installed into the image
            as repo2docker does.
    """

    packages: tuple[str, ...] = ()
    version: str | None = None
    sources: tuple[str, ...] = ()
    install_r: Path | None = None
    notes: tuple[str, ...] = ()
    package: bool = False

    def packages_text(self) -> str:
        """The package list the image build reads: one name a line, the IRkernel first."""
        names = ["IRkernel", *(p for p in self.packages if p != "IRkernel")]
        return "".join(f"{name}\n" for name in names)


def read_install_r(text: str) -> list[str]:
    """The packages an ``install.R`` passes to ``install.packages``, in order, once each.

    Only literal names are seen (``install.packages(c("dplyr", "ggplot2"))``);
    what the script computes or fetches otherwise still runs at build time.
    """
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    found: list[str] = []
    for call in _INSTALL.finditer(code):
        for name in _STRING.findall(call.group("many") or call.group("one")):
            if name not in found and name not in BASE_PACKAGES:
                found.append(name)
    return found


def read_description(text: str) -> list[str]:
    """The packages a ``DESCRIPTION`` file's ``Depends`` and ``Imports`` name, R's own left out."""
    fields: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line[:1].isspace() and name:
            fields[name] += " " + line.strip()
        elif match := _FIELD.match(line):
            name = match["name"]
            fields[name] = match["value"].strip()
    found: list[str] = []
    for key in ("Depends", "Imports"):
        for entry in fields.get(key, "").split(","):
            package = entry.split("(", 1)[0].strip()
            if _PACKAGE.match(package) and package not in BASE_PACKAGES and package not in found:
                found.append(package)
    return found


def names_a_package(text: str) -> bool:
    """Whether a ``DESCRIPTION`` file describes an R package (it has a ``Package`` field)."""
    return any(line.startswith("Package:") and line[8:].strip() for line in text.splitlines())


def parse_r_runtime(text: str) -> tuple[str | None, str | None] | None:
    """``runtime.txt``'s R version and snapshot date, or None when it does not name R.

    ``r-4.3-2023-10-01`` is ``("4.3", "2023-10-01")``; ``r-4.3`` is
    ``("4.3", None)``; ``r-2023-10-01`` (repo2docker's oldest form) is
    ``(None, "2023-10-01")``.
    """
    match = _RUNTIME.match(text.strip())
    if not match or not (match["version"] or match["date"]):
        return None
    return match["version"], match["date"]


def debian_package(package: str) -> str:
    """The Debian binary package of an R package: ``r-cran-`` and its name in lower case."""
    return f"r-cran-{package.lower()}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def choose_r_base(version: str | None) -> tuple[str, str]:
    """The Debian base whose R comes nearest to ``version``, and that R's version.

    The oldest base whose R is at least the version asked for; the newest
    when none is. No version: the default base (Debian 12).
    """
    bases = sorted(R_BASES.items(), key=lambda item: _key(item[1]))
    if version is None:
        return bases[0]
    newer = [(base, r) for base, r in bases if _key(r) >= _key(version)]
    return newer[0] if newer else bases[-1]
