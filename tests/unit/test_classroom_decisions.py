"""The classroom's decisions, driven through the fake engine: no Docker, milliseconds each.

What a failed start leaves, what a restart keeps, what an update reports:
each test pins one decision of :mod:`wiw.classroom` and fails when it is broken.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import Classroom, ClassroomOptions, TLSFiles, learner_volumes
from wiw.classroom.contract import HUB_STATE, STATE_DIR, Names
from wiw.classroom.state import (
    JOIN_SECRET_LABEL,
    PASSWORD_FILE,
    STATE_FILE,
    TLS_CERT,
    ClassroomState,
    load_state,
    read_file,
    read_saved_state,
    resolve_access,
    write_state,
)
from wiw.cli.class_commands import _plan
from wiw.cli.main import parser
from wiw.cli.output import Output
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.lab.serve import ALL_INTERFACES, LOOPBACK

WORKSHOP = "intro"
NAMES = Names(WORKSHOP)
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def workshop_image(fake: FakeEngine, tag: str = "latest") -> Image:
    """An image of the workshop, labelled as wiw labels the images it builds."""
    ref = f"wiw/{WORKSHOP}:{tag}"
    labels = {**_labels.labels_for(WORKSHOP, "image", __version__), _labels.REF: ref}
    fake.add_image(ref, labels)
    return Image(ref, engine=fake)


@pytest.fixture
def fake() -> FakeEngine:
    """An empty fake engine."""
    return FakeEngine()


def hub_state(fake: FakeEngine) -> ClassroomState:
    """What the hub's volume remembers, read as wiw reads it."""
    text = read_file(fake, NAMES.hub, f"{STATE_DIR}/{STATE_FILE}")
    assert text is not None
    return ClassroomState.from_json(text)


def test_a_start_on_a_taken_port_leaves_nothing(fake: FakeEngine) -> None:
    """The hub, network and state volume made by a start that fails are all removed."""
    image = workshop_image(fake)
    fake.taken_ports.add(41000)
    before = fake.inventory(images=True)
    with pytest.raises(errors.PortInUse, match="41000"):
        Classroom.start(image, port=41000, engine=fake)
    assert fake.inventory(images=True).minus(before) == {}
    assert NAMES.hub_volume in fake.called("volume_create")  # it was made, then undone


def test_a_failed_restart_keeps_the_volume_that_holds_the_secrets(fake: FakeEngine) -> None:
    """Undoing a restart never removes the hub's volume made by an earlier start."""
    image = workshop_image(fake)
    room = Classroom.start(image, engine=fake)
    join = room.join_url
    room.stop()
    fake.fail("container_start", errors.EngineUnavailable("the engine went away"))
    with pytest.raises(errors.EngineUnavailable):
        Classroom.start(image, engine=fake)
    assert NAMES.hub_volume in fake.volumes
    assert fake.container_info(NAMES.hub) is None
    again = Classroom.start(image, engine=fake)
    assert again.join_url == join


def test_a_restart_keeps_address_port_and_https(fake: FakeEngine, tmp_path: Path) -> None:
    """Public, the host, the port and HTTPS given once are what the next start uses."""
    (tmp_path / "cert.pem").write_text(CERT)
    (tmp_path / "key.pem").write_text(KEY)
    tls = TLSFiles(tmp_path / "cert.pem", tmp_path / "key.pem")
    image = workshop_image(fake)
    first = Classroom.start(image, public=True, host="class.example.org", tls=tls, engine=fake)
    assert first.join_url.startswith(f"https://class.example.org:{first.port}/")
    first.stop()
    assert fake.container_info(NAMES.hub) is None
    again = Classroom.start(image, engine=fake)
    assert again.join_url == first.join_url
    assert again.instructor_url == first.instructor_url
    assert again.notices == []
    hub = fake.container_info(NAMES.hub)
    assert hub is not None
    assert hub.ports == {"8000/tcp": [(ALL_INTERFACES, first.port)]}
    state = hub_state(fake)
    assert (state.public, state.host, state.scheme) == (True, "class.example.org", "https")
    assert read_file(fake, NAMES.hub, f"{STATE_DIR}/{TLS_CERT}") == CERT


