"""Learners' work in a classroom: updating it, collecting it, and stopping or destroying the class.

Driven through the fake engine: the helper containers collect makes, the
folders it writes, what stop and destroy remove and in which order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import lifecycle
from wiw.classroom.contract import Names
from wiw.classroom.delivery import Delivered
from wiw.classroom.hub_api import HubAPI
from wiw.classroom.lifecycle import (
    Classroom,
    ClassroomOptions,
    collect_work,
    destroy,
    down,
    folder_names,
    learner_volumes,
)
from wiw.classroom.state import STATE_FILE, ClassroomState, read_file
from wiw.classroom.swarm import Placement
from wiw.contract import SEAT_LABEL, SEATS_TAKEN
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec

WORKSHOP = "intro"
NAMES = Names(WORKSHOP)


class SpecEngine(FakeEngine):
    """The fake engine, keeping every container spec it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.specs: list[ContainerSpec] = []

    def container_create(self, spec: ContainerSpec) -> str:
        """Record the spec, then create the container as the fake does."""
        self.specs.append(spec)
        return super().container_create(spec)


@pytest.fixture
def fake() -> SpecEngine:
    """An empty fake engine."""
    return SpecEngine()


def workshop_image(fake: FakeEngine, tag: str = "latest") -> Image:
    """An image of the workshop, labelled as wiw labels the images it builds."""
    ref = f"wiw/{WORKSHOP}:{tag}"
    labels = {**_labels.labels_for(WORKSHOP, "image", __version__), _labels.REF: ref}
    fake.add_image(ref, labels)
    return Image(ref, engine=fake)


def home(fake: FakeEngine, volume: str, learner: str | None, files: dict[str, bytes]) -> None:
    """A learner's home volume, labelled as the hub labels it, holding ``files``."""
    labels = dict(_labels.labels_for(WORKSHOP, "learner-home", __version__))
    if learner is not None:
        labels[_labels.LEARNER] = learner
    fake.volume_create(volume, labels)
    for path, data in files.items():
        fake.put_file(volume, path, data)


def seat_home(fake: FakeEngine, seat: str) -> str:
    """A seat's home volume; its name."""
    volume = NAMES.seat_prefix + seat
    labels = {**_labels.labels_for(WORKSHOP, "learner-home", __version__), SEAT_LABEL: seat}
    fake.volume_create(volume, labels)
    return volume


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by its path relative to it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


# folder_names ---------------------------------------------------------------------------------


def test_folder_names_are_safe_and_never_the_same_twice() -> None:
    """Separators and control characters become '_', outer dots and spaces go, clashes get -N."""
    assert folder_names(
        [
            "Ada",
            "ada",
            "ADA",
            "b/c\\d",
            "..hidden",
            " x ",
            "a\x01\x02b",
            "...",
            'é:*?"<>|z',
            "learner",
        ]
    ) == {
        "...": "learner",
        " x ": "x",
        "..hidden": "hidden",
        "ADA": "ADA",
        "Ada": "Ada-2",
        "a\x01\x02b": "a_b",
        "ada": "ada-3",
        "b/c\\d": "b_c_d",
        "learner": "learner-2",
        'é:*?"<>|z': "é_z",
    }


def test_folder_names_keep_what_is_not_a_dot_at_the_start() -> None:
    """Only dots are taken off the start: other letters stay."""
    assert folder_names(["Xena", "._x", ".X.y"]) == {"Xena": "Xena", "._x": "_x", ".X.y": "X.y"}


def test_folder_names_are_cut_at_100_characters() -> None:
    """A very long name is cut; its clash still gets a suffix."""
    long = "a" * 150
    assert folder_names([long, long.upper()]) == {long.upper(): "A" * 100, long: "a" * 100 + "-2"}


def test_folder_names_of_nobody() -> None:
    """No learners, no folders."""
    assert folder_names([]) == {}


# learner_volumes ------------------------------------------------------------------------------


