"""A workshop's dependency files as instructors write them: odd bytes, other spellings, mistakes.

Each file is read the way people leave it: a Latin-1 byte in a comment,
``environment.yaml`` rather than ``.yml``, a Dockerfile beside a data.txt, a
notebook that names its language only in ``language_info``. Mistakes are
refused with the file named and one sentence saying what to write.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.workshops import workshop_folder
from wiw import errors
from wiw.build import workshop as workshop_module
from wiw.build.workshop import Workshop, check_python, slugify

DIGEST = "ab" * 32


def test_a_stray_byte_in_a_comment_does_not_stop_the_reading(tmp_path: Path) -> None:
    """install.R, DESCRIPTION and data.txt with a Latin-1 byte: read, the byte replaced."""
    folder = workshop_folder(
        tmp_path / "w",
        {
            "install.R": b"# caf\xe9\ninstall.packages('glue')\n",
            "DESCRIPTION": b"Package: w\nAuthor: Ren\xe9\nImports: cli\n",
            "data.txt": b"https://example.test/a.csv sha256:" + DIGEST.encode() + b" # caf\xe9\n",
        },
    )
    env = Workshop(folder).environment
    assert env.r is not None
    assert env.r.packages == ("glue", "cli")
    assert [d.name for d in env.data] == ["data/a.csv"]


def test_a_runtime_that_is_no_version_is_refused_showing_it(tmp_path: Path) -> None:
    """Its first 60 characters, bytes that are not UTF-8 replaced, and what to write."""
    text = "pyth\ufffdn-3.12 " + "x" * 70
    folder = workshop_folder(tmp_path / "w", {"runtime.txt": text.replace("\ufffd", "ö")})
    (folder / "runtime.txt").write_bytes(text.replace("\ufffd", "\xf6").encode("latin-1"))
    with pytest.raises(errors.WorkshopError) as refused:
        Workshop(folder)
    assert refused.value.message == (
        f"{folder / 'runtime.txt'} says {text[:60]!r}, not a Python or R version."
    )
    assert refused.value.hint == "Write one line such as 'python-3.11' (or 'r-4.2' for R lessons)."


def test_a_python_version_with_a_patch_is_refused_saying_what_to_give() -> None:
    """--python 3.12.1: the major and minor version only."""
    with pytest.raises(errors.InvalidOption) as refused:
        check_python("3.12.1")
    assert refused.value.message == "'3.12.1' is not a Python version such as 3.12."
    assert refused.value.hint == "Give the major and minor version only, e.g. --python 3.12."


def test_environment_yaml_is_read_as_environment_yml_is(tmp_path: Path) -> None:
    """Conda's other spelling of the file name counts too."""
    folder = workshop_folder(tmp_path / "w", {"environment.yaml": "dependencies:\n  - numpy\n"})
    conda = Workshop(folder).environment.conda
    assert conda is not None
    assert conda.source.name == "environment.yaml"


def test_a_translated_environment_names_itself_in_warnings_and_errors(tmp_path: Path) -> None:
    """Warnings and refusals of the pip lines say '(translated)' after the conda file."""
    pip = "dependencies:\n  - pip:\n    - --extra-index-url http://pypi.example.org/simple\n"
    folder = workshop_folder(tmp_path / "w", {"environment.yml": pip})
    [warning] = Workshop(folder).dependency_warnings
    assert (warning.file, warning.number) == ("environment.yml (translated)", 2)
    assert str(warning).startswith("environment.yml (translated) line 2: --extra-index-url ")
    (folder / "environment.yml").write_text("dependencies:\n  - pip:\n    - not a requirement!\n")
    with pytest.raises(errors.InvalidRequirement) as refused:
        Workshop(folder)
    assert refused.value.path == f"{folder / 'environment.yml'} (translated)"
    assert refused.value.message.startswith(f"Line 2 of {folder / 'environment.yml'} (translated)")


