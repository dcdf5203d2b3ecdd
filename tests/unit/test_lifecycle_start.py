"""Starting and finding a classroom, through the fake engine: what is made, kept and refused.

Each test pins what an instructor would see: the hub's exact container, the
network it joins, the files on the hub's volume, and each refusal word for word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import lifecycle
from wiw.classroom.contract import STATE_DIR, HubSettings, Names, hub_spec
from wiw.classroom.lifecycle import Classroom, ClassroomOptions, _settings, attach
from wiw.classroom.state import (
    PASSWORD_FILE,
    ROSTER_FILE,
    STATE_FILE,
    TLS_CERT,
    TLS_KEY,
    ClassroomState,
    TLSFiles,
    read_file,
)
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.lab.serve import ALL_INTERFACES, LOOPBACK
from wiw.planning import LearnerLimits

WORKSHOP = "intro"
NAMES = Names(WORKSHOP)
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


class NetworkEngine(FakeEngine):
    """The fake engine, keeping whether each network was asked to be an overlay."""

    def __init__(self) -> None:
        super().__init__()
        self.overlay: dict[str, bool] = {}

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> bool:
        """Record the overlay flag, then make the network as the fake does."""
        self.overlay[name] = overlay
        return super().network_ensure(name, labels, overlay=overlay)


@pytest.fixture
def fake() -> NetworkEngine:
    """An empty fake engine."""
    return NetworkEngine()


def workshop_image(fake: FakeEngine, tag: str = "latest") -> Image:
    """An image of the workshop, labelled as wiw labels the images it builds."""
    ref = f"wiw/{WORKSHOP}:{tag}"
    labels = {**_labels.labels_for(WORKSHOP, "image", __version__), _labels.REF: ref}
    fake.add_image(ref, labels)
    return Image(ref, engine=fake)


def hub_file(fake: FakeEngine, name: str) -> str | None:
    """A file of wiw's on the hub's volume, as the hub reads it."""
    return read_file(fake, NAMES.hub, f"{STATE_DIR}/{name}")


def hub_state(fake: FakeEngine) -> ClassroomState:
    """What the hub's volume remembers."""
    text = hub_file(fake, STATE_FILE)
    assert text is not None
    return ClassroomState.from_json(text)


def test_settings_carry_every_option_to_the_hub() -> None:
    """Each option becomes its hub setting; HTTPS only when asked."""
    options = ClassroomOptions(
        max_learners=12, concurrent_spawns=3, cull_after=900, auth="shared-password",
        password="12345678", limits=LearnerLimits(memory="1g", cpus=1.5, pids=300),
        backend="docker", seats=2, short_url=False,
    )  # fmt: skip
    expected = HubSettings(
        image="img", auth="shared-password", max_learners=12, concurrent_spawns=3,
        cull_after=900, memory=2**30, cpus=1.5, pids=300, backend="docker", tls=True, seats=2,
        short_url=False,
    )  # fmt: skip
    assert _settings("img", options, tls=True) == expected
    assert _settings("img", options).tls is False


def test_a_first_start_makes_the_hub_its_network_and_its_state(fake: NetworkEngine) -> None:
    """The defaults, the image's engine, loopback, a port the engine picks, the image's id."""
    image = workshop_image(fake)
    room = Classroom.start(image)
    hub = fake.containers[room.container_id]
    assert hub.spec == hub_spec(
        NAMES, _settings(image.id, ClassroomOptions()), bind=LOOPBACK, port=None,
        docker_socket=fake.api_socket(),
    )  # fmt: skip
    assert hub.running
    assert fake.networks[NAMES.network] == _labels.labels_for(WORKSHOP, "network", __version__)
    assert fake.overlay == {NAMES.network: False}
    assert room.engine is fake
    assert room.names == NAMES
    assert room.name == NAMES.hub
    assert room.port == hub.ports[8000]
    assert room.url is None
    assert room.notices == []
    assert repr(room) == f"Classroom('intro', port={room.port})"
    state = hub_state(fake)
    assert state == room.state
    assert (state.port, state.image, state.source) == (room.port, image.id, None)
    assert state.short is True
    assert room.join_url == f"http://127.0.0.1:{room.port}/{state.join_secret}/"
    assert room.instructor_url == f"{room.join_url}hub/instructor/{state.instructor_secret}"
    assert room.short_url is not None
    assert room.short_url.startswith(f"http://127.0.0.1:{room.port}/")
    assert hub_file(fake, PASSWORD_FILE) is None
    assert hub_file(fake, ROSTER_FILE) == "[]"  # no class list this time
    assert hub_file(fake, TLS_CERT) is None


