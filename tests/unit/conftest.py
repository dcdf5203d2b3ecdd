"""Unit tests need no engine, and this fixture makes sure they use none."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point wiw at an engine client that does not exist: any engine call fails loudly."""
    monkeypatch.setenv("WIW_ENGINE", "/nonexistent/engine-for-unit-tests")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
