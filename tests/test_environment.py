"""pyproject.toml is the one dependency list; environment.yml must mirror it."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[0-9][0-9A-Za-z.]*)?\s*$")


def _parse(specs):
    out = {}
    for spec in specs:
        match = REQ.match(spec)
        assert match, f"unparseable dependency {spec!r}"
        out[match.group(1).lower()] = (match.group(2) or "").replace(" ", "")
    return out


def pyproject_deps():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _parse(project["dependencies"] + project["optional-dependencies"]["test"])


def environment_deps():
    # a deliberately small reader of the conda list (no YAML dependency)
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("dependencies:")
    specs = []
    for line in lines[start + 1 :]:
        match = re.match(r"^  - (\S.*)$", line)
        if match and not match.group(1).startswith(("pip", "python")):
            specs.append(match.group(1))
    return _parse(specs)


def test_environment_mirrors_pyproject():
    py, env = pyproject_deps(), environment_deps()
    assert set(py) == set(env), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; only in environment.yml: {sorted(set(env) - set(py))}"
    )
    differing = {name: (py[name], env[name]) for name in py if py[name] != env[name]}
    assert not differing, f"lower bounds differ (pyproject, environment.yml): {differing}"


def test_every_dependency_has_a_lower_bound_and_no_pin():
    for name, bound in pyproject_deps().items():
        assert bound.startswith(">="), f"{name} needs a tested lower bound (>=X), not {bound!r}"


def test_environment_uses_conda_forge_only():
    text = (ROOT / "environment.yml").read_text()
    assert "  - conda-forge\n  - nodefaults\n" in text


def test_min_versions_script_pins_every_lower_bound():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "min_versions.py")], capture_output=True, text=True, check=True
    ).stdout.split()
    pins = dict(line.split("==") for line in out)
    assert {k.lower(): ">=" + v for k, v in pins.items()} == pyproject_deps()
