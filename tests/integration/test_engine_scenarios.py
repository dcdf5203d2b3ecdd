"""The fake engine's answers hold on the real one: the same scenarios, run on Docker."""

from __future__ import annotations

from pathlib import Path

import pytest

import wiw
from tests.support.scenarios import SCENARIOS, Scenario

# Made by .ci/base-image.sh where no registry answers; it can run ``sleep``.
BASE = "debian:bookworm-slim"


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_real_engine_answers_as_the_fake_does(
    scenario: Scenario, engine: wiw.Engine, run_id: str, tmp_path: Path
) -> None:
    """Each scenario's calls give the results and errors the fake engine gives."""
    assert engine.image_info(BASE) is not None, f"{BASE} is missing (.ci/base-image.sh makes it)"
    scenario(engine, f"wiw-scenario-{run_id}", BASE, tmp_path)
