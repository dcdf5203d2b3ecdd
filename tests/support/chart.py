"""The chart's hub, as a test runs it: the exported hub values turned into JupyterHub config.

The chart's own ``jupyterhub_config.py`` reads the values this way:
``hub.config`` as traitlets config, ``hub.loadRoles`` as roles, then every
``hub.extraConfig`` entry executed on its own, in key order.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HUB_FILES", "chart_config"]

# Where a test's hub keeps its database, cookie secret and proxy pid: its /tmp.
HUB_FILES = "\n".join(
    (
        'c.JupyterHub.db_url = "sqlite:////tmp/jupyterhub.sqlite"',
        'c.JupyterHub.cookie_secret_file = "/tmp/jupyterhub_cookie_secret"',
        'c.ConfigurableHTTPProxy.pid_file = "/tmp/proxy.pid"',
    )
)


def chart_config(hub: dict[str, Any], prelude: str) -> str:
    """JupyterHub config from the hub's values, after ``prelude`` (what the chart sets itself)."""
    lines = [prelude]
    for section, traits in hub["config"].items():
        lines += [f"c.{section}.{trait} = {value!r}" for trait, value in traits.items()]
    roles = [{"name": name, **role} for name, role in hub["loadRoles"].items()]
    lines.append(f"c.JupyterHub.load_roles = {roles!r}")
    # Each entry is executed on its own, as the chart does ('from __future__' stays first).
    lines += [f"exec({hub['extraConfig'][key]!r})" for key in sorted(hub["extraConfig"])]
    return "\n".join(lines)
