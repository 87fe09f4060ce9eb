"""world v2「shoppers」组：潜在购物者类型（4.2、5.3 章）与购买倾向（5.3、4.1 章）能从 small 数据里找回来。"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.data import load, truth, truth_table

NIGHT = [22, 23, 0, 1]


def _answer(name: str) -> pd.DataFrame:
    return truth_table(name, scale="small")


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    o = load("orders")
    fraud = set(truth("small")["fraud_orders"]["order_ids"])
    return o[~o["order_id"].isin(fraud)]


def _behaviour_features(orders: pd.DataFrame) -> pd.DataFrame:
    """≥3 单客户的行为特征：类目金额占比、平均单价（对数）、每单行数、用券比例、渠道占比、深夜占比。"""
    n = orders.groupby("customer_id").size()
    o = orders[orders["customer_id"].isin(n.index[n >= 3])]
    items = load("order_items").merge(o[["order_id", "customer_id"]], on="order_id")
    items = items.merge(load("products")[["product_id", "category"]], on="product_id")
    items["value"] = items["quantity"] * items["unit_price"]
    cat = items.pivot_table(index="customer_id", columns="category", values="value", aggfunc="sum", fill_value=0)
    cat = cat.div(cat.sum(axis=1), axis=0)
    per_c = items.groupby("customer_id")
    g = o.groupby("customer_id")
    feat = pd.DataFrame(
        {
            "log_unit_price": np.log(per_c["value"].sum() / per_c["quantity"].sum()),
            "lines_per_order": per_c.size() / g.size(),
            "coupon_share": g["coupon_id"].count() / g.size(),
            "night_share": o["order_time"].dt.hour.isin(NIGHT).groupby(o["customer_id"]).mean(),
        }
    )
    channel = pd.crosstab(o["customer_id"], o["channel"], normalize="index")
    return pd.concat([cat, feat, channel], axis=1).fillna(0.0)


def _kmeans_ari(x: pd.DataFrame, truth_labels: pd.Series) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    labels = KMeans(5, n_init=10, random_state=0).fit_predict(StandardScaler().fit_transform(x))
    return float(adjusted_rand_score(truth_labels.loc[x.index], labels))


def test_shopper_types_found_by_kmeans_on_behaviour_not_rfm(key, orders):
    types = _answer("customer_types").set_index("customer_id")["shopper_type"]
    assert sorted(types.unique()) == sorted(key["shopper_types"]["types"])
    x = _behaviour_features(orders)
    assert len(x) > 3000, "small 里 ≥3 单的客户足够多"
    ari = _kmeans_ari(x, types)
    assert 0.45 <= ari <= 0.8, f"行为特征 KMeans(5) 的 ARI 应在 0.45–0.8（能找回但不平凡），实际 {ari:.3f}"
    o = orders[orders["customer_id"].isin(x.index)]
    g = o.groupby("customer_id")
    end = orders["order_time"].max()
    rfm = pd.DataFrame(
        {"recency": (end - g["order_time"].max()).dt.days, "frequency": g.size(), "monetary": g["pay_amount"].mean()}
    )
    ari_rfm = _kmeans_ari(rfm, types)
    assert ari_rfm < 0.2, f"只用 RFM 做 KMeans(5) 的 ARI 应 < 0.2，实际 {ari_rfm:.3f}"


def test_shopper_types_differ_as_designed(key, orders):
    types = _answer("customer_types").set_index("customer_id")["shopper_type"]
    t = orders["customer_id"].map(types)
    assert t.notna().all(), "每张正常订单的客户都有类型"
    coupon = orders["coupon_id"].notna().groupby(t).mean()
    design = {d["shopper_type"]: d for d in key["shopper_types"]["design"]}
    mult = pd.Series({k: v["coupon_use_mult"] for k, v in design.items()})
    assert coupon.idxmax() == mult.idxmax() and coupon.idxmin() == mult.idxmin(), "用券比例最高/最低的类型与设计一致"
    for name, d in design.items():
        share = (orders.loc[t == name, "channel"] == d["preferred_channel"]).mean()
        others = (orders.loc[t != name, "channel"] == d["preferred_channel"]).mean()
        assert share > others + 0.2, (
            f"{name} 在偏好渠道 {d['preferred_channel']} 的占比（{share:.2f}）比其他人高 20 个百分点以上"
        )
    night = orders["order_time"].dt.hour.isin(NIGHT).groupby(t).mean()
    assert night.idxmax() == "冲动直播型", "深夜下单最多的是冲动直播型"
    shares = _answer("customer_types")["shopper_type"].value_counts(normalize=True)
    for name, v in key["shopper_types"]["realised"].items():
        assert shares[name] == pytest.approx(v["share_customers"], abs=1e-4)
        assert 0.08 <= shares[name] <= 0.4, f"{name} 占比 {shares[name]:.3f} 在 8%–40%"


def test_cdnow_like_concentration_kept(orders):
    n = orders.groupby("customer_id").size()
    one_time = (n == 1).mean()
    assert 0.42 <= one_time <= 0.58, f"只买一次的客户约一半（42%–58%），实际 {one_time:.3f}"
    rev = orders.groupby("customer_id")["pay_amount"].sum().sort_values(ascending=False)
    top = rev.iloc[: int(len(rev) * 0.2)].sum() / rev.sum()
    assert 0.60 <= top <= 0.75, f"前 20% 客户贡献 60%–75% 的实付金额，实际 {top:.3f}"


def test_propensity_rfm_model_below_ceiling(key, orders):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.preprocessing import StandardScaler

    pk = key["propensity"]
    cutoff = pd.Timestamp(pk["cutoff"])
    end = cutoff + pd.Timedelta(days=pk["window_days"])
    ans = _answer("propensity").set_index("customer_id")
    before = orders[orders["order_time"] < cutoff]
    g = before.groupby("customer_id")
    assert set(g.groups) == set(ans.index), "人群 = 截止日前下过单的客户"
    win = orders[(orders["order_time"] >= cutoff) & (orders["order_time"] < end)]
    y = ans.index.isin(win["customer_id"].unique())
    assert (y == ans["ordered_in_window"].to_numpy()).all(), "窗口内是否下单可以从 orders 重算"
    assert not (y & ~ans["alive_at_cutoff"].to_numpy()).any(), "截止日已流失的客户窗口内不下单"
    assert (ans.loc[~ans["alive_at_cutoff"], "p_true"] == 0).all()

    base = y.mean()
    se = np.sqrt(base * (1 - base) / len(y))
    mean_p = ans["p_true"].mean()
    assert abs(mean_p - base) < 3 * se, (
        f"平均 p_true {mean_p:.4f} 与实际比例 {base:.4f} 相差不超过 3 个标准误（{se:.4f}）"
    )

    feat = pd.DataFrame(
        {
            "recency": (cutoff - g["order_time"].max()).dt.days,
            "log_frequency": np.log(g.size()),
            "log_monetary": np.log1p(g["pay_amount"].mean()),
            "tenure": (cutoff - g["order_time"].min()).dt.days,
        }
    ).loc[ans.index]
    score = cross_val_predict(
        LogisticRegression(max_iter=1000), StandardScaler().fit_transform(feat), y, cv=5, method="predict_proba"
    )[:, 1]
    auc_rfm = roc_auc_score(y, score)
    auc_true = roc_auc_score(y, ans["p_true"])
    assert auc_true == pytest.approx(pk["auc_p_true"], abs=1e-3)
    assert auc_rfm > 0.7, f"5 折 RFM 逻辑回归的 AUC 应 > 0.7，实际 {auc_rfm:.3f}"
    assert auc_rfm < auc_true - 0.05, f"RFM 的 AUC（{auc_rfm:.3f}）比上限 p_true（{auc_true:.3f}）至少低 0.05"


def test_tiny_builds_with_both_stories(tmp_path):
    from coursekit.world.build import generate

    out = generate("tiny", out_dir=tmp_path / "tiny")
    key = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert set(key["shopper_types"]["realised"]) == set(key["shopper_types"]["types"])
    assert 0 < key["propensity"]["base_rate"] < 0.5
    assert key["propensity"]["n_customers"] > 50
