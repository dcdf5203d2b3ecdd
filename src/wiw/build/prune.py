"""Which of wiw's images prune removes: decided as plain data, from what the engine lists."""

from __future__ import annotations

from wiw.engine import labels as _labels
from wiw.engine.types import ImageInfo

__all__ = ["select_prunable"]


def select_prunable(
    images: list[ImageInfo], in_use: set[str], *, keep: int, workshop: str | None = None
) -> tuple[list[ImageInfo], list[ImageInfo]]:
    """Decide which of wiw's images prune removes, as plain data.

    Args:
        images: Images carrying wiw's labels.
        in_use: Ids of images some container was created from.
        keep: How many unprotected images to keep per workshop, newest first.
        workshop: Only this workshop's images, if given.

    Returns:
        ``(remove, keep)``: images to remove, and wiw-built images kept.
        Images wiw did not build are in neither.
    """
    groups: dict[str, list[ImageInfo]] = {}
    kept: list[ImageInfo] = []
    for img in images:
        name = img.labels.get(_labels.WORKSHOP, "")
        if img.labels.get(_labels.ROLE) != "image" or workshop not in (None, name):
            continue
        if img.tags or img.id in in_use:
            kept.append(img)  # a tag points at it, or a container uses it
        else:
            groups.setdefault(name, []).append(img)
    remove: list[ImageInfo] = []
    for group in groups.values():
        group.sort(key=lambda i: i.created, reverse=True)
        kept.extend(group[:keep])
        remove.extend(group[keep:])
    return remove, kept
