"""The mutation score is judged module by module, and equivalent mutants carry a reason."""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest

from tests.mutation import score


def test_the_floor_applies_to_each_module_not_to_the_total() -> None:
    """A weak module fails the floor even when the others lift the total above it."""
    total = Counter({"wiw.qr": 100, "wiw.events": 10, "wiw.waiting": 10})
    killed = Counter({"wiw.qr": 100, "wiw.events": 8, "wiw.waiting": 9})
    assert score.below_floor(killed, total, 90.0) == ["wiw.events"]
    assert score.below_floor(killed, total, 80.0) == []
    assert score.below_floor(killed, total, 100.0) == ["wiw.events", "wiw.waiting"]


def test_a_module_exactly_at_the_floor_passes() -> None:
    """90 killed of 100 meets a floor of 90 %."""
    assert score.below_floor(Counter({"m": 90}), Counter({"m": 100}), 90.0) == []


def test_main_fails_when_one_module_is_below_the_floor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Survivors of one module fail the run and are named; equivalent ones are left out."""
    found = {f"wiw.qr.x_a__mutmut_{n}": "killed" for n in range(1, 20)}
    found |= {"wiw.events.x_b__mutmut_1": "killed", "wiw.events.x_b__mutmut_2": "survived"}
    monkeypatch.setattr(score, "results", lambda: found)
    assert score.main(["--floor", "90"]) == 1
    out = capsys.readouterr().out
    assert "below the floor of 90 %: wiw.events" in out
    assert "survived: wiw.events.x_b__mutmut_2" in out
    assert score.main(["--floor", "50"]) == 0


def test_mutant_names_are_grouped_by_module() -> None:
    """Functions and methods alike belong to the module before their mangled name."""
    assert score.module_of("wiw.build.selection.x__reason__mutmut_22") == "wiw.build.selection"
    assert score.module_of("wiw.events.xǁEventStreamǁemit__mutmut_6") == "wiw.events"
    assert score.module_of("jupyterhub.hub.wiw_auth.x_join__mutmut_2") == "jupyterhub.hub.wiw_auth"


def test_every_equivalent_mutant_is_named_with_its_reason() -> None:
    """Each entry names a mutant of wiw or of an image script and says why it cannot matter."""
    table = tomllib.loads((score.HERE / "equivalent.toml").read_text())["equivalent"]
    for name, reason in table.items():
        assert name.startswith(("wiw.", "jupyterhub.")), name
        assert "__mutmut_" in name, name
        assert isinstance(reason, str), name
        assert len(reason) > 20, name


def test_every_module_is_mutated_or_excluded_with_its_reason() -> None:
    """src/wiw and jupyterhub/: each Python module in only_mutate or excluded.toml, not both."""
    root = score.HERE.parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    mutated = set(config["only_mutate"])
    excluded = tomllib.loads((score.HERE / "excluded.toml").read_text())["excluded"]
    modules = {
        str(path.relative_to(root))
        for folder in ("src/wiw", "jupyterhub")
        for path in (root / folder).rglob("*.py")
    }
    assert modules - mutated - set(excluded) == set()  # a new module: mutate it, or say why not
    assert mutated & set(excluded) == set()
    assert (mutated | set(excluded)) - modules == set()  # no module that is gone
    assert all(len(reason) > 10 for reason in excluded.values())
