"""What wiw and the code it ships into the hub agree on: paths, names, roles, name rules.

This module is the one place both sides read. wiw imports it as
``wiw.contract``; every image carries a copy as ``wiw_contract.py`` beside the
hub's configuration, and the Zero-to-JupyterHub values carry its source in
front of the login code. So it uses the standard library only and imports
nothing of wiw's.

Policy is written as functions (the scopes of each role, the name rules), so
that a test can call them and mutation testing reaches them.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

__all__ = [
    "HOME",
    "HUB_CONFIG",
    "HUB_PORT",
    "HUB_STATE",
    "INSTRUCTOR",
    "LESSONS",
    "LESSONS_ENV",
    "MAX_NAME",
    "RUNTIME",
    "SEATS_STATUS",
    "SEATS_TAKEN",
    "SEAT_LABEL",
    "SEAT_PATH",
    "SEAT_PORT",
    "SETTINGS",
    "SHORT_ALPHABET",
    "SHORT_GUESSES_PER_MINUTE",
    "SHORT_LENGTH",
    "SOCKET",
    "STATE_DIR",
    "clean_name",
    "culler_scopes",
    "hub_roles",
    "instructor_scopes",
    "name_problem",
    "new_short_code",
    "powers",
    "read_short",
    "seat_prefix",
    "service_scopes",
    "short_form",
]

HUB_PORT = 8000
HOME = "/home/learner"  # the learner's home in every wiw image
HUB_STATE = "/srv/wiw-hub"  # the hub's state volume, mounted in the hub's container
STATE_DIR = f"{HUB_STATE}/wiw"  # wiw's files on it: secrets, the port, the current image
LESSONS = "/srv/wiw/lessons"  # the lessons inside every wiw image
# Two Python environments in every image (older images have the runtime only):
RUNTIME = "/opt/wiw"  # JupyterHub, JupyterLab, the server: wiw's lock, never moved by a course
LESSONS_ENV = "/opt/lessons"  # the course's packages, unconstrained, and the kernel
HUB_CONFIG = "/etc/jupyterhub/jupyterhub_config.py"
INSTRUCTOR = "instructor"  # the instructor's account on the hub; no learner may take it
SOCKET = "/var/run/docker.sock"
MAX_NAME = 40  # characters in a learner's name
# Seats: learners' servers started before anyone arrives (wiw_seats.py in the hub).
SEAT_LABEL = "org.wiw.seat"  # on a seat's container and home volume: the seat's id
SEAT_PORT = 8888  # where a seat waits for its learner, then their server listens
SEAT_PATH = "/wiw-seat"  # a seat's one address while it waits
SEATS_STATUS = "seats.json"  # in STATE_DIR: how many seats are ready, warming and taken
SEATS_TAKEN = "seats-taken.json"  # in STATE_DIR: each taken seat's learner

# Every setting the hub reads from its environment; a missing one stops it.
SETTINGS = (
    "WIW_WORKSHOP", "WIW_IMAGE", "WIW_NETWORK", "WIW_HUB_NAME", "WIW_HUB_PORT",
    "WIW_STATE_DIR", "WIW_HOME", "WIW_LEARNER_NAME", "WIW_HOME_VOLUME", "WIW_LEARNER_LABELS",
    "WIW_HOME_LABELS", "WIW_LEARNER_LABEL", "WIW_AUTH", "WIW_MAX_LEARNERS",
    "WIW_CONCURRENT_SPAWNS", "WIW_CULL_AFTER", "WIW_MEM_LIMIT", "WIW_CPU_LIMIT",
    "WIW_PIDS_LIMIT", "WIW_BACKEND", "WIW_TLS", "WIW_INSTRUCTOR", "WIW_SEATS", "WIW_SHORT_URL",
)  # fmt: skip

# The short address people type from the projector (the proxy redirects it to the
# join URL): letters and digits that cannot be mistaken for each other (no 0, o, 1, l,
# i), lower case, 31 of them: 10 are about 49.5 bits.
SHORT_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SHORT_LENGTH = 10
SHORT_GUESSES_PER_MINUTE = 10  # wrong guesses the proxy answers per address, then 429

# Letters of any script, digits, spaces and a few marks people use in names.
_NAME = re.compile(r"^[\w][\w .'\-]*$", re.UNICODE)
# Scopes that reach beyond one's own user and server (JupyterHub's roles).
_POWERS = ("admin-ui", "access:servers", "list:users", "servers", "read:users")


def instructor_scopes() -> list[str]:
    """The instructor's scopes: see every learner and their activity, start, stop and open them."""
    return ["admin-ui", "list:users", "read:users", "read:servers", "servers", "access:servers"]


def service_scopes() -> list[str]:
    """Wiw's own service: who is active, and which node holds each home (on Swarm)."""
    return ["list:users", "read:users", "read:servers", "read:users:activity",
            "admin:server_state"]  # fmt: skip


def culler_scopes() -> list[str]:
    """The idle culler: find idle servers and stop them (never delete users)."""
    return ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def hub_roles(instructor: str = INSTRUCTOR) -> list[dict[str, Any]]:
    """JupyterHub's ``load_roles``: wiw's service, the instructor and the culler.

    Learners keep JupyterHub's own ``user`` role (their own user and server only).
    """
    return [
        {"name": "wiw-service", "services": ["wiw"], "scopes": service_scopes()},
        {"name": "wiw-instructor", "users": [instructor], "scopes": instructor_scopes()},
        {"name": "idle-culler", "services": ["idle-culler"], "scopes": culler_scopes()},
    ]


def seat_prefix(workshop: str) -> str:
    """The name of every seat's container and home volume starts with this.

    Not a learner's prefix (``wiw-W-learner-``, ``wiw-W-home-``): no name a
    learner gives can make a seat's name, nor a seat's a learner's.
    """
    return f"wiw-{workshop}-seat-"


def new_short_code() -> str:
    """A new short address: ``SHORT_LENGTH`` characters of ``SHORT_ALPHABET``, at random."""
    return "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))


def short_form(code: str) -> str:
    """The code as people read and type it: groups of 4, 3 and 3 (``k7mq-4xr-2h9``)."""
    return "-".join(part for part in (code[:4], code[4:7], code[7:]) if part)


def read_short(typed: str) -> str:
    """A short address as typed, in the form it was made: lower case, no dashes or spaces."""
    return "".join(ch for ch in typed.lower() if ch not in "- ")


def powers(scopes: list[str]) -> set[str]:
    """The scopes among ``scopes`` that reach other people's users or servers."""
    return {s for s in scopes if s.split("!")[0] in _POWERS or s.startswith("admin:")}


def clean_name(text: str) -> str:
    """A typed name as the account name: NFC, single spaces, trimmed (case kept)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_problem(name: str, instructor: str = INSTRUCTOR) -> str | None:
    """Why ``name`` cannot be a learner's name, or None if it can."""
    if len(name) > MAX_NAME:
        return f"Please use at most {MAX_NAME} characters."
    if not _NAME.match(name):
        return "Please use letters, digits, spaces and - _ . ' only, starting with a letter."
    if name.casefold() == instructor.casefold():
        return "That name is taken. Please choose another."
    return None
