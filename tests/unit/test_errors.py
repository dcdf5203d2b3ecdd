"""Engine failures become typed wiw errors; what an error shows: layout, evidence, no secrets."""

from __future__ import annotations

import io
import pickle
import stat
import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import wiw
from wiw import errors
from wiw.cli.main import report_error
from wiw.engine import Engine
from wiw.engine.failures import classify, engine_error
from wiw.engine.protocol import ContainerEngine
from wiw.events import EventStream

# Real texts printed by the Docker 28 client and engine 20.10 on failure.
REAL_STDERR = {
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?": errors.EngineUnavailable,
    "permission denied while trying to connect to the Docker daemon socket at "
    'unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/info": '
    "dial unix /var/run/docker.sock: connect: permission denied": errors.EnginePermissionDenied,
    "Error response from daemon: no such image: wiw/none:1: No such image: wiw/none:1": (
        errors.ImageNotFound
    ),
    "Error response from daemon: driver failed programming external connectivity on endpoint "
    "wiw-ws-2a28c681 (4a8a03): Error starting userland proxy: listen tcp4 127.0.0.1:47535: "
    "bind: address already in use": errors.PortInUse,
    "Error response from daemon: driver failed programming external connectivity on endpoint "
    "x (y): Bind for 127.0.0.1:8888 failed: port is already allocated": errors.PortInUse,
    "Cannot connect to Podman. Please verify your connection to the Linux system using "
    "`podman system connection list`, or try `podman machine init`": errors.EngineUnavailable,
    "Error response from daemon: conflict: unable to remove repository reference": (
        errors.EngineError
    ),
}


def fake_client(tmp_path: Path, stderr: str, code: int = 1) -> ContainerEngine:
    """An engine whose client replays ``stderr`` and exits with ``code``."""
    script = tmp_path / "docker"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            cat >&2 <<'WIW_EOF'
            {stderr}
            WIW_EOF
            exit {code}
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return Engine([str(script)])


@pytest.mark.parametrize(("stderr", "expected"), list(REAL_STDERR.items()))
def test_real_engine_texts_map_to_situations(stderr: str, expected: type[Exception]) -> None:
    """Each real error text names the matching situation."""
    assert classify(stderr) is expected


@pytest.mark.parametrize(("stderr", "expected"), list(REAL_STDERR.items()))
def test_fake_client_failures_raise_typed_errors_with_evidence(
    tmp_path: Path, stderr: str, expected: type[Exception]
) -> None:
    """A failing client call raises the typed error carrying command, exit code and stderr."""
    engine = fake_client(tmp_path, stderr, code=125)
    with pytest.raises(expected) as caught:
        engine.ping()
    err = caught.value
    assert isinstance(err, errors.EngineError)
    assert err.exit_code == 125
    assert err.command is not None
    assert err.command[0].endswith("docker")
    assert err.stderr is not None
    assert stderr[:40] in err.stderr
    assert err.hint
    assert "hint: " in str(err)


def test_missing_client_is_engine_missing() -> None:
    """A client that is not installed raises EngineMissing, inside the WiwError family."""
    with pytest.raises(wiw.EngineMissing) as caught:
        Engine(["/nonexistent/docker"]).ping()
    assert isinstance(caught.value, wiw.WiwError)


def test_python_on_whales_failures_are_translated(tmp_path: Path) -> None:
    """Calls made through python-on-whales come out as wiw errors too."""
    engine = fake_client(tmp_path, "Cannot connect to the Docker daemon at unix:///x.sock.")
    with pytest.raises(wiw.EngineUnavailable):
        engine.image_info("wiw/example:latest")


def test_tokens_and_passwords_are_redacted_everywhere() -> None:
    """Secrets in the message, command, stderr and log lines never show in str(error)."""
    err = errors.HubExited(
        "server at http://127.0.0.1:8888/lab?token=s3cr3tt0ken failed",
        command=["docker", "login", "--password", "hunter22", "-e", "JUPYTERHUB_API_TOKEN=abc"],
        stderr="Authorization: token deadbeefcafe",
        log_tail=["http://x:8888/?token=0123456789abcdef&next=/lab", "PASSWORD=letmein"],
    )
    text = str(err)
    for secret in (
        "s3cr3tt0ken",
        "hunter22",
        "abc",
        "deadbeefcafe",
        "0123456789abcdef",
        "letmein",
    ):
        assert secret not in text.replace("[redacted]", "")
    assert "next=/lab" in text


@given(st.text(alphabet="0123456789abcdef", min_size=6, max_size=64))
def test_redacted_token_values_never_survive(token: str) -> None:
    """Any token value in a URL is gone after redaction."""
    assert token not in errors.redact(f"see http://h:1/lab?token={token} now")


