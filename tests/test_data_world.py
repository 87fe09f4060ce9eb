"""一个模拟、各表一致：参照完整性与金额/库存的加总（tiny 与 small 都测）。"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.world import generate
from helpers.data import load, truth
from helpers.data.io import datasets_root


@pytest.fixture(scope="module", params=["tiny", "small"])
def world(request, tmp_path_factory):
    """返回 (读表函数, 答案)。tiny 现场生成到临时目录；small 用仓库自带的数据。"""
    if request.param == "tiny":
        root = tmp_path_factory.mktemp("data")
        generate("tiny", out_dir=root / "tiny")
    else:
        root = datasets_root()
    cache: dict[str, pd.DataFrame] = {}

    def get(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = load(name, request.param, root=root)
        return cache[name]

    return get, truth(request.param, root=root)


def test_items_sum_to_gross_and_pay(world):
    get, _ = world
    o, it = get("orders"), get("order_items")
    s = (it["quantity"] * it["unit_price"]).groupby(it["order_id"]).sum()
    assert set(s.index) == set(o["order_id"]), "每张订单都有明细，明细都属于某张订单"
    gross = o.set_index("order_id")["gross_amount"]
    assert np.allclose(s.loc[gross.index], gross, atol=0.011)
    assert np.allclose(o["pay_amount"], o["gross_amount"] - o["discount_amount"], atol=0.011)
    assert (o["discount_amount"] >= 0).all() and (o["pay_amount"] > 0).all()
    assert (it["quantity"] > 0).all()


def test_keys_join(world):
    get, _ = world
    o, it, c, p = get("orders"), get("order_items"), get("customers"), get("products")
    assert o["order_id"].is_unique and c["customer_id"].is_unique and p["product_id"].is_unique
    assert o["customer_id"].isin(c["customer_id"]).all()
    assert it["product_id"].isin(p["product_id"]).all()
    assert p["supplier_id"].isin(get("suppliers")["supplier_id"]).all()
    assert o["coupon_id"].dropna().isin(get("coupons")["coupon_id"]).all()
    for name in ("service_tickets", "touchpoints", "coupon_grants"):
        t = get(name)
        assert t["order_id"].dropna().isin(o["order_id"]).all(), name
        assert t["customer_id"].isin(c["customer_id"]).all(), name
    assert get("surveys")["order_id"].isin(o["order_id"]).all()
    first = o.groupby("customer_id")["order_time"].min()
    signup = c.set_index("customer_id")["signup_date"]
    assert (first >= signup.loc[first.index]).all(), "首单不早于注册"


def test_order_status_and_delivery(world):
    get, _ = world
    o = get("orders")
    assert set(o["status"].unique()) <= {"已完成", "已取消", "已退款"}
    cancelled = o["status"] == "已取消"
    assert o.loc[cancelled, "delivered_at"].isna().all()
    d = o.dropna(subset=["delivered_at"])
    assert (d["delivered_at"] > d["order_time"]).all()
    assert (o["promised_delivery_date"] > o["order_time"].dt.normalize()).all()


def test_coupon_rules(world):
    get, _ = world
    o, cp = get("orders"), get("coupons").set_index("coupon_id")
    used = o.dropna(subset=["coupon_id"])
    c = cp.loc[used["coupon_id"].astype(int)]
    day = used["order_time"].dt.normalize().to_numpy()
    assert (day >= c["start_date"].to_numpy()).all() and (day <= c["end_date"].to_numpy()).all()
    assert (used["gross_amount"].to_numpy() >= c["threshold"].to_numpy()).all()
    assert (o.loc[o["coupon_id"].isna(), "discount_amount"] == 0).all()


def test_reviews_only_for_delivered_orders(world):
    get, _ = world
    o, r, it = get("orders").set_index("order_id"), get("reviews"), get("order_items")
    assert r["order_id"].is_unique
    assert (o.loc[r["order_id"], "status"] == "已完成").all()
    assert (r["review_time"].to_numpy() >= o.loc[r["order_id"], "delivered_at"].to_numpy()).all()
    assert (r["customer_id"].to_numpy() == o.loc[r["order_id"], "customer_id"].to_numpy()).all()
    pairs = set(zip(it["order_id"], it["product_id"], strict=True))
    assert all(pair in pairs for pair in zip(r["order_id"], r["product_id"], strict=True))
    assert r["rating"].between(1, 5).all()


def test_coupon_grants_match_orders(world):
    get, t = world
    g, o = get("coupon_grants"), get("orders").set_index("order_id")
    assert g["customer_id"].is_unique
    assert (g["converted"] == g["order_id"].notna()).all()
    red = g[g["redeemed"]]
    assert (red["group"] == "实验组").all()
    assert (o.loc[red["order_id"].astype(int), "coupon_id"] == t["coupon_experiment"]["coupon_id"]).all()
    assert (g.loc[g["group"] == "对照组", "coupon_id"].isna()).all()
    assert abs((g["group"] == "实验组").mean() - 0.5) < 0.01


def test_inventory_balances(world):
    get, _ = world
    inv = get("inventory")
    assert (inv["closing_stock"] == inv["opening_stock"] + inv["inbound_qty"] - inv["sales_qty"]).all()
    assert (inv["closing_stock"] >= 0).all()
    inv = inv.sort_values(["product_id", "warehouse", "date"])
    same = (inv["product_id"].shift(-1) == inv["product_id"]) & (inv["warehouse"].shift(-1) == inv["warehouse"])
    assert (inv["closing_stock"][same].to_numpy() == inv["opening_stock"].shift(-1)[same].to_numpy()).all()
    assert inv.loc[inv["unmet_qty"] > 0, "stockout"].all()


def test_inventory_sales_match_shipments(world):
    get, _ = world
    o, it, inv = get("orders"), get("order_items"), get("inventory")
    shipped = it.merge(o.loc[o["status"] != "已取消", ["order_id", "order_time", "warehouse"]], on="order_id")
    shipped["date"] = shipped["order_time"].dt.normalize()
    s = shipped.groupby(["date", "product_id", "warehouse"], observed=True)["quantity"].sum()
    inv_s = inv[inv["sales_qty"] > 0].set_index(["date", "product_id", "warehouse"])["sales_qty"]
    assert s.sort_index().equals(inv_s.sort_index().astype(s.dtype))


def test_purchase_receipts_are_inventory_inbound(world):
    get, _ = world
    po, inv = get("purchase_orders"), get("inventory")
    rec = (
        po.dropna(subset=["received_date"])
        .groupby(["received_date", "product_id", "warehouse"], observed=True)["quantity"]
        .sum()
    )
    inb = inv[inv["inbound_qty"] > 0].set_index(["date", "product_id", "warehouse"])["inbound_qty"]
    rec.index = rec.index.set_names(["date", "product_id", "warehouse"])
    assert rec.sort_index().equals(inb.sort_index().astype(rec.dtype))
    assert (po["promised_date"] > po["order_date"]).all()
    assert (
        po.dropna(subset=["received_date"])["received_date"] >= po.dropna(subset=["received_date"])["promised_date"]
    ).all()


def test_events_relate_to_products_and_orders(world):
    get, t = world
    ev, p, o, it = get("events"), get("products"), get("orders"), get("order_items")
    cat = p.set_index("product_id")["category_id"]
    assert ev["item_id"].isin(p["product_id"]).all()
    assert (ev["category_id"].to_numpy() == cat.loc[ev["item_id"]].to_numpy()).all()
    assert ev["timestamp"].dtype == np.int64
    # 每个 buy 都是窗口内的一行订单明细（同一用户、商品、时刻）
    win = o[(o["order_time"] >= "2024-10-21") & (o["order_time"] < "2024-12-02")]
    lines = it.merge(win[["order_id", "customer_id", "order_time"]], on="order_id")
    ts = (lines["order_time"] - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1) - 8 * 3600
    want = sorted(zip(lines["customer_id"], lines["product_id"], ts, strict=True))
    buys = ev[ev["behavior_type"] == "buy"]
    lo, hi = 1729440000, 1733068800  # 2024-10-21 00:00 至 2024-12-02 00:00（北京时间）
    clean = buys[(buys["timestamp"] >= lo) & (buys["timestamp"] < hi)]
    got = sorted(zip(clean["user_id"], clean["item_id"], clean["timestamp"], strict=True))
    assert len(buys) == len(want)
    assert set(got) <= set(want)
    assert len(got) >= len(want) - t["events"]["dirty_timestamps"]


def test_tickets_and_surveys_ranges(world):
    get, _ = world
    tk, sv = get("service_tickets"), get("surveys")
    assert tk["csat"].dropna().between(1, 5).all()
    assert (tk["first_response_minutes"] > 0).all()
    r = tk.dropna(subset=["resolved_at"])
    assert (r["resolved_at"] >= r["created_at"]).all()
    assert tk.loc[~tk["resolved"], "resolved_at"].isna().all()
    assert sv["recommend_score"].between(0, 10).all()
    for c in ("score_quality", "score_logistics", "score_service", "score_overall"):
        assert sv[c].between(1, 5).all()


def test_touchpoints_precede_orders(world):
    get, _ = world
    tp, o = get("touchpoints"), get("orders").set_index("order_id")
    conv = tp.dropna(subset=["order_id"])
    assert (conv["touch_time"].to_numpy() <= o.loc[conv["order_id"].astype(int), "order_time"].to_numpy()).all()


def test_truth_counts_match_tables(world):
    get, t = world
    assert set(t["bots"]["user_ids"]) <= set(get("customers")["customer_id"])
    assert set(t["fraud_orders"]["order_ids"]) <= set(get("orders")["order_id"])
    ev = get("events")
    assert t["events"]["rows"] == len(ev)
    assert sum(t["events"]["behavior_counts"].values()) == len(ev)
