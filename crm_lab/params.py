"""Check a notebook's papermill parameters before any work is done.

Every crm-lab notebook starts with a code cell tagged ``parameters`` and, right
after it (after any cell papermill injects), one call to :func:`check`::

    from crm_lab import params
    P = params.check(globals(), seed=params.Int(min=0),
                     alpha=params.Float(gt=0, lt=1),
                     segment=params.Choice("exhibitor", "visitor"))

:func:`check` coerces the values the way papermill and YAML deliver them
(``-p n_boot 2000`` gives an int, ``-y "alpha: 5e-2"`` a string), rejects
unknown names (a typo such as ``-p sede 1`` would otherwise be silently
ignored) and reports every violation in one line.
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._dbfile import DATABASE_SUFFIXES, database_kind, has_database_suffix, not_a_database

__all__ = [
    "Bool",
    "Choice",
    "Float",
    "Folder",
    "Int",
    "ParameterError",
    "Parameters",
    "Str",
    "NOTEBOOKS",
    "check",
    "check_notebook",
]

#: Names IPython (and the Python runtime) put into a kernel's namespace.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


class ParameterError(ValueError):
    """One or more notebook parameters are invalid.

    The message is a single line naming every bad parameter, what was
    expected and what was received.  In a notebook, IPython shows only
    ``ParameterError: <message>`` (no traceback), and papermill still fails
    the run.
    """

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the full traceback.
        return [f"ParameterError: {self}"]


class _Invalid(Exception):
    """Internal: one value failed one parameter type (message fragment)."""


def _got(value: Any) -> str:
    return f"(got {value!r})"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _number(value: Any, what: str) -> float | int:
    """Return ``value`` as a Python number, accepting numeric strings."""
    if _is_bool(value):
        raise _Invalid(f"must be {what} {_got(value)}")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            pass
    raise _Invalid(f"must be {what} {_got(value)}")


def _bounds_text(bounds: list[tuple[str, Any]]) -> str:
    return " and ".join(f"{op} {limit}" for op, limit in bounds)


@dataclass(frozen=True)
class Int:
    """An integer parameter, optionally within ``[min, max]``.

    Accepts ints, integral floats (``7.0``) and numeric strings (``"2000"``,
    ``"5e3"``); never a bool.
    """

    min: int | None = None
    max: int | None = None

    def coerce(self, value: Any) -> int:
        number = _number(value, "an integer")
        if isinstance(number, float):
            if not (math.isfinite(number) and number.is_integer()):
                raise _Invalid(f"must be an integer {_got(value)}")
            number = int(number)
        bounds = [(op, lim) for op, lim in ((">=", self.min), ("<=", self.max)) if lim is not None]
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise _Invalid(f"must be an integer {_bounds_text(bounds)} {_got(value)}")
        return number


@dataclass(frozen=True)
class Float:
    """A finite real parameter, optionally bounded (``gt``, ``ge``, ``lt``, ``le``).

    Accepts floats, ints and numeric strings (``"5e-2"``); never a bool.
    """

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def coerce(self, value: Any) -> float:
        number = float(_number(value, "a number"))
        if not math.isfinite(number):
            raise _Invalid(f"must be a finite number {_got(value)}")
        checks = [
            (">", self.gt, lambda lim: number > lim),
            (">=", self.ge, lambda lim: number >= lim),
            ("<", self.lt, lambda lim: number < lim),
            ("<=", self.le, lambda lim: number <= lim),
        ]
        bounds = [(op, lim) for op, lim, _ in checks if lim is not None]
        if not all(ok(lim) for _, lim, ok in checks if lim is not None):
            raise _Invalid(f"must be {_bounds_text(bounds)} {_got(value)}")
        return number


@dataclass(frozen=True)
class Str:
    """A string parameter; ``allow_empty=False`` rejects ``""``."""

    allow_empty: bool = True

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(f"must be a string {_got(value)}")
        if not value and not self.allow_empty:
            raise _Invalid(f"must be a non-empty string {_got(value)}")
        return value


@dataclass(frozen=True)
class Bool:
    """A boolean parameter: ``True``/``False`` or the strings ``"true"``/``"false"``.

    The strings are compared case-insensitively (YAML and shells differ).
    """

    def coerce(self, value: Any) -> bool:
        if _is_bool(value):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"
        raise _Invalid(f"must be True or False {_got(value)}")


class Choice:
    """A string parameter that must equal one of ``values`` (case-sensitive)."""

    __slots__ = ("values",)

    def __init__(self, *values: str) -> None:
        if not values or not all(isinstance(v, str) for v in values):
            raise TypeError(f"Choice needs one or more strings (got {values!r})")
        self.values = values

    def __repr__(self) -> str:
        return f"Choice({', '.join(map(repr, self.values))})"

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.values:
            allowed = ", ".join(map(repr, self.values))
            raise _Invalid(f"must be one of {allowed} {_got(value)}")
        return value


@dataclass(frozen=True)
class Folder:
    """A folder path (str or :class:`os.PathLike`), or for input data also a database file.

    ``allow_empty=True`` lets ``""`` through unchanged (meaning "none"); any
    other value is returned as an absolute path string (``~`` expanded).
    ``must_exist=True`` requires an existing directory.

    ``database`` says whether an existing DuckDB or SQLite database file
    (suffix ``.duckdb``, ``.sqlite`` or ``.db``, and a DuckDB or SQLite
    header inside) is accepted in place of the folder, as
    :mod:`crm_lab.datasets` reads one like a folder of CSV files.  The
    default ``None`` means: exactly when ``must_exist=True`` — a folder to
    read, as every notebook declares ``data_dir`` — and never for a folder
    to write into.  Any other file is always rejected.

    Examples
    --------
    >>> check({"data_dir": "/no/such/place"}, data_dir=Folder(must_exist=True))
    Traceback (most recent call last):
    ...
    crm_lab.params.ParameterError: parameter 'data_dir' must be an existing folder or database file (.duckdb, .sqlite, .db) (got '/no/such/place', resolved to '/no/such/place')
    """

    must_exist: bool = False
    allow_empty: bool = False
    database: bool | None = None

    def coerce(self, value: Any) -> str:
        if not isinstance(value, (str, os.PathLike)):
            raise _Invalid(f"must be a folder path {_got(value)}")
        text = os.fspath(value)
        if not isinstance(text, str):
            raise _Invalid(f"must be a folder path {_got(value)}")
        if text == "":
            if self.allow_empty:
                return ""
            raise _Invalid(f"must be a non-empty folder path {_got(value)}")
        path = os.path.abspath(os.path.expanduser(text))
        database = self.must_exist if self.database is None else self.database
        suffixes = ", ".join(DATABASE_SUFFIXES)
        if os.path.exists(path) and not os.path.isdir(path):
            if not database:
                raise _Invalid(f"must be a folder, not a file (got {text!r}, resolved to {path!r})")
            if not has_database_suffix(path):
                raise _Invalid(
                    f"must be a folder or a database file ({suffixes}), not another file (got {text!r}, resolved to {path!r})"
                )
            if database_kind(path) is None:
                raise _Invalid(f"must be a folder or a database file, but {not_a_database(path)} {_got(text)}")
            return path
        if self.must_exist and not os.path.isdir(path):
            what = f"folder or database file ({suffixes})" if database else "folder"
            raise _Invalid(f"must be an existing {what} (got {text!r}, resolved to {path!r})")
        return path


_TYPES = (Int, Float, Str, Bool, Choice, Folder)


class Parameters(Mapping):
    """The checked parameters: a read-only mapping with attribute access.

    ``P.seed`` and ``P["seed"]`` both work; iteration follows the order of
    the specification given to :func:`check`.
    """

    __slots__ = ("_values", "_baseline")

    def __init__(self, values: Mapping[str, Any], baseline: frozenset[str]) -> None:
        object.__setattr__(self, "_values", dict(values))
        # Names present in the namespace when the check first ran; lets a
        # re-run in a live kernel tell later cells' variables from parameters.
        object.__setattr__(self, "_baseline", baseline)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r} (known: {', '.join(self._values)})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("checked parameters are read-only")

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._values]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Parameters({inner})"


def _is_infrastructure(name: str, value: Any) -> bool:
    """Names that are not parameters: IPython's, private, imports."""
    return (
        name.startswith("_")
        or name in _IPYTHON_NAMES
        or inspect.ismodule(value)
        or inspect.isroutine(value)
        or inspect.isclass(value)
        or isinstance(value, Parameters)
    )


