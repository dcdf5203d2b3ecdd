"""Starting a server on a host port: the ports and timeouts taken, and a server that dies at once.

The lab and the classroom both start their container through
``wiw.lab.serve``: a port from 1 to 65535, a timeout above 0 and under a day,
and a container that exits before publishing its port is reported with its
exit code and last log lines, then removed.
"""

from __future__ import annotations

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw.engine.types import ContainerSpec
from wiw.lab.serve import LOG_TAIL, MAX_TIMEOUT, check_port, check_timeout, start_published


@pytest.mark.parametrize("port", [None, 1, 65535])
def test_ports_from_1_to_65535_are_taken(port: int | None) -> None:
    """Both ends of the range, and no port at all (the engine picks one)."""
    assert check_port(port) == port


@pytest.mark.parametrize("port", [0, 65536])
def test_ports_outside_the_range_are_refused_saying_the_range(port: int) -> None:
    """The port given and the range to give."""
    with pytest.raises(errors.InvalidOption) as refused:
        check_port(port)
    assert (refused.value.message, refused.value.hint) == (
        f"Port {port} is out of range.",
        "Give a port from 1 to 65535.",
    )


@pytest.mark.parametrize("timeout", [0.001, MAX_TIMEOUT - 0.1])
def test_timeouts_above_zero_and_under_a_day_are_taken(timeout: float) -> None:
    """A thousandth of a second, and just under a day."""
    assert check_timeout(timeout) == timeout


@pytest.mark.parametrize("timeout", [0, MAX_TIMEOUT])
def test_other_timeouts_are_refused_saying_what_to_give(timeout: float) -> None:
    """Zero and a whole day are refused, each named."""
    with pytest.raises(errors.InvalidOption) as refused:
        check_timeout(timeout)
    assert (refused.value.message, refused.value.hint) == (
        f"Timeout {timeout} s is out of range.",
        "Give a positive number of seconds, under a day.",
    )


def test_a_server_that_exits_at_once_is_reported_and_removed() -> None:
    """Its name, its exit code and its last log lines; nothing is left on the engine."""
    fake = FakeEngine()
    fake.add_image("wiw/intro:1")
    logs = "".join(f"line {n}\n" for n in range(40))
    fake.exits_at_start["wiw-lab-intro"] = (3, logs)
    spec = ContainerSpec("wiw/intro:1", "wiw-lab-intro", {}, publish=[("127.0.0.1", None, 8888)])
    with pytest.raises(errors.HubExited) as exited:
        start_published(fake, spec, 8888)
    assert exited.value.message == "wiw-lab-intro exited at once."
    assert exited.value.exit_code == 3
    assert exited.value.log_tail == logs.splitlines()[-LOG_TAIL:]
    assert fake.containers == {}
