"""Print pip constraints pinning every dependency to its lower bound.

Reads ``pyproject.toml`` (dependencies and the ``test`` extra) and turns each
``name>=X`` into ``name==X``, so that ``make test-min`` installs and tests the
oldest versions the project claims to support.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    bounds = {}
    for spec in specs:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*", spec)
        if match is None:
            sys.exit(f"pyproject.toml: dependency {spec!r} has no plain '>=' lower bound")
        bounds[match.group(1)] = match.group(2)
    return bounds


if __name__ == "__main__":
    for name, version in lower_bounds().items():
        print(f"{name}=={version}")
