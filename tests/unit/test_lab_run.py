"""One learner's JupyterLab on the fake engine: the container asked for, the URL handed out."""

from __future__ import annotations

import re

import pytest

from tests.support.fakeengine import FIRST_EPHEMERAL_PORT, FakeEngine, FakeLogStream
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.errors import ServerRefused, ServerUnreachable
from wiw.lab import lab as lab_module
from wiw.lab.lab import LAB_PORT, Lab, lab_spec
from wiw.waiting import Deadline

REF = "wiw/intro:latest"
TOKEN = "tok"
LOGS = "".join(f"line {n}\n" for n in range(30))


def wiw_image(fake: FakeEngine, server: str = "wiw", workshop: str | None = "intro") -> Image:
    """An image as wiw builds it, for ``workshop``, whose server is wiw's or its own."""
    labels = _labels.labels_for(workshop or "x", "image", __version__)
    labels[_labels.SERVER] = server
    if workshop is None:
        del labels[_labels.WORKSHOP]
    fake.add_image(REF, labels)
    return Image(REF, engine=fake)


@pytest.fixture
def fake() -> FakeEngine:
    """An empty fake engine."""
    return FakeEngine()


def only_spec(fake: FakeEngine) -> ContainerSpec:
    """The spec of the one container on the fake."""
    (container,) = fake.containers.values()
    return container.spec


# The container ---------------------------------------------------------------------------


def test_the_spec_is_plain_data(fake: FakeEngine) -> None:
    """Image, name, labels, command, loopback or all interfaces, and the token in the env."""
    image = wiw_image(fake)
    spec = lab_spec(image, workshop="intro", port=8080, public=False, command=["jupyter", "lab"],
                    name="wiw-intro-ada", token="t0k")  # fmt: skip
    assert spec == ContainerSpec(
        image=REF,
        name="wiw-intro-ada",
        labels=_labels.labels_for("intro", "lab", __version__),
        command=("jupyter", "lab"),
        publish=[("127.0.0.1", 8080, 8888)],
        envs={"JUPYTER_TOKEN": "t0k"},
    )
    public = lab_spec(image, workshop="intro", port=None, public=True, command=None)
    assert public.publish == [("0.0.0.0", None, LAB_PORT)]
    assert public.command == ()
    assert public.envs == {}
    assert re.fullmatch(r"wiw-intro-[0-9a-f]{8}", public.name)
    again = lab_spec(image, workshop="intro", port=None, public=True, command=None)
    assert again.name != public.name


def test_a_lab_of_wiws_image_gets_a_token_and_a_loopback_port(fake: FakeEngine) -> None:
    """A fresh 48-hex token in the environment, published on 127.0.0.1 at a port picked."""
    lab = Lab.run(wiw_image(fake))
    spec = only_spec(fake)
    token = spec.envs["JUPYTER_TOKEN"]
    assert re.fullmatch(r"[0-9a-f]{48}", token)
    assert spec.publish == [("127.0.0.1", None, 8888)]
    assert spec.labels == _labels.labels_for("intro", "lab", __version__)
    assert spec.image == REF
    assert spec.command == ()
    assert re.fullmatch(r"wiw-intro-[0-9a-f]{8}", spec.name)
    assert (lab.engine, lab.name, lab.host, lab.port) == (fake, spec.name, "127.0.0.1",
                                                          FIRST_EPHEMERAL_PORT)  # fmt: skip
    assert lab.container_id == fake.called("container_start")[0]
    assert lab.url is None
    assert lab._token == token
    assert repr(lab) == f"Lab({spec.name!r}, port={FIRST_EPHEMERAL_PORT})"
    assert Lab.run(wiw_image(fake)).port == FIRST_EPHEMERAL_PORT + 1


def test_an_image_with_its_own_server_gets_no_token(fake: FakeEngine) -> None:
    """Its own Dockerfile's server makes its own token: none is given; the options go through."""
    wiw_image(fake, "own")
    lab = Lab.run(REF, port=9000, command=["start.sh"], name="mine", engine=fake)
    spec = only_spec(fake)
    assert spec.envs == {}
    assert spec.name == lab.name == "mine"
    assert spec.command == ("start.sh",)
    assert spec.publish == [("127.0.0.1", 9000, 8888)]
    assert lab.port == 9000
    assert lab._token is None


def test_an_image_without_a_workshop_label_is_a_workshop(fake: FakeEngine) -> None:
    """The container is named and labelled for "workshop" when the image says no name."""
    Lab.run(wiw_image(fake, workshop=None))
    spec = only_spec(fake)
    assert spec.name.startswith("wiw-workshop-")
    assert spec.labels[_labels.WORKSHOP] == "workshop"


