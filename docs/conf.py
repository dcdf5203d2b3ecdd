"""Sphinx configuration of wiw's documentation site.

Build it with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
Nothing here reaches the network: no intersphinx, no remote images.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from wiw import __version__

project = "wiw"
author = "The wiw developers"
copyright = "The wiw developers"
release = __version__
version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "performance/*.json"]

# Markdown (MyST): ::: fences for admonitions, anchors on headings to level 3
# so that pages can link to sections as [text](page.md#section).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference from the package's Google-style docstrings.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_default_options: dict[str, object] = {}  # each directive lists what it shows

# A copy button on code blocks. In console blocks it copies the commands only:
# the "$ " prompt is stripped and lines without a prompt (output) are left out.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_line_continuation_character = "\\"  # a command continued with \ copies whole

html_theme = "pydata_sphinx_theme"
html_title = f"wiw {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 7,
}
# Only the how-to section has pages below it; elsewhere the left sidebar
# would be an empty "Section Navigation".
html_sidebars = {
    name: []
    for name in (
        "index",
        "installation",
        "tutorial",
        "promises",
        "architecture",
        "deploy",
        "performance",
        "troubleshooting",
        "cli",
        "api",
        "changelog",
    )
}
html_static_path: list[str] = []
html_show_sourcelink = False


class WiwHelp(SphinxDirective):
    """Show what ``wiw [COMMAND] --help`` prints, run at build time.

    The command reference then always matches the installed command line.
    """

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Run the command and return its output as a literal block."""
        args = [sys.executable, "-m", "wiw", *self.arguments, "--help"]
        env = {**os.environ, "COLUMNS": "88"}
        done = subprocess.run(
            args, capture_output=True, text=True, env=env, timeout=60, check=True
        )
        text = done.stdout.rstrip()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app: Any) -> dict[str, Any]:
    """Register the ``wiw-help`` directive."""
    app.add_directive("wiw-help", WiwHelp)
    return {"parallel_read_safe": True}
