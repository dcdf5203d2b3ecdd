"""Deliver new lessons into every learner's home while the class runs, losing nothing.

Each home gets the lessons of the new image by the rules of ``wiw-sync`` (in
the image): a lesson the learner never changed is replaced, one they changed
stays as it is with the new version placed beside it, one they deleted is
not brought back, new lessons appear. A helper container from the new image
does it on each home volume, so running servers see the files at once, with
no restart.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wiw import errors
from wiw._version import __version__
from wiw.classroom.contract import HOME
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec

__all__ = ["Delivered", "deliver_lessons", "parse_delivery"]

SYNC = "wiw-sync"  # installed in every wiw image


@dataclass(frozen=True)
class Delivered:
    """What one learner's home got.

    Attributes:
        learner: The learner's name.
        new: Lessons they had not had, copied in.
        updated: Lessons they never changed, replaced by the new version.
        kept: Lessons they changed, kept as they are.
        beside: The new versions placed beside those (``lesson02.updated.ipynb``).
        deleted: Lessons they deleted, not brought back.
        errors: Files that could not be delivered, with why.
    """

    learner: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    beside: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the instructor."""
        counts = {
            "new": self.new,
            "updated": self.updated,
            "kept as changed": self.kept,
            "not restored": self.deleted,
            "failed": self.errors,
        }
        parts = [f"{len(items)} {what}" for what, items in counts.items() if items]
        return f"{self.learner}: {', '.join(parts) or 'up to date'}"


def parse_delivery(learner: str, output: str) -> Delivered:
    """Read what ``wiw-sync`` printed (its last JSON line) for one learner.

    Raises:
        wiw.errors.HubError: It printed no report.
    """
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            known = {k: [str(v) for v in data.get(k, [])] for k in
                     ("new", "updated", "kept", "beside", "deleted", "errors")}  # fmt: skip
            return Delivered(learner, **known)
    raise errors.HubError(
        f"Delivering the lessons to {learner} gave no report.", log_tail=output.splitlines()[-10:]
    )


def _deliver_one(
    engine: ContainerEngine, workshop: str, image: str, home: tuple[str, str], restore: bool
) -> Delivered:
    learner, volume = home
    spec = ContainerSpec(
        image=image,
        name=f"wiw-{workshop}-deliver-{secrets.token_hex(4)}",
        labels=_labels.labels_for(workshop, "helper", __version__),
        command=("--home", HOME, *(("--restore-deleted",) if restore else ())),
        entrypoint=SYNC,
        volumes=[(volume, HOME)],
        network="none",
    )
    _, output = engine.run_to_end(spec, timeout=300)
    return parse_delivery(learner, output)


def deliver_lessons(
    engine: ContainerEngine,
    workshop: str,
    image: str,
    homes: dict[str, str],
    *,
    restore_deleted: bool = False,
    parallel: int = 4,
) -> list[Delivered]:
    """Deliver the lessons of ``image`` into each learner's home volume.

    Args:
        engine: The engine that holds the volumes.
        workshop: The workshop's name, for labels.
        image: The new image.
        homes: Learner name -> their home volume.
        restore_deleted: Bring back lessons learners deleted.
        parallel: Homes done at once.

    Returns:
        What each learner's home got, by learner name.
    """
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = [
            pool.submit(_deliver_one, engine, workshop, image, home, restore_deleted)
            for home in sorted(homes.items())
        ]
        return [future.result() for future in done]
