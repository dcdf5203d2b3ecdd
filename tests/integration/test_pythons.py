"""Workshops for the Python their runtime.txt names, built and run end to end.

These build two more images from other base images (Debian 13's Python 3.13
and the official Python 3.14 image), so they have a session of their own:
``nox -s pythons``. The bases come from ``.ci/base-image.sh``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import wiw
from wiw.build.context import render_context

pytestmark = pytest.mark.pythons


@pytest.mark.parametrize(("python", "base"), [("3.13", "debian:trixie-slim"),
                                              ("3.14", "python:3.14-slim")])  # fmt: skip
def test_runtime_txt_python_builds_and_the_kernel_runs_it(  # noqa: PLR0917
    python: str, base: str, engine: wiw.Engine, tmp_path: Path, run_id: str,
    made_images: list[str],
) -> None:  # fmt: skip
    """A folder whose runtime.txt names Python X.Y builds unchanged, and its kernel runs X.Y.

    The base is one that has that Python.
    """
    folder = tmp_path / f"py{python.replace('.', '')}"
    folder.mkdir()
    (folder / "runtime.txt").write_text(f"python-{python}\n")
    check = (
        f"import sys\nassert sys.version.startswith('{python}.'), sys.version\nprint(sys.version)"
    )
    nbformat.write(new_notebook(cells=[new_code_cell(check)]), folder / "lesson01.ipynb")
    workshop = wiw.Workshop(folder)
    assert render_context(workshop).build_args["BASE_IMAGE"] == base
    ref = f"wiw-test/{workshop.name}:{run_id}"
    made_images.append(ref)
    image = wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)
    report = wiw.test_lessons(workshop, image)
    assert report.ok, report.to_json()  # the lesson itself checks the kernel's version
    assert report.python.startswith(f"{python}.")
