"""wiw-sync: lessons delivered into a learner's home by content, and no edit ever lost."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.hubside import load_support_module

SYNC = load_support_module("wiw_sync")


def lessons(folder: Path, files: dict[str, str]) -> Path:
    """A lessons folder as the image holds it."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def sync(
    home: Path, source: Path, *extra: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, list[str]]:
    """Run wiw-sync and return its report."""
    code = SYNC.main(["--home", str(home), "--lessons", str(source), *extra])
    report: dict[str, list[str]] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == (1 if report["errors"] else 0)
    return report


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty learner's home."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def test_a_first_start_delivers_every_lesson(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty home gets every lesson, subfolders included, and a manifest of them."""
    v1 = lessons(tmp_path / "v1", {"lesson01.ipynb": "one", "data/x.csv": "1,2"})
    report = sync(home, v1, capsys=capsys)
    assert sorted(report["new"]) == ["data/x.csv", "lesson01.ipynb"]
    assert (home / "data" / "x.csv").read_text() == "1,2"
    manifest = json.loads((home / ".wiw" / "delivered.json").read_text())["files"]
    assert set(manifest) == {"data/x.csv", "lesson01.ipynb"}


def test_the_update_rules_for_three_learners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rules for three learners: changed, untouched, deleted.

    A changed lesson02 is kept with the new one beside it; an untouched one is
    replaced; a deleted lesson03 stays deleted; the new lesson04 reaches everyone.
    """
    v1 = lessons(tmp_path / "v1", {"lesson02.ipynb": "two", "lesson03.ipynb": "three"})
    v2 = lessons(tmp_path / "v2", {"lesson02.ipynb": "two, fixed", "lesson03.ipynb": "three",
                                   "lesson04.ipynb": "four"})  # fmt: skip
    homes = {}
    for who in ("a", "b", "c"):
        homes[who] = tmp_path / who
        homes[who].mkdir()
        sync(homes[who], v1, capsys=capsys)
    (homes["a"] / "lesson02.ipynb").write_text("two, with my answers")
    (homes["c"] / "lesson03.ipynb").unlink()
    a, b, c = (sync(homes[w], v2, capsys=capsys) for w in ("a", "b", "c"))
    assert (homes["a"] / "lesson02.ipynb").read_text() == "two, with my answers"
    assert (homes["a"] / "lesson02.updated.ipynb").read_text() == "two, fixed"
    assert a["kept"] == ["lesson02.ipynb"]
    assert a["beside"] == ["lesson02.updated.ipynb"]
    assert (homes["b"] / "lesson02.ipynb").read_text() == "two, fixed"
    assert b["updated"] == ["lesson02.ipynb"]
    assert not (homes["b"] / "lesson02.updated.ipynb").exists()
    assert not (homes["c"] / "lesson03.ipynb").exists()
    assert c["deleted"] == ["lesson03.ipynb"]
    for who, report in zip("abc", (a, b, c), strict=True):
        assert (homes[who] / "lesson04.ipynb").read_text() == "four"
        assert report["new"] == ["lesson04.ipynb"]


def test_a_deleted_lesson_comes_back_only_when_asked(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--restore-deleted brings back what the learner deleted."""
    v1 = lessons(tmp_path / "v1", {"lesson01.ipynb": "one"})
    sync(home, v1, capsys=capsys)
    (home / "lesson01.ipynb").unlink()
    assert sync(home, v1, capsys=capsys)["deleted"] == ["lesson01.ipynb"]
    assert sync(home, v1, "--restore-deleted", capsys=capsys)["new"] == ["lesson01.ipynb"]
    assert (home / "lesson01.ipynb").read_text() == "one"


