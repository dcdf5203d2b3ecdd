"""environment.yml translated into pip requirements (wiw.build.conda), and read with a workshop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from wiw import errors
from wiw.build.conda import CONDA_TO_PYPI, NOT_ON_PYPI, translate, translate_file
from wiw.build.context import describe_build, render_context
from wiw.build.workshop import Workshop

SOURCE = Path("environment.yml")


def deps(*entries: Any) -> list[str]:
    """The pip lines a list of conda dependencies becomes."""
    return list(translate({"dependencies": list(entries)}, SOURCE).requirements)


@pytest.mark.parametrize(
    ("conda", "pip"),
    [
        ("numpy", "numpy"),
        ("numpy=1.26", "numpy==1.26.*"),  # one '=' is a prefix in conda
        ("numpy=1", "numpy==1.*"),
        ("numpy=1.26.4", "numpy==1.26.4"),
        ("numpy==1.26.4", "numpy==1.26.4"),
        ("numpy=1.26.*", "numpy==1.26.*"),
        ("numpy 1.26.*", "numpy==1.26.*"),  # the space form of a match spec
        ("numpy>=1.20,<2", "numpy>=1.20,<2"),
        ("numpy >=1.20", "numpy>=1.20"),
        ("numpy=1.26.4=py311h64a7726_0", "numpy==1.26.4"),  # the build string dropped
        ("conda-forge::numpy=1.26", "numpy==1.26.*"),  # the channel dropped
        ("NumPy", "numpy"),
    ],
)
def test_a_conda_spec_becomes_the_same_requirement_for_pip(conda: str, pip: str) -> None:
    """Versions mean what conda means by them; builds and channels are conda's own."""
    assert deps(conda) == [pip]


def test_names_that_differ_on_pypi_are_mapped_and_said() -> None:
    """Pytorch is torch on PyPI; the notes say so, and the pip section is kept as it is."""
    translation = translate(
        {"channels": ["conda-forge", "defaults"],
         "dependencies": ["pytorch=2.3", "matplotlib-base", {"pip": ["qrcode[pil]==8.2"]}]},
        SOURCE,
    )  # fmt: skip
    assert translation.requirements == ("torch==2.3.*", "matplotlib", "qrcode[pil]==8.2")
    assert translation.notes == (
        "channels (conda-forge, defaults) are not used: packages come from PyPI",
        "pytorch is called torch on PyPI",
        "matplotlib-base is called matplotlib on PyPI",
    )
    assert all(name != pypi for name, pypi in CONDA_TO_PYPI.items())


def test_python_picks_the_images_python_and_plumbing_is_left_out() -> None:
    """python=X.Y (or X.Y.Z) is the image's Python; pip, setuptools and the like are not asked."""
    translation = translate(
        {"dependencies": ["python=3.12.4", "pip", "setuptools", "mkl"]}, SOURCE
    )
    assert (translation.python, translation.requirements) == ("3.12", ())
    assert translate({"dependencies": ["python>=3.9"]}, SOURCE).python is None
    assert translate({"dependencies": ["python"]}, SOURCE).python is None


@pytest.mark.parametrize(
    ("entry", "debian"),
    [("graphviz", "graphviz"), ("nodejs=20", "nodejs"), ("r-base=4.3", "r-base")],
)
def test_a_package_pypi_lacks_is_refused_naming_it_and_the_debian_package(
    entry: str, debian: str
) -> None:
    """Programs, libraries and R itself are not on PyPI: the line, and apt.txt's package."""
    with pytest.raises(errors.UntranslatableDependency) as caught:
        deps("numpy", entry)
    assert caught.value.message == (
        f"environment.yml: '{entry}' cannot be installed with pip: it is not a Python package "
        f"on PyPI (list '{debian}' in apt.txt, or use a Dockerfile)."
    )
    assert "apt.txt" in caught.value.hint
    assert NOT_ON_PYPI[entry.split("=", maxsplit=1)[0]] == debian


