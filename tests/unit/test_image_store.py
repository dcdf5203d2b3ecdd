"""An image on the fake engine: inspecting, tagging, pushing, removing, pruning; the disk check."""

from __future__ import annotations

import os
import shutil
import types
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.build import image as image_module
from wiw.build.image import MIN_FREE_INODES, Image, check_free_disk, free_disk
from wiw.engine import labels as _labels
from wiw.engine.docker import Engine

MIB = 2**20
REF = "wiw/intro:latest"
REPO = "registry.example.org/course/intro"


@pytest.fixture
def fake() -> FakeEngine:
    """An empty fake engine."""
    return FakeEngine()


def built(fake: FakeEngine, labels: Mapping[str, str] | None = None) -> str:
    """An image tagged ``REF`` as wiw builds it (or with ``labels``); its id."""
    return fake.add_image(REF, _labels.labels_for("intro", "image", __version__)
                          if labels is None else labels)  # fmt: skip


def old_build(fake: FakeEngine, workshop: str) -> str:
    """An untagged image of ``workshop`` as wiw builds them (its tag has moved on)."""
    image_id = fake.add_image(f"wiw/{workshop}:latest",
                              _labels.labels_for(workshop, "image", __version__))  # fmt: skip
    fake.images[image_id].tags.clear()
    return image_id


# Naming and inspecting -------------------------------------------------------------------


def test_a_reference_is_checked_but_an_id_is_not(fake: FakeEngine) -> None:
    """A bad reference is InvalidName; an id is taken as it is; the engine is the one given."""
    with pytest.raises(errors.InvalidName):
        Image("Not A Ref", engine=fake)
    unchecked = "sha256:." + "a" * 200  # no reference could be this
    with pytest.raises(errors.InvalidName):
        Image(unchecked.removeprefix("sha256:"), engine=fake)
    by_id = Image(unchecked, engine=fake)
    assert by_id.ref == unchecked
    assert by_id.engine is fake
    assert repr(Image("sha256:abc", engine=fake)) == "Image('sha256:abc')"


def test_without_an_engine_the_default_one() -> None:
    """The engine WIW_ENGINE names (here, the unit tests' nonexistent client)."""
    engine = Image(REF).engine
    assert isinstance(engine, Engine)
    assert engine.client_call == ["/nonexistent/engine-for-unit-tests"]


def test_what_an_image_says_of_itself(fake: FakeEngine) -> None:
    """Whether it exists, its id, size, labels and workshop, from the engine."""
    image_id = built(fake)
    image = Image(REF, engine=fake)
    assert image.exists
    assert image.id == image_id
    assert image.size == 500 * MIB
    assert image.labels == _labels.labels_for("intro", "image", __version__)
    assert image.workshop == "intro"
    assert fake.called("image_info") == [REF] * 5


def test_an_image_without_a_workshop_label(fake: FakeEngine) -> None:
    """Its workshop is "workshop"; an empty label counts as none."""
    built(fake, {_labels.WORKSHOP: ""})
    assert Image(REF, engine=fake).workshop == "workshop"


def test_a_missing_image(fake: FakeEngine) -> None:
    """It does not exist; asking more of it is ImageNotFound, naming it."""
    image = Image("wiw/none:1", engine=fake)
    assert not image.exists
    for ask in (lambda: image.id, lambda: image.size, lambda: image.labels, image.remove):
        with pytest.raises(errors.ImageNotFound) as missing:
            ask()
        assert missing.value.message == "Image wiw/none:1 does not exist on the engine."
    with pytest.raises(errors.ImageNotFound):
        image.tag("wiw/none:2")
    assert not fake.called("image_tag")
    assert not fake.called("image_remove")


# Tagging, pushing, removing --------------------------------------------------------------


def test_tagging_gives_the_same_image_another_name(fake: FakeEngine) -> None:
    """The new Image is on the same engine and has the same id; a bad name is refused first."""
    image_id = built(fake)
    image = Image(REF, engine=fake)
    tagged = image.tag("wiw/intro:v2")
    assert (tagged.ref, tagged.engine, tagged.id) == ("wiw/intro:v2", fake, image_id)
    assert fake.called("image_tag") == ["wiw/intro:v2"]
    with pytest.raises(errors.InvalidName):
        image.tag("Bad Name")
    assert fake.called("image_tag") == ["wiw/intro:v2"]