def test_the_options_given_reach_the_hub(fake: NetworkEngine) -> None:
    """Public, a port, the socket, the password and the class list as given."""
    image = workshop_image(fake)
    options = ClassroomOptions(
        max_learners=5, docker_socket="/run/user/1000/docker.sock", short_url=False,
        roster=("Ada", "Zoë"),
    )  # fmt: skip
    room = Classroom.start(image, options, port=41234, public=True, host="127.0.0.1", engine=fake)
    hub = fake.containers[room.container_id]
    assert hub.spec == hub_spec(
        NAMES, _settings(image.id, options), bind=ALL_INTERFACES, port=41234,
        docker_socket="/run/user/1000/docker.sock",
    )  # fmt: skip
    assert room.port == 41234
    assert room.short_url is None
    assert hub_file(fake, ROSTER_FILE) == json.dumps(["Ada", "Zoë"], ensure_ascii=False)
    assert room.notices == []


def test_a_shared_password_goes_to_the_hubs_volume(fake: NetworkEngine) -> None:
    """The class password is a file of the hub's volume before the hub starts."""
    options = ClassroomOptions(auth="shared-password", password="correct horse")
    Classroom.start(workshop_image(fake), options, engine=fake)
    assert hub_file(fake, PASSWORD_FILE) == "correct horse"


def test_https_files_go_to_the_hubs_volume_and_the_hub_serves_https(
    fake: NetworkEngine, tmp_path: Path
) -> None:
    """With a certificate, the hub gets both files and its settings say HTTPS."""
    (tmp_path / "cert.pem").write_text(CERT)
    (tmp_path / "key.pem").write_text(KEY)
    tls = TLSFiles(tmp_path / "cert.pem", tmp_path / "key.pem")
    image = workshop_image(fake)
    room = Classroom.start(image, tls=tls, engine=fake)
    assert hub_file(fake, TLS_CERT) == CERT
    assert hub_file(fake, TLS_KEY) == KEY
    https = _settings(image.id, ClassroomOptions(), tls=True)
    expected = hub_spec(NAMES, https, bind=LOOPBACK, port=None)
    assert fake.containers[room.container_id].spec.envs == expected.envs
    assert room.join_url.startswith("https://")
    room.stop()
    again = Classroom.start(image, tls=True, engine=fake)  # kept: no files sent again
    assert again.join_url.startswith("https://")


def test_a_swarm_class_runs_the_image_by_name_on_an_overlay_network(fake: NetworkEngine) -> None:
    """On Swarm, nodes pull the image by its name; the network spans the nodes."""
    fake.manager = True
    image = workshop_image(fake)
    options = ClassroomOptions(backend="swarm")
    room = Classroom.start(image, options, engine=fake)
    assert fake.containers[room.container_id].spec == hub_spec(
        NAMES, _settings(image.ref, options), bind=LOOPBACK, port=None,
        docker_socket=fake.api_socket(),
    )  # fmt: skip
    assert fake.overlay == {NAMES.network: True}
    assert hub_state(fake).image == image.ref


def test_a_running_class_is_refused_word_for_word(fake: NetworkEngine) -> None:
    """A second start is refused before anything is touched."""
    image = workshop_image(fake)
    Classroom.start(image, engine=fake)
    calls = len(fake.calls)
    with pytest.raises(errors.HubError) as caught:
        Classroom.start(image, engine=fake)
    assert caught.value.message == "The classroom of intro is already running (wiw-intro-hub)."
    assert caught.value.hint == (
        "Use it ('wiw status intro'), or stop it first with 'wiw down intro'."
    )
    asked = [call for call in fake.calls[calls:] if call[0] != "image_info"]
    assert asked == [("container_running", NAMES.hub)]


def test_a_swarm_class_outside_a_swarm_is_refused_word_for_word(fake: NetworkEngine) -> None:
    """The refusal says how to make this engine a manager."""
    with pytest.raises(errors.HubError) as caught:
        Classroom.start(workshop_image(fake), ClassroomOptions(backend="swarm"), engine=fake)
    assert caught.value.message == "A Swarm classroom needs this engine to be a Swarm manager."
    assert caught.value.hint == (
        "Run 'docker swarm init' (and 'docker swarm join' on the other machines)."
    )