def test_every_error_is_a_wiw_error_with_a_docstring() -> None:
    """The exception tree has one root and each class says what went wrong."""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.WiwError)
            assert obj.__doc__


def test_token_options_and_long_arguments_are_kept_out_of_messages() -> None:
    """'--ServerApp.token abc' is redacted; a long script argument is shortened."""
    err = errors.EngineError(
        "failed", command=["jupyter", "lab", "--ServerApp.token", "abc123", "-c", "x" * 5000]
    )
    text = str(err)
    assert "abc123" not in text
    assert "[5000 chars]" in text
    assert len(text) < 500


SECRET_PATH = "Zq9sYk3vTt0aB2cD4eF6gH8iJ0kL2mN4"  # a join secret, as the classroom makes them


def test_a_registered_secret_is_redacted_in_every_channel(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A classroom's join secret in a URL path is hidden in errors, events and CLI output."""
    errors.register_secret(SECRET_PATH)
    log = f"JupyterHub is now running at http://:8000/{SECRET_PATH}/hub/"
    err = errors.HubExited(
        f"hub at http://127.0.0.1:41000/{SECRET_PATH}/ stopped",
        command=["docker", "logs", "hub"],
        stderr=f"GET /{SECRET_PATH}/hub/api/users 403",
        log_tail=[log],
        hint=f"Open http://127.0.0.1:41000/{SECRET_PATH}/hub/health to check it.",
    )
    assert SECRET_PATH not in str(err)
    assert str(err).count("[redacted]") == 4
    buffer = io.StringIO()
    EventStream(buffer).failed(err)
    assert SECRET_PATH not in buffer.getvalue()
    report_error(err, debug=True)
    printed = capsys.readouterr()
    assert SECRET_PATH not in printed.out + printed.err
    assert "[redacted]/hub/" in printed.err


def test_short_values_cannot_be_registered_as_secrets() -> None:
    """Registering a short word would redact ordinary text: it is refused."""
    with pytest.raises(ValueError, match="8 characters"):
        errors.register_secret("hub")


@pytest.mark.parametrize(
    "line",
    [
        "JOIN_SECRET=s3cr3tvalue",
        "WIW_JOIN_SECRET=s3cr3tvalue",
        "api_key: s3cr3tvalue",
        "CLASS_PASSWORD=s3cr3tvalue",
        "Authorization: bearer s3cr3tvalue",
        "--password s3cr3tvalue",
        "--NotebookApp.token=s3cr3tvalue",
    ],
)
def test_secret_shaped_assignments_are_redacted(line: str) -> None:
    """Values after SECRET=, PASSWORD=, api_key:, bearer and token options are hidden."""
    assert "s3cr3tvalue" not in errors.redact(line)
    assert errors.REDACTED in errors.redact(line)


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


def test_an_engine_error_says_what_happened_and_keeps_the_evidence() -> None:
    """A known situation gets its own message; the stderr is kept, trimmed to its end."""
    text = "x" * 3000 + " Error response from daemon: No such image: wiw/none:1 \n"
    err = engine_error(text, what="run the image", command=["docker", "run"], exit_code=125)
    assert type(err) is errors.ImageNotFound
    assert err.message == "The image was not found."
    assert (err.command, err.exit_code, err.log_tail) == (["docker", "run"], 125, [])
    assert err.stderr == text.strip()[-2000:]


def test_an_unknown_engine_error_names_what_wiw_was_doing() -> None:
    """Text wiw does not recognise: the plain EngineError, naming the step that failed."""
    err = engine_error("it broke", what="push the image", command=None, exit_code=None)
    assert type(err) is errors.EngineError
    assert err.message == "The container engine failed to push the image."


def test_an_engine_error_with_log_lines_keeps_them_instead_of_stderr() -> None:
    """A long-running command's last lines are the evidence; no stderr is kept besides."""
    err = engine_error(
        "port is already allocated", what="start", command=["x"], exit_code=1, log_tail=["a", "b"]
    )
    assert type(err) is errors.PortInUse
    assert (err.stderr, err.log_tail) == (None, ["a", "b"])


def test_an_unreadable_requirement_without_a_reason_still_says_why() -> None:
    """An empty reason is one empty 'why' line, before the file's evidence."""
    error = errors.InvalidRequirement(
        "bad line", path="requirements.txt", line=3, text="x", reason=""
    )
    assert error.evidence()[0] == "why: "


def test_an_incomplete_collection_names_what_was_collected(tmp_path: Path) -> None:
    """The folders written so far travel with the error, as text; the message is kept."""
    error = errors.CollectIncomplete("2 homes out of reach", collected=[tmp_path / "ada", "bob"])
    assert error.collected == [str(tmp_path / "ada"), "bob"]
    assert error.message == "2 homes out of reach"
    assert errors.CollectIncomplete("none").collected == []
