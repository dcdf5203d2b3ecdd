"""Classes by name either way it is written, listed running or stopped, and their logs."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import Classroom
from wiw.classroom.contract import Names
from wiw.classroom.listing import class_logs, class_name, learner_container, list_classes
from wiw.cli.class_commands import STATUS_SCHEMA
from wiw.cli.main import main
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec


def workshop_image(fake: FakeEngine, workshop: str) -> Image:
    """An image of ``workshop`` as wiw labels the images it builds."""
    ref = f"wiw/{workshop}:latest"
    fake.add_image(ref, {**_labels.labels_for(workshop, "image", __version__), _labels.REF: ref})
    return Image(ref, engine=fake)


@pytest.fixture
def fake() -> FakeEngine:
    """An empty fake engine."""
    return FakeEngine()


def test_either_spelling_names_one_class(tmp_path: Path) -> None:
    """A folder's name and the class's name give the same class, from any folder."""
    assert class_name("example_workshop") == "example-workshop"
    assert class_name("example-workshop") == "example-workshop"
    assert class_name("My Course (2026)") == "my-course-2026"
    folder = tmp_path / "Intro_Python"
    folder.mkdir()
    (folder / "lesson01.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    assert class_name(str(folder)) == "intro-python"
    assert class_name(f"{folder}/") == "intro-python"


def test_classes_are_listed_running_and_stopped(fake: FakeEngine) -> None:
    """Each class with its URL, learners, image and since when; a stopped one keeps its URL."""
    intro = Classroom.start(workshop_image(fake, "intro"), engine=fake, source="/courses/intro")
    stats = Classroom.start(workshop_image(fake, "stats"), engine=fake)
    fake.volume_create(Names("intro").home_prefix + "ada", {_labels.WORKSHOP: "intro"})
    stats.stop()
    listed = {c.name: c for c in list_classes(fake)}
    assert set(listed) == {"intro", "stats"}
    assert listed["intro"].running is True
    assert listed["intro"].join_url == intro.join_url
    assert listed["intro"].learners == 1
    assert listed["intro"].image == "wiw/intro:latest"
    assert listed["intro"].since is not None
    assert listed["intro"].source == "/courses/intro"
    assert listed["stats"].running is False
    assert listed["stats"].join_url == stats.join_url  # read from its volume, stopped
    assert listed["stats"].since is None
    assert listed["intro"].to_dict()["learners"] == 1
    assert not [c for c in fake.containers.values() if "helper" in c.spec.name]


def test_another_folder_of_the_same_name_is_refused(fake: FakeEngine) -> None:
    """Two folders named alike are never silently one class: the refusal names both."""
    image = workshop_image(fake, "intro")
    Classroom.start(image, engine=fake, source="/home/ada/intro").stop()
    before = fake.inventory()
    with pytest.raises(errors.HubError, match="belongs to /home/ada/intro") as refused:
        Classroom.start(image, engine=fake, source="/home/ada/old/intro")
    assert "/home/ada/old/intro" in refused.value.message
    assert "Rename" in (refused.value.hint or "")
    assert fake.inventory().minus(before) == {}
    again = Classroom.start(image, engine=fake, source="/home/ada/intro")
    assert again.state.source == "/home/ada/intro"


def test_logs_of_the_hub_and_of_a_learner_are_redacted(fake: FakeEngine) -> None:
    """The hub's log without its secrets; a learner's server's log found by their name."""
    room = Classroom.start(workshop_image(fake, "intro"), engine=fake)
    fake.containers[fake.container_info(Names("intro").hub).id].logs = (  # type: ignore[union-attr]
        f"listening on {room.join_url}\n"
    )
    learner = ContainerSpec(
        "wiw/intro:latest", "wiw-intro-learner-ada", {_labels.ROLE: "learner",
        _labels.WORKSHOP: "intro"}, envs={"JUPYTERHUB_USER": "Ada"},
    )  # fmt: skip
    cid = fake.container_create(learner)
    fake.containers[cid].logs = "Jupyter Server is running\n"
    shown = class_logs(fake, "intro")
    assert "listening on" in shown
    assert room.state.join_secret not in shown
    assert class_logs(fake, "intro", learner="ada") == "Jupyter Server is running\n"
    assert learner_container(fake, "intro", "ADA") == cid
    with pytest.raises(errors.HubError, match="Grace has no server"):
        class_logs(fake, "intro", learner="Grace")
    room.stop()
    with pytest.raises(errors.HubError, match="not running"):
        class_logs(fake, "intro")


def test_the_list_logs_and_status_commands(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw list --json', 'wiw status --json' (versioned) and 'wiw logs', with either spelling."""
    room = Classroom.start(workshop_image(fake, "intro-python"), engine=fake)
    hub = fake.container_info(Names("intro-python").hub)
    assert hub is not None
    fake.containers[hub.id].logs = f"proxy up at {room.join_url}\n"
    assert main(["list", "--json"], engine=fake) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["schema"] == STATUS_SCHEMA
    assert [c["name"] for c in listed["classes"]] == ["intro-python"]
    assert listed["classes"][0]["join_url"] == room.join_url
    assert main(["logs", "intro_python"], engine=fake) == 0  # the folder's spelling
    shown = capsys.readouterr().out
    assert "proxy up at" in shown
    assert room.state.join_secret not in shown
    with patch.object(Classroom, "learners", return_value=[]):
        assert main(["status", "Intro_Python", "--json"], engine=fake) == 0
    status = json.loads(capsys.readouterr().out)
    assert status == {"schema": STATUS_SCHEMA, "class": "intro-python",
                      "join_url": room.join_url, "learners": []}  # fmt: skip
