"""Sessions for developing wiw and for running the example workshop.

``nox`` runs lint, typecheck and tests; ``nox -s build run`` builds the
example workshop and serves it; ``nox -s smoke`` checks it end to end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "typecheck", "tests"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
WORKSHOP = str(ROOT / "example_workshop")
QR_PNG = str(ROOT / "workshop-qr.png")


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    _install(session, "lint")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


# The image's packages that ship their own types (jupyterhub/typings stubs the rest).
HUB_TYPED = ("aiohttp", "click", "jupyter-server", "jupyterlab-server", "nbclient", "nbformat",
             "sqlalchemy", "tornado", "traitlets")  # fmt: skip


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package, the tests and this file with mypy --strict.

    Then the code that runs inside every image (``jupyterhub/*/*.py``), with its
    own configuration (``jupyterhub/mypy.ini``: strict, every ignore used),
    against the packages the image installs and the stubs in
    ``jupyterhub/typings`` for those that ship no types.
    """
    _install(session, "typecheck")
    session.run("mypy", *session.posargs)
    # Of the image's packages, those mypy reads (the others are stubbed), as locked.
    session.install("-c", "jupyterhub/requirements.lock", *HUB_TYPED)
    session.run("mypy", "--config-file", "jupyterhub/mypy.ini")


# The coverage the whole suite keeps, at least (README, Development).
COVERAGE_FLOOR = 85
# One classroom test, run in a process of its own: it must pass alone.
ALONE = "tests/integration/test_classroom.py::test_learners_lists_who_is_active"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (integration tests need a Docker engine) and print coverage.

    Unit tests run in random order; then the integration tests; then one
    classroom test alone. ``nox -s tests -- ARGS`` runs ``pytest ARGS`` instead.
    """
    _install(session, "test")
    if session.posargs:
        session.run("pytest", *session.posargs)
        return
    cov = ["--cov", "--cov-report="]
    session.run("pytest", "tests/unit", *cov)  # random order: pytest-randomly
    session.run("pytest", "tests/integration", "-p", "no:randomly", "--cov-append", *cov)
    session.run("pytest", ALONE, "-p", "no:randomly", "--cov-append", *cov)
    session.run("coverage", "report", f"--fail-under={COVERAGE_FLOOR}")


@nox.session(default=False)
def pythons(session: nox.Session) -> None:
    """Build workshops for Python 3.13 and 3.14 (runtime.txt) and run their lessons.

    Needs the debian:trixie-slim and python:3.14-slim bases (.ci/base-image.sh
    makes stand-ins where no registry answers).
    """
    _install(session, "test")
    session.run("pytest", "-m", "pythons", "tests/integration/test_pythons.py", *session.posargs)


@nox.session(default=False)
def courses(session: nox.Session) -> None:
    """The course cases CI leaves out: a further case of each kind (tests/cases, "more").

    CI builds one case of each kind of course; this builds the others too.
    """
    _install(session, "test")
    session.run("pytest", "-m", "courses", "tests/integration/test_cases.py", *session.posargs)


@nox.session(default=False)
def multinode(session: nox.Session) -> None:
    """A class on a Swarm of three nodes (nested engines on this machine), through a restart.

    Needs the registry tools (.ci/registry.sh) and an engine that can run
    nested engines; builds its node image from debian:bookworm-slim.
    """
    _install(session, "test")
    session.run("pytest", "-m", "multinode", "tests/integration/test_multinode.py",
                *session.posargs)  # fmt: skip


@nox.session(default=False)
def podman(session: nox.Session) -> None:
    """Build, run, smoke, lesson tests and a classroom on Podman instead of Docker.

    Needs Podman with its API socket (.ci/podman.sh installs and starts it
    and copies the base image across).
    """
    _install(session, "test")
    session.run("pytest", "-m", "podman", "tests/integration/test_podman.py", *session.posargs)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site; Sphinx warnings are errors."""
    _install(session, "docs")
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html",
        *session.posargs,
    )  # fmt: skip


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Run the real-browser tests (headless Chromium from /usr/bin/chromium)."""
    _install(session, "test")
    session.run("pytest", "-m", "browser", *session.posargs)


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Build the example workshop's image and show its size and build time."""
    _install(session)
    session.run("wiw", "build", WORKSHOP, *session.posargs)


@nox.session(default=False)
def run(session: nox.Session) -> None:
    """Serve the example workshop: print its URL and QR code until Ctrl-C."""
    _install(session)
    session.run("wiw", "run", WORKSHOP, "--qr", QR_PNG, *session.posargs)


