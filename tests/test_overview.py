"""The tour helpers: return rates by hand, the theory map, results JSON."""

import json

import numpy as np
import pandas as pd
import pytest

from crm_lab import overview
from crm_lab._checks import CrmLabError
from crm_lab.results import save_results


def _panel():
    # 3 exhibitors, editions 1-3; hand-checked expectations below
    return pd.DataFrame(
        {
            "exhibitor_id": ["a", "a", "a", "b", "b", "b", "c", "c"],
            "edition": [1, 2, 3, 1, 2, 3, 2, 3],
            "participated": [1, 1, 0, 1, 0, 0, 1, 1],
        }
    )


def test_return_rates_by_hand():
    r = overview.return_rates(_panel())
    # edition 1: a and b took part, only a came back -> 1/2; edition 2: a and c, only c -> 1/2
    assert r[["edition", "n", "returned"]].to_numpy().tolist() == [[1, 2, 1], [2, 2, 1]]
    assert r["rate"].tolist() == [0.5, 0.5]


def test_return_rates_by_group_and_missing_group():
    by = pd.Series({"a": "x", "b": "y", "c": "x"})
    r = overview.return_rates(_panel(), by=by)
    got = {(e, g): (n, k) for e, g, n, k in r[["edition", "group", "n", "returned"]].itertuples(index=False)}
    assert got == {(1, "x"): (1, 1), (1, "y"): (1, 0), (2, "x"): (2, 1)}
    with pytest.raises(overview.OverviewError, match="no group for 1 exhibitors"):
        overview.return_rates(_panel(), by=by.drop("c"))


def test_return_rates_needs_its_columns():
    with pytest.raises(CrmLabError, match=r"participation: no column 'participated'; the data has: "):
        overview.return_rates(_panel().drop(columns="participated"))
    with pytest.raises(CrmLabError, match="must be a pandas DataFrame"):
        overview.return_rates([1, 2])


def test_market_structure_flags_unknown_sectors():
    ex = pd.DataFrame({"exhibitor_id": ["a", "b"], "sector": ["s1", "zz"]})
    sectors = pd.DataFrame({"sector": ["s1"], "market_structure": ["monopoly"]})
    with pytest.raises(overview.OverviewError, match=r"not in the sectors table: \['b'\]"):
        overview.market_structure(ex, sectors)
    with pytest.raises(overview.OverviewError, match=r"sectors: no column 'market_structure' \(did you mean"):
        overview.market_structure(ex, sectors.rename(columns={"market_structure": "market_structur"}))


def test_bad_arguments_raise_the_shared_error():
    assert issubclass(overview.OverviewError, CrmLabError) and issubclass(overview.OverviewError, ValueError)
    with pytest.raises(overview.OverviewError, match="'n_exhibitors' must be an integer >= 1000"):
        overview.planted_return_gap(None, n_exhibitors=10)
    with pytest.raises(overview.OverviewError, match="unknown table"):
        overview.table_overview({"nope": pd.DataFrame()})


def test_theory_map_lists_every_notebook_once(tmp_path):
    (tmp_path / "00_start_here.ipynb").write_text("{}")
    tm = overview.theory_map(tmp_path)
    assert tm["notebook"].is_unique and tm["notebook"].str.match(r"^\d\d_").all()
    assert tm.set_index("notebook")["available"].to_dict()["00_start_here"]
    assert tm["available"].sum() == 1


def test_save_results_plain_json(tmp_path):
    path = save_results({"b": np.float64(0.25), "a": [np.int64(2), float("nan")], "ok": np.bool_(True)}, tmp_path / "x")
    assert json.loads(path.read_text()) == {"a": [2, None], "b": 0.25, "ok": True}
    assert path.read_text().index('"a"') < path.read_text().index('"b"')
    assert save_results({"a": 1}, "") is None
    # a table becomes a list of records (index included); anything else that is not plain raises
    path = save_results({"t": pd.DataFrame({"x": [1.5]}, index=pd.Index(["a"], name="k"))}, tmp_path / "y")
    assert json.loads(path.read_text()) == {"t": [{"k": "a", "x": 1.5}]}
    with pytest.raises(TypeError, match="object"):
        save_results({"a": object()}, tmp_path)




