"""Classroom decisions made as data: the hub's container, options and sizing."""

from __future__ import annotations

import json

import pytest

from wiw import errors
from wiw.classroom.contract import Names, hub_spec
from wiw.classroom.lifecycle import ClassroomOptions, _settings
from wiw.classroom.state import ClassroomState
from wiw.engine.types import ContainerSpec
from wiw.planning import QUEUE_BOUND, LearnerLimits, memory_bytes, plan_classroom


def spec(options: ClassroomOptions | None = None, *, public: bool = False) -> ContainerSpec:
    """The hub container of a test classroom of workshop 'intro'."""
    return hub_spec(
        Names("intro"),
        _settings("wiw/intro:1", options or ClassroomOptions()),
        bind="0.0.0.0" if public else "127.0.0.1",
        port=8000 if public else None,
    )


def test_hub_gets_the_socket_and_state_volume_and_listens_on_loopback() -> None:
    """Only the hub mounts the engine socket; its state lives on its own volume."""
    hub = spec()
    assert ("wiw-intro-hub", "/srv/wiw-hub") in hub.volumes
    assert ("/var/run/docker.sock", "/var/run/docker.sock") in hub.volumes
    assert hub.publish == [("127.0.0.1", None, 8000)]
    assert hub.network == "wiw-intro"
    assert hub.labels["org.wiw.role"] == "hub"
    learner_labels = json.loads(hub.envs["WIW_LEARNER_LABELS"])
    assert learner_labels["org.wiw.workshop"] == "intro"
    assert learner_labels["org.wiw.role"] == "learner"


def test_state_round_trips_and_has_long_secrets() -> None:
    """Join and instructor secrets have 192 random bits, the API token 256; they read back."""
    state = ClassroomState.new()
    assert len(state.join_secret) == 32  # 24 random bytes, URL-safe base64
    assert len(state.instructor_secret) == 32
    assert len(state.api_token) == 64  # 32 random bytes, hex
    other = ClassroomState.new()
    assert state.join_secret != other.join_secret
    assert state.instructor_secret != other.instructor_secret
    assert state.api_token != other.api_token
    assert state.instructor_secret not in state.join_url
    again = ClassroomState.from_json(state.to_json())
    assert again == state


def test_limits_reach_the_hub_as_settings() -> None:
    """Caps and limits are passed to the hub's configuration."""
    options = ClassroomOptions(
        max_learners=7, concurrent_spawns=2, cull_after=600,
        limits=LearnerLimits(memory="768m", cpus=0.5, pids=128),
    )  # fmt: skip
    hub = spec(options, public=True)
    assert hub.envs["WIW_MAX_LEARNERS"] == "7"
    assert hub.envs["WIW_CONCURRENT_SPAWNS"] == "2"
    assert hub.envs["WIW_CULL_AFTER"] == "600"
    assert hub.envs["WIW_MEM_LIMIT"] == str(768 * 2**20)
    assert float(hub.envs["WIW_CPU_LIMIT"]) == 0.5
    assert hub.envs["WIW_PIDS_LIMIT"] == "128"
    assert hub.publish == [("0.0.0.0", 8000, 8000)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: LearnerLimits(memory="lots"),
        lambda: LearnerLimits(memory="10m"),
        lambda: LearnerLimits(cpus=0),
        lambda: LearnerLimits(cpus=-1),
        lambda: LearnerLimits(pids=1),
        lambda: ClassroomOptions(max_learners=-1),
        lambda: ClassroomOptions(concurrent_spawns=0),
        lambda: ClassroomOptions(cull_after=1),
        lambda: ClassroomOptions(auth="shared-password", password="short"),
        lambda: ClassroomOptions(auth="shared-password"),
    ],
)
def test_absurd_options_are_refused(make: object) -> None:
    """Negative, tiny or missing settings raise InvalidOption with the range."""
    with pytest.raises(errors.InvalidOption):
        make()  # type: ignore[operator]


def test_password_is_not_shown_in_options_repr() -> None:
    """A shared password never shows in a printed options object."""
    options = ClassroomOptions(auth="shared-password", password="correct horse")
    assert "correct horse" not in repr(options)


