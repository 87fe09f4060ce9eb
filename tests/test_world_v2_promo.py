"""world v2 · promo 组：故事 9（券面 A/B/n 实验）与 15b（优惠券定向神谕），从发布的文件里找回。"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.data import load, truth, truth_table

ARMS = [f"A{i}" for i in range(1, 8)]


@pytest.fixture(scope="module")
def ab() -> pd.DataFrame:
    return load("coupon_ab_grants", "small")


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")["coupon_ab"]


def _estimates(ab: pd.DataFrame) -> pd.DataFrame:
    """每臂减对照：转化率差（及 95% 置信区间）、人均毛利差、兑换率——第 8.1.1 节教的方法。"""
    ctl = ab[ab["arm"] == "对照"]
    rows = {}
    for arm in ARMS:
        g = ab[ab["arm"] == arm]
        p1, p0 = g["converted"].mean(), ctl["converted"].mean()
        se = np.sqrt(p1 * (1 - p1) / len(g) + p0 * (1 - p0) / len(ctl))
        rows[arm] = {
            "lift": p1 - p0,
            "lo": p1 - p0 - 1.96 * se,
            "hi": p1 - p0 + 1.96 * se,
            "margin": g["order_margin"].mean() - ctl["order_margin"].mean(),
            "redeem": g["redeemed"].mean(),
        }
    return pd.DataFrame(rows).T


def test_ci_covers_true_lift(ab, key):
    est = _estimates(ab)
    true = pd.Series({a: key["arms"][a]["true_lift"] for a in ARMS})
    assert true.between(0.015, 0.04).all(), f"设计要求真实提升在 1.5–4 个百分点：{true.round(4).to_dict()}"
    covered = ((est["lo"] <= true) & (true <= est["hi"])).sum()
    assert covered >= 5, f"95% 置信区间只覆盖了 {covered}/7 个臂的真实提升（要求 >= 5）"


def test_margin_ranking_differs_and_redemption_is_not_incrementality(ab, key):
    est = _estimates(ab)
    by_lift = list(est["lift"].astype(float).sort_values(ascending=False).index)
    by_margin = list(est["margin"].astype(float).sort_values(ascending=False).index)
    assert by_lift != by_margin, f"按提升与按增量毛利的排序应不同：{by_lift} vs {by_margin}"
    assert by_lift[0] != by_margin[0], f"提升最大的臂不该也是增量毛利最大的：{by_lift[0]}"
    rho = stats.spearmanr(est["redeem"].astype(float), est["margin"].astype(float)).statistic
    assert rho < 0.8, f"兑换率与增量毛利的秩相关应 < 0.8，实际 {rho:.2f}"
    # 兑换的人里有不少本来就会买：兑换率明显大于真实提升
    for a in ARMS:
        assert est.loc[a, "redeem"] > 1.1 * key["arms"][a]["true_lift"], f"{a} 的兑换率应高于真实增量"
    # 估计的增量毛利与真相一致（容差 3 个标准误，约 1.3 元/人）
    ctl = ab.loc[ab["arm"] == "对照", "order_margin"]
    for a in ARMS:
        g = ab.loc[ab["arm"] == a, "order_margin"]
        se = np.sqrt(g.var() / len(g) + ctl.var() / len(ctl))
        t = key["arms"][a]["true_incremental_margin"]
        assert abs(est.loc[a, "margin"] - t) < 3 * se, f"{a} 增量毛利 {est.loc[a, 'margin']:.2f} 与真值 {t} 差超 3 SE"


def test_threshold_bunching(ab, key):
    """满减臂：实付 + 券面 = 订单额，门槛之上 [thr, thr+25) 的订单比门槛之下 [0.8thr, thr) 多得多。"""
    ctl = ab[(ab["arm"] == "对照") & ab["converted"]]
    for a in ["A4", "A5"]:
        info = key["arms"][a]
        thr, val = info["threshold"], info["value"]
        g = ab[(ab["arm"] == a) & ab["converted"]]
        gross = g["order_revenue"] + np.where(g["redeemed"], val, 0.0)
        above = ((gross >= thr) & (gross < thr + 25)).sum()
        below = ((gross >= 0.8 * thr) & (gross < thr)).sum()
        c_above = ((ctl["order_revenue"] >= thr) & (ctl["order_revenue"] < thr + 25)).sum()
        c_below = ((ctl["order_revenue"] >= 0.8 * thr) & (ctl["order_revenue"] < thr)).sum()
        assert above > 3 * max(below, 1), f"{a}：门槛上方 {above} 单应远多于下方 {below} 单"
        assert c_above < 2 * max(c_below, 1), f"对照组不应有堆积：上方 {c_above}、下方 {c_below}"


def test_oracle_reproduces_shipped_counts_and_targeting_beats_random(ab):
    from helpers.data.oracle import coupon_targeting

    for a in ["A2", "A5"]:
        g = ab[ab["arm"] == a]
        r = coupon_targeting(g["customer_id"], coupon=a, scale="small")
        assert r["orders_if_granted"] == int(g["converted"].sum()), f"{a}：神谕与发布的转化数不一致"
        assert r["n"] == len(g)
    ctl = ab[ab["arm"] == "对照"]
    r0 = coupon_targeting(ctl["customer_id"], coupon="A2", scale="small")
    assert r0["orders_if_not"] == int(ctl["converted"].sum()), "神谕的不发券结果应等于对照组的转化数"
    pot = truth_table("coupon_ab_potential", "small")
    effect = pot["margin_A5"] - pot["margin_对照"]
    k = 2000
    best = coupon_targeting(pot.loc[effect.sort_values(ascending=False).index[:k], "customer_id"], coupon="A5")
    rnd = coupon_targeting(pot["customer_id"].sample(k, random_state=0), coupon="A5")
    assert best["incremental_margin"] > rnd["incremental_margin"] + 1000, f"按真实效应定向应胜过随机：{best} vs {rnd}"
    with pytest.raises(ValueError, match="coupon"):
        coupon_targeting([], coupon="B9")


def test_tiny_builds_with_story(tmp_path):
    from coursekit.world.build import generate

    generate("tiny", out_dir=tmp_path / "tiny")
    g = load("coupon_ab_grants", "tiny", root=tmp_path)
    assert set(g["arm"]) == {"对照", *ARMS}, "tiny 也应有对照 + 7 个臂"
    cp = load("coupons", "tiny", root=tmp_path)
    assert (cp["campaign"] == "券面实验").sum() == 7, "coupons 追加了 7 张实验券"
    assert cp.loc[cp["campaign"] == "券面实验", "coupon_id"].tolist() == list(range(15, 22))
