r"""``requirements.txt`` read as pip reads it, so that a typo stops wiw before a build does.

Each logical line (lines ending in ``\`` joined to the next, comments and
blank lines dropped) is a requirement (PEP 508, read by :mod:`packaging`:
``name[extras] specifiers ; markers`` or ``name @ URL``), a bare URL or path
to a wheel, archive or project, or options pip takes in a requirements file
(``-r``, ``-c``, ``-e``, ``--index-url``, ``--hash`` after a requirement…).
Anything else raises :class:`wiw.errors.InvalidRequirement`, naming the file,
the line and what pip's grammar expected.

Lines pip accepts that still deserve a word are :class:`RequirementWarning`:
plain-HTTP indexes and URLs (what they serve can be changed on the way),
direct URLs (they bypass version pins), trusted hosts (no certificate check)
and local files (the image's build installs ``requirements.txt`` alone, so
pip will not find them).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename

from wiw import errors

__all__ = [
    "OPTIONS",
    "RequirementLine",
    "RequirementWarning",
    "parse_requirements",
    "read_requirements",
    "requirement_warnings",
]

# The options pip takes in a requirements file: long name -> (short name, takes a value).
OPTIONS: dict[str, tuple[str | None, bool]] = {
    "--requirement": ("-r", True),
    "--constraint": ("-c", True),
    "--editable": ("-e", True),
    "--index-url": ("-i", True),
    "--extra-index-url": (None, True),
    "--no-index": (None, False),
    "--find-links": ("-f", True),
    "--trusted-host": (None, True),
    "--pre": (None, False),
    "--no-binary": (None, True),
    "--only-binary": (None, True),
    "--prefer-binary": (None, False),
    "--require-hashes": (None, False),
    "--use-feature": (None, True),
    # Options of one requirement, after it on its line.
    "--hash": (None, True),
    "--config-settings": (None, True),
    "--global-option": (None, True),
}
_PER_REQUIREMENT = ("--hash", "--config-settings", "--global-option")
_SHORT = {short: name for name, (short, _) in OPTIONS.items() if short}
_COMMENT = re.compile(r"(^|\s+)#.*$")
_URL_SCHEMES = ("http", "https", "file", "ftp")
_VCS = ("git", "hg", "svn", "bzr")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
_HASH = re.compile(r"(sha256|sha384|sha512):[0-9a-fA-F]+")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_VERSION_OPERATORS = ("==", "!=", "<=", ">=", "~=", "<", ">")
# Options whose value is fetched (or read) by pip.
_SOURCES = ("--index-url", "--extra-index-url", "--find-links", "--requirement", "--constraint")
_LOCAL_ADVICE = {
    "--requirement": "Copy its lines into this file.",
    "--constraint": "Copy its pins into this file.",
    "--editable": "wiw installs the workshop's own package (a pyproject.toml or setup.py at "
    "the top of the folder) itself: remove the line; other projects belong on an index "
    "or at an https:// URL.",
    "--find-links": "Serve the files from an https:// address, or publish them to an index.",
}
_HINT = (
    "Write one requirement per line, e.g. 'numpy==2.1.3', 'pandas>=2.2' or 'qrcode[pil]'; "
    "options such as '--index-url https://…' go on a line of their own, and a comment "
    "starts with ' #'."
)


@dataclass(frozen=True)
class RequirementLine:
    """One logical line of a requirements file: a requirement, options, or both.

    Attributes:
        file: The file, as shown to people (e.g. ``binder/requirements.txt``).
        number: The line it starts on (1 is the first).
        text: The line as pip reads it: continuations joined, comment removed.
        kind: ``"requirement"`` (PEP 508: ``name[extras] specifiers ; markers``
            or ``name @ URL``), ``"url"`` (a bare URL, e.g. of a wheel or a
            ``git+https://`` repository), ``"path"`` (a local wheel, archive or
            folder) or ``"options"`` (options only, e.g. ``--index-url URL``).
        requirement: The requirement as written, without its options; empty
            for a line of options.
        name: The project's name, when the line says it.
        url: The URL it installs from directly (``name @ URL`` or a bare URL).
        options: Each option with its value (None for a flag), by its long
            name (``-i`` is ``--index-url``), in the order written.
    """

    file: str
    number: int
    text: str
    kind: str
    requirement: str = ""
    name: str | None = None
    url: str | None = None
    options: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class RequirementWarning:
    """A line pip accepts that the instructor should know about before the build.

    Attributes:
        file: The file, as shown to people.
        number: The line.
        problem: What is the matter, e.g. that an index is plain HTTP.
        advice: What to do about it.
    """

    file: str
    number: int
    problem: str
    advice: str

    def __str__(self) -> str:
        return f"{self.file} line {self.number}: {self.problem}. {self.advice}"


class _LineError(ValueError):
    """What is wrong with one line, and what to do (becomes InvalidRequirement)."""

    def __init__(self, reason: str, hint: str = _HINT) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def read_requirements(path: Path, *, shown: str | None = None) -> tuple[RequirementLine, ...]:
    """Read and check a requirements file.

    Args:
        path: The file.
        shown: Its name as shown in warnings; its file name if omitted.

    Raises:
        wiw.errors.InvalidRequirement: A line is not something pip can read.
    """
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return parse_requirements(text, file=shown or path.name, path=path)


def parse_requirements(
    text: str, *, file: str = "requirements.txt", path: Path | None = None
) -> tuple[RequirementLine, ...]:
    """Check the text of a requirements file, line by line, as pip would read it.

    Args:
        text: The file's text.
        file: Its name as shown in warnings.
        path: Where it is, for errors; ``file`` if omitted.

    Returns:
        Its logical lines (blank and comment lines left out).

    Raises:
        wiw.errors.InvalidRequirement: A line is not something pip can read;
            the error names the file, the line's number and the line.
    """
    lines = []
    for number, logical in _logical_lines(text):
        try:
            lines.append(_parse_line(file, number, logical))
        except _LineError as exc:
            where = path or Path(file)
            raise errors.InvalidRequirement(
                f"Line {number} of {where} is not something pip can read: {logical}",
                path=where,
                line=number,
                text=logical,
                reason=exc.reason,
                hint=exc.hint,
            ) from exc
    return tuple(lines)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join continuation lines and drop comments as pip does: ``(first line, text)``."""
    first, parts = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        comment = _COMMENT.match(line) is not None
        if line.endswith("\\") and not comment:
            first = first or number
            parts.append(line.rstrip("\\"))
            continue
        # A comment line ending a continuation still starts after a space.
        joined = "".join([*parts, " " + line if comment else line])
        cleaned = _COMMENT.sub("", joined).strip()
        if cleaned:
            yield first or number, cleaned
        first, parts = 0, []
    if parts and (cleaned := _COMMENT.sub("", "".join(parts)).strip()):
        yield first, cleaned


