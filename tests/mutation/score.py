"""Print the mutation score of the last ``mutmut run``, per module, and check the floor.

Reads ``mutmut results --all true``. A mutant listed in ``equivalent.toml``
(with the reason it cannot change behaviour) is left out of the count; every
other mutant that was not killed (survived, or reached by no test) counts
against the score. The floor applies to each module: exit status 1 when any
module is below it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
KILLED = {"killed", "timeout"}


def results() -> dict[str, str]:
    """Mutant name -> status, as mutmut reports them."""
    out = subprocess.run(
        ["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status.strip()
    return found


def module_of(mutant: str) -> str:
    """``wiw.planning.x_plan__mutmut_3`` -> ``wiw.planning``.

    The image's scripts are named for their path: ``jupyterhub.hub.wiw_auth``.
    """
    return mutant.split(".x_", 1)[0].split(".xǁ", 1)[0]


def below_floor(killed: Counter[str], total: Counter[str], floor: float) -> list[str]:
    """The modules whose share of killed mutants is under ``floor`` percent, sorted."""
    return sorted(m for m, n in total.items() if n and 100 * killed[m] / n < floor)


def main(argv: list[str] | None = None) -> int:
    """Print the table and the survivors; return 1 when a module is below the floor."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--floor", type=float, default=90.0)
    args = parser.parse_args(argv)
    equivalent = tomllib.loads((HERE / "equivalent.toml").read_text()).get("equivalent", {})
    found = results()
    counted = {k: v for k, v in found.items() if k not in equivalent}
    total, killed = Counter[str](), Counter[str]()
    for name, status in counted.items():
        total[module_of(name)] += 1
        killed[module_of(name)] += status in KILLED
    print(f"{'module':<40}{'killed':>8}{'total':>8}{'score':>8}")
    for module in sorted(total):
        print(f"{module:<40}{killed[module]:>8}{total[module]:>8}"
              f"{100 * killed[module] / total[module]:>7.1f}%")  # fmt: skip
    score = 100 * sum(killed.values()) / max(1, sum(total.values()))
    print(f"{'all':<40}{sum(killed.values()):>8}{sum(total.values()):>8}{score:>7.1f}%")
    print(f"{len(equivalent)} equivalent mutants left out (tests/mutation/equivalent.toml)")
    for name, status in sorted(counted.items()):
        if status not in KILLED:
            print(f"  {status:>9}: {name}")
    low = below_floor(killed, total, args.floor)
    for module in low:
        print(f"below the floor of {args.floor:g} %: {module}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
