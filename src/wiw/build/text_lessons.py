"""Text notebooks: lessons kept as MyST Markdown or percent-format scripts (Jupytext).

Many courses keep their lessons as text so that they diff well: a Markdown
file whose front matter says how Jupytext reads it, or a ``.py`` script of
``# %%`` cells under a commented header. Such a file is a lesson when it
carries that Jupytext header; a README or a helper module does not, and stays
plain content.

Images of workshops with text lessons get Jupytext (pinned beside the
runtime: ``jupyterhub/text-lessons.lock``), so that JupyterLab opens them as
notebooks and saves them back as text, and the lesson runner reads them.
Other images do not carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["TEXT_SUFFIXES", "TextLesson", "read_header"]

#: The kinds of file a text lesson may be, and how its header is marked.
TEXT_SUFFIXES = (".md", ".py")
_HEAD_BYTES = 16 * 1024  # a header is at the top; this is plenty


class TextLesson:
    """What a text lesson's Jupytext header says.

    Args:
        header: The header's metadata (what Jupytext keeps under ``jupyter``).
    """

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header

    @property
    def format_name(self) -> str:
        """Jupytext's name for the format: ``myst``, ``percent``, ``markdown`` and others."""
        found = self.header.get("jupytext", {})
        representation = found.get("text_representation", {}) if isinstance(found, dict) else {}
        name = representation.get("format_name") if isinstance(representation, dict) else None
        return str(name or "")

    @property
    def language(self) -> str:
        """The kernel's language, lower case (``python``, ``r``), or "" when not said."""
        spec = self.header.get("kernelspec", {})
        return str(spec.get("language") or "").lower() if isinstance(spec, dict) else ""


def _front_matter(lines: list[str], prefix: str) -> str | None:
    """The YAML between the first two ``---`` lines (after ``prefix``) that open the file."""
    marker = f"{prefix}---"
    if not lines or lines[0].rstrip() != marker:
        return None
    body: list[str] = []
    for line in lines[1:]:
        if line.rstrip() == marker:
            return "\n".join(body)
        if not line.startswith(prefix.rstrip()):
            return None
        body.append(line[len(prefix) :] if line.startswith(prefix) else "")
    return None


def read_header(path: Path) -> TextLesson | None:
    """The Jupytext header of a ``.md`` or ``.py`` file, or None when it has none.

    A Markdown file's front matter (``---`` lines) or a script's commented one
    (``# ---``) must name ``jupytext``, at its top level (MyST) or under
    ``jupyter`` (Jupytext's Markdown and percent formats).
    """
    if path.suffix not in TEXT_SUFFIXES:
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
        text = _front_matter(head.splitlines(), "# " if path.suffix == ".py" else "")
        data = yaml.safe_load(text) if text is not None else None
    except (OSError, yaml.YAMLError):
        return None
    meta = data.get("jupyter", data) if isinstance(data, dict) else None
    return TextLesson(meta) if isinstance(meta, dict) and "jupytext" in meta else None
