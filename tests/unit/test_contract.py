"""The hub's container and settings, decided as data: every field the engine and hub read."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from wiw._version import __version__
from wiw.classroom.contract import HubSettings, Names, hub_env, hub_spec
from wiw.engine import labels as _labels

SETTINGS = HubSettings(
    image="registry.example.org/wiw/intro:2026-11",
    auth="shared-password",
    max_learners=25,
    concurrent_spawns=4,
    cull_after=1800,
    memory=768 * 2**20,
    cpus=1,
    pids=256,
    backend="swarm",
)


def test_the_hub_runs_jupyterhub_on_wiws_config_as_root_in_its_state_folder() -> None:
    """Image, name, command, user and working folder are what the hub needs."""
    spec = hub_spec(Names("intro"), SETTINGS, bind="127.0.0.1", port=None)
    assert spec.image == "registry.example.org/wiw/intro:2026-11"
    assert spec.name == "wiw-intro-hub"
    assert tuple(spec.command) == ("jupyterhub", "-f", "/etc/jupyterhub/jupyterhub_config.py")
    assert spec.user == "root"
    assert spec.workdir == "/srv/wiw-hub"


def test_the_hub_is_labelled_as_this_versions_hub_of_its_workshop() -> None:
    """The hub's labels say wiw made it, for which workshop, as what, with which version."""
    spec = hub_spec(Names("intro"), SETTINGS, bind="0.0.0.0", port=8000)
    assert dict(spec.labels) == {
        _labels.MANAGED: "true",
        _labels.WORKSHOP: "intro",
        _labels.ROLE: "hub",
        _labels.VERSION: __version__,
    }


def test_another_engine_socket_is_mounted_where_the_hub_expects_it() -> None:
    """A rootless or remote socket path on the host still appears at the usual path inside."""
    spec = hub_spec(
        Names("intro"), SETTINGS, bind="127.0.0.1", port=None,
        docker_socket="/run/user/1000/docker.sock",
    )  # fmt: skip
    assert list(spec.volumes) == [
        ("wiw-intro-hub", "/srv/wiw-hub"),
        ("/run/user/1000/docker.sock", "/var/run/docker.sock"),
    ]


def test_extra_environment_is_added_to_the_settings_and_wins() -> None:
    """Proxy variables join the hub's settings; a given value replaces wiw's own."""
    extra = {"HTTPS_PROXY": "http://proxy:3128", "WIW_CULL_AFTER": "60"}
    spec = hub_spec(Names("intro"), SETTINGS, bind="127.0.0.1", port=None, extra_env=extra)
    assert spec.envs["HTTPS_PROXY"] == "http://proxy:3128"
    assert spec.envs["WIW_CULL_AFTER"] == "60"
    assert spec.envs["WIW_IMAGE"] == SETTINGS.image


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("WIW_WORKSHOP", "intro"),
        ("WIW_IMAGE", "registry.example.org/wiw/intro:2026-11"),
        ("WIW_NETWORK", "wiw-intro"),
        ("WIW_HUB_NAME", "wiw-intro-hub"),
        ("WIW_HUB_PORT", "8000"),
        ("WIW_STATE_DIR", "/srv/wiw-hub/wiw"),
        ("WIW_HOME", "/home/learner"),
        ("WIW_LEARNER_NAME", "wiw-intro-learner-{username}"),
        ("WIW_HOME_VOLUME", "wiw-intro-home-{username}"),
        ("WIW_AUTH", "shared-password"),
        ("WIW_MAX_LEARNERS", "25"),
        ("WIW_CONCURRENT_SPAWNS", "4"),
        ("WIW_CULL_AFTER", "1800"),
        ("WIW_MEM_LIMIT", str(768 * 2**20)),
        ("WIW_CPU_LIMIT", "1.0"),
        ("WIW_PIDS_LIMIT", "256"),
        ("WIW_BACKEND", "swarm"),
        ("WIW_TLS", "0"),
        ("WIW_LEARNER_LABEL", "org.wiw.learner"),
    ],
)
def test_each_hub_setting_is_passed_as_text(key: str, value: str) -> None:
    """Names, paths, caps and limits reach the hub as the exact text its config parses."""
    assert hub_env(Names("intro"), SETTINGS)[key] == value


def test_a_hub_serving_https_is_told_so() -> None:
    """WIW_TLS is 1 when the hub serves HTTPS, 0 otherwise."""
    assert hub_env(Names("intro"), replace(SETTINGS, tls=True))["WIW_TLS"] == "1"
    assert hub_env(Names("intro"), replace(SETTINGS, tls=False))["WIW_TLS"] == "0"


def test_learners_and_their_homes_are_labelled_for_this_workshop_and_version() -> None:
    """The labels the hub puts on learners' servers and home volumes name their role."""
    env = hub_env(Names("intro"), SETTINGS)
    for key, role in (("WIW_LEARNER_LABELS", "learner"), ("WIW_HOME_LABELS", "learner-home")):
        assert json.loads(env[key]) == {
            _labels.MANAGED: "true",
            _labels.WORKSHOP: "intro",
            _labels.ROLE: role,
            _labels.VERSION: __version__,
        }
