"""A workshop: a folder of Jupyter lesson notebooks and its dependency files."""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from wiw import errors
from wiw.build.conda import Translation, translate_file
from wiw.build.data import DataFile, is_manifest, parse_data
from wiw.build.requirements import (
    RequirementLine,
    RequirementWarning,
    parse_requirements,
    read_requirements,
    requirement_warnings,
)
from wiw.build.rlang import (
    RSetup,
    names_a_package,
    parse_r_runtime,
    read_description,
    read_install_r,
)
from wiw.build.selection import Excluded, Selection, refuse_home, select
from wiw.build.text_lessons import read_header

__all__ = [
    "BINDER_DIRS",
    "DEPENDENCY_FILES",
    "Environment",
    "Workshop",
    "check_python",
    "detect_environment",
    "register_lesson_tester",
    "slugify",
]

# Files that describe the environment (Binder's conventions) rather than lessons.
ENV_FILES = (
    "requirements.txt", "apt.txt", "postBuild", "runtime.txt",
    "environment.yml", "environment.yaml", "install.R", "DESCRIPTION", "data.txt",
)  # fmt: skip
PACKAGE_FILES = ("pyproject.toml", "setup.py")
# Formats other tools understand but wiw does not, and what to use instead.
UNSUPPORTED = {
    "Pipfile": "export it with 'pipenv requirements > requirements.txt'",
    "Pipfile.lock": "export it with 'pipenv requirements > requirements.txt'",
    "Project.toml": "Julia is not supported yet; use a Dockerfile in the workshop folder",
    "default.nix": "use requirements.txt and apt.txt, or a Dockerfile",
    "start": "wiw starts JupyterLab itself; put set-up steps in postBuild",
}
DEPENDENCY_FILES = frozenset({*ENV_FILES, *PACKAGE_FILES, "setup.cfg", "Dockerfile"})
BINDER_DIRS = ("binder", ".binder")
_RUNTIME = re.compile(r"^python-(\d+)(?:\.(\d+))?(?:\.\d+)?$")
_MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
# Filled by wiw.lessons, which owns lesson testing: the deprecated
# Workshop.test forwards there without this module depending on it.
_LESSON_TESTER: dict[str, Callable[..., Any]] = {}


def register_lesson_tester(tester: Callable[..., Any]) -> None:
    """Let the deprecated :meth:`Workshop.test` forward to ``tester``."""
    _LESSON_TESTER["test"] = tester


