"""Measuring latent constructs: reliability, CFA/SEM, convergent and discriminant validity.

Relationship quality, loyalty layers and switching costs are latent
constructs measured by Likert items (THEORY.md §5–§7).  This module is the one
place the notebooks measure them:

* :func:`reliability` — Cronbach's (1951) α with the Feldt, Woodruff & Salih
  (1987) interval, McDonald's (1999) ω, corrected item–total correlations and
  α if an item is dropped;
* :func:`cfa` / :func:`sem` — a confirmatory factor analysis or structural
  equation model in lavaan syntax (``trust =~ ben + int + abl``), estimated by
  the maintained SEM library `semopy <https://semopy.com>`_ (Igolkina &
  Meshcheryakov 2020) with normal-theory maximum likelihood.  This module adds
  what semopy lacks or reports differently from lavaan: SRMR, RMSEA with its
  90% interval, CFI/TLI clipped to [0, 1], the log-likelihood / AIC / BIC on
  lavaan's scale, tidy tables, latent correlations, and the validity table;
* :func:`htmt` — the heterotrait–monotrait ratio (Henseler, Ringle & Sarstedt
  2015);
* :func:`chi2_difference` — the likelihood-ratio test of nested models, with
  the RMSEA of the difference (Savalei et al. 2023) as its effect size.

Validity follows Fornell & Larcker (1981): composite reliability (CR) and
average variance extracted (AVE) from standardised loadings, and the criterion
√AVE > every correlation with another factor.  Fit is read against the
cut-offs of Hu & Bentler (1999) — CFI, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 —
which are rules of thumb from one simulation design, not tests
(Marsh, Hau & Wen 2004).

The results agree with lavaan 0.6, semTools and psych on the Holzinger &
Swineford (1939) data (see ``tests/test_measurement.py``).

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
Psychometrika, 16, 297–334.
Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
coefficient alpha. Applied Psychological Measurement, 11, 93–103.
Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
with unobservable variables and measurement error. Journal of Marketing
Research, 18(1), 39–50.
Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
assessing discriminant validity in variance-based structural equation
modeling. Journal of the Academy of Marketing Science, 43, 115–135.
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance
structure analysis. Structural Equation Modeling, 6(1), 1–55.
Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for
structural equation modeling. Structural Equation Modeling, 27(6), 952–963.
McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1–36.
Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how we
compute RMSEA for nested model comparisons in structural equation modeling.
Psychological Methods.
Steiger, J. H. (1990). Structural model evaluation and modification: An
interval estimation approach. Multivariate Behavioral Research, 25(2),
173–180.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from ._checks import CrmLabError, check_choice, check_columns, check_confidence, check_frame, numeric_columns
from .results import Result, format_table, tidy_table
from .schema import LIKERT_MAX, LIKERT_MIN
from .stats import TestResult, _ncx2_bound

__all__ = [
    "ConvergenceError",
    "CUTOFFS",
    "MeasurementError",
    "Reliability",
    "SEMResult",
    "cfa",
    "chi2_difference",
    "compare_models",
    "ModelComparison",
    "htmt",
    "parse_model",
    "regressions",
    "reliability",
    "reliability_table",
    "scale_scores",
    "sem",
]

#: Hu & Bentler (1999) cut-offs: (index, direction, threshold).
CUTOFFS = {
    "cfi": (">=", 0.95),
    "tli": (">=", 0.95),
    "rmsea": ("<=", 0.06),
    "srmr": ("<=", 0.08),
}

#: The fewest complete cases a reliability or a model is computed on.
MIN_CASES = 10


class MeasurementError(CrmLabError):
    """Bad input to a measurement function: names what and where."""


class ConvergenceError(RuntimeError):
    """The optimiser did not converge; no estimates are reported."""


# --------------------------------------------------------------------------
# Model syntax (the lavaan subset the notebooks use)
# --------------------------------------------------------------------------
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_START = re.compile(r"^start\(\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\)$")
_LABEL_CALL = re.compile(r"""^label\(\s*["']([A-Za-z_][A-Za-z0-9_.]*)["']\s*\)$""")

#: lavaan operators this module does not fit, checked in this order (longer tokens first), with the remedy.
_UNSUPPORTED = (
    ("~*~", "scaling factors ('~*~', for ordinal items) are not supported: fit the items as continuous"),
    ("<~", "formative (composite) indicators ('<~') are not supported: model the construct reflectively "
           "('f =~ a + b + c') or use a scale score (scale_scores)"),
    ("==", "equality constraints ('==') are not supported: give the parameters the same label instead "
           "(e.g. 'f =~ a*x1 + a*x2')"),
    ("<", "inequality constraints ('<') are not supported: remove the line"),
    (">", "inequality constraints ('>') are not supported: remove the line"),
    ("|", "thresholds of ordinal items ('|') are not supported: fit the items as continuous"),
    ("%", "multi-group or block syntax ('%') is not supported: fit each group separately"),
)


def _statements(model: str) -> list[str]:
    if not isinstance(model, str) or not model.strip():
        raise MeasurementError(f"the model must be lavaan syntax in a non-empty string (got {model!r})")
    out = []
    for raw in re.split(r"[\n;]", model):
        line = re.split(r"[#!]", raw, maxsplit=1)[0].strip()
        if line:
            _operator(line)  # refuses what cannot be read or fitted
            out.append(line)
    return out


def _operator(line: str) -> str:
    """The lavaan operator of a model line; an unsupported or missing one is refused with the remedy."""
    if ":=" in line:
        return ":="
    for token, why in _UNSUPPORTED:
        if token in line:
            raise MeasurementError(f"cannot fit the model line {line!r}: {why}")
    for op in ("=~", "~~", "~"):
        if op in line:
            return op
    raise MeasurementError(
        f"cannot read the model line {line!r}: expected lavaan syntax 'factor =~ item1 + item2', 'y ~ x', "
        "'a ~~ b' or 'name := expression' (supported operators: =~, ~, ~~, :=)"
    )


@dataclass(frozen=True)
class _Term:
    """One right-hand term of a lavaan line: the variable and its modifiers (``1*x``, ``NA*x``, ``a*x``)."""

    name: str
    fixed: float | None = None
    label: str | None = None
    free: bool = False  # NA*x

    def semopy(self) -> str:
        if self.fixed is not None:
            return f"{self.fixed!r}*{self.name}"
        return f"{self.label}*{self.name}" if self.label else self.name


def _term(text: str, line: str) -> _Term:
    *mods, name = (part.strip() for part in text.strip().split("*"))
    if _NUMBER.match(name) and not mods:
        raise MeasurementError(
            f"cannot fit the model line {line!r}: intercepts and means ('y ~ 1') are not supported, cfa/sem fit "
            "the covariance structure only: remove the term"
        )
    if not _NAME.match(name):
        raise MeasurementError(f"cannot read {text.strip()!r} in the model line {line!r}: expected variable names joined by '+'")
    fixed, label, free = None, None, False
    for mod in mods:
        call = _LABEL_CALL.match(mod)
        if _NUMBER.match(mod):
            fixed = float(mod)
        elif mod == "NA":
            free = True
        elif _START.match(mod):
            pass  # a starting value does not change the ML estimate
        elif call:
            label = call.group(1)
        elif _NAME.match(mod):
            label = mod
        else:
            raise MeasurementError(
                f"cannot fit the model line {line!r}: the modifier {mod!r} of {name!r} is not supported; use a number "
                "to fix the parameter ('1*x'), 'NA' to free it ('NA*x'), a label to name it or to constrain "
                "parameters equal ('a*x') or a starting value ('start(0.5)*x')"
            )
    if fixed is not None and free:
        raise MeasurementError(f"cannot fit the model line {line!r}: {name!r} is both fixed and freed ('NA')")
    return _Term(name, fixed, label, free)


def _terms(rhs: str, line: str) -> list[str]:
    return list(dict.fromkeys(_term(term, line).name for term in rhs.split("+")))


def _merged(terms: list[_Term]) -> list[_Term]:
    """A variable named twice (lavaan's ``NA*x1 + a*x1``) is one term with both modifiers, at its first place."""
    out: dict[str, _Term] = {}
    for t in terms:
        if t.name in out:
            old = out[t.name]
            t = _Term(t.name, t.fixed if t.fixed is not None else old.fixed, t.label or old.label, t.free or old.free)
        out[t.name] = t
    return list(out.values())


@dataclass(frozen=True)
class _Spec:
    """A lavaan model translated to semopy's syntax (what :func:`_translate` returns)."""

    text: str
    defined: tuple = ()  # (name, expression as written, its ast)
    fixed_labels: Mapping = field(default_factory=dict)  # a label on a fixed parameter -> its value
    std_lv: tuple = ()  # factors scaled by a variance fixed to 1 (NA* on the first loading)
    two_fixed: frozenset = frozenset()  # factors whose loadings are all fixed or constrained equal


_FUNCTIONS = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "abs": np.abs}


def _expression(name: str, expr: str, line: str, known: set[str]) -> Any:
    """The parsed right-hand side of a ``:=`` line, refused unless it is arithmetic on known labels."""
    import ast

    if not _NAME.match(name):
        raise MeasurementError(f"cannot read the defined parameter name {name!r} in the model line {line!r}")
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        tree = None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
               ast.UAdd, ast.Name, ast.Load, ast.Constant, ast.Call)
    bad = tree is None or any(not isinstance(node, allowed) for node in ast.walk(tree))
    if not bad:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
                bad = True
            if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS
                                               or len(node.args) != 1 or node.keywords):
                bad = True
    if bad:
        raise MeasurementError(
            f"cannot fit the model line {line!r}: a defined parameter must be arithmetic (+ - * / ^, "
            f"{', '.join(_FUNCTIONS)}) on parameter labels, e.g. 'ab := a*b'"
        )
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - set(_FUNCTIONS)
    unknown = sorted(names - known)
    if unknown:
        raise MeasurementError(
            f"cannot fit the model line {line!r}: {', '.join(map(repr, unknown))} {'is not a label' if len(unknown) == 1 else 'are not labels'} of the model; label "
            "the parameter where it is defined, e.g. 'm ~ a*x' and 'y ~ b*m' for 'ab := a*b'"
        )
    return tree


