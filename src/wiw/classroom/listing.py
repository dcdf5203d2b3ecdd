"""Every class on an engine, found by name either way it is written, and its logs.

A class is known by its workshop's name: the folder's name made safe for
images (``example_workshop`` gives ``example-workshop``). Either spelling,
typed from any folder, finds the same class. What a class remembers (its
join URL, its image, the folder it was started from) is read from its hub's
volume, so stopped classes are listed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wiw import errors
from wiw.build.workshop import Workshop, slugify
from wiw.classroom.contract import STATE_DIR, Names
from wiw.classroom.state import STATE_FILE, ClassroomState, read_file, read_saved_state
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine

__all__ = ["ClassSummary", "class_logs", "class_name", "learner_container", "list_classes"]


@dataclass(frozen=True)
class ClassSummary:
    """One class on the engine, running or stopped.

    Attributes:
        name: The class's name (its workshop's).
        running: Whether its hub runs.
        join_url: The URL learners join at (the same after a restart).
        learners: How many learners have a home in it.
        image: The image learners' servers start from (a tag where one points at it).
        since: When the hub started (ISO 8601, UTC), while it runs.
        source: The folder or repository it was started from, if known.
    """

    name: str
    running: bool
    join_url: str | None
    learners: int
    image: str | None
    since: str | None
    source: str | None

    def to_dict(self) -> dict[str, object]:
        """The summary as JSON-ready data."""
        return {
            "name": self.name,
            "running": self.running,
            "join_url": self.join_url,
            "learners": self.learners,
            "image": self.image,
            "since": self.since,
            "source": self.source,
        }


def class_name(text: str) -> str:
    """The class a folder or a name means: a folder's workshop name, or the name made safe.

    ``example_workshop`` (a folder here or not) and ``example-workshop`` are one class.
    """
    path = Path(text)
    if path.is_dir():
        return Workshop(path).name
    return slugify(path.name or text)


def list_classes(engine: ContainerEngine) -> list[ClassSummary]:
    """Every class whose hub volume is on this engine, by name."""
    volumes = engine.volumes_labelled(_labels.WORKSHOP)  # every class's, listed once
    hubs = {
        v.get(_labels.WORKSHOP, "") for v in volumes.values() if v.get(_labels.ROLE) == "hub-state"
    }
    return [_summary(engine, name, set(volumes)) for name in sorted(hubs - {""})]


def _summary(engine: ContainerEngine, workshop: str, volumes: set[str]) -> ClassSummary:
    names = Names(workshop)
    hub = engine.container_info(names.hub)
    running = bool(hub and hub.running)
    state = _state(engine, names, running)
    learners = sum(name.startswith(names.home_prefix) for name in volumes)
    image = None
    if state and state.image:
        found = engine.image_info(state.image)
        image = found.tags[0] if found and found.tags else state.image
    return ClassSummary(
        name=workshop,
        running=running,
        join_url=state.join_url if state and state.port else None,
        learners=learners,
        image=image,
        since=hub.started_at if hub and running else None,
        source=state.source if state else None,
    )


def _state(engine: ContainerEngine, names: Names, running: bool) -> ClassroomState | None:
    """What the hub's volume remembers: read from the hub, or through a helper when stopped."""
    if running:
        text = read_file(engine, names.hub, f"{STATE_DIR}/{STATE_FILE}")
        return ClassroomState.from_json(text) if text else None
    images = [i for i in engine.images_labelled(f"{_labels.WORKSHOP}={names.workshop}") if i.tags]
    if not images:
        return None  # nothing to read the volume with; the class is still listed
    return read_saved_state(engine, names, images[0].tags[0])


def learner_container(engine: ContainerEngine, workshop: str, learner: str) -> str:
    """The container of a learner's server, by the name they joined with (any case).

    Raises:
        wiw.errors.HubError: No server of that learner runs or exists.
    """
    for cid in engine.containers_labelled(f"{_labels.WORKSHOP}={workshop}"):
        info = engine.container_info(cid)
        if info is None or info.labels.get(_labels.ROLE) != "learner":
            continue
        if info.env.get("JUPYTERHUB_USER", "").casefold() == learner.casefold():
            return info.id
    raise errors.HubError(
        f"{learner} has no server in the class {workshop}.",
        hint=f"See who has one with 'wiw status {workshop}'.",
    )


def class_logs(engine: ContainerEngine, workshop: str, *, learner: str | None = None) -> str:
    """The hub's log (its proxy's included), or a learner's server's, with secrets redacted.

    Raises:
        wiw.errors.HubError: The class or the learner's server is not there.
    """
    names = Names(workshop)
    hub = engine.container_info(names.hub)
    if learner is not None:
        cid = learner_container(engine, workshop, learner)
    elif hub is not None:
        cid = names.hub
    else:
        raise errors.HubError(
            f"The class {workshop} is not running: its hub has no log.",
            hint="Start it with 'wiw up', or list the classes with 'wiw list'.",
        )
    state = _state(engine, names, bool(hub and hub.running))
    for secret in (state.join_secret, state.api_token, state.instructor_secret) if state else ():
        if secret:
            errors.register_secret(secret)  # this process never started the class
    return errors.redact(engine.container_logs(cid))
