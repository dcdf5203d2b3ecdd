"""Zero-to-JupyterHub values validate against the chart's schema, as Helm would check them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from wiw import errors
from wiw.classroom import ClassroomOptions
from wiw.export import TEMPORARY_LOGIN, write_z2jh_values, z2jh_values
from wiw.planning import LearnerLimits

# The chart's schema and default values, structure only (made by 'nox -s z2jh_data').
CHART = Path(__file__).parents[1] / "data" / "z2jh"
IMAGE = "registry.example.org/course/intro:2026-11-25@sha256:" + "a" * 64


def chart_file(name: str) -> Any:
    """One of the chart's files, kept in the repository."""
    return yaml.safe_load((CHART / name).read_text())


def deep_merge(base: Any, override: Any) -> Any:
    """Merge values the way Helm does: dicts key by key, everything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(override)


def validate(values: dict[str, Any]) -> None:
    """Validate exported values merged onto the chart's defaults with a Draft-7 validator."""
    merged = deep_merge(chart_file("values.yaml"), values)
    jsonschema.Draft7Validator(chart_file("values.schema.yaml")).validate(merged)


def test_default_export_validates() -> None:
    """The values for a pushed image pass the chart's schema."""
    validate(z2jh_values(IMAGE))


def test_sized_export_validates_and_carries_the_limits(tmp_path: Path) -> None:
    """Limits, caps and culling from wiw's sizing reach the chart, and the file round-trips."""
    options = ClassroomOptions(
        max_learners=80, cull_after=1800, limits=LearnerLimits(memory="768m", cpus=0.5)
    )
    values = z2jh_values(IMAGE, options=options, join_secret="abc123secret")
    validate(values)
    written = yaml.safe_load(write_z2jh_values(values, tmp_path / "values.yaml").read_text())
    assert written == values
    user = written["singleuser"]
    assert user["memory"]["limit"] == "768Mi"
    assert user["cpu"]["limit"] == 0.5
    assert user["image"] == {
        "name": "registry.example.org/course/intro",
        "tag": "2026-11-25@sha256:" + "a" * 64,
        "pullPolicy": "IfNotPresent",
    }
    assert user["storage"]["homeMountPath"] == "/home/learner"
    assert written["hub"]["baseUrl"] == "/abc123secret/"
    assert written["hub"]["activeServerLimit"] == 80
    assert written["cull"] == {"enabled": True, "timeout": 1800, "every": 60}
    assert written["prePuller"]["continuous"]["enabled"] is True


def test_a_mistake_is_caught_by_the_schema() -> None:
    """The validation is real: a value of the wrong type fails it."""
    values = z2jh_values(IMAGE)
    values["singleuser"]["uid"] = "learner"
    with pytest.raises(jsonschema.ValidationError):
        validate(values)


def test_temporary_login_is_plain_python_for_the_hub() -> None:
    """The temporary login compiles and sets allow_all, which JupyterHub 5+ requires."""
    compile(TEMPORARY_LOGIN, "wiw-temporary-login", "exec")
    assert "c.Authenticator.allow_all = True" in TEMPORARY_LOGIN


def test_untagged_image_is_refused() -> None:
    """An image without a tag cannot be deployed by the chart."""
    with pytest.raises(errors.InvalidName):
        z2jh_values("registry.example.org/course/intro")