@pytest.mark.parametrize(
    ("public", "host", "shown"),
    [
        (False, "lab.example.org", "lab.example.org"),
        (False, "[2001:db8::5]", "[2001:db8::5]"),
        (True, "[2001:db8::5]", "2001:db8::5"),
        (True, "lab.example.org", "lab.example.org"),
    ],
)
def test_the_host_the_url_names(fake: FakeEngine, public: bool, host: str, shown: str) -> None:
    """--host as given; public: the address as a host (brackets off), on all interfaces."""
    lab = Lab.run(wiw_image(fake), public=public, host=host)
    assert lab.host == shown
    assert only_spec(fake).publish[0][0] == ("0.0.0.0" if public else "127.0.0.1")


def test_a_missing_image_creates_nothing(fake: FakeEngine) -> None:
    """ImageNotFound before any container is made; a port out of range is refused too."""
    with pytest.raises(errors.ImageNotFound):
        Lab.run("wiw/none:1", engine=fake)
    image = wiw_image(fake)
    with pytest.raises(errors.InvalidOption, match="Port 0 is out of range"):
        Lab.run(image, port=0)
    assert not fake.called("container_create")


# Waiting for wiw's own server ------------------------------------------------------------


class Probe:
    """Stands in for ServerAPI: refuses with each of ``refusals``, then answers (or never)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str, float]] = []
        self.refusals: list[Exception] = []
        self.answers = True

    def __call__(self, url: str, token: str, *, timeout: float) -> Probe:
        """Make the client: record with what."""
        self.made.append((url, token, timeout))
        return self

    def status(self) -> object:
        """Refuse while there are refusals left; then answer, or refuse for ever."""
        if self.refusals:
            raise self.refusals.pop(0)
        if not self.answers:
            raise ServerUnreachable("nothing yet", url="http://x", reason="refused")
        return object()


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    """The lab's status client, replaced by a :class:`Probe`."""
    made = Probe()
    monkeypatch.setattr(lab_module, "ServerAPI", made)
    return made


def lab_of(fake: FakeEngine, *, host: str = "127.0.0.1", token: str | None = TOKEN) -> Lab:
    """A lab on a running container of the fake, with ``LOGS`` as its output."""
    wiw_image(fake)
    cid = fake.container_create(ContainerSpec(REF, "wiw-intro-ada", {}))
    fake.container_start(cid)
    fake.containers[cid].logs = LOGS
    return Lab(engine=fake, container_id=cid, name="wiw-intro-ada", host=host, port=4321,
               token=token)  # fmt: skip


def test_the_url_names_the_host_and_the_probe_loopback(fake: FakeEngine, probe: Probe) -> None:
    """The probe goes to loopback at the published port; the URL names the host, IPv6 bracketed."""
    probe.refusals = [
        ServerUnreachable("starting", url="http://x", reason="refused"),
        ServerRefused("not yet", url="http://x", status=503),
    ]
    lab = lab_of(fake, host="2001:db8::5")
    url = lab.wait_for_token(timeout=5)
    assert url == "http://[2001:db8::5]:4321/lab?token=tok"
    assert probe.made == [("http://127.0.0.1:4321", "tok", 5)]
    assert fake.called("container_state") == [lab.container_id] * 2
    assert lab.url == url
    assert lab.wait_for_token(timeout=5) == url
    assert len(probe.made) == 1


def test_a_server_that_exits_while_refusing_is_hub_exited(fake: FakeEngine, probe: Probe) -> None:
    """Its name, its exit code, its last 25 lines."""
    probe.answers = False
    lab = lab_of(fake)
    fake.container_kill(lab.container_id)
    with pytest.raises(errors.HubExited) as caught:
        lab.wait_for_token(timeout=5)
    assert caught.value.message == "The workshop server wiw-intro-ada exited before it was ready."
    assert caught.value.exit_code == 137
    assert caught.value.log_tail == LOGS.splitlines()[-25:]
    assert lab.url is None


def test_a_server_that_never_answers_times_out(fake: FakeEngine, probe: Probe) -> None:
    """TokenTimeout, with the seconds waited and its last 25 lines."""
    probe.answers = False
    lab = lab_of(fake)
    with pytest.raises(errors.TokenTimeout) as caught:
        lab.wait_for_token(timeout=0.3)
    assert caught.value.message == "The workshop server wiw-intro-ada did not answer within 0.3 s."
    assert caught.value.log_tail == LOGS.splitlines()[-25:]


def test_a_timeout_out_of_range_is_refused(fake: FakeEngine) -> None:
    """Zero seconds is not a wait."""
    with pytest.raises(errors.InvalidOption, match="Timeout 0 s is out of range"):
        lab_of(fake).wait_for_token(timeout=0)


