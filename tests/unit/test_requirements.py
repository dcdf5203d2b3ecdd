"""requirements.txt is read as pip reads it: every line kind, real files, and nonsense refused."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from packaging.utils import canonicalize_name

from tests.support.pins import pins, runtime_lock
from wiw import errors
from wiw.build.requirements import (
    OPTIONS,
    RequirementLine,
    parse_requirements,
    read_requirements,
    requirement_warnings,
)
from wiw.build.workshop import Workshop

REPO = Path(__file__).resolve().parents[2]
SHA = "a" * 64


def one(text: str) -> RequirementLine:
    """The only logical line of ``text``."""
    (line,) = parse_requirements(text)
    return line


def warnings_of(text: str) -> list[str]:
    """The warnings of a requirements file's text, as shown."""
    return [str(w) for w in requirement_warnings(parse_requirements(text))]


def refused(text: str) -> errors.InvalidRequirement:
    """The error a requirements file's text raises."""
    with pytest.raises(errors.InvalidRequirement) as caught:
        parse_requirements(text, path=Path("/w/requirements.txt"))
    return caught.value


# Every kind of line pip reads.


@pytest.mark.parametrize(
    ("text", "name", "requirement"),
    [
        ("numpy", "numpy", "numpy"),
        ("numpy==2.1.3", "numpy", "numpy==2.1.3"),
        ("pandas >= 2.2, < 3", "pandas", "pandas >= 2.2, < 3"),
        ("ipywidgets~=8.1", "ipywidgets", "ipywidgets~=8.1"),
        ("qrcode[pil,png]==8.2", "qrcode", "qrcode[pil,png]==8.2"),
        ("Django (>=3.0)", "Django", "Django (>=3.0)"),
        ("numpy==1.*", "numpy", "numpy==1.*"),
        ("torch==2.3.1+cpu", "torch", "torch==2.3.1+cpu"),
        ("typing_extensions", "typing_extensions", "typing_extensions"),
        (
            'pywin32==306; sys_platform == "win32"',
            "pywin32",
            'pywin32==306; sys_platform == "win32"',
        ),
        (
            "importlib-metadata>=4 ; python_version < '3.10' and platform_machine != 'arm64'",
            "importlib-metadata",
            "importlib-metadata>=4 ; python_version < '3.10' and platform_machine != 'arm64'",
        ),
    ],
)
def test_pep_508_requirements_are_read(text: str, name: str, requirement: str) -> None:
    """Names, extras, version specifiers and environment markers, as packaging reads them."""
    line = one(text + "\n")
    assert (line.kind, line.name, line.requirement, line.url) == (
        "requirement",
        name,
        requirement,
        None,
    )


def test_comments_and_blank_lines_are_nothing() -> None:
    """Whole-line comments, trailing comments and blank lines leave only requirements."""
    lines = parse_requirements("# header\n\n   \nnumpy  # the arrays\n\t# indented\n")
    assert [(line.number, line.text) for line in lines] == [(4, "numpy")]


def test_a_hash_without_space_before_it_is_not_a_comment() -> None:
    """As for pip, '#' starts a comment only at the start or after whitespace."""
    line = one("https://example.org/pkg-1.0-py3-none-any.whl#sha256=" + SHA + "\n")
    assert line.url is not None
    assert line.url.endswith(SHA)


def test_continuation_lines_join_and_count_from_their_first() -> None:
    """A line ending in a backslash goes on; hashes follow their requirement."""
    text = (
        f"x==1\nattrs==23.1.0 \\\n    --hash=sha256:{SHA} \\\n    --hash=sha512:{'b' * 128}\ny\n"
    )
    lines = parse_requirements(text)
    assert [(line.number, line.name) for line in lines] == [(1, "x"), (2, "attrs"), (5, "y")]
    assert lines[1].requirement == "attrs==23.1.0"
    assert lines[1].options == (("--hash", f"sha256:{SHA}"), ("--hash", f"sha512:{'b' * 128}"))


def test_a_comment_line_ends_a_continuation() -> None:
    """A line ending in a backslash, then a comment line: the first line alone, as for pip."""
    assert [line.text for line in parse_requirements("numpy \\\n# note\npandas\n")] == [
        "numpy",
        "pandas",
    ]


