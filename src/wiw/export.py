"""Hand the same tested image to Zero-to-JupyterHub (the JupyterHub Helm chart).

:func:`z2jh_values` writes the chart's values so that a Kubernetes cluster
serves the workshop the way the local classroom does: the workshop image for
every learner, instant temporary logins under a secret base URL, culling,
memory and CPU limits from wiw's sizing, persistent homes and pre-pulling.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import yaml

from wiw import _labels, errors
from wiw.classroom import ClassroomOptions
from wiw.planning import MIB, memory_bytes

__all__ = ["TEMPORARY_LOGIN", "write_z2jh_values", "z2jh_values"]

# The chart's hub image does not ship tmpauthenticator, so the same behaviour
# comes as hub.extraConfig: every new visitor gets a fresh account, kept by
# their cookie; nothing to install on the hub.
TEMPORARY_LOGIN = '''\
import uuid

from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join


class WiwTemporaryLoginHandler(BaseHandler):
    """Log the visitor in as a new learner and send them on."""

    async def get(self):
        user = await self.login_user(None)
        self.set_hub_cookie(user)
        self.redirect(self.get_next_url(user))


class WiwTemporaryAuthenticator(Authenticator):
    """A new account for every new visitor: no sign-up, no password."""

    auto_login = True

    async def authenticate(self, handler, data):
        return {"name": str(uuid.uuid4())}

    def get_handlers(self, app):
        return [("/wiw-login", WiwTemporaryLoginHandler)]

    def login_url(self, base_url):
        return url_path_join(base_url, "wiw-login")


c.JupyterHub.authenticator_class = WiwTemporaryAuthenticator
c.Authenticator.allow_all = True
'''


def _k8s_quantity(limit: str) -> str:
    """Docker's ``512m`` / ``1g`` as Kubernetes' ``512Mi`` / ``1Gi`` (bytes otherwise)."""
    size = memory_bytes(limit)
    for unit, factor in (("Gi", 2**30), ("Mi", 2**20)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def z2jh_values(
    image: str,
    *,
    options: ClassroomOptions | None = None,
    join_secret: str | None = None,
    home_size: str = "1Gi",
) -> dict[str, Any]:
    """Return Zero-to-JupyterHub values that serve ``image`` as a wiw classroom.

    Args:
        image: The pushed workshop image, ``repository:tag`` or ``repository@sha256:...``.
        options: Caps, culling and per-learner limits (e.g. from :func:`wiw.plan_classroom`).
        join_secret: The secret path of the join URL; a new 192-bit one if omitted.
        home_size: Each learner's persistent home volume.

    Returns:
        The values, to write as YAML and pass to ``helm upgrade --install -f``.
    """
    options = options or ClassroomOptions()
    ref = _labels.parse_ref(image)
    if ref.tag is None:
        raise errors.InvalidName(
            f"{image!r} names no tag: the chart needs 'repository:tag[@sha256:...]'.",
            hint="Use the tag you pushed, pinned by its digest: 'wiw push' prints both.",
        )
    secret = join_secret or secrets.token_urlsafe(24)
    limit = _k8s_quantity(options.limits.memory)
    guarantee = _k8s_quantity(f"{max(memory_bytes(options.limits.memory) // 4, 64 * MIB)}")
    # A digest pins the image exactly; the chart takes it after the tag.
    tag = f"{ref.tag}@{ref.digest}" if ref.digest else ref.tag
    return {
        "hub": {
            "baseUrl": f"/{secret}/",
            "activeServerLimit": options.max_learners or None,
            "concurrentSpawnLimit": max(64, options.max_learners),
            "extraConfig": {"wiw-temporary-login": TEMPORARY_LOGIN},
        },
        "singleuser": {
            "image": {"name": ref.repository, "tag": tag, "pullPolicy": "IfNotPresent"},
            "cmd": "jupyterhub-singleuser",
            "defaultUrl": "/lab",
            "uid": 1000,
            "fsGid": 100,
            "memory": {"limit": limit, "guarantee": guarantee},
            "cpu": {"limit": options.limits.cpus, "guarantee": min(0.25, options.limits.cpus)},
            "storage": {
                "type": "dynamic",
                "capacity": home_size,
                "homeMountPath": "/home/learner",
            },
            "startTimeout": 600,
        },
        "cull": {"enabled": True, "timeout": options.cull_after, "every": 60},
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}},
    }


def write_z2jh_values(values: dict[str, Any], path: str | Path) -> Path:
    """Write values as YAML (with a header saying how to deploy them)."""
    target = Path(path)
    header = (
        "# Zero-to-JupyterHub values written by wiw. Deploy with:\n"
        "#   helm upgrade --install workshop jupyterhub --repo https://hub.jupyter.org/helm-chart/"
        " --values " + target.name + "\n"
        "# Learners join at https://YOUR-HOST" + str(values["hub"]["baseUrl"]) + "\n"
    )
    text = yaml.dump(values, Dumper=_BlockDumper, sort_keys=False, width=100)
    target.write_text(header + text)
    return target


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (the hub's extra config) as readable blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)
