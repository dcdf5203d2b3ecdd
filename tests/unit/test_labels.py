"""Image references and labels follow the engine's rules: digests, hosts, length limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import strategies
from wiw import errors
from wiw.engine.labels import (
    MANAGED,
    WORKSHOP,
    ImageRef,
    labels_for,
    parse_ref,
    validate_label_value,
)


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


DIGEST = "sha256:" + "0123456789abcdef" * 4


@given(strategies.image_refs(), st.from_regex(r"\A(sha256|sha512):[0-9a-f]{32,64}\Z"))
def test_references_pinned_by_digest_keep_it(ref: str, digest: str) -> None:
    """A digest after '@' is kept apart from the tag and printed back unchanged."""
    parsed = parse_ref(f"{ref}@{digest}")
    assert parsed.digest == digest
    assert str(parsed) == f"{ref}@{digest}"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (f"wiw/intro@{DIGEST}", ImageRef("wiw/intro", None, DIGEST)),
        (f"wiw/intro:1@{DIGEST}", ImageRef("wiw/intro", "1", DIGEST)),
        (f"intro@{DIGEST}", ImageRef("intro", None, DIGEST)),
        (f"localhost/intro@{DIGEST}", ImageRef("localhost/intro", None, DIGEST)),
    ],
)
def test_a_digest_is_read_whatever_the_repository_looks_like(ref: str, expected: ImageRef) -> None:
    """With or without a path or a tag, the digest is part of the parsed reference."""
    assert parse_ref(ref) == expected


def test_a_digest_only_reference_prints_as_repository_at_digest() -> None:
    """An ImageRef with a digest and no tag prints 'repository@digest'."""
    assert str(ImageRef("wiw/intro", digest=DIGEST)) == f"wiw/intro@{DIGEST}"
    assert str(ImageRef("wiw/intro", "1", DIGEST)) == f"wiw/intro:1@{DIGEST}"


def test_a_registry_host_may_have_capitals_but_a_path_may_not() -> None:
    """'Registry.Example.org/...' is a host and accepted; 'Wiw/intro' is a path and refused."""
    parsed = parse_ref("Registry.Example.org/wiw/intro:1")
    assert (parsed.repository, parsed.tag) == ("Registry.Example.org/wiw/intro", "1")
    with pytest.raises(errors.InvalidName, match="'Wiw/intro'"):
        parse_ref("Wiw/intro")


@pytest.mark.parametrize("suffix", ["", ":latest", ":" + "t" * 128, f"@{DIGEST}"])
def test_a_repository_name_may_have_255_characters_not_256(suffix: str) -> None:
    """Exactly 255 characters of name are accepted, tag or digest aside; 256 are refused."""
    assert parse_ref("a" * 255 + suffix).repository == "a" * 255
    with pytest.raises(errors.InvalidName, match="Not a valid image reference"):
        parse_ref("a" * 256 + suffix)


@given(
    st.text(
        alphabet=st.characters(blacklist_characters="\n\x00", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=1024,
    )
)
def test_any_label_value_up_to_1024_characters_without_newline_or_nul_is_kept(
    value: str,
) -> None:
    """Label values of 1 to 1024 characters, other than newline and NUL, are kept as they are."""
    assert validate_label_value(value) == value


@pytest.mark.parametrize("value", ["", "two\nlines", "nul\x00byte", "x" * 1025])
def test_an_unusable_label_value_is_refused_naming_it(value: str) -> None:
    """Empty, multi-line, NUL-carrying or over-long values are refused, quoting the value."""
    with pytest.raises(errors.InvalidName) as caught:
        validate_label_value(value)
    assert caught.value.message == f"Not a usable label value: {value!r}"


def test_a_label_value_of_exactly_1024_characters_is_accepted() -> None:
    """1024 characters is the limit itself: a workshop named so is labelled."""
    assert labels_for("w" * 1024, "image", "1.0")["org.wiw.workshop"] == "w" * 1024
