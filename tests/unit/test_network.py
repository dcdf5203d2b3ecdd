"""The address learners' devices use and who holds a port, from made-up system tables."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import psutil
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wiw import errors, network
from wiw.network import (
    HostProblem,
    Interface,
    check_host,
    choose_address,
    default_route_interfaces,
)
from wiw.network import lookup as real_lookup  # tests/unit/conftest.py fakes network.lookup

# /proc/net/route of a laptop on Wi-Fi with Docker: default route via wlp2s0.
ROUTES = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
enp0s31f6\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
wlp2s0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
"""
NO_ROUTES = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
# /proc/net/ipv6_route: a default route via eth0 (destination ::/0), and loopback.
ROUTES_V6 = (
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n"
    "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000000 00000002 00000000 80200001 lo\n"
)
LOOPBACK = Interface("lo", ("127.0.0.1", "::1"))
DOCKER = Interface("docker0", ("172.17.0.1", "fe80::42:acff:fe11:1"))


def test_the_default_route_interface_is_found_best_metric_first() -> None:
    """Interfaces with a default route, lowest metric first; other routes ignored."""
    assert default_route_interfaces(ROUTES, "") == ["enp0s31f6", "wlp2s0"]
    assert default_route_interfaces(NO_ROUTES, "") == []
    assert default_route_interfaces(NO_ROUTES, ROUTES_V6) == ["eth0"]


def test_loopback_only_finds_nothing() -> None:
    """A machine with only loopback (and container bridges) has no address for phones."""
    assert choose_address([LOOPBACK, DOCKER], []) is None
    assert choose_address([LOOPBACK], ["lo"]) is None


def test_the_debian_hostname_mapping_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host name resolving to 127.0.1.1 changes nothing: interfaces decide."""
    monkeypatch.setattr(socket, "gethostbyname", lambda name: "127.0.1.1")
    monkeypatch.setattr(socket, "gethostbyname_ex", lambda name: (name, [], ["127.0.1.1"]))
    wifi = Interface("wlp2s0", ("192.168.1.23", "fe80::1"))
    assert choose_address([LOOPBACK, DOCKER, wifi], ["wlp2s0"]) == "192.168.1.23"


def test_several_interfaces_the_default_route_wins() -> None:
    """With cable, Wi-Fi and Docker, the interface of the best default route is chosen."""
    found = [
        DOCKER,
        Interface("wlp2s0", ("192.168.1.23",)),
        Interface("enp0s31f6", ("10.0.0.5", "fe80::2")),
        LOOPBACK,
    ]
    routes = default_route_interfaces(ROUTES, "")
    assert choose_address(found, routes) == "10.0.0.5"
    # With the cable down, the Wi-Fi.
    found[2] = Interface("enp0s31f6", ("10.0.0.5",), up=False)
    assert choose_address(found, routes) == "192.168.1.23"


def test_no_default_route_falls_back_to_a_physical_interface() -> None:
    """An offline classroom network (no router): any up, physical interface will do."""
    found = [LOOPBACK, DOCKER, Interface("eth1", ("10.42.0.1",))]
    assert choose_address(found, []) == "10.42.0.1"


def test_ipv6_only_gives_a_global_address_in_brackets() -> None:
    """IPv6-only networks get the global address, never a link-local one."""
    found = [LOOPBACK, Interface("eth0", ("fe80::1", "2001:db8::23"))]
    address = choose_address(found, ["eth0"])
    assert address == "2001:db8::23"
    assert network.url_host(address) == "[2001:db8::23]"
    assert network.url_host("192.168.1.23") == "192.168.1.23"


def test_public_address_refuses_with_a_hint_when_only_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--public with nothing but loopback is a clear error that points to --host."""
    monkeypatch.setattr(network, "interfaces", lambda: [LOOPBACK])
    monkeypatch.setattr(network, "default_route_interfaces", lambda: [])
    with pytest.raises(errors.NoPublicAddress) as caught:
        network.public_address()
    assert "--host" in caught.value.hint
    assert network.public_address("workshop.example.org") == "workshop.example.org"
    assert network.public_address("[2001:db8::1]") == "2001:db8::1"


def test_this_machines_interfaces_are_read() -> None:
    """The interfaces psutil lists here include loopback."""
    names = {i.name for i in network.interfaces()}
    assert "lo" in names


V4_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
DEFAULT_V6 = "0" * 32