def test_a_comment_line_never_continues_and_ends_a_continuation_as_a_comment() -> None:
    """A comment ending in a backslash joins nothing; one after a continued line ends it."""
    assert [(line.number, line.text) for line in parse_requirements("# a \\\nnumpy\n")] == [
        (2, "numpy")
    ]
    assert [line.text for line in parse_requirements("numpy==2\\\n# pinned\n")] == ["numpy==2"]


def test_a_continuation_joins_the_text_exactly() -> None:
    """Only the backslash goes: the letters before it stay."""
    assert one("-r listX\\\n.txt\n").options == (("--requirement", "listX.txt"),)


def test_a_marker_is_not_taken_for_a_path() -> None:
    """A '/' in an environment marker does not make a requirement a local path."""
    line = one('numpy; platform_version == "6.1/amd64"\n')
    assert (line.kind, line.name) == ("requirement", "numpy")


def test_a_local_path_with_a_broken_marker_is_refused() -> None:
    """A path's marker is checked as a requirement's is."""
    assert "marker is not valid" in refused("./pkg; python_version >>\n").reason


def test_a_text_without_a_path_names_its_file_as_shown() -> None:
    """With no path given, the error names the file by its shown name."""
    with pytest.raises(errors.InvalidRequirement) as caught:
        parse_requirements("numpy=2\n", file="binder/requirements.txt")
    assert caught.value.path == "binder/requirements.txt"


def test_a_last_line_ending_in_a_backslash_still_counts() -> None:
    """A backslash on the very last line joins nothing and loses nothing."""
    assert one("numpy==2.1.3 \\").name == "numpy"


@pytest.mark.parametrize(
    ("text", "option", "value"),
    [
        ("-r base.txt", "--requirement", "base.txt"),
        ("--requirement=base.txt", "--requirement", "base.txt"),
        ("-rbase.txt", "--requirement", "base.txt"),
        ("-c constraints.txt", "--constraint", "constraints.txt"),
        ("--constraint constraints.txt", "--constraint", "constraints.txt"),
        ("-e .", "--editable", "."),
        ("--editable=git+https://github.com/org/repo.git#egg=repo", "--editable", None),
        ("-i https://pypi.org/simple", "--index-url", "https://pypi.org/simple"),
        ("--index-url=https://pypi.org/simple", "--index-url", "https://pypi.org/simple"),
        ("--extra-index-url https://download.pytorch.org/whl/cpu", "--extra-index-url", None),
        ("--extra-index https://download.pytorch.org/whl/cpu", "--extra-index-url", None),
        ("-f https://data.pyg.org/whl/torch-2.3.0+cpu.html", "--find-links", None),
        ("--find-links=./wheels", "--find-links", "./wheels"),
        ("--trusted-host pypi.lab.example.org", "--trusted-host", "pypi.lab.example.org"),
        ("--pre", "--pre", None),
        ("--no-binary :all:", "--no-binary", ":all:"),
        ("--no-binary=shapely,pyproj", "--no-binary", "shapely,pyproj"),
        ("--only-binary=:all:", "--only-binary", ":all:"),
        ("--prefer-binary", "--prefer-binary", None),
        ("--no-index", "--no-index", None),
        ("--require-hashes", "--require-hashes", None),
        ("--use-feature=truststore", "--use-feature", "truststore"),
    ],
)
def test_options_are_read_by_their_long_names(text: str, option: str, value: str | None) -> None:
    """Short and long forms, '=' or a space, unique prefixes: all as pip's parser takes them."""
    line = one(text + "\n")
    assert line.kind == "options"
    assert line.requirement == ""
    assert line.options[0][0] == option
    if value is not None or OPTIONS[option][1] is False:
        assert line.options[0][1] == value


def test_several_options_on_one_line_keep_their_order() -> None:
    """'--pre --prefer-binary -i URL' is three options."""
    assert one("--pre --prefer-binary -i https://pypi.org/simple\n").options == (
        ("--pre", None),
        ("--prefer-binary", None),
        ("--index-url", "https://pypi.org/simple"),
    )