def check(namespace: Mapping[str, Any], /, **spec: Any) -> Parameters:
    """Check and coerce a notebook's parameters; fail with one clear line.

    Parameters
    ----------
    namespace : mapping
        The notebook's ``globals()`` right after the parameters cell (and
        the cell papermill injects).  It is read, never modified.
    **spec : Int, Float, Str, Bool, Choice or Folder
        One parameter type per parameter name, in the order to report.

    Returns
    -------
    Parameters
        A read-only mapping of the coerced values in ``spec`` order, also
        readable as attributes (``P.alpha``).

    Raises
    ------
    ParameterError
        Listing, joined by ``"; "``, every parameter that is missing, unknown
        (with the closest known name, found with :mod:`difflib`) or invalid.
    TypeError
        If a ``spec`` value is not one of the parameter types (a bug in the
        notebook, not in the user's input).

    Notes
    -----
    At check time the namespace should hold only the parameters, IPython's
    own names (``In``, ``Out``, ``get_ipython``, ``exit``, ``quit``,
    ``open`` and names starting with ``_``) and imported modules, functions
    and classes; any other name is reported as an unknown parameter.  When
    the check cell is re-run in a live kernel (the namespace then holds a
    previous :class:`Parameters` result and the variables of later cells),
    names created after the first check are reported only when they look
    like a misspelt parameter.

    Examples
    --------
    >>> ns = {"seed": "007", "alpha": "5e-2", "segment": "visitor"}
    >>> P = check(ns, seed=Int(min=0), alpha=Float(gt=0, lt=1),
    ...           segment=Choice("exhibitor", "visitor"))
    >>> P.seed, P["alpha"], P.segment
    (7, 0.05, 'visitor')
    >>> check({"sede": 1, "alpha": 1.5}, seed=Int(), alpha=Float(gt=0, lt=1))
    Traceback (most recent call last):
    ...
    crm_lab.params.ParameterError: missing parameter 'seed' (the parameters cell must define it); parameter 'alpha' must be > 0 and < 1 (got 1.5); unknown parameter 'sede' (known: seed, alpha); did you mean 'seed'?
    """
    bad_spec = [f"{name}={kind!r}" for name, kind in spec.items() if not isinstance(kind, _TYPES)]
    if bad_spec:
        raise TypeError(
            "check() needs a parameter type (Int, Float, Str, Bool, Choice, Folder) for each name "
            f"(got {', '.join(bad_spec)})"
        )
    errors: list[str] = []
    values: dict[str, Any] = {}
    for name, kind in spec.items():
        if name not in namespace:
            errors.append(f"missing parameter {name!r} (the parameters cell must define it)")
            continue
        try:
            values[name] = kind.coerce(namespace[name])
        except _Invalid as exc:
            errors.append(f"parameter {name!r} {exc}")

    previous = [v for v in namespace.values() if isinstance(v, Parameters)]
    baseline = previous[0]._baseline if previous else None
    known = ", ".join(spec)
    for name, value in namespace.items():
        if name in spec or _is_infrastructure(name, value):
            continue
        close = difflib.get_close_matches(name, list(spec), n=1)
        if baseline is not None and name not in baseline and not close:
            continue  # created by a later cell in a live kernel
        hint = f"; did you mean {close[0]!r}?" if close else ""
        errors.append(f"unknown parameter {name!r} (known: {known}){hint}")

    if errors:
        raise ParameterError("; ".join(errors))
    return Parameters(values, baseline if baseline is not None else frozenset(namespace))


