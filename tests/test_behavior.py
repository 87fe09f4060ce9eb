"""helpers.behavior 的单元测试（第5章：北京时间、会话、活跃用户、留存矩阵、有序漏斗、RFM、生命周期）。

docstring 里的示例由 doctest 运行，这里不重复；这里拿真实的 small 数据与朴素的 pandas 写法、答案册对答案，
并检查边界、并列、右删失、报错信息和“不修改传入数据”。这些口径大数据一章会用 SQL 重算，所以每一条都写成可核对的数。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import behavior, mining
from helpers.data import load, truth, truth_table

WINDOW = ("2024-10-21", "2024-12-02")


@pytest.fixture(scope="module")
def key() -> dict:
    return truth()


@pytest.fixture(scope="module")
def events(key) -> pd.DataFrame:
    """与第5章 5.1.3 相同：北京时间、去重、去掉窗口外的时间戳和答案册的爬虫。"""
    ev = load("events")
    ev = ev.assign(time=behavior.to_beijing(ev["timestamp"]))
    ev = ev[ev["time"].between(*WINDOW, inclusive="left")].drop_duplicates()
    ev = ev[~ev["user_id"].isin(key["bots"]["user_ids"])].reset_index(drop=True)
    return ev.assign(session_id=behavior.sessionize(ev))


def _tiny_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [2, 1, 1, 1, 2],
            "time": pd.to_datetime(
                ["2024-11-11 09:00", "2024-11-11 10:31", "2024-11-11 10:00", "2024-11-11 10:30", "2024-11-11 09:29"]
            ),
            "behavior_type": ["pv", "buy", "pv", "cart", "cart"],
        }
    )


# ---------- to_beijing ----------


def test_to_beijing_is_utc_plus_eight_and_keeps_the_index():
    s = pd.Series([0, 1731254399], index=[5, 9], name="timestamp")
    out = behavior.to_beijing(s)
    assert out.index.tolist() == [5, 9] and out.name == "timestamp"
    assert out.tolist() == [pd.Timestamp("1970-01-01 08:00"), pd.Timestamp("2024-11-10 23:59:59")]
    assert out.dt.tz is None


def test_to_beijing_peak_hour_matches_the_answer_key(key):
    ev = load("events")
    hours = behavior.to_beijing(ev.loc[ev["behavior_type"] == "pv", "timestamp"]).dt.hour
    assert int(hours.mode()[0]) == key["events"]["peak_hour"]


@pytest.mark.parametrize("bad", [pd.Series(["1731254400"]), [1731254400], pd.Series([True, False])])
def test_to_beijing_rejects_non_numeric_input(bad):
    with pytest.raises(ValueError, match="unix_seconds"):
        behavior.to_beijing(bad)


# ---------- sessionize ----------


def test_sessionize_splits_on_gaps_longer_than_the_rule_and_ignores_row_order():
    ev = _tiny_events()
    sid = behavior.sessionize(ev)
    assert sid.index.equals(ev.index)
    # 用户 1：10:00、10:30、10:31 —— 间隔恰好 30 分钟不算新会话；用户 2：09:00、09:29 一次会话
    assert sid.tolist() == [1, 0, 0, 0, 1]
    assert behavior.sessionize(ev, gap_minutes=29.5).tolist() == [2, 1, 0, 1, 2]  # 10:00 → 10:30 超过 29.5 分钟


def test_sessionize_matches_a_plain_loop_on_real_data(events):
    sample = events[events["user_id"].isin(events["user_id"].drop_duplicates().head(40))]
    expected = {}
    n = -1
    for _, g in sample.sort_values(["user_id", "time"], kind="stable").groupby("user_id", sort=True):
        prev = None
        for idx, t in g["time"].items():
            if prev is None or t - prev > pd.Timedelta(minutes=30):
                n += 1
            expected[idx] = n
            prev = t
    got = behavior.sessionize(sample)
    assert got.to_dict() == expected


def test_sessionize_does_not_modify_input_and_checks_columns():
    ev = _tiny_events()
    before = ev.copy()
    behavior.sessionize(ev)
    pd.testing.assert_frame_equal(ev, before)
    with pytest.raises(ValueError, match="缺少列：\\['time'\\]"):
        behavior.sessionize(ev.drop(columns="time"))
    with pytest.raises(ValueError, match="日期时间类型"):
        behavior.sessionize(ev.assign(time=ev["time"].astype(str)))
    with pytest.raises(ValueError, match="gap_minutes"):
        behavior.sessionize(ev, gap_minutes=-5)


# ---------- active_users ----------


def test_active_users_match_plain_pandas_on_real_data(events):
    dau = behavior.active_users(events, "D")
    plain = events.groupby(events["time"].dt.date)["user_id"].nunique()
    assert dau.tolist() == plain.tolist()
    assert dau.idxmax() == pd.Period("2024-11-11", "D")
    mau = behavior.active_users(events, "M")
    assert mau[pd.Period("2024-11", "M")] == events.loc[events["time"].dt.month == 11, "user_id"].nunique()
    wau = behavior.active_users(events, "W")
    assert wau.index[0].start_time == pd.Timestamp("2024-10-21")  # 自然周从周一开始；2024-10-21 是周一
    assert (wau >= dau.groupby(dau.index.asfreq("W")).max()).all()


def test_active_users_rejects_unknown_frequency():
    with pytest.raises(ValueError, match="freq 只能是"):
        behavior.active_users(_tiny_events(), "Q")


# ---------- retention_matrix ----------


def test_retention_matrix_day1_equals_a_hand_count(events):
    signup = load("customers").set_index("customer_id")["signup_date"]
    new = signup[signup.between("2024-10-21", "2024-12-01")]
    m = behavior.retention_matrix(events, "D", 7, first=new)
    days = events.assign(day=events["time"].dt.normalize()).drop_duplicates(["user_id", "day"])
    offset = (days["day"] - days["user_id"].map(new)).dt.days
    for cohort in [pd.Timestamp("2024-10-25"), pd.Timestamp("2024-11-11")]:
        members = new.index[new == cohort]
        back = days.loc[(offset == 1) & days["user_id"].isin(members), "user_id"].nunique()
        assert m.loc[cohort.to_period("D"), 1] == pytest.approx(back / len(members))


def test_retention_matrix_censors_cells_after_the_end_and_rolling_is_monotone(events):
    cal = behavior.retention_matrix(events, "D", 30)
    roll = behavior.retention_matrix(events, "D", 30, kind="rolling")
    last = events["time"].max().to_period("D")
    for cohort in cal.index:
        for k in cal.columns:
            assert np.isnan(cal.loc[cohort, k]) == (cohort + k > last)
    assert roll.index.equals(cal.index) and roll.isna().equals(cal.isna())
    assert (roll.diff(axis=1).iloc[:, 1:].fillna(0) <= 1e-12).all().all()  # 滚动口径只降不升
    assert (roll.fillna(0) >= cal.fillna(0) - 1e-12).all().all()
    assert (cal[0] == 1).all()  # 默认按第一次出现划分同期群，第 0 期一定是 100%


def test_retention_matrix_monthly_orders_matches_a_plain_cohort_count(key):
    o = load("orders")
    o = o[(o["status"] != "已取消") & ~o["order_id"].isin(key["fraud_orders"]["order_ids"])]
    m = behavior.retention_matrix(o, "M", 3, user="customer_id", time="order_time")
    month = o["order_time"].dt.to_period("M")
    first = month.groupby(o["customer_id"]).min()
    cohort = first[first == pd.Period("2024-03", "M")].index
    back = o.loc[o["customer_id"].isin(cohort) & (month == pd.Period("2024-05", "M")), "customer_id"].nunique()
    assert m.loc[pd.Period("2024-03", "M"), 2] == pytest.approx(back / len(cohort))
    assert np.isnan(m.loc[pd.Period("2024-11", "M"), 2]) and not np.isnan(m.loc[pd.Period("2024-10", "M"), 2])


def test_retention_matrix_first_includes_users_without_activity_and_respects_end():
    act = pd.DataFrame({"user_id": [1, 1], "time": pd.to_datetime(["2024-11-01", "2024-11-02"])})
    first = pd.Series(pd.to_datetime(["2024-11-01", "2024-11-01"]), index=[1, 2])
    m = behavior.retention_matrix(act, "D", 1, first=first)
    assert m.loc[pd.Period("2024-11-01", "D")].tolist() == [0.5, 0.5]
    cut = behavior.retention_matrix(act, "D", 1, first=first, end="2024-11-01")
    assert cut.loc[pd.Period("2024-11-01", "D"), 0] == 0.5 and np.isnan(cut.loc[pd.Period("2024-11-01", "D"), 1])


def test_retention_matrix_errors_name_the_problem():
    act = _tiny_events()
    with pytest.raises(ValueError, match="kind 只能是"):
        behavior.retention_matrix(act, "D", 3, kind="classic")
    with pytest.raises(ValueError, match="periods"):
        behavior.retention_matrix(act, "D", 2.5)
    with pytest.raises(ValueError, match="first 应该是"):
        behavior.retention_matrix(act, "D", 1, first={1: "2024-11-01"})
    with pytest.raises(ValueError, match="缺少列"):
        behavior.retention_matrix(act, "D", 1, user="customer_id")


# ---------- ordered_funnel ----------


def test_ordered_funnel_requires_order_within_a_session():
    ev = _tiny_events().assign(session_id=lambda d: behavior.sessionize(d))
    f = behavior.ordered_funnel(ev, ["pv", "cart", "buy"])
    assert f["users"].tolist() == [2, 2, 1]
    assert f["step_rate"].tolist()[1:] == [1.0, 0.5]
    # 顺序反过来：先加购后浏览的用户 2 不算
    g = behavior.ordered_funnel(ev, ["cart", "pv"])
    assert g["users"].tolist() == [2, 0]


def test_ordered_funnel_is_never_above_the_did_it_at_all_funnel(events):
    f = behavior.ordered_funnel(events, ["pv", ("cart", "fav"), "buy"])
    did_buy = events.loc[events["behavior_type"] == "buy", "user_id"].nunique()
    assert f["users"].is_monotonic_decreasing
    assert f.loc["buy", "users"] < did_buy
    assert f.loc["pv", "users"] == events.loc[events["behavior_type"] == "pv", "user_id"].nunique()
    assert f.loc["buy", "overall_rate"] == pytest.approx(f.loc["buy", "users"] / f.loc["pv", "users"])


def test_ordered_funnel_errors_and_purity():
    ev = _tiny_events().assign(session_id=[0, 1, 1, 1, 0])
    before = ev.copy()
    behavior.ordered_funnel(ev, ["pv", "buy"])
    pd.testing.assert_frame_equal(ev, before)
    with pytest.raises(ValueError, match="'carts' 不在 behavior_type 列里"):
        behavior.ordered_funnel(ev, ["pv", "carts"])
    with pytest.raises(ValueError, match="缺少列：\\['session_id'\\]"):
        behavior.ordered_funnel(ev.drop(columns="session_id"), ["pv", "buy"])


# ---------- rfm_scores / rfm_segment ----------


def test_rfm_scores_give_ties_the_same_score_and_reward_recency():
    rfm = mining.rfm_features(load("orders"), "2024-12-01")
    s = behavior.rfm_scores(rfm)
    assert s.index.equals(rfm.index) and set(s.columns) == {"R", "F", "M"}
    assert s.min().min() >= 1 and s.max().max() <= 5
    assert s.groupby(rfm["frequency"])["F"].nunique().max() == 1  # 同样的单数，同样的 F 分
    assert rfm.groupby(s["R"])["recency_days"].mean().is_monotonic_decreasing  # R 分越高，距今越近
    assert rfm.groupby(s["M"])["monetary"].mean().is_monotonic_increasing


def test_rfm_scores_errors():
    rfm = pd.DataFrame({"recency_days": [1, 2], "frequency": [1, np.nan], "monetary": [1.0, 2.0]})
    with pytest.raises(ValueError, match="缺失值"):
        behavior.rfm_scores(rfm)
    with pytest.raises(ValueError, match="缺少列：\\['monetary'\\]"):
        behavior.rfm_scores(rfm.drop(columns="monetary"))
    with pytest.raises(ValueError, match="bins"):
        behavior.rfm_scores(rfm.fillna(1), bins=True)


def test_rfm_segment_covers_all_eight_names_and_ranks_with_the_answer_key(key):
    o = load("orders")
    rfm = mining.rfm_features(o[~o["order_id"].isin(key["fraud_orders"]["order_ids"])], "2024-12-01")
    seg = behavior.rfm_segment(behavior.rfm_scores(rfm))
    assert seg.nunique() == 8
    later = truth_table("propensity").set_index("customer_id")["ordered_in_window"]
    rate = later.groupby(seg).mean()
    assert rate.idxmax() == "重要价值"
    assert rate["重要价值"] > 3 * rate["重要保持"]


def test_rfm_segment_threshold_is_strictly_greater():
    s = pd.DataFrame({"R": [3, 4], "F": [3, 4], "M": [3, 4]})
    assert behavior.rfm_segment(s).tolist() == ["一般挽留", "重要价值"]
    assert behavior.rfm_segment(s, threshold=2).tolist() == ["重要价值", "重要价值"]


# ---------- lifecycle_stage ----------


def test_lifecycle_stage_boundaries():
    cut = "2024-12-01"
    last = pd.to_datetime(
        pd.Series(["2024-09-02 00:00", "2024-09-01 00:00", "2024-06-04 00:00", "2024-06-03 23:00"], index=list("abcd"))
    )
    first = pd.to_datetime(pd.Series(["2024-01-01"] * 4, index=list("abcd")))
    # 距截止日 90、91、180、181 天
    assert behavior.lifecycle_stage(first, last, cut).tolist() == ["活跃", "沉睡", "沉睡", "流失"]
    first_new = pd.to_datetime(pd.Series(["2024-11-01", "2024-10-31"], index=["x", "y"]))
    assert behavior.lifecycle_stage(first_new, first_new, cut).tolist() == ["新客", "活跃"]


def test_lifecycle_stage_orders_with_the_answer_key(key):
    o = load("orders")
    o = o[(o["status"] != "已取消") & ~o["order_id"].isin(key["fraud_orders"]["order_ids"])]
    o = o[o["order_time"] < "2024-12-01"]
    stage = behavior.lifecycle_stage(
        o.groupby("customer_id")["order_time"].min(), o.groupby("customer_id")["order_time"].max(), "2024-12-01"
    )
    p = truth_table("propensity").set_index("customer_id")["p_true"].groupby(stage).mean()
    assert p["活跃"] > p["沉睡"] > p["流失"]
    assert p["新客"] > p["沉睡"]


def test_lifecycle_stage_errors():
    first = pd.to_datetime(pd.Series(["2024-11-20"], index=[1]))
    with pytest.raises(ValueError, match="截止日 2024-12-01 当天或之后"):
        behavior.lifecycle_stage(first, pd.to_datetime(pd.Series(["2024-12-01 08:00"], index=[1])), "2024-12-01")
    with pytest.raises(ValueError, match="日期时间类型"):
        behavior.lifecycle_stage(first, pd.Series(["2024-11-20"], index=[1]), "2024-12-01")
    with pytest.raises(ValueError, match="不一致"):
        behavior.lifecycle_stage(first, pd.to_datetime(pd.Series(["2024-11-20"], index=[2])), "2024-12-01")
