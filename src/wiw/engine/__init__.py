"""The container engine boundary: every call wiw makes to Docker or Podman.

This subpackage owns the engine and nothing above it: the typed
:class:`ContainerEngine` protocol that the rest of wiw programs against, the
:class:`Engine` that drives a real Docker or Podman through its command line,
the plain-data specs and answers that cross the boundary, and the labels wiw
puts on what it makes (so that it only ever prunes or removes its own).
Nothing here knows what a workshop or a classroom is.
"""

from wiw.engine.docker import Engine, default_engine

__all__ = ["Engine", "default_engine"]