# --------------------------------------------------------------------------
# Each notebook's parameters, declared once (the notebook's check is one line)
# --------------------------------------------------------------------------
def _data_dir() -> Folder:
    return Folder(must_exist=True, allow_empty=True)


def _output_dir() -> Folder:
    return Folder(must_exist=False, allow_empty=True)


def _nb00() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=1),
                truth_size=Int(min=1_000, max=2_000_000), output_dir=_output_dir())


def _nb01() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=0.5), n_boot=Int(min=100, max=100_000),
                ipa_reps=Int(min=20, max=10_000), sim_exhibitors=Int(min=2_000, max=500_000),
                output_dir=_output_dir())


def _nb02() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), segment=Str(allow_empty=False), edition=Int(min=0),
                n_boot=Int(min=0, max=100_000), alpha=Float(gt=0, lt=0.5), n_sims=Int(min=20, max=20_000),
                output_dir=_output_dir())


def _nb03() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=0.5), survey_share=Float(gt=0, le=1),
                n_boot=Int(min=200, max=100_000), n_boot_sem=Int(min=20, max=5_000), n_sims=Int(min=2, max=2_000),
                sim_exhibitors=Int(min=1_000, max=200_000), power_sims=Int(min=10, max=5_000),
                output_dir=_output_dir())


