"""Learners' devices on networks of their own: network namespaces joined to this machine.

Each device is a network namespace with one end of a veth pair; the other end
stays on this machine with an address of a private test subnet that exists
only here (``10.250.N.0/24``). Programs run in the namespace reach this machine
at the host-side address, as a phone on the classroom's Wi-Fi would, and
nothing is sent anywhere else. Everything is removed afterwards, even on failure.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.engine import require

__all__ = ["Device", "device", "netns_available"]


@dataclass(frozen=True)
class Device:
    """A learner's device on its own network.

    Attributes:
        namespace: The network namespace's name.
        host_address: This machine's address as the device sees it.
        address: The device's own address.
    """

    namespace: str
    host_address: str
    address: str

    def command(self, *argv: str) -> list[str]:
        """``argv`` run inside the device's namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def wrapper(self, program: str, folder: Path) -> Path:
        """A script that runs ``program`` (with its arguments) inside the namespace."""
        script = folder / f"{Path(program).name}-in-{self.namespace}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.namespace} {program} "$@"\n')
        script.chmod(0o755)
        return script


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def netns_available() -> bool:
    """Whether this machine lets the tests make network namespaces (root, iproute2)."""
    if shutil.which("ip") is None:
        return False
    probe = f"wiwprobe{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if made.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True, check=False)
    return True


@contextlib.contextmanager
def device(n: int) -> Iterator[Device]:
    """A device on test network ``10.250.n.0/24``; removed afterwards, even on failure."""
    require(netns_available(), "network namespaces cannot be made here (needs root and ip)")
    tag = secrets.token_hex(3)
    namespace, host_end, device_end = f"wiw-phone-{tag}", f"wiwh{tag}", f"wiwd{tag}"
    found = Device(namespace, f"10.250.{n}.1", f"10.250.{n}.2")
    try:
        _ip("netns", "add", namespace)
        _ip("link", "add", host_end, "type", "veth", "peer", "name", device_end)
        _ip("link", "set", device_end, "netns", namespace)
        _ip("addr", "add", f"{found.host_address}/24", "dev", host_end)
        _ip("link", "set", host_end, "up")
        for args in (
            ("addr", "add", f"{found.address}/24", "dev", device_end),
            ("link", "set", device_end, "up"),
            ("link", "set", "lo", "up"),
        ):
            _ip("-n", namespace, *args)
        yield found
    finally:
        subprocess.run(["ip", "link", "delete", host_end], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True, check=False)
    leftovers = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=False
    ).stdout
    assert namespace not in leftovers, f"namespace {namespace} was not removed"