def test_options_after_a_requirement_belong_to_it() -> None:
    """--config-settings and --global-option follow a requirement, like --hash."""
    line = one("mypkg==1.0 --config-settings=editable_mode=compat --global-option=--quiet\n")
    assert line.requirement == "mypkg==1.0"
    assert line.options == (
        ("--config-settings", "editable_mode=compat"),
        ("--global-option", "--quiet"),
    )


@pytest.mark.parametrize(
    ("text", "name", "url"),
    [
        (
            "requests @ https://files.pythonhosted.org/packages/requests-2.32.3-py3-none-any.whl",
            "requests",
            "https://files.pythonhosted.org/packages/requests-2.32.3-py3-none-any.whl",
        ),
        (
            "mylib@git+https://github.com/org/mylib@v1.2",
            "mylib",
            "git+https://github.com/org/mylib@v1.2",
        ),
        (
            "mylib @ git+ssh://git@github.com/org/mylib.git ; python_version >= '3.11'",
            "mylib",
            "git+ssh://git@github.com/org/mylib.git",
        ),
    ],
)
def test_direct_url_requirements_are_read(text: str, name: str, url: str) -> None:
    """'name @ URL', with or without spaces and markers."""
    line = one(text + "\n")
    assert (line.kind, line.name, line.url) == ("requirement", name, url)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("https://example.org/wheels/foo_bar-1.0-py3-none-any.whl", "foo-bar"),
        ("https://example.org/dist/foo-1.0.tar.gz", None),
        ("git+https://github.com/org/repo.git@main#egg=repo", "repo"),
        ("https://example.org/wheels/foo-1.0-py3-none-any.whl ; python_version >= '3.11'", "foo"),
        ("https://example.org:8443/wheels/foo-1.0-py3-none-any.whl", "foo"),
        ("git://example.org/repo.git#egg=repo", "repo"),
    ],
)
def test_bare_urls_are_read(text: str, name: str | None) -> None:
    """A URL of a wheel, an archive or a repository; the name from the wheel or #egg=."""
    line = one(text + "\n")
    assert (line.kind, line.name) == ("url", name)
    assert line.url == text.partition(" ;")[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("./wheels/foo-1.0-py3-none-any.whl", "foo"),
        ("wheels/foo-1.0-py3-none-any.whl", "foo"),
        ("foo-1.0.tar.gz", None),
        (".", None),
        ("../shared[dev]", None),
        ("/opt/pkgs/bar-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "bar"),
        ("./dist/foo-1.0-py3-none-any.whl[dev]", "foo"),
        ("vendor/mypkg", None),
        ("./deps/pkg@1.2", None),
    ],
)
def test_paths_are_read(text: str, name: str | None) -> None:
    """Local wheels, archives and folders, extras and all."""
    line = one(text + "\n")
    assert (line.kind, line.name, line.url) == ("path", name, None)


def test_windows_line_ends_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    """A file saved by Notepad (BOM, CRLF) reads like any other."""
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfnumpy==1.26.4\r\npandas==2.2.2\r\n")
    assert [line.name for line in read_requirements(path)] == ["numpy", "pandas"]


# Realistic files, as pip freeze, pip-compile, uv and Binder users write them.