def v4_route(
    iface: str, metric: int, *, destination: str = "00000000", mask: str = "00000000"
) -> str:
    """One line of /proc/net/route."""
    return f"{iface}\t{destination}\t0100A8C0\t0003\t0\t0\t{metric}\t{mask}\t0\t0\t0\n"


def v6_route(iface: str, metric: str, *, destination: str = DEFAULT_V6, prefix: str = "00") -> str:
    """One line of /proc/net/ipv6_route; ``metric`` in hex as the kernel writes it."""
    return (
        f"{destination} {prefix} {'0' * 32} 00 fe800000000000000000000000000001 "
        f"{metric} 00000007 00000000 00000003 {iface}\n"
    )


def test_the_first_route_line_after_the_header_counts() -> None:
    """A default route on the very first line of /proc/net/route is found."""
    assert default_route_interfaces(V4_HEADER + v4_route("eth0", 100), "") == ["eth0"]


def test_ipv4_routes_rank_by_metric_not_by_name() -> None:
    """The lowest metric comes first, whatever the interfaces are called."""
    table = V4_HEADER + v4_route("eth0", 600) + v4_route("wlan0", 100)
    assert default_route_interfaces(table, "") == ["wlan0", "eth0"]


def test_only_default_ipv4_routes_count_and_each_interface_once() -> None:
    """Routes to one network, or with a mask, are not default routes; duplicates collapse."""
    table = (
        V4_HEADER
        + v4_route("eth1", 0, destination="0001A8C0", mask="00FFFFFF")
        + v4_route("eth2", 0, mask="00FFFFFF")
        + v4_route("eth3", 0, destination="0001A8C0")
        + v4_route("eth0", 100)
        + v4_route("eth0", 200)
    )
    assert default_route_interfaces(table, "") == ["eth0"]


def test_short_and_garbled_route_lines_are_skipped() -> None:
    """Lines with too few columns are ignored in both tables, without an error."""
    v4 = V4_HEADER + "eth9\t00000000\n" + "eth8 00000000 0 0 0 0 5 00000000\n"
    v6 = f"{DEFAULT_V6} 00 {'0' * 32}\n" + "\n" + "garbage 00\n"
    # Exactly 8 columns is enough for IPv4; IPv6 needs all 10.
    assert default_route_interfaces(v4, v6) == ["eth8"]


def test_ipv6_routes_rank_by_their_hex_metric() -> None:
    """IPv6 metrics are hexadecimal: 0xff ranks before 0x100."""
    v6 = v6_route("wlan0", "00000100") + v6_route("eth0", "000000ff")
    assert default_route_interfaces(V4_HEADER, v6) == ["eth0", "wlan0"]
    v6 = v6_route("eth0", "00000400") + v6_route("wlan0", "00000064")
    assert default_route_interfaces(V4_HEADER, v6) == ["wlan0", "eth0"]


def test_ipv6_routes_rank_one_million_behind_ipv4_ones() -> None:
    """An IPv6 metric counts 1,000,000 more than the same IPv4 one: IPv4 is preferred."""
    v4 = V4_HEADER + v4_route("wlan0", 600)
    assert default_route_interfaces(v4, v6_route("eth0", "00000001")) == ["wlan0", "eth0"]
    # Beyond that offset the metrics compare exactly: 0x100 + 1,000,000 < 1,000,257.
    v4 = V4_HEADER + v4_route("eth0", 1_000_257)
    assert default_route_interfaces(v4, v6_route("wlan0", "00000100")) == ["wlan0", "eth0"]


def test_only_default_ipv6_routes_not_via_loopback_count() -> None:
    """Other IPv6 routes, and the kernel's unreachable default route via lo, are ignored."""
    v6 = (
        v6_route("eth1", "00000100", destination="fe80" + "0" * 28, prefix="40")
        + v6_route("eth2", "00000100", prefix="40")
        + v6_route("eth3", "00000100", destination="2001" + "0" * 28)
        + v6_route("lo", "ffffffff")
        + v6_route("eth0", "00000400")
    )
    assert default_route_interfaces(V4_HEADER, v6) == ["eth0"]


