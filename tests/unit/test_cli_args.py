"""The command line's value types and parser: exact ranges, and refusals in the user's words."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiw import errors
from wiw.cli import args as _cliargs
from wiw.cli.args import CommandParser, count, decimal, memory, port, seconds, suggest

DAY = 24 * 3600
NOT_NUMBERS = ["", "abc", "12x", "0x10", "one"]


def refusal(parse: Callable[[str], object], text: str) -> str:
    """The sentence an argparse type gives when it refuses ``text``."""
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        parse(text)
    return str(caught.value)


def parse_error(
    capsys: pytest.CaptureFixture[str], parser: argparse.ArgumentParser, *argv: str
) -> list[str]:
    """Parse ``argv``, which must be refused with status 2; return what was printed, by line."""
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(argv)
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@given(st.integers(-5, 5), st.integers(0, 10), st.integers(-10, 20))
def test_count_accepts_exactly_low_to_high(low: int, span: int, value: int) -> None:
    """A whole number is accepted from low to high inclusive; outside, the range is named."""
    high = low + span
    parse = count(low, high)
    if low <= value <= high:
        assert parse(str(value)) == value
    else:
        assert refusal(parse, str(value)) == (
            f"must be a whole number from {low} to {high}, not '{value}'"
        )


@pytest.mark.parametrize("text", ["1.5", "1e3", *NOT_NUMBERS])
def test_count_refuses_what_is_not_a_whole_number(text: str) -> None:
    """Words, decimals and empty text are refused with the range, quoting the input."""
    assert refusal(count(0, 10), text) == f"must be a whole number from 0 to 10, not {text!r}"


@pytest.mark.parametrize(("text", "value"), [("0.05", 0.05), ("1024", 1024.0), ("1", 1.0)])
def test_decimal_accepts_both_ends_of_its_range(text: str, value: float) -> None:
    """A CPU count of exactly the lowest or the highest allowed value is accepted."""
    assert decimal(0.05, 1024)(text) == value


@pytest.mark.parametrize("text", ["0.049", "1024.5", "-1", "nan", "inf", *NOT_NUMBERS])
def test_decimal_refuses_outside_its_range_and_non_numbers(text: str) -> None:
    """Out of range, not a number at all, or NaN: the refusal names the range and the input."""
    assert refusal(decimal(0.05, 1024), text) == (
        f"must be a number from 0.05 to 1024, not {text!r}"
    )


@given(st.floats(min_value=0, max_value=2 * DAY, allow_nan=False))
def test_seconds_are_more_than_zero_and_less_than_a_day(value: float) -> None:
    """Any positive number of seconds under 86400 is accepted; 0 and a full day are not."""
    text = repr(value)
    if 0 < value < DAY:
        assert seconds(text) == value
    else:
        assert refusal(seconds, text) == (
            f"must be a positive number of seconds under a day (86400), not {text!r}"
        )


@pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), ("86399.5", 86399.5)])
def test_seconds_accept_fractions_near_both_ends(text: str, value: float) -> None:
    """Half a second and half a second short of a day are both accepted."""
    assert seconds(text) == value


@pytest.mark.parametrize("text", ["0", "86400", "-1", "nan", *NOT_NUMBERS[:2], "soon"])
def test_seconds_refuse_zero_a_day_and_words(text: str) -> None:
    """Zero, a whole day, negatives and words are refused in the same sentence."""
    assert refusal(seconds, text) == (
        f"must be a positive number of seconds under a day (86400), not {text!r}"
    )


def test_ports_run_from_1_to_65535() -> None:
    """Port 1 and 65535 are accepted; 0 and 65536 are refused, naming the range."""
    assert (port("1"), port("65535")) == (1, 65535)
    for text in ("0", "65536"):
        assert refusal(port, text) == f"must be a whole number from 1 to 65535, not '{text}'"


@pytest.mark.parametrize("text", ["64m", "65536k", "1g", "67108864"])
def test_memory_accepts_64_mib_and_more_as_written(text: str) -> None:
    """Exactly 64 MiB, in any unit, is enough; the text is kept as the user wrote it."""
    assert memory(text) == text


@pytest.mark.parametrize("text", ["63m", "67108863", "lots", "", "-1g"])
def test_memory_refuses_less_than_64_mib_and_nonsense(text: str) -> None:
    """Below 64 MiB, or not a size at all: the refusal gives an example and the minimum."""
    assert refusal(memory, text) == (
        f"must be a size such as 512m or 2g, at least 64 MiB, not {text!r}"
    )


def test_suggest_proposes_the_closest_choice_or_says_nothing() -> None:
    """A near miss gets the closest command; a word like none of them gets no suggestion."""
    assert suggest("buidl", ["build", "run", "test"]) == " Did you mean 'build'?"
    assert suggest("xyzzy", ["build", "run", "test"]) == ""


def command_line(prog: str = "wiw") -> CommandParser:
    """A small command line: two commands, a ranged port, a choice, defaults to show or not."""
    parser = CommandParser(prog=prog)
    parser.add_argument("-p", "--port", type=port, help="the host port")
    parser.add_argument("--kind", choices=["z2jh", "compose"], help="what to write")
    parser.add_argument("-f", "--format", choices=["json", "text"], help="how to print")
    parser.add_argument("--keep", type=count(0, 1000), default=1, help="images to keep")
    parser.add_argument("--host", help="the name learners open")
    parser.add_argument("--dry-run", action="store_true", help="only say what would happen")
    parser.add_argument("--no-browser", dest="browser", action="store_false", help="stay quiet")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("build").add_argument("target", choices=["image", "context"])
    sub.add_parser("run")
    sub.add_parser("destroy")
    return parser


def test_a_bad_number_names_the_long_flag_then_the_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """'-p 70000' is reported as '--port must be ...', then a hint to the help."""
    assert parse_error(capsys, command_line(), "-p", "70000") == [
        "error: --port must be a whole number from 1 to 65535, not '70000'",
        "hint: see 'wiw --help'.",
    ]


def test_a_value_with_a_colon_is_quoted_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """A value such as 'a: b' does not confuse where the flag's name ends."""
    assert parse_error(capsys, command_line(), "--port", "a: b")[0] == (
        "error: --port must be a whole number from 1 to 65535, not 'a: b'"
    )


