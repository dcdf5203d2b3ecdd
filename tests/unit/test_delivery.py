"""Lessons delivered into each learner's home during a class (wiw.classroom.delivery).

Each home gets a helper container from the new image running wiw-sync on the
home volume; here the fake engine plays wiw-sync's part.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.classroom import delivery
from wiw.classroom.contract import HOME
from wiw.engine.types import ContainerSpec

REPORT = {"new": ["b.ipynb"], "updated": ["a.ipynb"], "kept": [], "beside": [], "deleted": [],
          "errors": []}  # fmt: skip


def engine_answering(output: str) -> tuple[FakeEngine, list[ContainerSpec]]:
    """A fake engine whose delivery helpers print ``output``; the specs they ran with."""
    engine, specs = FakeEngine(), []

    def sync(spec: ContainerSpec) -> tuple[int, str]:
        specs.append(spec)
        return 0, output

    engine.scripts["wiw-intro-deliver-"] = sync
    for image in ("wiw/intro:2", "i:2"):
        engine.add_image(image)
    return engine, specs


def test_each_home_gets_a_helper_running_wiw_sync_offline() -> None:
    """From the new image, on the learner's volume, no network, labelled as wiw's helper."""
    engine, specs = engine_answering("starting\n" + json.dumps(REPORT) + "\n")
    done = delivery.deliver_lessons(engine, "intro", "wiw/intro:2", {"ada": "vol-ada"})
    assert [d.learner for d in done] == ["ada"]
    assert (done[0].new, done[0].updated) == (["b.ipynb"], ["a.ipynb"])
    (spec,) = specs
    assert spec.image == "wiw/intro:2"
    assert re.fullmatch(r"wiw-intro-deliver-[0-9a-f]{8}", spec.name)
    assert spec.entrypoint == delivery.SYNC
    assert tuple(spec.command) == ("--home", HOME)
    assert list(spec.volumes) == [("vol-ada", HOME)]
    assert spec.network == "none"
    assert spec.labels["org.wiw.role"] == "helper"
    assert spec.labels["org.wiw.workshop"] == "intro"
    assert __version__ in spec.labels.values()


def test_deleted_lessons_come_back_only_when_asked_and_homes_go_in_name_order() -> None:
    """--restore-deleted is passed on; the results are sorted by learner."""
    engine, specs = engine_answering(json.dumps(REPORT))
    homes = {"zoe": "vol-z", "ada": "vol-a"}
    done = delivery.deliver_lessons(engine, "intro", "i:2", homes, restore_deleted=True)
    assert [d.learner for d in done] == ["ada", "zoe"]
    assert all(tuple(s.command) == ("--home", HOME, "--restore-deleted") for s in specs)


def test_the_last_json_line_is_the_report() -> None:
    """Lines before it, and a broken line after it, are not the report."""
    output = "{not json\n" + json.dumps({"new": ["x"]}) + "\n{broken\n"
    assert delivery.parse_delivery("ada", output).new == ["x"]


def test_no_report_is_an_error_with_the_last_ten_lines() -> None:
    """The hub's error names the learner and carries the helper's last lines."""
    output = "\n".join(f"line {n}" for n in range(15))
    with pytest.raises(errors.HubError) as failed:
        delivery.parse_delivery("ada", output)
    assert failed.value.message == "Delivering the lessons to ada gave no report."
    assert failed.value.log_tail == [f"line {n}" for n in range(5, 15)]


@pytest.mark.parametrize(
    ("report", "line"),
    [
        ({}, "ada: up to date"),
        ({"new": ["a", "b"], "updated": ["c"]}, "ada: 2 new, 1 updated"),
        ({"kept": ["a"], "deleted": ["b"], "errors": ["c: full"]},
         "ada: 1 kept as changed, 1 not restored, 1 failed"),
    ],
)  # fmt: skip
def test_the_summary_counts_what_each_home_got(report: dict[str, list[str]], line: str) -> None:
    """One line per learner for the instructor; nothing to do is 'up to date'."""
    assert delivery.parse_delivery("ada", json.dumps(report)).summary() == line
