"""Run benchmark scenarios and print one table.

    python -m benchmarks.run                      # every scenario at thesis and lab scale
    python -m benchmarks.run study --scale large  # one scenario at one scale
    python -m benchmarks.run --scale thesis,lab,large --json results.json

Each scenario is a module ``benchmarks/bench_<name>.py`` with ``run(scale) -> list[Row]``.
Benchmarks report figures; they are not tests and assert nothing about speed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

from benchmarks.common import Row, as_dicts, format_table

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenarios", nargs="*", help=f"scenarios (default: all): {', '.join(available())}")
    parser.add_argument("--scale", default="thesis,lab", help="thesis, lab, large, comma-separated")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    names = args.scenarios or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    rows: list[Row] = []
    for scale in [s.strip() for s in args.scale.split(",") if s.strip()]:
        for name in names:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            print(f"running {name} at {scale} ...", file=sys.stderr, flush=True)
            these = module.run(scale)
            rows.extend(these)
            # Each scenario's rows as soon as they exist: a long run that fails later keeps them.
            print(format_table(these), file=sys.stderr, flush=True)
    print(format_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(as_dicts(rows), indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