def _parse_line(file: str, number: int, text: str) -> RequirementLine:
    """One logical line: the requirement before the first ``-`` word, options after it."""
    words = text.split(" ")
    at = next((i for i, word in enumerate(words) if word.startswith("-")), len(words))
    written, options = " ".join(words[:at]).strip(), _options(" ".join(words[at:]))
    if not written:
        lonely = [name for name, _ in options if name in _PER_REQUIREMENT]
        if lonely:
            raise _LineError(
                f"{lonely[0]} belongs to a requirement, and this line has none",
                hint="End the requirement's line with ' \\' so that its options continue "
                "on the next line, e.g. 'numpy==2.1.3 \\' then '    --hash=sha256:…'.",
            )
        return RequirementLine(file, number, text, "options", options=tuple(options))
    kind, name, url = _requirement(written)
    return RequirementLine(file, number, text, kind, written, name, url, tuple(options))


def _options(text: str) -> list[tuple[str, str | None]]:
    """The options of a line, by their long names, with their values."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise _LineError(f"its quotes do not close ({exc})") from exc
    found: list[tuple[str, str | None]] = []
    while words:
        word = words.pop(0)
        flag, value = _split_flag(word)
        name = _option_name(flag, word)
        takes_value = OPTIONS[name][1]
        if takes_value and value is None:
            if not words:
                raise _LineError(
                    f"{name} needs a value",
                    hint=f"Give it one on the same line, e.g. '{name} VALUE'.",
                )
            value = words.pop(0)
        elif not takes_value and value is not None:
            raise _LineError(f"{name} takes no value, and was given {value!r}")
        if value is not None:
            _check_value(name, value)
        found.append((name, value))
    return found


def _split_flag(word: str) -> tuple[str, str | None]:
    """``--opt=value`` / ``--opt``, ``-xVALUE`` / ``-x``: the flag and any value attached."""
    if word.startswith("--"):
        flag, equals, value = word.partition("=")
        return flag, value if equals else None
    if word.startswith("-") and len(word) > 2:  # noqa: PLR2004 - "-x" and what follows
        return word[:2], word[2:].removeprefix("=")
    return word, None


def _option_name(flag: str, word: str) -> str:
    """The long name of an option, as pip's parser would take it (unique prefixes too)."""
    if not flag.startswith("-"):
        raise _LineError(f"{word!r} is neither an option nor an option's value")
    if flag in OPTIONS:
        return flag
    if flag in _SHORT:
        return _SHORT[flag]
    prefixed = [name for name in OPTIONS if flag.startswith("--") and name.startswith(flag)]
    if len(prefixed) == 1:
        return prefixed[0]
    known = ", ".join(f"{short}/{name}" if short else name for name, (short, _) in OPTIONS.items())
    raise _LineError(
        f"pip takes no option {flag} in a requirements file",
        hint=f"Options pip reads in a requirements file: {known}.",
    )


