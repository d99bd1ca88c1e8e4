"""crm-lab installed from a wheel, used outside the clone.

The wheel is built as a release would be: an sdist from a copy of the
project (so MANIFEST.in must carry ``datasets/``), then a wheel from that
sdist (so setup.py must copy the sample into ``crm_lab/_sample/``).  The
build uses the running environment's setuptools (``--no-build-isolation``)
and nothing is downloaded (``--no-index``).  The wheel is installed with
``pip --target`` into a temporary folder and exercised by a separate,
isolated interpreter (``python -I``: no PYTHONPATH, no current folder on
``sys.path``) started in that folder, with the environment's site-packages
for the dependencies; it must import *that* crm_lab, not the clone's
editable one.
"""

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crm_lab.datasets import SAMPLE_SEED
from crm_lab.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
# what a clone holds that the build must not see (.gitignore's build products)
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "*.py[cod]", ".pytest_cache", ".ipynb_checkpoints",
    "results", ".ruff_cache",
)

# Runs in the installed environment; prints one JSON object.
SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    from pathlib import Path

    site = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(site))

    import numpy as np
    import crm_lab
    from crm_lab import cli, datasets, kano, loyalty, measurement, power, regression, relationship, switching
    from crm_lab.schema import SCALES

    out = {"crm_lab": crm_lab.__file__, "sample_dir": str(datasets.sample_dir())}

    tables = datasets.load_all()
    out["tables"] = {name: len(df) for name, df in tables.items()}
    out["truth_seed"] = datasets.load_truth().seed
    out["verify_exit"] = cli.main(["data", "verify"])  # checksums of the shipped files

    market = crm_lab.simulate_market(400, n_visitors=100, kano_respondents=10, rng=1)
    survey = market["survey"]
    table = kano.analyze(market["kano"], by="segment", n_boot=50, rng=1)
    out["kano_rows"] = len(table)
    rel = measurement.reliability(survey[list(SCALES["satisfaction"])])
    out["alpha"] = float(rel.alpha)
    scores = measurement.scale_scores(survey, {c: SCALES[c] for c in ("satisfaction", "commitment", "conative")})
    grid = loyalty.dick_basu(scores["conative"], scores["satisfaction"])
    out["dick_basu"] = sorted(set(grid.labels))
    out["switching_columns"] = list(switching.switching_scores(survey).columns)
    med = regression.mediation(scores, x="satisfaction", m="commitment", y="conative", n_boot=200, rng=1)
    out["mediation"] = type(med).__name__
    out["power_rows"] = len(power.power_curve([50], b_x=0.3, b_m=0.2, b_xm=0.1, reps=50, rng=1))
    out["rq_models"] = sorted(relationship.rq_models())
    print(json.dumps(out))
    """
)


def _run(*args, cwd):
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args[:6]))} ... exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel's crm_lab installed into <tmp>/site; returns (tmp folder, seconds to build and install)."""
    start = time.perf_counter()
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run(sys.executable, "-c", "import setuptools.build_meta as b, sys; b.build_sdist(sys.argv[1])", str(tmp / "dist"), cwd=src)
    (sdist,) = (tmp / "dist").glob("crm_lab-*.tar.gz")
    shutil.unpack_archive(sdist, tmp / "unpacked")
    (unpacked,) = (tmp / "unpacked").iterdir()
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(tmp / "wheel"), str(unpacked), cwd=tmp)
    (wheel,) = (tmp / "wheel").glob("crm_lab-*.whl")
    _run(*pip, "install", "--no-deps", "--no-index", "--target", str(tmp / "site"), str(wheel), cwd=tmp)
    return tmp, time.perf_counter() - start


def test_the_sdist_and_wheel_ship_the_sample(installed):
    tmp, _ = installed
    shipped = {p.name for p in (ROOT / "datasets").iterdir() if p.suffix in (".csv", ".json") or p.name == "MANIFEST.sha256"}
    assert shipped <= {p.name for p in (tmp / "site" / "crm_lab" / "_sample").iterdir()}
    assert not (ROOT / "crm_lab" / "_sample").exists(), "the build wrote the sample into the source tree"


def test_the_installed_package_works_outside_the_clone(installed):
    tmp, build_seconds = installed
    start = time.perf_counter()
    done = _run(sys.executable, "-I", "-c", SCRIPT, str(tmp / "site"), cwd=tmp)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    site = (tmp / "site").resolve()
    assert Path(out["crm_lab"]).is_relative_to(site), f"imported {out['crm_lab']}, not the installed wheel"
    assert Path(out["sample_dir"]) == site / "crm_lab" / "_sample"

    assert set(out["tables"]) == set(TABLES) and all(n > 0 for n in out["tables"].values())
    assert out["truth_seed"] == SAMPLE_SEED
    assert out["verify_exit"] == 0
    assert out["kano_rows"] > 0 and 0 < out["alpha"] < 1
    assert set(out["dick_basu"]) <= {"true", "latent", "spurious", "none"} and out["dick_basu"]
    assert "switching_cost" in out["switching_columns"]
    assert out["mediation"] == "MediationResult"
    assert out["power_rows"] == 2 and "trust_second_order" in out["rq_models"]
    print(f"wheel built and installed in {build_seconds:.1f} s, used in {time.perf_counter() - start:.1f} s")
