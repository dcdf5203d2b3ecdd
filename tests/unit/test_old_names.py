"""wiw's names from before its subpackages keep doing what they did, with a warning.

Scripts written against an older wiw import ``wiw.hub``, ``wiw.doctor`` or
``wiw.sources`` and call ``Hub.run(image, mode="classroom")``. Until the names
go, each must still reach the same code, with the same arguments, on the
engine it is given.
"""

from __future__ import annotations

import importlib
import re
import sys

import pytest

import wiw
from tests.support.fakeengine import FakeEngine
from tests.support.offline import workshop_engine
from wiw import _compat, errors
from wiw.build.image import Image
from wiw.classroom.lifecycle import Classroom, ClassroomOptions

IMAGE = "wiw/intro:latest"
CLASSROOM_MODE = 'Hub.run(image, mode="classroom") is deprecated; use Classroom.start(image)'


@pytest.fixture
def fake() -> FakeEngine:
    """A fake engine with an image of the workshop 'intro'."""
    return workshop_engine()


def test_hub_run_in_classroom_mode_starts_the_class_as_asked(fake: FakeEngine) -> None:
    """A reference, a port, public with a host, options and an engine reach Classroom.start."""
    with pytest.warns(DeprecationWarning, match=f"^{re.escape(CLASSROOM_MODE)}$"):
        room = _compat.Hub.run(
            IMAGE,
            mode="classroom",
            port=41234,
            public=True,
            host="class.example.org",
            classroom=ClassroomOptions(short_url=False),
            engine=fake,
        )
    assert isinstance(room, Classroom)
    assert room.engine is fake
    assert room.port == 41234
    assert room.join_url.startswith("http://class.example.org:41234/")
    assert room.short_url is None
    room.stop()


def test_hub_run_with_an_image_uses_its_engine_and_the_defaults(fake: FakeEngine) -> None:
    """An Image and nothing else: its engine, loopback only (even after a public class)."""
    Classroom.start(Image(IMAGE, engine=fake), public=True, engine=fake).stop()
    with pytest.warns(DeprecationWarning, match=f"^{re.escape(CLASSROOM_MODE)}$"):
        room = _compat.Hub.run(Image(IMAGE, engine=fake), mode="classroom")
    assert room.engine is fake
    assert not room.state.public
    assert room.short_url is not None
    room.stop()


def test_hub_run_starts_one_learners_lab_as_asked(fake: FakeEngine) -> None:
    """Without a mode: a lab, a Hub, with the port, address, name, command and engine given."""
    lab = _compat.Hub.run(
        IMAGE,
        port=41555,
        public=True,
        host="lab.example.org",
        name="mylab",
        command=["jupyter-lab", "--no-browser"],
        engine=fake,
    )
    assert isinstance(lab, _compat.Hub)
    assert (lab.engine, lab.port, lab.host, lab.name) == (fake, 41555, "lab.example.org", "mylab")
    [container] = fake.containers.values()
    assert list(container.spec.command) == ["jupyter-lab", "--no-browser"]
    assert [ip for ip, _, _ in container.spec.publish] == ["0.0.0.0"]
    lab.stop()


def test_an_unknown_mode_is_refused_saying_which_to_use(fake: FakeEngine) -> None:
    """Neither lab nor classroom: refused with the two names that replace Hub.run."""
    with pytest.raises(errors.InvalidOption) as refused:
        _compat.Hub.run(IMAGE, mode="party", engine=fake)  # type: ignore[call-overload]
    assert refused.value.message == "Unknown mode 'party'."
    assert refused.value.hint == "Use Lab.run for one learner, Classroom.start for a class."


@pytest.mark.parametrize(("old", "new"), [("wiw.doctor", "wiw.cli.doctor"),
                                          ("wiw.sources", "wiw.build.sources")])  # fmt: skip
def test_old_paths_of_modules_moved_whole_still_import(old: str, new: str) -> None:
    """The names a moved module exports are the old path's too."""
    sys.modules.pop(old, None)
    _compat._warned.discard(old)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated"):
        module = importlib.import_module(old)
    target = importlib.import_module(new)
    assert module.__all__ == target.__all__
    assert all(getattr(module, name) is getattr(target, name) for name in target.__all__)


def test_an_unknown_top_level_name_says_which() -> None:
    """wiw.NoSuchThing is an AttributeError naming the module and the name, as Python's."""
    with pytest.raises(AttributeError, match=r"^module 'wiw' has no attribute 'NoSuchThing'$"):
        _ = wiw.NoSuchThing


def test_the_old_hub_module_gives_the_old_class() -> None:
    """'from wiw.hub import Hub' is the deprecated class, a Lab."""
    sys.modules.pop("wiw.hub", None)
    _compat._warned.add("wiw.hub")  # warned or not, the class is the same
    assert importlib.import_module("wiw.hub").Hub is _compat.Hub


def test_the_old_paths_are_found_once_however_often_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """install() puts one finder on the import path, and a second install adds none."""
    monkeypatch.setattr(
        sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, _compat._MovedFinder)]
    )
    _compat.install()
    _compat.install()
    assert sum(isinstance(f, _compat._MovedFinder) for f in sys.meta_path) == 1
