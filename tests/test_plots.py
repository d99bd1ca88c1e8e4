"""Tests of crm_lab.plots: axes in, axes out, something drawn, labels set."""

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402

from crm_lab import plots  # noqa: E402
from crm_lab._checks import CrmLabError  # noqa: E402
from crm_lab.plots import plot_counts, plot_effect, plot_proportions, set_theme  # noqa: E402
from crm_lab.stats import proportion_ci, two_proportions, welch_t  # noqa: E402


def point_heights(ax):
    """y of the markers seaborn's pointplot draws (Line2D objects with markers)."""
    marked = [line for line in ax.lines if line.get_marker() not in (None, "None", "") and len(line.get_ydata())]
    return sorted(np.round(np.concatenate([line.get_ydata() for line in marked]), 6).tolist())


def bar_ends(ax):
    """y of every vertex of the marker-less lines (error bars and caps)."""
    bars = [line for line in ax.lines if line.get_marker() in (None, "None", "")]
    return np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in bars])


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.fixture
def returns():
    """Re-exhibit decisions by edition and market structure (known counts)."""
    rows = []
    for edition, market, k, n in [
        (2022, "monopoly", 8, 10),
        (2022, "competitive", 3, 10),
        (2023, "monopoly", 6, 10),
        (2023, "competitive", 5, 10),
    ]:
        rows += [(edition, market, 1)] * k + [(edition, market, 0)] * (n - k)
    return pd.DataFrame(rows, columns=["edition", "market", "returned"])


def test_importing_changes_no_global_state():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); "
        "import crm_lab.plots, crm_lab.stats, crm_lab.params; "
        "assert dict(mpl.rcParams) == before, 'rcParams changed on import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "MPLBACKEND": "Agg"})


def test_set_theme_applies_theme_and_can_be_undone():
    with mpl.rc_context():
        set_theme(context="talk")
        assert mpl.rcParams["axes.spines.right"] is False
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["font.size"] > 12  # the talk context scales fonts up
    assert mpl.rcParams["axes.spines.right"] is True


def test_plot_proportions_points_and_wilson_bars(ax, returns):
    out = plot_proportions(returns, x="edition", y="returned", ax=ax)
    assert out is ax
    assert ax.get_xlabel() == "Edition"
    assert ax.get_ylabel() == "Came back next edition: proportion (95% Wilson CI)"
    assert point_heights(ax) == [0.55, 0.55]  # 11/20 in both editions
    # Error bar ends are the Wilson limits of 11/20.
    _, low, high = proportion_ci(11, 20)
    ends = bar_ends(ax)
    assert np.isclose(ends, low).sum() >= 2 and np.isclose(ends, high).sum() >= 2
    assert np.nanmin(ends) == pytest.approx(low) and np.nanmax(ends) == pytest.approx(high)


def test_plot_proportions_with_hue(ax, returns):
    plot_proportions(returns, x="edition", y="returned", hue="market", confidence=0.9, ax=ax)
    assert ax.get_legend() is not None and ax.get_legend().get_title().get_text() == "market"
    assert point_heights(ax) == [0.3, 0.5, 0.6, 0.8]
    ends = bar_ends(ax)
    for k in (3, 5, 6, 8):
        _, low, high = proportion_ci(k, 10, confidence=0.9)
        assert np.isclose(ends, low).any() and np.isclose(ends, high).any()
    assert ax.get_ylabel() == "Came back next edition: proportion (90% Wilson CI)"


def test_plot_proportions_uses_current_axes(returns):
    fig, ax = plt.subplots()
    try:
        assert plot_proportions(returns, x="market", y="returned") is ax
        assert point_heights(ax) == [0.4, 0.7]  # competitive 8/20, monopoly 14/20
    finally:
        plt.close(fig)


def test_plot_proportions_accepts_bool_and_keeps_input(ax, returns):
    data = returns.assign(returned=returns["returned"].astype(bool))
    before = data.copy()
    plot_proportions(data, x="edition", y="returned", ax=ax)
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y": "nope"}, r"plot_proportions: no column y='nope'; the data has: edition, market, returned"),
        ({"hue": "nope"}, r"no column hue='nope'"),
        ({"hue": "markt"}, r"no column hue='markt' \(did you mean 'market'\?\)"),
        ({"y": "market"}, "must hold 0/1 or True/False"),
        ({"confidence": 95}, "'confidence' must be > 0 and < 1"),
    ],
)
def test_plot_proportions_bad_input(ax, returns, change, message):
    options = {"x": "edition", "y": "returned", **change}
    with pytest.raises(plots.PlotError, match=message):
        plot_proportions(returns, ax=ax, **options)


