"""Key results of a notebook run, written as JSON for sweeps and tests."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["plain", "save_results"]


def plain(value):
    """*value* as plain JSON-ready Python: numpy numbers become int/float, NaN and
    infinities None, tuples and arrays lists, mapping keys strings.

    Raises TypeError for anything else that is not text or None.
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"results must be numbers, text, lists or dicts; got {type(value).__name__} ({value!r:.60})")


def save_results(results: dict, output_dir: str | Path) -> Path | None:
    """Write *results* to ``<output_dir>/results.json``; ``""`` writes nothing.

    numpy numbers become plain JSON numbers, NaN becomes null; keys are
    sorted, so the same results give the same file.  The folder is created
    if needed.  Returns the path written, or None.

    Examples
    --------
    >>> save_results({"rate": np.float64(0.5)}, "") is None
    True
    """
    if output_dir is None or str(output_dir) == "":
        return None
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(json.dumps(plain(results), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
