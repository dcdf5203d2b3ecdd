"""Defaults for the learner's Jupyter server inside a wiw workshop image."""

c = get_config()  # type: ignore[name-defined]  # noqa: F821

# JupyterLab is the default interface, opened in the learner's home.
c.ServerApp.default_url = "/lab"
c.ServerApp.open_browser = False
# Terminals are part of most lessons' toolkit; keep them on.
c.ServerApp.terminals_enabled = True
