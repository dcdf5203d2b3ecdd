"""The classroom's options: each range at its edges, seats, the class list and the password.

Every refusal is checked word for word, message and hint, as the instructor reads it.
"""

from __future__ import annotations

from typing import Any

import pytest

from wiw import errors
from wiw.classroom.lifecycle import ClassroomOptions


def refusal(**options: Any) -> errors.InvalidOption:
    """The error ClassroomOptions(**options) raises."""
    with pytest.raises(errors.InvalidOption) as caught:
        ClassroomOptions(**options)
    return caught.value


def test_the_defaults() -> None:
    """30 learners, 4 starting at once, culled after an hour, temporary logins, no seats."""
    options = ClassroomOptions()
    assert (options.max_learners, options.concurrent_spawns, options.cull_after) == (30, 4, 3600)
    assert (options.auth, options.password, options.backend) == ("temporary", None, "docker")
    assert (options.seats, options.short_url, options.roster, options.docker_socket) == (
        0, True, (), None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("option", "low", "high", "what"),
    [
        ("max_learners", 0, 10_000, "The learner cap"),
        ("concurrent_spawns", 1, 1000, "The number of servers starting at once"),
        ("cull_after", 10, 7 * 24 * 3600, "The idle time before culling"),
    ],
    ids=["max_learners", "concurrent_spawns", "cull_after"],
)
def test_each_range_takes_its_edges_and_refuses_one_beyond(
    option: str, low: int, high: int, what: str
) -> None:
    """The lowest and highest values are taken; one past either is refused, naming the range."""
    for value in (low, high):
        options: dict[str, Any] = {option: value}
        assert getattr(ClassroomOptions(**options), option) == value
    for value in (low - 1, high + 1):
        err = refusal(**{option: value})
        assert err.message == f"{what} is {value}, out of range."
        assert err.hint == f"Give a number from {low} to {high}."


def test_seats_go_up_to_the_learner_cap() -> None:
    """As many seats as learners are taken; one more is refused with the cap as the top."""
    assert ClassroomOptions(max_learners=5, seats=5).seats == 5
    err = refusal(max_learners=5, seats=6)
    assert err.message == "The number of seats is 6, out of range."
    assert err.hint == "Give a number from 0 to 5."
    err = refusal(seats=-1)
    assert err.hint == "Give a number from 0 to 30."


def test_without_a_learner_cap_seats_go_up_to_the_spawn_limit() -> None:
    """No cap (0): up to 1000 seats."""
    assert ClassroomOptions(max_learners=0, seats=1000).seats == 1000
    err = refusal(max_learners=0, seats=1001)
    assert err.hint == "Give a number from 0 to 1000."


def test_a_swarm_class_takes_seats_within_its_cap() -> None:
    """Seats on Swarm as on one engine: none by default, up to the cap."""
    assert ClassroomOptions(backend="swarm").seats == 0
    assert ClassroomOptions(backend="swarm", seats=8, max_learners=8).seats == 8
    assert "seats" in refusal(backend="swarm", seats=9, max_learners=8).message


def test_a_class_password_of_eight_characters_is_enough() -> None:
    """Eight characters are taken; seven, or none, are refused with the rule."""
    assert ClassroomOptions(auth="shared-password", password="12345678").password == "12345678"
    for password in ("1234567", None):
        err = refusal(auth="shared-password", password=password)
        assert err.message == (
            "A shared-password classroom needs a password of 8 characters or more."
        )
        assert err.hint == "Choose a class password of at least 8 characters."
    assert ClassroomOptions(password="short").auth == "temporary"  # only checked when used


def test_a_class_list_takes_clean_distinct_names() -> None:
    """Names as learners should see them, each once, are kept in order."""
    options = ClassroomOptions(roster=("Ada Lovelace", "Grace", "Zoë"))
    assert options.roster == ("Ada Lovelace", "Grace", "Zoë")


def test_a_class_list_needs_the_join_page() -> None:
    """With a class password, a class list is refused; an empty one is fine."""
    assert ClassroomOptions(auth="shared-password", password="12345678", roster=()).roster == ()
    err = refusal(auth="shared-password", password="12345678", roster=("Ada",))
    assert err.message == "A class list works with the join page, not with a class password."
    assert err.hint == "Give either the class list or the class password."


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        (("Ada", "ada"),
         "'ada' cannot be on the class list: It is on the list already, as 'Ada'."),
        (("Ada", "Bob", "ADA"),
         "'ADA' cannot be on the class list: It is on the list already, as 'Ada'."),
        (("Ada  Lovelace",),
         "'Ada  Lovelace' cannot be on the class list: Write it with single spaces and none "
         "around it."),
        ((" Ada",), "' Ada' cannot be on the class list: Write it with single spaces and none "
         "around it."),
        (("-ada",), "'-ada' cannot be on the class list: Please use letters, digits, spaces and "
         "- _ . ' only, starting with a letter."),
        (("instructor",), "'instructor' cannot be on the class list: That name is taken. "
         "Please choose another."),
    ],
    ids=["twice", "twice-later", "double-space", "leading-space", "bad-start", "instructor"],
)  # fmt: skip
def test_a_class_list_refuses_a_name_with_the_reason(
    roster: tuple[str, ...], message: str
) -> None:
    """Each refused name is quoted with why, and the hint says how to write the list."""
    err = refusal(roster=roster)
    assert err.message == message
    assert err.hint == "Write one name per line, each once, as learners should see it."


def test_a_name_on_the_list_both_unclean_and_a_repeat_reads_as_unclean() -> None:
    """A name with spaces around it that is also a repeat is refused for its spaces."""
    err = refusal(roster=("Ada", "Ada "))
    assert err.message == (
        "'Ada ' cannot be on the class list: Write it with single spaces and none around it."
    )