def test_a_restart_told_otherwise_changes_the_url_and_says_so(fake: FakeEngine) -> None:
    """Loopback after public, a new port: the URL changes and a notice tells the instructor."""
    image = workshop_image(fake)
    first = Classroom.start(image, public=True, host="class.example.org", engine=fake)
    first.stop()
    again = Classroom.start(image, public=False, host="", port=41999, engine=fake)
    assert again.join_url.startswith(f"http://{LOOPBACK}:41999/")
    assert again.join_url.endswith(first.join_url.rpartition(":")[2].partition("/")[2])
    assert any(first.join_url in notice for notice in again.notices)
    hub = fake.container_info(NAMES.hub)
    assert hub is not None
    assert hub.ports == {"8000/tcp": [(LOOPBACK, 41999)]}


def test_a_restart_on_a_port_now_taken_names_what_holds_it(fake: FakeEngine) -> None:
    """The remembered port in use by a container: the error names it and the flag to move."""
    image = workshop_image(fake)
    room = Classroom.start(image, engine=fake)
    port = room.port
    room.stop()
    squatter = ContainerSpec(image.ref, "squatter", {}, publish=[(LOOPBACK, port, 80)])
    fake.container_start(fake.container_create(squatter))
    with pytest.raises(errors.PortInUse) as refused:
        Classroom.start(image, engine=fake)
    assert "the container squatter" in refused.value.message
    assert "--port" in (refused.value.hint or "")
    assert NAMES.hub_volume in fake.volumes  # the class's secrets are kept


def test_a_second_start_is_refused_while_one_runs(fake: FakeEngine) -> None:
    """A running hub is never replaced: the error says how to use or stop it."""
    image = workshop_image(fake)
    Classroom.start(image, engine=fake)
    with pytest.raises(errors.HubError, match="already running") as refused:
        Classroom.start(image, engine=fake)
    assert f"wiw down {WORKSHOP}" in (refused.value.hint or "")


def test_a_swarm_class_needs_a_manager(fake: FakeEngine) -> None:
    """On an engine outside a swarm, a Swarm classroom is refused before anything is made."""
    image = workshop_image(fake)
    before = fake.inventory()
    with pytest.raises(errors.HubError, match="Swarm manager"):
        Classroom.start(image, ClassroomOptions(backend="swarm"), engine=fake)
    assert fake.inventory().minus(before) == {}


def deliveries(fake: FakeEngine, reports: dict[str, dict[str, list[str]]]) -> None:
    """Make each learner's delivery print the report given for their home volume."""

    def sync(spec: ContainerSpec) -> tuple[int, str]:
        volume = spec.volumes[0][0]
        return 0, "syncing\n" + json.dumps(reports[volume])

    fake.scripts[f"wiw-{WORKSHOP}-deliver-"] = sync


def test_an_update_reports_a_failed_delivery(fake: FakeEngine) -> None:
    """A learner whose home could not take the lessons is reported with the reason."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    for learner in ("Ada", "Grace"):
        fake.volume_create(
            NAMES.home_prefix + learner,
            {
                **_labels.labels_for(WORKSHOP, "learner-home", __version__),
                _labels.LEARNER: learner,
            },
        )
    deliveries(fake, {
        NAMES.home_prefix + "Ada": {"new": ["lesson04.ipynb"]},
        NAMES.home_prefix + "Grace": {"errors": ["lesson02.ipynb: No space left on device"]},
    })  # fmt: skip
    new = workshop_image(fake, "v2")
    delivered = {d.learner: d for d in room.update(new)}
    assert delivered["Ada"].new == ["lesson04.ipynb"]
    assert delivered["Ada"].errors == []
    assert delivered["Grace"].errors == ["lesson02.ipynb: No space left on device"]
    assert hub_state(fake).image == new.id  # servers started from now on run the new image
    assert not [c for c in fake.containers.values() if "deliver" in c.spec.name]


def test_an_update_with_a_silent_delivery_is_an_error(fake: FakeEngine) -> None:
    """A delivery that printed no report is a HubError, not a learner quietly skipped."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    fake.volume_create(NAMES.home_prefix + "Ada", {_labels.WORKSHOP: WORKSHOP})
    fake.scripts[f"wiw-{WORKSHOP}-deliver-"] = lambda spec: (1, "Traceback: disk on fire")
    with pytest.raises(errors.HubError, match="no report"):
        room.update(workshop_image(fake, "v2"))


