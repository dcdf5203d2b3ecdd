"""Build output from every builder becomes step-by-step progress; engine sizes become bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from wiw.build.image import build_command
from wiw.build.progress import BuildProgress, BuildTracker, RichBuildDisplay
from wiw.engine import Engine
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import size_bytes

LEGACY = """\
Step 1/4 : ARG BASE_IMAGE=debian:bookworm-slim
Step 2/4 : FROM ${BASE_IMAGE}
 ---> 62bdc59921e8
Step 3/4 : RUN pip install -r /srv/wiw/requirements.txt
 ---> Using cache
 ---> 8a3fce65ecf3
Step 4/4 : COPY workshop/lessons/ /srv/wiw/lessons/
 ---> 5d1c0e0f2a11
Successfully built 5d1c0e0f2a11
"""

BUILDKIT = """\
#5 [1/3] FROM docker.io/library/debian:bookworm-slim
#5 CACHED
#6 [2/3] RUN pip install -r /srv/wiw/requirements.txt
#6 CACHED
#7 [3/3] COPY workshop/lessons/ /srv/wiw/lessons/
#7 DONE 0.1s
"""

# Podman (buildah), as 'podman build' prints it.
PODMAN = """\
STEP 1/3: FROM docker.io/library/debian:bookworm-slim
STEP 2/3: RUN pip install -r /srv/wiw/requirements.txt
--> Using cache 06b485d6c5256921496e319eee75db6013357976844d47e340f2b259a7c3030d
--> 06b485d6c52
STEP 3/3: COPY workshop/lessons/ /srv/wiw/lessons/
--> 841497e3e98
COMMIT wiw/intro:latest
"""


def feed_all(text: str) -> BuildTracker:
    """Feed every line of ``text`` to a new tracker."""
    tracker = BuildTracker()
    for line in text.splitlines():
        tracker.feed(line)
    return tracker


def test_legacy_builder_steps_and_cache_hits() -> None:
    """The legacy builder's 'Step n/N' and 'Using cache' lines are counted."""
    tracker = feed_all(LEGACY)
    assert (tracker.step, tracker.total, tracker.cached) == (4, 4, 1)
    assert tracker.description.startswith("COPY workshop/lessons/")


def test_podman_steps_and_cache_hits() -> None:
    """Podman's 'STEP n/N:' and '--> Using cache' lines are counted."""
    tracker = feed_all(PODMAN)
    assert (tracker.step, tracker.total, tracker.cached) == (3, 3, 1)
    assert tracker.description.startswith("COPY workshop/lessons/")


def test_buildkit_steps_and_cache_hits() -> None:
    """BuildKit's '#n [i/N]' and '#n CACHED' lines are counted."""
    tracker = feed_all(BUILDKIT)
    assert (tracker.step, tracker.total, tracker.cached) == (3, 3, 2)


@given(st.lists(st.text()))
def test_any_output_is_tolerated(lines: list[str]) -> None:
    """Unexpected lines never raise and never make progress go backwards."""
    tracker, last = BuildTracker(), 0
    for line in lines:
        event = tracker.feed(line)
        assert event.step >= last
        last = event.step


def test_each_line_returns_where_the_build_stands() -> None:
    """At first all is zero and empty; a step line gives its number, total and instruction."""
    tracker = BuildTracker()
    assert tracker.feed("Sending build context") == BuildProgress(
        "Sending build context", 0, 0, 0, ""
    )
    line = "#6 [2/3] RUN pip install -r /srv/wiw/requirements.txt"
    assert tracker.feed(line) == BuildProgress(
        line, 2, 3, 0, "RUN pip install -r /srv/wiw/requirements.txt"
    )
    assert tracker.feed("#6 CACHED") == BuildProgress(
        "#6 CACHED", 2, 3, 1, "RUN pip install -r /srv/wiw/requirements.txt"
    )


def test_every_cached_step_counts_once_even_with_the_same_instruction() -> None:
    """Two steps served from the cache count two, for either builder, whatever they run."""
    legacy = "Step 1/2 : COPY a /a\n ---> Using cache\nStep 2/2 : COPY a /a\n ---> Using cache\n"
    kit = "#4 [1/2] COPY a /a\n#4 CACHED\n#5 [2/2] COPY a /a\n#5 CACHED\n#5 CACHED\n"
    assert feed_all(legacy).cached == 2
    assert feed_all(kit).cached == 2


