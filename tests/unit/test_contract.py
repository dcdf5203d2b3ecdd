"""The hub's container and settings, decided as data: every field the engine and hub read."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from wiw import contract
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
    # By its full path: the lessons' environment, first on PATH, may hold a jupyterhub too.
    assert tuple(spec.command) == (
        "/opt/wiw/bin/jupyterhub",
        "-f",
        "/etc/jupyterhub/jupyterhub_config.py",
    )
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


# The roles and the name rules: what both sides of the contract read.
POWERS = {"admin-ui", "access:servers", "list:users", "servers", "read:users"}


def test_the_powers_check_can_fail() -> None:
    """``powers`` finds every scope that reaches beyond one's own user, filtered or not."""
    assert contract.powers(["self", "read:users:name!user=ada"]) == set()
    assert contract.powers(["access:servers!user=ada", "admin:groups", "list:users"]) == {
        "access:servers!user=ada", "admin:groups", "list:users",
    }  # fmt: skip


def test_only_the_instructor_holds_powers_over_others() -> None:
    """No role held by a user other than the instructor grants admin, access or listing scopes.

    Learners keep JupyterHub's own ``user`` role: wiw defines none for them, and
    the services' roles go to services only.
    """
    roles = contract.hub_roles("teacher")
    assert all(role["name"] != "user" for role in roles)  # learners' role stays JupyterHub's
    for role in roles:
        holders = set(role.get("users", [])) | set(role.get("groups", []))
        assert holders <= {"teacher"}, role
        if holders:
            assert contract.powers(role["scopes"]) >= POWERS
        else:
            assert "access:servers" not in contract.powers(role["scopes"])
            assert "admin-ui" not in role["scopes"]
    assert {r["name"] for r in roles} == {"wiw-service", "wiw-instructor", "idle-culler"}


def test_the_instructors_scopes_are_exactly_what_the_door_needs() -> None:
    """See every learner, start and stop their servers, open them; nothing beyond (no admin:*)."""
    assert sorted(contract.instructor_scopes()) == sorted(POWERS | {"read:servers"})
    assert not [s for s in contract.instructor_scopes() if s.startswith("admin:")]
    assert "delete:users" not in contract.culler_scopes()
    assert "delete:servers" in contract.culler_scopes()


@pytest.mark.parametrize("name", ["a" * 40, "é" * 40, "Ada Lovelace-Byron O'Neill 1815 to 1852x"])
def test_a_name_of_forty_characters_is_accepted(name: str) -> None:
    """Forty characters of any script is the longest name, and it is allowed."""
    assert len(contract.clean_name(name)) == contract.MAX_NAME
    assert contract.name_problem(contract.clean_name(name)) is None


def test_a_name_of_forty_one_characters_is_refused() -> None:
    """One more is refused, saying how many are allowed."""
    assert contract.name_problem("a" * 41) == "Please use at most 40 characters."


@pytest.mark.parametrize("name", ["instructor", "Instructor", "INSTRUCTOR", "iNsTrUcToR"])
def test_the_instructors_name_is_taken_in_any_case(name: str) -> None:
    """No learner takes the instructor's account, however they write it."""
    assert contract.name_problem(name) == "That name is taken. Please choose another."
    assert contract.name_problem(name, "teacher") is None


def test_settings_are_what_the_hub_is_handed() -> None:
    """The contract's list of settings is exactly what wiw hands the hub's container."""
    assert set(contract.SETTINGS) == set(hub_env(Names("intro"), SETTINGS))
    assert len(contract.SETTINGS) == len(set(contract.SETTINGS))


@pytest.mark.parametrize("name", ["<script>", "-ada", "", "ada/../bob"])
def test_a_name_with_other_characters_is_refused_saying_which_are_allowed(name: str) -> None:
    """The sentence the join page shows, as written."""
    assert contract.name_problem(name) == (
        "Please use letters, digits, spaces and - _ . ' only, starting with a letter."
    )


def test_the_services_hold_exactly_the_scopes_their_work_needs() -> None:
    """The wiw service reads who is active and where homes are; the culler also stops servers.

    Each role is held by its service alone, under the name the hub's
    configuration gives it (``c.JupyterHub.services``).
    """
    assert sorted(contract.service_scopes()) == [
        "admin:server_state", "list:users", "read:servers", "read:users", "read:users:activity",
    ]  # fmt: skip
    assert sorted(contract.culler_scopes()) == [
        "delete:servers", "list:users", "read:servers", "read:users:activity",
    ]  # fmt: skip
    service, instructor, culler = contract.hub_roles("teacher")
    assert service == {
        "name": "wiw-service",
        "services": ["wiw"],
        "scopes": contract.service_scopes(),
    }
    assert instructor["users"] == ["teacher"]
    assert culler == {
        "name": "idle-culler", "services": ["idle-culler"], "scopes": contract.culler_scopes(),
    }  # fmt: skip