def test_learner_volumes_include_taken_seats_by_the_hubs_record(fake: SpecEngine) -> None:
    """A taken seat's home is its learner's; a free seat's is nobody's."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    home(fake, NAMES.home_prefix + "bob", None, {})
    seat_home(fake, "s1")
    seat_home(fake, "s2")
    fake.put_file(NAMES.hub_volume, f"/wiw/{SEATS_TAKEN}", json.dumps({"s1": "Ada"}).encode())
    assert learner_volumes(WORKSHOP, engine=fake) == {
        "bob": NAMES.home_prefix + "bob",
        "Ada": NAMES.seat_prefix + "s1",
    }
    room.stop()  # the record is read through a helper of the workshop's image then
    assert learner_volumes(WORKSHOP, engine=fake)["Ada"] == NAMES.seat_prefix + "s1"
    helper = fake.specs[-1]
    assert helper.name.startswith("wiw-intro-helper-")
    assert helper.image == "wiw/intro:latest"


def test_learner_volumes_without_seats_read_no_record(fake: SpecEngine) -> None:
    """Without a seat's volume, no seat record is read (and no image is needed)."""
    home(fake, NAMES.home_prefix + "bob", "Bob", {})
    assert learner_volumes(WORKSHOP, engine=fake) == {"Bob": NAMES.home_prefix + "bob"}
    assert fake.called("images_labelled") == []
    assert fake.specs == []


# update ---------------------------------------------------------------------------------------