def test_other_argparse_complaints_follow_the_flag_after_a_colon(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A message that is not a rule ('expected one argument') reads '--port: ...'."""
    assert parse_error(capsys, command_line(), "--port")[0] == (
        "error: --port: expected one argument"
    )


def test_a_bad_choice_lists_every_choice_and_suggests_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """'--kind z2j' says the choices, quoted, and the one meant; '-f' is named as '--format'."""
    assert parse_error(capsys, command_line(), "--kind", "z2j")[0] == (
        "error: --kind must be one of 'z2jh', 'compose', not 'z2j'. Did you mean 'z2jh'?"
    )
    assert parse_error(capsys, command_line(), "-f", "yaml")[0] == (
        "error: --format must be one of 'json', 'text', not 'yaml'."
    )


def test_a_bad_positional_choice_is_named_by_its_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A positional argument has no flag: its name stands in the sentence."""
    assert parse_error(capsys, command_line(), "build", "imag")[0] == (
        "error: target must be one of 'image', 'context', not 'imag'. Did you mean 'image'?"
    )


def test_an_unknown_command_lists_the_commands_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A mistyped command gets a suggestion; an unrelated word only the sorted command list."""
    assert parse_error(capsys, command_line(), "biuld")[0] == (
        "error: 'biuld' is not a wiw command. Did you mean 'build'? "
        "The commands are: build, destroy, run."
    )
    assert parse_error(capsys, command_line(), "xyzzy")[0] == (
        "error: 'xyzzy' is not a wiw command. The commands are: build, destroy, run."
    )


@pytest.mark.parametrize("prog", ["wiw", "wiw[dev]"])
def test_user_text_is_printed_as_typed_never_as_markup(
    capsys: pytest.CaptureFixture[str], prog: str
) -> None:
    """Brackets in a value or the program's name are printed, not read as rich markup."""
    assert parse_error(capsys, command_line(prog), "--kind", "[bold]x") == [
        "error: --kind must be one of 'z2jh', 'compose', not '[bold]x'.",
        f"hint: see '{prog} --help'.",
    ]


def test_a_long_message_stays_on_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However narrow the terminal, the error is one line (to read, grep and copy)."""
    monkeypatch.setenv("COLUMNS", "60")
    value = "y" * 150
    lines = parse_error(capsys, command_line(), "--kind", value)
    assert lines[0] == f"error: --kind must be one of 'z2jh', 'compose', not '{value}'."
    assert len(lines) == 2


def test_on_a_colour_terminal_only_the_word_error_is_coloured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With colours forced, numbers and quotes in the sentence are not highlighted."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    first, hint = parse_error(capsys, command_line(), "--port", "70000")
    assert first.startswith("\x1b[")  # the word "error:" is coloured, the sentence is not
    assert first.endswith(
        "error:\x1b[0m --port must be a whole number from 1 to 65535, not '70000'"
    )
    assert hint == "hint: see 'wiw --help'."


def test_the_parser_takes_argparse_arguments_positional_or_named() -> None:
    """CommandParser accepts what ArgumentParser does: the program name first, or by name."""
    assert CommandParser("tool").prog == "tool"
    named = CommandParser(prog="tool", description="Does things.")
    assert named.description == "Does things."
    assert "Does things." in named.format_help()


def test_help_shows_meaningful_defaults_only() -> None:
    """Help shows '(default: 1)' but not the default of a switch or of an unset option."""
    text = " ".join(command_line().format_help().split())
    assert "images to keep (default: 1)" in text
    assert "(default: None)" not in text
    assert "(default: False)" not in text
    assert "(default: True)" not in text
    assert "the name learners open" in text
    assert "stay quiet" in text


# Given -> returned: brackets off, IPv6 normalised.
ADDRESSES = {
    "[::1]": "::1",
    "[2001:db8::1]": "2001:db8::1",
    "192.0.2.7": "192.0.2.7",
    "2001:DB8::1": "2001:db8::1",
}


@pytest.mark.parametrize(("text", "host"), ADDRESSES.items())
def test_addresses_are_given_plainly_brackets_or_not(text: str, host: str) -> None:
    """An IPv6 address may come in URL brackets; it is returned bare and normalised."""
    assert _cliargs.host_name(text) == host


def test_a_bad_email_is_quoted() -> None:
    """--tls-email: the text given, and what it must be."""
    with pytest.raises(argparse.ArgumentTypeError, match="must be an e-mail address, not 'ana'"):
        _cliargs.email("ana")


@pytest.mark.parametrize(
    "url", ["http://class.example.org/", "https://[2001:db8::1]:8443/x", "https://a.example.org"]
)
def test_an_http_url_with_a_host_is_taken_as_written(url: str) -> None:
    """http:// or https://, a host (a name or an address), no space."""
    assert _cliargs.http_url(url) == url


@pytest.mark.parametrize(
    "text", ["class.example.org", "ftp://class.example.org/", "https:///x", "http://[x",
             "https://class.example.org/a b"],
)  # fmt: skip
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    """No scheme, another scheme, no host, a broken address, a space: refused, saying how."""
    assert refusal(_cliargs.http_url, text) == (
        f"must be a URL that starts with http:// or https://, not {text!r}"
        "\nhint: Give the whole URL, e.g. https://workshop.example.org/."
    )


@pytest.mark.parametrize(
    ("parse", "text", "said"),
    [
        (_cliargs.python_version, "3.12.1",
         "must be a Python version such as 3.12, not '3.12.1'"
         "\nhint: Give the major and minor version only."),
        (_cliargs.version_tag, "latest",
         "must be an explicit version tag (letters, digits, '.', '_', '-'; not 'latest'), "
         "not 'latest'\nhint: Use a date or a version, e.g. 2026-11-25."),
        (_cliargs.workshop_text, "  ",
         "must be a workshop folder, or a workshop's name, not '  '"
         "\nhint: Give the folder that holds the lessons, e.g. '.' for the current one."),
        (_cliargs.host_name, "http://ws.example.org:8000/join",
         "must be a DNS name or an IP address without http://, not "
         "'http://ws.example.org:8000/join'"
         "\nhint: Give the name alone, e.g. ws.example.org; the port goes in --port."),
        (_cliargs.host_name, "http://[x",
         "must be a DNS name or an IP address without http://, not 'http://[x'"
         "\nhint: Give the name alone, e.g. workshop.example.org; the port goes in --port."),
        (_cliargs.host_name, "ws.example.org:8000",
         "must be a DNS name or an IP address (no http://, port or path), not "
         "'ws.example.org:8000'"),
        (_cliargs.image_ref, "Wiw/Intro",
         "must be an image reference such as wiw/intro:2026-11, not 'Wiw/Intro'"
         f"\nhint: {errors.InvalidName.hint}"),
        (_cliargs.image_ref, "sha256:!", "must be an image reference such as wiw/intro:2026-11, "
         f"not 'sha256:!'\nhint: {errors.InvalidName.hint}"),
    ],
)  # fmt: skip
def test_each_refusal_says_its_rule_then_what_to_do(
    parse: Callable[[str], object], text: str, said: str
) -> None:
    """The rule with the value as typed, and the hint line when there is one, word for word."""
    assert refusal(parse, text) == said


def test_a_qr_text_is_shown_whole_up_to_80_characters_then_by_its_start() -> None:
    """2000 characters are taken; longer is refused, shown whole up to 80, else cut at 60."""
    assert _cliargs.qr_text("x" * 2000) == "x" * 2000
    eighty = "a b" + "c" * 77
    assert refusal(_cliargs.qr_text, eighty) == (
        f"must be a URL of 1 to 2000 characters without spaces, not {eighty!r}"
    )
    long = "y" * 2001
    assert refusal(_cliargs.qr_text, long) == (
        f"must be a URL of 1 to 2000 characters without spaces, not {long[:60]!r}... "
        "(2001 characters)"
    )


def test_an_image_id_is_taken_as_given() -> None:
    """sha256: and 12 to 64 hex digits: an image's id, kept as written."""
    assert _cliargs.image_ref("sha256:0123456789ab") == "sha256:0123456789ab"


def test_an_unknown_option_or_a_stray_argument_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unknown --flag=value is named without its value; '-' and '-5' are stray arguments."""
    parser = command_line()
    assert parse_error(capsys, parser, "--prot=80")[0] == (
        "error: wiw has no option --prot. Did you mean '--port'?"
    )
    assert (
        parse_error(capsys, parser, "run", "-")[0]
        == "error: wiw run takes no further argument '-'."
    )
    assert parse_error(capsys, parser, "run", "-5")[0] == (
        "error: wiw run takes no further argument '-5'."
    )
    assert parse_error(capsys, parser, "run", "-x")[0] == "error: wiw run has no option -x."


def test_a_refusal_with_its_own_hint_points_to_the_help_after_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The error line, then the type's hint and 'See ... --help.' on one line; no usage."""
    parser = CommandParser(prog="wiw build")
    parser.add_argument("--python", type=_cliargs.python_version)
    assert parse_error(capsys, parser, "--python", "3.12.1") == [
        "error: --python must be a Python version such as 3.12, not '3.12.1'",
        "hint: Give the major and minor version only. See 'wiw build --help'.",
    ]