def test_route_tables_are_read_from_the_system_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without tables given, both files are read; a missing file means no routes from it."""
    v4, v6 = tmp_path / "route", tmp_path / "ipv6_route"
    v4.write_text(V4_HEADER + v4_route("eth0", 100))
    v6.write_text(v6_route("wlan0", "00000100"))
    monkeypatch.setattr(network, "ROUTES_V4", v4)
    monkeypatch.setattr(network, "ROUTES_V6", v6)
    assert default_route_interfaces() == ["eth0", "wlan0"]
    v6.unlink()
    assert default_route_interfaces() == ["eth0"]
    v4.unlink()
    assert default_route_interfaces() == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.0.1.1", "::1", "169.254.10.20", "fe80::1", "0.0.0.0", "::",
        "224.0.0.251", "ff02::fb", "not-an-address", "",
    ],
)  # fmt: skip
def test_addresses_others_cannot_use_are_never_chosen(address: str) -> None:
    """Loopback, link-local, unspecified, multicast and non-addresses are skipped."""
    assert choose_address([Interface("eth0", (address,))], ["eth0"]) is None
    found = [Interface("eth0", (address, "192.168.1.23"))]
    assert choose_address(found, ["eth0"]) == "192.168.1.23"


@pytest.mark.parametrize(
    "addresses",
    [("2001:db8::5", "10.0.0.5"), ("fe80::1", "2001:db8::5", "10.0.0.5", "10.0.0.6")],
)
def test_an_ipv4_address_is_preferred_to_an_ipv6_one(addresses: tuple[str, ...]) -> None:
    """Of an interface's usable addresses the first IPv4 one wins, even listed after IPv6."""
    assert choose_address([Interface("eth0", addresses)], ["eth0"]) == "10.0.0.5"


def test_down_interfaces_and_container_bridges_are_not_fallbacks() -> None:
    """Without a default route, a down interface or a bridge is passed over."""
    found = [
        Interface("eth0", ("10.0.0.5",), up=False),
        Interface("br-1a2b3c", ("172.18.0.1",)),
        Interface("veth12ab", ("10.1.0.1",)),
        Interface("eth1", ("10.42.0.1",)),
    ]
    assert choose_address(found, []) == "10.42.0.1"


@given(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9.-]{0,40}\Z"))
@example(host="XLAB.example.org")
@example(host="lab-X")
def test_a_host_given_by_the_instructor_is_used_as_it_is(host: str) -> None:
    """Whatever name --host says is used unchanged, capitals and all."""
    assert network.public_address(host) == host


def test_a_bracketed_ipv6_host_loses_its_brackets_and_regains_them_in_urls() -> None:
    """'--host [2001:db8::1]' is the address 2001:db8::1, written [2001:db8::1] in a URL."""
    assert network.public_address("[2001:db8::1]") == "2001:db8::1"
    assert network.url_host("2001:db8::1") == "[2001:db8::1]"
    assert network.url_host("[2001:db8::1]") == "[2001:db8::1]"
    assert network.url_host("workshop.example.org") == "workshop.example.org"


def test_without_host_the_default_route_address_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """--public without --host gives the address of the default route's interface."""
    found = [Interface("lo", ("127.0.0.1",)), Interface("wlp2s0", ("192.168.1.23",))]
    monkeypatch.setattr(network, "interfaces", lambda: found)
    monkeypatch.setattr(network, "default_route_interfaces", lambda: ["wlp2s0"])
    assert network.public_address() == "192.168.1.23"
    assert network.public_address("") == "192.168.1.23"


def test_only_loopback_is_refused_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal says what was found and how to name an address with --host."""
    monkeypatch.setattr(network, "interfaces", lambda: [Interface("lo", ("127.0.0.1",))])
    monkeypatch.setattr(network, "default_route_interfaces", lambda: ["lo"])
    with pytest.raises(errors.NoPublicAddress) as caught:
        network.public_address()
    assert str(caught.value) == (
        "This machine has no network address other devices could use: only loopback was found.\n"
        "hint: Connect to the network learners use, or say which name or address they should "
        "open with --host (e.g. --host workshop.example.org)."
    )


def fake_psutil_interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make psutil list a made-up machine's interfaces and their states."""

    def addr(family: int, address: str) -> Any:
        return SimpleNamespace(family=family, address=address)

    addrs = {
        "lo": [addr(socket.AF_INET, "127.0.0.1"), addr(socket.AF_INET6, "::1")],
        "eth0": [
            addr(psutil.AF_LINK, "52:54:00:12:34:56"),
            addr(socket.AF_INET, "10.0.0.5"),
            addr(socket.AF_INET6, "fe80::5054:ff:fe12:3456%eth0"),
        ],
        "wlan0": [addr(socket.AF_INET6, "2001:db8::23")],
        "tun0": [addr(socket.AF_INET, "10.8.0.2")],
    }
    stats = {
        "lo": SimpleNamespace(isup=True),
        "eth0": SimpleNamespace(isup=True),
        "wlan0": SimpleNamespace(isup=False),
    }
    monkeypatch.setattr(psutil, "net_if_addrs", lambda: addrs)
    monkeypatch.setattr(psutil, "net_if_stats", lambda: stats)


