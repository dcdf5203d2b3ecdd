"""Lessons that reach for the internet: found by ``wiw test``, told before the class.

Every run of the lessons watches which hosts each cell's Python looks up or
connects to (the lesson runner's audit hook), so a report knows the cells
that need the network even when they pass at home. ``wiw test --offline``
runs them with no network at all, as a room without internet would.

``wiw test`` keeps each image's last report (in wiw's cache, by image id);
``wiw up`` reads it, or the report given with ``--report``, and warns before
the class starts when a lesson needs the internet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from wiw.lessons.report import LessonReport
from wiw.resources import cache_dir

__all__ = ["internet_uses", "internet_warning", "last_report", "reports_root", "save_last"]


def reports_root() -> Path:
    """Where the last report of each image is kept (``$XDG_CACHE_HOME/wiw/reports``)."""
    return cache_dir("reports")


def _path(image_id: str) -> Path:
    return reports_root() / f"{image_id.removeprefix('sha256:')[:64]}.json"


def save_last(report: LessonReport, image_id: str) -> Path:
    """Keep ``report`` as the last one of the image ``image_id``; return where it went."""
    path = _path(image_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(report.to_json(), encoding="utf-8")
    scratch.replace(path)
    return path


def last_report(image_id: str) -> LessonReport | None:
    """The last report kept for the image ``image_id``, if any (an unreadable one is none)."""
    try:
        return LessonReport.from_json(_path(image_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def internet_uses(data: Mapping[str, Any]) -> list[tuple[str, int, list[str]]]:
    """``(lesson, cell, hosts)`` for each cell of a report's JSON that reached for a host.

    Lenient: entries of another shape (a report of an older wiw) are skipped.
    """
    found = []
    for result in data.get("results") or []:
        if not isinstance(result, dict):
            continue
        for use in result.get("internet") or []:
            if isinstance(use, dict) and isinstance(use.get("cell"), int):
                hosts = [str(h) for h in use.get("hosts") or []]
                found.append((str(result.get("lesson", "?")), use["cell"], hosts))
    return found


def internet_warning(uses: Iterable[tuple[str, int, list[str]]], *, limit: int = 5) -> str:
    """One warning for the lessons that reach for the internet ("" when none does)."""
    uses = list(uses)
    if not uses:
        return ""
    shown = [f"{lesson} cell {cell} ({', '.join(hosts)})" for lesson, cell, hosts in uses]
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return (
        f"The last lesson report says {len(uses)} cell(s) reach for the internet: "
        f"{'; '.join(shown[:limit])}{more}. In a room without internet they fail: fetch "
        "their data at build time (data.txt), and check with 'wiw test --offline'."
    )
