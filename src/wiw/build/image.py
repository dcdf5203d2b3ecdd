"""Workshop images: build, inspect, tag, remove and prune the ones wiw made."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wiw import errors
from wiw._version import __version__
from wiw.build.context import BuildContext, add_data, build_arg_flags, render_context
from wiw.build.data import fetch_all
from wiw.build.progress import BuildProgress, BuildTracker, ProgressCallback, RichBuildDisplay
from wiw.build.prune import select_prunable
from wiw.build.workshop import Workshop
from wiw.engine import default_engine
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ImageInfo
from wiw.planning import GIB, format_bytes

__all__ = [
    "DEFAULT_MIN_FREE",
    "BuildRecord",
    "Image",
    "PruneResult",
    "build_command",
    "check_free_disk",
    "free_disk",
]

DEFAULT_MIN_FREE = 1 * GIB  # the seed's "make sure you have at least 1 GB free"
MIN_FREE_INODES = 20_000


@dataclass(frozen=True)
class BuildRecord:
    """What happened during a build.

    Attributes:
        duration: Wall-clock seconds the build took.
        steps: How many Dockerfile steps it ran.
        cached_steps: How many of them came from the build cache.
        log_tail: The last lines the builder printed.
    """

    duration: float
    steps: int
    cached_steps: int
    log_tail: Sequence[str]


@dataclass
class PruneResult:
    """What :meth:`Image.prune` removed (or would remove, in a dry run).

    Attributes:
        removed: References (or ids) of the images removed.
        kept: References (or ids) of the wiw images kept.
        skipped: Images that could not be removed (e.g. a container uses them).
        reclaimed: Bytes the removed images took (shared layers counted once each).
    """

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    reclaimed: int = 0


def build_command(
    engine: ContainerEngine,
    context_dir: Path,
    *,
    ref: str,
    labels: dict[str, str],
    build_args: dict[str, str],
    iidfile: Path,
    no_cache: bool = False,
    network: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Return the client arguments and environment for one build.

    BuildKit (``docker buildx build``) is used when the client has buildx;
    otherwise the legacy builder, which is what podman and a bare Docker
    client offer.
    """
    if engine.has_buildx:
        args, env = ["buildx", "build", "--progress=plain", "--load"], {}
    else:
        # --force-rm: the legacy builder otherwise keeps a failed step's container.
        args = ["build", "--force-rm"]
        env = {} if engine.is_podman else {"DOCKER_BUILDKIT": "0"}
    args += ["--iidfile", str(iidfile), "--tag", ref]
    for key, value in sorted(labels.items()):
        args += ["--label", f"{key}={value}"]
    args += build_arg_flags(build_args)
    if no_cache:
        args.append("--no-cache")
    if network:
        args += ["--network", network]
    args.append(str(context_dir))
    return args, env