def test_a_push_tags_streams_and_returns_the_repositorys_digest(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest of the repository pushed to, not of another tag of the same image."""
    image_id = built(fake)
    lines: list[str] = []
    streamed: list[tuple[list[str], str]] = []
    stream = fake.stream

    def recorded(args: list[str], *, what: str) -> Iterator[str]:
        streamed.append((args, what))
        return stream(args, what=what)

    monkeypatch.setattr(fake, "stream", recorded)
    digest = Image(REF, engine=fake).push(REPO, "2026-11-25", on_line=lines.append)
    assert streamed == [(["push", f"{REPO}:2026-11-25"], "push the image")]
    assert digest == f"{REPO}@{image_id}"
    assert fake.called("image_tag") == [f"{REPO}:2026-11-25"]
    assert fake.called("stream") == ["push"]
    assert fake.called("repo_digests") == [f"{REPO}:2026-11-25"]
    assert lines == ["push: done"]
    assert Image(REF, engine=fake).push(REPO, "v2") == digest


def test_latest_alone_is_not_pushed(fake: FakeEngine) -> None:
    """'latest' is refused with what to give instead; a bad repository too; nothing tagged."""
    built(fake)
    with pytest.raises(errors.InvalidName) as refused:
        Image(REF, engine=fake).push(REPO, "latest")
    assert refused.value.message == "Push an explicit version tag, not only 'latest'."
    assert refused.value.hint == (
        "Use a date or version, e.g. '2026-11-25'; deploy by the digest returned."
    )
    with pytest.raises(errors.InvalidName):
        Image(REF, engine=fake).push("Bad Repo", "v1")
    assert not fake.called("image_tag")


def test_a_push_the_engine_gives_no_digest_for(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only digests of other repositories: an engine error naming what was pushed."""
    built(fake)
    monkeypatch.setattr(fake, "repo_digests", lambda ref: ["elsewhere.org/intro@sha256:1"])
    with pytest.raises(errors.EngineError) as caught:
        Image(REF, engine=fake).push(REPO, "v1")
    assert caught.value.message == (
        f"{REPO}:v1 was pushed but the engine reports no digest for it."
    )


def test_removing_an_image(fake: FakeEngine) -> None:
    """The reference goes from the engine."""
    built(fake)
    Image(REF, engine=fake).remove()
    assert fake.called("image_remove") == [REF]
    assert fake.images == {}


# Pruning ---------------------------------------------------------------------------------


def test_prune_keeps_the_newest_one_by_default_and_removes(fake: FakeEngine) -> None:
    """keep=1 and no dry run unless told: the older untagged builds go, their bytes counted."""
    older = [old_build(fake, "intro") for _ in range(3)]
    result = Image.prune(engine=fake)
    assert sorted(result.removed) == sorted(older[:2])
    assert result.kept == [older[2]]
    assert result.skipped == []
    assert result.reclaimed == 2 * 500 * MIB
    assert set(fake.images) == {older[2]}
    assert fake.called("images_labelled") == [f"{_labels.MANAGED}=true"]


def test_prune_of_one_workshop(fake: FakeEngine) -> None:
    """Only that workshop's images are considered."""
    intro = old_build(fake, "intro")
    other = old_build(fake, "other")
    result = Image.prune(keep=0, workshop="intro", engine=fake)
    assert result.removed == [intro]
    assert set(fake.images) == {other}


def test_a_refused_removal_is_skipped_and_not_counted(fake: FakeEngine) -> None:
    """The image the engine refuses is named as skipped; the others are still removed."""
    first, second = old_build(fake, "intro"), old_build(fake, "intro")
    fake.fail("image_remove", errors.EngineError("conflict"))
    result = Image.prune(keep=0, engine=fake)
    assert len(result.skipped) == len(result.removed) == 1
    assert {*result.skipped, *result.removed} == {first, second}
    assert set(fake.images) == set(result.skipped)
    assert result.reclaimed == 500 * MIB


def test_keeping_a_negative_number_is_refused(fake: FakeEngine) -> None:
    """The count and what to give instead; the engine is not asked."""
    with pytest.raises(errors.InvalidOption) as refused:
        Image.prune(keep=-1, engine=fake)
    assert refused.value.message == "Cannot keep -1 images."
    assert refused.value.hint == "Keep 0 or more images per workshop."
    assert fake.calls == []
    assert Image.prune(keep=0, engine=fake).removed == []


# The engine's disk -----------------------------------------------------------------------


class LocalDisk(FakeEngine):
    """The fake, with its data on a folder of this machine."""

    def __init__(self, root: str | None) -> None:
        super().__init__()
        self.root = root

    def data_root(self) -> str | None:
        """The folder given."""
        self._call("data_root")
        return self.root


def test_free_disk_is_measured_where_the_engine_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Free bytes and inodes available of the engine's data folder."""
    asked: list[str] = []

    def disk_usage(path: str) -> types.SimpleNamespace:
        asked.append(f"usage {path}")
        return types.SimpleNamespace(free=123_456)

    def statvfs(path: str) -> types.SimpleNamespace:
        asked.append(f"statvfs {path}")
        return types.SimpleNamespace(f_favail=789, f_ffree=1)

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    monkeypatch.setattr(os, "statvfs", statvfs)
    assert free_disk(LocalDisk(str(tmp_path))) == (123_456, 789)
    assert sorted(asked) == [f"statvfs {tmp_path}", f"usage {tmp_path}"]


@pytest.mark.parametrize("root", [None, "", "/nonexistent/docker"])
def test_a_disk_not_on_this_machine_is_not_measured(root: str | None) -> None:
    """No data folder, or one this machine does not have: None."""
    assert free_disk(LocalDisk(root)) is None


def disk(monkeypatch: pytest.MonkeyPatch, free: int, inodes: int) -> None:
    """Make the engine's disk have ``free`` bytes and ``inodes`` inodes free."""
    monkeypatch.setattr(image_module, "free_disk", lambda engine: (free, inodes))


@pytest.mark.parametrize(
    ("free", "inodes"),
    [(1000, MIN_FREE_INODES), (1001, MIN_FREE_INODES + 1), (1000, 0)],
)
def test_enough_disk_passes(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, free: int, inodes: int
) -> None:
    """At least the bytes and 20000 inodes; 0 inodes means the filesystem does not count them."""
    disk(monkeypatch, free, inodes)
    check_free_disk(fake, 1000)
    assert not fake.called("images_labelled")


@pytest.mark.parametrize(("free", "inodes"), [(999, MIN_FREE_INODES), (1000, 1)])
def test_too_little_disk_or_too_few_inodes(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, free: int, inodes: int
) -> None:
    """A byte or enough inodes short: NotEnoughDisk."""
    disk(monkeypatch, free, inodes)
    with pytest.raises(errors.NotEnoughDisk):
        check_free_disk(fake, 1000)


def test_not_enough_disk_says_what_prune_would_reclaim(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The numbers, and what 'wiw prune' (keeping one) would free, without removing anything."""
    older = [old_build(fake, "intro") for _ in range(3)]
    disk(monkeypatch, 800 * MIB, 99)
    with pytest.raises(errors.NotEnoughDisk) as full:
        check_free_disk(fake, 2**30)
    assert full.value.message == (
        "Only 800 MiB (99 inodes) free for the engine; a build needs 1.0 GiB and 20000 inodes."
    )
    assert (full.value.free, full.value.required, full.value.reclaimable) == (
        800 * MIB, 2**30, 1000 * MIB,
    )  # fmt: skip
    assert full.value.hint == (
        "'wiw prune' would reclaim about 1000 MiB of old wiw images; "
        "or free space on the engine's disk."
    )
    assert set(older) <= set(fake.images)


def test_a_disk_not_measured_passes(fake: FakeEngine) -> None:
    """The fake's disk is not on this machine: nothing to refuse."""
    check_free_disk(fake, 10**18)
    assert fake.called("data_root") == [""]