@pytest.mark.parametrize(
    ("text", "size"), [("1g", 2**30), ("512m", 512 * 2**20), ("2048", 2048), ("1.5G", 3 * 2**29)]
)
def test_memory_strings(text: str, size: int) -> None:
    """Docker memory strings convert to bytes."""
    assert memory_bytes(text) == size


def test_plan_uses_the_measured_lesson_peak() -> None:
    """Heavier lessons mean fewer learners per machine and higher limits."""
    light = plan_classroom(learners=30, host_memory=8 * 2**30, host_cpus=2)
    heavy = plan_classroom(
        learners=30, host_memory=8 * 2**30, host_cpus=2, lesson_peak=900 * 2**20
    )
    assert light.fit > heavy.fit
    assert memory_bytes(heavy.limits.memory) > memory_bytes(light.limits.memory)
    assert memory_bytes(heavy.limits.memory) >= heavy.per_learner


def test_plan_warns_when_the_class_does_not_fit() -> None:
    """A class bigger than the machine holds is flagged, with the numbers."""
    plan = plan_classroom(learners=200, host_memory=4 * 2**30, host_cpus=2, lesson_peak=2**30)
    assert not plan.fits
    assert "does NOT fit" in plan.summary()
    assert str(plan.fit) in plan.summary()


def test_plan_rejects_nonsense() -> None:
    """Zero learners, no memory or no arrival window is a typed error."""
    with pytest.raises(errors.InvalidOption):
        plan_classroom(learners=0, host_memory=2**30, host_cpus=1)
    with pytest.raises(errors.InvalidOption):
        plan_classroom(learners=5, host_memory=2**30, host_cpus=1, arrival_window=0)


def test_plan_counts_cpu_as_well_as_memory() -> None:
    """The CPU rate follows cores over CPU-seconds; both capacities are in the summary."""
    plan = plan_classroom(learners=20, host_memory=64 * 2**30, host_cpus=2, cpu_per_learner=3.0)
    assert plan.joins_per_minute == pytest.approx(24.0)
    doubled = plan_classroom(learners=20, host_memory=64 * 2**30, host_cpus=4, cpu_per_learner=3.0)
    assert doubled.joins_per_minute == pytest.approx(48.0)
    text = plan.summary()
    assert f"holds about {plan.fit}" in text
    assert "about 24 learners a minute" in text
    assert "3 CPU-seconds each" in text


def test_plan_warns_when_the_class_would_queue() -> None:
    """A class that fits in memory but outruns the CPUs is warned about, not refused."""
    calm = plan_classroom(learners=20, host_memory=64 * 2**30, host_cpus=2, cpu_per_learner=3.0)
    assert calm.fits
    assert calm.queue_wait == 0
    assert not calm.queues
    assert "would wait" not in calm.summary()
    rush = plan_classroom(learners=100, host_memory=64 * 2**30, host_cpus=2, cpu_per_learner=3.0)
    assert rush.fits
    assert rush.queues
    assert rush.queue_wait == pytest.approx(100 * 60 / 24 - 60)
    assert "would wait about 190 s" in rush.summary()
    spread = plan_classroom(
        learners=100, host_memory=64 * 2**30, host_cpus=2, cpu_per_learner=3.0,
        arrival_window=300,
    )  # fmt: skip
    assert not spread.queues
    seated = plan_classroom(
        learners=100, host_memory=64 * 2**30, host_cpus=2, cpu_per_learner=3.0, seats=80
    )
    assert not seated.queues  # 20 start beside the seats: 50 s
    rush.require_fit()  # queueing is a warning, not a refusal


def test_plan_queue_bound_is_strict() -> None:
    """Exactly the bound does not warn; a second more does."""
    at = plan_classroom(learners=10, host_memory=64 * 2**30, host_cpus=1, cpu_per_learner=4.5,
                        arrival_window=60)  # fmt: skip
    assert at.queue_wait == pytest.approx(QUEUE_BOUND)
    assert not at.queues
    over = plan_classroom(learners=10, host_memory=64 * 2**30, host_cpus=1, cpu_per_learner=4.55,
                          arrival_window=60)  # fmt: skip
    assert over.queues