def test_interfaces_list_ip_addresses_without_zone_and_their_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """IPv4 and IPv6 addresses only, '%eth0' zones cut off; up only when psutil says so."""
    fake_psutil_interfaces(monkeypatch)
    assert network.interfaces() == [
        Interface("lo", ("127.0.0.1", "::1"), up=True),
        Interface("eth0", ("10.0.0.5", "fe80::5054:ff:fe12:3456"), up=True),
        Interface("wlan0", ("2001:db8::23",), up=False),
        Interface("tun0", ("10.8.0.2",), up=False),  # no state known: not trusted as up
    ]


def conn(port: int, pid: int | None, status: str = psutil.CONN_LISTEN) -> Any:
    """One row of psutil's TCP connection table."""
    return SimpleNamespace(status=status, laddr=SimpleNamespace(ip="0.0.0.0", port=port), pid=pid)


class FakeProcess:
    """psutil.Process over a made-up process table."""

    table: ClassVar[dict[int, tuple[str, list[str]]]] = {
        4242: ("jupyter-lab", ["/usr/bin/python3", "-m", "jupyter", "lab", "--port", "8888"]),
        5151: ("python3", ["python3", "-c", "x" * 200]),
    }

    def __init__(self, pid: int | None) -> None:
        if pid not in self.table:
            raise psutil.NoSuchProcess(pid or 0)
        self.pid = pid

    def name(self) -> str:
        """The process's name."""
        return self.table[self.pid][0]

    def cmdline(self) -> list[str]:
        """The process's command line."""
        return self.table[self.pid][1]


def fake_connections(rows: list[Any]) -> Callable[..., list[Any]]:
    """psutil.net_connections over ``rows`` (all TCP), refusing kinds psutil refuses."""

    def net_connections(kind: str = "inet") -> list[Any]:
        if kind not in ("tcp", "inet", "all"):
            raise ValueError(f"invalid kind argument {kind!r}")
        udp = [conn(8888, 999, status=psutil.CONN_NONE)] if kind != "tcp" else []
        return [*rows, *udp]

    return net_connections


TABLE = [
    conn(22, 101),  # sshd, listening on another port
    conn(8888, 303, status=psutil.CONN_ESTABLISHED),  # a client of port 8888, not its server
    SimpleNamespace(status=psutil.CONN_LISTEN, laddr=(), pid=404),  # no local address
    conn(8888, 4242),
    conn(9000, None),
    conn(9100, 7777),
    conn(9200, 5151),
]


@pytest.mark.parametrize(
    ("port", "holder"),
    [
        (8888, "jupyter-lab (process 4242: /usr/bin/python3 -m jupyter lab --port 8888)"),
        (9000, "another program (run as root to see which)"),
        (9100, "process 7777"),
        (9200, "python3 (process 5151: " + ("python3 -c " + "x" * 200)[:80] + ")"),
        (22, "process 101"),
        (8000, None),
    ],
)
def test_the_program_listening_on_a_port_is_named(
    monkeypatch: pytest.MonkeyPatch, port: int, holder: str | None
) -> None:
    """Only a listening TCP socket on that port counts; what is known of its process is said."""
    monkeypatch.setattr(psutil, "net_connections", fake_connections(TABLE))
    monkeypatch.setattr(psutil, "Process", FakeProcess)
    assert network.port_holder(port) == holder


