"""Promises that check themselves: make each promise's bug and see its tests fail.

``docs/promises.md`` ends with a table, "Where each promise is tested". Each
row names the tests that keep a promise and, in its ``mutation`` column, the
ids of deliberate bugs (``tests/promises/mutations.toml``) that break it. For
each row and each of its mutations, this script copies the repository to a
scratch folder, makes the bug there (``old`` replaced by ``new``, which must
occur exactly once), and runs the row's tests against that copy with pytest:

- **killed**: a test failed (or errored), as it should;
- **SURVIVED**: every test passed with the bug in place: they do not keep
  the promise;
- **not applied**: the mutation's ``old`` is not in its file exactly once;
- **skipped**: the tests were skipped (an engine, a tool or a setting is
  missing), so the mutation was not judged;
- **error**: pytest could not run the tests (no such test, a usage error);
- **timeout**: the tests did not finish within ``--timeout``.

Only *killed* is a pass; the exit status is 1 otherwise. With ``--baseline``
each selected row's tests first run on an unchanged copy, where they must
pass: a test that fails anyway would "kill" every mutation. Before running
anything, the script makes sure that the copy's ``wiw`` (and its
``jupyterhub/`` folder) is what Python imports there, not an installed one:
``PYTHONPATH`` puts the copy's ``src`` and top folder first.

A row whose tests are all under ``tests/unit`` needs no container engine
(``--unit``, what CI runs: ``nox -s promises``). A row naming any test under
``tests/integration`` needs one (``--engine``: ``nox -s promises_engine``);
rows whose tests need a setup of their own, named in the table as
``nox -s multinode`` or ``nox -s podman``, run only when asked for by
``--row`` (or ``--all``).

How the table names tests: ``unit/test_x.py::test_y`` is
``tests/unit/test_x.py::test_y``; ``test_x.py::test_y`` is under
``tests/integration``; a file alone (``test_swarm.py``) means every test in
it; a bare ``test_y`` is in the file named before it in the same cell; a
parametrized case is written ``test_y[case-id]``. Anything else in backticks
(a fixture such as ``nothing_leaks``, ``nox -s podman``) is not a test.

Usage::

    python tests/promises/check.py --unit --json promises.json
    python tests/promises/check.py --engine
    python tests/promises/check.py --row 32 --row routes-ranked-by-name
    python tests/promises/check.py --list
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "promises.md"
MUTATIONS = ROOT / "tests" / "promises" / "mutations.toml"
HEADING = "## Where each promise is tested"
COLUMNS = ("promise", "test", "the mutation it kills", "mutation")
UNIT = "tests/unit/"
INTEGRATION = "tests/integration/"
# Not copied to the scratch folder: version control, environments, caches, outputs.
SKIPPED_NAMES = frozenset({
    ".git", ".nox", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    ".hypothesis", "mutants", ".coverage",
})  # fmt: skip
SKIPPED_PATHS = frozenset({"docs/_build", "dist", "build", "benchmarks/results"})
PYTEST = ("-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider")
KILLED, PASSED = "killed", "passed"
TAIL = 25  # lines of pytest's output kept for outcomes other than killed

_REFERENCE = re.compile(
    r"(?P<unit>unit/)?(?P<file>test_\w+\.py)(?:::(?P<name>test_\w+(?:\[[^\]]+\])?))?"
    r"|(?P<bare>test_\w+(?:\[[^\]]+\])?)"
)
_SESSION = re.compile(r"`nox -s (\w+)`")
_MUTATION_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CODE = re.compile(r"`([^`]+)`")


class PromiseError(Exception):
    """The table or the mutations file is not as this script expects."""


@dataclass(frozen=True)
class Mutation:
    """A deliberate bug: ``old`` replaced by ``new`` in ``file``.

    Attributes:
        id: Its name, in kebab case (``join-secret-32-bits``).
        file: The file it changes, relative to the repository.
        old: The text it replaces; it must occur exactly once in the file.
        new: What replaces it.
        why: The promise it breaks, in one line.
    """

    id: str
    file: str
    old: str
    new: str
    why: str

    def mutate(self, text: str) -> str:
        """Return ``text`` with the bug made.

        Raises:
            PromiseError: ``old`` does not occur exactly once, or ``new`` is the same.
        """
        found = text.count(self.old)
        if found != 1:
            raise PromiseError(f"{self.id}: its old text occurs {found} times in {self.file}")
        if self.new == self.old:
            raise PromiseError(f"{self.id}: new is the same as old")
        return text.replace(self.old, self.new)

    def apply(self, root: Path) -> None:
        """Make the bug in the copy of the repository at ``root``."""
        path = root / self.file
        path.write_text(self.mutate(path.read_text()))


@dataclass(frozen=True)
class Row:
    """A row of the table: a promise, the tests that keep it, the bugs they must catch.

    Attributes:
        number: Its place in the table, from 1.
        promise: The promise, as the table says it.
        tests: pytest node ids, relative to the repository.
        mutations: Ids of the mutations its tests must kill.
        session: The nox session whose setup its tests need (``multinode``), if any.
    """

    number: int
    promise: str
    tests: tuple[str, ...]
    mutations: tuple[str, ...]
    session: str | None = None

    @property
    def kind(self) -> str:
        """``unit`` (no engine needed), ``engine``, or ``nox -s SESSION``."""
        if self.session:
            return f"nox -s {self.session}"
        return "unit" if all(t.startswith(UNIT) for t in self.tests) else "engine"


@dataclass
class Trial:
    """One row's tests run against one mutation (or, as a baseline, against none).

    Attributes:
        row: The row's number in the table.
        promise: The promise it keeps.
        mutation: The mutation's id; empty for a baseline.
        file: The file it changed.
        tests: The node ids run.
        outcome: For a mutation: killed, survived, not applied, skipped, error or
            timeout. For a baseline: passed, failed, skipped, error or timeout.
        failed: The first test that failed, if one did.
        seconds: How long it took, copying included.
        output: The end of pytest's output, unless the outcome was the one wanted.
    """

    row: int
    promise: str
    mutation: str
    file: str
    tests: list[str]
    outcome: str = ""
    failed: str = ""
    seconds: float = 0.0
    output: str = ""

    @property
    def ok(self) -> bool:
        """Whether this is the outcome wanted: killed, or for a baseline, passed."""
        return self.outcome == (KILLED if self.mutation else PASSED)


def node_ids(cell: str) -> tuple[str, ...]:
    """The pytest node ids a table cell names (see the module's docstring for how).

    Raises:
        PromiseError: A bare test name comes before any file in the cell.
    """
    found: list[str] = []
    file: str | None = None
    for code in _CODE.findall(cell):
        match = _REFERENCE.fullmatch(code.strip())
        if match is None:
            continue  # a fixture, a path, a nox session: not a test
        if match["bare"]:
            if file is None:
                raise PromiseError(f"{code} names no file, and none comes before it: {cell}")
            found.append(f"{file}::{match['bare']}")
            continue
        file = (UNIT if match["unit"] else INTEGRATION) + match["file"]
        found.append(f"{file}::{match['name']}" if match["name"] else file)
    return tuple(found)


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table's line, stripped."""
    return [cell.strip() for cell in line.strip().removeprefix("|").removesuffix("|").split(" | ")]


def load_rows(page: str) -> list[Row]:
    """Read the rows of the table at the end of the promises page.

    Raises:
        PromiseError: The heading, the table or one of its columns is missing,
            or a row has another number of cells.
    """
    if HEADING not in page:
        raise PromiseError(f"no '{HEADING}' in the promises page")
    lines = [ln for ln in page.split(HEADING, 1)[1].splitlines() if ln.startswith("|")]
    if len(lines) < 2:
        raise PromiseError("no table under the heading")
    header = _cells(lines[0])
    if tuple(header) != COLUMNS:
        raise PromiseError(f"the table's columns are {header}, not {list(COLUMNS)}")
    rows = []
    for number, line in enumerate(lines[2:], 1):
        cells = _cells(line)
        if len(cells) != len(COLUMNS):
            raise PromiseError(f"row {number} has {len(cells)} cells: {line[:80]}")
        promise, tests, _, mutations = cells
        session = _SESSION.search(tests)
        rows.append(Row(
            number=number, promise=promise, tests=node_ids(tests),
            mutations=tuple(_CODE.findall(mutations)), session=session[1] if session else None,
        ))  # fmt: skip
    return rows


def load_mutations(text: str) -> dict[str, Mutation]:
    """Read the mutations file: ``[[mutation]]`` tables, by id.

    Raises:
        PromiseError: An id is used twice, is not kebab case, or a field is missing.
    """
    found: dict[str, Mutation] = {}
    for entry in tomllib.loads(text).get("mutation", []):
        try:
            mutation = Mutation(**{k: str(entry[k]) for k in ("id", "file", "old", "new", "why")})
        except KeyError as exc:
            raise PromiseError(f"a mutation lacks {exc}: {entry.get('id', entry)}") from None
        if not _MUTATION_ID.fullmatch(mutation.id):
            raise PromiseError(f"{mutation.id!r} is not a kebab-case id")
        if mutation.id in found:
            raise PromiseError(f"{mutation.id} is defined twice")
        found[mutation.id] = mutation
    return found


def _ignore(root: Path) -> Callable[[str, list[str]], set[str]]:
    """What ``shutil.copytree`` leaves out of a copy of ``root``."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(root)
        return {
            name for name in names
            if name in SKIPPED_NAMES or (rel / name).as_posix() in SKIPPED_PATHS
            or name.endswith(".egg-info") or name.startswith(".coverage.")
        }  # fmt: skip

    return ignore


def copy_repository(dest: Path, root: Path = ROOT) -> None:
    """Copy the working tree (uncommitted edits included) to ``dest``, without caches."""
    shutil.copytree(root, dest, symlinks=True, ignore=_ignore(root))


def scratch_env(scratch: Path) -> dict[str, str]:
    """The environment that makes Python import wiw, and the tests, from the scratch copy."""
    env = dict(os.environ)
    paths = [str(scratch / "src"), str(scratch), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_imports(scratch: Path, env: dict[str, str]) -> None:
    """Make sure that wiw, and its hub-side folder, are the scratch copy's.

    Raises:
        PromiseError: They come from elsewhere (an installed wiw shadows the copy).
    """
    code = "import wiw, wiw.resources; print(wiw.__file__); print(wiw.resources.support_dir())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=scratch, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    found = done.stdout.split()
    if done.returncode or len(found) != 2:
        raise PromiseError(f"importing wiw in the scratch copy failed: {done.stderr[-500:]}")
    for path in found:
        if not Path(path).resolve().is_relative_to(scratch.resolve()):
            raise PromiseError(f"the scratch copy imports wiw from {path}, not from {scratch}")


def _judge(code: int, report: Path) -> tuple[str, str]:
    """What a pytest run did, from its exit status and JUnit report; and the first failure.

    Returns:
        ``failed``, ``passed``, ``skipped`` (some skipped, none failed) or
        ``error`` (nothing could be judged), and the first test that failed.
    """
    if code in (3, 4):  # pytest's internal and usage errors: nothing was judged
        return "error", ""
    failed, ran, skipped = "", 0, 0
    if report.is_file():
        for case in ET.parse(report).iter("testcase"):  # noqa: S314 - our own pytest's file
            ran += 1
            tags = {child.tag for child in case}
            if tags & {"failure", "error"} and not failed:
                failed = f"{case.get('classname', '')}::{case.get('name', '')}"
            skipped += "skipped" in tags
    if failed or code in (1, 2):
        return "failed", failed
    if ran == 0 or code == 5:
        return "error", ""
    return ("skipped" if skipped else PASSED), ""


def _run_pytest(
    tests: Sequence[str], scratch: Path, env: dict[str, str], report: Path, timeout: float | None
) -> tuple[str, str, str]:
    """Run ``tests`` in the scratch copy: what happened, the first failure, the output's end."""
    command = [sys.executable, *PYTEST, "-m", "", f"--junitxml={report}", *tests]
    try:
        done = subprocess.run(
            command, cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return "timeout", "", "\n".join(output.splitlines()[-TAIL:])
    result, failed = _judge(done.returncode, report)
    return result, failed, "\n".join((done.stdout + done.stderr).splitlines()[-TAIL:])


def run_trial(
    row: Row, mutation: Mutation | None, work: Path, *, timeout: float | None, keep: bool
) -> Trial:
    """Copy the repository, make ``mutation`` (if any), run ``row``'s tests, and judge.

    The scratch copy is removed afterwards, unless ``keep``.

    Raises:
        PromiseError: The scratch copy imports wiw from somewhere else.
    """
    trial = Trial(row.number, row.promise, mutation.id if mutation else "",
                  mutation.file if mutation else "", list(row.tests))  # fmt: skip
    started = time.monotonic()
    scratch = work / f"row{row.number:02d}-{trial.mutation or 'baseline'}"
    try:
        copy_repository(scratch)
        env = scratch_env(scratch)
        check_imports(scratch, env)
        try:
            if mutation is not None:
                mutation.apply(scratch)
        except PromiseError as exc:
            trial.outcome, trial.output = "not applied", str(exc)
            return trial
        result, trial.failed, output = _run_pytest(
            row.tests, scratch, env, scratch.with_suffix(".xml"), timeout
        )
        mutated = {"failed": KILLED, PASSED: "survived"}
        trial.outcome = mutated.get(result, result) if mutation else result
        trial.output = "" if trial.ok else output
    finally:
        trial.seconds = round(time.monotonic() - started, 1)
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return trial


def select(
    rows: Sequence[Row], mutations: dict[str, Mutation], args: argparse.Namespace
) -> list[tuple[Row, Mutation]]:
    """The (row, mutation) pairs the command line asks for, in the table's order.

    Raises:
        PromiseError: ``--row`` names neither a row number nor a mutation used by a row.
    """
    wanted: list[tuple[Row, Mutation]] = []
    for row in rows:
        ids: Iterable[str] = ()
        if args.row:
            ids = row.mutations if str(row.number) in args.row else (
                m for m in row.mutations if m in args.row)  # fmt: skip
        elif (
            args.all
            or (args.unit and row.kind == "unit")
            or (args.engine and row.kind == "engine")
        ):
            ids = row.mutations
        wanted += [(row, mutations[m]) for m in ids]
    named = {str(r.number) for r in rows} | {m for r in rows for m in r.mutations}
    if unknown := set(args.row or ()) - named:
        raise PromiseError(f"no row or mutation {', '.join(sorted(unknown))} in the table")
    return wanted


def _parser() -> argparse.ArgumentParser:
    """The command line: which rows, and how to run them."""
    parser = argparse.ArgumentParser(
        description="Make each promise's mutation and check that its tests fail.",
        epilog="Exit status 1 unless every mutation run was killed.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--unit", action="store_true", help="rows whose tests are unit tests")
    which.add_argument(
        "--engine", action="store_true",
        help="rows with integration tests (a container engine is needed); not those whose "
        "tests need a nox session's setup of their own",
    )  # fmt: skip
    which.add_argument("--all", action="store_true", help="every row")
    which.add_argument("--list", action="store_true", help="list the rows and run nothing")
    parser.add_argument(
        "--row", action="append", metavar="ID",
        help="a row's number in the table, or a mutation's id (all rows naming it); "
        "repeatable; these rows only, whatever else is asked",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", help="write a summary here")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="for each run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument(
        "--baseline", action="store_true",
        help="first run each selected row's tests without a mutation: they must pass",
    )  # fmt: skip
    return parser


def _list(rows: Sequence[Row]) -> None:
    """Print each row's number, what it needs, its tests' count and its mutations."""
    for row in rows:
        print(f"{row.number:>3}  {row.kind:<17} {len(row.tests):>2} test(s)  "
              f"{', '.join(row.mutations)}")  # fmt: skip
    units, plain = (sum(row.kind == kind for row in rows) for kind in ("unit", "engine"))
    print(f"{len(rows)} rows: {units} unit, {len(rows) - units} needing an engine "
          f"({plain} of them with no setup of their own)")  # fmt: skip


def _summary(trials: Sequence[Trial], args: argparse.Namespace, started: str) -> dict[str, object]:
    """What ``--json`` writes: the selection, the counts and every trial."""
    selection = "rows" if args.row else "all" if args.all else "unit" if args.unit else "engine"
    return {
        "started": started,
        "selection": selection,
        "killed": sum(t.outcome == KILLED for t in trials),
        "mutations": sum(bool(t.mutation) for t in trials),
        "trials": [asdict(t) for t in trials],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected rows' mutations one after another; 0 if every one was killed."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not (args.unit or args.engine or args.all or args.list or args.row):
        parser.error("say which rows: --unit, --engine, --all or --row (or --list)")
    rows = load_rows(PAGE.read_text())
    mutations = load_mutations(MUTATIONS.read_text())
    if missing := {m for row in rows for m in row.mutations} - set(mutations):
        raise PromiseError(f"the table names unknown mutations: {', '.join(sorted(missing))}")
    if args.list:
        _list(rows)
        return 0
    pairs: list[tuple[Row, Mutation | None]] = list(select(rows, mutations, args))
    if args.baseline:
        unmutated = {row.number: row for row, _ in pairs}
        pairs = [(row, None) for row in unmutated.values()] + pairs
    if args.engine and not args.row:
        for row in rows:
            if row.session:
                print(f"row {row.number} needs the setup of {row.kind}: run it with --row "
                      f"{row.number}")  # fmt: skip
    started = datetime.now(UTC).isoformat(timespec="seconds")
    trials = _run_all(pairs, timeout=args.timeout, keep=args.keep)
    _report(trials)
    if args.json:
        args.json.write_text(json.dumps(_summary(trials, args, started), indent=2) + "\n")
    return 0 if all(t.ok for t in trials) else 1


def _report(trials: Sequence[Trial]) -> None:
    """Say how many mutations were killed, and which trials went wrong."""
    made = [t for t in trials if t.mutation]
    print(f"{sum(t.ok for t in made)} of {len(made)} mutations killed")
    if len(made) < len(trials):
        print(f"{sum(t.ok for t in trials) - sum(t.ok for t in made)} of "
              f"{len(trials) - len(made)} rows pass without a mutation")  # fmt: skip
    for trial in trials:
        if not trial.ok:
            print(f"  {trial.outcome}: row {trial.row}, {trial.mutation or 'no mutation'}")


def _run_all(
    pairs: Sequence[tuple[Row, Mutation | None]], *, timeout: float | None, keep: bool
) -> list[Trial]:
    """Run the trials one after another, saying how each went."""
    trials: list[Trial] = []
    work = Path(tempfile.mkdtemp(prefix="wiw-promises-"))
    try:
        for n, (row, mutation) in enumerate(pairs, 1):
            what = mutation.id if mutation else "no mutation (baseline)"
            print(f"[{n}/{len(pairs)}] row {row.number} ({row.kind}), {what}: "
                  f"{len(row.tests)} test(s) ...", flush=True)  # fmt: skip
            trial = run_trial(row, mutation, work, timeout=timeout, keep=keep)
            trials.append(trial)
            shown = "SURVIVED" if trial.outcome == "survived" else trial.outcome
            print(f"    {shown} in {trial.seconds:.0f} s {trial.failed}".rstrip(), flush=True)
            if trial.output:
                print("    " + trial.output.replace("\n", "\n    "), flush=True)
    finally:
        if keep:
            print(f"scratch copies kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return trials


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PromiseError as exc:
        sys.exit(f"promises: {exc}")
