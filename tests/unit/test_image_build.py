"""Building a workshop's image, against the fake engine: the command, the labels, the errors."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.workshops import workshop_folder
from wiw import errors
from wiw._version import __version__
from wiw.build import image as image_module
from wiw.build.context import render_context
from wiw.build.image import DEFAULT_MIN_FREE, Image, build_command
from wiw.build.progress import BuildProgress
from wiw.build.workshop import Workshop
from wiw.engine import labels as _labels
from wiw.engine.failures import engine_error

BASE = "debian:bookworm-slim"
Streamed = tuple[list[str], dict[str, str] | None, str]


class Recording(FakeEngine):
    """The fake, remembering each stream's whole command, env and purpose.

    Attributes:
        streams: ``(args, env, what)`` of each stream, in order.
        contexts: For each build, the files its context folder held as it ran.
        pullable: Images a pull fetches (the fake otherwise has only what it holds).
        pull_log: What a pull that fails printed.
        podman: Speak Podman's dialect.
        buildx: Build with BuildKit.
    """

    def __init__(self) -> None:
        super().__init__()
        self.streams: list[Streamed] = []
        self.contexts: list[list[str]] = []
        self.pullable: set[str] = set()
        self.pull_log = [f"pull line {n}" for n in range(8)]
        self.podman = False
        self.buildx = False

    @property
    def is_podman(self) -> bool:
        """Podman when told so."""
        return self.podman

    @property
    def has_buildx(self) -> bool:
        """BuildKit when told so."""
        return self.buildx

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "run"
    ) -> Iterator[str]:
        """Record, then stream as the fake does."""
        self.streams.append((list(args), None if env is None else dict(env), what))
        if args[0] == "build":
            folder = Path(args[-1])
            self.contexts.append(sorted(p.relative_to(folder).as_posix()
                                        for p in folder.rglob("*") if p.is_file()))  # fmt: skip
        if args[0] == "pull" and args[1] in self.pullable:
            self.add_image(args[1])
        elif args[0] == "pull":
            return self._pull_fails(list(args), what)
        return super().stream(args, env=env, what=what)

    def _pull_fails(self, args: list[str], what: str) -> Iterator[str]:
        yield from self.pull_log
        raise engine_error("denied", what=what, command=args, exit_code=1, log_tail=self.pull_log)


@pytest.fixture
def fake() -> Recording:
    """A recording fake that holds the base image."""
    engine = Recording()
    engine.add_image(BASE)
    return engine


@pytest.fixture
def intro(tmp_path: Path) -> Workshop:
    """A workshop named intro with one lesson."""
    return Workshop(workshop_folder(tmp_path / "intro"))


# The command -----------------------------------------------------------------------------


def test_the_legacy_builder_on_docker(tmp_path: Path) -> None:
    """--force-rm, no BuildKit, the iidfile, the tag, labels by key, arguments, then the folder."""
    engine = Recording()
    args, env = build_command(engine, tmp_path / "ctx", ref="wiw/x:1",
                              labels={"b": "2", "a": "1"}, build_args={"Z": "z", "A": "a"},
                              iidfile=tmp_path / "iid", no_cache=True, network="host")  # fmt: skip
    assert args == [
        "build", "--force-rm", "--iidfile", str(tmp_path / "iid"), "--tag", "wiw/x:1",
        "--label", "a=1", "--label", "b=2", "--build-arg", "A=a", "--build-arg", "Z=z",
        "--no-cache", "--network", "host", str(tmp_path / "ctx"),
    ]  # fmt: skip
    assert env == {"DOCKER_BUILDKIT": "0"}


def test_podman_and_buildkit(tmp_path: Path) -> None:
    """Podman needs no variable; buildx builds with plain progress and loads the image."""
    engine = Recording()
    engine.podman = True
    args, env = build_command(engine, tmp_path, ref="r:1", labels={}, build_args={},
                              iidfile=tmp_path / "i")  # fmt: skip
    assert (args, env) == (["build", "--force-rm", "--iidfile", str(tmp_path / "i"), "--tag",
                            "r:1", str(tmp_path)], {})  # fmt: skip
    engine.buildx = True
    args, env = build_command(engine, tmp_path, ref="r:1", labels={}, build_args={},
                              iidfile=tmp_path / "i", network="")  # fmt: skip
    assert (args, env) == (["buildx", "build", "--progress=plain", "--load", "--iidfile",
                            str(tmp_path / "i"), "--tag", "r:1", str(tmp_path)], {})  # fmt: skip


# A build ---------------------------------------------------------------------------------


def test_a_build_streams_the_command_with_the_context_written(
    fake: Recording, intro: Workshop
) -> None:
    """The default tag, wiw's labels, the context's build arguments; the context is there."""
    image = Image.build(intro, engine=fake, show_progress=False)
    assert image.ref == "wiw/intro:latest"
    assert image.engine is fake
    context = render_context(intro)
    labels = {
        **_labels.labels_for("intro", "image", __version__),
        _labels.REF: "wiw/intro:latest",
        _labels.SERVER: "wiw",
        _labels.CONTEXT: context.digest,
    }
    ((args, env, what),) = fake.streams
    folder = Path(args[-1])
    assert folder.name == "context"
    assert folder.parent.name.startswith("wiw-build-")
    assert not folder.parent.exists()
    assert args == build_command(fake, folder, ref="wiw/intro:latest", labels=labels,
                                 build_args=dict(context.build_args),
                                 iidfile=folder.parent / "iid")[0]  # fmt: skip
    assert (env, what) == ({"DOCKER_BUILDKIT": "0"}, "build the image")
    assert fake.contexts == [sorted(n for n in context.files if not n.endswith("/"))]
    assert image.labels == labels


def test_the_options_reach_the_builder(fake: Recording, tmp_path: Path) -> None:
    """A tag, a base (pulled when missing), no cache, a network; the source is a label."""
    folder = workshop_folder(tmp_path / "w")
    workshop = Workshop(folder, name="intro", source="https://example.org/intro.git@main")
    fake.pullable.add("example.org/base:2")
    image = Image.build(workshop, tag="wiw/x:1", base_image="example.org/base:2", no_cache=True,
                        network="host", engine=fake, show_progress=False)  # fmt: skip
    pull, build = fake.streams
    assert pull == (["pull", "example.org/base:2"], None, "pull the base image")
    assert "--no-cache" in build[0]
    assert build[0][-3:-1] == ["--network", "host"]
    assert "BASE_IMAGE=example.org/base:2" in build[0]
    assert image.labels[_labels.SOURCE] == "https://example.org/intro.git@main"
    assert image.labels[_labels.REF] == "wiw/x:1"
    assert image.ref == "wiw/x:1"


def test_an_invalid_base_is_refused_before_anything(fake: Recording, intro: Workshop) -> None:
    """InvalidName; the engine is not asked anything."""
    fake.calls.clear()
    with pytest.raises(errors.InvalidName):
        Image.build(intro, base_image="Not A Ref", engine=fake, show_progress=False)
    assert fake.calls == []


def test_a_base_that_cannot_be_pulled_says_so(fake: Recording, intro: Workshop) -> None:
    """The base's name, what to do, and the last 5 lines of the failed pull."""
    with pytest.raises(errors.ImageNotFound) as missing:
        Image.build(intro, base_image="nowhere/base:1", engine=fake, show_progress=False)
    assert missing.value.message == (
        "Base image nowhere/base:1 is not on this machine and could not be pulled."
    )
    assert missing.value.hint == (
        "Check the name, pull it yourself ('docker pull IMAGE'), or choose another with "
        "--base-image (it needs apt-get and Python 3 packages)."
    )
    assert missing.value.command == ["pull", "nowhere/base:1"]
    assert missing.value.exit_code == 1
    assert isinstance(missing.value.__cause__, errors.EngineError)
    assert missing.value.log_tail == [f"pull line {n}" for n in range(3, 8)]
    assert fake.streams == [(["pull", "nowhere/base:1"], None, "pull the base image")]


