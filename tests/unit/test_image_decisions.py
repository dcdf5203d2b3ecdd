"""Building and pruning images, decided against the fake engine: no Docker, milliseconds each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.workshops import EXAMPLE
from wiw import errors
from wiw._version import __version__
from wiw.build import BuildProgress, Image, Workshop
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec

BASE = "debian:bookworm-slim"


@pytest.fixture
def fake() -> FakeEngine:
    """A fake engine that holds the base image."""
    engine = FakeEngine()
    engine.add_image(BASE)
    return engine


@pytest.fixture
def workshop() -> Workshop:
    """The example workshop, read from the repository."""
    return Workshop(EXAMPLE)


def test_a_build_labels_the_image_and_records_its_steps(
    fake: FakeEngine, workshop: Workshop
) -> None:
    """The image carries wiw's labels (so prune knows it); last_build counts the steps."""
    seen: list[BuildProgress] = []
    image = Image.build(workshop, tag="wiw/x:1", engine=fake, show_progress=False,
                        on_progress=seen.append)  # fmt: skip
    labels = image.labels
    assert labels[_labels.MANAGED] == "true"
    assert labels[_labels.ROLE] == "image"
    assert labels[_labels.WORKSHOP] == workshop.name
    assert labels[_labels.REF] == "wiw/x:1"
    assert labels[_labels.SERVER] == "wiw"
    assert len(labels[_labels.CONTEXT]) >= 12
    assert image.last_build is not None
    assert image.last_build.steps == 3
    assert [e.step for e in seen if e.step] == [1, 2, 2, 3, 3, 3]
    assert fake.called("stream") == ["build"]  # the base was there: nothing pulled


def test_a_missing_base_is_pulled_first_or_named(fake: FakeEngine, workshop: Workshop) -> None:
    """A base the engine lacks is pulled; one that cannot be is ImageNotFound, before building."""
    with pytest.raises(errors.ImageNotFound, match="could not be pulled") as missing:
        Image.build(workshop, base_image="nowhere/base:1", engine=fake, show_progress=False)
    assert "--base-image" in (missing.value.hint or "")
    assert fake.called("stream") == ["pull"]


def test_a_failed_step_is_build_failed_with_the_step(fake: FakeEngine, workshop: Workshop) -> None:
    """The error names the failing step and keeps the builder's last lines; no image is left."""
    fake.build_fails_after = 3
    with pytest.raises(errors.BuildFailed, match=r"at step 2/3") as failed:
        Image.build(workshop, tag="wiw/x:1", engine=fake, show_progress=False)
    assert failed.value.log_tail == fake.build_lines[:3]
    assert fake.image_info("wiw/x:1") is None


def test_a_build_the_engine_dies_under_is_engine_unavailable(
    fake: FakeEngine, workshop: Workshop
) -> None:
    """When the builder stops because the engine died, the error says so, not "build failed"."""
    fake.build_fails_after = 1
    fake.fail("ping", errors.EngineUnavailable("no daemon"))
    with pytest.raises(errors.EngineUnavailable, match="stopped while building wiw/x:1"):
        Image.build(workshop, tag="wiw/x:1", engine=fake, show_progress=False)


def test_a_build_cancelled_part_way_leaves_no_image(fake: FakeEngine, workshop: Workshop) -> None:
    """Ctrl-C during a build stops the builder's stream and tags nothing."""

    def cancel(event: BuildProgress) -> None:
        if event.step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Image.build(workshop, tag="wiw/x:1", engine=fake, show_progress=False,
                    on_progress=cancel)  # fmt: skip
    assert fake.open_streams == 0
    assert fake.image_info("wiw/x:1") is None


def old_build(fake: FakeEngine, workshop: str, *, tagged: bool = True) -> str:
    """An image of ``workshop`` as wiw builds them; untagged when its tag has moved on."""
    image_id = fake.add_image(f"wiw/{workshop}:latest", _labels.labels_for(
        workshop, "image", __version__))  # fmt: skip
    if not tagged:
        fake.images[image_id].tags.clear()
    return image_id


def test_prune_keeps_tags_images_in_use_and_the_newest(fake: FakeEngine) -> None:
    """Only untagged, unused images wiw built go, past the newest ``keep`` of each workshop."""
    oldest, older, newer = (old_build(fake, "intro", tagged=False) for _ in range(3))
    in_use = old_build(fake, "intro", tagged=False)
    fake.container_create(ContainerSpec(in_use, "a-learner", {}))
    current = old_build(fake, "intro")
    other = old_build(fake, "other", tagged=False)
    foreign = fake.add_image("someone/else:1")
    fake.images[foreign].tags.clear()
    result = Image.prune(keep=1, engine=fake)
    assert set(result.removed) == {oldest, older}
    assert set(fake.images) == {newer, in_use, current, other, foreign} | {
        i for i in fake.images if fake.images[i].tags == [BASE]
    }
    assert result.reclaimed == 2 * fake.images[newer].size
    assert "wiw/intro:latest" in result.kept


def test_prune_dry_run_and_a_refused_removal(fake: FakeEngine) -> None:
    """A dry run removes nothing; an image the engine refuses to remove is skipped, not fatal."""
    first, second = (old_build(fake, "intro", tagged=False) for _ in range(2))
    dry = Image.prune(keep=0, dry_run=True, engine=fake)
    assert set(dry.removed) == {first, second}
    assert {first, second} <= set(fake.images)
    fake.fail("image_remove", errors.EngineError("conflict"))
    real = Image.prune(keep=0, engine=fake)
    assert len(real.skipped) == 1
    assert len(real.removed) == 1
    with pytest.raises(errors.InvalidOption, match="Cannot keep -1"):
        Image.prune(keep=-1, engine=fake)


def test_prune_never_touches_volumes(fake: FakeEngine, tmp_path: Path) -> None:
    """Learners' homes stay whatever prune removes."""
    fake.volume_create("wiw-intro-home-ada", {_labels.WORKSHOP: "intro"})
    old_build(fake, "intro", tagged=False)
    Image.prune(keep=0, engine=fake)
    assert "wiw-intro-home-ada" in fake.volumes
    assert not fake.called("volume_remove")
