"""The released chart wiw pins, and the hub image it deploys when the chart's JupyterHub is old.

The mixed-versions check itself (a hub of each of these versions serving the
workshop image's JupyterHub 6 single-user server) is
``tests/integration/test_chart_hub.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from packaging.version import Version

from tests.support.cli import run
from tests.support.pins import runtime_lock
from wiw.deploy import chart
from wiw.deploy.export import ExportRequest, export_z2jh
from wiw.deploy.z2jh import read_previous, z2jh_values
from wiw.engine.labels import parse_ref
from wiw.resources import support_file

IMAGE = "registry.example.org/course/intro:2026-11-25@sha256:" + "a" * 64
CHART = Path(__file__).parents[1] / "data" / "z2jh"
DERIVED = f"registry.example.org/course/intro-hub:{chart.CHART_VERSION}-jupyterhub-5.5.4"


def test_the_floor_is_the_one_the_runtime_keeps() -> None:
    """The runtime's requirements state the same floor, and its lock is above it."""
    text = support_file("requirements.txt").read_text(encoding="utf-8")
    assert f"jupyterhub >= {chart.JUPYTERHUB_FLOOR}" in text
    assert Version(runtime_lock()["jupyterhub"]) >= Version(chart.JUPYTERHUB_FLOOR)


def test_the_hub_is_moved_a_patch_release_within_the_charts_series() -> None:
    """At or above the floor; the chart's major.minor, so its database and KubeSpawner fit."""
    moved, own = Version(chart.HUB_JUPYTERHUB), Version(chart.CHART_JUPYTERHUB)
    assert moved >= Version(chart.JUPYTERHUB_FLOOR)
    assert moved.release[:2] == own.release[:2]
    assert moved > own


def test_the_pinned_chart_is_a_release_and_the_kept_data_is_its() -> None:
    """A plain version (no '-0.dev'), the same as the schema kept in tests/data."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart.CHART_VERSION)
    kept = yaml.safe_load((CHART / "chart.yaml").read_text())
    assert kept["version"] == chart.CHART_VERSION
    assert chart.CHART_HUB_IMAGE.endswith(f":{chart.CHART_VERSION}")


def test_a_chart_below_the_floor_gets_a_hub_image_beside_the_workshop() -> None:
    """REPOSITORY-hub:CHART-jupyterhub-VERSION, in the same registry (the same pull secret)."""
    assert chart.chart_hub_is_below_floor()
    made = chart.hub_image(IMAGE)
    assert made is not None
    assert made.ref == DERIVED


def test_a_chart_at_the_floor_keeps_its_own_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub image of wiw's when the chart's JupyterHub is new enough; a chosen one still wins."""
    monkeypatch.setattr(chart, "CHART_JUPYTERHUB", chart.JUPYTERHUB_FLOOR)
    assert not chart.chart_hub_is_below_floor()
    assert chart.hub_image(IMAGE) is None
    assert "image" not in z2jh_values(IMAGE)["hub"]
    chosen = chart.hub_image(IMAGE, parse_ref("example.org/hub:7@sha256:" + "b" * 64))
    assert chosen == chart.HubImage("example.org/hub", "7@sha256:" + "b" * 64)


def test_the_hub_dockerfile_is_the_charts_image_with_jupyterhub_moved() -> None:
    """FROM the released hub image, JupyterHub pinned, back to the chart's unprivileged user."""
    lines = [ln for ln in chart.hub_dockerfile().splitlines() if not ln.startswith("#")]
    assert lines == [
        f"FROM {chart.CHART_HUB_IMAGE}",
        "USER root",
        f'RUN pip install --no-cache-dir "jupyterhub=={chart.HUB_JUPYTERHUB}"',
        "USER jovyan",
    ]


def test_the_values_name_the_hub_image_and_still_validate() -> None:
    """hub.image in the values; with a named pull secret the hub pulls with it too."""
    values = z2jh_values(IMAGE, pull_secret="regcred")
    name, tag = DERIVED.rsplit(":", 1)
    assert values["hub"]["image"] == {"name": name, "tag": tag, "pullSecrets": ["regcred"]}
    merged = yaml.safe_load((CHART / "values.yaml").read_text())
    merged["hub"] |= values["hub"]
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    jsonschema.Draft7Validator(schema).validate(merged)


def test_an_export_writes_the_hub_dockerfile_and_builds_it_first(tmp_path: Path) -> None:
    """hub.Dockerfile beside the values; the first steps build and push the hub's image."""
    result = export_z2jh(ExportRequest(IMAGE, out=str(tmp_path / "class.yaml")))
    assert result.hub_dockerfile == tmp_path / "hub.Dockerfile"
    assert result.hub_dockerfile.read_text() == chart.hub_dockerfile()
    assert result.next_steps[:2] == (
        f"docker build -t {DERIVED} - < {tmp_path / 'hub.Dockerfile'}",
        f"docker push {DERIVED}",
    )
    assert result.next_steps[2].startswith("helm upgrade --install")


def test_an_update_keeps_a_chosen_hub_image_but_not_wiws_own(tmp_path: Path) -> None:
    """A hub image given with --hub-image stays; wiw's own follows wiw's chart version."""
    values = tmp_path / "values.yaml"
    export_z2jh(ExportRequest(IMAGE, out=str(values)))
    assert read_previous(values).hub_image is None
    export_z2jh(ExportRequest(IMAGE, out=str(values), hub_image="example.org/my-hub:3"))
    assert read_previous(values).hub_image == "example.org/my-hub:3"
    updated = export_z2jh(ExportRequest(IMAGE, update=str(values)))
    assert updated.values["hub"]["image"] == {"name": "example.org/my-hub", "tag": "3"}
    dockerfile = tmp_path / "hub.Dockerfile"
    assert updated.next_steps[0] == f"docker build -t example.org/my-hub:3 - < {dockerfile}"


def test_the_command_line_takes_a_hub_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--hub-image reaches the values; an untagged one is refused, with a hint for hub images."""
    out = tmp_path / "values.yaml"
    export = ("export", "z2jh", IMAGE, "--out", str(out), "--hub-image")
    code, stdout, _ = run(capsys, *export, "h.org/hub:2")
    assert code == 0, stdout
    assert "docker build -t h.org/hub:2" in stdout
    assert yaml.safe_load(out.read_text())["hub"]["image"] == {"name": "h.org/hub", "tag": "2"}
    code, _, stderr = run(capsys, *export, "h.org/hub")
    assert code != 0
    assert "names no tag" in stderr
    assert "hub image you built" in stderr