def slugify(text: str) -> str:
    """Turn a folder name into a valid image-name component.

    Args:
        text: Any name, e.g. ``"My Workshop (2026)"``.

    Returns:
        Lowercase letters, digits and single dashes, e.g. ``"my-workshop-2026"``;
        ``"workshop"`` when nothing usable is left.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64].strip("-") or "workshop"


@dataclass(frozen=True)
class Environment:
    """Where a workshop's environment is described, as Binder users lay it out.

    Attributes:
        folder: The folder the files come from: ``binder/`` or ``.binder/``
            when present (they take precedence, as in repo2docker), else the
            workshop folder.
        requirements: ``requirements.txt``: pip packages.
        apt: ``apt.txt``: Debian packages.
        post_build: ``postBuild``: a script run as the learner at build time.
        python: The Python to build with: the one ``runtime.txt`` names
            (e.g. ``"3.11"``), or the one asked for instead (``--python``).
        runtime_python: The Python ``runtime.txt`` (or ``environment.yml``)
            names, if any, even when another is asked for.
        python_from: Which file named it.
        package: ``pyproject.toml`` or ``setup.py`` at the top of the workshop:
            the folder's own package, installed into the image.
        dockerfile: A ``Dockerfile`` of the workshop's own, built as it is.
        requirement_lines: The lines of ``requirements.txt``, as pip reads
            them (empty with a Dockerfile of the workshop's own, which decides
            what to do with the file).
        conda: ``environment.yml`` translated for pip (see :mod:`wiw.build.conda`):
            its requirements replace ``requirements.txt``'s, as in Binder, and
            its ``python=X.Y`` counts when there is no ``runtime.txt``.
        r: What R lessons need (see :mod:`wiw.build.rlang`): set by ``install.R``,
            ``DESCRIPTION``, an R ``runtime.txt``, or a lesson in R.
        data: The files ``data.txt`` lists, fetched at build time and put
            among the lessons (see :mod:`wiw.build.data`).
    """

    folder: Path
    requirements: Path | None = None
    apt: Path | None = None
    post_build: Path | None = None
    python: str | None = None
    runtime_python: str | None = None
    python_from: str = "runtime.txt"
    package: Path | None = None
    dockerfile: Path | None = None
    requirement_lines: tuple[RequirementLine, ...] = field(default=(), repr=False)
    conda: Translation | None = None
    r: RSetup | None = None
    data: tuple[DataFile, ...] = ()


def detect_environment(root: Path) -> Environment:
    """Find a workshop's dependency files, without building anything.

    Raises:
        wiw.errors.UnsupportedFile: A file in a format wiw does not read is present.
        wiw.errors.InvalidRequirement: A line of ``requirements.txt`` is not
            something pip can read.
        wiw.errors.WorkshopError: ``runtime.txt`` is malformed.
    """
    folder = next((root / d for d in BINDER_DIRS if (root / d).is_dir()), root)
    for name, instead in UNSUPPORTED.items():
        if (folder / name).is_file():
            raise errors.UnsupportedFile(
                f"{folder / name} is not a format wiw reads.", hint=f"Instead, {instead}."
            )

    def found(name: str, where: Path = folder) -> Path | None:
        return where / name if (where / name).is_file() else None

    # A postBuild without its executable bit runs as well (the build marks it), as in Binder.
    post_build = found("postBuild")
    runtime = found("runtime.txt")
    requirements, dockerfile = found("requirements.txt"), found("Dockerfile")
    conda_file = found("environment.yml") or found("environment.yaml")
    conda = _conda(conda_file, requirements) if conda_file and not dockerfile else None
    r_runtime = _r_runtime(runtime) if runtime else None
    python = (
        None if r_runtime else _python_version(runtime) if runtime
        else conda.python if conda else None
    )  # fmt: skip
    return Environment(
        folder=folder,
        requirements=requirements,
        apt=found("apt.txt"),
        post_build=post_build,
        python=python,
        runtime_python=python,
        python_from="environment.yml" if conda and conda.python and not runtime else "runtime.txt",
        package=found("pyproject.toml", root) or found("setup.py", root),
        dockerfile=dockerfile,
        requirement_lines=_requirement_lines(root, requirements, conda, dockerfile),
        conda=conda,
        r=None
        if dockerfile
        else _r_setup(found("install.R"), found("DESCRIPTION"), r_runtime, package_root=root),
        data=_data(found("data.txt"), dockerfile),
    )


def _data(path: Path | None, dockerfile: Path | None) -> tuple[DataFile, ...]:
    """The files data.txt lists to fetch; none when it is the lessons' own data (no URLs)."""
    if path is None or dockerfile is not None:
        return ()
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_data(text, file=path.name) if is_manifest(text) else ()


def _r_runtime(runtime: Path) -> tuple[str | None, str | None] | None:
    """runtime.txt's R version and snapshot date, when it names R rather than Python."""
    return parse_r_runtime(runtime.read_text(encoding="utf-8", errors="replace"))


def _text(path: Path | None) -> str:
    """A dependency file's text ("" when there is no such file)."""
    return path.read_text(encoding="utf-8", errors="replace") if path else ""


def _r_setup(
    install_r: Path | None,
    description: Path | None,
    runtime: tuple[str | None, str | None] | None,
    *,
    package_root: Path,
) -> RSetup | None:
    """What the R lessons need, from install.R, DESCRIPTION and runtime.txt; None without R.

    A DESCRIPTION at the top of the workshop that names its package, beside
    an ``R/`` folder, makes the workshop an R package, installed as such.
    """
    if not (install_r or description or runtime):
        return None
    install_text, description_text = _text(install_r), _text(description)
    package = bool(
        description
        and description.parent == package_root
        and (package_root / "R").is_dir()
        and names_a_package(description_text)
    )
    packages: list[str] = []
    for name in (*read_install_r(install_text), *read_description(description_text)):
        if name not in packages:
            packages.append(name)
    version, date = runtime or (None, None)
    notes = (
        f"runtime.txt's snapshot date {date} is not used: packages come from Debian's "
        "r-cran-* binaries, or from CRAN as it is at build time",
    ) if date else ()  # fmt: skip
    return RSetup(
        packages=tuple(packages),
        version=version,
        sources=tuple(p.name for p in (install_r, description) if p is not None),
        install_r=install_r,
        notes=notes,
        package=package,
    )