def test_a_stopped_hub_from_before_is_cleared(fake: NetworkEngine) -> None:
    """A hub container that stopped (or was killed) is removed and the class starts again."""
    image = workshop_image(fake)
    room = Classroom.start(image, engine=fake)
    fake.container_kill(room.container_id)
    again = Classroom.start(image, engine=fake)
    assert again.container_id != room.container_id
    assert list(fake.containers) == [again.container_id]


def test_a_port_out_of_range_is_refused_before_anything_is_made(fake: NetworkEngine) -> None:
    """Port 0 is refused by its range, and nothing is asked of the engine."""
    image = workshop_image(fake)
    calls = len(fake.calls)
    with pytest.raises(errors.InvalidOption, match="65535"):
        Classroom.start(image, port=0, engine=fake)
    assert [call for call in fake.calls[calls:] if call[0] != "image_info"] == []


def test_a_class_of_another_folder_is_refused_and_its_own_kept(fake: NetworkEngine) -> None:
    """The folder a class was started from is kept; another folder of its name is refused."""
    image = workshop_image(fake)
    Classroom.start(image, source="/work/intro", engine=fake).stop()
    with pytest.raises(errors.HubError) as caught:
        Classroom.start(image, source="/tmp/intro", engine=fake)
    assert caught.value.message == (
        "The class intro belongs to /work/intro; /tmp/intro has the same name."
    )
    assert caught.value.hint == (
        "Rename one of the folders, or end the other class first ('wiw collect intro DEST', "
        "then 'wiw destroy intro --yes')."
    )
    assert NAMES.hub_volume in fake.volumes
    again = Classroom.start(image, engine=fake)  # from the API, with no folder: the same class
    assert again.state.source == "/work/intro"
    again.stop()
    same = Classroom.start(image, source="/work/intro", engine=fake)
    assert same.state.source == "/work/intro"


def test_a_failed_start_keeps_a_network_it_did_not_make(fake: NetworkEngine) -> None:
    """Undoing removes the hub, and the network and volume only when this start made them."""
    image = workshop_image(fake)
    fake.network_ensure(NAMES.network, {"kept": "yes"})
    fake.fail("container_start", errors.EngineUnavailable("gone"))
    with pytest.raises(errors.EngineUnavailable):
        Classroom.start(image, engine=fake)
    assert fake.networks[NAMES.network] == {"kept": "yes"}
    assert NAMES.hub_volume not in fake.volumes
    assert fake.containers == {}


def test_a_failed_first_start_removes_its_network_and_volume(fake: NetworkEngine) -> None:
    """Both were made by this start: both go."""
    image = workshop_image(fake)
    fake.fail("container_start", errors.EngineUnavailable("gone"))
    with pytest.raises(errors.EngineUnavailable):
        Classroom.start(image, engine=fake)
    assert NAMES.network not in fake.networks
    assert NAMES.hub_volume not in fake.volumes
    assert fake.called("network_remove") == [NAMES.network]
    assert fake.called("volume_remove") == [NAMES.hub_volume]


