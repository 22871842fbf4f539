"""Import time of sogni_compat against openai: ``python -X importtime``, fresh processes.

Each round starts one interpreter per package (in shuffled order) and reads the cumulative
microseconds of the top-level import from ``-X importtime``; the medians and their ratio are
printed. ``--top N`` also lists the N package modules that spend the most time themselves
(median self time), to see what to build later. Bytecode is written and used, as for an
installed package. Both packages must be installed in this interpreter's environment::

    python benchmarks/import_time.py --rounds 15 --top 12
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
from collections import defaultdict

#: Bytecode is written and read, as an installed package's is (a first round compiles it).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(module: str) -> tuple[int, dict[str, int]]:
    """Cumulative microseconds of ``import module`` and each module's own microseconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    own: dict[str, int] = {}
    total = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = (part.strip() for part in line[12:].split("|"))
        own[name] = int(self_us)
        if name == module:
            total = int(cumulative)
    return total, own


def main() -> None:
    """Measure, then print medians, the ratio and the costliest modules."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args()
    modules = ["sogni_compat", "openai"]
    totals: dict[str, list[int]] = defaultdict(list)
    own: dict[str, list[int]] = defaultdict(list)
    for module in modules:  # compile to bytecode and warm the file cache once
        measure(module)
    for _ in range(args.rounds):
        random.shuffle(modules)
        for module in modules:
            total, parts = measure(module)
            totals[module].append(total)
            if module == "sogni_compat":
                for name, microseconds in parts.items():
                    own[name].append(microseconds)
    medians = {module: statistics.median(values) / 1000 for module, values in totals.items()}
    for module in sorted(medians):
        print(f"import {module}: {medians[module]:.1f} ms (median of {args.rounds})")
    print(f"ratio sogni_compat / openai: {medians['sogni_compat'] / medians['openai']:.2f}")
    if args.top:
        print("\nmodules spending the most time themselves on import sogni_compat:")
        ranked = sorted(own.items(), key=lambda item: -statistics.median(item[1]))
        for name, values in ranked[: args.top]:
            print(f"  {statistics.median(values) / 1000:6.2f} ms  {name}")


if __name__ == "__main__":
    main()