def _evaluate(node: Any, env: Mapping[str, float]) -> float:
    import ast

    if isinstance(node, ast.Expression):
        return _evaluate(node.body, env)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call):
        return float(_FUNCTIONS[node.func.id](_evaluate(node.args[0], env)))
    a, b = _evaluate(node.left, env), _evaluate(node.right, env)
    with np.errstate(all="ignore"):
        ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide, ast.Pow: np.power}
        return float(ops[type(node.op)](np.float64(a), np.float64(b)))


def _translate(model: str) -> _Spec:
    """lavaan syntax as semopy reads it, faithfully, or a :class:`MeasurementError` naming what is not supported.

    * The first loading of a factor is fixed to 1 (lavaan's marker) unless it is
      ``NA*`` (freed) or a number; a label on it names a fixed parameter.
      semopy instead frees a labelled first loading and reads ``NA`` as a
      label shared by every ``NA*`` term.
    * A factor with no fixed loading is scaled as lavaan's ``std.lv``: its
      variance is fixed to 1 (unless the model fixes it).
    * ``start(v)*x`` is dropped (a starting value); ``label("a")*x`` is ``a*x``.
    * ``name := expression`` lines are kept for :func:`_defined_parameters`.
    """
    body: list[str] = []
    loadings: dict[str, list[_Term]] = {}
    fixed_var: set[str] = set()
    free_var: set[str] = set()
    labels: set[str] = set()
    fixed_labels: dict[str, float] = {}
    defined_lines = []
    for line in _statements(model):
        op = _operator(line)
        if op == ":=":
            name, expr = (s.strip() for s in line.split(":=", 1))
            defined_lines.append((name, expr, line))
            continue
        lhs, rhs = line.split(op, 1)
        terms = [_term(t, line) for t in rhs.split("+")]
        left = [_term(t, line) for t in lhs.split("+")]
        if any(t.fixed is not None or t.label or t.free for t in left):
            raise MeasurementError(f"cannot read the model line {line!r}: modifiers ('1*', 'NA*', labels) go on the right")
        if op == "=~":
            if len(left) != 1:
                raise MeasurementError(f"cannot read the factor name {lhs.strip()!r} in the model line {line!r}")
            loadings.setdefault(left[0].name, []).extend(terms)
            continue
        terms = _merged(terms)
        for a in left:
            for t in terms:
                body.append(f"{a.name} {op} {t.semopy()}")
                if t.label and t.fixed is None:
                    labels.add(t.label)
                elif t.label:
                    fixed_labels[t.label] = t.fixed
                if op == "~~" and a.name == t.name:
                    (fixed_var if t.fixed is not None else free_var).add(a.name)
    head: list[str] = []
    std_lv: list[str] = []
    two_fixed: set[str] = set()
    free_count = 0
    for factor, terms in loadings.items():
        terms = _merged(terms)
        first = terms[0]
        has_fixed = first.fixed is not None or not first.free or any(t.fixed is not None for t in terms[1:])
        out = []
        for i, t in enumerate(terms):
            value = 1.0 if i == 0 and t.fixed is None and not t.free else t.fixed
            if value is None and t.label in fixed_labels:  # the label of a fixed parameter: equal to it
                value = fixed_labels[t.label]
            if value is not None:
                out.append(f"{value!r}*{t.name}")
                if t.label:
                    fixed_labels[t.label] = value
            elif t.label:
                out.append(f"{t.label}*{t.name}")
                labels.add(t.label)
            elif has_fixed:
                out.append(t.name)
            else:  # semopy would fix the first unlabelled loading: a unique label keeps every one free
                free_count += 1
                out.append(f"_na{free_count}*{t.name}")
        head.append(f"{factor} =~ " + " + ".join(out))
        if not has_fixed:
            if factor in free_var:
                raise MeasurementError(
                    f"factor {factor!r} is not scaled: 'NA*' frees its first loading and its variance is free too; "
                    f"fix its variance ('{factor} ~~ 1*{factor}') or one loading ('1*{first.name}')"
                )
            if factor not in fixed_var:
                body.append(f"{factor} ~~ 1.0*{factor}")
                std_lv.append(factor)
        free_loads = [t for t, o in zip(terms, out) if not _NUMBER.match(o.split("*")[0])]
        if not free_loads or (len({t.label for t in free_loads}) == 1 and free_loads[0].label and len(free_loads) > 1):
            two_fixed.add(factor)
    defined = []
    known = labels | set(fixed_labels)
    for name, expr, line in defined_lines:
        defined.append((name, expr, _expression(name, expr, line, known)))
        known.add(name)
    return _Spec(text="\n".join(head + body), defined=tuple(defined), fixed_labels=fixed_labels,
                 std_lv=tuple(std_lv), two_fixed=frozenset(two_fixed))


def parse_model(model: str) -> dict[str, list[str]]:
    """The measurement part of a lavaan model: factor → its indicators.

    Parameters
    ----------
    model : str
        lavaan syntax; lines ``f =~ a + b + c`` define factors (an indicator
        may itself be a factor, for second-order models).  Other lines
        (``~`` regressions, ``~~`` covariances, ``:=`` defined parameters)
        are ignored here; fixed or labelled terms such as ``1*a`` or
        ``NA*a`` are read as ``a``.  Operators that :func:`cfa` cannot fit
        (``<~``, ``|``, ``==``, ``<``, ``>``, ``~*~``, ``~ 1``) are refused
        with a :class:`MeasurementError` saying what to do instead.

    Returns
    -------
    dict
        ``{factor: [indicator, ...]}`` in the order of the model.

    Examples
    --------
    >>> parse_model("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5")
    {'visual': ['x1', 'x2', 'x3'], 'textual': ['x4', 'x5']}
    """
    factors = _factors(model)
    if not factors:
        raise MeasurementError("the model defines no factor: expected at least one line 'factor =~ item1 + item2 + ...'")
    return factors


def _factors(model: str) -> dict[str, list[str]]:
    """:func:`parse_model` that allows none (a path model of observed variables)."""
    factors: dict[str, list[str]] = {}
    for line in _statements(model):
        if "=~" not in line:
            continue
        lhs, rhs = line.split("=~", 1)
        lhs = lhs.strip()
        if not _NAME.match(lhs):
            raise MeasurementError(f"cannot read the factor name {lhs!r} in the model line {line!r}")
        factors.setdefault(lhs, []).extend(_terms(rhs, line))
    return {f: list(dict.fromkeys(items)) for f, items in factors.items()}


def regressions(model: str) -> list[tuple[str, str]]:
    """The structural part of a lavaan model: ``(outcome, predictor)`` pairs of its ``~`` lines."""
    pairs = []
    for line in _statements(model):
        if "=~" in line or "~~" in line or "~" not in line:
            continue
        lhs, rhs = line.split("~", 1)
        for outcome in _terms(lhs, line):
            pairs.extend((outcome, p) for p in _terms(rhs, line))
    return pairs


def _observed(model: str, factors: dict[str, list[str]] | None = None) -> list[str]:
    """Variables of the model that are not factors: the columns it needs."""
    factors = _factors(model) if factors is None else factors
    names: list[str] = []
    for items in factors.values():
        names += items
    for outcome, predictor in regressions(model):
        names += [outcome, predictor]
    for line in _statements(model):
        if "~~" in line:
            lhs, rhs = line.split("~~", 1)
            names += _terms(lhs, line) + _terms(rhs, line)
    return list(dict.fromkeys(n for n in names if n not in factors))