def test_an_update_with_another_workshops_image_is_refused(fake: FakeEngine) -> None:
    """The class never switches to an image of another workshop."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    other = "wiw/other:latest"
    fake.add_image(other, _labels.labels_for("other", "image", __version__))
    with pytest.raises(errors.InvalidOption, match="not of intro"):
        room.update(Image(other, engine=fake))
    assert not fake.called("run_to_end")


def test_learner_volumes_are_found_by_label_and_name(fake: FakeEngine) -> None:
    """Homes map to learners by their label (names kept as written), others are ignored."""
    fake.volume_create(NAMES.home_prefix + "x1", {_labels.WORKSHOP: WORKSHOP,
                                                  _labels.LEARNER: "Zoë Ada"})  # fmt: skip
    fake.volume_create(NAMES.home_prefix + "bob", {_labels.WORKSHOP: WORKSHOP})
    fake.volume_create(NAMES.hub_volume, {_labels.WORKSHOP: WORKSHOP})
    fake.volume_create("wiw-other-home-eve", {_labels.WORKSHOP: "other"})
    assert learner_volumes(WORKSHOP, engine=fake) == {
        "Zoë Ada": NAMES.home_prefix + "x1",
        "bob": NAMES.home_prefix + "bob",
    }


def test_stop_keeps_every_volume(fake: FakeEngine) -> None:
    """Stopping removes the hub and network; the hub's state and learners' homes stay."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    fake.volume_create(NAMES.home_prefix + "ada", {_labels.WORKSHOP: WORKSHOP})
    room.stop()
    assert set(fake.volumes) == {NAMES.hub_volume, NAMES.home_prefix + "ada"}
    assert NAMES.network not in fake.networks
    assert fake.containers == {}


def test_wiw_up_caps_the_learners_cpu_limit_at_the_machines(fake: FakeEngine) -> None:
    """``--cpus`` above the engine's CPUs gives learners the machine's CPUs, as the plan says."""
    small = FakeEngine(memory=8 * 2**30, cpus=2)
    image = workshop_image(small)
    args = parser().parse_args(["up", "intro", "--cpus", "6", "--learners", "2"])
    limits = _plan(image, args, Output(events=False))
    assert limits.cpus == 2.0
    args = parser().parse_args(["up", "intro", "--cpus", "0.5", "--learners", "2"])
    assert _plan(image, args, Output(events=False)).cpus == 0.5


def test_no_secret_reaches_the_hub_environment(fake: FakeEngine) -> None:
    """The class password and the secrets go to the hub's volume as files, never its environment.

    ``docker inspect`` shows a container's environment to anyone who may use the engine.
    """
    options = ClassroomOptions(auth="shared-password", password="correct horse battery")
    room = Classroom.start(workshop_image(fake), options, engine=fake)
    hub = fake.container_info(NAMES.hub)
    assert hub is not None
    shown = " ".join(f"{k}={v}" for k, v in hub.env.items()) + " ".join(hub.labels.values())
    secrets = ("correct horse battery", room.state.join_secret, room.state.api_token,
               room.state.instructor_secret)  # fmt: skip
    for secret in secrets:
        assert secret not in shown
    assert read_file(fake, NAMES.hub, f"{STATE_DIR}/{PASSWORD_FILE}") == "correct horse battery"


