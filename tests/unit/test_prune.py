"""Which images prune may touch, decided from their labels and tags alone."""

from __future__ import annotations

from wiw._docker import ImageInfo
from wiw._labels import MANAGED, REF, ROLE, WORKSHOP
from wiw.image import _built_by_wiw

WIW_LABELS = {MANAGED: "true", WORKSHOP: "intro", ROLE: "image", REF: "wiw/intro:latest"}


def image(tags: list[str], labels: dict[str, str] | None = None) -> ImageInfo:
    """An image record as the engine reports it."""
    return ImageInfo("sha256:" + "0" * 64, tags, 0.0, 1, labels or dict(WIW_LABELS))


def test_an_image_wiw_built_is_prunable() -> None:
    """An image under the reference wiw built it as is wiw's."""
    assert _built_by_wiw(image(["wiw/intro:latest"]))


def test_an_old_untagged_build_is_prunable() -> None:
    """A wiw build whose tag moved to a newer build (dangling) is wiw's."""
    assert _built_by_wiw(image([]))


def test_an_image_built_from_a_wiw_image_is_not() -> None:
    """A user's image FROM a wiw image inherits the labels but not the tag: never pruned."""
    assert not _built_by_wiw(image(["someone/derived:1"]))


def test_an_image_without_wiw_role_is_not() -> None:
    """Labels copied by hand without the image role do not make an image wiw's."""
    assert not _built_by_wiw(image([], {MANAGED: "true"}))
