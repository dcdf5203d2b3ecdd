"""From a workshop folder to an image: what goes in, the build, tags and pruning.

This subpackage owns the :class:`Workshop` (a lessons folder and its Binder-style
dependency files, read as plain data), which files reach the image, the build
context rendered from it, workshops fetched from git, and the :class:`Image`
(build with streamed progress, tag, push, prune only what wiw made). It talks
to containers only through :mod:`wiw.engine`.
"""

from wiw.build.image import BuildRecord, Image, PruneResult
from wiw.build.progress import BuildProgress
from wiw.build.workshop import Environment, Workshop

__all__ = ["BuildProgress", "BuildRecord", "Environment", "Image", "PruneResult", "Workshop"]