def test_a_workshops_own_dockerfile_needs_no_base(fake: Recording, tmp_path: Path) -> None:
    """Its Dockerfile names its base: nothing is looked up or pulled; the server is its own."""
    folder = workshop_folder(tmp_path / "own", {"Dockerfile": "FROM scratch\n"})
    fake.calls.clear()
    image = Image.build(Workshop(folder), engine=fake, show_progress=False)
    assert not fake.called("image_info")
    assert [s[0][0] for s in fake.streams] == ["build"]
    assert image.labels[_labels.SERVER] == "own"
    assert _labels.SOURCE not in image.labels


def test_data_files_are_in_the_context_but_not_in_its_digest(
    fake: Recording, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data.txt's files are fetched into the context; the label counts them by their SHA-256."""
    digest = "ab" * 32
    folder = workshop_folder(tmp_path / "w", {"data.txt": f"https://example.org/a.csv "
                                              f"sha256:{digest}\n"})  # fmt: skip
    fetched = tmp_path / "a.csv"
    fetched.write_text("x,y\n")
    asked: list[object] = []

    def fetch_all(entries: object) -> dict[str, Path]:
        asked.append(entries)
        return {"data/a.csv": fetched}

    monkeypatch.setattr(image_module, "fetch_all", fetch_all)
    workshop = Workshop(folder)
    image = Image.build(workshop, engine=fake, show_progress=False)
    assert asked == [workshop.environment.data]
    assert "workshop/data/data/a.csv" in fake.contexts[0]
    assert image.labels[_labels.CONTEXT] == render_context(workshop).digest


def test_no_data_nothing_fetched(
    fake: Recording, intro: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without data.txt nothing is fetched."""

    def fetch_all(entries: object) -> dict[str, Path]:
        raise AssertionError(entries)

    monkeypatch.setattr(image_module, "fetch_all", fetch_all)
    Image.build(intro, engine=fake, show_progress=False)


def test_the_disk_is_checked_against_the_minimum_given(
    fake: Recording, intro: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """min_free reaches the disk check, on the build's engine; 1 GiB by default."""
    checked: list[tuple[object, int]] = []

    def check(engine: object, min_free: int) -> None:
        checked.append((engine, min_free))

    monkeypatch.setattr(image_module, "check_free_disk", check)
    Image.build(intro, engine=fake, show_progress=False, min_free=123)
    Image.build(intro, engine=fake, show_progress=False)
    assert checked == [(fake, 123), (fake, DEFAULT_MIN_FREE)]
    assert DEFAULT_MIN_FREE == 2**30


# Its record ------------------------------------------------------------------------------


def test_the_record_counts_steps_cached_ones_and_keeps_40_lines(
    fake: Recording, intro: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duration by the monotonic clock, steps, cached steps, the last 40 lines, in order."""
    noise = [f"noise {n}" for n in range(40)]
    fake.build_lines = ["Step 1/2 : FROM x", " ---> Using cache", "Step 2/2 : RUN y", *noise]
    clock = iter([100.0, 107.5])
    monkeypatch.setattr(image_module, "time", types.SimpleNamespace(monotonic=lambda: next(clock)))
    image = Image.build(intro, engine=fake, show_progress=False)
    record = image.last_build
    assert record is not None
    assert (record.duration, record.steps, record.cached_steps) == (7.5, 2, 1)
    assert list(record.log_tail) == [*noise[1:], f"Successfully built {image.id[7:19]}"]


def test_a_new_image_has_no_record(fake: Recording) -> None:
    """last_build is only set by a build."""
    assert Image(BASE, engine=fake).last_build is None


# Progress --------------------------------------------------------------------------------


class Display:
    """Stands in for the progress bar: records its title, events and whether it was closed."""

    made: ClassVar[list[Display]] = []

    def __init__(self, title: str) -> None:
        self.title = title
        self.events: list[BuildProgress] = []
        self.closed = False
        Display.made.append(self)

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def update(self, event: BuildProgress) -> None:
        """Record an event."""
        self.events.append(event)


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> list[Display]:
    """The progress bars a build made."""
    made: list[Display] = []
    monkeypatch.setattr(Display, "made", made)
    monkeypatch.setattr(image_module, "RichBuildDisplay", Display)
    return made


def test_a_progress_bar_and_the_callback_both_see_each_line(
    fake: Recording, intro: Workshop, display: list[Display]
) -> None:
    """show_progress: a bar titled with the image, and the callback still called."""
    seen: list[BuildProgress] = []
    Image.build(intro, engine=fake, show_progress=True, on_progress=seen.append)
    (bar,) = display
    assert bar.title == "building wiw/intro:latest"
    assert bar.closed
    assert [e.line for e in bar.events] == [*fake.build_lines, bar.events[-1].line]
    assert seen == bar.events
    Image.build(intro, engine=fake, show_progress=True, no_cache=True, network="host")
    assert len(display[1].events) == len(bar.events)
    assert fake.streams[-1][0][-4:-1] == ["--no-cache", "--network", "host"]


@pytest.mark.parametrize("terminal", [True, False])
def test_the_bar_shows_by_default_on_a_terminal(
    fake: Recording,
    intro: Workshop,
    display: list[Display],
    monkeypatch: pytest.MonkeyPatch,
    terminal: bool,
) -> None:
    """No show_progress: a bar when stderr is a terminal, none otherwise."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    seen: list[BuildProgress] = []
    Image.build(intro, engine=fake, on_progress=seen.append)
    assert len(display) == terminal
    assert len(seen) == len(fake.build_lines) + 1


# Failures --------------------------------------------------------------------------------


def test_a_step_that_fails_names_the_step_and_keeps_25_lines(
    fake: Recording, intro: Workshop
) -> None:
    """The failing step and its description; the builder's last 25 lines; its command."""
    fake.build_lines = ["Step 1/2 : FROM x", "Step 2/2 : RUN make", *[f"l{n}" for n in range(30)],
                       "never printed"]  # fmt: skip
    fake.build_fails_after = 32
    with pytest.raises(errors.BuildFailed) as failed:
        Image.build(intro, tag="wiw/x:1", engine=fake, show_progress=False)
    assert failed.value.message == "Building wiw/x:1 failed at step 2/2: RUN make"
    assert failed.value.log_tail == [f"l{n}" for n in range(5, 30)]
    assert failed.value.exit_code == 1
    assert failed.value.command == fake.streams[-1][0]
    assert fake.called("ping") == [""]


def test_a_failure_before_any_step_names_none(fake: Recording, intro: Workshop) -> None:
    """No step yet: the message says only that building failed."""
    fake.build_fails_after = 0
    with pytest.raises(errors.BuildFailed) as failed:
        Image.build(intro, tag="wiw/x:1", engine=fake, show_progress=False)
    assert failed.value.message == "Building wiw/x:1 failed"


def test_wiws_own_reason_is_said_last_one_first(fake: Recording, intro: Workshop) -> None:
    """A 'wiw-error: ' line says why; the last one is the one said."""
    fake.build_lines = [
        "Step 1/1 : RUN wiw-r-install",
        "wiw-error: first",
        "wiw-error: second",
        "x wiw-error: no CRAN (it said wiw-error: 404)",
        "never printed",
    ]
    fake.build_fails_after = 4
    with pytest.raises(errors.BuildFailed) as failed:
        Image.build(intro, tag="wiw/x:1", engine=fake, show_progress=False)
    assert failed.value.message == (
        "Building wiw/x:1 failed at step 1/1: RUN wiw-r-install: no CRAN (it said wiw-error: 404)"
    )


def test_an_engine_that_died_during_the_build(fake: Recording, intro: Workshop) -> None:
    """The builder's output stops and the engine no longer answers: EngineUnavailable, 10 lines."""
    fake.build_lines = ["Step 1/2 : FROM x", *[f"l{n}" for n in range(20)], "never printed"]
    fake.build_fails_after = 21
    fake.fail("ping", errors.EngineUnavailable("gone"))
    with pytest.raises(errors.EngineUnavailable) as died:
        Image.build(intro, tag="wiw/x:1", engine=fake, show_progress=False)
    assert type(died.value) is errors.EngineUnavailable
    assert died.value.message == (
        "The container engine stopped while building wiw/x:1 at step 1/2: FROM x"
    )
    assert died.value.log_tail == [f"l{n}" for n in range(10, 20)]
    assert died.value.exit_code == 1
    assert died.value.command == fake.streams[-1][0]
    assert isinstance(died.value.__cause__, errors.EngineError)


@pytest.mark.parametrize("error", [errors.EngineUnavailable, errors.EngineMissing])
def test_an_engine_gone_from_the_start_is_its_own_error(
    fake: Recording, intro: Workshop, error: type[errors.EngineError]
) -> None:
    """No engine, no client: raised as they are, the engine not asked again."""
    raised = error("no engine")
    fake.fail("stream", raised)
    with pytest.raises(error) as caught:
        Image.build(intro, engine=fake, show_progress=False)
    assert caught.value is raised
    assert not fake.called("ping")