def test_plot_proportions_missing_values(ax, returns):
    data = returns.astype({"returned": float})
    data.loc[0, "returned"] = np.nan
    with pytest.raises(plots.PlotError, match="has 1 missing values"):
        plot_proportions(data, x="edition", y="returned", ax=ax)


def test_plot_proportions_needs_dataframe(ax):
    # the shared check: a CrmLabError (a ValueError), as every bad table in crm_lab
    with pytest.raises(CrmLabError, match="must be a pandas DataFrame"):
        plot_proportions({"a": [1]}, x="a", y="a", ax=ax)


def test_plot_effect_single_with_truth(ax):
    r = two_proportions(56, 70, 48, 80)
    out = plot_effect(r, truth=0.15, ax=ax)
    assert out is ax
    assert ax.get_xlabel() == "risk difference"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["risk difference"]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1
    x, _ = bars[0].lines[0].get_data()
    assert x[0] == pytest.approx(0.2)
    segment = bars[0].lines[2][0].get_segments()[0]
    assert (segment[0][0], segment[1][0]) == pytest.approx((r.ci_low, r.ci_high))
    truth = [c for c in ax.collections if c.get_label() == "planted truth"]
    assert len(truth) == 1 and truth[0].get_offsets()[0][0] == pytest.approx(0.15)
    assert any(line.get_xdata()[0] == 0 for line in ax.lines)  # the null line
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "planted truth" in labels and "estimate (95% CI)" in labels


def test_plot_effect_several_labelled_with_partial_truth(ax):
    rng = np.random.default_rng(3)
    results = {
        "return rate gap": two_proportions(50, 80, 30, 70),
        "spend gap (g)": welch_t(rng.normal(0, 1, 30), rng.normal(0.5, 1, 30)),
    }
    plot_effect(results, truth=[0.2, None], null=None, ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["return rate gap", "spend gap (g)"]
    assert ax.get_xlabel() == "estimate"
    truth = [c for c in ax.collections if c.get_label() == "planted truth"]
    offsets = np.ma.filled(np.ma.asarray(truth[0].get_offsets(), dtype=float), np.nan)
    assert offsets[0, 0] == pytest.approx(0.2) and np.isnan(offsets[1, 0])
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first result on top


def test_plot_effect_sequence_with_duplicate_effects(ax):
    results = [two_proportions(5, 10, 3, 10), two_proportions(50, 100, 30, 100)]
    plot_effect(results, ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1. risk difference", "2. risk difference"]
    assert ax.get_legend().get_texts()[0].get_text() == "estimate (95% CI)"
    assert not [c for c in ax.collections if c.get_label() == "planted truth"]


def test_plot_effect_bad_input(ax):
    r = two_proportions(5, 10, 3, 10)
    with pytest.raises(plots.PlotError, match=r"one value per result \(2\) \(got 3\)"):
        plot_effect([r, r], truth=[0.1, 0.2, 0.3], ax=ax)
    with pytest.raises(TypeError, match="every item must be a TestResult"):
        plot_effect([r, 0.3], ax=ax)
    with pytest.raises(TypeError, match="expected a TestResult"):
        plot_effect(0.3, ax=ax)


def test_plot_counts(ax, returns):
    out = plot_counts(returns, x="market", ax=ax)
    assert out is ax
    assert sorted(int(p.get_height()) for p in ax.patches) == [20, 20]
    assert ax.get_xlabel() == "market" and ax.get_ylabel() == "count"


def test_plot_counts_with_hue(ax, returns):
    plot_counts(returns.iloc[5:], x="market", hue="returned", ax=ax)
    heights = sorted(int(p.get_height()) for p in ax.patches if p.get_height() > 0)
    # Dropping the first 5 rows (monopoly 2022 returners): monopoly 9 returned / 6 not, competitive 8 / 12.
    assert heights == sorted([9, 6, 8, 12])
    assert ax.get_legend().get_title().get_text() == "returned"


def test_plot_counts_missing_column(ax, returns):
    with pytest.raises(plots.PlotError, match=r"plot_counts: no column x='sector'"):
        plot_counts(returns, x="sector", ax=ax)


def test_no_figure_is_shown_or_saved(ax, returns, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: calls.append("show"))
    monkeypatch.setattr(plt.Figure, "savefig", lambda *a, **k: calls.append("savefig"))
    plot_counts(returns, x="market", ax=ax)
    plot_proportions(returns, x="edition", y="returned", ax=ax)
    plot_effect(two_proportions(5, 10, 3, 10), ax=ax)
    assert calls == [] and list(tmp_path.iterdir()) == []
