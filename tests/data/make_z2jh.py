"""Make tests/data/z2jh from the Zero-to-JupyterHub chart's schema and default values.

The copy keeps the structure only: the schema without its descriptions and
comments (what a validator needs), the default values without comments, the
chart's version and its license. Run it through ``nox -s z2jh_data``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

# What the reference copy was taken from (its README says so).
CHART = {
    "chart": "jupyterhub (Zero to JupyterHub)",
    "version": "4.3.2-0.dev.git.226.h48ea50e3",
    "commit": "48ea50e34daddde55d76e30df6ecd47e4abd4d8e",
    "date": "2026-07-24",
    "source": "https://github.com/jupyterhub/zero-to-jupyterhub-k8s",
    "license": "BSD-3-Clause, Copyright (c) 2017, Project Jupyter Contributors (see LICENSE)",
}
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


def header() -> str:
    """The YAML comment that says where the data came from."""
    return "".join(f"# {key}: {value}\n" for key, value in CHART.items())


def main(argv: list[str] | None = None) -> int:
    """Write the structure-only copy of ``REFERENCE`` into ``DEST``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reference", type=Path, help="the chart's reference folder")
    parser.add_argument("dest", type=Path, help="where to write the copy")
    args = parser.parse_args(argv)
    schema = yaml.safe_load((args.reference / "values.schema.yaml").read_text())
    values = yaml.safe_load((args.reference / "values.yaml").read_text())
    args.dest.mkdir(parents=True, exist_ok=True)
    for name, data in (("values.schema.yaml", structure(schema)), ("values.yaml", values)):
        text = yaml.safe_dump(data, sort_keys=False, width=100, allow_unicode=True)
        (args.dest / name).write_text(header() + text)
    (args.dest / "chart.yaml").write_text(yaml.safe_dump(CHART, sort_keys=False))
    (args.dest / "LICENSE").write_text((args.reference / "LICENSE").read_text())
    print(f"wrote {args.dest}: the chart's schema and values, structure only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