def _scales(model_or_scales: str | Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """First-order factors and their items, from a model string or a mapping."""
    if isinstance(model_or_scales, str):
        factors = parse_model(model_or_scales)
    elif isinstance(model_or_scales, Mapping):
        factors = {str(k): list(v) for k, v in model_or_scales.items()}
    else:
        raise MeasurementError(
            f"expected a lavaan model string or a mapping factor -> items (got {type(model_or_scales).__name__})"
        )
    first = {f: items for f, items in factors.items() if not any(i in factors for i in items)}
    if not first:
        raise MeasurementError("the model has no first-order factor (one measured by observed items)")
    return first


# --------------------------------------------------------------------------
# Data checks: the shared ones, plus what measurement theory adds
# --------------------------------------------------------------------------
def _items(data: Any, columns: Sequence[str], *, what: str) -> pd.DataFrame:
    """The named columns as floats, listwise complete (dropped rows counted in a warning).

    On top of :func:`crm_lab._checks.numeric_columns` (``missing="drop"``),
    measurement theory asks for :data:`MIN_CASES` complete cases (and more
    than one per variable) and for items that vary.
    """
    columns = list(columns)
    frame = numeric_columns(data, columns, what=what, missing="drop", min_rows=0, error=MeasurementError)
    need = max(MIN_CASES, len(columns) + 1)
    if len(frame) < need:
        raise MeasurementError(
            f"{what}: too few complete cases: {len(frame)} (need at least {need} for {len(columns)} variables)"
        )
    x = frame.to_numpy()
    constant = [c for c, same in zip(frame.columns, (x == x[0]).all(axis=0)) if same]
    if constant:
        raise MeasurementError(
            f"{what}: column(s) {', '.join(map(repr, constant))} are constant (every complete row has the same "
            "value): a constant item carries no information about the construct"
        )
    return frame


# --------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------
_CITATION_ALPHA = (
    "Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika, 16, 297–334; "
    "Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient alpha. Applied "
    "Psychological Measurement, 11, 93–103; McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum."
)


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def _feldt_ci(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987, p. 95, formulas 6–7)."""
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (
        float(1 - (1 - alpha) * sps.f.ppf(1 - tail, df1, df2)),
        float(1 - (1 - alpha) * sps.f.ppf(tail, df1, df2)),
    )


@dataclass(frozen=True, eq=False)
class Reliability(Result):
    """Internal consistency of one scale (see :func:`reliability`).

    Attributes
    ----------
    table : DataFrame
        Rows ``alpha`` (Cronbach's α, its Feldt interval in ``ci_low`` /
        ``ci_high``) and ``omega`` (McDonald's ω, no interval): the columns
        :data:`~crm_lab.results.TABLE_COLUMNS` (``statistic``, ``df``,
        ``p_value`` are NaN: nothing is tested).
    meta : dict
        ``n`` (complete cases), ``k`` (items), ``confidence``, ``method``,
        ``citation``, ``name``.
    items : DataFrame
        Per item: ``mean``, ``sd``, ``item_total_r`` (corrected item–total
        correlation) and ``alpha_if_dropped``.

    ``alpha``, ``alpha_ci``, ``omega``, ``n``, ``k``, ``confidence`` and
    ``name`` read them.
    """

    table: pd.DataFrame
    meta: dict
    items: pd.DataFrame = field(repr=False)

    _dict_fields = ("items",)

    @property
    def alpha(self) -> float:
        return float(self.table.loc["alpha", "estimate"])

    @property
    def alpha_ci(self) -> tuple[float, float]:
        return float(self.table.loc["alpha", "ci_low"]), float(self.table.loc["alpha", "ci_high"])

    @property
    def omega(self) -> float:
        return float(self.table.loc["omega", "estimate"])

    @property
    def n(self) -> int:
        return int(self.meta["n"])

    @property
    def k(self) -> int:
        return int(self.meta["k"])

    @property
    def confidence(self) -> float:
        return float(self.meta["confidence"])

    @property
    def name(self) -> str:
        return str(self.meta.get("name", ""))

    @property
    def title(self) -> str:
        return f"Reliability of {self.name}" if self.name else "Reliability"

    def report(self, decimals: int = 2) -> str:
        """One line: ``α = .85, 95% CI [.83, .87], ω = .86, k = 3, n = 684``."""
        def f(x: float) -> str:
            text = f"{x:.{decimals}f}"
            return text.replace("0.", ".", 1) if abs(x) < 1 else text

        level = f"{self.confidence * 100:g}%"
        label = f"{self.name}: " if self.name else ""
        low, high = self.alpha_ci
        return (
            f"{label}α = {f(self.alpha)}, {level} CI [{f(low)}, {f(high)}], "
            f"ω = {f(self.omega)}, k = {self.k}, n = {self.n:,}"
        )

    def _summary_lines(self, decimals: int) -> list[str]:
        return [self.report(decimals), "", "Items:", format_table(self.items, decimals).to_string(), ""]


def _one_factor_omega(frame: pd.DataFrame) -> float:
    """McDonald's ω from a one-factor model: (Σλ)² / ((Σλ)² + Σθ)."""
    cols = list(frame.columns)
    if len(cols) == 2:  # a 2-item factor is not identified alone; ω reduces to the Spearman–Brown value
        r = float(np.corrcoef(frame.to_numpy(), rowvar=False)[0, 1])
        cov = np.cov(frame.to_numpy(), rowvar=False)
        lam = np.sqrt(np.clip(r, 0, None) * np.sqrt(np.diag(cov)) ** 2)
        theta = np.diag(cov) - lam**2
        return float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()))
    fitted = _fit(frame, "f =~ " + " + ".join(cols), what="omega", kind="cfa")
    var = pd.Series(np.diag(fitted.implied), index=list(fitted.model.vars["observed"])).reindex(cols).to_numpy()
    lam = fitted.loadings.set_index("item")["std_estimate"].reindex(cols).to_numpy() * np.sqrt(var)
    theta = var - lam**2
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum()))


def reliability(items: pd.DataFrame, *, confidence: float = 0.95, name: str = "") -> Reliability:
    """Cronbach's α with its interval, McDonald's ω, and item statistics.

    Parameters
    ----------
    items : DataFrame
        One column per item (at least 2), one row per respondent.  Rows with
        a missing answer are dropped with a warning that counts them.
    confidence : float, default 0.95
        Confidence level of the interval for α.
    name : str, optional
        The scale's name, shown in reports.

    Returns
    -------
    Reliability
        ``table`` (rows ``alpha`` with the Feldt, Woodruff & Salih 1987
        interval, and ``omega``: McDonald's ω total from a one-factor model
        fitted by maximum likelihood), ``meta`` (n, k, confidence, method,
        citation, name) and ``items``: per item its mean, sd, the corrected
        item–total correlation (with the sum of the *other* items) and α if
        the item is dropped.  ``alpha``, ``alpha_ci``, ``omega``, ``n`` and
        ``k`` read them; ``report()`` gives one line.

    Raises
    ------
    MeasurementError
        Fewer than 2 items, a non-numeric or constant item, too few complete
        cases, a confidence outside (0, 1).

    Warns
    -----
    UserWarning
        When α < 0 or an item's corrected item–total correlation is
        negative: names the items that look reverse-keyed (the minority sign
        of the first principal component) and suggests reversing them,
        ``x -> LIKERT_MAX + LIKERT_MIN - x``.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\Bigr)

    The interval uses :math:`(1-\\alpha)/(1-\\hat\\alpha) \\sim F(n-1, (n-1)(k-1))`
    (exact for parallel items under normality).  α is a lower bound of
    reliability unless the items are τ-equivalent; ω drops that assumption
    (only one common factor), so ω ≥ α is usual.

    Tested against R's ``psych::alpha`` (raw α) and the Feldt interval as
    ``cocron`` computes it on the Holzinger & Swineford (1939) data, against
    the closed-form ω of a saturated one-factor model, and by simulation (the
    interval's coverage for parallel items; ω = α for τ-equivalent items).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16, 297–334.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical
    inference for coefficient alpha. *Applied Psychological Measurement*, 11,
    93–103.

    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> reliability(holzinger39.get_data()[["x4", "x5", "x6"]], name="textual").report()
    'textual: α = .88, 95% CI [.86, .90], ω = .89, k = 3, n = 301'
    """
    confidence = check_confidence(confidence, error=MeasurementError)
    check_frame(items, "reliability", error=MeasurementError)
    what = f"reliability of {name!r}" if name else "reliability"
    if items.shape[1] < 2:
        raise MeasurementError(f"{what}: needs at least 2 items (got {items.shape[1]}: {list(items.columns)})")
    frame = _items(items, list(items.columns), what=what)
    x = frame.to_numpy()
    n, k = x.shape
    cov = np.cov(x, rowvar=False)
    alpha = float(_alpha(cov))
    total = x.sum(axis=1)
    rest = total[:, None] - x
    item_total = np.array([np.corrcoef(x[:, j], rest[:, j])[0, 1] for j in range(k)])
    if k > 2:
        keep = ~np.eye(k, dtype=bool)
        dropped = np.array([_alpha(cov[np.ix_(keep[j], keep[j])]) for j in range(k)])
    else:
        dropped = np.full(k, np.nan)  # α of one item is undefined
    stats_table = pd.DataFrame(
        {"mean": x.mean(axis=0), "sd": x.std(axis=0, ddof=1), "item_total_r": item_total, "alpha_if_dropped": dropped},
        index=pd.Index([str(c) for c in frame.columns], name="item"),
    )
    if alpha < 0 or (item_total < 0).any():
        # the reverse-keyed items: the minority sign of the first principal component (one reversed item also
        # drags down the item-total r of the items it is summed with), else the items with a negative r
        pc = np.linalg.eigh(np.corrcoef(x, rowvar=False))[1][:, -1]
        if (pc < 0).sum() > (pc > 0).sum() or ((pc < 0).sum() == (pc > 0).sum() and pc.sum() < 0):
            pc = -pc
        names = [str(c) for c in frame.columns]
        flagged = [j for j in range(k) if pc[j] < 0] or [j for j in range(k) if item_total[j] < 0]
        shown = ", ".join(f"{names[j]!r} (corrected item-total r = {item_total[j]:.2f})" for j in flagged)
        warnings.warn(
            f"{what}: α = {alpha:.2f}; item(s) {shown} correlate negatively with the rest of the scale: they look "
            "reverse-keyed. Reverse them before measuring the scale, "
            f"x -> LIKERT_MAX + LIKERT_MIN - x (= {LIKERT_MAX + LIKERT_MIN} - x on the {LIKERT_MIN}-{LIKERT_MAX} "
            "items), or drop them",
            UserWarning, stacklevel=2,
        )
    low, high = _feldt_ci(alpha, n, k, confidence)
    table = tidy_table({"estimate": [alpha, _one_factor_omega(frame)], "ci_low": [low, np.nan],
                        "ci_high": [high, np.nan]}, index=["alpha", "omega"], name="coefficient")
    meta = {"n": int(n), "k": int(k), "confidence": confidence, "name": name,
            "method": "Cronbach's alpha with the Feldt-Woodruff-Salih F interval; McDonald's omega total from a "
                      "one-factor ML model (semopy); listwise complete cases",
            "citation": _CITATION_ALPHA}
    return Reliability(table=table, meta=meta, items=stats_table)


def reliability_table(
    data: pd.DataFrame, model_or_scales: str | Mapping[str, Sequence[str]], *, confidence: float = 0.95
) -> pd.DataFrame:
    """:func:`reliability` of every first-order factor, one row each.

    Parameters
    ----------
    data : DataFrame
        Item scores.
    model_or_scales : str or mapping
        A lavaan-syntax model (its first-order factors) or ``name -> items``.
    confidence : float, default 0.95
        Level of the interval for α.

    Returns
    -------
    DataFrame
        Index ``factor``; columns ``k, n, alpha, alpha_low, alpha_high,
        omega`` (α's interval at *confidence*; each scale on its own
        complete cases).

    Notes
    -----
    Tested against R's ``psych::alpha`` (raw α) and the Feldt interval on the
    Holzinger & Swineford (1939) data.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16, 297–334.

    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> reliability_table(holzinger39.get_data(), "speed =~ x7 + x8 + x9").round(2)["alpha"].tolist()
    [0.69]
    """
    scales = _scales(model_or_scales)
    check_columns(data, list(dict.fromkeys(i for its in scales.values() for i in its)), what="reliability_table",
                  error=MeasurementError)
    rows = {}
    for factor, items in scales.items():
        rel = reliability(data.loc[:, list(items)], confidence=confidence, name=factor)
        low, high = rel.alpha_ci
        rows[factor] = {"k": rel.k, "n": rel.n, "alpha": rel.alpha, "alpha_low": low, "alpha_high": high,
                        "omega": rel.omega}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "factor"
    return out


