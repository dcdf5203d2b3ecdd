"""The engine: every resource's commands together, and the one to use when none is given."""

from __future__ import annotations

import os
import shutil

from wiw.engine.containers import ContainerCommands
from wiw.engine.failures import translate
from wiw.engine.image_store import ImageCommands
from wiw.engine.storage import StorageCommands
from wiw.engine.swarm import SwarmCommands
from wiw.engine.types import (
    Inventory,
)

__all__ = ["Engine", "default_engine"]


class Engine(ImageCommands, ContainerCommands, StorageCommands, SwarmCommands):
    """A container engine driven through its command-line client.

    Args:
        client_call: The client command, e.g. ``["docker"]``, ``["podman"]``
            or ``["docker", "--context", "remote"]``.
    """

    def inventory(self, *, images: bool = False) -> Inventory:
        """List every container (by id), network, volume and, if asked, image tag.

        Networks count by name: an engine restart re-creates its default ones
        with new ids. Images count by their tags: the untagged layers a failed
        build leaves are the builder's cache, not objects anyone made.
        """
        with translate("list what the engine holds"):
            tags = (
                frozenset(str(t) for i in self._client.image.list() for t in i.repo_tags or [])
                if images
                else frozenset()
            )
            return Inventory(
                containers=frozenset(str(c.id) for c in self._client.container.list(all=True)),
                networks=frozenset(str(n.name) for n in self._client.network.list()),
                volumes=frozenset(str(v.name) for v in self._client.volume.list()),
                images=tags,
            )


def default_engine() -> Engine:
    """Return the engine to use when none is given.

    ``WIW_ENGINE`` names the client (e.g. ``podman``); otherwise docker, or
    podman when only podman is installed.
    """
    chosen = os.environ.get("WIW_ENGINE")
    if chosen:
        return Engine(chosen.split())
    if shutil.which("docker") is None and shutil.which("podman") is not None:
        return Engine(["podman"])
    return Engine(["docker"])
