"""Make tests/data/z2jh from the Zero-to-JupyterHub chart's schema and default values.

The copy keeps the structure only: the schema without its descriptions and
comments (what a validator needs), the default values without comments, the
chart's version and its license. Run it through ``nox -s z2jh_data``.

The data come from a released chart, the one wiw's helm commands pin: a
clone of the chart's repository and the release's tag
(``--git CLONE --tag 4.4.0``). A folder holding ``values.schema.yaml``,
``values.yaml`` and ``LICENSE`` (a development build's, such as the
reference copy beside the checkout) works too, with ``--version`` saying
what it is.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

SOURCE = "https://github.com/jupyterhub/zero-to-jupyterhub-k8s"
LICENSE = "BSD-3-Clause, Copyright (c) 2017, Project Jupyter Contributors (see LICENSE)"
PROSE = frozenset({"description", "$comment", "examples"})


def structure(node: Any) -> Any:
    """The schema without its prose: every ``description``, ``$comment`` and ``examples``.

    Only prose is dropped: a property that happens to be named ``description``
    (its value a schema, not text) stays.
    """
    if isinstance(node, dict):
        return {
            k: structure(v)
            for k, v in node.items()
            if not (k in PROSE and isinstance(v, str | list))
        }
    if isinstance(node, list):
        return [structure(v) for v in node]
    return node


def header(chart: dict[str, str]) -> str:
    """The YAML comment that says where the data came from."""
    return "".join(f"# {key}: {value}\n" for key, value in chart.items())


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(clone), *args], capture_output=True, text=True, check=True
    ).stdout


def from_git(clone: Path, tag: str) -> tuple[dict[str, str], dict[str, str]]:
    """The chart's files at a release tag of a clone, and what they are."""
    files = {
        "values.schema.yaml": _git(clone, "show", f"{tag}:jupyterhub/values.schema.yaml"),
        "values.yaml": _git(clone, "show", f"{tag}:jupyterhub/values.yaml"),
        "LICENSE": _git(clone, "show", f"{tag}:LICENSE"),
    }
    commit = _git(clone, "rev-parse", f"{tag}^{{commit}}").strip()
    date = _git(clone, "log", "-1", "--format=%cs", commit).strip()
    return files, describe(tag, commit, date)


def from_folder(folder: Path, version: str) -> tuple[dict[str, str], dict[str, str]]:
    """The chart's files in a folder (e.g. the reference copy), and what they are."""
    names = ("values.schema.yaml", "values.yaml", "LICENSE")
    return {name: (folder / name).read_text() for name in names}, describe(version, "", "")


def describe(version: str, commit: str, date: str) -> dict[str, str]:
    """What the copy was taken from, as chart.yaml and the files' headers say."""
    chart = {"chart": "jupyterhub (Zero to JupyterHub)", "version": version}
    chart |= {"commit": commit, "date": date} if commit else {}
    return chart | {"source": SOURCE, "license": LICENSE}


def main(argv: list[str] | None = None) -> int:
    """Write the structure-only copy of the chart's data into ``DEST``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path, help="where to write the copy")
    parser.add_argument("--git", type=Path, help="a clone of the chart's repository")
    parser.add_argument("--tag", help="... and the release to take (e.g. 4.4.0)")
    parser.add_argument("--folder", type=Path, help="or: a folder with the chart's files")
    parser.add_argument("--version", help="... and the chart version they are")
    args = parser.parse_args(argv)
    if args.git and args.tag:
        files, chart = from_git(args.git, args.tag)
    elif args.folder and args.version:
        files, chart = from_folder(args.folder, args.version)
    else:
        parser.error("give --git CLONE --tag TAG, or --folder FOLDER --version VERSION")
    schema = structure(yaml.safe_load(files["values.schema.yaml"]))
    values = yaml.safe_load(files["values.yaml"])
    args.dest.mkdir(parents=True, exist_ok=True)
    for name, data in (("values.schema.yaml", schema), ("values.yaml", values)):
        text = yaml.safe_dump(data, sort_keys=False, width=100, allow_unicode=True)
        (args.dest / name).write_text(header(chart) + text)
    (args.dest / "chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    (args.dest / "LICENSE").write_text(files["LICENSE"])
    print(f"wrote {args.dest}: the chart {chart['version']}'s schema and values, structure only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