def scale_scores(data: pd.DataFrame, model_or_scales: str | Mapping[str, Sequence[str]], *,
                 missing: str = "keep") -> pd.DataFrame:
    """The mean item score of every first-order factor, one column each.

    Parameters
    ----------
    data : DataFrame
        Item scores.
    model_or_scales : str or mapping
        A lavaan-syntax model (its first-order factors) or ``name -> items``.
    missing : {"keep", "raise", "drop"}, default "keep"
        A respondent with a missing item gets NaN for that scale, with a
        warning that counts them (``"keep"``: a mean over fewer items is a
        different measure); ``"raise"`` names the columns and rows;
        ``"drop"`` drops the rows with any missing item of any scale (with a
        warning).  See :func:`crm_lab._checks.numeric_columns`.

    Returns
    -------
    DataFrame
        One float column per factor, the index of *data* (fewer rows with
        ``missing="drop"``).

    Notes
    -----
    The unweighted mean of the items (a "summated scale" on the items'
    own 1–7 metric).  Tested against pandas' row means of the survey items.

    References
    ----------
    Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2019).
    *Multivariate data analysis* (8th ed., ch. 3, "summated scales").
    Cengage.

    Examples
    --------
    >>> d = pd.DataFrame({"a1": [1, 2], "a2": [3, 4], "b1": [5, 6], "b2": [7, 8]})
    >>> scale_scores(d, {"a": ["a1", "a2"], "b": ["b1", "b2"]})["b"].tolist()
    [6.0, 7.0]
    """
    check_choice(missing, "missing", ("keep", "raise", "drop"), error=MeasurementError)
    scales = _scales(model_or_scales)
    items = list(dict.fromkeys(i for its in scales.values() for i in its))
    frame = numeric_columns(data, items, what="scale scores", missing=missing, error=MeasurementError)
    out = {}
    for factor, its in scales.items():
        incomplete = frame[list(its)].isna().any(axis=1)
        if incomplete.any():
            warnings.warn(
                f"scale score of {factor!r}: {int(incomplete.sum())} of {len(frame)} rows have a missing item "
                "and get NaN", UserWarning, stacklevel=2,
            )
        out[factor] = frame[list(its)].mean(axis=1, skipna=False)
    return pd.DataFrame(out, index=frame.index)


# --------------------------------------------------------------------------
# CFA and SEM
# --------------------------------------------------------------------------
_CITATION_SEM = (
    "Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for structural equation modeling. "
    "Structural Equation Modeling, 27(6), 952–963; fit indices as lavaan (Rosseel, Y. (2012). lavaan: An R "
    "package for structural equation modeling. Journal of Statistical Software, 48(2), 1–36)."
)

#: The columns of :attr:`SEMResult.estimates` (and of ``loadings`` / ``paths`` / ``covariances``).
ESTIMATE_COLUMNS = ("lhs", "op", "rhs", "estimate", "std_estimate", "se", "z", "p_value")


