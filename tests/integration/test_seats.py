"""A class that arrives at once, on a real engine: seats, the short address and the class list.

The tests share one classroom (a module fixture) that keeps five seats
within a cap of ten. Five learners joined it together, each wrote a file
of their own; every test starts from that class running (the ``seated``
fixture starts it again if a test stopped it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import wiw
from tests.support.engine import free_port
from tests.support.learners import SimLearner, join_and_write
from tests.support.workshops import EXAMPLE, build_named
from wiw import classroom as cls
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.classroom.listing import class_logs
from wiw.classroom.seats import Seats, taken_seats
from wiw.classroom.state import read_file
from wiw.cli.main import main
from wiw.contract import (
    SEAT_LABEL,
    SEATS_STATUS,
    SHORT_ALPHABET,
    SHORT_GUESSES_PER_MINUTE,
    SHORT_LENGTH,
    STATE_DIR,
)
from wiw.engine.types import ContainerInfo
from wiw.planning import LearnerLimits

SEATS = 5
OPTIONS = ClassroomOptions(
    max_learners=10,
    concurrent_spawns=3,
    limits=LearnerLimits(memory="384m", cpus=1.0, pids=256),
    seats=SEATS,
)


@dataclass
class Seated:
    """The shared class, the learners who joined together, and when they did."""

    image: wiw.Image
    room: Classroom
    port: int
    joined_at: datetime
    learners: list[SimLearner] = field(default_factory=list)
    arrived_on: list[ContainerInfo] = field(default_factory=list)  # as they came, seats

    def containers(self) -> list[ContainerInfo]:
        """Every running container of the class that is a learner's or a seat's."""
        engine = self.image.engine
        found = []
        for cid in engine.containers_labelled(f"org.wiw.workshop={self.room.names.workshop}"):
            info = engine.container_info(cid)
            if info and info.running and info.labels.get("org.wiw.role") == "learner":
                found.append(info)
        return found

    def taken(self) -> dict[str, str]:
        """Each taken seat's learner, as the hub recorded it."""
        return taken_seats(self.image.engine, self.room.names, lambda: self.image.ref)

    def ready_ids(self) -> set[str]:
        """The seats the hub's service last found ready."""
        text = read_file(self.image.engine, self.room.names.hub, f"{STATE_DIR}/{SEATS_STATUS}")
        assert text is not None
        return set(json.loads(text)["ready_ids"])

    def start(self) -> None:
        """Start the class (again) and wait for its seats."""
        self.room = Classroom.start(self.image, OPTIONS, port=self.port)
        self.room.wait_until_ready(timeout=120)
        self.room.wait_for_seats(timeout=180)