@pytest.mark.parametrize("failure", [psutil.AccessDenied(), PermissionError("not root")])
def test_a_connection_table_that_cannot_be_read_names_nobody(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """Where listing connections needs root (macOS), the holder is simply unknown."""

    def refuse(kind: str = "inet") -> list[Any]:
        raise failure

    monkeypatch.setattr(psutil, "net_connections", refuse)
    assert network.port_holder(8888) is None


# Checking a host given for URLs leads here.

WIFI = Interface("wlp2s0", ("192.168.1.20", "fe80::1", "2001:db8::20"))


@pytest.fixture
def on_wifi(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine: loopback, Docker's bridge and Wi-Fi carrying the default route."""
    monkeypatch.setattr(network, "interfaces", lambda: [LOOPBACK, DOCKER, WIFI])
    monkeypatch.setattr(network, "default_route_interfaces", lambda: ["wlp2s0"])


@pytest.mark.parametrize(
    "host", ["192.168.1.20", "2001:db8::20", "[2001:db8::20]", "fe80::1%wlp2s0", "127.0.0.1"]
)
@pytest.mark.usefixtures("on_wifi")
def test_an_address_of_this_machine_leads_here(host: str) -> None:
    """Any address of any interface (brackets and zones aside) is fine."""
    assert check_host(host) is None


@pytest.mark.usefixtures("on_wifi")
def test_an_address_of_no_interface_is_named_with_the_current_one() -> None:
    """10.1.2.3 on a machine now at 192.168.1.20: the problem, and the address to use."""
    assert check_host("10.1.2.3") == HostProblem("10.1.2.3", "not-here", "192.168.1.20")
    assert check_host("[2001:db8::99]") == HostProblem("2001:db8::99", "not-here", "192.168.1.20")


@pytest.mark.usefixtures("on_wifi")
def test_a_name_is_checked_with_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that resolves is fine; one that does not is named (no query leaves the test)."""
    asked: list[str] = []

    def lookup(name: str, *, timeout: float = 0.0) -> tuple[str, ...]:
        asked.append(name)
        return ("203.0.113.10",) if name == "class.example.org" else ()

    monkeypatch.setattr(network, "lookup", lookup)
    assert check_host("class.example.org") is None
    assert check_host("clas.example.org") == HostProblem(
        "clas.example.org", "no-dns", "192.168.1.20"
    )
    assert asked == ["class.example.org", "clas.example.org"]


def test_an_address_elsewhere_on_a_machine_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only loopback: the problem is named with no address to offer instead."""
    monkeypatch.setattr(network, "interfaces", lambda: [LOOPBACK])
    monkeypatch.setattr(network, "default_route_interfaces", lambda: [])
    assert check_host("10.1.2.3") == HostProblem("10.1.2.3", "not-here", None)


def test_lookup_gives_each_address_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver's answers (one per socket type and family) become distinct addresses."""

    def getaddrinfo(host: str, port: object, **kwargs: object) -> list[tuple[Any, ...]]:
        assert host == "class.example.org"
        assert kwargs == {"type": socket.SOCK_STREAM}  # one answer per address and family
        # Asked from a thread of its own, which never keeps wiw from exiting.
        assert threading.current_thread().name == "wiw-lookup"
        assert threading.current_thread().daemon is True
        v4 = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.10", 0))
        v6 = (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::10", 0, 0, 0))
        return [v4, v6, v4]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert real_lookup("class.example.org") == ("203.0.113.10", "2001:db8::10")


@pytest.mark.parametrize(
    "failure", [socket.gaierror(-2, "Name or service not known"), UnicodeError()]
)
def test_lookup_of_an_unknown_name_gives_nothing(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """NXDOMAIN, no network, or a name IDNA refuses: no address."""

    def getaddrinfo(host: str, port: object, **kwargs: object) -> list[tuple[Any, ...]]:
        raise failure

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert real_lookup("nowhere.invalid") == ()


def test_a_resolver_that_hangs_gives_nothing_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline with a DNS server configured, the resolver can hang: wiw does not wait."""
    release = threading.Event()

    def getaddrinfo(host: str, port: object, **kwargs: object) -> list[tuple[Any, ...]]:
        release.wait(5)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.10", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    try:
        assert real_lookup("slow.example.org", timeout=0.05) == ()
    finally:
        release.set()


@pytest.mark.usefixtures("on_wifi")
def test_a_name_is_looked_up_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an IPv6 address's brackets are taken off: a name keeps every letter."""
    monkeypatch.setattr(
        network, "lookup", lambda name, timeout=0.0: ("192.0.2.1",) * (name == "MAILBOX")
    )
    assert check_host("MAILBOX") is None


def test_addresses_with_a_zone_count_and_unreadable_ones_are_skipped() -> None:
    """fe80::1%eth0 is fe80::1; an address that cannot be read does not hide the next."""
    found = network._addresses([Interface("eth0", ("fe80::1%eth0", "not-an-address", "10.0.0.2"))])
    assert found == {ipaddress.ip_address("fe80::1"), ipaddress.ip_address("10.0.0.2")}