def test_a_remembered_port_held_by_another_program_says_so(
    fake: NetworkEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error names the port, the class and 'another program', with the original evidence."""
    image = workshop_image(fake)
    room = Classroom.start(image, port=41777, engine=fake)
    room.stop()
    fake.taken_ports.add(41777)
    monkeypatch.setattr(lifecycle, "port_holder", lambda port: None)  # this machine cannot tell
    with pytest.raises(errors.PortInUse) as caught:
        Classroom.start(image, engine=fake)
    err = caught.value
    assert err.message == (
        "Port 41777, where learners of intro join, is in use by another program."
    )
    assert err.hint == (
        "Stop what holds it and start again, or move the class with --port "
        "(its join URL and QR code then change)."
    )
    cause = err.__cause__
    assert isinstance(cause, errors.PortInUse)
    assert (err.command, err.exit_code, err.stderr) == (
        cause.command, cause.exit_code, cause.stderr,
    )  # fmt: skip
    assert err.exit_code == 1
    assert "port is already allocated" in (err.stderr or "")
    assert fake.called("port_user") == ["41777"]


def test_a_remembered_port_held_by_a_program_here_names_it(
    fake: NetworkEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a container: the program this machine says listens on the class's port is named."""
    image = workshop_image(fake)
    Classroom.start(image, port=41778, engine=fake).stop()
    fake.taken_ports.add(41778)
    asked: list[int] = []

    def holder(port: int) -> str | None:
        asked.append(port)
        return "nginx (pid 4242)"

    monkeypatch.setattr(lifecycle, "port_holder", holder)
    with pytest.raises(errors.PortInUse) as caught:
        Classroom.start(image, engine=fake)
    assert caught.value.message == (
        "Port 41778, where learners of intro join, is in use by nginx (pid 4242)."
    )
    assert asked == [41778]


def test_a_start_interrupted_after_the_hub_started_removes_it(
    fake: NetworkEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C once the hub runs: the hub, network and new volume are removed all the same."""

    def interrupted(*args: object, **kwargs: object) -> list[str]:
        raise KeyboardInterrupt

    monkeypatch.setattr(lifecycle, "access_warnings", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Classroom.start(workshop_image(fake), engine=fake)
    assert fake.containers == {}
    assert NAMES.network not in fake.networks
    assert NAMES.hub_volume not in fake.volumes
    assert NAMES.hub in fake.called("container_remove")


def test_a_port_error_without_a_port_of_the_class_is_passed_on(fake: NetworkEngine) -> None:
    """With no port asked or kept, the engine's own error is raised as it is."""
    image = workshop_image(fake)
    refused = errors.PortInUse("taken", command=["docker"], exit_code=1, stderr="taken")
    fake.fail("container_start", refused)
    with pytest.raises(errors.PortInUse) as caught:
        Classroom.start(image, engine=fake)
    assert caught.value is refused
    assert fake.called("port_user") == []


def test_a_restart_on_another_port_tells_of_the_new_join_url(fake: NetworkEngine) -> None:
    """The notice quotes the old join URL; a restart that keeps it says nothing."""
    image = workshop_image(fake)
    first = Classroom.start(image, engine=fake)
    first.stop()
    kept = Classroom.start(image, engine=fake)
    assert kept.notices == []
    kept.stop()
    moved = Classroom.start(image, port=41888, engine=fake)
    assert moved.notices == [
        f"The join URL changed (it was {first.join_url}): share the new QR code."
    ]


def test_a_host_that_is_not_here_is_warned_of_as_given_then_as_remembered(
    fake: NetworkEngine,
) -> None:
    """The warning says where the host came from: --host now, or the last start."""
    image = workshop_image(fake)
    room = Classroom.start(image, host="192.0.2.1", engine=fake)
    assert len(room.notices) == 1
    assert "192.0.2.1 (given with --host)" in room.notices[0]
    room.stop()
    again = Classroom.start(image, engine=fake)
    assert len(again.notices) == 1
    assert "192.0.2.1 (remembered from the last `wiw up`)" in again.notices[0]


def test_attach_finds_the_running_class(fake: NetworkEngine) -> None:
    """Attaching reads the state from the hub: same URLs, the URL known as ready."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    found = attach(WORKSHOP, engine=fake)
    assert found.state == room.state
    assert found.container_id == NAMES.hub
    assert found.names == NAMES
    assert found.engine is fake
    assert found.url == room.join_url
    assert found.wait_until_ready() == room.join_url  # no log followed: known ready


def test_attach_without_a_running_class_is_refused(fake: NetworkEngine) -> None:
    """No hub, or a stopped one: the error says to start one."""
    for _ in range(2):
        with pytest.raises(errors.HubError) as caught:
            Classroom.attach(WORKSHOP, engine=fake)
        assert caught.value.message == "No classroom of intro is running."
        assert caught.value.hint == "Start one with 'wiw up'."
        room = Classroom.start(workshop_image(fake), engine=fake)
        fake.container_kill(room.container_id)
        fake.calls.clear()


def test_attach_to_a_hub_without_state_is_refused(fake: NetworkEngine) -> None:
    """A container of the hub's name without wiw's state is not taken for a class."""
    fake.add_image("other:1")
    fake.container_start(fake.container_create(ContainerSpec("other:1", NAMES.hub, {})))
    with pytest.raises(errors.HubError) as caught:
        Classroom.attach(WORKSHOP, engine=fake)
    assert caught.value.message == "wiw-intro-hub is not a classroom hub of this version of wiw."
    assert caught.value.hint == ("Stop it with 'wiw down intro' and start it again with 'wiw up'.")


def test_a_classroom_registers_its_short_code_for_redaction(fake: NetworkEngine) -> None:
    """The short code, in both its forms, never prints once a classroom is known."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    assert room.short_url is not None
    code = room.state.short_code
    shown = errors.redact(f"{room.short_url} {code}")
    assert code not in shown
    assert room.short_url.rpartition("/")[2] not in shown
