"""jupyterhub_config.py, run against a stub config with the settings wiw hands the hub.

The configuration runs inside the image, where JupyterHub and DockerSpawner
are installed; here those modules are stand-ins with the same names, so that
the configuration's own logic runs and its resulting settings can be checked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import sys
import types
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

import pytest

import wiw.contract
from tests.support.hubside import load_support_module, run_support_script
from wiw.classroom.contract import Names, hub_env
from wiw.classroom.lifecycle import ClassroomOptions, _settings
from wiw.classroom.state import ClassroomState
from wiw.planning import LearnerLimits
from wiw.resources import support_file

CONFIG = support_file("hub/jupyterhub_config.py")


class Section(dict[str, Any]):
    """One configurable class's settings (``c.JupyterHub``): attributes stored as items."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


class StubConfig:
    """What ``get_config()`` returns: sections made on first use, as attributes or items."""

    def __init__(self) -> None:
        self.sections: dict[str, Section] = {}

    def __getattr__(self, name: str) -> Section:
        return self.sections.setdefault(name, Section())

    def __getitem__(self, name: str) -> Section:
        return self.sections.setdefault(name, Section())


class StubSpawner:
    """DockerSpawner as far as the configuration uses it; records what it is asked."""

    http_timeout = 120
    volumes: ClassVar[set[str]] = set()  # the home volumes the engine holds
    asked: ClassVar[list[tuple[Any, ...]]] = []
    answers: ClassVar[dict[str, Any]] = {}  # what the engine answers, by method
    log = logging.getLogger("spawner")

    def get_env(self) -> dict[str, str]:
        """The settings a server gets (one, here)."""
        return {"JUPYTERHUB_USER": self.user.name}  # type: ignore[attr-defined]

    async def create_object(self) -> dict[str, str]:
        """Make a service of the learner's own."""
        self.asked.append(("create_object",))
        return {"ID": "own"}

    def clear_state(self) -> None:
        """Forget the server's service (recorded)."""
        self.asked.append(("clear_state",))

    def format_volume_name(self, template: str, spawner: object) -> str:
        """The volume name, as DockerSpawner renders it."""
        return template.replace("{username}", self.user.name)  # type: ignore[attr-defined]

    async def start(self) -> tuple[str, int]:
        """Record the start, with the image."""
        self.asked.append(("start", self.image))  # type: ignore[attr-defined]
        return "10.0.0.7", 8888

    async def docker(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Record the call; answer as ``answers`` says (a missing volume: an error)."""
        self.asked.append((method, *args, kwargs))
        if method == "inspect_volume" and args[0] not in self.volumes:
            raise Missing(self.not_found)  # type: ignore[attr-defined]
        answer = self.answers.get(method)
        return answer(*args, **kwargs) if callable(answer) else answer

    def get_state(self) -> dict[str, Any]:
        """The state the test gave."""
        return dict(self.state)

    def load_state(self, state: dict[str, Any]) -> None:
        """Keep the state given."""
        self.state = dict(state)


def stub_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the hub-side packages the configuration imports."""
    Spawner = StubSpawner

    async def wait_for_http_server(url: str, *, timeout: int) -> None:
        Spawner.asked.append(("wait", url, timeout))

    class ThreadedResolver:
        async def resolve(self, host: str, port: int, family: int) -> list[Any]:
            return [(host, port, family, self._loop)]  # type: ignore[attr-defined]

    fakes = {
        "aiohttp": types.ModuleType("aiohttp"),
        "aiohttp.resolver": types.ModuleType("aiohttp.resolver"),
        "docker": types.ModuleType("docker"),
        "docker.types": types.ModuleType("docker.types"),
        "dockerspawner": types.ModuleType("dockerspawner"),
        "jupyterhub": types.ModuleType("jupyterhub"),
        "jupyterhub.utils": types.ModuleType("jupyterhub.utils"),
        "jupyterhub.handlers": types.ModuleType("jupyterhub.handlers"),
        "jupyterhub.handlers.static": types.ModuleType("jupyterhub.handlers.static"),
        "traitlets": types.ModuleType("traitlets"),
        "wiw_auth": types.ModuleType("wiw_auth"),
    }
    fakes["wiw_auth"].JoinAuthenticator = type("JoinAuthenticator", (), {})  # type: ignore[attr-defined]
    fakes["wiw_auth"].PasswordAuthenticator = type("PasswordAuthenticator", (), {})  # type: ignore[attr-defined]
    fakes["aiohttp.resolver"].ThreadedResolver = ThreadedResolver  # type: ignore[attr-defined]
    fakes["docker.types"].Mount = dict  # type: ignore[attr-defined]
    fakes["dockerspawner"].DockerSpawner = type("DockerSpawner", (Spawner,), {})  # type: ignore[attr-defined]
    fakes["dockerspawner"].SwarmSpawner = type("SwarmSpawner", (Spawner,), {})  # type: ignore[attr-defined]
    fakes["jupyterhub.utils"].wait_for_http_server = wait_for_http_server  # type: ignore[attr-defined]
    fakes["traitlets"].default = lambda name: lambda f: f  # type: ignore[attr-defined]
    static = fakes["jupyterhub.handlers.static"]
    static.CacheControlStaticFilesHandler = type("CacheControlStaticFilesHandler", (), {})  # type: ignore[attr-defined]
    for name, module in fakes.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(sys.modules, "wiw_contract", wiw.contract)  # the image's copy
    # Beside the configuration in the image (/etc/jupyterhub), in shared/ here.
    monkeypatch.setitem(sys.modules, "wiw_static", load_support_module("wiw_static"))


def run_config(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    options: ClassroomOptions,
    *,
    drop: str | None = None,
    tls: bool = False,
    public_url: str | None = None,
) -> tuple[StubConfig, dict[str, Any], ClassroomState]:
    """Execute the configuration with the environment ``hub_env`` gives; return its settings."""
    stub_modules(monkeypatch)
    fields = {**ClassroomState.new().__dict__, "port": 41000, "public_url": public_url}
    state = ClassroomState(**fields)
    state_dir = tmp_path / "srv" / "wiw"
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text(state.to_json())
    (state_dir / "password").write_text(options.password or "")
    env = hub_env(Names("intro"), _settings("wiw/intro:1", options, tls=tls))
    env["WIW_STATE_DIR"] = str(state_dir)
    for key in [k for k in list(__import__("os").environ) if k.startswith("WIW_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key != drop:
            monkeypatch.setenv(key, value)
    config = StubConfig()
    namespace = run_support_script("jupyterhub_config", {"get_config": lambda: config})
    return config, namespace, state


OPTIONS = ClassroomOptions(
    max_learners=7,
    concurrent_spawns=2,
    cull_after=600,
    limits=LearnerLimits(memory="768m", cpus=0.5, pids=128),
)


def test_settings_reach_jupyterhub_and_dockerspawner(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Caps, limits, names, labels and paths decided by wiw are what the hub configures."""
    c, namespace, state = run_config(monkeypatch, tmp_path, OPTIONS)
    hub, spawner = c.JupyterHub, c.DockerSpawner
    assert hub.bind_url == f"http://0.0.0.0:8000/{state.join_secret}/"
    assert hub.hub_connect_ip == "wiw-intro-hub"
    assert hub.active_server_limit == 7
    assert namespace["CONCURRENT_SPAWNS"] == 2
    assert hub.db_url.endswith("/srv/jupyterhub.sqlite")
    assert spawner.image == "wiw/intro:1"
    assert spawner.pull_policy == "never"
    assert spawner.network_name == "wiw-intro"
    assert spawner.name_template == "wiw-intro-learner-{username}"
    assert spawner.notebook_dir == "/home/learner"
    assert spawner.mem_limit == 768 * 2**20
    assert spawner.cpu_limit == 0.5
    assert spawner.extra_host_config["pids_limit"] == 128
    assert spawner.extra_host_config["cap_drop"] == ["ALL"]
    assert spawner.extra_host_config["security_opt"] == ["no-new-privileges:true"]
    learner = namespace["QueuedDockerSpawner"]()
    learner.user = types.SimpleNamespace(name="ada lovelace")
    (mount,) = learner.mounts
    assert mount["source"] == "wiw-intro-home-ada lovelace"  # the template, for this learner
    assert mount["target"] == "/home/learner"
    assert mount["labels"]["org.wiw.role"] == "learner-home"
    assert mount["labels"]["org.wiw.learner"] == "ada lovelace"  # whose home it is
    assert spawner.extra_create_kwargs["labels"]["org.wiw.role"] == "learner"
    services = {s["name"]: s for s in hub.services}
    assert services["wiw"]["api_token"] == state.api_token
    assert "--timeout=600" in services["idle-culler"]["command"]
    assert c.JupyterHub.authenticator_class.__name__ == "JoinAuthenticator"
    assert c.JoinAuthenticator.instructor == "instructor"
    assert c.JoinAuthenticator.instructor_key == state.instructor_secret
    roles = {r["name"]: r for r in hub.load_roles}
    assert roles["wiw-instructor"]["users"] == ["instructor"]
    assert {"admin-ui", "access:servers", "servers"} <= set(roles["wiw-instructor"]["scopes"])
    assert "access:servers" not in roles["wiw-service"]["scopes"]
    assert c.ConfigurableHTTPProxy.command[-1].endswith("/wiw_proxy.py")
    assert "ssl_cert" not in c.JupyterHub
    assert "public_url" not in c.JupyterHub


def test_https_and_a_public_url_reach_the_hub(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With TLS the hub binds https, with the certificate on its volume.

    A public URL (a reverse proxy in front) becomes JupyterHub's public_url,
    secret path included.
    """
    c, _, state = run_config(
        monkeypatch, tmp_path, OPTIONS, tls=True, public_url="https://workshop.example.org/"
    )
    assert c.JupyterHub.bind_url.startswith("https://0.0.0.0:8000/")
    assert c.JupyterHub.ssl_cert.endswith("/tls.crt")
    assert c.JupyterHub.ssl_key.endswith("/tls.key")
    assert c.JupyterHub.public_url == f"https://workshop.example.org/{state.join_secret}/"


def test_shared_password_comes_from_the_state_volume(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The class password is read from its file, not from the environment."""
    options = ClassroomOptions(auth="shared-password", password="open sesame 42")
    c, _, _ = run_config(monkeypatch, tmp_path, options)
    assert c.JupyterHub.authenticator_class.__name__ == "PasswordAuthenticator"
    assert c.PasswordAuthenticator.user_password == "open sesame 42"
    assert c.PasswordAuthenticator.instructor_key  # the instructor's door is there too


def test_swarm_classrooms_use_services_reached_directly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On Swarm, learners are services (DNS round-robin) that nodes pull as needed."""
    options = ClassroomOptions(backend="swarm")
    c, namespace, _ = run_config(monkeypatch, tmp_path, options)
    assert c.JupyterHub.spawner_class is namespace["QueuedSwarmSpawner"]
    assert c.DockerSpawner.pull_policy == "skip"
    assert c.SwarmSpawner.extra_endpoint_spec == {"mode": "dnsrr"}
    # A re-created service has a new address: the hub looks it up at every connection.
    connector = c.JupyterHubHTTPClient.connector_options
    assert connector["use_dns_cache"] is False
    assert isinstance(connector["resolver"], namespace["FreshLookups"])
    assert c.Spawner.http_timeout > 120


@pytest.mark.parametrize("missing", sorted(hub_env(Names("x"), _settings("x:1", OPTIONS))))
def test_a_missing_setting_stops_the_hub(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, missing: str
) -> None:
    """Every setting is read strictly: without it, the hub refuses to start, naming it."""
    with pytest.raises(SystemExit) as stopped:
        run_config(monkeypatch, tmp_path, OPTIONS, drop=missing)
    assert missing in str(stopped.value)


def test_the_contract_is_complete_both_ways() -> None:
    """The configuration reads exactly the settings wiw passes."""
    read = set(re.findall(r'need\("(WIW_[A-Z_]+)"\)', CONFIG.read_text()))
    read |= set(re.findall(r"need\('(WIW_[A-Z_]+)'\)", CONFIG.read_text()))
    given = set(hub_env(Names("x"), _settings("x:1", OPTIONS)))
    assert read == given


def test_labels_are_json_the_hub_can_read() -> None:
    """Labels travel as JSON objects of strings."""
    env = hub_env(Names("intro"), _settings("wiw/intro:1", OPTIONS))
    for key in ("WIW_LEARNER_LABELS", "WIW_HOME_LABELS"):
        labels = json.loads(env[key])
        assert labels["org.wiw.workshop"] == "intro"
        assert all(isinstance(v, str) for v in labels.values())


def learner_spawner(namespace: dict[str, Any], kind: str, name: str) -> Any:
    """A learner's spawner of the configuration's class ``kind``, against the stand-ins."""
    spawner = namespace[kind]()
    spawner.user = types.SimpleNamespace(name=name)
    spawner.server = types.SimpleNamespace(base_url=f"/user/{name}/")
    spawner.not_found = namespace["NOT_FOUND"]
    spawner.asked.clear()
    spawner.volumes.clear()
    spawner.answers.clear()
    return spawner


class Missing(Exception):
    """What the engine's client raises for a missing volume: an HTTP status."""

    def __init__(self, status_code: int) -> None:
        super().__init__(status_code)
        self.status_code = status_code


def test_a_learners_first_start_makes_their_home_labelled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A missing home volume is created with its labels first; an existing one is reused.

    The server is then started from the image and waited for at its API URL,
    within the spawner's HTTP timeout.
    """
    _, namespace, _ = run_config(monkeypatch, tmp_path, OPTIONS)
    spawner = learner_spawner(namespace, "QueuedDockerSpawner", "ada")
    assert asyncio.run(spawner.start()) == ("10.0.0.7", 8888)
    inspect, create, start, wait = spawner.asked
    assert inspect == ("inspect_volume", "wiw-intro-home-ada", {})
    assert create[0] == "create_volume"
    assert create[-1]["name"] == "wiw-intro-home-ada"
    assert create[-1]["labels"]["org.wiw.learner"] == "ada"
    assert create[-1]["labels"]["org.wiw.role"] == "learner-home"
    assert start == ("start", "wiw/intro:1")
    assert wait == ("wait", "http://10.0.0.7:8888/user/ada/api", 120)
    spawner.asked.clear()
    spawner.volumes.add("wiw-intro-home-ada")
    assert asyncio.run(spawner.start()) == ("10.0.0.7", 8888)
    assert [step[0] for step in spawner.asked] == ["inspect_volume", "start", "wait"]


def test_an_engine_error_other_than_not_found_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only a missing volume is created; any other error is the start's failure."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, OPTIONS)
    spawner = learner_spawner(namespace, "QueuedDockerSpawner", "ada")
    spawner.not_found = namespace["NOT_FOUND"] + 96  # a server error instead
    with pytest.raises(Missing):
        asyncio.run(spawner.start())
    assert [step[0] for step in spawner.asked] == ["inspect_volume"]
    spawner.asked.clear()
    spawner.docker = _failing_client(spawner)
    with pytest.raises(OSError, match="engine gone"):
        asyncio.run(spawner.start())
    assert [step[0] for step in spawner.asked] == ["inspect_volume"]


def _failing_client(spawner: Any) -> Any:
    """The engine's client failing with an error that carries no HTTP status."""

    async def docker(method: str, *args: Any, **kwargs: Any) -> None:
        spawner.asked.append((method, *args, kwargs))
        raise OSError("engine gone")

    return docker


def test_learners_start_from_the_image_wiw_update_switched_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The image named in the state folder's ``image`` file wins over WIW_IMAGE."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, OPTIONS)
    assert namespace["current_image"]() == "wiw/intro:1"
    (tmp_path / "srv" / "wiw" / "image").write_text("wiw/intro:2\n")
    assert namespace["current_image"]() == "wiw/intro:2"
    spawner = learner_spawner(namespace, "QueuedDockerSpawner", "ada")
    spawner.volumes.add("wiw-intro-home-ada")
    asyncio.run(spawner.start())
    assert ("start", "wiw/intro:2") in spawner.asked


def test_starts_queue_for_the_configured_number_of_slots(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """At most WIW_CONCURRENT_SPAWNS servers boot at once; the slots are shared by all."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, OPTIONS)
    queue = namespace["StartQueue"]
    monkeypatch.setattr(queue, "_slots", None)
    spawner = learner_spawner(namespace, "QueuedDockerSpawner", "ada")
    spawner.volumes.add("wiw-intro-home-ada")
    asyncio.run(spawner.start())
    slots = queue._slots
    assert isinstance(slots, asyncio.Semaphore)
    assert slots._value == 2  # OPTIONS.concurrent_spawns, all free again
    asyncio.run(spawner.start())
    assert queue._slots is slots


def test_a_swarm_learners_state_names_their_home_beside_its_node(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once the service has a node, the state names the home volume too ('wiw collect')."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(backend="swarm"))
    spawner = learner_spawner(namespace, "QueuedSwarmSpawner", "ada")
    spawner.state = {"node_id": "n1", "service_id": "s1"}
    assert spawner.get_state() == {
        "node_id": "n1",
        "service_id": "s1",
        "home_volume": "wiw-intro-home-ada",
    }
    spawner.state = {"node_id": "", "service_id": "s1"}
    assert spawner.get_state() == {"node_id": "", "service_id": "s1"}


def test_fresh_lookups_resolve_in_the_running_loop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each lookup goes to the system's resolver, from the loop running it, as asked."""
    c, _, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(backend="swarm"))
    resolver = c.JupyterHubHTTPClient.connector_options["resolver"]

    async def lookups() -> tuple[list[Any], list[Any], asyncio.AbstractEventLoop]:
        plain = await resolver.resolve("wiw-intro-ada")
        asked = await resolver.resolve("wiw-intro-ada", 8888, socket.AF_INET6)
        return plain, asked, asyncio.get_running_loop()

    plain, asked, loop = asyncio.run(lookups())
    assert plain == [("wiw-intro-ada", 0, socket.AF_INET, loop)]
    assert asked == [("wiw-intro-ada", 8888, socket.AF_INET6, loop)]


def seat_service(sid: str, node: str) -> dict[str, Any]:
    """A free seat's service as the engine lists it."""
    labels = {"org.wiw.workshop": "intro", "org.wiw.role": "learner", wiw.contract.SEAT_LABEL: sid}
    return {"ID": f"svc-{sid}", "CreatedAt": f"2026-12-06T04:00:0{sid[-1]}Z", "Spec": {
        "Name": f"wiw-intro-seat-{sid}", "Labels": labels,
        "TaskTemplate": {
            "ContainerSpec": {"Image": "wiw/intro:1", "Env": [f"WIW_SEAT_KEY=k-{sid}"]},
            "Placement": {"Constraints": [f"node.id=={node}"]},
        },
    }}  # fmt: skip


class Accepted:
    """A seat's answer to its hand-over: taken."""

    status = HTTPStatus.ACCEPTED

    def __enter__(self) -> Accepted:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def seat_doors(
    monkeypatch: pytest.MonkeyPatch, refusing: str
) -> list[tuple[str, str, dict[str, str]]]:
    """Seats' doors answering the hand-over (URL, key, settings recorded); ``refusing``'s fails."""
    handed: list[tuple[str, str, dict[str, str]]] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> Accepted:
        body = json.loads(request.data)  # type: ignore[arg-type]
        handed.append((request.full_url, request.get_header("Authorization") or "", body["env"]))
        if refusing in request.full_url:
            raise OSError("the seat answered 409")
        return Accepted()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return handed


def seat_container(sid: str) -> dict[str, Any]:
    """A free seat's container as the engine lists it."""
    labels = {"org.wiw.workshop": "intro", "org.wiw.role": "learner", wiw.contract.SEAT_LABEL: sid}
    return {"Id": f"c-{sid}", "Names": [f"/wiw-intro-seat-{sid}"], "ImageID": "sha256:one",
            "Created": int(sid[-1]), "Labels": labels}  # fmt: skip


def test_a_learner_takes_a_ready_seats_container_renamed_theirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A seat another start renamed first is skipped; one that refuses the settings is removed.

    The one taken gets the learner's name and CPU weight, their settings at
    its address with its key, and its home is theirs, in the state for good.
    """
    _, namespace, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(seats=3))
    state_dir = tmp_path / "srv" / "wiw"
    (state_dir / "seats.json").write_text(json.dumps({"ready_ids": ["s1", "s2", "s3"]}))
    handed = seat_doors(monkeypatch, refusing="10.0.0.2")

    def inspect(cid: str) -> dict[str, Any]:
        return {"Id": cid, "Config": {"Labels": {wiw.contract.SEAT_LABEL: cid[2:]},
                                      "Env": [f"WIW_SEAT_KEY=k-{cid}"]},
                "NetworkSettings": {"Networks": {namespace["NETWORK"]: {
                    "IPAddress": f"10.0.0.{cid[-1]}"}}}}  # fmt: skip

    def rename(cid: str, name: str) -> None:
        if cid == "c-s1":
            raise RuntimeError("409 Conflict: the name is in use")

    ada = learner_spawner(namespace, "QueuedDockerSpawner", "ada")
    ada.answers.update(containers=[seat_container(s) for s in ("s3", "s1", "s2")],
                       inspect_container=inspect, rename=rename)  # fmt: skip
    ada.image, ada._to_seat, ada.state = "sha256:one", True, {}
    ada.object_name = name = "wiw-intro-learner-ada"  # DockerSpawner's, from its template
    with caplog.at_level(logging.INFO, logger="spawner"):
        assert asyncio.run(ada.create_object())["Id"] == "c-s3"
    changes = {"rename", "update_container", "remove_container"}
    assert [a for a in ada.asked if a[0] in changes] == [
        ("rename", "c-s1", name, {}), ("rename", "c-s2", name, {}),
        ("update_container", "c-s2", {"cpu_shares": 1024}),
        ("remove_container", "c-s2", {"force": True}),
        ("rename", "c-s3", name, {}), ("update_container", "c-s3", {"cpu_shares": 1024}),
    ]  # fmt: skip
    assert [h[:2] for h in handed] == [
        ("http://10.0.0.2:8888/wiw-seat", "token k-c-s2"),
        ("http://10.0.0.3:8888/wiw-seat", "token k-c-s3"),
    ]
    assert caplog.messages == ["Seat s2 did not start ada's server; removed", "ada took seat s3"]
    assert json.loads((state_dir / "seats-taken.json").read_text()) == {"s3": "ada"}
    assert ada.home_volume == "wiw-intro-seat-s3"
    state = ada.get_state()
    assert state == {"seat_home": "wiw-intro-seat-s3"}
    again = learner_spawner(namespace, "QueuedDockerSpawner", "ada")  # a restarted hub
    again.load_state(state)
    assert again.home_volume == "wiw-intro-seat-s3"
    again.load_state({})
    assert again.home_volume == "wiw-intro-home-ada"


def test_no_seat_ready_gives_the_learner_a_home_of_their_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Seats kept, none ready: the learner's own labelled home, then their own container."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(seats=3))
    bob = learner_spawner(namespace, "QueuedDockerSpawner", "bob")
    bob.answers.update(containers=[])
    bob.image, bob._to_seat, bob.state = "sha256:one", True, {}
    assert asyncio.run(bob.create_object()) == {"ID": "own"}
    volume = [a for a in bob.asked if a[0] == "create_volume"]
    assert volume == [("create_volume", {"name": "wiw-intro-home-bob",
                                         "labels": bob.home_labels()})]  # fmt: skip
    assert bob.asked[-1] == ("create_object",)
    assert bob.get_state() == {}
    assert not bob._to_seat


@pytest.mark.parametrize(("seats", "node", "seat_home", "may_take"), [
    (1, "", "", True), (0, "", "", False), (2, "n1", "", False),
    (2, "", "wiw-intro-seat-s1", False),
])  # fmt: skip
def test_only_a_swarm_learner_new_to_a_class_with_seats_may_take_one(  # noqa: PLR0917
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seats: int, node: str, seat_home: str,
    may_take: bool,
) -> None:  # fmt: skip
    """No node and no seat's home yet, in a class that keeps seats."""
    _, namespace, _ = run_config(monkeypatch, tmp_path,
                                 ClassroomOptions(backend="swarm", seats=seats))  # fmt: skip
    eve = learner_spawner(namespace, "QueuedSwarmSpawner", "eve")
    here = {"ID": "n1", "Description": {"Hostname": "m"}, "Status": {"State": "ready"}}
    eve.answers.update(nodes=[here], inspect_node=here)
    eve.node_id, eve.seat_home = node, seat_home
    asyncio.run(eve.start())
    assert eve._to_seat is may_take


def test_a_swarm_learner_takes_a_ready_seats_service_its_home_and_its_node(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The first seat that takes the settings is theirs: its service, node and home, for good.

    A seat that refuses them is forgotten and removed; a stop forgets the
    seat's service name (a new service of the learner's own name follows).
    """
    _, namespace, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(backend="swarm", seats=2))
    state_dir = tmp_path / "srv" / "wiw"
    (state_dir / "seats.json").write_text(json.dumps({"ready_ids": ["s1", "s2"]}))
    handed = seat_doors(monkeypatch, refusing="seat-s1")
    ada = learner_spawner(namespace, "QueuedSwarmSpawner", "ada")
    ada.answers.update(services=[seat_service("s1", "n1"), seat_service("s2", "n2")],
                       inspect_node={"Description": {"Hostname": "worker-a"}})  # fmt: skip
    ada.image, ada._to_seat = "wiw/intro:1", True  # as a start sets them
    with caplog.at_level(logging.INFO, logger="spawner"):
        assert asyncio.run(ada.create_object()) == {"ID": "svc-s2"}
    assert caplog.messages == ["Seat s1 did not start ada's server; removed", "ada took seat s2"]
    assert [h[:2] for h in handed] == [
        ("http://wiw-intro-seat-s1:8888/wiw-seat", "token k-s1"),  # by its service's name
        ("http://wiw-intro-seat-s2:8888/wiw-seat", "token k-s2"),
    ]
    assert handed[1][2] == {"JUPYTERHUB_USER": "ada"}
    assert ("remove_service", "svc-s1", {}) in ada.asked
    assert json.loads((state_dir / "seats-taken.json").read_text()) == {"s2": "ada"}
    assert (ada.object_name, ada.node_id, ada.node_name) == ("wiw-intro-seat-s2", "n2", "worker-a")
    assert ada.home_volume == "wiw-intro-seat-s2"
    ada.clear_state()
    assert ada.object_name.startswith("wiw-intro-")
    assert ada.object_name != "wiw-intro-seat-s2"
    assert ada.home_volume == "wiw-intro-seat-s2"  # hers for good


def test_a_swarm_learner_with_a_node_or_with_no_seat_ready_gets_a_service_of_their_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only a learner new to the class takes a seat; none ready: their own service."""
    _, namespace, _ = run_config(monkeypatch, tmp_path, ClassroomOptions(backend="swarm", seats=2))
    bob = learner_spawner(namespace, "QueuedSwarmSpawner", "bob")
    here = {"ID": "n1", "Description": {"Hostname": "m"}, "Status": {"State": "ready"}}
    bob.answers.update(services=[], nodes=[here], inspect_node=here)
    asyncio.run(bob.start())
    assert bob._to_seat  # new to the class: may take one
    bob._to_seat = True
    assert asyncio.run(bob.create_object()) == {"ID": "own"}
    assert not bob._to_seat
    assert bob.seat_home == ""
    settled = learner_spawner(namespace, "QueuedSwarmSpawner", "eve")
    settled.node_id = "n1"
    settled.answers.update(inspect_node=here)
    asyncio.run(settled.start())
    assert not settled._to_seat
