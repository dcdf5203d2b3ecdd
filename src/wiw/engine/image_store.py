"""Images: inspect, list, tag, remove, log in and read digests."""

from __future__ import annotations

from python_on_whales.exceptions import NoSuchContainer

from wiw.engine.client import EngineClient
from wiw.engine.failures import translate
from wiw.engine.types import (
    ImageInfo,
)

__all__ = ["ImageCommands"]


class ImageCommands(EngineClient):
    """What the engine does with images."""

    def image_info(self, ref: str) -> ImageInfo | None:
        """Return what the engine knows of an image, or None when it does not exist."""
        with translate("inspect the image"):
            if not self._client.image.exists(ref):
                return None
            img = self._client.image.inspect(ref)
        return ImageInfo(
            id=str(img.id),
            tags=[str(t) for t in img.repo_tags or []],
            created=img.created.timestamp(),
            size=int(img.size or 0),
            labels=dict(img.config.labels or {}),
        )

    def images_labelled(self, label: str) -> list[ImageInfo]:
        """Return every image that carries ``label`` (``key`` or ``key=value``)."""
        with translate("list images"):
            found = self._client.image.list(filters=[("label", label)])
            return [
                ImageInfo(
                    id=str(img.id),
                    tags=[str(t) for t in img.repo_tags or []],
                    created=img.created.timestamp(),
                    size=int(img.size or 0),
                    labels=dict(img.config.labels or {}),
                )
                for img in found
            ]

    def images_in_use(self) -> set[str]:
        """Ids of the images that some container (running or stopped) was created from."""
        with translate("list containers"):
            listed = self._client.container.list(all=True)
        used = set()
        for container in listed:
            with translate("inspect the container"):
                try:
                    used.add(str(container.image))
                except NoSuchContainer:  # removed between the list and the look
                    continue
        return used

    def image_remove(self, ref: str) -> None:
        """Remove an image or one of its tags (never forced)."""
        with translate("remove the image"):
            self._client.image.remove(ref, force=False, prune=True)

    def image_tag(self, ref: str, new_ref: str) -> None:
        """Add the tag ``new_ref`` to image ``ref``."""
        with translate("tag the image"):
            self._client.image.tag(ref, new_ref)

    def image_history(self, ref: str) -> str:
        """Return the commands that made each layer of an image, in full."""
        return self._run(["history", "--no-trunc", ref], what="read the image's history")[1]

    def login(self, registry: str, username: str, password: str) -> None:
        """Log in to a registry (the password goes through stdin, never the command line)."""
        self._run(
            ["login", registry, "--username", username, "--password-stdin"],
            what=f"log in to {registry}",
            stdin=password,
        )

    def repo_digests(self, ref: str) -> list[str]:
        """Return the ``repository@sha256:...`` references an image is known by."""
        with translate("inspect the image"):
            return [str(d) for d in self._client.image.inspect(ref).repo_digests or []]