@pytest.mark.parametrize(
    ("entry", "package"), [("r-ggplot2", "ggplot2"), ("r-data.table=1.15", "data.table")]
)
def test_an_r_package_is_refused_naming_install_r(entry: str, package: str) -> None:
    """Conda's r-NAME is an R package: the error says to name NAME in install.R instead."""
    with pytest.raises(errors.UntranslatableDependency) as caught:
        deps("numpy", entry)
    assert caught.value.message == (
        f"environment.yml: '{entry}' cannot be installed with pip: it is an R package "
        f'(name it in install.R instead: install.packages("{package}")).'
    )


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"name": "x"}, "has no list of dependencies"),
        (["numpy"], "has no list of dependencies"),
        ({"dependencies": ["numpy=>>1"]}, "its version is not one pip can read"),
        ({"dependencies": ["-numpy"]}, "not a conda package specification"),
        ({"dependencies": [7]}, "'7' cannot be installed with pip: it is not a package name"),
    ],
)
def test_what_is_not_an_environment_is_named(data: Any, says: str) -> None:
    """A file of another shape, or a line that is no package, is a typed error."""
    with pytest.raises(errors.WorkshopError, match=says):
        translate(data, SOURCE)


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    """Tabs and broken indentation: UnsupportedFile naming the file, with a hint."""
    path = tmp_path / "environment.yml"
    path.write_text("dependencies:\n\t- numpy\n")
    with pytest.raises(errors.UnsupportedFile, match="cannot be read as YAML") as caught:
        translate_file(path)
    assert str(path) in caught.value.message
    assert "--from-history" in caught.value.hint


def test_the_text_is_a_requirements_file() -> None:
    """A header saying where it comes from, then one requirement per line."""
    translation = translate({"dependencies": ["numpy", {"pip": ["qrcode"]}]}, SOURCE)
    assert translation.text() == "# Translated by wiw from environment.yml.\nnumpy\nqrcode\n"


def course(folder: Path, files: dict[str, str]) -> Workshop:
    """A workshop with one lesson and these dependency files."""
    folder.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson01.ipynb")
    for name, text in files.items():
        (folder / name).write_text(text)
    return Workshop(folder)


def test_a_workshop_installs_the_translation_and_the_dry_run_shows_it(tmp_path: Path) -> None:
    """The image's requirements are the translation; python=3.13 picks trixie; all is shown."""
    env = "channels: [conda-forge]\ndependencies:\n  - python=3.13\n  - pytorch\n"
    workshop = course(tmp_path / "w", {"environment.yml": env, "requirements.txt": "pandas\n"})
    context = render_context(workshop)
    assert context.files["workshop/requirements.txt"] == (
        b"# Translated by wiw from environment.yml.\ntorch\n"
    )
    assert context.build_args["BASE_IMAGE"] == "debian:trixie-slim"
    lines = describe_build(workshop, context)
    assert (
        lines[0]
        == "Base image: debian:trixie-slim (it has the Python 3.13 environment.yml asks for)."
    )
    assert lines[-5:] == [
        "environment.yml, translated into the lessons' requirements:",
        "  torch",
        "note: channels (conda-forge) are not used: packages come from PyPI",
        "note: pytorch is called torch on PyPI",
        "note: requirements.txt is not used: environment.yml describes the environment "
        "(as Binder)",
    ]


def test_runtime_txt_wins_over_the_environments_python(tmp_path: Path) -> None:
    """runtime.txt names the Python when both do."""
    files = {"environment.yml": "dependencies: [python=3.13]\n", "runtime.txt": "python-3.14\n"}
    workshop = course(tmp_path / "w", files)
    assert (workshop.environment.python, workshop.environment.python_from) == (
        "3.14",
        "runtime.txt",
    )


