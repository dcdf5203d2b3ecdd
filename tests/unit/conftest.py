"""Unit tests need no engine, and this fixture makes sure they use none."""

from __future__ import annotations

import pytest
from hypothesis import settings

from wiw import network

# Mutation testing (nox -s mutate) runs the tests traced, on a loaded machine:
# time limits there say nothing about a mutant ([tool.mutmut] picks this profile).
settings.register_profile("mutation", deadline=None)


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point wiw at an engine client that does not exist: any engine call fails loudly."""
    monkeypatch.setenv("WIW_ENGINE", "/nonexistent/engine-for-unit-tests")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS query leaves a unit test: names under example.org, .com and .net resolve.

    They resolve to a documentation address (RFC 5737); every other name does not.
    """

    def lookup(name: str, *, timeout: float = 0.0) -> tuple[str, ...]:
        known = name.rstrip(".").endswith(("example.org", "example.com", "example.net"))
        return ("203.0.113.10",) if known or name == "localhost" else ()

    monkeypatch.setattr(network, "lookup", lookup)