@nox.session(default=False)
def notebooks(session: nox.Session) -> None:
    """Build the example workshop and run every lesson inside its image."""
    _install(session)
    session.run("wiw", "build", WORKSHOP)
    session.run(
        "wiw", "test", WORKSHOP, "--json", str(ROOT / "lesson-report.json"), *session.posargs
    )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Measure build, size, start-up, a simulated class and lessons; write JSON and charts."""
    _install(session, "bench")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session(default=False)
def smoke(session: nox.Session) -> None:
    """Run the example image, check JupyterLab lists the lessons, and clean up."""
    _install(session)
    session.run("wiw", "smoke", WORKSHOP, *session.posargs)


@nox.session(default=False)
def mutate(session: nox.Session) -> None:
    """Mutation-test the modules unit tests check (mutmut); print the score per module.

    Fails when any module has less than 90 % of its mutants killed (equivalent
    mutants left out). Takes a while; CI does not run it.
    """
    _install(session, "test")
    session.install("mutmut>=3.8")
    session.run("mutmut", "run", *session.posargs)
    session.run("python", "tests/mutation/score.py", "--floor", "90")


PROMISES = "tests/promises/check.py"


@nox.session(default=False)
def promises(session: nox.Session) -> None:
    """Check that the unit tests of docs/promises.md kill each promise's mutation.

    For every row whose tests are all unit tests: its tests pass as the code
    is, and fail once each of its mutations (tests/promises/mutations.toml) is
    made in a scratch copy. A few minutes; no engine needed.
    """
    _install(session, "test")
    session.run("python", PROMISES, "--unit", "--baseline", *session.posargs)


@nox.session(default=False)
def promises_engine(session: nox.Session) -> None:
    """Check that the integration tests of docs/promises.md kill each promise's mutation.

    Needs a Docker engine, and runs a row's tests once per mutation: hours, not
    minutes; CI does not run it. ``-- --row N`` runs one row, the multinode and
    Podman rows too (they need those sessions' setup); ``-- --json FILE`` keeps
    a summary.
    """
    _install(session, "test")
    session.run("python", PROMISES, "--engine", *session.posargs)


@nox.session(default=False)
def z2jh_data(session: nox.Session) -> None:
    """Refresh tests/data/z2jh: the pinned chart's schema and values, structure only.

    From a clone of the chart's repository at the release wiw pins:
    ``nox -s z2jh_data -- --git CLONE --tag 4.4.0``. Without arguments, from
    the reference copy beside the checkout (../shared/reference/z2jh, a
    development build).
    """
    session.install("pyyaml")
    reference = ROOT.parent / "shared" / "reference" / "z2jh"
    source = session.posargs or ["--folder", str(reference), "--version", "development"]
    session.run("python", "tests/data/make_z2jh.py", "tests/data/z2jh", *source)


@nox.session(default=False)
def lock(session: nox.Session) -> None:
    """Refresh jupyterhub/requirements.lock: every package of the runtime, pinned.

    Resolved from jupyterhub/requirements.txt for every Python the images use
    (3.11 and up). rfc3987-syntax and lark are left out: an optional format
    checker that costs each learner's server start ~0.7 s of CPU. Then
    jupyterhub/text-lessons.lock (Jupytext, for images with text lessons),
    resolved within the runtime's pins.
    """
    session.install("uv>=0.9")
    common = ["--universal", "--python-version", "3.11", "--custom-compile-command",
              "nox -s lock", "--quiet"]  # fmt: skip
    session.run(
        "uv", "pip", "compile", "jupyterhub/requirements.txt", *common,
        "--no-emit-package", "rfc3987-syntax", "--no-emit-package", "lark",
        "--output-file", "jupyterhub/requirements.lock",
    )  # fmt: skip
    session.run(
        "uv", "pip", "compile", "jupyterhub/text-lessons.txt", *common,
        "-c", "jupyterhub/requirements.lock", "--output-file", "jupyterhub/text-lessons.lock",
    )  # fmt: skip


@nox.session(default=False)
def wheel(session: nox.Session) -> None:
    """Build the wheel into dist/, install it alone in this session, and start a course with it.

    What a new user does, from anywhere but the clone: ``wiw init`` writes the
    example course from the wheel, ``wiw build --dry-run`` shows its image's
    build without an engine.
    """
    dist = ROOT / "dist"
    session.install("build>=1.2")
    session.run("python", "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT))
    built = max(dist.glob("wiw-*.whl"), key=lambda p: p.stat().st_mtime)
    session.install("--force-reinstall", str(built))
    scratch = Path(session.create_tmp()) / "first-hour"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    session.chdir(scratch)
    session.run("wiw", "init", "my-course")
    session.run("wiw", "build", "my-course", "--dry-run")
