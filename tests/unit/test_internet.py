"""Lessons that reach for the internet: the report's record, the last report kept, the warning."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from wiw.build.image import Image
from wiw.cli.args import lessons_report
from wiw.cli.class_commands import _internet_warning
from wiw.lessons.internet import (
    internet_uses,
    internet_warning,
    last_report,
    reports_root,
    save_last,
)
from wiw.lessons.report import LessonReport, LessonResult, NetworkUse
from wiw.lessons.runner import OFFLINE_NETWORK, runner_spec


@pytest.fixture(autouse=True)
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The cache of wiw, in a folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def report(*uses: tuple[str, int, list[str]], offline: bool = False) -> LessonReport:
    """A report whose lessons reached for the given hosts, one lesson per name."""
    lessons: dict[str, list[NetworkUse]] = {}
    for lesson, cell, hosts in uses:
        lessons.setdefault(lesson, []).append(NetworkUse(cell, hosts))
    results = [LessonResult(name, True, 1.0, internet=found) for name, found in lessons.items()]
    return LessonReport("wiw/x:1", results, 2.0, offline=offline)


def test_the_last_report_of_an_image_is_kept_and_read_back(cache: Path) -> None:
    """Saved by image id (without its sha256: prefix) under the cache; read back the same."""
    kept = report(("a.ipynb", 3, ["data.example.test"]), offline=True)
    path = save_last(kept, "sha256:" + "ab" * 32)
    assert path == cache / "wiw" / "reports" / f"{'ab' * 32}.json"
    assert reports_root() == cache / "wiw" / "reports"
    again = last_report("sha256:" + "ab" * 32)
    assert again == kept
    assert again is not None
    assert again.needs_internet == [("a.ipynb", NetworkUse(3, ["data.example.test"]))]
    assert last_report("sha256:" + "cd" * 32) is None  # another image: none


def test_an_unreadable_last_report_counts_as_none(cache: Path) -> None:
    """A file that is not a report (an older wiw's, a torn write) is no report."""
    folder = cache / "wiw" / "reports"
    folder.mkdir(parents=True)
    (folder / "ee.json").write_text("{not json")
    (folder / "ff.json").write_text(json.dumps({"results": []}))  # no image
    assert last_report("ee") is None
    assert last_report("ff") is None
    with pytest.raises(ValueError, match="not a lesson report"):
        LessonReport.from_json("[1, 2]")


def test_internet_uses_reads_a_reports_json_leniently() -> None:
    """Cells with hosts, lesson by lesson; entries of other shapes are skipped."""
    data = {"results": [
        {"lesson": "a.ipynb", "internet": [{"cell": 2, "hosts": ["x.test"]}, {"cell": "3"}]},
        {"lesson": "b.ipynb"},
        "not a result",
        {"lesson": "c.ipynb", "internet": [{"cell": 5, "hosts": ["y.test", "z.test"]}, 7]},
    ]}  # fmt: skip
    assert internet_uses(data) == [
        ("a.ipynb", 2, ["x.test"]),
        ("c.ipynb", 5, ["y.test", "z.test"]),
    ]
    assert internet_uses({}) == []


def test_the_warning_names_cells_and_hosts_up_to_a_limit() -> None:
    """One sentence: how many cells, the first few with their hosts, what to do."""
    assert internet_warning([]) == ""
    uses = [(f"l{n}.ipynb", n, [f"h{n}.test"]) for n in range(1, 8)]
    said = internet_warning(uses, limit=2)
    assert said.startswith("The last lesson report says 7 cell(s) reach for the internet: ")
    assert "l1.ipynb cell 1 (h1.test); l2.ipynb cell 2 (h2.test) and 5 more." in said
    assert "l3.ipynb" not in said
    assert "data.txt" in said
    assert "wiw test --offline" in said


def test_a_newer_report_of_the_same_image_replaces_the_last() -> None:
    """Each 'wiw test' of an image keeps its report: the second one is what is read back."""
    image = "sha256:" + "ab" * 32
    save_last(report(("a.ipynb", 1, ["x.test"])), image)
    newer = report(("b.ipynb", 2, ["y.test"]))
    path = save_last(newer, image)
    assert last_report(image) == newer
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no scratch file left


def test_a_cell_of_a_lesson_without_a_name_is_still_counted() -> None:
    """A result that does not say its lesson still counts, as '?'."""
    data = {"results": [{"internet": [{"cell": 4, "hosts": ["x.test"]}]}]}
    assert internet_uses(data) == [("?", 4, ["x.test"])]


def test_the_warning_shows_five_cells_by_default_then_how_many_more() -> None:
    """Five cells are named; a sixth is counted as 'and 1 more'; five are all named."""
    uses = [(f"l{n}.ipynb", n, [f"h{n}.test", "cdn.test"]) for n in range(1, 7)]
    said = internet_warning(uses)
    assert "l5.ipynb cell 5 (h5.test, cdn.test) and 1 more. " in said
    assert "l6.ipynb" not in said
    assert internet_warning(uses[:5]).count(" more") == 0
    assert internet_warning(uses[:1]) == (
        "The last lesson report says 1 cell(s) reach for the internet: "
        "l1.ipynb cell 1 (h1.test, cdn.test). In a room without internet they fail: fetch "
        "their data at build time (data.txt), and check with 'wiw test --offline'."
    )


def test_wiw_up_warns_from_the_report_given_or_the_images_last(tmp_path: Path) -> None:
    """--report FILE speaks first; without it, the last report kept for the image's id."""
    fake = FakeEngine()
    image_id = fake.add_image("wiw/intro:latest")
    image = Image("wiw/intro:latest", engine=fake)
    none = argparse.Namespace(report=None)
    assert _internet_warning(image, none) == ""  # no report anywhere
    save_last(report(("a.ipynb", 4, ["data.example.test"])), image_id)
    assert "a.ipynb cell 4 (data.example.test)" in _internet_warning(image, none)
    given = tmp_path / "r.json"
    given.write_text(report(("b.ipynb", 2, ["other.test"])).to_json())
    said = _internet_warning(image, argparse.Namespace(report=lessons_report(str(given))))
    assert "b.ipynb cell 2 (other.test)" in said
    assert "a.ipynb" not in said
    clean = tmp_path / "clean.json"
    clean.write_text(report().to_json())
    assert _internet_warning(image, argparse.Namespace(report=lessons_report(str(clean)))) == ""


def test_an_offline_run_has_no_network_and_the_same_command() -> None:
    """--offline: the throwaway container joins the engine's 'none' network; nothing else moves."""
    fake = FakeEngine()
    fake.add_image("wiw/intro:latest")
    image = Image("wiw/intro:latest", engine=fake)
    offline, online = (
        runner_spec(image, ["a.ipynb"], workshop="intro", cell_timeout=60, parallel=2,
                    memory=None, offline=choice)
        for choice in (True, False)
    )  # fmt: skip
    assert (offline.network, online.network) == (OFFLINE_NETWORK, None)
    assert OFFLINE_NETWORK == "none"
    assert offline.command == online.command
