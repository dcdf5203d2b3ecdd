"""The address learners use: this machine's address on the network, found without guessing.

``--public`` needs an address other devices can reach. wiw takes it from the
interface that carries the default route (the one traffic to other networks
leaves by), never from the host name (which Debian and Ubuntu map to
127.0.1.1) and never a loopback, link-local or container-bridge address.
``--host`` overrides it with a DNS name or a public address, which
:func:`check_host` checks leads here. Nothing here sends a packet, but the
DNS query :func:`lookup` makes for a name.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from wiw import errors

__all__ = [
    "HostProblem",
    "Interface",
    "check_host",
    "choose_address",
    "default_route_interfaces",
    "interfaces",
    "lookup",
    "port_holder",
    "public_address",
    "url_host",
]

ROUTES_V4 = Path("/proc/net/route")
ROUTES_V6 = Path("/proc/net/ipv6_route")
# Interfaces that only this machine's containers and VMs reach.
_VIRTUAL = ("docker", "br-", "veth", "virbr", "cni", "podman", "flannel", "cali", "vxlan", "lo")
_DEFAULT_V6 = "0" * 32
_V4_FIELDS, _V6_FIELDS = 8, 10  # columns of /proc/net/route and /proc/net/ipv6_route
DNS_TIMEOUT = 3.0  # seconds a name may take to resolve before it counts as unknown


@dataclass(frozen=True)
class Interface:
    """A network interface and its addresses.

    Attributes:
        name: e.g. ``eth0`` or ``wlp2s0``.
        addresses: Its IPv4 and IPv6 addresses, as text.
        up: Whether it is up.
    """

    name: str
    addresses: tuple[str, ...]
    up: bool = True


def interfaces() -> list[Interface]:
    """This machine's interfaces (psutil reads them; nothing is sent)."""
    stats = psutil.net_if_stats()
    found = []
    for name, addrs in psutil.net_if_addrs().items():
        usable = tuple(
            a.address.split("%", 1)[0]
            for a in addrs
            if a.family in (socket.AF_INET, socket.AF_INET6)
        )
        found.append(Interface(name, usable, bool(stats.get(name) and stats[name].isup)))
    return found


def default_route_interfaces(v4: str | None = None, v6: str | None = None) -> list[str]:
    """The interfaces that carry a default route, best (lowest metric) first.

    Args:
        v4: The text of ``/proc/net/route``; read from the system if omitted.
        v6: The text of ``/proc/net/ipv6_route``; read from the system if omitted.
    """
    routes: list[tuple[int, str]] = []
    for line in _read(ROUTES_V4, v4).splitlines()[1:]:
        fields = line.split()
        if len(fields) >= _V4_FIELDS and fields[1] == "00000000" and fields[7] == "00000000":
            routes.append((int(fields[6]), fields[0]))
    for line in _read(ROUTES_V6, v6).splitlines():
        fields = line.split()
        default = len(fields) >= _V6_FIELDS and fields[0] == _DEFAULT_V6 and fields[1] == "00"
        if default and fields[9] != "lo":
            routes.append((int(fields[5], 16) + 1_000_000, fields[9]))
    names: list[str] = []
    for _, name in sorted(routes):
        if name not in names:
            names.append(name)
    return names


def _read(path: Path, given: str | None) -> str:
    if given is not None:
        return given
    try:
        return path.read_text()
    except OSError:
        return ""


def _reachable(address: str) -> bool:
    """Whether others could use this address (not loopback, link-local or unspecified)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def _best(addresses: Iterable[str]) -> str | None:
    """The first usable IPv4 address, else the first usable IPv6 one."""
    usable = [a for a in addresses if _reachable(a)]
    v4 = [a for a in usable if ":" not in a]
    return next(iter(v4 or usable), None)


def choose_address(found: Sequence[Interface], default_routes: Sequence[str]) -> str | None:
    """Decide the address learners' devices should use, as plain data.

    Args:
        found: This machine's interfaces.
        default_routes: Interfaces carrying a default route, best first.

    Returns:
        The address of the first default-route interface that has a usable
        one; failing that, of any other physical interface that is up; None
        when only loopback (or container bridges) remain.
    """
    by_name: Mapping[str, Interface] = {i.name: i for i in found}
    for name in default_routes:
        iface = by_name.get(name)
        if iface and iface.up and (address := _best(iface.addresses)):
            return address
    physical = [i for i in found if i.up and not i.name.startswith(_VIRTUAL)]
    return next((a for i in physical if (a := _best(i.addresses))), None)


def public_address(host: str | None = None) -> str:
    """The host name or address for URLs that other devices open.

    Args:
        host: What the instructor said (``--host``): used as it is.

    Raises:
        wiw.errors.NoPublicAddress: No address other than loopback was found.
    """
    if host:
        return host.strip("[]")
    found = choose_address(interfaces(), default_route_interfaces())
    if found is None:
        raise errors.NoPublicAddress(
            "This machine has no network address other devices could use: "
            "only loopback was found.",
            hint="Connect to the network learners use, or say which name or address they "
            "should open with --host (e.g. --host workshop.example.org).",
        )
    return found


@dataclass(frozen=True)
class HostProblem:
    """Why a name or address given for URLs may not lead to this machine.

    Attributes:
        host: The name or address (an IPv6 address without brackets).
        reason: ``"not-here"``: an IP address no interface of this machine
            has; ``"no-dns"``: a name this machine's resolver does not know.
        current: The address wiw finds for this machine (as without
            ``--host``); None when it has only loopback.
    """

    host: str
    reason: str
    current: str | None


def lookup(name: str, *, timeout: float = DNS_TIMEOUT) -> tuple[str, ...]:
    """The addresses this machine's resolver gives for a name; none if it gives none in time.

    Args:
        name: A DNS name, e.g. ``class.example.org``.
        timeout: Seconds to wait for the resolver (which can hang offline).
    """
    found: list[str] = []

    def ask() -> None:
        try:
            answers = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        found.extend(dict.fromkeys(str(answer[4][0]) for answer in answers))

    asking = threading.Thread(target=ask, name="wiw-lookup", daemon=True)
    asking.start()
    asking.join(timeout)
    return () if asking.is_alive() else tuple(found)


def check_host(host: str) -> HostProblem | None:
    """Check that a host given for URLs leads here.

    An IP address must be one of this machine's (a router may still forward
    another one here: the caller says so); a name must resolve. Only a name
    costs a DNS query.

    Args:
        host: What the instructor gave (``--host``), or what was remembered.

    Returns:
        None when it leads here, else what is the matter.
    """
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if lookup(host):
            return None
        reason = "no-dns"
    else:
        if address in _addresses(interfaces()):
            return None
        reason = "not-here"
    return HostProblem(host, reason, choose_address(interfaces(), default_route_interfaces()))


def _addresses(found: Iterable[Interface]) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every IP address of these interfaces."""
    addresses = set()
    for iface in found:
        for text in iface.addresses:
            try:
                addresses.add(ipaddress.ip_address(text.split("%", 1)[0]))
            except ValueError:
                continue
    return addresses


def url_host(host: str) -> str:
    """A host for a URL: IPv6 addresses go in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def port_holder(port: int) -> str | None:
    """Say which program listens on TCP ``port`` on this machine, if it can be told."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "another program (run as root to see which)"
            try:
                proc = psutil.Process(conn.pid)
                return f"{proc.name()} (process {conn.pid}: {' '.join(proc.cmdline())[:80]})"
            except psutil.Error:
                return f"process {conn.pid}"
    return None
