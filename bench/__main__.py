"""`make bench`: run every benchmark, print one table, exit non-zero when a budget fails."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench
from bench.common import Row


def format_table(rows: list[Row]) -> str:
    header = ("measured", "value", "baseline", "ratio", "budget", "result")
    lines = [header]
    for r in rows:
        baseline = f"{r.baseline:,.4g} ({r.baseline_name})" if r.baseline is not None else ""
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
        result = "" if r.passed is None else ("pass" if r.passed else "FAIL")
        lines.append((r.name, f"{r.value:,.4g} {r.unit}", baseline, ratio, r.budget, result))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str]) -> int:
    only = set(argv)
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if not info.name.startswith("bench_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"running {info.name} ...", file=sys.stderr, flush=True)
        rows.extend(module.run())
    print(format_table(rows))
    notes = [f"- {r.name}: {r.notes}" for r in rows if r.notes]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    failed = [r.name for r in rows if r.passed is False]
    if failed:
        print(f"\nbudget failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
