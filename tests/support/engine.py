"""What integration tests need from this machine: an engine, free ports, tools, bounded waits."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

import wiw
from wiw.engine import default_engine

__all__ = ["free_port", "in_ci", "need_tool", "require", "running_engine"]


def in_ci() -> bool:
    """Whether this run is CI's (or asks to be as strict): missing needs then fail."""
    return bool(os.environ.get("CI") or os.environ.get("WIW_REQUIRE_ENGINE"))


def require(ok: bool, why: str) -> None:
    """Skip the test when ``ok`` is false, with ``why``; in CI, fail instead."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"CI needs this and it is missing: {why}")
    pytest.skip(why)


def need_tool(name: str, why: str) -> str:
    """The path of a command-line tool the test needs (skip, or fail in CI, without it)."""
    found = shutil.which(name)
    require(found is not None, f"{name} is not installed ({why})")
    assert found is not None
    return found


def running_engine() -> wiw.Engine:
    """The real engine; in CI its absence fails the test instead of skipping it."""
    engine = default_engine()
    try:
        engine.ping()
    except wiw.WiwError as exc:
        require(False, f"no container engine answers: {exc.message}")
    return engine


def free_port() -> int:
    """A loopback port free at the moment (a restarted hub can take the same one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