FREEZE = """\
anyio==4.4.0
argon2-cffi==23.1.0
argon2-cffi-bindings==21.2.0
asttokens==2.4.1
matplotlib==3.9.0
numpy==2.0.0
pandas==2.2.2
python-dateutil==2.9.0.post0
pytz==2024.1
"""
FREEZE_EDITABLE = """\
certifi==2024.6.2
-e git+https://github.com/org/course-tools.git@0123456789abcdef0123456789abcdef01234567#egg=course_tools
numpy==2.0.0
"""
FREEZE_CONDA = """\
brotli @ file:///home/conda/feedstock_root/build_artifacts/brotli-split_1693583441/work
certifi @ file:///croot/certifi_1717618050233/work/certifi
numpy==1.26.4
"""
PIP_COMPILE = f"""\
#
# This file is autogenerated by pip-compile with Python 3.11
# by the following command:
#
#    pip-compile --generate-hashes requirements.in
#
certifi==2024.6.2 \\
    --hash=sha256:{SHA} \\
    --hash=sha256:{"b" * 64}
    # via requests
charset-normalizer==3.3.2 \\
    --hash=sha256:{"c" * 64}
    # via requests
requests==2.32.3 \\
    --hash=sha256:{"d" * 64}
    # via -r requirements.in
"""
UV_COMPILE = """\
# This file was autogenerated by uv via the following command:
#    uv pip compile requirements.in -o requirements.txt
appnope==0.1.4 ; sys_platform == 'darwin'
    # via ipykernel
colorama==0.4.6 ; sys_platform == 'win32'
    # via
    #   click
    #   ipython
exceptiongroup==1.2.1 ; python_full_version < '3.11'
numpy==2.0.0
"""
BINDER_CLASSIC = "numpy\nmatplotlib\npandas\nscipy\nscikit-learn\nseaborn\n"
BINDER_RANGES = "jupyterlab>=4,<5\nipywidgets ~= 8.1\nqrcode[pil]\nnbgitpuller\n"
PYTORCH_CPU = """\
--extra-index-url https://download.pytorch.org/whl/cpu
torch==2.3.1+cpu
torchvision==0.18.1+cpu
"""
PYG_LINKS = """\
-f https://data.pyg.org/whl/torch-2.3.0+cpu.html
torch-scatter
torch-sparse
"""
PRIVATE_HTTP = """\
--index-url http://pypi.lab.example.org/simple
--trusted-host pypi.lab.example.org
labtools==1.2
"""
TOKEN_INDEX = """\
--index-url https://__token__:${PIP_TOKEN}@gitlab.example.org/api/v4/projects/1/packages/pypi/simple
course-data>=2024.1
"""
DEV_FILE = """\
-r requirements.txt
-c constraints.txt
--pre
--prefer-binary
--only-binary=:all:
pytest>=8  # tests
"""
MIXED = f"""\
# Lesson 3 needs the newest shapely.
shapely @ https://example.org/wheels/shapely-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl \\
    --hash=sha256:{SHA}
geopandas>=1.0 ; python_version >= "3.10"
pyproj==3.6.1
"""

REALISTIC = {
    "pip freeze": (FREEZE, 9, []),
    "pip freeze, an editable VCS install": (FREEZE_EDITABLE, 3, ["direct URL"]),
    "pip freeze in conda": (FREEZE_CONDA, 3, ["local file", "local file"]),
    "pip-compile with hashes": (PIP_COMPILE, 3, []),
    "uv pip compile with markers": (UV_COMPILE, 4, []),
    "Binder, names only": (BINDER_CLASSIC, 6, []),
    "Binder, ranges and extras": (BINDER_RANGES, 4, []),
    "PyTorch's CPU index": (PYTORCH_CPU, 3, []),
    "PyG's find-links page": (PYG_LINKS, 3, []),
    "a private index over HTTP": (PRIVATE_HTTP, 3, ["plain HTTP", "certificate"]),
    "a token in the index URL": (TOKEN_INDEX, 2, []),
    "a development file": (DEV_FILE, 6, ["local file", "local file"]),
    "a direct wheel with its hash": (MIXED, 3, ["direct URL"]),
}
KEYWORDS = {
    "direct URL": "direct URL",
    "local file": "local file or folder",
    "plain HTTP": "plain HTTP",
    "certificate": "certificate check",
}


@pytest.mark.parametrize("example", sorted(REALISTIC))
def test_realistic_files_are_accepted_with_their_warnings(example: str) -> None:
    """Real-world files parse, each line once, with exactly the warnings they deserve."""
    text, count, expected = REALISTIC[example]
    lines = parse_requirements(text)
    assert len(lines) == count
    found = warnings_of(text)
    assert len(found) == len(expected), found
    for warning, kind in zip(found, expected, strict=True):
        assert KEYWORDS[kind] in warning


