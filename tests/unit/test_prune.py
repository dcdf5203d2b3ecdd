"""Which images prune may remove, and where free disk is measured, without an engine."""

from __future__ import annotations

from pathlib import Path

from wiw.build.image import free_disk
from wiw.build.prune import select_prunable
from wiw.engine import Engine
from wiw.engine.labels import MANAGED, REF, ROLE, WORKSHOP
from wiw.engine.types import ImageInfo


def image(
    n: int,
    tags: list[str] | None = None,
    *,
    created: float = 0.0,
    workshop: str = "intro",
    role: str = "image",
) -> ImageInfo:
    """Image number ``n`` as the engine reports it, labelled by wiw."""
    labels = {MANAGED: "true", WORKSHOP: workshop, ROLE: role, REF: f"wiw/{workshop}:latest"}
    return ImageInfo(f"sha256:{n:064x}", tags or [], created, 100 * n, labels)


def ids(images: list[ImageInfo]) -> set[str]:
    """The ids of ``images``, for comparison."""
    return {i.id for i in images}


def test_a_tagged_image_is_never_removed() -> None:
    """An image a tag points at stays, however old and whatever --keep says."""
    old = image(1, ["wiw/intro:latest"], created=1)
    newer = [image(n, created=n) for n in range(2, 5)]
    remove, kept = select_prunable([old, *newer], set(), keep=0)
    assert old not in remove
    assert old in kept
    assert ids(remove) == ids(newer)


def test_an_image_a_container_uses_is_never_removed() -> None:
    """An untagged image a (running or stopped) container was created from stays."""
    used, unused = image(1, created=1), image(2, created=2)
    remove, _ = select_prunable([used, unused], {used.id}, keep=0)
    assert remove == [unused]


def test_keep_counts_the_newest_unprotected_images_by_creation_time() -> None:
    """--keep N keeps the N newest untagged images, by creation time, not by name or id."""
    # Ids sort the other way round from creation times.
    images = [image(n, created=10 - n) for n in range(1, 6)]
    remove, kept = select_prunable(images, set(), keep=2)
    assert ids(kept) == {image(1).id, image(2).id}
    assert ids(remove) == {image(n).id for n in (3, 4, 5)}


def test_keep_applies_per_workshop_and_to_one_workshop_when_asked() -> None:
    """Each workshop keeps its own newest; a named workshop limits prune to it."""
    intro = [image(n, created=n, workshop="intro") for n in (1, 2)]
    other = [image(n, created=n, workshop="other") for n in (3, 4)]
    remove, _ = select_prunable([*intro, *other], set(), keep=1)
    assert ids(remove) == {intro[0].id, other[0].id}
    remove, _ = select_prunable([*intro, *other], set(), keep=1, workshop="other")
    assert ids(remove) == {other[0].id}


def test_build_edit_revert_keeps_the_image_the_tag_points_at_again() -> None:
    """Build A, edit and build B, revert and build: the tag points at A again.

    The cache hands back A, with its old creation time. Prune keeps A (tagged)
    and counts B as an 'other' image.
    """
    a = image(1, ["wiw/intro:latest"], created=100)  # the tag moved back to the oldest
    b = image(2, created=200)  # the edit's build, untagged now
    remove, kept = select_prunable([a, b], set(), keep=1)
    assert remove == []
    assert ids(kept) == {a.id, b.id}
    remove, _ = select_prunable([a, b], set(), keep=0)
    assert remove == [b]


def test_only_images_wiw_built_are_considered() -> None:
    """Containers' and volumes' roles, and images without wiw's role, are left alone."""
    other_roles = [image(1, role="lab"), image(2, role="hub-state")]
    remove, kept = select_prunable(other_roles, set(), keep=0)
    assert remove == []
    assert kept == []


class _EngineWithRoot(Engine):
    def __init__(self, root: str | None) -> None:
        super().__init__(["docker"])
        self.root = root

    def data_root(self) -> str | None:
        return self.root


def test_disk_is_measured_where_the_engine_keeps_its_data(tmp_path: Path) -> None:
    """A local data root is measured in bytes and inodes."""
    found = free_disk(_EngineWithRoot(str(tmp_path)))
    assert found is not None
    free, inodes = found
    assert free > 0
    assert inodes >= 0


def test_remote_engine_disk_is_not_guessed() -> None:
    """A data root not on this machine is not measured: no check rather than a wrong one."""
    assert free_disk(_EngineWithRoot("/nonexistent/remote/docker")) is None
    assert free_disk(_EngineWithRoot(None)) is None
