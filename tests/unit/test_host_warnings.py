"""A host the join URL uses that no longer leads here is a warning at start, not a surprise.

The machine's interfaces and routes are made up (as in test_network.py) and no
DNS query leaves a test: tests/unit/conftest.py fakes the resolver.
"""

from __future__ import annotations

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import network
from wiw._version import __version__
from wiw.build.image import Image
from wiw.classroom import Classroom
from wiw.classroom.state import ClassroomState, _host_warning, access_warnings, resolve_access
from wiw.engine import labels as _labels
from wiw.network import HostProblem, Interface

HERE = "192.168.1.20"
GONE = "10.1.2.3"


@pytest.fixture(autouse=True)
def on_wifi(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine is at 192.168.1.20 on Wi-Fi, beside loopback and Docker's bridge."""
    found = [
        Interface("lo", ("127.0.0.1", "::1")),
        Interface("docker0", ("172.17.0.1",)),
        Interface("wlp2s0", (HERE, "fe80::1")),
    ]
    monkeypatch.setattr(network, "interfaces", lambda: found)
    monkeypatch.setattr(network, "default_route_interfaces", lambda: ["wlp2s0"])


def started(host: str | None, *, public: bool = True, before: str | None = None) -> ClassroomState:
    """How learners reach the class when ``host`` is asked for and ``before`` was kept."""
    kept = ClassroomState("j" * 32, "t" * 64, port=41000, public=True, host=before)
    return resolve_access(kept, public=public, host=host)


def test_a_remembered_address_that_left_says_which_to_use_instead() -> None:
    """The example of the issue, word for word."""
    state = started(None, before=GONE)
    assert access_warnings(state, remembered=True) == [
        f"{GONE} (remembered from the last `wiw up`) is not an address of this machine any "
        "more; learners' QR codes would point nowhere. This machine's address is "
        f"{HERE}: use `--host {HERE}`, or `--host ''` to forget the old one."
    ]


def test_an_address_given_now_may_be_forwarded_here() -> None:
    """Given with --host, it may be a router's: the warning says so, and how to drop it."""
    (warning,) = access_warnings(started(GONE), remembered=False)
    assert warning == (
        f"{GONE} (given with --host) is not an address of this machine; learners' QR codes "
        "would point nowhere (unless a router forwards it here). This machine's address is "
        f"{HERE}: use `--host {HERE}`, or leave --host out."
    )


@pytest.mark.parametrize("remembered", [True, False])
def test_a_name_that_does_not_resolve_is_named(remembered: bool) -> None:
    """A typo in a DNS name (conftest's resolver knows only example.org names)."""
    host = "workshop.exampel.org"
    (warning,) = access_warnings(
        started(None if remembered else host, before=host), remembered=remembered
    )
    assert warning.startswith(f"{host} (")
    assert "does not resolve here" in warning
    assert f"`--host {HERE}`" in warning


@pytest.mark.parametrize("host", [HERE, "class.example.org", "[fe80::1]"])
def test_a_host_that_leads_here_says_nothing(host: str) -> None:
    """This machine's address, or a name that resolves: no warning."""
    assert access_warnings(started(host), remembered=False) == []


def test_no_host_or_a_forgotten_one_says_nothing() -> None:
    """Without a host, wiw finds the address itself; '' forgets the one remembered."""
    assert access_warnings(started(None), remembered=True) == []
    assert access_warnings(started("", before=GONE), remembered=False) == []


def test_a_public_url_is_the_proxys_business() -> None:
    """Behind a reverse proxy the join URL is the proxy's: the host is not checked."""
    kept = ClassroomState("j" * 32, "t" * 64, port=41000, public=True, host=GONE)
    state = resolve_access(kept, public_url="https://class.example.org/")
    assert access_warnings(state, remembered=True) == []


def test_on_loopback_alone_there_is_no_address_to_offer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off the network, the warning says to connect, not which address to use."""
    monkeypatch.setattr(network, "interfaces", lambda: [Interface("lo", ("127.0.0.1",))])
    monkeypatch.setattr(network, "default_route_interfaces", lambda: [])
    (warning,) = access_warnings(started(GONE, public=False), remembered=True)
    assert warning.endswith(
        "This machine has no address other devices could use: connect it to the learners' "
        "network. Or forget the old one with `--host ''`."
    )


def test_starting_a_classroom_warns_about_an_address_that_left() -> None:
    """Through Classroom.start on the fake engine: given now, then remembered, then forgotten."""
    fake = FakeEngine()
    ref = "wiw/intro:latest"
    fake.add_image(ref, {**_labels.labels_for("intro", "image", __version__), _labels.REF: ref})
    image = Image(ref, engine=fake)
    first = Classroom.start(image, public=True, host=GONE, engine=fake)
    assert first.join_url.startswith(f"http://{GONE}:")
    assert [n for n in first.notices if GONE in n] == [
        f"{GONE} (given with --host) is not an address of this machine; learners' QR codes "
        "would point nowhere (unless a router forwards it here). This machine's address is "
        f"{HERE}: use `--host {HERE}`, or leave --host out."
    ]
    first.stop()
    again = Classroom.start(image, engine=fake)
    assert again.join_url == first.join_url  # remembered, and still started
    assert any("remembered from the last `wiw up`" in n for n in again.notices)
    again.stop()
    moved = Classroom.start(image, host="", engine=fake)
    assert moved.join_url.startswith(f"http://{HERE}:")
    assert not any("is not an address of this machine" in n for n in moved.notices)
    assert any("The join URL changed" in n for n in moved.notices)
    moved.stop()


@pytest.mark.parametrize("remembered", [True, False])
def test_without_any_address_here_the_warning_says_to_connect(remembered: bool) -> None:
    """Only loopback here: connect to the learners' network; forget a remembered host."""
    problem = HostProblem("10.9.9.9", "not-here", None)
    origin = "remembered from the last `wiw up`" if remembered else "given with --host"
    still = " any more" if remembered else ""
    unless = "" if remembered else " (unless a router forwards it here)"
    forget = " Or forget the old one with `--host ''`." if remembered else ""
    assert _host_warning(problem, remembered=remembered) == (
        f"10.9.9.9 ({origin}) is not an address of this machine{still}; learners' QR codes "
        f"would point nowhere{unless}. This machine has no address other devices could use: "
        f"connect it to the learners' network.{forget}"
    )