def test_a_classroom_registers_its_secrets_for_redaction(fake: FakeEngine) -> None:
    """Once a classroom is known, its join, instructor and API secrets never print."""
    room = Classroom.start(workshop_image(fake), engine=fake)
    text = f"{room.join_url} {room.instructor_url} token {room.state.api_token}"
    shown = errors.redact(text)
    for secret in (room.state.join_secret, room.state.instructor_secret, room.state.api_token):
        assert secret not in shown
    attached = Classroom.attach(WORKSHOP, engine=fake)
    assert attached.join_url == room.join_url


def test_certificate_files_are_checked_and_each_refusal_names_its_flag(tmp_path: Path) -> None:
    """A missing file, or one without its PEM block, is refused naming the flag to fix."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    with pytest.raises(errors.InvalidOption) as missing:
        TLSFiles(cert, key)
    assert missing.value.message == f"Cannot read {cert}: No such file or directory."
    assert missing.value.hint == "Give --tls-cert a readable file."
    cert.write_bytes(b"\xff\xfe issued by \xe9\n" + CERT.encode())  # stray bytes: still read
    with pytest.raises(errors.InvalidOption) as no_key:
        TLSFiles(cert, key)
    assert no_key.value.hint == "Give --tls-key a readable file."
    key.write_text(CERT)
    with pytest.raises(errors.InvalidOption) as not_a_key:
        TLSFiles(cert, key)
    assert not_a_key.value.message == f"{key} holds no PEM private key."
    assert not_a_key.value.hint == (
        "Give --tls-key a PEM file (the text starts with '-----BEGIN')."
    )
    real_key = tmp_path / "real-key.pem"
    real_key.write_text(KEY)
    with pytest.raises(errors.InvalidOption, match="holds no PEM certificate") as not_a_cert:
        TLSFiles(real_key, real_key)
    assert "--tls-cert" in (not_a_cert.value.hint or "")
    key.write_text("-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n")
    assert TLSFiles(cert, key).key == key


def test_a_stopped_class_whose_volume_holds_no_state_reads_as_none(fake: FakeEngine) -> None:
    """A hub volume without a state file, or no volume at all: nothing remembered."""
    image = workshop_image(fake)
    assert read_saved_state(fake, NAMES, image.ref) is None
    fake.volume_create(NAMES.hub_volume, _labels.labels_for(WORKSHOP, "hub-state", __version__))
    assert read_saved_state(fake, NAMES, image.ref) is None
    assert not fake.containers  # the helper that read it is gone


def test_the_state_is_read_through_a_labelled_helper_that_never_runs(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper mounts the hub's volume, is labelled as wiw's, does nothing, and goes."""
    image = workshop_image(fake)
    Classroom.start(image, engine=fake).stop()
    volume = fake.volumes[NAMES.hub_volume]
    assert volume == _labels.labels_for(WORKSHOP, "hub-state", __version__)
    specs: list[ContainerSpec] = []
    create = fake.container_create

    def recording(spec: ContainerSpec) -> str:
        specs.append(spec)
        return create(spec)

    monkeypatch.setattr(fake, "container_create", recording)
    assert read_saved_state(fake, NAMES, image.ref) is not None
    (helper,) = specs
    assert re.fullmatch(rf"wiw-{WORKSHOP}-helper-[0-9a-f]{{8}}", helper.name)
    assert helper.image == image.ref
    assert dict(helper.labels) == _labels.labels_for(WORKSHOP, "helper", __version__)
    assert tuple(helper.command) == ("true",)
    assert list(helper.volumes) == [(NAMES.hub_volume, HUB_STATE)]
    assert not fake.containers


def test_reading_a_folder_as_a_file_gives_none(fake: FakeEngine) -> None:
    """A path that is a folder is no file to read."""
    Classroom.start(workshop_image(fake), engine=fake)
    assert read_file(fake, NAMES.hub, STATE_DIR) is None
    assert read_file(fake, NAMES.hub, f"{STATE_DIR}/{STATE_FILE}") is not None


