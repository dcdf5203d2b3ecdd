"""What a command's first argument names: a workshop folder, a git repository or an image."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.workshops import write_lesson
from wiw import errors
from wiw.build import sources, targets
from wiw.build.image import Image
from wiw.build.sources import Source
from wiw.build.targets import looks_like_workshop, resolve_target, resolve_workshop

URL = "https://github.com/wiw-courses/intro-python.git"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["lesson.ipynb"], True),
        (["notebooks/week1/lesson.ipynb"], True),
        (["episodes/e.ipynb"], True),
        (["data.csv", "lesson.IPYNB"], False),
        (["other/lesson.ipynb"], False),
        (["lessons/readme.md"], False),
    ],
)
def test_a_folder_looks_like_a_workshop_with_notebooks_at_its_top_or_in_a_lessons_folder(
    tmp_path: Path, files: list[str], expected: bool
) -> None:
    """Notebooks at the top, or anywhere under lessons/, notebooks/, …; not in other folders."""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert looks_like_workshop(tmp_path) is expected


def test_no_argument_means_the_current_folder_when_it_holds_lessons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from inside a workshop, a command needs no folder."""
    write_lesson(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert resolve_workshop(None).path == tmp_path.resolve()
    image, workshop = resolve_target(None, tag="wiw/x:1")
    assert (image.ref, workshop and workshop.path) == ("wiw/x:1", tmp_path.resolve())


def test_no_argument_outside_a_workshop_is_refused_with_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error names the current folder; the hint says what to give."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(errors.WorkshopNotFound) as caught:
        resolve_workshop(None)
    assert caught.value.message == (
        f"No workshop folder given, and the current folder ({tmp_path}) holds no lessons."
    )
    assert caught.value.hint == (
        "Give the folder that holds the lessons, e.g. 'wiw build my_course', or run the "
        "command from inside it (notebooks at its top or in lessons/)."
    )


def test_a_home_like_folder_is_refused_unless_allowed(tmp_path: Path) -> None:
    """allow_home is off by default, and passed on when given."""
    write_lesson(tmp_path)
    (tmp_path / ".bash_history").write_text("ls")
    for resolve in (lambda: resolve_workshop(str(tmp_path)),
                    lambda: resolve_target(str(tmp_path), tag=None)):  # fmt: skip
        with pytest.raises(errors.PrivateFolder):
            resolve()
    assert resolve_workshop(str(tmp_path), allow_home=True).path == tmp_path.resolve()
    image, workshop = resolve_target(str(tmp_path), tag=None, allow_home=True)
    assert workshop is not None
    assert image.ref == Image.default_ref(workshop)


def test_a_git_url_is_fetched_at_its_ref_and_named_for_its_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkout becomes the workshop, named for the repository, labelled URL@commit."""
    folder = tmp_path / "checkout"
    write_lesson(folder)
    (folder / ".bash_history").write_text("ls")
    fetched: list[tuple[str, str | None]] = []

    def fetch(url: str, ref: str | None = None) -> Source:
        fetched.append((url, ref))
        return Source(url=url, ref=ref, commit="abc123", folder=folder)

    monkeypatch.setattr(sources, "fetch", fetch)
    workshop = resolve_workshop(URL, ref="v2", allow_home=True)
    image, same = resolve_target(URL, tag="wiw/intro:v2", ref="v2", allow_home=True)
    assert fetched == [(URL, "v2"), (URL, "v2")]
    for found in (workshop, same):
        assert found is not None
        assert (found.path, found.name, found.source) == (folder, "intro-python", f"{URL}@abc123")
    assert image.ref == "wiw/intro:v2"
    with pytest.raises(errors.PrivateFolder):
        resolve_workshop(URL)


@pytest.mark.parametrize(
    "text", ["wiw/intro:latest", "wiw/intro", "localhost:5000/x", "python@sha256:" + "a" * 64]
)
def test_a_missing_path_with_a_tag_digest_or_slash_is_an_image(text: str) -> None:
    """No workshop is built: the reference is taken as it is."""
    image, workshop = resolve_target(text, tag="ignored:1")
    assert (image.ref, workshop) == (text, None)


@pytest.mark.parametrize("text", ["intro", "Intro/Bad:x", "missing_folder"])
def test_a_word_or_an_invalid_reference_is_a_missing_folder(text: str) -> None:
    """A single word names a folder that is not there; the hint shows both forms."""
    with pytest.raises(errors.WorkshopNotFound) as caught:
        resolve_target(text, tag=None)
    assert caught.value.message == f"Workshop folder not found: {text}"
    assert caught.value.hint == (
        "Give the folder that holds the lessons, or an image reference with its tag, "
        "e.g. wiw/intro:latest."
    )


def test_the_lesson_folders_are_the_usual_course_layouts() -> None:
    """Where courses keep notebooks when not at the top."""
    assert targets.LESSON_FOLDERS == ("lessons", "notebooks", "content", "chapters", "episodes")
