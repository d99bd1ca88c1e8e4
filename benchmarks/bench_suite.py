"""Benchmark of the whole suite: every notebook executed as ``make suite`` does.

Usage::

    python benchmarks/bench_suite.py [--workers N] [--no-html] [--output-dir DIR] [NOTEBOOK ...]

Runs :func:`crm_lab.runner.run_all` on every notebook of ``notebooks/`` (or
the ones named) with their default parameters, in ``--workers`` parallel
worker processes (default: the number of cores, as ``make suite``), and
reports

* each notebook's wall time (kernel start, execution and HTML export), in
  the order they finished;
* the total wall time from the first start to the last finish, and the sum
  of the notebooks' times (their sequential cost);
* the machine: cores, and the load average before and after (other work on
  the machine slows every figure).

This is a script, not a test: it asserts nothing.  A failing notebook is
reported and the script exits 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_lab import runner  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="default: all of notebooks/")
    parser.add_argument("--workers", type=int, default=runner.default_workers())
    parser.add_argument("--no-html", action="store_true", help="skip the HTML export (make suite exports HTML)")
    parser.add_argument("--output-dir", default=None, help="default: a temporary folder")
    args = parser.parse_args(argv)

    names = args.notebooks or [p.stem for p in runner.list_notebooks()]
    load_before = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          f"({runner.default_workers()} usable), Python {platform.python_version()}")
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(f"{len(names)} notebooks, {args.workers} workers, HTML {'off' if args.no_html else 'on'}\n")
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        out = Path(args.output_dir) if args.output_dir else Path(tmp)
        start = time.perf_counter()
        try:
            results = runner.run_all(names, output_dir=out, html=not args.no_html, workers=args.workers)
        except runner.NotebookExecutionError as error:
            print(f"\nfailed: {error.headline()}")
            return 1
        wall = time.perf_counter() - start
    load_after = os.getloadavg()
    print(f"\n{'notebook':<40} {'seconds':>8}")
    for result in sorted(results, key=lambda r: r.name):
        print(f"{result.name:<40} {result.seconds:8.1f}")
    total = sum(r.seconds for r in results)
    print(f"{'sum of notebook times':<40} {total:8.1f}")
    print(f"{'total wall time':<40} {wall:8.1f}")
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
