"""每个植入的故事都能用直接的分析在 small 数据上找回来（并与 truth 一致）。"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from helpers.data import load, truth


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")


def test_apriori_finds_planted_pairs(key):
    from mlxtend.frequent_patterns import apriori, association_rules

    items = load("order_items")
    basket = pd.crosstab(items["order_id"], items["product_id"]).gt(0)
    basket.columns = [str(c) for c in basket.columns]  # association_rules 需要 Python str
    frequent = apriori(basket, min_support=0.005, use_colnames=True)
    rules = association_rules(frequent, metric="lift", min_threshold=2.0)
    found = {frozenset(a | c) for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)}
    planted = {frozenset({str(p["product_a"]), str(p["product_b"])}) for p in key["planted_pairs"]["pairs"]}
    assert len(planted) >= 5
    assert planted <= found, "每个植入的商品对都被 apriori 找到"
    assert found <= planted, "lift≥2 的规则全是植入的（没有偶然的强规则）"
    for p in key["planted_pairs"]["pairs"]:
        assert 0.005 <= p["support"] <= 0.03
        assert 2.0 <= p["lift"] <= 5.0
        row = rules[rules["antecedents"] == frozenset({str(p["product_a"])})]
        row = row[row["consequents"] == frozenset({str(p["product_b"])})]
        assert row["lift"].iloc[0] == pytest.approx(p["lift"], abs=1e-3)
        assert row["support"].iloc[0] == pytest.approx(p["support"], abs=1e-5)


def test_coupon_uplift_recovered_by_difference_in_means(key):
    g = load("coupon_grants")
    exp = key["coupon_experiment"]
    rate = g.groupby("group", observed=True)["converted"].mean()
    n = g["group"].value_counts()
    diff = rate["实验组"] - rate["对照组"]
    se = np.sqrt(sum(rate[k] * (1 - rate[k]) / n[k] for k in ("实验组", "对照组")))
    assert diff - 1.96 * se <= exp["true_uplift"] <= diff + 1.96 * se
    assert diff == pytest.approx(exp["estimate"]["diff"], abs=1e-4)
    assert diff > 0.02
    by_seg = g.groupby(["segment", "group"], observed=True)["converted"].mean().unstack()
    uplift = by_seg["实验组"] - by_seg["对照组"]
    assert uplift.idxmax() == "沉睡", "沉睡客户对券最敏感"
    for seg, v in exp["by_segment"].items():
        assert uplift[seg] == pytest.approx(v["estimate"]["diff"], abs=1e-4)


def test_late_supplier_has_largest_delay(key):
    po = load("purchase_orders").dropna(subset=["received_date"])
    delay = (po["received_date"] - po["promised_date"]).dt.days.groupby(po["supplier_id"]).mean()
    assert delay.idxmax() == key["supply"]["late_supplier_id"]
    assert delay.max() > 3 * delay.drop(delay.idxmax()).max()


def test_late_supplier_skus_stock_out_most(key):
    inv, p = load("inventory"), load("products")
    sup = inv["product_id"].map(p.set_index("product_id")["supplier_id"])
    rate = inv["stockout"].groupby(sup).mean()
    assert rate.idxmax() == key["supply"]["late_supplier_id"]
    assert key["supply"]["stockout_cancelled_orders"] > 0


def test_bots_stand_out_on_events_per_user(key):
    ev = load("events")
    per_user = ev.groupby("user_id").size().sort_values(ascending=False)
    bots = set(key["bots"]["user_ids"])
    assert set(per_user.index[: len(bots)]) == bots
    assert per_user.loc[list(bots)].min() > 3 * per_user.drop(list(bots)).quantile(0.99)
    assert not ev[ev["user_id"].isin(bots)]["behavior_type"].isin(["buy", "cart", "fav"]).any()


def test_fraud_orders_found_by_simple_rule(key):
    o, it, p = load("orders"), load("order_items"), load("products")
    big = it.merge(p[["product_id", "category"]], on="product_id")
    big = big[(big["category"] == "数码") & (big["quantity"] >= 5) & (big["unit_price"] >= 800)]
    night = o[o["order_time"].dt.hour.between(1, 3)]
    suspects = set(big["order_id"]) & set(night["order_id"])
    truth_ids = set(key["fraud_orders"]["order_ids"])
    assert len(suspects & truth_ids) >= 0.9 * len(truth_ids)
    assert len(suspects - truth_ids) <= 0.1 * len(truth_ids)


def test_csat_falls_with_first_response_time(key):
    t = load("service_tickets").dropna(subset=["csat"])
    rho = spearmanr(t["first_response_minutes"], t["csat"].astype(float)).statistic
    assert rho < -0.3
    bins = pd.cut(t["first_response_minutes"], [0, 5, 15, 30, 60, 120, 1e9], include_lowest=True)
    means = t.groupby(bins, observed=True)["csat"].mean().to_numpy(float)
    assert (np.diff(means) < 0).all()
    x = np.log2(1 + t["first_response_minutes"] / 10)
    slope = np.polyfit(x, t["csat"].astype(float), 1)[0]
    assert slope < 0.5 * key["service"]["csat_model"]["slope_per_log2_unit"]


def test_ratings_fall_with_delivery_delay(key):
    r, o = load("reviews"), load("orders").set_index("order_id")
    delay = (
        o.loc[r["order_id"], "delivered_at"].dt.normalize() - o.loc[r["order_id"], "promised_delivery_date"]
    ).dt.days.to_numpy()
    late = delay > 0
    assert r["rating"][~late].mean() - r["rating"][late].mean() > 0.6
    assert key["reviews"]["mean_rating_by_late"]["True"] < key["reviews"]["mean_rating_by_late"]["False"]


def test_review_sentiment_and_aspects_recoverable_with_jieba(key):
    """生成器自检：词表来自生成器本身（第 6 章不能用），泛化检验见 test_world_v2_review_text.py。"""
    import jieba

    from coursekit.world.text import ASPECT_KEYWORDS, NEGATIVE_WORDS, POSITIVE_WORDS

    jieba.setLogLevel(logging.ERROR)
    r = load("reviews").dropna(subset=["review_text"])
    r = r.sample(n=min(3000, len(r)), random_state=0)
    tokens = r["review_text"].map(jieba.lcut)
    pos, neg = set(POSITIVE_WORDS), set(NEGATIVE_WORDS)
    score = tokens.map(lambda ws: sum(w in pos for w in ws) - sum(w in neg for w in ws))
    assert spearmanr(score, r["rating"]).statistic > 0.6
    lab = pd.DataFrame(key["reviews"]["labels"]).set_index("review_id").loc[r["review_id"]]
    for aspect, words in ASPECT_KEYWORDS.items():
        found = tokens.map(lambda ws, words=words: any(w in ws for w in words)).to_numpy()
        true = (lab["neg_aspects"].str.contains(aspect) | lab["pos_aspects"].str.contains(aspect)).to_numpy()
        assert (found & true).sum() / found.sum() > 0.95, aspect
        assert (found & true).sum() / true.sum() > 0.75, aspect
    # 迟到订单的负面评论提到物流
    neg_log = lab["neg_aspects"].str.contains("物流").to_numpy()
    assert tokens[neg_log].map(lambda ws: "物流" in ws or "快递" in ws or "发货" in ws or "送货" in ws).mean() > 0.95
    assert r["review_text"].nunique() > 0.6 * len(r), "评论足够多样"


def test_churn_drivers_visible(key):
    o, c = load("orders"), load("customers")
    valid = o[o["status"] != "已取消"]
    cutoff = pd.Timestamp(key["churn"]["cutoff"])
    before = valid[valid["order_time"] < cutoff].sort_values("order_time")
    after = set(valid.loc[valid["order_time"] >= cutoff, "customer_id"])
    last = before.groupby("customer_id").tail(1).set_index("customer_id")
    last = last.drop(index=key["fraud_orders"]["customer_ids"], errors="ignore")
    churned = ~last.index.isin(list(after))
    assert set(last.index[churned]) == set(key["churn"]["churned_customer_ids"])
    late = (last["delivered_at"].dt.normalize() > last["promised_delivery_date"]).to_numpy()
    assert churned[late].mean() - churned[~late].mean() > 0.08
    ch = c.set_index("customer_id").loc[last.index, "acquisition_channel"].to_numpy()
    assert churned[ch == "直播带货"].mean() > churned[ch == "自然流量"].mean() + 0.03


def test_clv_truth_tracks_behaviour(key):
    clv = pd.DataFrame(key["clv"]["customers"]).set_index("customer_id")
    assert set(key["clv"]["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(key["clv"]["gamma_gamma"]) == {"p", "q", "v"}
    o = load("orders")
    n2024h2 = o[o["order_time"] >= "2024-07-01"].groupby("customer_id").size()
    n = n2024h2.reindex(clv.index, fill_value=0)
    assert spearmanr(clv["expected_purchases_next_52w"], n).statistic > 0.3
    lam_mean = clv["lambda_per_week"].mean()
    assert lam_mean == pytest.approx(key["clv"]["bgnbd"]["r"] / key["clv"]["bgnbd"]["alpha"], rel=0.15)
    spend = o[o["status"] == "已完成"].groupby("customer_id")["gross_amount"].mean()
    both = clv.join(spend.rename("aov"), how="inner")
    assert spearmanr(both["expected_order_value"], both["aov"]).statistic > 0.2


def test_orders_raw_fault_counts(key):
    raw = load("orders_raw")
    f = key["orders_raw"]
    assert all(raw[c].dtype == object or str(raw[c].dtype) in ("str", "string") for c in raw.columns)
    assert len(raw) == f["rows_total"]
    assert raw.duplicated().sum() >= f["exact_duplicate_rows"]
    assert raw["order_no"].str.startswith("C").sum() == f["cancellation_rows"]
    assert raw["customer_id"].isna().sum() == f["missing_customer_id_rows"]
    assert raw["unit_price"].str.contains("[¥￥元]").sum() >= f["price_format_counts"]["yen"]
    assert raw["province"].isin(["北京", "上海", "广东", "浙江", "江苏", "四川", "广西", "天津", "重庆"]).sum() > 0
    assert raw["sku"].str.startswith(("TEST", "FEE")).sum() >= f["test_or_fee_rows"]
    assert (raw["product_name"] != raw["product_name"].str.strip()).sum() >= f["product_name_whitespace_rows"]
    assert raw["quantity"].astype(int).abs().max() == 8000
    assert raw["order_time"].str.contains("年").sum() >= f["date_format_counts"]["chinese"]


def test_dirty_timestamps_counted(key):
    ev = load("events")
    lo, hi = 1729440000, 1733068800
    assert ((ev["timestamp"] < lo) | (ev["timestamp"] >= hi)).sum() == key["events"]["dirty_timestamps"]
    assert key["events"]["dirty_timestamps"] > 0