def test_every_requirements_file_in_the_repository_is_accepted() -> None:
    """The example workshop, the test cases and the runtime's own pins all parse."""
    files = [
        path
        for path in REPO.rglob("requirements*.txt")
        if not {".git", ".nox", ".venv", "node_modules", "_build"} & set(path.parts)
    ]
    files.append(REPO / "jupyterhub" / "requirements.lock")
    assert REPO / "example_workshop" / "requirements.txt" in files
    assert any("tests/cases" in path.as_posix() for path in files)
    for path in files:
        lines = read_requirements(path)
        assert all(line.kind == "requirement" for line in lines), path
        assert requirement_warnings(lines) == [], path


# Warnings: what pip accepts but the instructor should know.


@pytest.mark.parametrize(
    "text",
    [
        "--index-url http://pypi.example.org/simple",
        "-i http://pypi.example.org/simple",
        "--extra-index-url http://pypi.example.org/simple",
        "--find-links http://example.org/wheels/",
        "-f http://example.org/wheels/",
        "-r http://example.org/requirements.txt",
    ],
)
def test_plain_http_sources_are_named(text: str) -> None:
    """An index, a links page or another file fetched over HTTP can be changed on the way."""
    (warning,) = warnings_of(text + "\n")
    assert warning.startswith("requirements.txt line 1: ")
    assert "http://example.org" in warning or "http://pypi.example.org" in warning
    assert "plain HTTP" in warning
    assert "https://" in warning


@pytest.mark.parametrize(
    "text",
    [
        "mylib @ https://example.org/mylib-1.0-py3-none-any.whl",
        "mylib @ git+https://github.com/org/mylib@v1.2",
        "https://example.org/mylib-1.0-py3-none-any.whl",
        "git+https://github.com/org/mylib.git#egg=mylib",
        "-e git+https://github.com/org/mylib.git#egg=mylib",
    ],
)
def test_direct_urls_are_named(text: str) -> None:
    """A direct URL bypasses the index and version pins."""
    (warning,) = warnings_of(text + "\n")
    assert "direct URL" in warning
    assert "==" in warning  # what to do instead


@pytest.mark.parametrize(
    "text",
    [
        "mylib @ http://example.org/mylib-1.0-py3-none-any.whl",
        "http://example.org/mylib-1.0-py3-none-any.whl",
        "-e git+http://example.org/mylib.git#egg=mylib",
        "mylib @ git+git://example.org/mylib.git",
    ],
)
def test_direct_urls_over_plain_http_get_both_warnings(text: str) -> None:
    """Unencrypted and direct: two things to know."""
    found = warnings_of(text + "\n")
    assert [("plain HTTP" in w, "direct URL" in w) for w in found] == [
        (True, False),
        (False, True),
    ]


def test_https_indexes_and_pinned_names_need_no_word() -> None:
    """The common case is silent."""
    assert warnings_of("-i https://pypi.org/simple\nnumpy==2.1.3\n") == []


def test_a_trusted_host_is_named() -> None:
    """--trusted-host turns the certificate check off."""
    (warning,) = warnings_of("--trusted-host pypi.example.org\n")
    assert "pypi.example.org" in warning
    assert "certificate" in warning


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("-r base.txt", "Copy its lines"),
        ("-c constraints.txt", "Copy its pins"),
        ("-e .", "installs the workshop's own package"),
        ("--find-links ./wheels", "https://"),
        ("./wheels/foo-1.0-py3-none-any.whl", "https://"),
        ("mylib @ file:///home/me/mylib", "https://"),
    ],
)
def test_local_files_the_build_cannot_see_are_named(text: str, advice: str) -> None:
    """The build installs requirements.txt alone: local files are not there."""
    (warning,) = warnings_of(text + "\n")
    assert "local file or folder" in warning
    assert advice in warning


def test_a_password_in_an_index_url_is_not_shown() -> None:
    """Warnings are redacted like errors."""
    (warning,) = warnings_of("--index-url http://me:hunter2secret@pypi.example.org/simple\n")
    assert "hunter2secret" not in warning
    assert errors.REDACTED in warning


