"""world v2 · 故事 10（促销效果）：从发布的 promotions、orders、order_items 里找回每次活动的提升与透支。

第 8.1.2 节教的方法：事件研究（event study）——促销商品在活动前 28 天的日均件数作基线，用其他品类同期的
件数变化做双重差分校正（扣掉店铺整体的增长与星期效应），活动期实际 − 基线 = 提升；活动后同样比较 = 透支；
替代品同样比较 = 蚕食。朴素做法只看“活动期 vs 活动前”的促销商品，会高估净效应。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data import load, truth, truth_table

DAY = pd.Timedelta(days=1)
PRE_DAYS = 28
POST_DAYS = 7


@pytest.fixture(scope="module")
def data() -> dict:
    o = load("orders", "small")
    it = load("order_items", "small")
    products = load("products", "small")
    d = it.merge(o[["order_id", "order_time"]], on="order_id")
    days = pd.date_range("2023-01-01", "2024-12-31")
    daily = (
        d.groupby(["product_id", d["order_time"].dt.normalize()])["quantity"]
        .sum()
        .unstack(fill_value=0)
        .reindex(columns=days, fill_value=0)
    )
    return {
        "items": d,
        "daily": daily,
        "products": products,
        "promos": load("promotions", "small"),
        "effects": truth_table("promotion_effects"),
        "key": truth("small")["promotions"],
    }


def _ids(s: object) -> list[int]:
    return [int(x) for x in str(s).split(";") if x and x != "nan"]


def _gap(s: pd.Series, control: pd.Series, pre: slice, win: slice) -> float:
    """实际 − DiD 基线（活动前日均 × 对照组在窗口内相对活动前的倍数），在窗口内求和。"""
    return float((s[win] - s[pre].mean() * control[win] / control[pre].mean()).sum())


def _event_study(data: dict) -> pd.DataFrame:
    """每次活动：提升、活动后 7 天的差值与比值、替代品的差值（DiD 基线），以及朴素的前后对比。"""
    daily, prod = data["daily"], data["products"].set_index("product_id")
    rows = []
    for r in data["promos"].itertuples():
        pre = slice(r.start_date - PRE_DAYS * DAY, r.start_date - DAY)
        during = slice(r.start_date, r.end_date)
        post = slice(r.end_date + DAY, r.end_date + POST_DAYS * DAY)
        control = daily[daily.index.map(prod["category"]) != prod.loc[r.product_id, "category"]].sum()  # 店铺走势
        same_sub = prod.index[
            (prod["subcategory"] == prod.loc[r.product_id, "subcategory"]) & (prod.index != r.product_id)
        ]
        s = daily.loc[r.product_id]
        subs = daily.reindex(same_sub).fillna(0).sum()  # 替代品：同子类目的其他商品
        base7 = s[pre].mean() * control[post].sum() / control[pre].mean()
        rows.append(
            {
                "promotion_id": r.promotion_id,
                "uplift": _gap(s, control, pre, during),
                "naive": float((s[during] - s[pre].mean()).sum()),
                "post7_ratio": float(s[post].sum() / base7),
                "pull_forward": _gap(s, control, pre, post),
                "cannibalisation": _gap(subs, control, pre, during),
            }
        )
    return pd.DataFrame(rows).set_index("promotion_id")


@pytest.fixture(scope="module")
def est(data) -> pd.DataFrame:
    return _event_study(data)


def _true(data: dict, effect: str) -> pd.Series:
    e = data["effects"]
    return e[e["effect"] == effect].set_index("promotion_id")["incremental_units"].astype(float)


def test_truth_is_consistent_with_the_shipped_lines(data):
    """答案表的实际件数就是发布的 order_items 在窗口内的件数；活动价写进了 unit_price。"""
    d, eff = data["items"], data["effects"]
    assert len(data["promos"]) == len(data["key"]["events"]) >= 6
    assert len(eff) == 4 * len(data["promos"])
    for row in eff.itertuples():
        win = d["order_time"].between(pd.Timestamp(row.window_start), pd.Timestamp(row.window_end) + DAY, "left")
        actual = d.loc[win & d["product_id"].isin(_ids(row.product_ids)), "quantity"].sum()
        assert actual == row.actual_units, f"{row.promotion_id} {row.effect}：件数与 order_items 不符"
        assert row.counterfactual_units == row.actual_units - row.incremental_units
    price = data["products"].set_index("product_id")["price"]
    for r in data["promos"].itertuples():
        lines = d[d["product_id"] == r.product_id]
        on = lines["order_time"].between(r.start_date, r.end_date + DAY, "left")
        assert np.allclose(lines.loc[on, "unit_price"], round(price[r.product_id] * r.price_factor, 2))
        assert np.allclose(lines.loc[~on, "unit_price"], price[r.product_id]), "活动外应是原价"
        if r.promo_type == "买一赠一":
            assert (lines.loc[on, "quantity"] % 2 == 0).all(), "买一赠一的行件数应为偶数"


def test_event_study_recovers_each_uplift(data, est):
    true = _true(data, "uplift")
    err = est["uplift"] / true - 1
    assert (true > 0).all()
    assert err.abs().max() <= 0.4, f"事件研究估计的提升与真实增量相差超过 40%：{err.round(3).to_dict()}"
    total = est["uplift"].sum() / true.sum() - 1
    assert abs(total) <= 0.1, f"全部活动的总提升偏差 {total:.1%}（要求 ≤ 10%）"


def test_post_event_dip_where_pull_forward_was_planted(data, est):
    share = pd.Series({k: v["design"]["pull_forward_share"] for k, v in data["key"]["events"].items()})
    stock_up = share.index[share >= 0.3]  # 囤货型商品的买一赠一：透支最深
    assert len(stock_up) >= 3
    r = est.loc[stock_up, "post7_ratio"]
    assert (r < 0.95).all(), f"每次囤货型活动后 7 天都应低于基线：{r.round(3).to_dict()}"
    assert r.mean() < 0.85, f"囤货型活动后 7 天平均只有基线的 {r.mean():.0%}，应明显低于基线（要求 < 85%）"
    pf_true = _true(data, "pull_forward")[stock_up].sum()
    pf_est = est.loc[stock_up, "pull_forward"].sum()
    assert pf_true < 0 and 0.4 <= pf_est / pf_true <= 1.8, f"透支合计：估计 {pf_est:.0f}，真实 {pf_true:.0f}"


def test_naive_before_after_overstates_the_net_effect(data, est):
    net_true = sum(v["net_incremental_units"] for v in data["key"]["events"].values())
    uplift_true = _true(data, "uplift").sum()
    assert net_true < 0.85 * uplift_true, "透支与蚕食应吃掉提升的一部分"
    naive = est["naive"].sum()
    full = (est["uplift"] + est["pull_forward"] + est["cannibalisation"]).sum()
    assert naive > 1.1 * net_true, f"朴素前后对比 {naive:.0f} 应明显高估净效应 {net_true}"
    assert abs(full / net_true - 1) <= 0.25, f"算上透支与蚕食的净效应 {full:.0f} 应接近真实 {net_true}（±25%）"
    assert full < naive, "算上透支与蚕食后，净效应的估计应低于朴素对比"