def test_theory_map_names_the_notebooks_being_written_and_no_outside_file(tmp_path):
    tm = overview.theory_map(tmp_path).set_index("notebook")
    for stem in ("01_customer_data_and_satisfaction", "06_customer_value_and_segmentation", "07_relationship_lifecycle"):
        assert stem in tm.index and not tm.loc[stem, "available"]
    assert "promotional" in tm.loc["01_customer_data_and_satisfaction", "teaches"]
    assert "privacy" in tm.loc["01_customer_data_and_satisfaction", "teaches"]
    assert list(tm.columns) == ["topic", "zh", "teaches", "references", "available"]
    assert not tm.apply(lambda col: col.astype(str).str.contains("THEORY")).any().any()
    (tmp_path / "07_relationship_lifecycle.ipynb").write_text("{}")
    assert overview.theory_map(tmp_path).set_index("notebook").loc["07_relationship_lifecycle", "available"]


def test_width_ratio_by_hand():
    # means 1.1 and 2.2; variances 0.02 and 0.08; se = 0.5 * sqrt(0.02 / (2 * 1.21) + 0.08 / (2 * 4.84))
    est, low, high, conf = overview.width_ratio([1.0, 1.2], [2.0, 2.4])
    se = 0.5 * np.sqrt(0.02 / 2.42 + 0.08 / 9.68)
    assert est == pytest.approx(0.5) and conf == 0.95
    assert (low, high) == pytest.approx((0.5 - 1.959964 * se, 0.5 + 1.959964 * se))
    with pytest.raises(overview.OverviewError, match="at least 2 finite widths"):
        overview.width_ratio([1.0], [2.0, 2.1])


def test_plot_composition_orders_labels_and_counts():
    import matplotlib.pyplot as plt

    df = pd.DataFrame({"region": ["overseas", "central_west_china", "north_china", "north_china"],
                       "size_class": ["large", "small", "medium", "small"]})
    fig, ax = plt.subplots()
    overview.plot_composition(df, by="region", hue="size_class", ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["North China", "Central & West China", "Overseas"]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Small", "Medium", "Large"]
    assert legend.get_title().get_text() == "Size class"
    # the legend is outside the axes (anchored right of them)
    assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1 - 1
    widths = sorted(int(round(p.get_width())) for p in ax.patches if p.get_width() > 0)
    assert widths == [1, 1, 1, 1]
    with pytest.raises(overview.OverviewError, match="region"):
        overview.plot_composition(df.drop(columns="region"), by="region", hue="size_class", ax=ax)
    plt.close(fig)


def test_return_figures_have_human_labels_and_legends_off_the_data():
    import matplotlib.pyplot as plt

    from crm_lab import stats

    returns = pd.DataFrame({"edition": [1, 1, 1, 1, 2, 2, 2, 2], "returned": [1, 0, 1, 1, 0, 1, 1, 1],
                            "market_structure": ["monopoly", "competitive"] * 4})
    fig, ax = plt.subplots()
    overview.plot_return_rates(returns, confidence=0.9, ax=ax)
    assert ax.get_xlabel() == "Edition" and "90% Wilson CI" in ax.get_ylabel()
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Rival shows", "No rival show (monopoly)"]
    assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1 - 1
    plt.close(fig)
    fig, ax = plt.subplots()
    overview.plot_return_gap(stats.two_proportions(30, 40, 50, 80), planted=0.1, ax=ax)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["estimate (95% CI)", "planted truth"]
    assert ax.get_legend().get_bbox_to_anchor().y1 <= ax.get_window_extent().y0 + 1  # below the axes
    plt.close(fig)