def test_the_beside_file_never_covers_a_file_of_the_learner(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A learner's own lesson02.updated.ipynb is never overwritten: -2, -3 are used."""
    v1 = lessons(tmp_path / "v1", {"lesson02.ipynb": "two"})
    sync(home, v1, capsys=capsys)
    (home / "lesson02.ipynb").write_text("mine")
    (home / "lesson02.updated.ipynb").write_text("also mine")
    v2 = lessons(tmp_path / "v2", {"lesson02.ipynb": "two, v2"})
    assert sync(home, v2, capsys=capsys)["beside"] == ["lesson02.updated-2.ipynb"]
    assert (home / "lesson02.updated.ipynb").read_text() == "also mine"
    assert (home / "lesson02.updated-2.ipynb").read_text() == "two, v2"
    # A third version replaces wiw's own beside file, which the learner left alone.
    v3 = lessons(tmp_path / "v3", {"lesson02.ipynb": "two, v3"})
    assert sync(home, v3, capsys=capsys)["beside"] == ["lesson02.updated-2.ipynb"]
    assert (home / "lesson02.updated-2.ipynb").read_text() == "two, v3"
    assert (home / "lesson02.ipynb").read_text() == "mine"


def test_a_home_from_before_the_manifest_keeps_its_files(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files wiw never recorded are the learner's: kept, the lesson placed beside."""
    (home / "lesson01.ipynb").write_text("an older copy, perhaps edited")
    v2 = lessons(tmp_path / "v2", {"lesson01.ipynb": "one, v2"})
    report = sync(home, v2, capsys=capsys)
    assert report["kept"] == ["lesson01.ipynb"]
    assert (home / "lesson01.ipynb").read_text() == "an older copy, perhaps edited"
    assert (home / "lesson01.updated.ipynb").read_text() == "one, v2"


def test_the_same_lessons_again_change_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Starting a server again with the same image leaves the home exactly as it was."""
    v1 = lessons(tmp_path / "v1", {"lesson01.ipynb": "one", "lesson02.ipynb": "two"})
    sync(home, v1, capsys=capsys)
    (home / "lesson02.ipynb").write_text("edited")
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    report = sync(home, v1, capsys=capsys)
    assert report["new"] == report["updated"] == report["beside"] == []
    after = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    assert after == before


def test_a_file_that_cannot_be_delivered_is_reported_and_the_rest_delivered(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lesson that cannot be delivered is reported, and the rest delivered.

    A folder in its place stands in the way for root as for anyone.
    """
    v1 = lessons(tmp_path / "v1", {"a.txt": "a", "b.txt": "b"})
    (home / "a.txt").mkdir()
    code = SYNC.main(["--home", str(home), "--lessons", str(v1)])
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert code == 1
    assert report["errors"][0].startswith("a.txt: ")
    assert "could not deliver a.txt" in captured.err
    assert (home / "b.txt").read_text() == "b"
    assert (home / "a.txt").is_dir()


@settings(max_examples=30, deadline=None)
@given(
    first=st.dictionaries(st.sampled_from(["l1.ipynb", "l2.ipynb", "d/l3.ipynb"]),
                          st.sampled_from(["v1", "v2", "v3"]), min_size=1),
    edits=st.dictionaries(st.sampled_from(["l1.ipynb", "l2.ipynb", "d/l3.ipynb"]),
                          st.sampled_from(["mine", "mine too", None])),
    second=st.dictionaries(st.sampled_from(["l1.ipynb", "l2.ipynb", "d/l3.ipynb", "d/l4.ipynb"]),
                           st.sampled_from(["v1", "v2", "v4"]), min_size=1),
)  # fmt: skip
def test_no_edit_is_ever_lost(
    first: dict[str, str], edits: dict[str, str | None], second: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    """No edit is ever lost, whatever the versions, edits and deletions.

    Every file the learner wrote still holds exactly what they wrote after an update.
    """
    root = tmp_path_factory.mktemp("sync")
    home = root / "home"
    home.mkdir()
    SYNC.main(["--home", str(home), "--lessons", str(lessons(root / "v1", first))])
    theirs = {}
    for name, text in edits.items():
        if (home / name).exists():
            if text is None:
                (home / name).unlink()
            else:
                (home / name).write_text(text)
                theirs[name] = text
    SYNC.main(["--home", str(home), "--lessons", str(lessons(root / "v2", second))])
    for name, text in theirs.items():
        assert (home / name).read_text() == text


def sha256(text: str) -> str:
    """The digest the manifest keeps of a lesson's text."""
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_manifest_records_the_version_offered_in_every_case(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """New, already identical, or kept with the new version beside: each lesson's offer is kept."""
    (home / "same.ipynb").write_text("same")  # a home from before the manifest
    (home / "theirs.ipynb").write_text("their own")
    v1 = lessons(tmp_path / "v1", {"new.ipynb": "new", "same.ipynb": "same", "theirs.ipynb": "v1"})
    report = sync(home, v1, capsys=capsys)
    assert report["beside"] == ["theirs.updated.ipynb"]
    manifest = json.loads((home / ".wiw" / "delivered.json").read_text())["files"]
    assert manifest == {
        "new.ipynb": sha256("new"),
        "same.ipynb": sha256("same"),
        "theirs.ipynb": sha256("v1"),
        "theirs.updated.ipynb": sha256("v1"),
    }
    v2 = lessons(tmp_path / "v2", {"new.ipynb": "new v2"})
    assert sync(home, v2, capsys=capsys)["updated"] == ["new.ipynb"]
    manifest = json.loads((home / ".wiw" / "delivered.json").read_text())["files"]
    assert manifest["new.ipynb"] == sha256("new v2")


def test_lessons_in_new_subfolders_are_written_readable_in_one_step(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is renamed into place from a hidden file beside it (one file system).

    The learner can read it (0644), and its folders are made as deep as needed.
    """
    renames: list[tuple[Path, Path]] = []
    replace = os.replace

    def recorded(source: str, target: Path) -> None:
        renames.append((Path(source), Path(target)))
        replace(source, target)

    monkeypatch.setattr(os, "replace", recorded)
    v1 = lessons(tmp_path / "v1", {"week1/day1/intro.ipynb": "intro"})
    assert sync(home, v1, capsys=capsys)["new"] == ["week1/day1/intro.ipynb"]
    target = home / "week1" / "day1" / "intro.ipynb"
    assert target.read_text() == "intro"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    (temporary, placed), _manifest = renames
    assert placed == target
    assert temporary.parent == target.parent
    assert temporary.name.startswith(".intro.ipynb.")
    assert temporary.name.endswith(".wiw")


def test_a_copy_that_fails_leaves_no_temporary_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The half-made file is removed; the error is reported."""

    def full(source: Path, target: str) -> None:
        Path(target).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    v1 = lessons(tmp_path / "v1", {"intro.ipynb": "intro"})
    report = sync(home, v1, capsys=capsys)
    assert report["errors"] == ["intro.ipynb: [Errno 28] No space left on device"]
    assert sorted(p.name for p in home.iterdir()) == [".wiw"]


def test_a_manifest_without_files_is_an_empty_one(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manifest naming no files: every lesson is new."""
    (home / ".wiw").mkdir()
    (home / ".wiw" / "delivered.json").write_text("{}")
    v1 = lessons(tmp_path / "v1", {"intro.ipynb": "intro"})
    assert sync(home, v1, capsys=capsys)["new"] == ["intro.ipynb"]


def test_a_home_not_made_yet_gets_its_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No lessons and no home folder yet: the manifest's folders are made."""
    home = tmp_path / "not" / "yet"
    (tmp_path / "v1").mkdir()
    assert sync(home, tmp_path / "v1", capsys=capsys)["errors"] == []
    assert json.loads((home / ".wiw" / "delivered.json").read_text()) == {"files": {}}


def test_a_manifest_that_cannot_be_saved_is_an_error(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lessons are delivered; the report and the server's log say the manifest was not."""
    (home / ".wiw").write_text("a file where the folder goes")
    code = SYNC.main(["--home", str(home), "--lessons", str(lessons(tmp_path / "v1", {"a": "1"}))])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 1
    assert report["new"] == ["a"]
    (error,) = report["errors"]
    assert error.startswith(".wiw/delivered.json: ")
    assert err.startswith("wiw-sync: could not save .wiw/delivered.json: ")


def test_without_a_lessons_folder_nothing_is_done(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """By default the image's /srv/wiw/lessons, into the learner's own home; none: said, exit 0."""
    looked: list[str] = []

    def is_dir(path: Path) -> bool:
        looked.append(str(path))
        return False

    monkeypatch.setattr(SYNC.Path, "is_dir", is_dir)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert SYNC.main([]) == 0
    assert looked == ["/srv/wiw/lessons"]
    assert json.loads(capsys.readouterr().out) == {"lessons": None}


def test_by_default_the_lessons_go_into_the_learners_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home is the user's own (``$HOME``) unless --home says otherwise."""
    monkeypatch.setenv("HOME", str(tmp_path / "learner"))
    v1 = lessons(tmp_path / "v1", {"intro.ipynb": "intro"})
    assert SYNC.main(["--lessons", str(v1)]) == 0
    assert (tmp_path / "learner" / "intro.ipynb").read_text() == "intro"


def test_help_says_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    """The first line of the module's description."""
    with pytest.raises(SystemExit):
        SYNC.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "Deliver the workshop's lessons into a learner's home without ever losing their work."
        in out
    )