def test_fresh_secrets_have_their_full_length() -> None:
    """192 random bits for each URL's secret, 256 for the API token."""
    state = ClassroomState.new()
    assert (len(state.join_secret), len(state.instructor_secret)) == (32, 32)
    assert re.fullmatch("[0-9a-f]{64}", state.api_token)
    assert state.join_secret != state.instructor_secret


def test_the_state_file_is_indented_json_with_sorted_keys() -> None:
    """Readable by a person who opens the volume, and the same text for the same state."""
    text = ClassroomState("s", "t", port=8000).to_json()
    assert text.startswith('{\n  "address": "127.0.0.1",\n  "api_token": "t",\n')
    assert ClassroomState.from_json(text) == ClassroomState("s", "t", port=8000)


def test_https_can_be_turned_off_and_a_public_url_kept_or_forgotten() -> None:
    """tls=False serves plain HTTP again; a public URL is kept unless '' forgets it."""
    state = ClassroomState("s", "t", scheme="https", public_url="https://proxy.example.org/")
    assert resolve_access(state, tls=False).scheme == "http"
    assert resolve_access(state).public_url == "https://proxy.example.org/"
    assert resolve_access(state, public_url="").public_url is None
    assert resolve_access(state, public_url="https://b.example.org/").public_url == (
        "https://b.example.org/"
    )


def test_a_volume_wiw_did_not_make_is_never_taken_over(fake: FakeEngine) -> None:
    """A volume of the hub's name without wiw's label: refused, with what to do."""
    fake.volume_create(NAMES.hub_volume, {})
    with pytest.raises(errors.HubError) as caught:
        load_state(fake, NAMES, workshop_image(fake).ref, [])
    assert caught.value.message == f"Volume {NAMES.hub_volume} exists but was not made by wiw."
    assert caught.value.hint == "Rename or remove that volume; wiw will not take it over."


def test_a_class_made_by_an_older_wiw_keeps_its_join_secret(fake: FakeEngine) -> None:
    """The join secret kept in a label before 0.2 is kept; a token and instructor key added."""
    labels = {**_labels.labels_for(WORKSHOP, "hub-state", "0.1.0"), JOIN_SECRET_LABEL: "old"}
    fake.volume_create(NAMES.hub_volume, labels)
    made: list[str] = []
    state = load_state(fake, NAMES, workshop_image(fake).ref, made)
    assert state.join_secret == "old"
    assert re.fullmatch("[0-9a-f]{64}", state.api_token)
    assert len(state.instructor_secret) == 32
    assert made == []


def test_a_state_saved_before_instructor_urls_gets_an_instructor_key(fake: FakeEngine) -> None:
    """A state file without an instructor secret gets a fresh one; the rest is kept."""
    image = workshop_image(fake)
    Classroom.start(image, engine=fake).stop()
    old = ClassroomState("joined", "token", port=8000)
    helper = fake.container_create(
        ContainerSpec(image.ref, "h", {}, volumes=[(NAMES.hub_volume, HUB_STATE)])
    )
    write_state(fake, helper, old)
    fake.container_remove(helper)
    state = load_state(fake, NAMES, image.ref, [])
    assert (state.join_secret, state.api_token, state.port) == ("joined", "token", 8000)
    assert len(state.instructor_secret) == 32


def test_state_files_are_written_for_root_only(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder is 0700 and each file 0600 before they are copied in."""
    image = workshop_image(fake)
    Classroom.start(image, engine=fake)
    modes: dict[str, int] = {}
    copy = fake.copy_to

    def recording(cid: str, source: Path, path: str) -> None:
        modes.update({p.name: p.stat().st_mode & 0o777 for p in [source, *source.iterdir()]})
        copy(cid, source, path)

    monkeypatch.setattr(fake, "copy_to", recording)
    write_state(fake, NAMES.hub, ClassroomState("s", "t"), password="pw")
    assert modes == {"wiw": 0o700, STATE_FILE: 0o600, "image": 0o600, PASSWORD_FILE: 0o600}
