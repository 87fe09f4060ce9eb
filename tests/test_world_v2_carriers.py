"""world v2 故事 8（第 7.2 节）：承运商与发货、供应链成本、福建停工的供应中断。

都从发布的 small 文件里用第 7.2 节教的方法找回来，再与答案 truth 核对；每个故事配一个“朴素做法”的对照。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data import load, truth

ON_TIME_TOL = 0.01  # 每家上万单，准时率的抽样误差约 ±0.003
LEAD_TOL = 1.5  # 天：窗口里只有二十几张受影响的采购单


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")


@pytest.fixture(scope="module")
def inventory() -> pd.DataFrame:
    return load("inventory", "small")


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    """发货 ⋈ 订单 ⋈ 客户（城市等级）⋈ 承运商，加上件数与是否迟到。"""
    sh = load("shipments", "small")
    o = load("orders", "small")[["order_id", "customer_id", "order_time", "promised_delivery_date", "delivered_at"]]
    c = load("customers", "small")[["customer_id", "city_tier"]]
    units = load("order_items", "small").groupby("order_id")["quantity"].sum().rename("units")
    df = sh.merge(o, on="order_id").merge(c, on="customer_id").merge(load("carriers", "small"), on="carrier_id")
    df = df.join(units, on="order_id")
    df["late"] = df["delivered_at"].dt.normalize() > df["promised_delivery_date"]
    return df


def test_shipments_are_the_shipped_orders(shipped):
    o = load("orders", "small")
    assert set(shipped["order_id"]) == set(o.loc[o["status"] != "已取消", "order_id"]), "每张未取消的订单恰好一条发货"
    assert (shipped["shipped_at"] >= shipped["order_time"]).all(), "出库不早于下单"
    d = shipped.dropna(subset=["delivered_at"])
    assert (d["shipped_at"] < d["delivered_at"]).all(), "出库早于送达"
    wh = load("customers", "small").set_index("customer_id")["province"]
    assert (shipped["province"].astype(str) == shipped["customer_id"].map(wh).astype(str)).all(), "收货省份 = 客户省份"


def test_carrier_on_time_rates_recovered(shipped, key):
    d = shipped.dropna(subset=["delivered_at"])  # 在途的不算
    rate = 1 - d.groupby("carrier_name", observed=True)["late"].mean()
    design = {k: v["design_on_time_rate"] for k, v in key["carriers"]["carriers"].items()}
    err = {k: abs(rate[k] - v) for k, v in design.items()}
    assert max(err.values()) < ON_TIME_TOL, f"按承运商的准时率 vs 设计：{rate.round(4).to_dict()} vs {design}"
    assert rate.idxmax() == "禾风快运" and rate.idxmin() == "通远快递"
    # 朴素做法：相信合同承诺准时率（carriers.promised_on_time_rate）——通远快递实际差得多
    sla = shipped.groupby("carrier_name", observed=True)["promised_on_time_rate"].first()
    assert sla["通远快递"] - rate["通远快递"] > 0.015, "合同承诺不是实际表现"
    assert sla["通远快递"] - rate["通远快递"] > 2 * err["通远快递"]


def test_shipping_cost_follows_the_rate_card(shipped, key):
    rates = load("carrier_rates", "small").astype({"city_tier": str})
    df = shipped.astype({"city_tier": str}).merge(rates, on=["carrier_id", "city_tier"])
    assert len(df) == len(shipped)
    peak = np.zeros(len(df), bool)
    day = df["shipped_at"].dt.normalize()
    for year in (2023, 2024):
        for a, b in key["carriers"]["peak_windows_mmdd"]:
            peak |= ((day >= f"{year}-{a}") & (day <= f"{year}-{b}")).to_numpy()
    fee = df["base_fee"] + df["extra_item_fee"] * (df["units"] - 1) + df["peak_surcharge"] * peak
    assert np.allclose(df["shipping_cost"], fee, atol=0.011), "运费 = 基础运费 + 续件费×(件数−1) + 旺季附加费"


def test_cost_per_order_needs_the_city_tier(shipped):
    """朴素做法（直接比平均每单运费）与分城市等级比较的结论相反。"""
    naive = shipped.groupby("carrier_name", observed=True)["shipping_cost"].mean()
    assert naive["邮达包裹"] > naive["通远快递"] + 0.1, f"平均每单运费：{naive.round(3).to_dict()}"
    by_tier = shipped.groupby(["city_tier", "carrier_name"], observed=True)["shipping_cost"].mean().unstack()
    assert (by_tier["邮达包裹"] < by_tier["通远快递"]).all(), f"分城市等级邮达都更便宜：{by_tier.round(2)}"


def test_supply_cost_breakdown_adds_up(key, inventory):
    c = key["supply_costs"]
    po = load("purchase_orders", "small")
    sh = load("shipments", "small")
    inv = inventory[inventory["date"] >= "2024-01-01"]
    cost = inv["product_id"].map(load("products", "small").set_index("product_id")["cost"])
    got = {
        "purchase_cost": po.loc[po["order_date"] >= "2024-01-01", "total_cost"].sum(),
        "transport_cost": sh.loc[sh["shipped_at"] >= "2024-01-01", "shipping_cost"].sum(),
        "holding_cost": (inv["closing_stock"] * cost).sum() * c["holding_rate_per_year"] / 365,
    }
    for k, v in got.items():
        assert v == pytest.approx(c[k], abs=0.02), f"{k}：从表算出 {v:.2f}，truth {c[k]}"
    assert sum(got.values()) == pytest.approx(c["total_cost"], abs=0.05), "三项相加等于总成本"
    assert got["purchase_cost"] > got["transport_cost"] > 0 and got["holding_cost"] > 0


@pytest.fixture(scope="module")
def po_2024() -> pd.DataFrame:
    po = load("purchase_orders", "small").dropna(subset=["received_date"])
    po = po[po["order_date"] >= "2024-01-01"]
    prov = load("suppliers", "small").set_index("supplier_id")["province"].astype(str)
    return po.assign(
        delay=(po["received_date"] - po["promised_date"]).dt.days,
        lead=(po["received_date"] - po["order_date"]).dt.days,
        province=po["supplier_id"].map(prov),
        block=(po["order_date"] - pd.Timestamp("2024-01-01")).dt.days // 14,
    )


def test_disruption_found_by_province_and_fortnight(po_2024, key):
    """按供应商省份 × 下单双周看平均延迟比全年高出多少：最突出的格子就是停工的省份和时间。"""
    dis = key["disruption"]
    g = po_2024.groupby(["province", "block"])["delay"].mean()
    excess = g - po_2024.groupby("province")["delay"].mean().reindex(g.index.get_level_values(0)).to_numpy()
    (prov, block), top = excess.idxmax(), excess.max()
    assert prov == dis["province"], f"延迟最突出的是 {prov} 第 {block} 个双周（+{top:.1f} 天），应为停工省份"
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=14 * int(block))
    # 这个双周与“停工前两周至停工结束”重叠（停工前下、还没发货的单也被顺延）
    early = pd.Timestamp(dis["start"]) - pd.Timedelta(days=14)
    assert early < start + pd.Timedelta(days=14) and start <= pd.Timestamp(dis["end"]), f"双周从 {start:%Y-%m-%d} 开始"
    others = excess.drop(index=dis["province"], level=0)
    assert top > 2 * others.max(), f"停工格子 +{top:.1f} 天应远高于其他省份的最大值 +{others.max():.1f}"
    # 朴素做法：全年平均延迟只会指向一直迟到的供应商 7，停工地区的供应商看上去正常
    yearly = po_2024.groupby("supplier_id")["delay"].mean()
    assert yearly.idxmax() == key["supply"]["late_supplier_id"]
    assert (yearly.loc[dis["supplier_ids"]] < 2.0).all(), f"全年平均稀释了停工：{yearly.round(2).to_dict()}"


def test_disruption_lengthens_lead_times(po_2024, key):
    dis = key["disruption"]
    s, e = pd.Timestamp(dis["start"]), pd.Timestamp(dis["end"])
    mine = po_2024[po_2024["supplier_id"].isin(dis["supplier_ids"])]
    in_win = mine[(mine["order_date"] >= s) & (mine["order_date"] <= e)]
    far = mine[(mine["order_date"] < s - pd.Timedelta(days=14)) | (mine["order_date"] > e + pd.Timedelta(days=14))]
    diff = in_win["lead"].mean() - far["lead"].mean()
    assert len(in_win) == dis["n_pos_placed_in_window"]
    assert abs(diff - dis["mean_extra_days_pos_placed_in_window"]) < LEAD_TOL, (
        f"窗口内下单的交期比平时长 {diff:.2f} 天，truth 的顺延 {dis['mean_extra_days_pos_placed_in_window']} 天"
    )
    assert diff > 0.5 * dis["days"] - LEAD_TOL


def test_disruption_causes_stockouts(key, inventory):
    dis = key["disruption"]
    inv = inventory
    s, r = pd.Timestamp(dis["start"]), pd.Timestamp(dis["recovery_end"])
    aff = inv["product_id"].isin(dis["product_ids"])
    win = (inv["date"] >= s) & (inv["date"] <= r)
    before = (inv["date"] >= s - pd.Timedelta(days=28)) & (inv["date"] < s)
    rate = {
        (a, w): inv.loc[(aff == a) & m, "stockout"].mean()
        for a in (True, False)
        for w, m in (("win", win), ("pre", before))
    }
    truth_actual = dis["shutdown_plus_recovery"]["actual"]
    assert int(inv.loc[aff & win, "stockout"].sum()) == truth_actual["stockout_sku_days"]
    did = (rate[True, "win"] - rate[True, "pre"]) - (rate[False, "win"] - rate[False, "pre"])
    effect = dis["shutdown_plus_recovery"]["effect_stockout_rate"]
    assert rate[True, "win"] > 3 * rate[True, "pre"], (  # 之前 28 天含 618，本身就有缺货
        f"受影响商品停工期缺货率 {rate[True, 'win']:.4f} vs 之前 {rate[True, 'pre']:.4f}"
    )
    assert did > 0.005, f"双重差分 {did:.4f}"
    assert abs(did - effect) < 0.006, f"双重差分 {did:.4f} vs truth 的反事实效应 {effect}"
    assert dis["shutdown_plus_recovery"]["counterfactual"]["stockout_sku_days"] < truth_actual["stockout_sku_days"]
