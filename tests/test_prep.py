"""helpers.prep（第2章的清洗小工具）与 helpers.prep_samples 的单元测试。"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import prep


def _same(a: pd.Series, b: pd.Series) -> None:
    pd.testing.assert_series_equal(a, b, check_dtype=False, check_names=False)


# ---------------------------------------------------------------- parse_price


def test_parse_price_all_formats():
    s = pd.Series(["129.9", "¥129.90", "￥1,299.00", "129.90元", " ¥ 59.9 ", None, ""], name="unit_price")
    out = prep.parse_price(s)
    assert out.dtype == "float64"
    assert out.name == "unit_price"
    _same(out, pd.Series([129.9, 129.9, 1299.0, 129.9, 59.9, np.nan, np.nan]))


def test_parse_price_bad_value_names_column_and_value():
    s = pd.Series(["12.5", "约 30 元"], name="unit_price")
    with pytest.raises(ValueError, match="unit_price.*约 30 元"):
        prep.parse_price(s)
    assert prep.parse_price(s, errors="coerce").isna().tolist() == [False, True]


def test_parse_price_rejects_non_series_and_bad_errors_arg():
    with pytest.raises(ValueError, match="Series"):
        prep.parse_price(["1.0"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="errors"):
        prep.parse_price(pd.Series(["1"]), errors="ignore")


def test_parse_price_does_not_mutate_input():
    s = pd.Series(["¥1,299.00", "9.9元"])
    before = s.copy()
    prep.parse_price(s)
    pd.testing.assert_series_equal(s, before)


# ---------------------------------------------------------------- parse_mixed_dates


def test_parse_mixed_dates_four_formats_and_missing():
    s = pd.Series(
        ["2024-11-11 00:05:09", "2024/11/11 00:05", "2024年11月11日 00:05", "20241111000509", None], name="order_time"
    )
    out = prep.parse_mixed_dates(s)
    expected = [
        pd.Timestamp("2024-11-11 00:05:09"),
        pd.Timestamp("2024-11-11 00:05"),
        pd.Timestamp("2024-11-11 00:05"),
        pd.Timestamp("2024-11-11 00:05:09"),
        pd.NaT,
    ]
    _same(out, pd.Series(expected, dtype="datetime64[ns]"))
    assert out.name == "order_time"


def test_parse_mixed_dates_first_matching_format_wins():
    # “01/02” 式的歧义：给定的格式顺序决定结果，不靠猜
    s = pd.Series(["2024/01/02 10:00"])
    out = prep.parse_mixed_dates(s, formats=["%Y/%m/%d %H:%M", "%Y/%d/%m %H:%M"])
    assert out.iloc[0] == pd.Timestamp("2024-01-02 10:00")


def test_parse_mixed_dates_unknown_format_raises_or_coerces():
    s = pd.Series(["2024-11-11 00:05:09", "11/11/2024"], name="order_time")
    with pytest.raises(ValueError, match="order_time.*11/11/2024"):
        prep.parse_mixed_dates(s)
    assert prep.parse_mixed_dates(s, errors="coerce").isna().tolist() == [False, True]
    with pytest.raises(ValueError, match="formats"):
        prep.parse_mixed_dates(s, formats="%Y")  # type: ignore[arg-type]


def test_parse_mixed_dates_does_not_mutate_input():
    s = pd.Series(["20241111000509", "2024/11/11 00:05"])
    before = s.copy()
    prep.parse_mixed_dates(s)
    pd.testing.assert_series_equal(s, before)


# ---------------------------------------------------------------- 标准化


def test_standardize_text_strip_collapse_case():
    s = pd.Series([" hm-100  ", "HM-101", "a  b", None])
    _same(prep.standardize_text(s, case="upper"), pd.Series(["HM-100", "HM-101", "A B", np.nan]))
    _same(prep.standardize_text(s), pd.Series(["hm-100", "HM-101", "a b", np.nan]))
    with pytest.raises(ValueError, match="case"):
        prep.standardize_text(s, case="title")


def test_standardize_province_short_full_unknown():
    s = pd.Series(["北京", "北京市", " 广西 ", "广西壮族自治区", "未知", None, "内蒙古"], name="province")
    out = prep.standardize_province(s)
    _same(out, pd.Series(["北京市", "北京市", "广西壮族自治区", "广西壮族自治区", np.nan, np.nan, "内蒙古自治区"]))


def test_standardize_province_unrecognised_raises():
    with pytest.raises(ValueError, match="province.*火星"):
        prep.standardize_province(pd.Series(["北京", "火星"], name="province"))


def test_standardize_province_does_not_mutate_input():
    s = pd.Series(["上海", "未知"])
    before = s.copy()
    prep.standardize_province(s)
    pd.testing.assert_series_equal(s, before)


def test_province_table_is_complete_and_unique():
    t = prep.PROVINCES
    assert len(t) == 31
    assert t["province"].is_unique and t["short_name"].is_unique and t["code"].is_unique
    assert set(t["region"]) == {"东部", "中部", "西部", "东北"}
    assert t["code"].str.fullmatch(r"\d{2}0000").all()


# ---------------------------------------------------------------- quality_report


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1, 1, 2, 3, 3],
            "sku": ["HM-1", "HM-1", "HM-2", "hm-3", "HM-4"],
            "qty": [1, 1, -1, 2, None],
            "time": pd.to_datetime(["2024-12-30", "2024-12-30", "2024-10-01", "2025-01-05", None]),
        }
    )


def test_quality_report_counts(frame):
    rules = [
        ("有效性", "SKU 规范", "sku", lambda d: d["sku"].str.fullmatch(r"HM-\d+")),
        ("准确性", "数量为正", "qty", lambda d: d["qty"] > 0),
    ]
    rep = prep.quality_report(
        frame, key=["order_id"], rules=rules, time_col="time", as_of="2024-12-31", max_age_days=30
    )
    assert list(rep.columns) == ["dimension", "check", "column", "n_checked", "n_failed", "pass_pct"]
    failed = dict(zip(rep["check"] + "|" + rep["column"], rep["n_failed"], strict=True))
    assert failed["非缺失|qty"] == 1 and failed["非缺失|time"] == 1 and failed["非缺失|sku"] == 0
    assert failed["整行不重复|（全部列）"] == 1
    assert failed["业务键不重复|order_id"] == 2
    assert failed["SKU 规范|sku"] == 1
    assert failed["数量为正|qty"] == 2  # -1 与缺失都不合格
    timely = rep[rep["dimension"] == "及时性"].iloc[0]
    assert (timely["n_checked"], timely["n_failed"]) == (4, 2)  # 10-01 过旧，2025-01-05 晚于截止
    assert rep.loc[rep["check"] == "SKU 规范", "pass_pct"].iloc[0] == 80.0


def test_quality_report_pass_pct_never_rounds_up_to_100():
    df = pd.DataFrame({"a": [1.0] * 99_999 + [np.nan]})
    rep = prep.quality_report(df)
    assert rep.loc[0, "pass_pct"] < 100


def test_quality_report_blank_strings_count_as_missing():
    rep = prep.quality_report(pd.DataFrame({"c": ["x", "", "  ", None]}))
    assert rep.loc[0, "n_failed"] == 3


def test_quality_report_bad_inputs(frame):
    with pytest.raises(ValueError, match="nope"):
        prep.quality_report(frame, required=["nope"])
    with pytest.raises(ValueError, match="维度"):
        prep.quality_report(frame, rules=[("好看性", "x", "sku", lambda d: d["sku"].notna())])
    with pytest.raises(ValueError, match="等长"):
        prep.quality_report(frame, rules=[("有效性", "x", "sku", lambda d: pd.Series([True]))])
    with pytest.raises(ValueError, match="as_of"):
        prep.quality_report(frame, time_col="time")
    with pytest.raises(ValueError, match="日期时间"):
        prep.quality_report(frame, time_col="sku", as_of="2024-12-31", max_age_days=3)
    with pytest.raises(ValueError, match="DataFrame"):
        prep.quality_report(frame["sku"])  # type: ignore[arg-type]


def test_quality_report_does_not_mutate_input(frame):
    before = frame.copy()
    prep.quality_report(frame, key=["order_id"], time_col="time", as_of="2024-12-31", max_age_days=30)
    pd.testing.assert_frame_equal(frame, before)


# ---------------------------------------------------------------- 隐私


def test_mask_phone():
    s = pd.Series(["13812345678", " 19900001111 ", None], name="phone")
    _same(prep.mask_phone(s), pd.Series(["138****5678", "199****1111", np.nan]))


@pytest.mark.parametrize("bad", ["1381234567", "23812345678", "138-1234-5678", "abc"])
def test_mask_phone_rejects_non_phone(bad):
    with pytest.raises(ValueError, match="phone"):
        prep.mask_phone(pd.Series(["13812345678", bad], name="phone"))


def test_pseudonymize_is_stable_keyed_and_irreversible_looking():
    ids = pd.Series([101, 102, 101, None], dtype="Int64")
    a = prep.pseudonymize(ids, key="k1")
    b = prep.pseudonymize(ids, key="k2")
    assert a.iloc[0] == a.iloc[2] and a.iloc[0] != a.iloc[1]
    assert a.iloc[0] != b.iloc[0]
    assert pd.isna(a.iloc[3])
    assert a.iloc[:3].str.fullmatch(r"[0-9a-f]{16}").all()
    # 整数与其字符串形式得到同一个假名，便于跨表关联
    assert prep.pseudonymize(pd.Series(["101"]), key="k1").iloc[0] == a.iloc[0]


def test_pseudonymize_requires_key_and_valid_length():
    s = pd.Series([1, 2])
    with pytest.raises(ValueError, match="key"):
        prep.pseudonymize(s, key="")
    with pytest.raises(ValueError, match="length"):
        prep.pseudonymize(s, key="k", length=4)


def test_privacy_helpers_do_not_mutate_input():
    phones = pd.Series(["13812345678"])
    ids = pd.Series([7, 8])
    p0, i0 = phones.copy(), ids.copy()
    prep.mask_phone(phones)
    prep.pseudonymize(ids, key="k")
    pd.testing.assert_series_equal(phones, p0)
    pd.testing.assert_series_equal(ids, i0)


# ---------------------------------------------------------------- 练习用的换种子样本


def test_raw_orders_sample_is_seeded_and_looks_like_orders_raw():
    from helpers import data
    from helpers.prep_samples import raw_orders_sample, raw_orders_sample_truth

    a, fa = raw_orders_sample(3, n_orders=300), raw_orders_sample_truth(3, n_orders=300)
    b, fb = raw_orders_sample(3, n_orders=300), raw_orders_sample_truth(3, n_orders=300)
    c = raw_orders_sample(4, n_orders=300)
    pd.testing.assert_frame_equal(a, b)
    assert fa == fb
    assert not a.equals(c)
    assert list(a.columns) == list(data.load("orders_raw").columns)
    assert all(a[col].dtype == "str" for col in a.columns)
    assert fa["rows_total"] == len(a)
    assert int(a.duplicated().sum()) == fa["exact_duplicate_rows"]
    a.iloc[0, 0] = "changed"  # 返回的是副本，改动不影响缓存
    fa["rows_total"] = -1
    assert raw_orders_sample(3, n_orders=300).iloc[0, 0] != "changed"
    assert raw_orders_sample_truth(3, n_orders=300)["rows_total"] == len(b)


@pytest.mark.parametrize("seed,n", [(-1, 300), (1.5, 300), (True, 300), (1, 10), (1, 10**6)])
def test_raw_orders_sample_bad_args(seed, n):
    from helpers.prep_samples import raw_orders_sample, raw_orders_sample_truth

    with pytest.raises(ValueError):
        raw_orders_sample(seed, n_orders=n)
    with pytest.raises(ValueError):
        raw_orders_sample_truth(seed, n_orders=n)


@pytest.mark.parametrize("seed", [None, 7])
def test_ch02_reference_cleaning_matches_sample_truth(seed, monkeypatch):
    """练习 2.x 的参考清洗在练习用的种子（及另一个种子）上与生成时记下的答案一致。"""
    from coursekit.questions import ch02
    from helpers.prep_samples import raw_orders_sample_truth

    if seed is not None:
        monkeypatch.setattr(ch02, "SAMPLE_SEED", seed)
    key = raw_orders_sample_truth(ch02.SAMPLE_SEED, ch02.SAMPLE_ORDERS)
    clean = ch02._clean()
    assert ch02.exact_duplicates() == key["exact_duplicate_rows"]
    assert ch02.price_typo_rows() == key["price_typo_rows_x100"]
    assert len(clean) == key["clean_lines"]
    assert clean["order_no"].nunique() == key["clean_orders"]
    assert round(ch02.clean_revenue(), 2) == key["clean_revenue"]
    assert ch02.daily_orders().sum() == key["clean_orders"]
    assert ch02.rows_by_province().sum() == key["rows_total"] - key["exact_duplicate_rows"]