@dataclass(frozen=True, eq=False)
class SEMResult(Result):
    """A fitted CFA or SEM (see :func:`cfa`).

    Attributes
    ----------
    table : DataFrame
        One row per parameter (index ``"lhs op rhs"``, named ``parameter``)
        in lavaan's order — loadings, regressions, (co)variances: the columns
        :data:`~crm_lab.results.TABLE_COLUMNS` (``statistic`` = Wald z,
        ``ci_low`` / ``ci_high`` its normal-approximation interval at
        ``meta["confidence"]``, ``df`` NaN; fixed parameters have NaN
        standard errors), then ``lhs``, ``op`` (lavaan's ``=~`` loadings,
        ``~`` regressions, ``~~`` (co)variances), ``rhs`` and
        ``std_estimate`` (lavaan's ``std.all``).
    meta : dict
        ``n`` (complete cases), ``confidence``, ``method``, ``citation``,
        ``model`` (the lavaan syntax fitted), ``kind`` (``"cfa"``/``"sem"``).
    fit : dict
        ``n, npar, chi2, df, p_value, cfi, tli, rmsea, rmsea_low, rmsea_high,
        srmr, loglik, aic, bic, baseline_chi2, baseline_df``.
    factor_correlations : DataFrame
        Model-implied correlations of the factors.
    validity : DataFrame
        Per factor: ``level`` (1 = measured by items, 2 = by factors), ``k``,
        ``cr``, ``ave``, ``sqrt_ave``, ``omega``, ``max_r`` (largest
        correlation with another factor) and ``fornell_larcker_ok``.
    model : semopy.Model
        The fitted semopy model.
    implied : ndarray
        The model-implied covariance of the observed variables (in the order
        of ``model.vars["observed"]``).

    ``estimates`` (the table as ``lhs, op, rhs, estimate, std_estimate, se,
    z, p_value``), ``loadings`` (``factor, item, ...``), ``paths``,
    ``covariances``, ``fornell_larcker``, ``fit_table``, ``n`` and
    ``report()`` read them.
    """

    table: pd.DataFrame
    meta: dict
    fit: dict
    factor_correlations: pd.DataFrame
    validity: pd.DataFrame
    model: Any = field(repr=False)
    implied: np.ndarray = field(repr=False, default=None)

    _dict_fields = ("fit", "factor_correlations", "validity")

    @property
    def n(self) -> int:
        return int(self.meta["n"])

    @property
    def model_text(self) -> str:
        return str(self.meta["model"])

    @property
    def title(self) -> str:
        kind = "Confirmatory factor analysis" if self.meta.get("kind") == "cfa" else "Structural equation model"
        return f"{kind}: parameter estimates"

    @property
    def estimates(self) -> pd.DataFrame:
        """Every parameter: ``lhs, op, rhs, estimate, std_estimate, se, z, p_value``."""
        out = self.table.rename(columns={"statistic": "z"}).reset_index(drop=True)
        return out[list(ESTIMATE_COLUMNS)]

    @property
    def loadings(self) -> pd.DataFrame:
        est = self.estimates
        rows = est[est["op"] == "=~"]
        return rows.drop(columns="op").rename(columns={"lhs": "factor", "rhs": "item"}).reset_index(drop=True)

    @property
    def paths(self) -> pd.DataFrame:
        est = self.estimates
        return est[est["op"] == "~"].drop(columns="op").reset_index(drop=True)

    @property
    def covariances(self) -> pd.DataFrame:
        est = self.estimates
        rows = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
        return rows.drop(columns="op").reset_index(drop=True)

    @property
    def fornell_larcker(self) -> pd.DataFrame:
        """√AVE on the diagonal, |factor correlations| off it (Fornell & Larcker 1981)."""
        names = list(self.validity.index)
        out = self.factor_correlations.loc[names, names].abs().copy()
        for f in names:
            out.loc[f, f] = self.validity.loc[f, "sqrt_ave"]
        return out

    @property
    def fit_table(self) -> pd.DataFrame:
        """The fit indices beside the Hu & Bentler (1999) cut-offs."""
        rows = []
        f = self.fit
        rows.append(("chi2", f["chi2"], f"df = {f['df']}, p = {f['p_value']:.3g}", "exact fit rejected" if f["p_value"] < 0.05 else "not rejected"))
        for key, label in (("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("srmr", "SRMR")):
            op, cut = CUTOFFS[key]
            ok = f[key] >= cut if op == ">=" else f[key] <= cut
            note = f"{op} {cut:g}"
            if key == "rmsea":
                note += f"; 90% CI [{f['rmsea_low']:.3f}, {f['rmsea_high']:.3f}]"
            rows.append((label, f[key], note, "meets" if ok else "misses"))
        return pd.DataFrame(rows, columns=["index", "value", "cut-off (Hu & Bentler 1999)", "verdict"]).set_index("index")

    def report(self) -> str:
        """One line: ``χ²(24) = 85.31, p < .001; CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065; n = 301``."""
        f = self.fit

        def d(x: float) -> str:
            return f"{x:.3f}".replace("0.", ".", 1)

        p = "p < .001" if f["p_value"] < 0.001 else f"p = {d(f['p_value'])}"
        return (
            f"χ²({f['df']}) = {f['chi2']:.2f}, {p}; CFI = {d(f['cfi'])}, TLI = {d(f['tli'])}, "
            f"RMSEA = {d(f['rmsea'])} [{d(f['rmsea_low'])}, {d(f['rmsea_high'])}], SRMR = {d(f['srmr'])}; n = {self.n:,}"
        )

    def _summary_lines(self, decimals: int) -> list[str]:
        return [self.report(), "", "Fit:", self.fit_table.to_string(float_format=lambda x: f"{x:.{decimals}f}"), "",
                "Validity:", self.validity.to_string(float_format=lambda x: f"{x:.{decimals}f}"), ""]


def _check_model_names(factors: dict[str, list[str]], model: str, data: pd.DataFrame) -> list[str]:
    clash = [f for f in factors if f in data.columns]
    if clash:
        raise MeasurementError(
            f"factor name(s) {', '.join(map(repr, clash))} are also columns of the data: rename the factor(s)"
        )
    single = [f for f, items in factors.items() if len(items) < 2]
    if single:
        raise MeasurementError(f"factor(s) {', '.join(map(repr, single))} have fewer than 2 indicators")
    return _observed(model, factors)


#: Items whose standard deviations differ by more than this factor are refused: semopy's optimiser stops
#: short on such data (an item rescaled by 1e4 already gives wrong estimates with no error).
MAX_SD_RATIO = 1e3

#: A standard error above this many times the parameter's scale marks an (empirically) unidentified model.
MAX_SE_RATIO = 1e4


def _check_data(frame: pd.DataFrame, what: str) -> None:
    """Refuse perfectly collinear items (a singular covariance matrix) and items on wildly different scales."""
    x = frame.to_numpy()
    sd = x.std(axis=0, ddof=1)
    names = [str(c) for c in frame.columns]
    big, small = int(np.argmax(sd)), int(np.argmin(sd))
    if sd[big] > MAX_SD_RATIO * sd[small]:
        raise MeasurementError(
            f"{what}: the variables are on very different scales: {names[big]!r} has SD {sd[big]:.3g}, "
            f"{names[small]!r} {sd[small]:.3g} (ratio {sd[big] / sd[small]:.3g} > {MAX_SD_RATIO:g}), which the ML "
            "optimiser cannot fit reliably; standardise the variables ((x - mean) / sd) or rescale "
            f"{names[big]!r} (e.g. to thousands) before fitting"
        )
    if len(names) < 2:
        return
    values, vectors = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    null = values < 1e-10 * len(names)
    if null.any():
        weights = np.abs(vectors[:, null]).max(axis=1)
        involved = [n for n, w in zip(names, weights) if w > 1e-4]
        raise MeasurementError(
            f"{what}: the items {', '.join(map(repr, involved))} are perfectly collinear (their covariance matrix is "
            "singular: one is an exact linear combination of the others, e.g. a duplicate, a rescaled copy or a "
            "total score); drop one of them from the model"
        )


def _check_identification(m: Any, spec: _Spec, factors: dict[str, list[str]], what: str) -> None:
    """Refuse a model that is not identified, before fitting: each 2-indicator factor needs a partner, df ≥ 0."""
    linked: dict[str, set[str]] = {}
    for kind in ("beta", "lambda", "psi"):
        mx = getattr(m, "mx_" + kind, None)
        if mx is None:
            continue
        rows, cols = getattr(m, "names_" + kind)
        for param in m.parameters.values():
            if not param.active and not param.start:  # a parameter fixed to a non-zero value still links
                continue
            for loc in param.locations:
                if loc.matrix is mx:
                    a, b = rows[loc.indices[0]], cols[loc.indices[1]]
                    if a != b:
                        linked.setdefault(a, set()).add(b)
                        linked.setdefault(b, set()).add(a)
    for f, items in factors.items():
        if len(items) != 2 or f in spec.two_fixed:
            continue
        partners = linked.get(f, set()) - set(items)
        if not partners:
            raise MeasurementError(
                f"{what}: factor {f!r} is not identified: a factor alone needs at least 3 indicators, or 2 with a "
                f"correlated partner factor (it has {items[0]!r} and {items[1]!r} and no free covariance or path to "
                "another factor); add a third indicator, let it correlate with another factor, or fix both loadings "
                f"('{f} =~ 1*{items[0]} + 1*{items[1]}')"
            )
    p = len(m.vars["observed"])
    n_free = sum(1 for param in m.parameters.values() if param.active)
    moments = p * (p + 1) // 2
    if n_free > moments:
        raise MeasurementError(
            f"{what}: the model is not identified: it has {n_free} free parameters but the {p} observed variables "
            f"give only {moments} variances and covariances (df = {moments - n_free} < 0); add indicators, fix "
            "parameters (e.g. '0*' on a covariance) or remove free covariances and paths"
        )


def _unmarked_starts(m: Any, frame: pd.DataFrame) -> None:
    """Starting values for the loadings of factors with no marker (``NA*``, scaled by their variance).

    semopy starts a loading by regressing the item on the factor's marker item and loops forever when the
    factor has none: such loadings start at 0.7 SD of the item (0.7 for a factor's loading on a factor).
    """
    marker = m.first_manifs
    observed = set(m.vars["observed"])
    sd = frame.std(ddof=1)

    def unmarked(latent: str) -> bool:
        seen = set()
        while latent not in observed:
            if latent is None or latent in seen or latent not in marker:
                return True
            seen.add(latent)
            latent = marker[latent]
        return False

    for kind in ("lambda", "beta"):
        mx = getattr(m, "mx_" + kind, None)
        if mx is None:
            continue
        rows, cols = getattr(m, "names_" + kind)
        for param in m.parameters.values():
            if param.start is not None:
                continue
            for loc in param.locations:
                if loc.matrix is mx and cols[loc.indices[1]] in m.vars["latent"] and unmarked(cols[loc.indices[1]]):
                    item = rows[loc.indices[0]]
                    param.start = 0.7 * float(sd[item]) if item in sd.index else 0.7
                    break


def _fit(data: pd.DataFrame, model: str, *, what: str, kind: str) -> SEMResult:
    import semopy  # imported here: semopy is slow to import and only this path needs it

    check_frame(data, what, error=MeasurementError)
    spec = _translate(model)
    factors = parse_model(model) if kind == "cfa" else _factors(model)
    if not factors and not regressions(model):
        raise MeasurementError(f"{what}: the model defines neither a factor ('f =~ a + b') nor a regression ('y ~ x')")
    frame = _items(data, _check_model_names(factors, model, data), what=what)
    _check_data(frame, what)
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)  # semopy logs to the root logger ("No fixed loadings"): checked here instead
    try:
        sem_model = semopy.Model(spec.text)
        _check_identification(sem_model, spec, factors, what)
        if spec.std_lv:
            _unmarked_starts(sem_model, frame)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # semopy's own numerical chatter; convergence is checked below
            result = sem_model.fit(frame, obj="MLW")
    finally:
        logging.disable(quiet)
    if not result.success or not np.isfinite(result.fun):
        raise ConvergenceError(
            f"{what}: the optimiser did not converge ({result.message}); no estimates are reported. "
            "Check the model (identification, factor names) and the data (enough cases, items that vary)."
        )
    return _assemble(sem_model, model, factors, kind, spec=spec, what=what)


def _rmsea_interval(chi2: float, df: int, n: int, confidence: float = 0.90) -> tuple[float, float]:
    """Steiger's (1990) interval: the noncentralities λ with P(χ²(df, λ) ≤ χ²) = 1 − tail and tail."""
    tail = (1 - confidence) / 2
    return tuple(math.sqrt(_ncx2_bound(chi2, df, target) / (df * n)) for target in (1 - tail, tail))


def _fit_indices(m: Any, sigma: np.ndarray, n_free: int) -> dict:
    """χ², CFI, TLI, RMSEA (90% CI), SRMR, log-likelihood, AIC, BIC on lavaan's scale.

    The baseline (independence) model's χ² is closed-form: its ML estimate is
    diag(S), so :math:`\\chi^2_B = N(\\sum_i \\log s_{ii} - \\log|S|)` on
    :math:`p(p+1)/2 - (p - p_x)` df (:math:`p_x` observed exogenous variables,
    whose variances semopy fixes) — the value semopy's ``calc_stats`` gets by
    fitting the baseline model.
    """
    s = np.asarray(m.mx_cov)  # the ML (N-divisor) sample covariance, as lavaan's
    p = s.shape[0]
    n = int(m.n_samples)
    chi2 = float(n * m.last_result.fun)
    df = p * (p + 1) // 2 - n_free
    logdet_s = np.linalg.slogdet(s)[1]
    chi2_b = float(n * (np.log(np.diag(s)).sum() - logdet_s))
    exogenous = len(set(m.vars["observed"]) & set(m.vars["exogenous"]))
    df_b = p * (p + 1) // 2 - (p - exogenous)
    d, d_b = max(chi2 - df, 0.0), max(chi2_b - df_b, 0.0)
    cfi = 1.0 if max(d, d_b) == 0 else 1 - d / max(d, d_b)
    if df > 0 and df_b > 0 and chi2_b / df_b > 1:
        tli = ((chi2_b / df_b) - (chi2 / df)) / ((chi2_b / df_b) - 1)
    else:
        tli = math.nan
    if df > 0:
        rmsea = math.sqrt(d / (df * n))
        lo, hi = _rmsea_interval(chi2, df, n)
    else:
        rmsea = lo = hi = 0.0
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))
    sign, logdet = np.linalg.slogdet(sigma)
    loglik = (float(-n / 2 * (p * math.log(2 * math.pi) + logdet + np.trace(np.linalg.solve(sigma, s))))
              if sign > 0 else math.nan)
    return {
        "n": n,
        "npar": n_free,
        "chi2": chi2,
        "df": df,
        "p_value": float(special.chdtrc(df, chi2)) if df > 0 else math.nan,
        "cfi": float(min(max(cfi, 0.0), 1.0)),
        "tli": float(min(max(tli, 0.0), 1.0)) if not math.isnan(tli) else math.nan,
        "rmsea": rmsea,
        "rmsea_low": lo,
        "rmsea_high": hi,
        "srmr": srmr,
        "loglik": loglik,
        "aic": -2 * loglik + 2 * n_free,
        "bic": -2 * loglik + math.log(n) * n_free,
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
    }