def test_warnings_name_the_file_as_shown() -> None:
    """A file in binder/ is named so."""
    lines = parse_requirements("-i http://x.example.org/\n", file="binder/requirements.txt")
    (warning,) = requirement_warnings(lines)
    assert (warning.file, warning.number) == ("binder/requirements.txt", 1)
    assert str(warning).startswith("binder/requirements.txt line 1: ")


# Nonsense is refused, naming the file, the line and what to do.


def test_nonsense_names_the_file_the_line_and_what_to_do() -> None:
    """'foo bar baz' is three packages on one line: the error says so."""
    err = refused("numpy==2.1.3\n# fine so far\nfoo bar baz\n")
    assert err.message == (
        "Line 3 of /w/requirements.txt is not something pip can read: foo bar baz"
    )
    assert (err.path, err.line, err.text) == ("/w/requirements.txt", 3, "foo bar baz")
    assert err.reason.startswith("Expected ")
    assert err.hint == (
        "Put one package per line ('foo', 'bar', 'baz' are on one). Debian packages go in apt.txt."
    )
    shown = str(err).splitlines()
    assert shown[0] == err.message
    assert shown[1].startswith("why: Expected ")
    assert shown[-1] == f"hint: {err.hint}"
    assert isinstance(err, errors.WorkshopError)


@pytest.mark.parametrize(
    ("text", "reason", "hint"),
    [
        ("numpy=1.26", "Expected", "write '==' (numpy==1.26)"),
        ("pip install numpy", "Expected", "without 'pip install'"),
        ("numpy>=", "Expected", "one requirement per line"),
        ("foo ; python_version >> '3'", "Expected", "one requirement per line"),
        ("-r", "--requirement needs a value", "'--requirement VALUE'"),
        ("--index-url", "--index-url needs a value", "same line"),
        ("--pre=yes", "--pre takes no value", "one requirement per line"),
        ("--frobnicate", "no option --frobnicate", "--index-url"),
        ("-x foo", "no option -x", "--extra-index-url"),
        ("--hash=sha256:" + SHA, "belongs to a requirement", "' \\'"),
        ("numpy==2 --hash=md5:abc", "not ALGORITHM:HEX-DIGEST", "sha256"),
        ("numpy==2 --hash=sha256:xyz", "not ALGORITHM:HEX-DIGEST", "sha256"),
        ("numpy==2 --config-settings nope", "not KEY=VALUE", "one requirement per line"),
        ("-r 'unclosed.txt", "quotes do not close", "one requirement per line"),
        ("-r a.txt b.txt", "'b.txt' is neither an option", "one requirement per line"),
        ("foo-1.0.whl", "not a wheel's file name", "NAME-VERSION"),
        ("https://example.org/foo.whl", "not a wheel's file name", "NAME-VERSION"),
        ("https://example.org/x.tar.gz; python_version >>", "marker is not valid", "per line"),
    ],
)
def test_each_kind_of_nonsense_says_why(text: str, reason: str, hint: str) -> None:
    """Bad requirements, options and values each get their reason and a hint."""
    err = refused(f"ok\n{text}\n")
    assert err.line == 2
    assert text.split(maxsplit=1)[0] in err.message
    assert reason in err.reason
    assert hint in err.hint


def test_a_broken_requirements_file_stops_the_workshop(tmp_path: Path) -> None:
    """Workshop() raises it, so --dry-run and 'wiw doctor' see it before any build."""
    folder = tmp_path / "w"
    folder.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson.ipynb")
    (folder / "requirements.txt").write_text("numpy\nfoo bar baz\n")
    with pytest.raises(errors.InvalidRequirement, match=r"Line 2 of .*requirements\.txt"):
        Workshop(folder)


def test_a_workshop_with_its_own_dockerfile_keeps_its_own_format(tmp_path: Path) -> None:
    """Its Dockerfile decides what requirements.txt means: wiw does not judge it."""
    folder = tmp_path / "w"
    folder.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson.ipynb")
    (folder / "requirements.txt").write_text("foo bar baz\n")
    (folder / "Dockerfile").write_text("FROM scratch\n")
    workshop = Workshop(folder)
    assert workshop.environment.requirement_lines == ()
    assert workshop.dependency_warnings == []