def _conda(path: Path, requirements: Path | None) -> Translation:
    """environment.yml translated; a requirements.txt beside it is not used, as in Binder."""
    translation = translate_file(path)
    if requirements is None:
        return translation
    unused = f"{requirements.name} is not used: {path.name} describes the environment (as Binder)"
    return replace(translation, notes=(*translation.notes, unused))


def _requirement_lines(
    root: Path, requirements: Path | None, conda: Translation | None, dockerfile: Path | None
) -> tuple[RequirementLine, ...]:
    """What the image installs into the lessons' environment, as pip reads it."""
    if dockerfile is not None:
        return ()  # the workshop's own Dockerfile decides what to do with the files
    if conda is not None:
        shown = conda.source.relative_to(root).as_posix()
        translated = f"{shown} (translated)"
        return parse_requirements(
            conda.text(), file=translated, path=Path(f"{conda.source} (translated)")
        )
    if requirements is not None:
        return read_requirements(requirements, shown=requirements.relative_to(root).as_posix())
    return ()


_PYTHON = re.compile(r"3\.\d{1,2}")


def check_python(version: str) -> str:
    """Return ``version`` if it names a Python as ``X.Y`` (``"3.12"``); else InvalidOption."""
    if not _PYTHON.fullmatch(version):
        raise errors.InvalidOption(
            f"{version!r} is not a Python version such as 3.12.",
            hint="Give the major and minor version only, e.g. --python 3.12.",
        )
    return version


def _python_version(runtime: Path) -> str:
    text = runtime.read_text(encoding="utf-8", errors="replace").strip()
    match = _RUNTIME.match(text)
    if not match:
        raise errors.WorkshopError(
            f"{runtime} says {text[:60]!r}, not a Python or R version.",
            hint="Write one line such as 'python-3.11' (or 'r-4.2' for R lessons).",
        )
    return ".".join(g for g in match.groups() if g)


@dataclass(frozen=True)
class Workshop:
    """A folder of lesson notebooks plus the files that describe their needs.

    Creating one validates the folder: it must exist, hold at least one
    notebook, and every notebook must be valid nbformat JSON. It also decides
    which files are content: hidden files, by-products, links outside the
    folder and what ``.dockerignore``/``.wiwignore`` name never are (see
    :attr:`excluded`).

    Args:
        path: The workshop folder.
        name: A name for images and labels; defaults to the folder's name.
        allow_home: Accept a folder that looks like a home directory (it
            holds ``.ssh``, ``.aws``, shell history…); those files are still
            left out.
        source: Where the folder came from, e.g. ``URL@COMMIT`` of a git
            repository (recorded in the image's labels).
        python: Build with this Python (``"3.12"``) instead of the one
            ``runtime.txt`` names, e.g. when that one has reached its end of life.

    Raises:
        wiw.errors.WorkshopNotFound: ``path`` is not a folder.
        wiw.errors.PrivateFolder: It looks like a home directory.
        wiw.errors.NoLessons: The folder holds no ``*.ipynb`` file.
        wiw.errors.InvalidNotebook: A notebook cannot be read; the error
            names the file.
        wiw.errors.InvalidRequirement: A line of ``requirements.txt`` is not
            something pip can read; the error names the file, the line and why.
    """

    path: Path
    name: str
    environment: Environment
    selection: Selection
    source: str | None

    def __init__(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        allow_home: bool = False,
        source: str | None = None,
        python: str | None = None,
    ) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise errors.WorkshopNotFound(f"Workshop folder not found: {folder}")
        object.__setattr__(self, "path", folder.resolve())
        if not allow_home:
            refuse_home(self.path)
        object.__setattr__(self, "name", slugify(name or self.path.name))
        object.__setattr__(self, "source", source)
        environment = detect_environment(self.path)
        if python is not None:
            environment = replace(environment, python=check_python(python))
        object.__setattr__(self, "environment", environment)
        # A data.txt of the lessons' own (not a list of downloads) is content.
        manifest = environment.data and environment.folder == self.path
        skip = DEPENDENCY_FILES if manifest else DEPENDENCY_FILES - {"data.txt"}
        object.__setattr__(self, "selection", select(self.path, skip))
        lessons = self.lessons
        if not lessons:
            raise errors.NoLessons(
                f"No lesson notebooks (*.ipynb, or text notebooks with a Jupytext header) in "
                f"{self.path}"
            )
        _check_data_paths(self)
        in_r = [lesson for lesson in lessons if _lesson_language(lesson) == "r"]
        if in_r and environment.r is None and environment.dockerfile is None:
            object.__setattr__(self, "environment", replace(environment, r=RSetup()))

    @functools.cached_property
    def lessons(self) -> list[Path]:
        """The lessons, sorted by their path within the folder.

        Notebooks (``*.ipynb``), and text notebooks: Markdown files and
        scripts with a Jupytext header (see :mod:`wiw.build.text_lessons`),
        read once, when first asked for.
        """
        return sorted(
            p for p in self.content_files() if p.suffix == ".ipynb" or read_header(p) is not None
        )

    @property
    def text_lessons(self) -> list[Path]:
        """The lessons kept as text (MyST Markdown, percent scripts), which need Jupytext."""
        return [p for p in self.lessons if p.suffix != ".ipynb"]

    @property
    def requirements(self) -> Path | None:
        """The pip ``requirements.txt`` file, if the workshop has one."""
        return self.environment.requirements

    @property
    def dependency_warnings(self) -> list[RequirementWarning]:
        """What deserves a word in its dependency files, though pip accepts them.

        Plain-HTTP indexes and URLs, direct URLs that bypass version pins,
        trusted hosts and local files the build cannot see, each with what to do.
        """
        return requirement_warnings(self.environment.requirement_lines)

    def test(self, image: Any, **options: Any) -> Any:
        """Deprecated: use :func:`wiw.test_lessons` (``wiw.test_lessons(workshop, image)``).

        A workshop is plain data; running its lessons in an image belongs to
        :mod:`wiw.lessons`. This forwards there, with a warning.
        """
        warnings.warn(
            "Workshop.test(image) is deprecated; use wiw.test_lessons(workshop, image)",
            DeprecationWarning,
            stacklevel=2,
        )
        return _LESSON_TESTER["test"](self, image, **options)

    def content_files(self) -> Iterator[Path]:
        """Yield the files that are lesson content (everything but dependency files).

        Hidden files and folders, by-products, symbolic links that point
        outside the folder and whatever the ignore files name are skipped.
        """
        yield from self.selection.files

    @property
    def excluded(self) -> tuple[Excluded, ...]:
        """What was left out of the image, and why (hidden, by-product, ignored…)."""
        return self.selection.excluded

    @property
    def size(self) -> int:
        """The lesson content's size in bytes (what the build context carries)."""
        return self.selection.size