def test_a_translated_line_pip_cannot_read_is_named_in_the_environment_file(
    tmp_path: Path,
) -> None:
    """The pip section is checked like requirements.txt, and the error names environment.yml."""
    env = "dependencies:\n  - pip:\n    - foo bar baz\n"
    with pytest.raises(errors.InvalidRequirement) as caught:
        course(tmp_path / "w", {"environment.yml": env})
    assert "environment.yml (translated)" in str(caught.value)


def test_condas_dask_bundle_is_dask_with_its_complete_extra() -> None:
    """The dask of conda-forge brings pyarrow, distributed and bokeh, as dask[complete] does."""
    translation = translate({"dependencies": ["dask=2025.1", "dask-core"]}, SOURCE)
    assert translation.requirements == ("dask[complete]==2025.1.*", "dask")
    assert "dask is called dask[complete] on PyPI" in translation.notes


COURSE = Path("course/environment.yml")
HINT = (
    "wiw installs environment.yml's packages from PyPI. Programs and libraries go "
    "in apt.txt (Debian packages); what neither has needs a Dockerfile in the folder."
)


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("(numpy)", "it is not a conda package specification"),
        ("numpy>=1.2,<<2", "its version is not one pip can read"),
        (42, "it is not a package name"),
        ("cudatoolkit=11.8", "it is not a Python package on PyPI (use a Dockerfile)"),
    ],
)
def test_a_refused_package_names_the_file_the_entry_and_why(entry: Any, why: str) -> None:
    """One sentence: the file, the entry as written, the reason; the hint says where to go."""
    with pytest.raises(errors.UntranslatableDependency) as refused:
        translate({"dependencies": ["pandas", entry]}, COURSE)
    assert refused.value.message == f"{COURSE}: '{entry}' cannot be installed with pip: {why}."
    assert refused.value.hint == HINT


def test_every_pip_section_is_kept_in_order_after_condas_packages() -> None:
    """Two pip: sections (a merged file) both count; conda's packages after them still do."""
    found = translate(
        {"dependencies": ["numpy", {"pip": ["rich"]}, {"pip": ["typer==0.12"]}, "pandas"]}, SOURCE
    )
    assert found.requirements == ("numpy", "pandas", "rich", "typer==0.12")


def test_a_build_string_is_left_out_and_said() -> None:
    """The note names the entry and its build string."""
    found = translate({"dependencies": ["numpy=1.26.4=py311h64a7726_0"]}, COURSE)
    assert found.requirements == ("numpy==1.26.4",)
    assert found.notes == (
        "numpy=1.26.4=py311h64a7726_0: the build string py311h64a7726_0 is conda's; left out",
    )


@pytest.mark.parametrize(
    ("conda", "pip"),
    [("numpy 1.26.*", "numpy==1.26.*"), ("numpy >= 1.2, < 2", "numpy>=1.2,<2"),
     ("numpy=1.26.4", "numpy==1.26.4"), ("numpy=1.26", "numpy==1.26.*"),
     ("numpy=1.*", "numpy==1.*")],
)  # fmt: skip
def test_conda_versions_become_pips(conda: str, pip: str) -> None:
    """The space form, ranges written with spaces, an exact release, a prefix."""
    assert translate({"dependencies": [conda]}, COURSE).requirements == (pip,)


def test_an_environment_without_dependencies_says_where_they_go() -> None:
    """The hint names the key."""
    with pytest.raises(errors.UnsupportedFile) as refused:
        translate({"name": "course"}, COURSE)
    assert refused.value.hint == "An environment.yml lists its packages under 'dependencies:'."


def test_a_file_that_is_not_yaml_says_how_to_write_one(tmp_path: Path) -> None:
    """The hint points at conda's own export."""
    path = tmp_path / "environment.yml"
    path.write_text("name: x\n  dependencies: [\n", encoding="utf-8")
    with pytest.raises(errors.UnsupportedFile) as refused:
        translate_file(path)
    assert refused.value.hint == (
        "Check its indentation; 'conda env export --from-history' writes a clean one."
    )
