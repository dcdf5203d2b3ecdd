"""Image references and labels follow the engine's rules."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests import strategies
from wiw import errors
from wiw.engine.labels import MANAGED, WORKSHOP, labels_for, parse_ref


@given(strategies.image_refs())
def test_valid_references_parse_and_round_trip(ref: str) -> None:
    """Every valid reference parses and prints back unchanged."""
    assert str(parse_ref(ref)) == ref


@pytest.mark.parametrize(
    ("ref", "repository", "tag"),
    [
        ("wiw/intro:latest", "wiw/intro", "latest"),
        ("localhost:5000/wiw/intro:2026-11", "localhost:5000/wiw/intro", "2026-11"),
        ("registry.example.org/a/b", "registry.example.org/a/b", None),
        ("debian:bookworm-slim", "debian", "bookworm-slim"),
    ],
)
def test_references_split_into_repository_and_tag(
    ref: str, repository: str, tag: str | None
) -> None:
    """Registry hosts stay in the repository; the tag is what follows the last colon."""
    parsed = parse_ref(ref)
    assert (parsed.repository, parsed.tag) == (repository, tag)


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "UPPER/case",
        "wiw/intro:",
        "wiw//intro",
        "-wiw",
        "wiw/intro:bad tag",
        "a:" + "x" * 129,
        "wiw intro",
        "wiw/intro:tag:extra",
        "wiw/-x",
        "wiw/intro:latest\n",
        "wiw/intro:café",
    ],
)
def test_invalid_references_raise_invalid_name(ref: str) -> None:
    """Malformed references raise InvalidName, which names the input."""
    with pytest.raises(errors.InvalidName) as caught:
        parse_ref(ref)
    assert repr(ref) in str(caught.value)
    assert caught.value.hint


def test_labels_mark_ownership_and_workshop() -> None:
    """Everything wiw creates carries the managed label and its workshop."""
    labels = labels_for("intro", "image", "1.0")
    assert labels[MANAGED] == "true"
    assert labels[WORKSHOP] == "intro"


@pytest.mark.parametrize("value", ["", "a\nb", "x" * 2000])
def test_unusable_label_values_are_refused(value: str) -> None:
    """Label values that the engine would mangle are refused."""
    with pytest.raises(errors.InvalidName):
        labels_for(value, "image", "1.0")