class Image:
    """A container image on an engine, usually one wiw built for a workshop.

    Args:
        ref: An image reference (``wiw/intro:latest``) or id (``sha256:...``).
        engine: The engine that holds it; the default engine if omitted.

    Raises:
        wiw.errors.InvalidName: ``ref`` is not a valid reference.
    """

    def __init__(self, ref: str, *, engine: ContainerEngine | None = None) -> None:
        if not ref.startswith("sha256:"):
            _labels.parse_ref(ref)
        self.ref = ref
        self.engine = engine or default_engine()
        self.last_build: BuildRecord | None = None

    def __repr__(self) -> str:
        return f"Image({self.ref!r})"

    @staticmethod
    def default_ref(workshop: Workshop) -> str:
        """The reference wiw gives a workshop's image unless told otherwise."""
        return f"wiw/{workshop.name}:latest"

    @classmethod
    def build(
        cls,
        workshop: Workshop,
        *,
        tag: str | None = None,
        base_image: str | None = None,
        no_cache: bool = False,
        on_progress: ProgressCallback | None = None,
        show_progress: bool | None = None,
        min_free: int = DEFAULT_MIN_FREE,
        network: str | None = None,
        engine: ContainerEngine | None = None,
    ) -> Image:
        """Build the image of a workshop.

        Args:
            workshop: The workshop to build.
            tag: The reference to give the image; :meth:`default_ref` if omitted.
            base_image: The image to start from (it must offer ``apt-get``); by
                default the one with the Python ``runtime.txt`` asks for, or
                ``debian:bookworm-slim``.
            no_cache: Build every step afresh.
            on_progress: Called with a :class:`~wiw.BuildProgress` for each
                line the builder prints.
            show_progress: Show a progress bar; by default when stderr is a terminal.
            min_free: Bytes that must be free on the engine's disk to start.
            network: The network build steps use, e.g. ``"host"`` where the
                engine's default bridge has no route out.
            engine: The engine to build on; the default engine if omitted.

        Returns:
            The built image, with :attr:`last_build` describing the build.

        Raises:
            wiw.errors.NotEnoughDisk: Less than ``min_free`` bytes are free.
            wiw.errors.BuildFailed: A build step failed; the error holds the
                builder's last lines.
        """
        image = cls(tag or cls.default_ref(workshop), engine=engine)
        if base_image is not None:
            _labels.parse_ref(base_image)
        check_free_disk(image.engine, min_free)
        context = render_context(workshop, base_image=base_image)
        _ensure_base(image.engine, context)
        digest = context.digest  # what data.txt brings counts by its SHA-256s
        if workshop.environment.data:
            context = add_data(context, fetch_all(workshop.environment.data))
        labels = {
            **_labels.labels_for(workshop.name, "image", __version__),
            _labels.REF: image.ref,
            _labels.SERVER: "own" if workshop.environment.dockerfile else "wiw",
            _labels.CONTEXT: digest,
            **({_labels.SOURCE: workshop.source} if workshop.source else {}),
        }
        if show_progress is None:
            show_progress = sys.stderr.isatty()
        if not show_progress:
            image._build(context, labels, no_cache, network, on_progress)
            return image
        with RichBuildDisplay(f"building {image.ref}") as display:

            def both(event: BuildProgress) -> None:
                display.update(event)
                if on_progress:
                    on_progress(event)

            image._build(context, labels, no_cache, network, both)
        return image

    def _build(
        self,
        context: BuildContext,
        labels: dict[str, str],
        no_cache: bool,
        network: str | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        tracker, tail = BuildTracker(), deque[str](maxlen=40)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="wiw-build-") as tmp:
            context_dir, iidfile = Path(tmp) / "context", Path(tmp) / "iid"
            context.write(context_dir)
            args, env = build_command(
                self.engine,
                context_dir,
                ref=self.ref,
                labels=labels,
                build_args=dict(context.build_args),
                iidfile=iidfile,
                no_cache=no_cache,
                network=network,
            )
            try:
                for line in self.engine.stream(args, env=env, what="build the image"):
                    tail.append(line)
                    event = tracker.feed(line)
                    if on_progress:
                        on_progress(event)
            except errors.EngineError as exc:
                raise _build_error(exc, tracker, self.ref, self.engine) from exc
        self.last_build = BuildRecord(
            time.monotonic() - started, tracker.total, tracker.cached, list(tail)
        )

    def _inspect(self) -> ImageInfo:
        record = self.engine.image_info(self.ref)
        if record is None:
            raise errors.ImageNotFound(f"Image {self.ref} does not exist on the engine.")
        return record

    @property
    def exists(self) -> bool:
        """Whether the image is present on the engine."""
        return self.engine.image_info(self.ref) is not None

    @property
    def id(self) -> str:
        """The image's id (``sha256:...``)."""
        return self._inspect().id

    @property
    def size(self) -> int:
        """The image's uncompressed size in bytes."""
        return self._inspect().size

    @property
    def labels(self) -> dict[str, str]:
        """The image's labels."""
        return dict(self._inspect().labels)

    @property
    def workshop(self) -> str:
        """The name of the workshop the image was built for (``"workshop"`` if unknown)."""
        return self.labels.get(_labels.WORKSHOP) or "workshop"

    def tag(self, new_ref: str) -> Image:
        """Give the image another reference and return it as an Image."""
        _labels.parse_ref(new_ref)
        self._inspect()
        self.engine.image_tag(self.ref, new_ref)
        return Image(new_ref, engine=self.engine)

    def push(
        self,
        repository: str,
        tag: str,
        *,
        on_line: Callable[[str], None] | None = None,
    ) -> str:
        """Tag the image as ``repository:tag`` and push it to its registry.

        Args:
            repository: Where to, e.g. ``registry.example.org/course/intro``
                (log in first with ``docker login`` if the registry needs it).
            tag: An explicit version, e.g. ``2026-11-25`` (``latest`` alone
                is refused: nodes that cached an older ``latest`` would keep it).
            on_line: Called with each line of the engine's push progress.

        Returns:
            The pushed image by digest, ``repository@sha256:...``: what to
            deploy, as it can never change.

        Raises:
            wiw.errors.InvalidName: The repository or tag is not valid, or is ``latest``.
            wiw.errors.RegistryUnreachable: The registry did not answer.
            wiw.errors.RegistryAuthFailed: The registry refused the login.
        """
        if tag == "latest":
            raise errors.InvalidName(
                "Push an explicit version tag, not only 'latest'.",
                hint="Use a date or version, e.g. '2026-11-25'; deploy by the digest returned.",
            )
        target = f"{repository}:{tag}"
        _labels.parse_ref(target)
        self.tag(target)
        for line in self.engine.stream(["push", target], what="push the image"):
            if on_line:
                on_line(line)
        digests = [d for d in self.engine.repo_digests(target) if d.startswith(f"{repository}@")]
        if not digests:
            raise errors.EngineError(
                f"{target} was pushed but the engine reports no digest for it."
            )
        return digests[0]

    def remove(self) -> None:
        """Remove this reference from the engine (the image goes with its last tag)."""
        self._inspect()
        self.engine.image_remove(self.ref)

    @staticmethod
    def prune(
        *,
        keep: int = 1,
        workshop: str | None = None,
        dry_run: bool = False,
        engine: ContainerEngine | None = None,
    ) -> PruneResult:
        """Remove old images that wiw built and nothing uses any more.

        Only images wiw built are considered, and of those never one that a
        tag points at (``wiw/intro:latest``, a version you pushed) or that a
        container, running or stopped, was created from. Of the rest (earlier
        builds whose tag moved on), the newest ``keep`` per workshop stay, to
        go back to. No volume is ever touched.

        Args:
            keep: How many of the newest untagged, unused images to keep per workshop.
            workshop: Only prune this workshop's images.
            dry_run: Report what would go without removing anything.
            engine: The engine to prune; the default engine if omitted.

        Returns:
            What was removed, kept and skipped.

        Raises:
            wiw.errors.InvalidOption: ``keep`` is negative.
        """
        if keep < 0:
            raise errors.InvalidOption(
                f"Cannot keep {keep} images.", hint="Keep 0 or more images per workshop."
            )
        engine = engine or default_engine()
        images = engine.images_labelled(f"{_labels.MANAGED}=true")
        remove, kept = select_prunable(
            images, engine.images_in_use(), keep=keep, workshop=workshop
        )
        result = PruneResult(kept=[i.name for i in kept])
        for img in remove:
            try:
                if not dry_run:
                    engine.image_remove(img.id)
            except errors.EngineError:
                result.skipped.append(img.name)
                continue
            result.removed.append(img.name)
            result.reclaimed += img.size
        return result


