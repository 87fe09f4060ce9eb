"""helpers.eda 的单元测试（第3章：缺失值、异常值边界、查准率/查全率）。"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import eda


@pytest.fixture()
def skewed() -> pd.Series:
    # 1..20 再加一个极大值和一个缺失值
    return pd.Series(list(range(1, 21)) + [500.0, np.nan], name="pay_amount")


# ---------- iqr_bounds / sigma_bounds ----------


def test_iqr_bounds_match_hand_computation(skewed):
    s = skewed.dropna()
    q1, q3 = s.quantile(0.25), s.quantile(0.75)
    lower, upper = eda.iqr_bounds(skewed)
    assert lower == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert upper == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert isinstance(lower, float) and isinstance(upper, float)


def test_iqr_bounds_k_widens_the_fence(skewed):
    lo1, hi1 = eda.iqr_bounds(skewed, k=1.5)
    lo3, hi3 = eda.iqr_bounds(skewed, k=3)
    assert lo3 < lo1 and hi3 > hi1


def test_sigma_bounds_match_hand_computation(skewed):
    s = skewed.dropna()
    lower, upper = eda.sigma_bounds(skewed)
    assert lower == pytest.approx(s.mean() - 3 * s.std(ddof=1))
    assert upper == pytest.approx(s.mean() + 3 * s.std(ddof=1))
    lower2, upper2 = eda.sigma_bounds(skewed.to_numpy(), k=2)
    assert upper2 == pytest.approx(s.mean() + 2 * s.std(ddof=1))
    assert lower2 == pytest.approx(s.mean() - 2 * s.std(ddof=1))


def test_bounds_accept_nullable_integers():
    s = pd.Series([1, 2, 3, 4, None, 100], dtype="Int64", name="csat")
    lower, upper = eda.iqr_bounds(s)
    assert lower < 1 and upper < 100


# ---------- flag_outliers ----------


def test_flag_outliers_iqr_keeps_index_and_marks_nan_false(skewed):
    shifted = skewed.set_axis(range(100, 100 + len(skewed)))
    flags = eda.flag_outliers(shifted)
    assert flags.dtype == bool
    assert flags.index.equals(shifted.index)
    assert flags.name == "pay_amount"
    assert flags.sum() == 1 and bool(flags.loc[120])  # 只有 500 是异常
    assert not flags.loc[121]  # 缺失值不算异常


def test_flag_outliers_sigma_uses_bounds(skewed):
    lower, upper = eda.sigma_bounds(skewed, k=1)
    flags = eda.flag_outliers(skewed, method="sigma", k=1)
    expected = ((skewed < lower) | (skewed > upper)).fillna(False)
    assert flags.tolist() == expected.tolist()


def test_flag_outliers_on_array_returns_series():
    flags = eda.flag_outliers(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 1000]))
    assert isinstance(flags, pd.Series)
    assert flags.tolist() == [False] * 8 + [True]


def test_flag_outliers_on_skewed_data_iqr_flags_more_than_sigma():
    rng = np.random.default_rng(0)
    s = pd.Series(np.exp(rng.normal(5, 1, 5000)))
    assert eda.flag_outliers(s, "iqr").sum() > eda.flag_outliers(s, "sigma").sum()


# ---------- missing_report ----------


def test_missing_report_counts_rates_and_order():
    df = pd.DataFrame({"a": [1, None, 3, 4], "b": [None, None, None, "x"], "c": [1, 2, 3, 4]})
    rep = eda.missing_report(df)
    assert rep.index.tolist() == ["b", "a", "c"]
    assert rep["n_missing"].tolist() == [3, 1, 0]
    assert rep["missing_rate"].tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert eda.missing_report(df, only_missing=True).index.tolist() == ["b", "a"]
    assert eda.missing_report(df, columns=["c", "a"]).index.tolist() == ["a", "c"]


def test_missing_report_matches_pandas_on_real_types():
    df = pd.DataFrame(
        {"t": pd.to_datetime(["2024-01-01", None, "2024-01-03"]), "n": pd.array([1, None, None], dtype="Int64")}
    )
    rep = eda.missing_report(df)
    assert rep.loc["n", "n_missing"] == 2 and rep.loc["t", "n_missing"] == 1


# ---------- precision_recall ----------


def test_precision_recall_confusion_counts():
    res = eda.precision_recall([1, 2, 3, 4, 4], [3, 4, 5])
    assert res == {
        "n_found": 4,
        "n_true": 3,
        "tp": 2,
        "fp": 2,
        "fn": 1,
        "precision": 0.5,
        "recall": pytest.approx(2 / 3),
    }


def test_precision_recall_accepts_numpy_and_series():
    res = eda.precision_recall(np.array([10, 11], dtype=np.int64), pd.Series([10, 12]))
    assert res["tp"] == 1 and res["precision"] == 0.5 and res["recall"] == 0.5


def test_precision_recall_nothing_found_is_zero_precision():
    res = eda.precision_recall([], [1, 2])
    assert res["precision"] == 0.0 and res["recall"] == 0.0 and res["fn"] == 2


# ---------- precision_recall_at ----------


@pytest.fixture()
def scores() -> pd.Series:
    return pd.Series([0.9, 0.1, 0.8, 0.3, 0.5], index=[10, 11, 12, 13, 14], name="score")


def test_precision_recall_at_matches_precision_recall_on_top_n(scores):
    table = eda.precision_recall_at(scores, [10, 13], [1, 2, 4])
    assert table.index.tolist() == [1, 2, 4] and table.index.name == "N"
    assert table.columns.tolist() == ["n_found", "n_true", "tp", "fp", "fn", "precision", "recall"]
    assert table.loc[1].to_dict() == eda.precision_recall([10], [10, 13])
    assert table.loc[2].to_dict() == eda.precision_recall([10, 12], [10, 13])
    assert table.loc[4].to_dict() == eda.precision_recall([10, 12, 14, 13], [10, 13])
    assert table["n_found"].tolist() == [1, 2, 4]


def test_precision_recall_at_ties_keep_input_order():
    tied = pd.Series([1.0, 5.0, 5.0, 5.0], index=["a", "b", "c", "d"])
    table = eda.precision_recall_at(tied, ["c"], [1, 2])  # b、c、d 并列：按原来的次序，前 1 名是 b，前 2 名是 b、c
    assert table["tp"].tolist() == [0, 1]
    reordered = tied.loc[["a", "c", "b", "d"]]
    assert eda.precision_recall_at(reordered, ["c"], [1]).loc[1, "tp"] == 1


def test_precision_recall_at_drops_nan_scores():
    s = pd.Series([np.nan, 0.2, 0.7, np.nan], index=["a", "b", "c", "d"])
    table = eda.precision_recall_at(s, ["a", "c"], [1, 2])
    assert table.loc[1, "tp"] == 1 and table.loc[2, "fp"] == 1  # a 没有分数，永远不进名单
    assert table.loc[2, "recall"] == 0.5
    with pytest.raises(ValueError, match="1 到 2"):
        eda.precision_recall_at(s, ["a"], [3])


def test_precision_recall_at_accepts_numpy_lengths_and_one_shot_iterators(scores):
    table = eda.precision_recall_at(scores, iter([10, 13]), np.array([1, 3]))
    assert table.index.tolist() == [1, 3]
    assert table["recall"].tolist() == [0.5, 0.5]  # 迭代器只能读一遍，两行都要用到


@pytest.mark.parametrize("lengths", [[0], [6], [-1], [2.0], [True], ["3"], [], 3])
def test_precision_recall_at_rejects_bad_lengths(scores, lengths):
    with pytest.raises(ValueError, match="名单长度|lengths"):
        eda.precision_recall_at(scores, [10], lengths)


@pytest.mark.parametrize(
    "bad",
    [
        [0.9, 0.1],
        np.array([0.9, 0.1]),
        pd.DataFrame({"score": [0.9, 0.1]}),
        pd.Series(["high", "low"]),
        pd.Series([True, False]),
        pd.Series([0.9, 0.1], index=["a", "a"]),
    ],
)
def test_precision_recall_at_rejects_bad_scores(bad):
    with pytest.raises(ValueError, match="scores"):
        eda.precision_recall_at(bad, ["a"], [1])


def test_precision_recall_at_rejects_bad_true_ids(scores):
    with pytest.raises(ValueError, match="true_ids"):
        eda.precision_recall_at(scores, [], [1])
    with pytest.raises(ValueError, match="字符串"):
        eda.precision_recall_at(scores, "10", [1])


def test_precision_recall_at_does_not_mutate_input(scores):
    s = scores.loc[[11, 10, 14]].copy()
    s.iloc[0] = np.nan
    before, truth, lengths = s.copy(), [10, 14], [1, 2]
    eda.precision_recall_at(s, truth, lengths)
    pd.testing.assert_series_equal(s, before)
    assert truth == [10, 14] and lengths == [1, 2]


# ---------- bad input → ValueError ----------


@pytest.mark.parametrize(
    "bad",
    [
        pd.Series(["a", "b"], name="channel"),
        pd.Series([True, False], name="resolved"),
        pd.Series([np.nan, np.nan], name="csat"),
        pd.Series([], dtype=float, name="x"),
        pd.Series([1.0, np.inf], name="x"),
        pd.DataFrame({"a": [1, 2]}),
    ],
)
def test_bounds_reject_bad_values(bad):
    with pytest.raises(ValueError):
        eda.iqr_bounds(bad)
    with pytest.raises(ValueError):
        eda.sigma_bounds(bad)


def test_error_message_names_the_column():
    with pytest.raises(ValueError, match="channel"):
        eda.iqr_bounds(pd.Series(["App", "PC"], name="channel"))


@pytest.mark.parametrize("k", [0, -1, float("nan"), "3", True])
def test_bounds_reject_bad_k(k):
    with pytest.raises(ValueError, match="k"):
        eda.iqr_bounds(pd.Series([1.0, 2, 3]), k=k)


def test_sigma_bounds_single_value():
    with pytest.raises(ValueError, match="标准差"):
        eda.sigma_bounds(pd.Series([5.0]))


def test_flag_outliers_unknown_method():
    with pytest.raises(ValueError, match="zscore"):
        eda.flag_outliers(pd.Series([1.0, 2, 3]), method="zscore")


def test_missing_report_bad_input():
    with pytest.raises(ValueError, match="DataFrame"):
        eda.missing_report(pd.Series([1, None]))
    with pytest.raises(ValueError, match="nope"):
        eda.missing_report(pd.DataFrame({"a": [1]}), columns=["a", "nope"])
    with pytest.raises(ValueError, match="empty"):
        eda.missing_report(pd.DataFrame({"a": []}))


def test_precision_recall_bad_input():
    with pytest.raises(ValueError, match="true_ids"):
        eda.precision_recall([1], [])
    with pytest.raises(ValueError, match="字符串"):
        eda.precision_recall("123", [1])


# ---------- never mutate the input ----------


def test_functions_do_not_mutate_input(skewed):
    df = pd.DataFrame({"pay_amount": skewed, "note": ["x"] * (len(skewed) - 1) + [None]})
    s_before, df_before = skewed.copy(), df.copy()
    found, truth = [1, 2], [2, 3]
    eda.iqr_bounds(skewed)
    eda.sigma_bounds(skewed)
    eda.flag_outliers(skewed)
    eda.flag_outliers(skewed, method="sigma")
    eda.missing_report(df)
    eda.missing_report(df, columns=["note"], only_missing=True)
    eda.precision_recall(found, truth)
    pd.testing.assert_series_equal(skewed, s_before)
    pd.testing.assert_frame_equal(df, df_before)
    assert found == [1, 2] and truth == [2, 3]
