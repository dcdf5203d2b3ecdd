"""The promises page and its mutations cannot drift apart.

``docs/promises.md`` ends with a table of promises, the tests that keep each
and the mutations (``tests/promises/mutations.toml``) those tests must kill;
``tests/promises/check.py`` makes each mutation and runs the tests. Here,
without running anything: every row names tests that exist and mutations
that exist, every mutation applies to exactly one place and is used, and the
script reads the table and judges pytest's results as documented.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.promises import check
from tests.promises.check import (
    MUTATIONS,
    PAGE,
    ROOT,
    Mutation,
    PromiseError,
    Row,
    load_mutations,
    load_rows,
    node_ids,
)

ROWS = load_rows(PAGE.read_text())
BY_ID = load_mutations(MUTATIONS.read_text())


def defined_tests(path: Path) -> set[str]:
    """The functions a test module defines at its top level."""
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


@pytest.mark.parametrize("row", ROWS, ids=[f"row{r.number}" for r in ROWS])
def test_every_row_names_tests_that_exist(row: Row) -> None:
    """Each row names at least one test; its file exists and defines it."""
    assert row.tests, f"row {row.number} names no test: {row.promise}"
    for node in row.tests:
        file, _, name = node.partition("::")
        assert (ROOT / file).is_file(), f"row {row.number}: no {file}"
        if name:
            assert name.split("[", 1)[0] in defined_tests(ROOT / file), f"row {row.number}: {node}"


@pytest.mark.parametrize("row", ROWS, ids=[f"row{r.number}" for r in ROWS])
def test_every_row_names_mutations_that_exist(row: Row) -> None:
    """Each row names at least one mutation, each defined in the mutations file."""
    assert row.mutations, f"row {row.number} names no mutation: {row.promise}"
    assert set(row.mutations) <= set(BY_ID), f"row {row.number}: {row.mutations}"


@pytest.mark.parametrize("mutation", BY_ID.values(), ids=list(BY_ID))
def test_every_mutation_applies_at_one_place(mutation: Mutation) -> None:
    """Its old text occurs once in its file, the new one differs, and Python still parses."""
    path = ROOT / mutation.file
    text = path.read_text()
    assert text.count(mutation.old) == 1, f"{mutation.id}: {text.count(mutation.old)} times"
    assert mutation.new != mutation.old
    mutated = mutation.mutate(text)
    assert mutated != text
    if path.suffix == ".py":
        ast.parse(mutated)  # a bug the tests must find, not a file Python refuses
    assert mutation.why.strip()
    assert "\n" not in mutation.why


def test_every_mutation_is_named_by_a_row() -> None:
    """No mutation in the file goes unused."""
    used = {m for row in ROWS for m in row.mutations}
    assert set(BY_ID) - used == set()


def test_the_table_has_rows_of_both_kinds() -> None:
    """The rows CI runs (unit) and the rows that need an engine are both there."""
    kinds = {row.kind for row in ROWS}
    assert {"unit", "engine"} <= kinds
    assert len(ROWS) >= 45


def test_table_cells_are_read_as_pytest_node_ids() -> None:
    """Files, tests, bare names after a file, cases; fixtures and sessions are not tests."""
    cell = (
        "`test_classroom.py::test_a`, `test_b`, `unit/test_sync.py`, `test_c[case-1]`, "
        "the fixture `nothing_leaks` in `tests/integration/conftest.py` (`nox -s multinode`)"
    )
    assert node_ids(cell) == (
        "tests/integration/test_classroom.py::test_a",
        "tests/integration/test_classroom.py::test_b",
        "tests/unit/test_sync.py",
        "tests/unit/test_sync.py::test_c[case-1]",
    )
    assert node_ids("`unit/test_qr.py::test_x[dark]`") == ("tests/unit/test_qr.py::test_x[dark]",)
    with pytest.raises(PromiseError, match="names no file"):
        node_ids("`test_alone`")


def test_a_row_needs_an_engine_when_any_test_is_an_integration_test() -> None:
    """Unit rows need nothing; one integration test makes a row an engine row."""
    unit = "tests/unit/test_sync.py::test_a"
    assert Row(1, "p", (unit,), ("m",)).kind == "unit"
    assert Row(1, "p", (unit, "tests/integration/test_lab.py"), ("m",)).kind == "engine"
    assert Row(1, "p", ("tests/integration/test_multinode.py",), ("m",), "multinode").kind == (
        "nox -s multinode"
    )


def test_the_table_is_read_with_its_four_columns() -> None:
    """Rows are read under the heading; a missing column or cell is an error."""
    page = (
        f"# Promises\n\n{check.HEADING}\n\nText.\n\n"
        "| promise | test | the mutation it kills | mutation |\n| --- | --- | --- | --- |\n"
        "| kept | `unit/test_a.py::test_b`, `test_c` | a bug | `bug-one`, `bug-two` |\n"
        "| also | `test_x.py` (`nox -s podman`) | another | `bug-three` |\n"
    )
    first, second = load_rows(page)
    tests = ("tests/unit/test_a.py::test_b", "tests/unit/test_a.py::test_c")
    assert first == Row(1, "kept", tests, ("bug-one", "bug-two"))
    assert second.tests == ("tests/integration/test_x.py",)
    assert second.session == "podman"
    with pytest.raises(PromiseError, match="columns"):
        load_rows(page.replace(" mutation |\n", "\n", 1))
    with pytest.raises(PromiseError, match="row 2 has 3 cells"):
        load_rows(page.replace(" | `bug-three` |", " |"))
    with pytest.raises(PromiseError, match="no '##"):
        load_rows("# Promises\n")


def test_a_mutation_replaces_its_one_occurrence_or_refuses() -> None:
    """Old text found once is replaced; absent, repeated or unchanged, it is refused."""
    bug = Mutation("a-bug", "f.py", "x = 1", "x = 2", "x is wrong")
    assert bug.mutate("y = 0\nx = 1\n") == "y = 0\nx = 2\n"
    for text in ("y = 0\n", "x = 1\nx = 1\n"):
        with pytest.raises(PromiseError, match="occurs"):
            bug.mutate(text)
    with pytest.raises(PromiseError, match="same"):
        Mutation("a-bug", "f.py", "x = 1", "x = 1", "nothing").mutate("x = 1")


def test_the_mutations_file_refuses_bad_and_repeated_ids() -> None:
    """Ids are kebab case and unique; every field is there."""
    entry = "[[mutation]]\nid = '{}'\nfile = 'f'\nold = 'a'\nnew = 'b'\nwhy = 'w'\n"
    assert list(load_mutations(entry.format("a-bug"))) == ["a-bug"]
    with pytest.raises(PromiseError, match="kebab"):
        load_mutations(entry.format("A_bug"))
    with pytest.raises(PromiseError, match="twice"):
        load_mutations(entry.format("a-bug") * 2)
    with pytest.raises(PromiseError, match="lacks"):
        load_mutations("[[mutation]]\nid = 'a-bug'\n")


JUNIT = '<testsuites><testsuite name="pytest">{}</testsuite></testsuites>'


@pytest.mark.parametrize(
    ("code", "cases", "judged"),
    [
        (1, '<testcase classname="t" name="a"><failure/></testcase>', ("failed", "t::a")),
        (1, '<testcase classname="t" name="a"/><testcase classname="t" name="b"><error/>'
            "</testcase>", ("failed", "t::b")),
        (0, '<testcase classname="t" name="a"/>', ("passed", "")),
        (0, '<testcase classname="t" name="a"><skipped/></testcase>', ("skipped", "")),
        (5, "", ("error", "")),
        (4, "", ("error", "")),
    ],
)  # fmt: skip
def test_a_run_is_judged_from_pytests_report(
    tmp_path: Path, code: int, cases: str, judged: tuple[str, str]
) -> None:
    """Any failure or error kills; all passed survives; skips and usage errors judge nothing."""
    report = tmp_path / "report.xml"
    report.write_text(JUNIT.format(cases))
    assert check._judge(code, report) == judged


def test_the_scratch_copy_leaves_out_caches_but_keeps_packages(tmp_path: Path) -> None:
    """Version control, caches and built docs stay behind; a package named build does not."""
    root = tmp_path / "repo"
    for name in (
        "src/wiw/build/image.py",
        "src/wiw/__pycache__/x.pyc",
        ".git/HEAD",
        "docs/_build/index.html",
        "docs/index.md",
        ".nox/x",
        "build/x",
        "mutants/x",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")  # fmt: skip
    check.copy_repository(tmp_path / "copy", root)
    copied = {p.relative_to(tmp_path / "copy").as_posix() for p in (tmp_path / "copy").rglob("*")
              if p.is_file()}  # fmt: skip
    assert copied == {"src/wiw/build/image.py", "docs/index.md"}


def test_the_scratch_copy_imports_its_own_wiw(tmp_path: Path) -> None:
    """With the scratch environment, wiw and its hub-side folder come from the copy."""
    check.copy_repository(tmp_path / "copy")
    check.check_imports(tmp_path / "copy", check.scratch_env(tmp_path / "copy"))
    with pytest.raises(PromiseError, match="not from"):
        check.check_imports(tmp_path / "copy", check.scratch_env(tmp_path / "elsewhere"))


def test_the_page_counts_the_rows_of_each_session() -> None:
    """The paragraph above the table gives the rows and mutations each session checks."""
    said = re.findall(r"\((\d+) rows,\s+(\d+) mutations\)", PAGE.read_text())
    unit = [row for row in ROWS if row.kind == "unit"]
    engine = [row for row in ROWS if row.kind != "unit"]
    assert said == [
        (str(len(rows)), str(sum(len(row.mutations) for row in rows))) for rows in (unit, engine)
    ]