def _ensure_base(engine: ContainerEngine, context: BuildContext) -> None:
    """Make sure the base image is there (pulling it if need be) before building."""
    base_image = context.build_args.get("BASE_IMAGE")
    if base_image is None or engine.image_info(base_image) is not None:
        return  # a workshop's own Dockerfile names its own base
    try:
        for _ in engine.stream(["pull", base_image], what="pull the base image"):
            pass
    except errors.EngineError as exc:
        raise errors.ImageNotFound(
            f"Base image {base_image} is not on this machine and could not be pulled.",
            hint="Check the name, pull it yourself ('docker pull IMAGE'), or choose another "
            "with --base-image (it needs apt-get and Python 3 packages).",
            command=exc.command,
            exit_code=exc.exit_code,
            log_tail=exc.log_tail[-5:],
        ) from exc


def _build_error(
    exc: errors.EngineError, tracker: BuildTracker, ref: str, engine: ContainerEngine
) -> errors.WiwError:
    """The error a failed build raises: the engine's own, or the failing step's."""
    if isinstance(exc, errors.EngineUnavailable | errors.EngineMissing):
        return exc
    where = (
        f" at step {tracker.step}/{tracker.total}: {tracker.description}" if tracker.step else ""
    )
    try:
        engine.ping()
    except errors.EngineError:
        # The builder's output just stops when the engine dies under it.
        return errors.EngineUnavailable(
            f"The container engine stopped while building {ref}{where}",
            command=exc.command,
            exit_code=exc.exit_code,
            log_tail=exc.log_tail[-10:],
        )
    # A step of wiw's own says why it failed on a line of its own (wiw-r-install).
    said = [line.split("wiw-error: ", 1)[1] for line in exc.log_tail if "wiw-error: " in line]
    return errors.BuildFailed(
        f"Building {ref} failed{where}" + (f": {said[-1]}" if said else ""),
        command=exc.command,
        exit_code=exc.exit_code,
        log_tail=exc.log_tail[-25:],
    )


def free_disk(engine: ContainerEngine) -> tuple[int, int] | None:
    """Return free ``(bytes, inodes)`` on the engine's data disk, or None if not local."""
    root = engine.data_root()
    # A remote engine (or one in a VM) keeps its data elsewhere: nothing to measure here.
    if not root or not Path(root).is_dir():
        return None
    stats = os.statvfs(root)
    return shutil.disk_usage(root).free, stats.f_favail


def check_free_disk(engine: ContainerEngine, min_free: int) -> None:
    """Refuse to build when the engine's disk is too full.

    Raises:
        wiw.errors.NotEnoughDisk: Fewer than ``min_free`` bytes or too few inodes are free.
    """
    found = free_disk(engine)
    if found is None:
        return
    free, inodes = found
    # statvfs reports 0 available inodes on filesystems without a fixed count (btrfs).
    if free >= min_free and (inodes >= MIN_FREE_INODES or inodes == 0):
        return
    reclaimable = Image.prune(keep=1, dry_run=True, engine=engine).reclaimed
    raise errors.NotEnoughDisk(
        f"Only {format_bytes(free)} ({inodes} inodes) free for the engine; "
        f"a build needs {format_bytes(min_free)} and {MIN_FREE_INODES} inodes.",
        free=free,
        required=min_free,
        reclaimable=reclaimable,
        hint=f"'wiw prune' would reclaim about {format_bytes(reclaimable)} of old wiw images; "
        "or free space on the engine's disk.",
    )
