"""Labels wiw puts on what it creates, and the rules for image references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from wiw import errors

__all__ = [
    "CONTEXT",
    "LEARNER",
    "MANAGED",
    "REF",
    "ROLE",
    "SERVER",
    "SOURCE",
    "VERSION",
    "WORKSHOP",
    "ImageRef",
    "Role",
    "labels_for",
    "parse_ref",
    "validate_label_value",
]

MANAGED = "org.wiw.managed"
WORKSHOP = "org.wiw.workshop"
VERSION = "org.wiw.version"
ROLE = "org.wiw.role"
REF = "org.wiw.ref"  # the reference wiw built an image as; images built FROM it inherit
# the label but not the tag, which is how prune tells them apart
SERVER = "org.wiw.server"  # "wiw": wiw's Dockerfile starts the server; "own": the workshop's
CONTEXT = "org.wiw.context"  # digest of the build context the image was built from
SOURCE = "org.wiw.source"  # where the workshop came from: a folder, or a git URL and commit
LEARNER = "org.wiw.learner"  # whose home a volume is: the learner's account name

# What an object wiw made is for.
Role = Literal[
    "image",  # a workshop image wiw built
    "lab",  # a one-learner JupyterLab container
    "hub",  # a classroom's hub container
    "hub-state",  # a classroom's state volume
    "network",  # a classroom's network
    "learner",  # a learner's server
    "learner-home",  # a learner's home volume
    "lesson-test",  # the throwaway container that runs the lessons
    "helper",  # a short-lived container that reads or writes volumes
]

# The distribution reference grammar (github.com/distribution/reference).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"  # noqa: E501
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?\Z"
)
_MAX_NAME = 255
_MAX_LABEL = 1024


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference such as ``registry:5000/wiw/intro:2026-11``."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_ref(text: str) -> ImageRef:
    """Parse and validate an image reference.

    A domain is only recognised as such when it contains a dot or a port, or
    is ``localhost``, as the Docker client does.

    Args:
        text: The reference, e.g. ``"wiw/intro:latest"``.

    Returns:
        The reference split into repository, tag and digest.

    Raises:
        wiw.errors.InvalidName: ``text`` is not a valid reference.
    """
    match = _REFERENCE.match(text)
    if not match or len(text.split("@", maxsplit=1)[0].rsplit(":", 1)[0]) > _MAX_NAME:
        raise errors.InvalidName(f"Not a valid image reference: {text!r}")
    domain = match.group("domain")
    if domain and not ("." in domain or ":" in domain or domain == "localhost"):
        # "wiw/intro" is a path, not a domain "wiw": re-check it as such.
        path = f"{domain}/{match.group('path')}"
        if domain != domain.lower() or not re.fullmatch(rf"{_COMPONENT}(?:/{_COMPONENT})*", path):
            raise errors.InvalidName(f"Not a valid image reference: {text!r}")
        return ImageRef(path, match.group("tag"), match.group("digest"))
    repository = f"{domain}/{match.group('path')}" if domain else match.group("path")
    return ImageRef(repository, match.group("tag"), match.group("digest"))


def validate_label_value(value: str) -> str:
    """Return ``value`` if it can be a label value, else raise InvalidName."""
    if not value or "\n" in value or "\x00" in value or len(value) > _MAX_LABEL:
        raise errors.InvalidName(f"Not a usable label value: {value!r}")
    return value


def labels_for(workshop: str, role: Role, version: str) -> dict[str, str]:
    """Return the labels every object wiw creates for ``workshop`` carries."""
    return {
        MANAGED: "true",
        WORKSHOP: validate_label_value(workshop),
        ROLE: role,
        VERSION: version,
    }