def _standard_errors(m: Any, sigma: np.ndarray, lc: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of the free parameters (and their covariance) from the expected information, as semopy's ``calc_se``.

    :math:`I_{ab} = \\tfrac{N}{2}\\,\\mathrm{tr}(\\Sigma^{-1}\\partial_a\\Sigma\\,\\Sigma^{-1}\\partial_b\\Sigma)`,
    all pairs in one product instead of semopy's double loop.
    """
    from semopy.utils import chol_inv

    grads = np.asarray(m.calc_sigma_grad(lc, c), dtype=float)  # (k, p, p)
    if grads.ndim != 3:
        k = len(m.param_vals)
        return np.full(k, np.nan), np.full((k, k), np.nan)
    a = grads @ np.linalg.inv(sigma)
    k = a.shape[0]
    info = m.n_samples / 2 * (a.reshape(k, -1) @ a.transpose(0, 2, 1).reshape(k, -1).T)
    try:
        cov = chol_inv(info)
    except np.linalg.LinAlgError:
        warnings.warn("the information matrix is not positive definite (the model may not be identified): "
                      "standard errors use its pseudo-inverse", UserWarning, stacklevel=4)
        cov = np.linalg.pinv(info)
    variances = np.diagonal(cov).copy()
    variances[(variances < 0) & (variances > -1e-1)] = 1e-12  # semopy's convention for rounding noise
    variances[variances < 0] = np.nan
    return np.sqrt(variances), cov


_OPS = {"=~": 0, "~": 1, "~~": 2}


def _parameter_table(m: Any, factors: dict[str, list[str]], sigma: np.ndarray, inner_cov: np.ndarray,
                     se: np.ndarray, confidence: float) -> pd.DataFrame:
    """Every parameter of a semopy ``Model`` with lavaan's operators and order (what ``inspect`` lists)."""
    vals = np.asarray(m.param_vals, dtype=float)
    active = {name: i for i, name in enumerate(k for k, p in m.parameters.items() if p.active)}
    obs_exo = set(m.vars["observed"]) & set(m.vars["exogenous"])
    stds = np.sqrt(np.diag(inner_cov))
    std_full = np.sqrt(np.diag(sigma))
    rows = []
    for kind, op in (("beta", "~"), ("lambda", "~"), ("psi", "~~"), ("theta", "~~")):
        mx = getattr(m, "mx_" + kind, None)
        if mx is None:
            continue
        rows_names, col_names = getattr(m, "names_" + kind)
        for name, param in m.parameters.items():
            for loc in param.locations:
                if loc.matrix is not mx:
                    continue
                i, j = loc.indices
                a, b = rows_names[i], col_names[j]
                if param.active:
                    pos = active[name]
                    value, err = vals[pos], se[pos]
                else:
                    if kind == "psi" and a in obs_exo and b in obs_exo:
                        continue  # fixed to the sample moments, as semopy's inspect
                    value, err = float(param.start), math.nan
                if kind == "beta":
                    std = value / stds[i] * stds[j]
                elif kind == "lambda":
                    std = value * stds[j] / std_full[i]
                elif kind == "psi":
                    std = value / stds[i] / stds[j]
                else:
                    std = value / std_full[i] / std_full[j]
                if op == "~" and b in factors and a in factors[b]:
                    a, op_out, b = b, "=~", a  # a loading, written lavaan's way
                else:
                    op_out = op
                rows.append((a, op_out, b, value, std, err))
    rank = {name: i for i, name in enumerate([*factors, *(i for items in factors.values() for i in items)])}
    last = len(rank)
    # a covariance is symmetric: name it lavaan's way, the variable first in the model on the left (semopy's
    # own choice of (i, j) follows set order, which changes between runs)
    rows = [(b, o, a, *rest) if o == "~~" and (rank.get(b, last), b) < (rank.get(a, last), a) else (a, o, b, *rest)
            for a, o, b, *rest in rows]
    rows.sort(key=lambda r: (_OPS[r[1]], rank.get(r[0], last), rank.get(r[2], last)))
    lhs, ops, rhs, est, std, se_ = (list(col) for col in zip(*rows)) if rows else ([],) * 6
    est, se_ = np.asarray(est, dtype=float), np.asarray(se_, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se_
    half = special.ndtri(0.5 + confidence / 2) * se_
    table = pd.DataFrame(
        {"estimate": est, "se": se_, "ci_low": est - half, "ci_high": est + half, "statistic": z,
         "df": np.full(len(rows), np.nan), "p_value": 2 * special.ndtr(-np.abs(z)),
         "lhs": lhs, "op": ops, "rhs": rhs, "std_estimate": np.asarray(std, dtype=float)},
        index=pd.Index([f"{a} {o} {b}" for a, o, b in zip(lhs, ops, rhs)], name="parameter"),
    )
    return table


def _validity(table: pd.DataFrame, factors: dict[str, list[str]], corr: pd.DataFrame,
              implied: np.ndarray, observed: list[str], s: np.ndarray) -> pd.DataFrame:
    std = {(a, b): v for a, o, b, v in zip(table["lhs"], table["op"], table["rhs"], table["std_estimate"]) if o == "=~"}
    idx = {name: i for i, name in enumerate(observed)}
    names = list(corr.index)
    r = np.abs(corr.to_numpy())
    rows = []
    for f, items in factors.items():
        lam = np.array([std.get((f, i), np.nan) for i in items], dtype=float)
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        ave = float(np.mean(lam**2))
        level = 2 if any(i in factors for i in items) else 1
        if level == 1:
            pos = [idx[i] for i in items]
            sd = np.sqrt(np.diag(implied)[pos])
            omega = float((lam * sd).sum() ** 2 / s[np.ix_(pos, pos)].sum())
        else:
            omega = math.nan
        others = [r[names.index(f), names.index(o)] for o in names
                  if f in names and o != f and o in factors and o not in items and f not in factors.get(o, [])]
        max_r = float(max(others)) if others else math.nan
        rows.append((level, len(items), float(cr), ave, math.sqrt(ave), omega, max_r,
                     bool(math.sqrt(ave) > max_r) if not math.isnan(max_r) else True))
    columns = ("level", "k", "cr", "ave", "sqrt_ave", "omega", "max_r", "fornell_larcker_ok")
    values = list(zip(*rows)) if rows else [[] for _ in columns]
    return pd.DataFrame({c: list(v) for c, v in zip(columns, values)}, index=pd.Index(list(factors), name="factor"))


def _admissible(m: Any, fit: dict, table: pd.DataFrame, sigma: np.ndarray, what: str) -> None:
    """Refuse a fitted solution that cannot be right: χ² > 0 at df 0, a non-PD Σ, negative variances, absurd SEs."""
    if fit["df"] == 0 and m.last_result.fun > 1e-5:
        raise ConvergenceError(
            f"{what}: the model is saturated (df = 0), so it must reproduce the covariances exactly, yet χ² = "
            f"{fit['chi2']:.4g}: the optimiser stopped short and no estimates are reported. Check the scaling of the "
            "variables (standardise them) and the model's identification"
        )
    scale = np.sqrt(np.abs(np.diag(sigma)))
    scale[scale == 0] = 1.0
    eig = np.linalg.eigvalsh(sigma / np.outer(scale, scale))  # scale-free: as a correlation matrix
    if eig[0] <= 1e-12 or not np.isfinite(eig).all() or (np.diag(sigma) <= 0).any():
        raise MeasurementError(
            f"{what}: the model-implied covariance matrix is not positive definite (smallest eigenvalue "
            f"{eig[0]:.3g}): the solution is improper; simplify the model (e.g. merge factors that correlate near 1, "
            "drop items with near-zero loadings) or check the data for near-duplicate items"
        )
    est, se, std = (table[c].to_numpy(dtype=float) for c in ("estimate", "se", "std_estimate"))
    variance = (table["op"].to_numpy() == "~~") & (table["lhs"].to_numpy() == table["rhs"].to_numpy())
    negative = variance & (est < -1e-8 * np.abs(est).max())
    if negative.any():
        raise MeasurementError(
            f"{what}: negative variance estimate(s) of {', '.join(table['lhs'][negative])} (a Heywood case): the "
            "solution is inadmissible; check for an item that duplicates another, a factor with too few "
            "indicators, or fixed values in the model"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where((est != 0) & (std != 0) & np.isfinite(std), np.abs(est / std), 1.0)
    absurd = np.isfinite(se) & (se > MAX_SE_RATIO * np.maximum(np.abs(est), unit))
    if absurd.any():
        shown = [f"{name} (SE {s:.3g}, estimate {e:.3g})" for name, s, e in
                 zip(table.index[absurd][:3], se[absurd][:3], est[absurd][:3])]
        raise MeasurementError(
            f"{what}: absurdly large standard error(s): {'; '.join(shown)}: the model is empirically not identified "
            "(e.g. a factor whose loadings are near zero, two factors that correlate near 1, or variables on very "
            "different scales); simplify the model, add indicators or standardise the variables"
        )


def _defined_parameters(m: Any, spec: _Spec, cov: np.ndarray, confidence: float) -> pd.DataFrame:
    """lavaan's ``:=`` parameters: functions of labelled parameters, with delta-method standard errors."""
    names = [k for k, p in m.parameters.items() if p.active]
    theta = np.asarray(m.param_vals, dtype=float)

    def values(x: np.ndarray) -> list[float]:
        env = dict(spec.fixed_labels)
        env.update(zip(names, x))
        out = []
        for name, _, tree in spec.defined:
            env[name] = _evaluate(tree, env)
            out.append(env[name])
        return out

    est = np.asarray(values(theta))
    jac = np.empty((len(est), len(theta)))
    for j in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (np.asarray(values(up)) - np.asarray(values(down))) / (2 * h)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, cov, jac), 0, None))
    half = special.ndtri(0.5 + confidence / 2) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    lhs = [name for name, _, _ in spec.defined]
    rhs = [expr for _, expr, _ in spec.defined]
    return pd.DataFrame(
        {"estimate": est, "se": se, "ci_low": est - half, "ci_high": est + half, "statistic": z,
         "df": np.full(len(est), np.nan), "p_value": 2 * special.ndtr(-np.abs(z)),
         "lhs": lhs, "op": ":=", "rhs": rhs, "std_estimate": np.full(len(est), np.nan)},
        index=pd.Index([f"{a} := {b}" for a, b in zip(lhs, rhs)], name="parameter"),
    )