@pytest.fixture(scope="module")
def shared_seated(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> Iterator[Seated]:
    """A class keeping five seats; five learners joined it at the same moment.

    Destroyed, volumes and all, at the end.
    """
    image = build_named(EXAMPLE, f"seats-{run_id}", example_image.engine, made_images)
    port = free_port()
    state = Seated(image, Classroom.start(image, OPTIONS, port=port), port, datetime.now(UTC))
    try:
        state.room.wait_until_ready(timeout=120)
        state.room.wait_for_seats(timeout=180)
        state.joined_at = datetime.now(UTC)
        names = ["Ada", "Grace", "Émilie", "Katherine", "Mary"]
        with ThreadPoolExecutor(max_workers=SEATS) as pool:
            joining = [pool.submit(join_and_write, state.room.join_url, n) for n in names]
            state.learners = [future.result() for future in joining]
        state.arrived_on = [c for c in state.containers() if SEAT_LABEL in c.labels]
        yield state
    finally:
        for learner in state.learners:
            learner.close()
        cls.destroy(state.room.names.workshop, confirm=True, engine=image.engine)


@pytest.fixture
def seated(shared_seated: Seated) -> Seated:
    """The shared class, running with its seats ready, every learner's server answering."""
    if not shared_seated.image.engine.container_running(shared_seated.room.names.hub):
        shared_seated.start()
    for learner in shared_seated.learners:
        learner.rejoin()
    return shared_seated


def started(info: ContainerInfo) -> datetime:
    """When a container started."""
    assert info.started_at is not None
    return datetime.fromisoformat(info.started_at)


def test_five_learners_arriving_at_once_each_take_a_ready_seat(
    seated: Seated, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each lands on a seat started before they came; names shown; homes apart; seats refilled."""
    names = {learner.name for learner in seated.learners}
    taken = seated.taken()
    assert set(taken.values()) >= names  # every learner took a seat, none shared one
    assert len(taken) == len(set(taken.values()))
    prefix = seated.room.names.seat_prefix
    first = {seat for seat, who in taken.items() if who in names}
    theirs = [c for c in seated.arrived_on if c.labels[SEAT_LABEL] in first]
    assert len(theirs) == len(names)  # each on a container of its own, as they arrived
    for container in theirs:  # a learner's container now, started as a seat before they came
        assert not container.name.lstrip("/").startswith(prefix)
        assert started(container) < seated.joined_at
        assert "ALL" in container.cap_drop
        assert container.memory == 384 * 2**20
        assert container.pids_limit == 256
    for learner in seated.learners:
        files = learner.files()
        assert f"mine-{learner.name}.txt" in files
        assert "lesson01.ipynb" in files
        assert not {f"mine-{other}.txt" for other in names - {learner.name}} & files
    assert names <= {learner.name for learner in seated.room.learners()}
    seats = seated.room.wait_for_seats(timeout=180)
    running = [c for c in seated.containers() if not c.name.lstrip("/").startswith(prefix)]
    # Refilled as far as the cap allows now (seats count against it). A learner
    # who came back since the last refill (a test before this one) starts on
    # their own home, beside the ready seats, which are never culled while spare.
    spare = min(SEATS, OPTIONS.max_learners - len(running))
    assert seats is not None
    assert spare <= seats.ready <= SEATS
    assert seats == Seats(ready=seats.ready, starting=0, taken=len(taken), spare=SEATS)
    assert main(["status", seated.room.names.workshop, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["seats"]
    assert shown == {**seats.to_dict(), "total": seats.ready + len(taken)}


def test_a_seat_is_never_handed_out_again(seated: Seated) -> None:
    """A learner who leaves keeps their seat's home; the next newcomer gets another seat."""
    leaver = seated.learners[0]
    mine = {seat for seat, who in seated.taken().items() if who == leaver.name}
    assert len(mine) == 1
    leaver.stop_server()
    newcomer = join_and_write(seated.room.join_url, "Hedy")
    try:
        taken = seated.taken()
        assert [who for who in taken.values() if who == leaver.name] == [leaver.name]
        assert [seat for seat, who in taken.items() if who == "Hedy"] != list(mine)
        assert not mine & seated.ready_ids()
        leaver.rejoin()
        assert f"mine-{leaver.name}.txt" in leaver.files()
        assert "mine-Hedy.txt" not in leaver.files()
        volume = seated.room.names.seat_prefix + mine.pop()
        back = [c for c in seated.containers() if c.env.get("JUPYTERHUB_USER") == leaver.name]
        assert [m.source for c in back for m in c.mounts if m.target == "/home/learner"] == [
            volume
        ]
    finally:
        newcomer.close()


def test_a_restarted_hub_keeps_taken_seats_with_their_learners(seated: Seated) -> None:
    """The hub killed and started again: learners keep their seats; none is offered again."""
    before = seated.taken()
    seated.image.engine.container_remove(seated.room.names.hub)
    seated.start()
    assert seated.taken() == before
    assert not set(before) & seated.ready_ids()
    learner = seated.learners[1]
    learner.rejoin()
    assert f"mine-{learner.name}.txt" in learner.files()
    newcomer = join_and_write(seated.room.join_url, "Radia")
    try:
        after = seated.taken()
        assert {k: v for k, v in after.items() if k in before} == before
        radia = [seat for seat, who in after.items() if who == "Radia"]
        assert radia, class_logs(seated.image.engine, seated.room.names.workshop)[-3000:]
        assert radia[0] not in before
    finally:
        newcomer.close()


def test_down_leaves_no_seat_running_and_collect_names_everyone(
    seated: Seated, tmp_path: Path
) -> None:
    """``wiw down`` removes every seat; collect gets each learner's work under their name."""
    workshop = seated.room.names.workshop
    assert main(["down", workshop]) == 0
    assert seated.image.engine.containers_labelled(f"org.wiw.workshop={workshop}") == []
    folders = cls.collect_work(workshop, tmp_path, engine=seated.image.engine)
    by_name = {folder.name: folder for folder in folders}
    for learner in seated.learners:
        mine = by_name[learner.name] / f"mine-{learner.name}.txt"
        assert mine.read_text() == learner.name
    assert not any(name.startswith(seated.room.names.seat_prefix) for name in by_name)


def test_the_short_address_reaches_the_join_page_and_guessing_is_refused(seated: Seated) -> None:
    """Typed as shown, it leads to the join page; past ten wrong guesses a minute: 429."""
    short = seated.room.short_url
    assert short is not None
    origin = seated.room.join_url.removesuffix(f"{seated.room.state.join_secret}/")
    assert short.startswith(origin)
    assert len(short.removeprefix(origin)) == SHORT_LENGTH + 2
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(short.upper())
        assert page.status_code == 200
        assert "Join the workshop" in page.text
        assert str(page.url).startswith(seated.room.join_url)
        others = [c for c in SHORT_ALPHABET if c != short[-1]]
        wrong = [
            browser.get(short[:-1] + c).status_code for c in others[:SHORT_GUESSES_PER_MINUTE]
        ]
        assert wrong == [404] * SHORT_GUESSES_PER_MINUTE
        assert browser.get(short[:-1] + others[-1]).status_code == 429
        refused = browser.get(short)
        assert refused.status_code == 429  # the right address too, from this device, for now
        assert refused.headers["Retry-After"] == "60"
        assert seated.room.state.join_secret not in refused.text


def test_a_class_list_offers_its_names_and_each_is_taken_once(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """``--roster``: the join page lists the free names; a listed name, once; no other name."""
    image = build_named(EXAMPLE, f"roster-{run_id}", example_image.engine, made_images)
    options = replace(OPTIONS, seats=0, roster=("Ada Lovelace", "Grace Hopper"))
    room = Classroom.start(image, options, port=free_port())
    learners = [SimLearner(room.join_url) for _ in range(3)]
    try:
        room.wait_until_ready(timeout=120)
        ada, again, stranger = learners
        ada.join("ada lovelace")
        assert ada.name == "Ada Lovelace"  # as the list writes it
        ada.wait_for_lab()
        refused = again.join("ADA LOVELACE")
        assert refused.status_code == 409
        assert "already in the class" in refused.text
        assert '<option value="Grace Hopper">' in refused.text
        assert '<option value="Ada Lovelace">' not in refused.text
        unlisted = stranger.join("Eve")
        assert unlisted.status_code == 409
        assert "not on the class list" in unlisted.text
        assert [u.name for u in room.learners()] == ["Ada Lovelace"]
    finally:
        for learner in learners:
            learner.close()
        cls.destroy(room.names.workshop, confirm=True, engine=image.engine)
