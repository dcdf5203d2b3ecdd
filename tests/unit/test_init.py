"""``wiw init``: a new workshop folder from the example shipped with wiw."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

import wiw
from tests.support.cli import run
from wiw.cli.init_command import (
    INIT_COMMAND,
    example_files,
    init_workshop,
    next_commands,
)
from wiw.errors import FolderNotEmpty
from wiw.resources import example_dir

ROOT = Path(__file__).parents[2]
cli_main = importlib.import_module("wiw.cli.main")


@pytest.fixture
def with_init(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command table with ``init`` in it, whether or not wiw registers it yet."""
    if not any(command.name == "init" for command in cli_main.COMMANDS):
        monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, INIT_COMMAND))


def test_the_example_is_found_and_ships_in_the_wheel() -> None:
    """example_dir() finds the lessons, and the wheel carries them as wiw/example_workshop."""
    found = example_dir()
    assert (found / "requirements.txt").is_file()
    assert sorted(p.name for p in found.glob("*.ipynb")) == [
        "lesson01.ipynb",
        "lesson02.ipynb",
        "lesson03.ipynb",
    ]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included["example_workshop"] == "wiw/example_workshop"


def test_init_writes_a_workshop_wiw_accepts(tmp_path: Path) -> None:
    """A new folder (its parents too) gets the example's lessons and requirements.txt."""
    folder = tmp_path / "courses" / "my-course"
    written = init_workshop(folder)
    workshop = wiw.Workshop(folder)
    example = wiw.Workshop(example_dir())
    assert workshop.name == "my-course"
    assert sorted(p.name for p in workshop.lessons) == sorted(p.name for p in example.lessons)
    assert workshop.requirements == workshop.path / "requirements.txt"
    assert sorted(p.name for p in written) == sorted(p.name for p in folder.iterdir())


def test_the_files_are_the_examples_byte_for_byte(tmp_path: Path) -> None:
    """Every file written is a copy of the example's, and nothing else is written."""
    init_workshop(tmp_path / "course")
    sources = example_files()
    assert {p.name for p in (tmp_path / "course").iterdir()} == {p.name for p in sources}
    for source in sources:
        assert (tmp_path / "course" / source.name).read_bytes() == source.read_bytes()


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    """An empty folder that exists already is filled."""
    (tmp_path / "empty").mkdir()
    init_workshop(tmp_path / "empty")
    assert (tmp_path / "empty" / "requirements.txt").is_file()


def test_a_folder_with_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    """Nothing is written into a folder that holds a file, hidden ones included."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / ".notes").write_text("keep me")
    with pytest.raises(FolderNotEmpty, match="is not empty") as caught:
        init_workshop(folder)
    assert isinstance(caught.value, wiw.WiwError)
    assert "new folder" in caught.value.hint
    assert [p.name for p in folder.iterdir()] == [".notes"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    """A path that is a file is not a folder to write into."""
    (tmp_path / "course").write_text("")
    with pytest.raises(FolderNotEmpty, match="is a file"):
        init_workshop(tmp_path / "course")
    assert (tmp_path / "course").read_text() == ""


@pytest.mark.usefixtures("with_init")
def test_the_command_prints_what_to_run_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw init my-course' writes the folder and names build, test, run and up for it."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init", "my-course")
    assert code == 0, err
    assert "Created my-course with lesson01.ipynb" in out
    for command in ("build", "test", "run"):
        assert f"wiw {command} my-course " in out
    assert "wiw up my-course --detach" in out
    wiw.Workshop(tmp_path / "my-course")


@pytest.mark.usefixtures("with_init")
def test_the_command_refuses_a_full_folder_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder with files gives wiw's error, its hint and exit status 2."""
    (tmp_path / "lesson.ipynb").write_text("{}")
    code, out, err = run(capsys, "init", str(tmp_path))
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {tmp_path} is not empty")
    assert "hint: Pick a new folder's name" in err
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.ipynb"]


def test_a_folder_with_a_space_is_quoted_in_the_next_commands() -> None:
    """The commands printed can be pasted into a shell as they are."""
    assert next_commands("my course")[0][0] == "wiw build 'my course'"


@pytest.mark.usefixtures("with_init")
def test_the_command_says_what_it_wrote_and_each_step_word_for_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files listed, the advice, and the four commands aligned; brackets printed as typed."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init", "[b]course")
    assert code == 0, err
    *first, last = (path.name for path in example_files())
    steps = [
        ("wiw build '[b]course'", "build its image"),
        ("wiw test '[b]course'", "run every lesson inside the image"),
        ("wiw run '[b]course'", "serve it to yourself: a URL and a QR code"),
        ("wiw up '[b]course' --detach", "start the classroom: one URL for the whole class"),
    ]
    assert out.splitlines() == [
        f"Created [b]course with {', '.join(first)} and {last}.",
        "Edit the lessons in JupyterLab or any editor, then:",
        *(f"  {command.ljust(27)}   # {what}" for command, what in steps),
    ]


def test_a_full_folder_is_refused_saying_what_to_do_instead(tmp_path: Path) -> None:
    """The refusal's sentence and hint, word for word, with the folder to try instead."""
    (tmp_path / "lesson.ipynb").write_text("{}")
    with pytest.raises(FolderNotEmpty) as caught:
        init_workshop(tmp_path)
    assert caught.value.message == (
        f"{tmp_path} is not empty; wiw init writes only into a new or empty folder, so that it "
        "never overwrites a file."
    )
    assert caught.value.hint == (
        f"Pick a new folder's name, e.g. 'wiw init {tmp_path}-2', or build this folder as it "
        "is ('wiw build')."
    )
