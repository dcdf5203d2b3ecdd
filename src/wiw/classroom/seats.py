"""Seats: learners' servers the hub starts before the class arrives (``wiw up --seats``).

The hub does the work (``jupyterhub/hub/wiw_seats.py``): its ``wiw-seats``
service keeps spare seats ready, and a learner who joins takes one. wiw
itself reads what the hub writes on its volume: how many seats are ready
(``seats.json``) and whose home each taken seat became (``seats-taken.json``).
A seat's home volume is named after the seat, not the learner; only this
record makes it the learner's, in ``wiw collect``, ``wiw update`` and
``wiw status``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wiw.classroom.contract import STATE_DIR, Names
from wiw.classroom.state import read_file, read_hub_file
from wiw.contract import SEAT_LABEL, SEATS_STATUS, SEATS_TAKEN
from wiw.engine.protocol import ContainerEngine

__all__ = ["Seats", "read_seats", "seat_homes", "taken_seats"]


@dataclass(frozen=True)
class Seats:
    """The class's seats now.

    Attributes:
        ready: Free seats whose server waits, ready for the next learners.
        starting: Free seats still starting.
        taken: Seats learners took (each now a learner's server and home).
        spare: How many free seats the hub keeps (``--seats``).
    """

    ready: int
    starting: int
    taken: int
    spare: int

    @property
    def total(self) -> int:
        """Every seat made so far: free (ready or starting) and taken."""
        return self.ready + self.starting + self.taken

    def to_dict(self) -> dict[str, int]:
        """As ``wiw status --json`` gives it."""
        return {"ready": self.ready, "taken": self.taken, "total": self.total,
                "starting": self.starting, "spare": self.spare}  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Seats:
        """Read what the hub's seat service last wrote."""
        data: dict[str, Any] = json.loads(text)
        return cls(*(int(data.get(k, 0)) for k in ("ready", "starting", "taken", "spare")))


def read_seats(engine: ContainerEngine, names: Names) -> Seats | None:
    """The running class's seats, or None when it keeps none (or has not looked yet)."""
    text = read_file(engine, names.hub, f"{STATE_DIR}/{SEATS_STATUS}")
    return Seats.from_json(text) if text else None


def taken_seats(engine: ContainerEngine, names: Names, image: Callable[[], str]) -> dict[str, str]:
    """Each taken seat's learner (seat id -> learner), from the hub's volume.

    Args:
        engine: The engine.
        names: The class's names.
        image: An image to read the volume with when the hub's container is gone.
    """
    text = read_hub_file(engine, names, SEATS_TAKEN, image=image)
    data = json.loads(text) if text else {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def seat_homes(
    volumes: Mapping[str, Mapping[str, str]], names: Names, taken: Mapping[str, str]
) -> dict[str, str]:
    """The home volumes of taken seats, by learner; free seats' homes are nobody's yet.

    Args:
        volumes: The class's volumes and their labels.
        names: The class's names.
        taken: Each taken seat's learner.
    """
    homes = {}
    for name, labels in sorted(volumes.items()):
        seat = labels.get(SEAT_LABEL)
        if seat is not None and seat in taken and name == names.seat_prefix + seat:
            homes[taken[seat]] = name
    return homes