def record_deliveries(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the delivery with one that records what it was asked; the record."""
    asked: list[dict[str, Any]] = []

    def deliver(
        engine: ContainerEngine, workshop: str, image: str, homes: dict[str, str], *,
        restore_deleted: bool = False,
    ) -> list[Delivered]:  # fmt: skip
        asked.append({"engine": engine, "workshop": workshop, "image": image, "homes": homes,
                      "restore_deleted": restore_deleted})  # fmt: skip
        return [Delivered(learner) for learner in homes]

    monkeypatch.setattr(lifecycle, "deliver_lessons", deliver)
    return asked


def test_an_update_switches_the_image_and_delivers_to_every_home(
    fake: SpecEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new image's id is saved for servers started from now on; each home gets the lessons."""
    asked = record_deliveries(monkeypatch)
    room = Classroom.start(workshop_image(fake), engine=fake)
    home(fake, NAMES.home_prefix + "ada", "Ada", {})
    new = workshop_image(fake, "v2")
    delivered = room.update(new, restore_deleted=True)
    assert [d.learner for d in delivered] == ["Ada"]
    homes = {"Ada": NAMES.home_prefix + "ada"}
    assert asked == [{"engine": fake, "workshop": WORKSHOP, "image": new.id, "homes": homes,
                      "restore_deleted": True}]  # fmt: skip
    assert room.state.image == new.id
    text = read_file(fake, NAMES.hub, f"/srv/wiw-hub/wiw/{STATE_FILE}")
    assert text is not None
    assert ClassroomState.from_json(text) == room.state
    room.update(new)
    assert asked[-1]["restore_deleted"] is False


def test_an_update_on_swarm_saves_the_images_name(
    fake: SpecEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Swarm nodes pull the new image by its name; the lessons still come from its id."""
    asked = record_deliveries(monkeypatch)
    fake.manager = True
    room = Classroom.start(workshop_image(fake), ClassroomOptions(backend="swarm"), engine=fake)
    new = workshop_image(fake, "v2")
    room.update(new)
    assert room.state.image == new.ref
    assert asked[0]["image"] == new.id


def test_an_update_of_another_workshop_is_refused_word_for_word(fake: SpecEngine) -> None:
    """The image's reference and both workshops are named."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    fake.add_image("wiw/other:2", _labels.labels_for("other", "image", __version__))
    with pytest.raises(errors.InvalidOption) as caught:
        room.update(Image("wiw/other:2", engine=fake))
    assert caught.value.message == "wiw/other:2 is an image of other, not of intro."
    assert caught.value.hint == "Update a classroom with a new image of its own workshop."


# collect_work -----------------------------------------------------------------------------------


def test_collect_copies_each_home_through_a_container_never_started(
    fake: SpecEngine, tmp_path: Path
) -> None:
    """One helper per learner mounts their home, is copied from, then removed."""
    image = workshop_image(fake)
    home(fake, NAMES.home_prefix + "x1", "Ada", {"/lesson01.ipynb": b"{}", "/work/n.txt": b"ada"})
    home(fake, NAMES.home_prefix + "bob", None, {"/b.txt": b"bob"})
    dest = tmp_path / "out"
    folders = collect_work(WORKSHOP, str(dest), engine=fake)
    assert folders == [dest / "Ada", dest / "bob"]
    assert tree(dest / "Ada") == {"lesson01.ipynb": b"{}", "work/n.txt": b"ada"}
    assert tree(dest / "bob") == {"b.txt": b"bob"}
    assert [(s.image, s.command, list(s.volumes)) for s in fake.specs] == [
        ("wiw/intro:latest", ("true",), [(NAMES.home_prefix + "x1", "/home/learner")]),
        ("wiw/intro:latest", ("true",), [(NAMES.home_prefix + "bob", "/home/learner")]),
    ]
    for spec in fake.specs:
        assert spec.labels == _labels.labels_for(WORKSHOP, "helper", __version__)
        prefix, _, token = spec.name.rpartition("-")
        assert prefix == "wiw-intro-collect"
        assert len(token) == 8
        assert int(token, 16) >= 0
    assert fake.called("container_start") == []
    assert [arg.partition(":")[2] for arg in fake.called("copy_from")] == ["/home/learner/."] * 2
    assert fake.containers == {}
    assert image.ref == "wiw/intro:latest"


def test_collect_uses_the_image_given(fake: SpecEngine, tmp_path: Path) -> None:
    """An image given reads the homes; no other is looked for."""
    image = workshop_image(fake, "v7")
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    collect_work(WORKSHOP, tmp_path, image=image, engine=fake)
    assert [s.image for s in fake.specs] == ["wiw/intro:v7"]
    assert fake.called("images_labelled") == []


def test_collect_into_a_folder_that_exists(fake: SpecEngine, tmp_path: Path) -> None:
    """Collecting twice into the same place works."""
    workshop_image(fake)
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    collect_work(WORKSHOP, tmp_path, engine=fake)
    assert collect_work(WORKSHOP, tmp_path, engine=fake) == [tmp_path / "ada"]


def test_a_failed_copy_still_removes_its_helper(fake: SpecEngine, tmp_path: Path) -> None:
    """The engine's error is raised; the helper container is gone."""
    workshop_image(fake)
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    fake.fail("copy_from", errors.EngineError("disk gone"))
    with pytest.raises(errors.EngineError, match="disk gone"):
        collect_work(WORKSHOP, tmp_path, engine=fake)
    assert fake.containers == {}


def test_collect_without_an_image_of_the_workshop_says_so(
    fake: SpecEngine, tmp_path: Path
) -> None:
    """Homes cannot be read without an image of their workshop; an untagged one does not count."""
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    image_id = fake.add_image("wiw/intro:old", _labels.labels_for(WORKSHOP, "image", __version__))
    fake.images[image_id].tags.clear()  # dangling: its tag went to a newer build
    with pytest.raises(errors.ImageNotFound) as caught:
        collect_work(WORKSHOP, tmp_path, engine=fake)
    assert caught.value.message == "No image of workshop intro to read volumes with."


def test_collect_from_a_running_class_reads_the_volumes_too(
    fake: SpecEngine, tmp_path: Path
) -> None:
    """A class on this engine (not Swarm) is collected from its volumes while it runs."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    assert room.collect_work(tmp_path) == [tmp_path / "ada"]
    assert tree(tmp_path / "ada") == {"a.txt": b"a"}


def test_a_classroom_collects_with_the_image_given(fake: SpecEngine, tmp_path: Path) -> None:
    """The classroom's collect passes the image on: the helpers run it."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    older = workshop_image(fake, "v0")
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    room.collect_work(tmp_path, image=older)
    assert fake.specs[-1].image == "wiw/intro:v0"
    assert fake.specs[-1].name.startswith("wiw-intro-collect-")


def test_collect_on_swarm_asks_each_node_where_the_hub_says(
    fake: SpecEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Swarm, the hub's users give each home's node; folders are named as on one machine."""
    fake.manager = True
    room = Classroom.start(workshop_image(fake), ClassroomOptions(backend="swarm"), engine=fake)
    users = [
        {"name": "Ada", "servers": {"": {"state": {"node_id": "n1", "home_volume": "v1"}}}},
        {"name": "ada", "servers": {"": {"state": {"node_id": "n2", "home_volume": "v2"}}}},
        {"name": "new"},
    ]
    monkeypatch.setattr(HubAPI, "users", lambda self: iter(users))
    asked: list[tuple[Any, ...]] = []

    def collect(*args: Any) -> list[Path]:
        asked.append(args)
        return [tmp_path / "done"]

    monkeypatch.setattr(lifecycle, "collect_from_nodes", collect)
    assert collect_work(WORKSHOP, str(tmp_path), engine=fake) == [tmp_path / "done"]
    assert asked == [(
        fake, WORKSHOP, room.state.image,
        [Placement("Ada", "n1", "", "v1"), Placement("ada", "n2", "", "v2")],
        {"Ada": tmp_path / "Ada", "ada": tmp_path / "ada-2"},
    )]  # fmt: skip
    assert room.state.image == "wiw/intro:latest"
    assert fake.specs[-1].name == NAMES.hub  # no helper container made on this engine


def test_collect_on_a_swarm_class_that_stopped_is_refused(
    fake: SpecEngine, tmp_path: Path
) -> None:
    """The hub knows where each home is: a stopped Swarm hub cannot say."""
    fake.manager = True
    room = Classroom.start(workshop_image(fake), ClassroomOptions(backend="swarm"), engine=fake)
    fake.container_kill(room.container_id)
    with pytest.raises(errors.HubError, match="No classroom of intro is running"):
        collect_work(WORKSHOP, tmp_path, engine=fake)


# stop, down, destroy ----------------------------------------------------------------------------


def test_down_removes_the_hub_first_then_services_containers_and_network(
    fake: SpecEngine,
) -> None:
    """The hub goes first (its seat service would start new seats), the volumes stay."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    fake.services["svc1"] = {_labels.WORKSHOP: WORKSHOP}
    fake.services["svc2"] = {_labels.WORKSHOP: "other"}
    home(fake, NAMES.home_prefix + "ada", None, {})
    learner = ContainerSpec("wiw/intro:latest", "wiw-intro-learner-ada",
                            _labels.labels_for(WORKSHOP, "learner", __version__))  # fmt: skip
    cid = fake.container_create(learner)
    fake.calls.clear()
    down(WORKSHOP, engine=fake)
    assert fake.calls == [
        ("container_remove", NAMES.hub),
        ("services_labelled", "org.wiw.workshop=intro"),
        ("service_remove", "svc1"),
        ("containers_labelled", "org.wiw.workshop=intro"),
        ("container_remove", cid),
        ("network_remove", NAMES.network),
    ]
    assert list(fake.services) == ["svc2"]
    assert set(fake.volumes) == {NAMES.hub_volume, NAMES.home_prefix + "ada"}
    assert room.container_id not in fake.containers


def test_stop_happens_once_and_on_leaving_a_with_block(fake: SpecEngine) -> None:
    """Leaving the block stops the class; stopping again does nothing."""
    with Classroom.start(workshop_image(fake), engine=fake) as room:
        assert isinstance(room, Classroom)
        assert NAMES.network in fake.networks
    assert NAMES.network not in fake.networks
    assert fake.called("network_remove") == [NAMES.network]
    room.stop()
    assert fake.called("network_remove") == [NAMES.network]


def test_destroy_needs_confirm_true_word_for_word(fake: SpecEngine) -> None:
    """Without confirm=True nothing is touched, and the error says to collect first."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    for confirm in (False, 1):
        with pytest.raises(errors.InvalidOption) as caught:
            destroy(WORKSHOP, confirm=confirm, engine=fake)  # type: ignore[arg-type]
        assert caught.value.message == (
            "Destroying the classroom of intro deletes every learner's files."
        )
        assert (
            caught.value.hint == "Collect their work first (collect_work); then pass confirm=True."
        )
    assert room.container_id in fake.containers
    assert NAMES.hub_volume in fake.volumes


def test_destroy_removes_the_class_and_every_volume_of_its_workshop(fake: SpecEngine) -> None:
    """Every volume of the workshop is removed and named; other workshops' stay."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    home(fake, NAMES.home_prefix + "ada", None, {"/a.txt": b"a"})
    fake.volume_create(
        "wiw-other-home-bob", _labels.labels_for("other", "learner-home", __version__)
    )
    with room:
        removed = room.destroy(confirm=True)
    assert sorted(removed) == sorted([NAMES.hub_volume, NAMES.home_prefix + "ada"])
    assert set(fake.volumes) == {"wiw-other-home-bob"}
    assert fake.containers == {}
    assert fake.called("network_remove") == [NAMES.network]  # leaving the block stopped nothing
