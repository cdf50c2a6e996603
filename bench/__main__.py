"""``python -m bench [NAME...] [--repeat N]``: run the benchmarks, one line each; exit 1 on a FAIL.

Every module ``bench/bench_*.py`` contributes its ``BENCHMARKS`` list. NAME filters by prefix.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback

import bench
from bench.core import Benchmark


def discover() -> list[Benchmark]:
    found: list[Benchmark] = []
    for mod in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if mod.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{mod.name}")
            found.extend(getattr(module, "BENCHMARKS", []))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("names", nargs="*", help="run only benchmarks whose name starts with one of these")
    ap.add_argument("--repeat", type=int, default=None, help="repetitions per side (default per benchmark)")
    ap.add_argument("--list", action="store_true", help="list benchmark names and exit")
    args = ap.parse_args(argv)
    benches = discover()
    if args.names:
        benches = [b for b in benches if any(b.name.startswith(n) for n in args.names)]
    if args.list:
        for b in benches:
            print(b.name)
        return 0
    if not benches:
        print("no benchmark matched", file=sys.stderr)
        return 2
    failed = 0
    for b in benches:
        try:
            res = b.run(args.repeat)
            print(res.line(), flush=True)
            failed += not res.passed
        except Exception as exc:  # a crashing benchmark is a FAIL line, not a traceback wall
            failed += 1
            print(f"{b.name:<28} ERROR {type(exc).__name__}: {exc}", flush=True)
            traceback.print_exc(file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