def _nb04() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=1),
                attitude_quantile=Float(gt=0, lt=1), patronage_quantile=Float(gt=0, lt=1),
                satisfaction_quantile=Float(gt=0, lt=1), loyalty_quantile=Float(gt=0, lt=1),
                spline_df=Int(min=0, max=8), truth_size=Int(min=1_000, max=1_000_000),
                n_reps=Int(min=20, max=20_000), editions_ahead=Int(min=1, max=20), output_dir=_output_dir())


def _rule04(P: Parameters) -> None:
    if P.spline_df in (1, 2):
        raise ParameterError(f"parameter 'spline_df' must be 0 or at least 3 (got {P.spline_df})")


def _nb05() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=0.5), n_boot=Int(min=0, max=100_000),
                n_sims=Int(min=100, max=100_000), power_reps=Int(min=50, max=100_000),
                truth_size=Int(min=5_000, max=2_000_000), output_dir=_output_dir())


def _nb06() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=0.5), n_boot=Int(min=100, max=100_000),
                bins=Int(min=2, max=10), coverage=Float(gt=0, lt=1), episode_days=Int(min=0, max=365),
                margin_rate=Float(gt=0, le=1), discount=Float(ge=0, lt=1), clv_years=Int(min=1, max=30),
                acquisition_cost=Float(gt=0), cost_ratio=Float(gt=0, le=10), retention_lift=Float(ge=0, lt=1),
                sim_reps=Int(min=50, max=100_000), recovery_reps=Int(min=2, max=1_000),
                recovery_customers=Int(min=200, max=200_000), output_dir=_output_dir())


def _nb07() -> dict[str, Any]:
    return dict(seed=Int(min=0), data_dir=_data_dir(), alpha=Float(gt=0, lt=0.5), n_boot=Int(min=100, max=100_000),
                margin_rate=Float(gt=0, le=1), discount=Float(gt=0, lt=1), retention_gain=Float(gt=0, le=0.2),
                horizon=Int(min=2, max=50), calibration=Int(min=1, max=30), holdout_editions=Int(min=1, max=10),
                recovery_reps=Int(min=5, max=5_000), recovery_size=Int(min=200, max=1_000_000),
                output_dir=_output_dir())


#: Notebook prefix -> (a function returning its parameter declaration, an extra rule or None).
NOTEBOOKS: dict[str, tuple[Any, Any]] = {
    "00": (_nb00, None),
    "01": (_nb01, None),
    "02": (_nb02, None),
    "03": (_nb03, None),
    "04": (_nb04, _rule04),
    "05": (_nb05, None),
    "06": (_nb06, None),
    "07": (_nb07, None),
}


def check_notebook(namespace: Mapping[str, Any], notebook: str, /) -> Parameters:
    """Check a suite notebook's parameters against their declaration in :data:`NOTEBOOKS` (one line in the notebook).

    >>> P = check_notebook({"seed": 1, "data_dir": "", "alpha": 0.05, "truth_size": 5000, "output_dir": ""}, "00")
    >>> P.alpha
    0.05
    """
    if notebook not in NOTEBOOKS:
        raise KeyError(f"no parameter declaration for notebook {notebook!r} (known: {', '.join(NOTEBOOKS)})")
    declare, rule = NOTEBOOKS[notebook]
    checked = check(namespace, **declare())
    if rule is not None:
        rule(checked)
    return checked