def _assemble(m: Any, model: str, factors: dict[str, list[str]], kind: str, confidence: float = 0.95, *,
              spec: _Spec | None = None, what: str = "cfa") -> SEMResult:
    """Everything a :class:`SEMResult` reports, from one fitted semopy model and its matrices (no refit)."""
    n_free = len(m.param_vals)
    sigma, (lc, c) = m.calc_sigma()
    inner_cov = c @ np.asarray(m.mx_psi) @ c.T
    fit = _fit_indices(m, sigma, n_free)
    se, cov = _standard_errors(m, sigma, lc, c)
    table = _parameter_table(m, factors, sigma, inner_cov, se, confidence)
    _admissible(m, fit, table, sigma, what)
    if spec is not None and spec.defined:
        table = pd.concat([table, _defined_parameters(m, spec, cov, confidence)])
    inner = list(m.vars["inner"])
    latent = [f for f in factors if f in inner]
    pos = [inner.index(f) for f in latent]
    sd = np.sqrt(np.diag(inner_cov)[pos])
    corr = pd.DataFrame(inner_cov[np.ix_(pos, pos)] / np.outer(sd, sd), index=latent, columns=latent)
    observed = list(m.vars["observed"])
    validity = _validity(table, factors, corr, sigma, observed, np.asarray(m.mx_cov))
    variance = (table["op"].to_numpy() == "~~") & (table["lhs"].to_numpy() == table["rhs"].to_numpy())
    # at the zero boundary (semopy bounds variances at 0) or below: < 0.1% of the variable's variance
    improper = variance & ((table["estimate"].to_numpy() <= 0) | (table["std_estimate"].to_numpy() < 1e-3))
    if improper.any():
        warnings.warn(
            f"variance estimate(s) of {', '.join(table['lhs'][improper])} at or below zero (a Heywood case): the "
            "solution is improper; read the loadings and validity with care, and check for an item that nearly "
            "duplicates another or a factor with too few indicators", UserWarning, stacklevel=4,
        )
    meta = {"n": fit["n"], "confidence": confidence, "model": model, "kind": kind,
            "semopy_model": spec.text if spec is not None else model,
            "std_lv": list(spec.std_lv) if spec is not None else [],
            "method": "normal-theory maximum likelihood (semopy, MLW); standard errors from the expected "
                      "information; Wald z tests and normal-approximation intervals",
            "citation": _CITATION_SEM}
    return SEMResult(table=table, meta=meta, fit=fit, factor_correlations=corr, validity=validity, model=m,
                     implied=sigma)


def cfa(data: pd.DataFrame, model: str) -> SEMResult:
    """Fit a confirmatory factor analysis (or any SEM) written in lavaan syntax.

    Parameters
    ----------
    data : DataFrame
        One column per observed variable the model names (others are
        ignored).  Rows with a missing value are dropped with a warning that
        counts them.
    model : str
        lavaan syntax: ``f =~ a + b + c`` (the first loading is fixed to 1,
        as in lavaan, even when labelled), ``y ~ x`` regressions, ``a ~~ b``
        covariances.  Exogenous factors covary freely.  Modifiers: ``0.5*a``
        fixes, ``NA*a`` frees (a factor left with no fixed loading gets its
        variance fixed to 1, as lavaan's ``std.lv``), ``lab*a`` labels
        (shared labels constrain equal), ``start(v)*a`` is ignored.
        ``name := expr`` defines a parameter from labels (``ab := a*b``),
        reported with a delta-method standard error (op ``:=``).

    Returns
    -------
    SEMResult
        ``table``: every parameter with its standard error, Wald z,
        p-value and 95% normal-approximation interval, and the standardised
        estimate; ``fit`` (fit indices), ``loadings``, ``paths``, the
        ``factor_correlations``, the ``validity`` table and the fitted
        semopy ``model``.

    Raises
    ------
    MeasurementError
        A column the model names is missing or not numeric, an item is
        constant, too few complete cases, a factor has fewer than 2
        indicators; lavaan syntax that cannot be fitted; a model that is not
        identified (df < 0, or a factor with 2 indicators and no correlated
        partner factor); perfectly collinear items (named); variables whose
        SDs differ by more than :data:`MAX_SD_RATIO` (standardise them); an
        inadmissible solution (a non-positive-definite implied covariance,
        a negative variance, standard errors over :data:`MAX_SE_RATIO`
        times the parameter's scale).  A variance at the zero boundary
        (a Heywood case) is a warning.
    ConvergenceError
        The optimiser failed, or stopped short (χ² > 0 at df = 0): no
        numbers are reported.

    Notes
    -----
    Estimation is semopy's normal-theory maximum likelihood (``MLW``), whose
    χ² is :math:`N \\cdot F_{ML}` like lavaan's.  RMSEA uses N (lavaan's
    convention): :math:`\\sqrt{\\max(\\chi^2 - df, 0)/(df \\cdot N)}`, its 90%
    interval from the noncentral χ² (Steiger 1990).  SRMR is Bentler's: the
    root mean square of the residual covariances scaled by the observed SDs,
    over the :math:`p(p+1)/2` distinct elements.  CFI and TLI are clipped to
    [0, 1] (as lavaan and Mplus report them).  The baseline (independence)
    model's χ² is closed-form, :math:`N(\\sum_i \\log s_{ii} - \\log|S|)`,
    not a second fit.  Standard errors come from the expected information
    (as semopy's and lavaan's defaults).

    Tested against lavaan 0.6 on the Holzinger & Swineford (1939) model of
    lavaan's tutorial (χ², CFI, TLI, RMSEA and its interval, SRMR,
    log-likelihood, AIC, BIC, the baseline χ², standardised loadings,
    standard errors, factor correlations; the orthogonal and one-factor
    models), against semTools' ``compRelSEM`` (ω) and against semopy's own
    ``calc_stats`` and ``inspect``.

    References
    ----------
    Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for
    structural equation modeling. *Structural Equation Modeling*, 27(6),
    952–963.

    Rosseel, Y. (2012). lavaan: An R package for structural equation
    modeling. *Journal of Statistical Software*, 48(2), 1–36.

    Steiger, J. H. (1990). Structural model evaluation and modification: An
    interval estimation approach. *Multivariate Behavioral Research*, 25(2),
    173–180.

    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in
    covariance structure analysis. *Structural Equation Modeling*, 6(1), 1–55.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> hs = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> cfa(holzinger39.get_data(), hs).report()
    'χ²(24) = 85.31, p < .001; CFI = .931, TLI = .896, RMSEA = .092 [.071, .114], SRMR = .065; n = 301'
    """
    return _fit(data, model, what="cfa", kind="cfa")


def sem(data: pd.DataFrame, model: str) -> SEMResult:
    """Fit a structural equation model: :func:`cfa` with ``~`` regressions between factors.

    Parameters
    ----------
    data : DataFrame
        One column per observed variable the model names; rows with a
        missing value are dropped with a warning that counts them.
    model : str
        lavaan syntax: the measurement part (``f =~ a + b + c``) and the
        structural part (``y ~ x1 + x2``), covariances (``a ~~ b``).  A
        path model of observed variables only (no ``=~`` line) is accepted.

    Returns
    -------
    SEMResult
        As :func:`cfa`; the regressions are in ``paths`` (with no factor,
        ``validity`` and ``factor_correlations`` are empty).

    Notes
    -----
    Tested against lavaan 0.6: with a saturated structural part the model
    reproduces the CFA's χ² of the Holzinger & Swineford (1939) model.

    References
    ----------
    Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for
    structural equation modeling. *Structural Equation Modeling*, 27(6),
    952–963.

    Rosseel, Y. (2012). lavaan: An R package for structural equation
    modeling. *Journal of Statistical Software*, 48(2), 1–36.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> hs = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> res = sem(holzinger39.get_data(), hs + "\\nspeed ~ visual + textual")
    >>> res.paths[["lhs", "rhs"]].values.tolist()
    [['speed', 'visual'], ['speed', 'textual']]
    """
    return _fit(data, model, what="sem", kind="sem")


def htmt(data: pd.DataFrame, model: str | Mapping[str, Sequence[str]], *, method: str = "htmt") -> pd.DataFrame:
    """The heterotrait–monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015).

    For factors :math:`i, j`,

    .. math:: \\mathrm{HTMT}_{ij} = \\frac{\\overline{|r|}_{\\text{between } i,j}}
              {\\sqrt{\\overline{|r|}_{\\text{within } i}\\;\\overline{|r|}_{\\text{within } j}}}

    the mean absolute correlation of items across the two factors over the
    geometric mean of the mean correlations within each (within: the distinct
    pairs of items of one factor).  Values above .85 (strict) or .90
    (lenient) signal a lack of discriminant validity.

    Parameters
    ----------
    data : DataFrame
        The items; rows with a missing item are dropped with a warning.
    model : str or mapping
        lavaan syntax or ``{factor: items}``; the first-order factors are
        used (each needs 2+ items).
    method : {"htmt", "htmt2"}
        ``"htmt"``: arithmetic means (Henseler et al. 2015).  ``"htmt2"``:
        geometric means (Roemer, Schuberth & Henseler 2021), consistent for
        congeneric items; semTools' ``htmt()`` default since version 0.5-6.

    Returns
    -------
    DataFrame
        Factor × factor, symmetric, 1.0 on the diagonal.

    Notes
    -----
    Tested against semTools' ``htmt()`` (htmt2) on the Holzinger & Swineford
    (1939) data and against Henseler et al.'s formula written out pair by
    pair with scipy's Pearson r.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
    assessing discriminant validity in variance-based structural equation
    modeling. *Journal of the Academy of Marketing Science*, 43, 115–135.

    Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 – an improved
    criterion for assessing discriminant validity in structural equation
    modeling. *Industrial Management & Data Systems*, 121(12), 2637–2650.

    Examples
    --------
    >>> from semopy.examples import holzinger39
    >>> h = htmt(holzinger39.get_data(), {"visual": ["x1", "x2", "x3"], "speed": ["x7", "x8", "x9"]})
    >>> round(float(h.loc["visual", "speed"]), 3)
    0.467
    """
    check_choice(method, "method", ("htmt", "htmt2"), error=MeasurementError)
    scales = _scales(model)
    short = [f for f, items in scales.items() if len(items) < 2]
    if short:
        raise MeasurementError(f"htmt: factor(s) {', '.join(map(repr, short))} need at least 2 items")
    if len(scales) < 2:
        raise MeasurementError("htmt: needs at least 2 factors")
    columns = list(dict.fromkeys(i for items in scales.values() for i in items))
    frame = _items(data, columns, what="htmt")
    r = frame.corr().abs()
    if method == "htmt":
        mean = np.mean
    else:
        if (r.to_numpy() == 0).any():
            raise MeasurementError("htmt: 'htmt2' needs non-zero correlations (a geometric mean of a zero is 0)")

        def mean(values: np.ndarray) -> float:
            return float(np.exp(np.mean(np.log(values))))

    names = list(scales)
    within = {}
    for f in names:
        block = r.loc[scales[f], scales[f]].to_numpy()
        within[f] = mean(block[np.triu_indices_from(block, k=1)])
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            fa, fb = names[a], names[b]
            between = mean(r.loc[scales[fa], scales[fb]].to_numpy().ravel())
            out.iloc[a, b] = out.iloc[b, a] = between / math.sqrt(within[fa] * within[fb])
    return out


