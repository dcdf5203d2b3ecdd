"""Finding the address learners' devices use, over made-up interface and route tables."""

from __future__ import annotations

import socket

import pytest

from wiw import errors, network
from wiw.network import Interface, choose_address, default_route_interfaces

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
