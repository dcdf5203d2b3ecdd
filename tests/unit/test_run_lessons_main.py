"""The lesson runner's command line and report (jupyterhub/lessons/run_lessons.py ``main``).

The lessons are run by a stand-in for ``run_one`` in threads instead of
forked processes; what ``main`` decides itself is checked: the options it
gives each lesson, the pool, the folder, the one line of report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.hubside import load_support_module

RUN = load_support_module("run_lessons")


class Recorded:
    """What main gave the pool and each lesson."""

    def __init__(self) -> None:
        self.pools: list[tuple[int, str]] = []
        self.runs: list[tuple[str, argparse.Namespace, str]] = []


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Recorded:
    """main() over stand-ins for the pool, the lessons' run and the image's facts."""
    seen = Recorded()

    def pool(max_workers: int, mp_context: Any) -> ThreadPoolExecutor:
        seen.pools.append((max_workers, mp_context.get_start_method()))
        return ThreadPoolExecutor(max_workers=max_workers)

    def run_one(path: str, args: argparse.Namespace) -> dict[str, Any]:
        seen.runs.append((path, args, os.getcwd()))
        if path == "dies.ipynb":
            raise RuntimeError("A process in the process pool was terminated abruptly")
        return {"lesson": path, "passed": True}

    monkeypatch.setattr(RUN, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(RUN, "run_one", run_one)
    monkeypatch.setattr(RUN, "container_peak", lambda: 2**30)
    monkeypatch.setattr(RUN, "lessons_environment", lambda: {"python": "3.12.1", "packages": []})
    monkeypatch.setattr(RUN, "r_version", lambda: "4.2.2")
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)  # restored after the test
    return seen


def run_main(monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    """main() with this command line."""
    monkeypatch.setattr(sys, "argv", ["run_lessons", *argv])
    RUN.main()


def test_the_report_is_one_line_after_the_marker(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each lesson's result in the order given, with the image's facts, after the marker."""
    run_main(monkeypatch, "b.ipynb", "a.ipynb", "--marker", "@@WIW@@")
    out = capsys.readouterr().out
    assert out.startswith("@@WIW@@")
    assert out.endswith("}\n")
    assert out.count("\n") == 1
    report = json.loads(out.removeprefix("@@WIW@@"))
    assert [r["lesson"] for r in report["results"]] == ["b.ipynb", "a.ipynb"]
    assert report["peak_memory"] == 2**30
    assert report["python"] == "3.12.1"
    assert report["packages"] == []
    assert report["r"] == "4.2.2"
    assert 0 <= report["duration"] < 60


def test_the_defaults_each_lesson_runs_with(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two minutes a cell, four at once, the notebook's kernel, errors as saved, ten failures.

    Lessons run from the learner's home, in forked workers (the script
    arrives as ``python3 -c``: workers cannot import it).
    """
    run_main(monkeypatch, "a.ipynb", "--marker", "M")
    ((path, args, folder),) = recorded.runs
    assert path == "a.ipynb"
    assert folder == str(tmp_path / "home")
    assert (args.timeout, args.parallel, args.kernel) == (120, 4, None)
    assert (args.strict_errors, args.compare_outputs, args.max_failures) == (False, False, 10)
    assert recorded.pools == [(4, "fork")]


def test_the_options_given_reach_each_lesson(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every option of ``wiw test`` is passed on; at least one worker whatever is asked."""
    given = ["--timeout", "30", "--parallel", "0", "--kernel", "ir", "--strict-errors",
             "--compare-outputs", "--max-failures", "3"]  # fmt: skip
    run_main(monkeypatch, "a.ipynb", "--marker", "M", *given)
    ((_, args, _),) = recorded.runs
    assert (args.timeout, args.kernel) == (30, "ir")
    assert (args.strict_errors, args.compare_outputs, args.max_failures) == (True, True, 3)
    assert recorded.pools == [(1, "fork")]
    run_main(monkeypatch, "a.ipynb", "--marker", "M", "--parallel", "7")
    assert recorded.pools[-1] == (7, "fork")


def test_a_marker_and_a_lesson_are_required(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the marker wiw could not find the report; without lessons there is nothing."""
    with pytest.raises(SystemExit):
        run_main(monkeypatch, "a.ipynb")
    with pytest.raises(SystemExit):
        run_main(monkeypatch, "--marker", "M")
    assert recorded.runs == []


def test_a_lesson_whose_worker_died_is_reported_with_the_others(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One worker gone does not lose the other lessons' results."""
    run_main(monkeypatch, "dies.ipynb", "a.ipynb", "--marker", "M")
    report = json.loads(capsys.readouterr().out.removeprefix("M"))
    died, fine = report["results"]
    assert (died["lesson"], died["passed"], died["failure"]["kind"]) == (
        "dies.ipynb",
        False,
        "runner-died",
    )
    assert fine == {"lesson": "a.ipynb", "passed": True}


class CgroupFiles:
    """``Path`` for the cgroup files container_peak reads, with the test's contents."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def __call__(self, name: str) -> Any:
        """The file ``name``: read_text gives its content, or fails as a missing file does."""
        files = self.files

        class File:
            def read_text(self) -> str:
                if name not in files:
                    raise FileNotFoundError(name)
                return files[name]

        return File()


V2 = "/sys/fs/cgroup/memory.peak"
V1 = "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"


@pytest.mark.parametrize(
    ("files", "peak"),
    [
        ({V2: "1234\n", V1: "99"}, 1234),
        ({V1: "5678\n"}, 5678),
        ({V2: "max\n", V1: "42"}, 42),
        ({V2: "", V1: "42"}, 42),
        ({V2: "", V1: "none"}, None),
        ({}, None),
    ],
)
def test_the_containers_peak_memory_comes_from_its_cgroup(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, str], peak: int | None
) -> None:
    """The memory.peak of cgroup v2, else v1's max usage; unreadable or absent: unknown."""
    monkeypatch.setattr(RUN, "Path", CgroupFiles(files))
    assert RUN.container_peak() == peak
