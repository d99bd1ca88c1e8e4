"""Benchmark of the relationship-quality computations: one CFA fit, one SEM fit, the two mediation bootstraps.

Usage::

    python benchmarks/bench_relationship.py [--repeat 5] [--n-boot 2000]

On the shipped sample survey (684 respondents) it reports the best and median
wall-clock time of ``--repeat`` runs of

* ``crm_lab.measurement.cfa`` of the five first-order relationship-quality
  factors (15 items, 40 free parameters),
* ``crm_lab.measurement.sem`` of the structural model (second-order trust,
  21 items),
* semopy's own fit of the same model (``semopy.Model.fit`` alone: what
  ``measurement.sem`` adds is fit indices, tidy estimates and validity),
* ``crm_lab.relationship.sem_indirect`` with ``--n-boot-sem`` resamples (a
  loop of SEM refits),
* ``crm_lab.regression.mediation`` with ``--n-boot`` resamples (BCa), the
  resamples solved as one batch, against the same bootstrap written as a
  Python loop of ``numpy.linalg.lstsq`` fits (the speed-up of batching),

each with the BLAS thread count left as is and limited to one thread
(small matrices: on a busy machine a multi-threaded BLAS mostly waits).

This is a script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from crm_lab import datasets, regression
from crm_lab import measurement as ms
from crm_lab import relationship as rel


def _time(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def _loop_bootstrap(scores, n_boot, rng):
    x, m, y, c = (scores[k].to_numpy() for k in ("trust", "commitment", "conative", "satisfaction"))
    n = len(x)
    dm = np.column_stack([np.ones(n), x, c])
    dy = np.column_stack([np.ones(n), m, x, c])
    out = np.empty(n_boot)
    for b in range(n_boot):
        i = rng.integers(0, n, n)
        a = np.linalg.lstsq(dm[i], m[i], rcond=None)[0][1]
        out[b] = a * np.linalg.lstsq(dy[i], y[i], rcond=None)[0][1]
    return out


def _semopy_fit(survey, model):
    import semopy

    m = semopy.Model(model)
    observed = sorted(m.vars["observed"])
    m.fit(survey[observed].astype(float), obj="MLW")
    return m


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--n-boot-sem", type=int, default=20)
    args = parser.parse_args(argv)
    survey = datasets.load("survey")
    first_order = rel.rq_models()["first_order"]
    structural = rel.structural_model()
    scores = ms.scale_scores(survey, rel.measurement_model(rel.RQ_CONSTRUCTS + ("conative",)))
    scores["trust"] = scores[list(rel.TRUST_FACETS)].mean(axis=1)
    jobs = {
        "measurement.cfa (first-order RQ)": lambda: ms.cfa(survey, first_order),
        "measurement.sem (structural)": lambda: ms.sem(survey, structural),
        "semopy.Model.fit alone (structural)": lambda: _semopy_fit(survey, structural),
        f"relationship.sem_indirect ({args.n_boot_sem} SEM refits)": lambda: rel.sem_indirect(
            survey, structural, n_boot=args.n_boot_sem, rng=0),
        f"regression.mediation (BCa, {args.n_boot} resamples, batched)": lambda: regression.mediation(
            scores, x="trust", m="commitment", y="conative", covariates=["satisfaction"], n_boot=args.n_boot, rng=0),
        f"same bootstrap as a Python loop ({args.n_boot} lstsq pairs)": lambda: _loop_bootstrap(
            scores, args.n_boot, np.random.default_rng(0)),
    }
    print(f"{len(survey)} respondents; best / median of {args.repeat} runs, seconds")
    print(f"{'job':62s} {'BLAS default':>16s} {'BLAS 1 thread':>16s}")
    for name, job in jobs.items():
        job()  # warm-up
        default = _time(job, args.repeat)
        with threadpool_limits(limits=1, user_api="blas"):
            single = _time(job, args.repeat)
        print(f"{name:62s} {default[0]:7.3f} / {default[1]:6.3f} {single[0]:7.3f} / {single[1]:6.3f}")


if __name__ == "__main__":
    main()
