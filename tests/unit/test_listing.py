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
from wiw.classroom.listing import (
    ClassSummary,
    class_logs,
    class_name,
    learner_container,
    list_classes,
)
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
                      "join_url": room.join_url, "short_url": room.short_url, "learners": [],
                      "seats": None}  # fmt: skip


def test_a_summary_as_data_names_every_field() -> None:
    """to_dict gives every field under its own name, for 'wiw list --json'."""
    summary = ClassSummary(
        "intro", True, "http://h:1/s/", 2, "wiw/intro:1", "2026-12-05T16:00:00+00:00", "/c"
    )
    assert summary.to_dict() == {
        "name": "intro", "running": True, "join_url": "http://h:1/s/", "learners": 2,
        "image": "wiw/intro:1", "since": "2026-12-05T16:00:00+00:00", "source": "/c",
    }  # fmt: skip


def test_only_hub_volumes_make_classes_and_only_their_homes_count(fake: FakeEngine) -> None:
    """A class is known by its hub's volume; other wiw volumes make none; homes are counted."""
    Classroom.start(workshop_image(fake, "intro"), engine=fake)
    prefix = Names("intro").home_prefix
    fake.volume_create(prefix + "ada", {_labels.WORKSHOP: "intro"})
    fake.volume_create(prefix + "grace", {_labels.WORKSHOP: "intro"})
    fake.volume_create("wiw-other-cache", {_labels.WORKSHOP: "other", _labels.ROLE: "cache"})
    fake.volume_create("wiw-nameless", {_labels.WORKSHOP: "", _labels.ROLE: "hub-state"})
    (summary,) = list_classes(fake)
    assert (summary.name, summary.learners) == ("intro", 2)


def test_a_stopped_class_without_any_image_is_listed_without_its_state(fake: FakeEngine) -> None:
    """Nothing to read the volume with: listed, stopped, with no URL, image or source."""
    room = Classroom.start(workshop_image(fake, "intro"), engine=fake, source="/c/intro")
    room.stop()
    for image in list(fake.images):
        fake.images.pop(image)
    (summary,) = list_classes(fake)
    assert summary.to_dict() == {
        "name": "intro", "running": False, "join_url": None, "learners": 0,
        "image": None, "since": None, "source": None,
    }  # fmt: skip


def test_a_learner_is_found_only_among_learner_servers(fake: FakeEngine) -> None:
    """A container of another role with the same user is not the learner's server."""
    workshop_image(fake, "intro")
    hub_like = ContainerSpec(
        "wiw/intro:latest", "wiw-intro-x", {_labels.ROLE: "hub", _labels.WORKSHOP: "intro"},
        envs={"JUPYTERHUB_USER": "ada"},
    )  # fmt: skip
    fake.container_create(hub_like)
    other = ContainerSpec(
        "wiw/intro:latest", "wiw-intro-learner-bob",
        {_labels.ROLE: "learner", _labels.WORKSHOP: "intro"},
        envs={"JUPYTERHUB_USER": "bob"},
    )  # fmt: skip
    fake.container_create(other)
    with pytest.raises(errors.HubError) as caught:
        learner_container(fake, "intro", "ada")
    assert caught.value.message == "ada has no server in the class intro."
    assert caught.value.hint == "See who has one with 'wiw status intro'."


def test_logs_of_a_class_that_never_ran_say_how_to_start_it(fake: FakeEngine) -> None:
    """No hub: the refusal names the class and says to start it or list the classes."""
    with pytest.raises(errors.HubError) as caught:
        class_logs(fake, "intro")
    assert caught.value.message == "The class intro is not running: its hub has no log."
    assert caught.value.hint == "Start it with 'wiw up', or list the classes with 'wiw list'."


def test_a_running_class_is_read_from_its_hub_and_named_by_its_image(fake: FakeEngine) -> None:
    """No helper for a running class; its image by tag, or by id once untagged or gone."""
    room = Classroom.start(workshop_image(fake, "intro"), engine=fake)
    (summary,) = list_classes(fake)
    assert summary.image == "wiw/intro:latest"
    assert not [n for n in fake.called("container_create") if "helper" in n]
    image_id = room.state.image
    fake.images[image_id].tags.clear()
    assert list_classes(fake)[0].image == image_id
    del fake.images[image_id]
    assert list_classes(fake)[0].image == image_id


def test_a_stopped_hub_gives_no_start_time(fake: FakeEngine) -> None:
    """A hub container that is there but stopped: not running, no 'since'."""
    Classroom.start(workshop_image(fake, "intro"), engine=fake)
    fake.container_stop(Names("intro").hub)
    (summary,) = list_classes(fake)
    assert (summary.running, summary.since) == (False, None)


def test_logs_redact_the_class_secrets_in_a_process_that_did_not_start_it(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw logs' in a new process learns the secrets from the volume, running or stopped."""
    room = Classroom.start(workshop_image(fake, "intro"), engine=fake)
    hub = fake.container_info(Names("intro").hub)
    assert hub is not None
    secrets = (room.state.join_secret, room.state.api_token, room.state.instructor_secret)
    fake.containers[hub.id].logs = " ".join(f"[{s}]" for s in secrets)
    monkeypatch.setattr(errors, "_KNOWN", set())  # as in a process that never started it
    assert class_logs(fake, "intro") == " ".join(["[" + errors.REDACTED + "]"] * 3)
    assert not [n for n in fake.called("container_create") if "helper" in n]
    fake.container_stop(hub.id)
    monkeypatch.setattr(errors, "_KNOWN", set())
    assert room.state.api_token not in class_logs(fake, "intro")


def test_a_learner_container_without_a_user_is_nobodys(fake: FakeEngine) -> None:
    """A learner's container that names no user is skipped, whatever the name asked for."""
    workshop_image(fake, "intro")
    spec = ContainerSpec(
        "wiw/intro:latest", "wiw-intro-learner-x",
        {_labels.ROLE: "learner", _labels.WORKSHOP: "intro"},
    )  # fmt: skip
    fake.container_create(spec)
    for name in ("xxxx", "XXXX"):
        with pytest.raises(errors.HubError):
            learner_container(fake, "intro", name)


def test_a_learners_log_is_read_even_when_the_class_remembers_nothing(fake: FakeEngine) -> None:
    """No hub and no hub volume: a learner's server's log is still shown."""
    workshop_image(fake, "intro")
    spec = ContainerSpec(
        "wiw/intro:latest", "wiw-intro-learner-ada",
        {_labels.ROLE: "learner", _labels.WORKSHOP: "intro"}, envs={"JUPYTERHUB_USER": "ada"},
    )  # fmt: skip
    fake.containers[fake.container_create(spec)].logs = "kernel started\n"
    assert class_logs(fake, "intro", learner="ada") == "kernel started\n"


def test_a_path_that_is_no_folder_names_the_class_by_its_last_part() -> None:
    """'/nowhere/intro_python' is the class 'intro-python', wherever it was typed from."""
    assert class_name("/nowhere/intro_python") == "intro-python"


def test_a_running_hub_whose_state_file_is_gone_is_listed_without_it(fake: FakeEngine) -> None:
    """A running hub with no state file on its volume: listed, running, with no URL or source."""
    Classroom.start(workshop_image(fake, "intro"), engine=fake, source="/c/intro")
    names = Names("intro")
    files = fake.volume_files[names.hub_volume]
    for key in [k for k in files if k.endswith("/state.json")]:
        del files[key]
    (summary,) = list_classes(fake)
    assert (summary.running, summary.join_url, summary.source) == (True, None, None)