def test_a_workshops_own_dockerfile_fetches_nothing_of_data_txt(tmp_path: Path) -> None:
    """With its own Dockerfile, the workshop's data.txt is its business: nothing to fetch."""
    line = f"https://example.test/a.csv sha256:{DIGEST}\n"
    plain = workshop_folder(tmp_path / "plain", {"data.txt": line})
    assert len(Workshop(plain).environment.data) == 1
    own = workshop_folder(tmp_path / "own", {"data.txt": line, "Dockerfile": "FROM x\n"})
    assert Workshop(own).environment.data == ()


def test_a_malformed_data_txt_is_named_in_the_refusal(tmp_path: Path) -> None:
    """The workshop's data.txt, its line, and the fetched path a workshop file already has."""
    folder = workshop_folder(tmp_path / "w", {"data.txt": "https://example.test/x.csv sha1:00\n"})
    with pytest.raises(errors.DataError, match=r"^data\.txt, line 1: "):
        Workshop(folder)
    digest = hashlib.sha256(b"x").hexdigest()
    (folder / "data.txt").write_text(
        f"https://example.test/x.csv sha256:{digest} lesson01.ipynb\n"
    )
    with pytest.raises(errors.DataError) as taken:
        Workshop(folder)
    assert taken.value.hint == (
        "Give the fetched file another path (the third field of its line), or remove the "
        "workshop's own copy."
    )


def test_an_r_snapshot_date_is_noted_as_unused_only_when_given(tmp_path: Path) -> None:
    """r-4.3-2023-10-01: the date is said to be unused, and where packages come from."""
    dated = workshop_folder(tmp_path / "d", {"runtime.txt": "r-4.3-2023-10-01\n"})
    r = Workshop(dated).environment.r
    assert r is not None
    assert r.notes == (
        "runtime.txt's snapshot date 2023-10-01 is not used: packages come from Debian's "
        "r-cran-* binaries, or from CRAN as it is at build time",
    )
    plain = Workshop(workshop_folder(tmp_path / "p", {"runtime.txt": "r-4.3\n"})).environment.r
    assert plain is not None
    assert plain.notes == ()


def test_a_notebook_that_names_its_language_in_language_info_is_an_r_lesson(
    tmp_path: Path,
) -> None:
    """No kernelspec, language_info.name R: the lesson is in R, and the image gets R."""
    folder = tmp_path / "w"
    folder.mkdir()
    notebook = new_notebook(cells=[new_code_cell("1")])
    notebook.metadata["language_info"] = {"name": "R"}
    nbformat.write(notebook, folder / "lesson01.ipynb")
    assert Workshop(folder).environment.r is not None


def test_a_long_name_keeps_64_characters_of_its_own() -> None:
    """Punctuation before a long name does not cost it a character of its 64."""
    assert slugify("(" + "a" * 70 + ")") == "a" * 64
    assert slugify("  My Workshop (2026)! ") == "my-workshop-2026"


def test_a_notebook_too_large_is_refused_saying_how_to_shrink_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the size limit: its path and the limit, and to clear outputs and move data out."""
    monkeypatch.setattr(workshop_module, "_MAX_NOTEBOOK_BYTES", 2 * 2**20)
    folder = workshop_folder(tmp_path / "w")
    big = new_notebook(cells=[new_code_cell("x = '" + "y" * (3 * 2**20) + "'")])
    nbformat.write(big, folder / "big.ipynb")
    with pytest.raises(errors.InvalidNotebook) as refused:
        Workshop(folder)
    assert refused.value.message == f"Notebook {folder / 'big.ipynb'} is larger than 2 MiB."
    assert refused.value.hint == (
        "Clear its outputs (Edit > Clear Outputs of All Cells) and keep data files beside the "
        "notebook instead of inside it."
    )


def test_where_a_workshop_came_from_is_kept(tmp_path: Path) -> None:
    """A workshop fetched from git keeps its source (URL@COMMIT) for the image's labels."""
    source = "https://example.test/course.git@0123abc"
    assert Workshop(workshop_folder(tmp_path / "w"), source=source).source == source
    assert Workshop(tmp_path / "w").source is None