def test_the_default_wait_is_a_minute(fake: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a timeout, the wait's deadline is 60 s away."""
    waited: list[float] = []

    def wait(self: Lab, deadline: Deadline) -> str:
        waited.append(deadline.seconds)
        return "http://x"

    monkeypatch.setattr(Lab, "_wait_answering", wait)
    assert lab_of(fake).wait_for_token() == "http://x"
    assert waited == [60.0]


# Waiting for a server that prints its URL (own Dockerfiles) -------------------------------


def test_the_printed_url_is_pointed_at_the_published_port(fake: FakeEngine) -> None:
    """The loopback URL the server printed, at the host and port published; following stops."""
    lab = lab_of(fake, host="lab.example.org", token=None)
    cid = lab.container_id
    fake.containers[cid].logs = (
        "starting\n    http://abc123:8888/lab?token=s3cret\n"
        "    http://127.0.0.1:8888/lab?token=s3cret\nlater\n"
    )
    assert lab.wait_for_token(timeout=1) == "http://lab.example.org:4321/lab?token=s3cret"
    assert lab._follower is None
    assert fake.called("follow_logs") == [cid]


def test_a_server_that_stopped_without_a_url_is_hub_exited(fake: FakeEngine) -> None:
    """What it printed (its last 25 lines) and its exit code."""
    lab = lab_of(fake, token=None)
    fake.container_kill(lab.container_id)
    with pytest.raises(errors.HubExited) as caught:
        lab.wait_for_token(timeout=1)
    assert caught.value.exit_code == 137
    assert caught.value.log_tail == LOGS.splitlines()[-25:]
    assert caught.value.message == "The workshop server wiw-intro-ada exited before it was ready."


def test_a_server_that_stopped_after_a_wait_shows_the_lines_it_was_followed_for(
    fake: FakeEngine,
) -> None:
    """The tail is what the log gave while followed, not what the engine keeps now."""
    lab = lab_of(fake, token=None)
    with pytest.raises(errors.TokenTimeout):
        lab.wait_for_token(timeout=0.2)
    fake.containers[lab.container_id].logs = "rotated\n"
    fake.container_kill(lab.container_id)
    with pytest.raises(errors.HubExited) as caught:
        lab.wait_for_token(timeout=0.2)
    assert caught.value.log_tail == LOGS.splitlines()[-25:]


def test_a_log_that_ended_is_hub_exited_even_if_the_engine_says_running(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log stream ending means the server is gone."""
    lab = lab_of(fake, token=None)
    stream = fake.follow_logs(lab.container_id)
    stream._ends = True
    monkeypatch.setattr(fake, "follow_logs", lambda cid: stream)
    with pytest.raises(errors.HubExited) as caught:
        lab.wait_for_token(timeout=1)
    assert caught.value.exit_code == 0


def test_a_server_still_silent_times_out_and_the_log_is_followed_on(fake: FakeEngine) -> None:
    """TokenTimeout with what it printed; a second wait goes on from the same log."""
    lab = lab_of(fake, token=None)
    with pytest.raises(errors.TokenTimeout) as caught:
        lab.wait_for_token(timeout=0.5)
    assert caught.value.message == "The workshop server wiw-intro-ada printed no URL within 0.5 s."
    assert caught.value.log_tail == LOGS.splitlines()[-25:]
    follower = lab._follower
    assert isinstance(follower, FakeLogStream)
    follower._pending.append("http://localhost:8888/lab?token=late")
    assert lab.wait_for_token(timeout=1) == "http://127.0.0.1:4321/lab?token=late"
    assert fake.called("follow_logs") == [lab.container_id]
    assert follower.closed


# Logs and stopping -----------------------------------------------------------------------


def test_logs_are_everything_printed(fake: FakeEngine) -> None:
    """logs() is the container's whole output."""
    assert lab_of(fake).logs() == LOGS


def test_stopping_removes_the_container_once_and_stops_following(fake: FakeEngine) -> None:
    """The block's end removes the container; a second stop does nothing."""
    with lab_of(fake, token=None) as lab:
        with pytest.raises(errors.TokenTimeout):
            lab.wait_for_token(timeout=0.2)
        follower = lab._follower
        assert isinstance(follower, FakeLogStream)
        open_in_the_block = not follower.closed
    assert open_in_the_block
    assert follower.closed
    assert fake.containers == {}
    lab.stop()
    assert fake.called("container_remove") == [lab.container_id]


def test_stopping_a_lab_never_followed(fake: FakeEngine) -> None:
    """Nothing to close: the container goes."""
    lab = lab_of(fake)
    lab.stop()
    assert fake.containers == {}
