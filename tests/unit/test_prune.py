"""Which images prune may touch, and where free disk is measured, without an engine."""

from __future__ import annotations

from pathlib import Path

from wiw._docker import Engine, ImageInfo
from wiw._labels import MANAGED, REF, ROLE, WORKSHOP
from wiw.image import _built_by_wiw, free_disk

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