def chi2_difference(restricted: SEMResult, general: SEMResult, *, confidence: float = 0.90) -> TestResult:
    """Likelihood-ratio (χ² difference) test of two nested models fitted to the same data.

    Parameters
    ----------
    restricted : SEMResult
        The simpler model (more degrees of freedom), e.g. one factor.
    general : SEMResult
        The model it is nested in, e.g. three correlated factors.
    confidence : float, default 0.90
        Level of the interval for RMSEA_D (90% as for RMSEA).

    Returns
    -------
    TestResult
        ``statistic`` = Δχ², ``df`` = Δdf; effect = RMSEA_D, the RMSEA of the
        difference test (Savalei, Brace & Fouladi 2023),
        :math:`\\sqrt{\\max(\\Delta\\chi^2 - \\Delta df, 0)/(\\Delta df \\cdot N)}`,
        with its noncentral-χ² interval.  ``extra`` holds ΔCFI and ΔAIC
        (general minus restricted).

    Notes
    -----
    That the models are nested is the caller's claim (not checked); the
    test needs normal-theory ML fits on the same rows.

    Tested against lavaan's ``anova(fit, fit.orth)`` on the Holzinger &
    Swineford (1939) models (Δχ² = 68.221 on 3 df) and the RMSEA_D formula.

    References
    ----------
    Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how
    we compute RMSEA for nested model comparisons in structural equation
    modeling. *Psychological Methods*. https://doi.org/10.1037/met0000537

    Steiger, J. H., Shapiro, A., & Browne, M. W. (1985). On the multivariate
    asymptotic distribution of sequential chi-square statistics.
    *Psychometrika*, 50(3), 253–263.
    """
    confidence = check_confidence(confidence, error=MeasurementError)
    for name, res in (("restricted", restricted), ("general", general)):
        if not isinstance(res, SEMResult):
            raise MeasurementError(f"chi2_difference: {name!r} must be a result of cfa() or sem() (got {type(res).__name__})")
    if restricted.n != general.n:
        raise MeasurementError(
            f"chi2_difference: the models were fitted to different data (n = {restricted.n} vs {general.n})"
        )
    d_df = restricted.fit["df"] - general.fit["df"]
    if d_df <= 0:
        raise MeasurementError(
            f"chi2_difference: the restricted model must have more degrees of freedom than the general one "
            f"(got {restricted.fit['df']} vs {general.fit['df']}); swap the arguments?"
        )
    d_chi2 = max(restricted.fit["chi2"] - general.fit["chi2"], 0.0)
    n = general.n
    est = math.sqrt(max(d_chi2 - d_df, 0.0) / (d_df * n))
    tail = (1 - confidence) / 2
    lo = math.sqrt(_ncx2_bound(d_chi2, d_df, 1 - tail) / (d_df * n))
    hi = math.sqrt(_ncx2_bound(d_chi2, d_df, tail) / (d_df * n))
    return TestResult(
        test="χ² difference test",
        statistic=d_chi2,
        df=float(d_df),
        p_value=float(sps.chi2.sf(d_chi2, d_df)),
        effect="RMSEA_D",
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        se=None,
        n=n,
        confidence=confidence,
        method="likelihood-ratio test of nested ML models; RMSEA of the difference with a noncentral-χ² interval",
        citation="Savalei, Brace & Fouladi (2023), Psychological Methods",
        extra={
            "delta_cfi": general.fit["cfi"] - restricted.fit["cfi"],
            "delta_aic": general.fit["aic"] - restricted.fit["aic"],
            "chi2_restricted": restricted.fit["chi2"],
            "chi2_general": general.fit["chi2"],
        },
        statistic_name="Δχ²",
    )


# --------------------------------------------------------------------------
# Nested models compared
# --------------------------------------------------------------------------
#: The fit columns of :attr:`ModelComparison.fits`.
FIT_COLUMNS = ("n", "npar", "chi2", "df", "p_value", "cfi", "tli", "rmsea", "rmsea_low", "rmsea_high", "srmr",
               "aic", "bic")


@dataclass(frozen=True)
class ModelComparison(Result):
    """Several CFA/SEM models fitted to the same rows and their χ² difference tests (see :func:`compare_models`).

    Attributes
    ----------
    table : DataFrame
        One row per comparison ``"restricted vs general"``: ``estimate``
        (RMSEA_D) with its interval, ``statistic`` (Δχ²), ``df`` (Δdf),
        ``p_value``, then ``delta_cfi`` and ``delta_aic`` (general minus
        restricted).
    fits : DataFrame
        One row per model: :data:`FIT_COLUMNS`.
    tests : dict
        ``"restricted vs general"`` -> :class:`~crm_lab.stats.TestResult`.
    models : dict
        Name -> :class:`SEMResult` (the fitted semopy models stay on them).
    meta : dict
        n, confidence, method, citation, the pairs compared.
    """

    table: pd.DataFrame
    fits: pd.DataFrame
    tests: dict = field(repr=False)
    models: dict = field(repr=False)
    meta: dict = field(default_factory=dict)

    _dict_fields = ("fits",)

    @property
    def title(self) -> str:
        return "Nested models compared: χ² difference tests (effect: RMSEA_D)"

    def _summary_lines(self, decimals: int) -> list[str]:
        return ["Fit of each model:", format_table(self.fits, decimals).to_string(), ""]


def compare_models(data: pd.DataFrame, models: Mapping[str, str], *, pairs: Sequence[tuple[str, str]] | None = None,
                   kind: str = "cfa", confidence: float = 0.90) -> ModelComparison:
    """Fit nested CFA/SEM models to the same data and test each restricted model against a more general one.

    Parameters
    ----------
    data : DataFrame
        Item scores (the columns the models name).
    models : mapping
        Name -> lavaan-syntax model.
    pairs : sequence of (restricted, general), optional
        The comparisons; default every pair in the order given (each model
        against every later one), which suits models listed from the most
        restricted to the most general.  Nesting is the caller's claim.
    kind : {"cfa", "sem"}
        Fit with :func:`cfa` or :func:`sem`.
    confidence : float, default 0.90
        Level of the RMSEA_D interval (:func:`chi2_difference`).

    Returns
    -------
    ModelComparison

    Notes
    -----
    Every model is fitted to the same complete rows (the listwise-complete
    rows of all the models' items), so that the χ² differences are valid.

    Tested against lavaan 0.6 on the Holzinger & Swineford (1939) data (the
    one-factor, orthogonal and correlated three-factor models: χ², df and
    the Δχ² of ``anova``).

    References
    ----------
    Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). We need to change how
    we compute RMSEA for nested model comparisons in structural equation
    modeling. *Psychological Methods*. https://doi.org/10.1037/met0000537

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(f @ np.ones((1, 6)) * 0.7 + rng.normal(size=(300, 6)), columns=list("abcdef"))
    >>> out = compare_models(d, {"one": "g =~ a + b + c + d + e + f",
    ...                          "two": "f1 =~ a + b + c\\nf2 =~ d + e + f"})
    >>> list(out.table.index), int(out.table.loc["one vs two", "df"])
    (['one vs two'], 1)
    """
    confidence = check_confidence(confidence, error=MeasurementError)
    check_choice(kind, "kind", ("cfa", "sem"), error=MeasurementError)
    if not isinstance(models, Mapping) or len(models) < 2:
        raise MeasurementError(f"compare_models: 'models' must map at least two names to model strings (got {models!r:.80})")
    names = list(models)
    if pairs is None:
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    unknown = sorted({n for pair in pairs for n in pair} - set(names))
    if unknown:
        raise MeasurementError(f"compare_models: pairs name unknown model(s) {unknown}; the models are {names}")
    if isinstance(data, pd.DataFrame):
        items = sorted({i for model in models.values() for i in _observed(model) if i in data.columns})
        data = _items(data, items, what="compare_models")
    fit = cfa if kind == "cfa" else sem
    fitted = {name: fit(data, model) for name, model in models.items()}
    fits = pd.DataFrame({name: {k: r.fit.get(k, np.nan) for k in FIT_COLUMNS} for name, r in fitted.items()}).T
    fits.index.name = "model"
    tests = {f"{a} vs {b}": chi2_difference(fitted[a], fitted[b], confidence=confidence) for a, b in pairs}
    table = tidy_table(
        {
            "estimate": [t.estimate for t in tests.values()],
            "ci_low": [t.ci_low for t in tests.values()],
            "ci_high": [t.ci_high for t in tests.values()],
            "statistic": [t.statistic for t in tests.values()],
            "df": [t.df for t in tests.values()],
            "p_value": [t.p_value for t in tests.values()],
            "delta_cfi": [t.extra["delta_cfi"] for t in tests.values()],
            "delta_aic": [t.extra["delta_aic"] for t in tests.values()],
        },
        index=list(tests), name="comparison", extras=("delta_cfi", "delta_aic"),
    )
    n = int(next(iter(fitted.values())).n)
    meta = {"n": n, "confidence": confidence, "pairs": [list(p) for p in pairs], "kind": kind,
            "method": "ML fits (semopy) of nested models on the same rows; likelihood-ratio χ² difference tests "
                      "with RMSEA_D and its noncentral-χ² interval",
            "citation": "Savalei, V., Brace, J. C., & Fouladi, R. T. (2023). Psychological Methods."}
    return ModelComparison(table=table, fits=fits, tests=tests, models=fitted, meta=meta)