def _check_data_paths(workshop: Workshop) -> None:
    """Refuse a data.txt path that a file of the workshop already has."""
    content = {p.relative_to(workshop.path).as_posix() for p in workshop.content_files()}
    for entry in workshop.environment.data:
        if entry.name in content:
            raise errors.DataError(
                f"data.txt, line {entry.line}: {entry.name} is a file of the workshop already.",
                hint="Give the fetched file another path (the third field of its line), or "
                "remove the workshop's own copy.",
            )


def _lesson_language(path: Path) -> str:
    """A lesson's kernel language, lower case ("" when unsaid); a notebook is validated first."""
    if path.suffix == ".ipynb":
        return _check_notebook(path)
    header = read_header(path)
    return header.language if header else ""


def _check_notebook(path: Path) -> str:
    """Raise InvalidNotebook unless ``path`` holds a valid notebook; return its language."""
    if path.stat().st_size > _MAX_NOTEBOOK_BYTES:
        raise errors.InvalidNotebook(
            f"Notebook {path} is larger than {_MAX_NOTEBOOK_BYTES // 2**20} MiB.",
            hint="Clear its outputs (Edit > Clear Outputs of All Cells) and keep data files "
            "beside the notebook instead of inside it.",
        )
    try:
        with path.open(encoding="utf-8") as fh:
            notebook = nbformat.read(fh, as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise errors.InvalidNotebook(f"Notebook {path} is not JSON text: {exc}") from exc
    except nbformat.ValidationError as exc:
        raise errors.InvalidNotebook(
            f"Notebook {path} is not a valid notebook: {exc.message}"
        ) from exc
    except Exception as exc:  # nbformat raises bare errors for odd JSON shapes
        raise errors.InvalidNotebook(f"Notebook {path} cannot be read: {exc}") from exc
    metadata = notebook.get("metadata", {})
    language = metadata.get("kernelspec", {}).get("language") or metadata.get(
        "language_info", {}
    ).get("name")
    return str(language or "").lower()