def _check_value(name: str, value: str) -> None:
    """Refuse the option values pip refuses."""
    if not value.strip():
        raise _LineError(f"{name} needs a value")
    if name == "--hash" and not _HASH.fullmatch(value):
        raise _LineError(
            f"--hash={value} is not ALGORITHM:HEX-DIGEST",
            hint="Write --hash=sha256:<64 hex digits> (sha256, sha384 and sha512 are allowed).",
        )
    if name == "--config-settings" and "=" not in value:
        raise _LineError(f"--config-settings {value} is not KEY=VALUE")


def _requirement(written: str) -> tuple[str, str | None, str | None]:
    """Classify the requirement of a line as pip does: ``(kind, name, direct URL)``."""
    if _is_url(written):
        url, _, marker = written.partition("; ")
        _check_marker(marker)
        url = url.strip()
        return "url", _url_name(url), url
    if _looks_like_path(written):
        path, _, marker = written.partition(";")
        _check_marker(marker)
        path = re.sub(r"\[[^\]]*\]$", "", path.strip())  # extras: ./pkg[dev]
        return "path", _wheel_name(path.rpartition("/")[2]), None
    try:
        parsed = Requirement(written)
    except ValueError as exc:
        raise _LineError(str(exc), hint=_requirement_hint(written)) from exc
    return "requirement", parsed.name, parsed.url


def _is_url(text: str) -> bool:
    """Whether pip takes the text as a URL (``https://…``, ``file:…``, ``git+https://…``)."""
    scheme, colon, _ = text.partition(":")
    scheme = scheme.lower()
    return bool(colon) and (scheme in _URL_SCHEMES or scheme.partition("+")[0] in _VCS)


def _looks_like_path(text: str) -> bool:
    """Whether pip takes the text as a local path (and not as ``name @ URL``)."""
    target = text.partition(";")[0].strip()
    if "@" in target and not _path_like(target.partition("@")[0]):
        return False
    return _path_like(target) or target.lower().endswith(_ARCHIVES)


def _path_like(text: str) -> bool:
    return "/" in text or text.strip().startswith(".")


def _check_marker(marker: str) -> None:
    """Refuse environment markers pip could not evaluate."""
    if marker.strip():
        try:
            Marker(marker.strip())
        except ValueError as exc:
            raise _LineError(f"its environment marker is not valid: {exc}") from exc


def _url_name(url: str) -> str | None:
    """The project a bare URL installs: its wheel's name, or its ``#egg=`` fragment."""
    parts = urlsplit(url)
    name = _wheel_name(parts.path.rpartition("/")[2])
    egg = parse_qs(parts.fragment).get("egg", [None])[0]
    return name or egg