def test_a_workshop_lists_its_warnings_with_the_file_as_laid_out(tmp_path: Path) -> None:
    """binder/requirements.txt is named as such in the workshop's warnings."""
    folder = tmp_path / "w"
    (folder / "binder").mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson.ipynb")
    (folder / "binder" / "requirements.txt").write_text("numpy\n-i http://pypi.example.org/\n")
    (warning,) = Workshop(folder).dependency_warnings
    assert (warning.file, warning.number) == ("binder/requirements.txt", 2)


def test_the_pinned_course_case_pins_like_pip_freeze_against_the_lock() -> None:
    """tests/cases/pinned_freeze: 30+ exact pins, 5+ of them not the runtime lock's version.

    It builds and passes in the integration tests only because the course's
    packages live in an environment of their own, unconstrained by the lock.
    """
    case = Path(__file__).parents[1] / "cases" / "pinned_freeze" / "requirements.txt"
    course = {canonicalize_name(n): v for n, v in pins(case.read_text()).items()}
    locked = {canonicalize_name(n): v for n, v in runtime_lock().items()}
    differ = {
        name for name, version in course.items() if name in locked and locked[name] != version
    }
    assert len(course) >= 30
    assert len(differ) >= 5, differ


# Exact texts, so that a word lost from a warning, a hint or a reason shows.

LOCAL = (
    "names a local file or folder, but the image's build installs binder/requirements.txt "
    "alone, without the workshop's other files: pip will not find it."
)
SERVE = "Serve it from an https:// URL or an index."
PLAIN = (
    "is not encrypted (plain HTTP): what it serves can be changed on the way to the build. "
    "Use its https:// address."
)
DIRECT = (
    "installs from a direct URL, past the index and any version pin: what it brings can "
    "change from one build to the next. Prefer a release pinned with '==', or pin the commit "
    "(git+https://…@COMMIT) or the file (--hash=sha256:…)."
)
EVERY_WARNING = """\
./wheels/foo-1.0-py3-none-any.whl
mylib @ file:///home/me/mylib
mylib @ http://example.org/mylib-1.0-py3-none-any.whl
--pre --trusted-host pypi.example.org
-e git+https://github.com/org/mylib.git#egg=mylib
-e file:///home/me/tools
-e ./tools
--find-links http
--index-url ftp://example.org/simple
other @ git://example.org/other.git
"""


def test_each_warning_is_worded_in_full() -> None:
    """Every kind of warning, word for word, with the file named as shown."""
    lines = parse_requirements(EVERY_WARNING, file="binder/requirements.txt")
    found = [
        str(w).removeprefix("binder/requirements.txt line ") for w in requirement_warnings(lines)
    ]
    assert found == [
        f"1: ./wheels/foo-1.0-py3-none-any.whl {LOCAL} {SERVE}",
        f"2: mylib @ file:///home/me/mylib {LOCAL} {SERVE}",
        f"3: mylib @ http://example.org/mylib-1.0-py3-none-any.whl {PLAIN}",
        f"3: mylib @ http://example.org/mylib-1.0-py3-none-any.whl {DIRECT}",
        "4: --trusted-host pypi.example.org turns off the certificate check for that host, so "
        "what it serves can be changed on the way. Remove it, and give that index a "
        "certificate the build trusts (docs/howto/proxy-and-ca.md).",
        f"5: -e git+https://github.com/org/mylib.git#egg=mylib {DIRECT}",
        f"6: -e file:///home/me/tools {LOCAL} {SERVE}",
        f"7: --editable ./tools {LOCAL} wiw installs the workshop's own package (a "
        "pyproject.toml or setup.py at the top of the folder) itself: remove the line; other "
        "projects belong on an index or at an https:// URL.",
        f"8: --find-links http {LOCAL} Serve the files from an https:// address, or publish "
        "them to an index.",
        f"9: --index-url ftp://example.org/simple {PLAIN}",
        f"10: other @ git://example.org/other.git {PLAIN}",
        f"10: other @ git://example.org/other.git {DIRECT}",
    ]


