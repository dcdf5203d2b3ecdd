"""Markers for the whole suite: everything under integration/ needs an engine."""

from __future__ import annotations

from pathlib import Path

import pytest

INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every integration test ``docker`` so ``-m "not docker"`` runs the rest."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(INTEGRATION):
            item.add_marker(pytest.mark.docker)
