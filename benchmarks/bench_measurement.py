"""Benchmark of one CFA: semopy's own fit against ``crm_lab.measurement.cfa``.

Usage::

    python benchmarks/bench_measurement.py [--repeat 50]

On the Holzinger & Swineford (1939) data that ``tests/test_measurement.py``
uses (``semopy.examples.holzinger39``, 301 children) and its three-factor
model (visual, textual, speed; 21 free parameters), it reports the best and
median wall-clock time of ``--repeat`` runs of

* semopy alone: ``semopy.Model(model).fit(data, obj="MLW")`` on the whole
  table, as a semopy user would call it (the reference of the issue);
* semopy alone on the nine item columns only (what ``cfa`` hands it);
* ``crm_lab.measurement.cfa(data, model)``: input checks, the same semopy
  fit, and everything its result reports (fit indices with the closed-form
  baseline χ², standard errors, standardised estimates, factor
  correlations, validity),

and the ratio cfa / semopy (the issue asks for at most 1.5).  Each job runs
once before timing (imports, caches); the jobs are interleaved run by run
so that a busy machine slows them alike.

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import semopy
from semopy.examples import holzinger39

from crm_lab import measurement as ms

HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


def _semopy_fit(data):
    model = semopy.Model(HS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data, obj="MLW")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="timed runs of each job")
    args = parser.parse_args(argv)
    data = holzinger39.get_data()
    items = data[ITEMS].astype(float)
    jobs = {
        "semopy Model(HS).fit(data, obj='MLW')": lambda: _semopy_fit(data),
        "semopy, the 9 item columns only": lambda: _semopy_fit(items),
        "crm_lab.measurement.cfa(data, HS)": lambda: ms.cfa(data, HS),
    }
    times = {name: [] for name in jobs}
    for job in jobs.values():
        job()
    for _ in range(args.repeat):
        for name, job in jobs.items():
            t0 = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - t0)
    print(f"Holzinger & Swineford (1939), n = {len(data)}, 3 factors, 9 items; "
          f"best / median of {args.repeat} runs (Python {platform.python_version()}, semopy {semopy.__version__})")
    print(f"{'job':42s} {'best s':>9s} {'median s':>9s}")
    for name, values in times.items():
        print(f"{name:42s} {min(values):9.4f} {statistics.median(values):9.4f}")
    ref, cfa = times["semopy Model(HS).fit(data, obj='MLW')"], times["crm_lab.measurement.cfa(data, HS)"]
    print(f"ratio cfa / semopy: best {min(cfa) / min(ref):.2f}, median {statistics.median(cfa) / statistics.median(ref):.2f}")


if __name__ == "__main__":
    main()