def _wheel_name(filename: str) -> str | None:
    """A wheel's project name (None for other files); a malformed wheel name is refused."""
    if not filename.lower().endswith(".whl"):
        return None
    try:
        return str(parse_wheel_filename(filename)[0])
    except ValueError as exc:
        raise _LineError(
            f"{filename} is not a wheel's file name: {exc}",
            hint="Give the wheel its name as built: NAME-VERSION-PYTHON-ABI-PLATFORM.whl.",
        ) from exc


def _requirement_hint(written: str) -> str:
    """What to do about a requirement pip cannot read, from what it looks like."""
    words = written.split()
    if written.lower().startswith(("pip install", "pip3 install")):
        return "Write the packages alone, one per line, without 'pip install'."
    if len(words) > 1 and all(_NAME.fullmatch(word) for word in words):
        listed = ", ".join(repr(word) for word in words)
        return f"Put one package per line ({listed} are on one). Debian packages go in apt.txt."
    if "=" in written and not any(op in written for op in _VERSION_OPERATORS):
        return f"'=' is not a version operator: write '==' ({written.replace('=', '==', 1)})."
    return _HINT


def requirement_warnings(lines: Iterable[RequirementLine]) -> list[RequirementWarning]:
    """What deserves a word in lines pip accepts, line by line.

    Plain-HTTP indexes, links and URLs, direct URLs (``name @ URL``, bare URLs,
    ``-e git+…``), trusted hosts, and local files the image's build cannot see.
    """
    return [
        RequirementWarning(line.file, line.number, errors.redact(problem), advice)
        for line in lines
        for problem, advice in _concerns(line)
    ]


def _concerns(line: RequirementLine) -> Iterator[tuple[str, str]]:
    """The ``(problem, advice)`` pairs of one line."""
    if line.kind == "path":
        yield _local(line.requirement, line.file, "Serve it from an https:// URL or an index.")
    if line.url:
        yield from _direct(line.requirement, line.url, line.file)
    for name, value in line.options:
        if value is None:
            continue
        if name == "--trusted-host":
            yield (
                f"--trusted-host {value} turns off the certificate check for that host, so "
                "what it serves can be changed on the way",
                "Remove it, and give that index a certificate the build trusts "
                "(docs/howto/proxy-and-ca.md).",
            )
        if name in _SOURCES and _unencrypted(value):
            yield _plain_http(f"{name} {value}")
        if name == "--editable" and _is_url(value):
            yield from _direct(f"-e {value}", value, line.file)
        elif name in _LOCAL_ADVICE and not _is_url(value):
            yield _local(f"{name} {value}", line.file, _LOCAL_ADVICE[name])


def _direct(what: str, url: str, file: str) -> Iterator[tuple[str, str]]:
    """A direct URL: past the index and any pin; plain HTTP and local files besides."""
    if _scheme(url) == "file":
        yield _local(what, file, "Serve it from an https:// URL or an index.")
        return
    if _unencrypted(url):
        yield _plain_http(what)
    yield (
        f"{what} installs from a direct URL, past the index and any version pin: what it "
        "brings can change from one build to the next",
        "Prefer a release pinned with '==', or pin the commit (git+https://…@COMMIT) "
        "or the file (--hash=sha256:…).",
    )


def _plain_http(what: str) -> tuple[str, str]:
    return (
        f"{what} is not encrypted (plain HTTP): what it serves can be changed on the way "
        "to the build",
        "Use its https:// address.",
    )


def _local(what: str, file: str, advice: str) -> tuple[str, str]:
    return (
        f"{what} names a local file or folder, but the image's build installs {file} "
        "alone, without the workshop's other files: pip will not find it",
        advice,
    )


def _scheme(url: str) -> str:
    return url.partition(":")[0].lower() if ":" in url else ""


def _unencrypted(url: str) -> bool:
    """Whether a URL is fetched without TLS (``http:``, ``ftp:``, ``git:``, ``git+http:``)."""
    scheme = _scheme(url)
    return scheme in ("http", "ftp", "git") or scheme.endswith(("+http", "+git"))
