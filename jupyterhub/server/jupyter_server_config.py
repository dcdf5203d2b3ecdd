"""Defaults for the learner's Jupyter server inside a wiw workshop image.

Made for a class on one machine: static files go out compressed, and what a
workshop does not use (language servers, the classic-notebook shim, the
extension manager, news and update checks) is not loaded at all, so each
learner's server starts on less CPU.
"""

import sys

sys.path.insert(0, "/etc/jupyter")  # wiw_static.py lives beside this file

import jupyterlab_server.handlers
from jupyter_server.base.handlers import FileFindHandler
from wiw_static import precompressed

c = get_config()  # type: ignore[name-defined]  # noqa: F821

# JupyterLab is the default interface, opened in the learner's home.
c.ServerApp.default_url = "/lab"
c.ServerApp.open_browser = False
# Terminals are part of most lessons' toolkit; keep them on.
c.ServerApp.terminals_enabled = True
# JupyterLab's bundles (17 MB) and its extensions' are sent as their
# precompressed siblings. JupyterLab serves extensions with FileFindHandler
# by name, not through the setting: that name is replaced before it loads.
c.ServerApp.tornado_settings = {"static_handler_class": precompressed(FileFindHandler)}
# (jupyterlab_server.handlers imports the name; it does not export it)
jupyterlab_server.handlers.FileFindHandler = precompressed(FileFindHandler)  # type: ignore[attr-defined]
# Not used in a workshop; each costs CPU at every start and bytes at every load.
c.ServerApp.jpserver_extensions = {"jupyter_lsp": False, "notebook_shim": False}
c.LabApp.extension_manager = "readonly"
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
