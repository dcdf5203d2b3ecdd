"""The short address people type from the projector, and how guessing it is slowed.

The proxy's side (``jupyterhub/hub/wiw_proxy.py``) runs here with a clock of
the test's; ``tests/integration/test_seats.py`` opens the address on a real
class and is refused past the limit.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hubside import load_support_module
from wiw.classroom.state import ClassroomState
from wiw.contract import (
    SHORT_ALPHABET,
    SHORT_GUESSES_PER_MINUTE,
    SHORT_LENGTH,
    new_short_code,
    read_short,
    short_form,
)

PROXY = load_support_module("wiw_proxy")
CLASS_MINUTES = 8 * 60  # a long workshop day


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The time now, as the test set it."""
        return self.now


def test_the_alphabet_has_nothing_to_mistake_and_enough_codes() -> None:
    """No 0/o, 1/l/i, no upper case; guessing at the limit takes far longer than a class."""
    assert not set("0o1li") & set(SHORT_ALPHABET)
    assert "".join(sorted(set(SHORT_ALPHABET))) == SHORT_ALPHABET
    assert SHORT_ALPHABET.lower() == SHORT_ALPHABET
    bits = SHORT_LENGTH * math.log2(len(SHORT_ALPHABET))
    assert bits > 48
    # Half the codes, at the limit, from a thousand devices at once: in minutes.
    minutes = len(SHORT_ALPHABET) ** SHORT_LENGTH / 2 / (1000 * SHORT_GUESSES_PER_MINUTE)
    assert minutes > 1_000_000 * CLASS_MINUTES


def test_codes_are_random_and_read_back_however_typed() -> None:
    """Each class its own code; dashes, spaces and capitals do not matter."""
    codes = {new_short_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == SHORT_LENGTH
        assert set(code) <= set(SHORT_ALPHABET)
        shown = short_form(code)
        assert len(shown) == SHORT_LENGTH + 2
        assert read_short(shown) == code
        assert read_short(shown.upper().replace("-", " ")) == code
    assert short_form("k7mq4xr2h9") == "k7mq-4xr-2h9"


def test_the_right_address_leads_to_the_join_url() -> None:
    """It redirects to the join URL's path; a wrong one gets 404 and nothing else."""
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=Clock())
    assert door.answer("10.0.0.5", "K7MQ-4XR-2H9") == (302, "/SECRET/")
    assert door.answer("10.0.0.5", "k7mq-4xr-2h8") == (404, None)


def test_guessing_is_refused_past_the_limit_for_a_minute() -> None:
    """Ten wrong guesses a minute per device, then 429 (the right address too); others go on."""
    clock = Clock()
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=clock)
    for n in range(SHORT_GUESSES_PER_MINUTE):
        clock.now += 1
        assert door.answer("10.0.0.66", f"wrong{n:05d}") == (404, None)
    assert door.answer("10.0.0.66", "wrongagain") == (429, None)
    assert door.answer("10.0.0.66", "k7mq-4xr-2h9") == (429, None)
    assert door.answer("10.0.0.5", "k7mq-4xr-2h9") == (302, "/SECRET/")
    clock.now += 60 - SHORT_GUESSES_PER_MINUTE + 1  # a minute after the first wrong guess
    assert door.answer("10.0.0.66", "k7mq-4xr-2h9") == (302, "/SECRET/")
    assert door.answer("10.0.0.66", "wrongonce1") == (404, None)


@given(st.lists(st.floats(0, 600), min_size=1, max_size=80))
def test_no_minute_ever_holds_more_wrong_guesses_than_the_limit(times: list[float]) -> None:
    """Whatever the timing, a device gets at most the limit's 404s in any 60 s."""
    clock = Clock()
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=clock)
    answered = []
    for at in sorted(times):
        clock.now = 1000.0 + at
        if door.answer("10.0.0.66", "wrongguess")[0] == 404:
            answered.append(at)
    for i, start in enumerate(answered):
        within = [t for t in answered[i:] if t - start < 60]
        assert len(within) <= SHORT_GUESSES_PER_MINUTE


def test_many_devices_are_remembered_within_a_bound() -> None:
    """A flood from many addresses does not grow the proxy's memory without end."""
    clock = Clock()
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=clock)
    for n in range(door.MAX_CLIENTS + 500):
        if n % 1000 == 0:
            clock.now += 61
        door.answer(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", "wrongguess")
    assert len(door.misses) <= door.MAX_CLIENTS


def test_devices_are_forgotten_a_minute_after_their_last_miss_once_too_many() -> None:
    """Past MAX_CLIENTS, those whose last miss is a minute old go; the recent ones stay."""
    clock = Clock()
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=clock)
    for n in range(door.MAX_CLIENTS - 1):
        door.answer(f"old-{n}", "wrongguess")
    clock.now += 60
    door.answer("recent", "wrongguess")
    assert len(door.misses) == door.MAX_CLIENTS  # at the bound: nobody forgotten yet
    door.answer("newest", "wrongguess")
    assert set(door.misses) == {"recent", "newest"}  # a minute old exactly: forgotten
    assert len(door.misses["newest"]) == 1