def test_a_file_is_read_with_its_path_and_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """A stray Latin-1 byte in a comment is no error; a broken line names the file's path."""
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"# caf\xe9 au lait\nnumpy==2.1.3\n")
    assert [line.name for line in read_requirements(path)] == ["numpy"]
    path.write_bytes(b"numpy=2\n")
    with pytest.raises(errors.InvalidRequirement) as caught:
        read_requirements(path, shown="binder/requirements.txt")
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("-rbase.txt", (("--requirement", "base.txt"),)),
        ("-ra", (("--requirement", "a"),)),
        ("-r=base.txt", (("--requirement", "base.txt"),)),
        ("-i=https://x.example.org/", (("--index-url", "https://x.example.org/"),)),
    ],
)
def test_a_short_option_takes_its_value_attached(
    text: str, options: tuple[tuple[str, str], ...]
) -> None:
    """``-rFILE``, ``-r=FILE``: the value follows the letter, an '=' between is dropped."""
    assert one(text + "\n").options == options


PIP_INSTALL = "Write the packages alone, one per line, without 'pip install'."


@pytest.mark.parametrize(
    ("text", "reason", "hint"),
    [
        ("pip3 install numpy", "Expected", PIP_INSTALL),
        ("pip install numpy", "Expected", PIP_INSTALL),
        ("foo bar", "Expected",
         "Put one package per line ('foo', 'bar' are on one). Debian packages go in apt.txt."),
        ("numpy=1=2", "Expected", "'=' is not a version operator: write '==' (numpy==1=2)."),
        ('--index-url ""', "--index-url needs a value", None),
        ("numpy==2 --hash=md5:abc", "--hash=md5:abc is not ALGORITHM:HEX-DIGEST",
         "Write --hash=sha256:<64 hex digits> (sha256, sha384 and sha512 are allowed)."),
        ("foo-1.0.whl", "foo-1.0.whl is not a wheel's file name",
         "Give the wheel its name as built: NAME-VERSION-PYTHON-ABI-PLATFORM.whl."),
    ],
)  # fmt: skip
def test_reasons_and_hints_are_worded_in_full(text: str, reason: str, hint: str | None) -> None:
    """The reason starts as shown, and the hint is exactly what to do."""
    err = refused(text + "\n")
    assert err.reason.startswith(reason)
    assert str(err.__cause__) == err.reason  # the chained error says the same
    if hint is not None:
        assert err.hint == hint


def test_an_unknown_option_is_told_every_option_pip_reads() -> None:
    """The hint lists each option, with its short form where it has one."""
    err = refused("--frobnicate\n")
    known = ", ".join(f"{s}/{n}" if s else n for n, (s, _) in OPTIONS.items())
    assert err.hint == f"Options pip reads in a requirements file: {known}."
    assert err.hint.startswith(
        "Options pip reads in a requirements file: -r/--requirement, -c/--constraint, "
        "-e/--editable, -i/--index-url, --extra-index-url, --no-index, -f/--find-links, "
    )


def test_a_continued_last_line_is_joined_and_its_comment_dropped() -> None:
    """A file ending mid-continuation: its parts joined exactly, a trailing comment gone."""
    assert one("numpy # note \\").text == "numpy"
    assert one("-r list\\\n.txt\\").options == (("--requirement", "list.txt"),)


def test_a_quoted_value_keeps_its_spaces() -> None:
    """Words are split on single spaces, as pip does, so a quoted value stays whole."""
    assert one('-r "my  list.txt"\n').options == (("--requirement", "my  list.txt"),)


def test_a_line_of_options_keeps_its_text() -> None:
    """A line of options alone is shown as written."""
    line = one("--pre --no-index\n")
    assert (line.kind, line.text, line.requirement) == ("options", "--pre --no-index", "")


def test_a_hash_on_a_line_of_its_own_says_how_to_continue() -> None:
    """A --hash without its requirement: end the requirement's line with a backslash."""
    err = refused(f"numpy==2.1.3\n    --hash=sha256:{SHA}\n")
    assert err.reason == "--hash belongs to a requirement, and this line has none"
    assert err.hint == (
        "End the requirement's line with ' \\' so that its options continue on the next "
        "line, e.g. 'numpy==2.1.3 \\' then '    --hash=sha256:…'."
    )
