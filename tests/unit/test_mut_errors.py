"""What an error shows people: its exact layout, shortened arguments, and secrets hidden."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wiw import errors

# Secrets drawn from characters that "[redacted]" does not contain, so that what
# is left after redaction can be checked character by character.
SECRET_CHARS = "0123456789xyzXYZ"
secrets = st.text(alphabet=SECRET_CHARS, min_size=8, max_size=24)


@pytest.fixture
def known(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh set of registered secrets for one test, so no test sees another's."""
    monkeypatch.setattr(errors, "_KNOWN", set())


def test_an_error_shows_message_evidence_and_hint_one_per_line() -> None:
    """str(error) is the message, command, exit code, stderr, log tail and hint, in order."""
    err = errors.EngineError(
        "Pushing wiw/intro:1 failed.",
        command=["docker", "push", "wiw/intro:1"],
        exit_code=1,
        stderr="  denied: requested access to the resource is denied\n",
        log_tail=["The push refers to repository", "preparing"],
        hint="Log in first.",
    )
    assert str(err) == (
        "Pushing wiw/intro:1 failed.\n"
        "command: docker push wiw/intro:1\n"
        "exit code: 1\n"
        "stderr: denied: requested access to the resource is denied\n"
        "last 2 log lines:\n"
        "  The push refers to repository\n"
        "  preparing\n"
        "hint: Log in first."
    )


def test_exit_code_zero_is_evidence_and_missing_parts_are_left_out() -> None:
    """Exit code 0 is shown; no command, blank stderr and no log tail add no lines."""
    err = errors.HubExited("The hub stopped.", exit_code=0, stderr=" \n ", hint="")
    assert err.evidence() == ["exit code: 0"]
    assert str(err) == "The hub stopped.\nexit code: 0"


def test_the_class_hint_is_used_unless_one_is_given() -> None:
    """Without a hint the error's own hint shows; an empty hint shows none."""
    assert str(errors.PortInUse("Port 8888 is taken.")) == (
        "Port 8888 is taken.\nhint: " + errors.PortInUse.hint
    )
    assert str(errors.PortInUse("Port 8888 is taken.", hint="")) == "Port 8888 is taken."
    assert str(errors.HubError("The hub did not come up.")) == "The hub did not come up."


@given(st.integers(min_value=1, max_value=400))
@example(size=200)
@example(size=201)
def test_arguments_over_200_characters_show_their_first_60_and_their_length(size: int) -> None:
    """An argument of up to 200 characters is shown whole; a longer one is shortened."""
    arg = ("abcdefghij" * 40)[:size]
    (line,) = errors.EngineError("failed", command=["sh", "-c", arg]).evidence()
    shown = arg if size <= 200 else f"{arg[:60]}…[{size} chars]"
    assert line == f"command: sh -c {shown}"


def test_token_values_are_replaced_and_their_keys_kept() -> None:
    """Redaction replaces only the value: what it was (token=, PASSWORD=) stays readable."""
    assert errors.redact("GET /lab?token=abc123&next=/tree PASSWORD=hunter22 ok") == (
        "GET /lab?token=[redacted]&next=/tree PASSWORD=[redacted] ok"
    )


def test_the_message_is_the_exceptions_argument_and_survives_pickling() -> None:
    """The message travels as the exception's argument (repr, pickling between processes)."""
    err = errors.InvalidName("Not a valid image reference: 'X'")
    assert "Not a valid image reference: 'X'" in repr(err)
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert str(again) == str(err)


def test_not_enough_disk_carries_its_numbers_message_and_hint() -> None:
    """The disk error keeps free, required and reclaimable bytes and shows message and hint."""
    err = errors.NotEnoughDisk(
        "Only 1.0 GiB free.", free=2**30, required=5 * 2**30, reclaimable=3 * 2**30,
        hint="'wiw prune' would reclaim about 3.0 GiB.",
    )  # fmt: skip
    assert (err.free, err.required, err.reclaimable) == (2**30, 5 * 2**30, 3 * 2**30)
    assert str(err) == "Only 1.0 GiB free.\nhint: 'wiw prune' would reclaim about 3.0 GiB."


@pytest.mark.usefixtures("known")
def test_a_secret_shorter_than_8_characters_is_refused_and_not_registered() -> None:
    """Seven characters are refused, saying the minimum; eight are accepted and redacted."""
    with pytest.raises(ValueError, match=r"^a secret to redact must have at least 8 characters$"):
        errors.register_secret("1234567")
    assert errors.redact("pin 1234567") == "pin 1234567"
    errors.register_secret("12345678")
    assert errors.redact("pin 12345678 set") == f"pin {errors.REDACTED} set"


@given(secrets, st.text(alphabet=SECRET_CHARS, min_size=1, max_size=8))
@example(secret="zzzzzzzz", prefix="a")  # the shorter secret sorts after the longer one
def test_a_secret_inside_a_longer_one_leaves_nothing_of_either(secret: str, prefix: str) -> None:
    """When one registered secret contains another, the longer is hidden whole."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(errors, "_KNOWN", set())
        errors.register_secret(secret)
        errors.register_secret(prefix + secret)
        text = f"join /{prefix + secret}/hub and /{secret}/lab"
        redacted = errors.redact(text)
    assert redacted == f"join /{errors.REDACTED}/hub and /{errors.REDACTED}/lab"


def test_a_password_in_a_url_is_redacted_and_the_user_kept() -> None:
    """user:password@host keeps the scheme, the user and the host; only the password goes."""
    text = "pushing to https://ana:hunter22@registry.example.org/course failed"
    assert errors.redact(text) == (
        "pushing to https://ana:[redacted]@registry.example.org/course failed"
    )