def test_the_door_comes_from_the_hubs_state(tmp_path: Path) -> None:
    """On when the hub says so and the state has a code; off otherwise."""
    (tmp_path / "state.json").write_text(json.dumps(
        {"join_secret": "SECRET", "short_code": "k7mq4xr2h9"}))  # fmt: skip
    env = {"WIW_SHORT_URL": "1", "WIW_STATE_DIR": str(tmp_path)}
    door = PROXY.short_door(env)
    assert door is not None
    assert (door.code, door.target) == ("k7mq4xr2h9", "/SECRET/")
    assert PROXY.short_door({**env, "WIW_SHORT_URL": "0"}) is None
    assert PROXY.short_door({**env, "WIW_STATE_DIR": str(tmp_path / "none")}) is None
    assert not door.behind_proxy
    (tmp_path / "state.json").write_text(json.dumps(
        {"join_secret": "SECRET", "short_code": "k7mq4xr2h9",
         "public_url": "https://workshop.example.org/"}))  # fmt: skip
    assert PROXY.short_door(env).behind_proxy
    (tmp_path / "state.json").write_text(json.dumps({"join_secret": "SECRET"}))
    assert PROXY.short_door(env) is None
    (tmp_path / "state.json").write_text(json.dumps({"short_code": "k7mq4xr2h9"}))
    assert PROXY.short_door(env) is None


@pytest.mark.parametrize(
    ("peer", "forwarded", "behind", "client"),
    [
        ("192.168.1.7", None, False, "192.168.1.7"),
        ("192.168.1.7", "6.6.6.6", False, "192.168.1.7"),  # no proxy: the header is ignored
        ("127.0.0.1", "203.0.113.9", True, "203.0.113.9"),  # a tunnel here forwards them
        ("::1", "203.0.113.9", True, "203.0.113.9"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", True, "203.0.113.9"),  # the last hop: the proxy's
        ("127.0.0.1", "1.1.1.1, 6.6.6.6,203.0.113.9", True, "203.0.113.9"),
        ("127.0.0.1", "6.6.6.6", False, "127.0.0.1"),  # a door not behind a proxy
        ("127.0.0.1", " , ", True, "127.0.0.1"),  # nothing forwarded: the proxy itself
        ("127.0.0.1", None, True, "127.0.0.1"),
        ("192.168.1.7", "6.6.6.6", True, "192.168.1.7"),  # not from a proxy here: not believed
        ("", "6.6.6.6", True, ""),  # no address the proxy could read
    ],
)
def test_behind_a_reverse_proxy_each_device_has_its_own_guesses(
    peer: str, forwarded: str | None, *, behind: bool, client: str
) -> None:
    """Through a proxy on this machine, the forwarded address counts; from others, the peer."""
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", **({"behind_proxy": True} if behind else {}))
    assert door.client(peer, forwarded) == client


def test_one_guesser_behind_the_proxy_does_not_lock_out_the_class() -> None:
    """Ten wrong guesses from one forwarded address: another device still gets in."""
    clock = Clock()
    door = PROXY.ShortDoor("k7mq4xr2h9", "/SECRET/", clock=clock, behind_proxy=True)
    guesser = door.client("127.0.0.1", "198.51.100.66")
    for _ in range(SHORT_GUESSES_PER_MINUTE):
        assert door.answer(guesser, "wrongguess") == (404, None)
    assert door.answer(guesser, "k7mq4xr2h9") == (429, None)
    learner = door.client("127.0.0.1", "203.0.113.9")
    assert door.answer(learner, "k7mq-4xr-2h9") == (302, "/SECRET/")


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [(None, "http://192.168.1.20:41457/k7mq-4xr-2h9"),
     ("https://workshop.example.org/", "https://workshop.example.org/k7mq-4xr-2h9")],
)  # fmt: skip
def test_the_short_url_sits_beside_the_join_url(public_url: str | None, expected: str) -> None:
    """The join URL's origin with the code; none when it is turned off."""
    state = ClassroomState("SECRET", "token", port=41457, address="192.168.1.20",
                           public_url=public_url, short_code="k7mq4xr2h9")  # fmt: skip
    assert state.short_url == expected
    assert state.join_url.startswith(expected.removesuffix("k7mq-4xr-2h9"))
    assert replace(state, short=False).short_url is None
    assert replace(state, short_code="").short_url is None
    assert ClassroomState.new().short_code != ClassroomState.new().short_code