def display_output(*events: BuildProgress, terminal: bool = False) -> str:
    """What a build display titled 'wiw/intro' prints for these progress records."""
    buffer = io.StringIO()
    colours: Literal["standard"] | None = "standard" if terminal else None
    console = Console(file=buffer, width=120, force_terminal=terminal, color_system=colours)
    with RichBuildDisplay("wiw/intro", console=console) as display:
        for event in events:
            display.update(event)
    return buffer.getvalue()


def test_the_display_shows_steps_done_of_the_total_and_the_instruction() -> None:
    """Step 3 of 5 running: 2/5 done, and the first 60 characters of the instruction."""
    instruction = "RUN " + "x" * 80
    out = display_output(BuildProgress("", 3, 5, 0, instruction))
    assert re.fullmatch(rf"wiw/intro ━+╸? +2/5 0:00:\d\d {instruction[:60]}\n", out)


def test_before_the_first_step_the_display_shows_nothing_done_of_an_unknown_total() -> None:
    """With no step yet, and with step 0 reported, the bar reads 0 of '?'."""
    for out in (display_output(), display_output(BuildProgress("", 0, 0, 0, ""))):
        assert re.fullmatch(r"wiw/intro ━+ 0/\? 0:00:\d\d +\n", out)


def test_the_display_stays_on_the_terminal_in_colour() -> None:
    """The last frame is kept after the build: bold blue title, dim instruction."""
    out = display_output(BuildProgress("", 3, 5, 0, "RUN pip"), terminal=True)
    last = out.rsplit("\r\x1b[2K", 1)[-1]
    assert last.startswith("\x1b[1;34mwiw/intro\x1b[0m ")
    assert last.endswith("\x1b[2mRUN pip\x1b[0m\n\x1b[?25h")


def test_the_display_writes_to_standard_error_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a console, progress goes to stderr, leaving stdout for results."""
    with RichBuildDisplay("wiw/intro") as display:
        display.update(BuildProgress("", 1, 2, 0, "FROM debian"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "wiw/intro" in captured.err


def docker_engine(*, buildx: bool) -> ContainerEngine:
    """A docker engine whose buildx detection is already settled (no client is run)."""
    engine = Engine(["docker"])
    engine.__dict__["has_buildx"] = buildx  # the cached_property's slot
    return engine


def command_for(engine: ContainerEngine) -> tuple[list[str], dict[str, str]]:
    """The build command for a fixed context, reference, label and build argument."""
    return build_command(
        engine,
        Path("/ctx"),
        ref="wiw/x:1",
        labels={"a": "b"},
        build_args={"B": "c"},
        iidfile=Path("/iid"),
    )


def test_build_command_prefers_buildx_and_falls_back() -> None:
    """With buildx the build uses BuildKit and --load; without, the legacy builder."""
    kit, kit_env = command_for(docker_engine(buildx=True))
    legacy, legacy_env = command_for(docker_engine(buildx=False))
    assert kit[:2] == ["buildx", "build"]
    assert "--load" in kit
    assert kit_env == {}
    assert legacy[:2] == ["build", "--force-rm"]
    assert legacy_env == {"DOCKER_BUILDKIT": "0"}
    for args in (kit, legacy):
        assert args[-1] == "/ctx"
        assert args[args.index("--label") + 1] == "a=b"
        assert args[args.index("--build-arg") + 1] == "B=c"
        assert args[args.index("--tag") + 1] == "wiw/x:1"


def test_podman_builds_without_buildkit_switch() -> None:
    """Podman takes plain 'build' and needs no DOCKER_BUILDKIT switch."""
    args, env = command_for(Engine(["podman"]))
    assert args[0] == "build"
    assert env == {}


@pytest.mark.parametrize(
    ("text", "size"),
    [("628KiB", 628 * 1024), ("557.1kB ", 557_100), ("1.5GiB", 3 * 2**29),
     ("25.28GB", 25_280_000_000), ("0B", 0), ("12", 12), ("n/a", 0), ("", 0)],
)  # fmt: skip
def test_engine_sizes_read_as_bytes(text: str, size: int) -> None:
    """Memory as Docker (binary units) and Podman (decimal units) print it; nonsense is 0."""
    assert size_bytes(text) == size
