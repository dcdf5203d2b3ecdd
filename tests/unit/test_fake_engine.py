"""The fake engine: the same scenarios as the real engine, and failures on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.scenarios import SCENARIOS, Scenario
from wiw import errors
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec
from wiw.waiting import Deadline

BASE = "debian:bookworm-slim"


@pytest.fixture
def fake() -> FakeEngine:
    """A fake engine holding the base image, as a machine after .ci/base-image.sh."""
    engine = FakeEngine()
    engine.add_image(BASE)
    return engine


def test_the_fake_is_a_container_engine(fake: FakeEngine) -> None:
    """It satisfies the protocol wiw is typed against (mypy checks this assignment)."""
    engine: ContainerEngine = fake
    assert engine.client_call == ["fake-engine"]


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_scenarios_on_the_fake(scenario: Scenario, fake: FakeEngine, tmp_path: Path) -> None:
    """Every scenario the real engine passes, the fake passes, and leaves nothing."""
    before = fake.inventory(images=True)
    scenario(fake, "wiw-scenario-unit", BASE, tmp_path)
    assert fake.inventory(images=True).minus(before) == {}


def test_a_failure_on_request_happens_once(fake: FakeEngine) -> None:
    """``fail`` raises the given error at the next call of that method only."""
    fake.fail("volume_create", errors.EngineUnavailable("gone"))
    with pytest.raises(errors.EngineUnavailable, match="gone"):
        fake.volume_create("v", {})
    fake.volume_create("v", {})
    assert fake.volume_labels("v") == {}
    assert fake.called("volume_create") == ["v", "v"]


def test_a_stopped_engine_fails_every_call(fake: FakeEngine) -> None:
    """With ``alive`` False, every call is EngineUnavailable, as with a dead daemon."""
    fake.alive = False
    with pytest.raises(errors.EngineUnavailable):
        fake.ping()
    with pytest.raises(errors.EngineUnavailable):
        fake.image_info(BASE)


def test_containers_that_exit_at_once_and_scripts(fake: FakeEngine) -> None:
    """``exits_at_start`` stops a container as it starts; ``scripts`` answer run_to_end."""
    fake.exits_at_start["crash-"] = (3, "boom")
    cid = fake.container_create(ContainerSpec(BASE, "crash-1", {}))
    fake.container_start(cid)
    assert fake.container_state(cid) == (False, 3)
    assert fake.container_logs(cid) == "boom"
    stream = fake.follow_logs(cid)
    assert list(stream.lines(Deadline(1))) == ["boom"]
    assert stream.ended
    fake.scripts["job-"] = lambda spec: (0, f"ran {spec.name}")
    assert fake.run_to_end(ContainerSpec(BASE, "job-1", {})) == (0, "ran job-1")
    assert fake.container_info("job-1") is None  # removed after its run


def test_builds_make_labelled_images_or_fail_part_way(fake: FakeEngine, tmp_path: Path) -> None:
    """A build's stream ends in a tagged image; told to fail, it stops with the lines so far."""
    args = ["build", "--iidfile", str(tmp_path / "iid"), "--tag", "wiw/x:latest",
            "--label", "wiw.managed=true", str(tmp_path)]  # fmt: skip
    lines = list(fake.stream(args))
    info = fake.image_info("wiw/x:latest")
    assert info is not None
    assert info.labels == {"wiw.managed": "true"}
    assert (tmp_path / "iid").read_text() == info.id
    assert lines[0].startswith("Step 1/")
    fake.build_fails_after = 2
    with pytest.raises(errors.EngineError) as failed:
        list(fake.stream([*args[:3], "--tag", "wiw/y:latest", str(tmp_path)]))
    assert failed.value.log_tail == fake.build_lines[:2]
    assert fake.image_info("wiw/y:latest") is None
    assert fake.open_streams == 0


def test_containers_carry_their_images_labels_under_their_own(fake: FakeEngine) -> None:
    """As Docker does: the image's labels, overridden by the container's own."""
    fake.add_image("wiw/x:1", {"org.wiw.role": "image", "org.wiw.workshop": "x"})
    cid = fake.container_create(ContainerSpec("wiw/x:1", "c", {"org.wiw.role": "learner"}))
    info = fake.container_info(cid)
    assert info is not None
    assert info.labels == {"org.wiw.role": "learner", "org.wiw.workshop": "x"}
    assert fake.containers_labelled("org.wiw.workshop=x") == [cid]
