"""world v2 “供应链”组的故事：真实需求（7）、承运商与供应中断（8）、库存策略模拟器（15a）。

每个故事都从发布的 small 文件里用对应章节教的方法找回来。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data import load, truth, truth_table

ORIGINS = ["2024-07-15", "2024-08-19", "2024-09-23", "2024-10-28", "2024-12-02"]


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")


@pytest.fixture(scope="module")
def inventory() -> pd.DataFrame:
    return load("inventory", "small")


@pytest.fixture(scope="module")
def demand_cube(inventory) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """(真实期望需求, 实际需求 = sales_qty + unmet_qty)，形状 (日, 商品×仓库)，均为 2024 下半年之前 28 天起。"""
    dem = truth_table("demand", "small")
    inv = inventory.assign(y=inventory["sales_qty"] + inventory["unmet_qty"])
    y = inv.pivot_table(index="date", columns=["product_id", "warehouse"], values="y", aggfunc="sum", observed=True)
    e = dem.pivot_table(
        index="date", columns=["product_id", "warehouse"], values="expected_units", aggfunc="sum", observed=True
    )
    y = y.loc["2024-06-03":]
    e = e.reindex(index=y.index, columns=y.columns)
    return e.to_numpy(), y.to_numpy(float), y.index


def test_true_demand_is_calibrated(key, inventory):
    dem = truth_table("demand", "small")
    assert dem["date"].min() == pd.Timestamp("2024-07-01") and dem["date"].max() == pd.Timestamp("2024-12-31")
    h2 = inventory[inventory["date"] >= "2024-07-01"]
    cat = load("products", "small").set_index("product_id")["category"]
    real = (h2["sales_qty"] + h2["unmet_qty"]).groupby(h2["product_id"].map(cat)).sum()
    exp = dem["expected_units"].groupby(dem["product_id"].map(cat)).sum()
    ratio = exp.sum() / real.sum()
    assert abs(ratio - 1) < 0.02, f"期望需求总量 / 实际需求总量 = {ratio:.4f}，应在 1 ± 2% 内"
    per_cat = exp / real
    assert (per_cat.sub(1).abs() < 0.06).all(), f"分品类 期望/实际 应在 1 ± 6% 内：{per_cat.round(4).to_dict()}"
    assert key["demand"]["h2_realised_total"] == int(real.sum())


def test_true_demand_is_the_best_forecast_but_far_from_perfect(demand_cube):
    e, y, days = demand_cube
    err = {"truth": 0.0, "ma28": 0.0, "snaive": 0.0}
    total = 0.0
    for origin in ORIGINS:
        o = days.get_loc(pd.Timestamp(origin))
        act = y[o : o + 28]
        assert len(act) == 28
        fc = {
            "truth": e[o : o + 28],
            "ma28": np.broadcast_to(y[o - 28 : o].mean(axis=0), act.shape),
            "snaive": np.tile(y[o - 7 : o], (4, 1)),
        }
        for k, f in fc.items():
            err[k] += np.abs(act - f).sum()
        total += act.sum()
    wape = {k: v / total for k, v in err.items()}
    assert wape["truth"] < wape["ma28"] < wape["snaive"], f"5 个起点 × 28 天合并的 WAPE：{wape}"
    assert wape["truth"] > 0.5, f"SKU×仓×日 需求是间歇的，真实期望的 WAPE 仍应很高：{wape['truth']:.3f}"
    assert wape["ma28"] - wape["truth"] > 0.02, f"真实期望应明显好于 28 天移动平均：{wape}"


def test_tiny_builds_with_supply_stories(tmp_path):
    from coursekit.world.build import generate

    out = generate("tiny", out_dir=tmp_path / "tiny")
    dem = truth_table("demand", "tiny", root=tmp_path)
    assert len(dem) > 0 and (dem["expected_units"] >= 0).all()
    assert "demand" in truth("tiny", root=tmp_path)
    assert out.exists()


def _holding_cost_2024(inventory: pd.DataFrame) -> float:
    """从发布的 inventory 与 products 重新算 2024 年持有成本（期末库存 × 成本 × 25% / 365）。"""
    inv = inventory[inventory["date"] >= "2024-01-01"]
    cost = inv["product_id"].map(load("products", "small").set_index("product_id")["cost"])
    return float((inv["closing_stock"] * cost).sum() * 0.25 / 365)


@pytest.fixture(scope="module")
def oracle_default() -> dict:
    from helpers.data.oracle import inventory_policy

    return inventory_policy()


def test_oracle_reproduces_shipped_inventory(oracle_default, inventory, key):
    inv = inventory[inventory["date"] >= "2024-01-01"]
    assert oracle_default["stockout_days"] == int(inv["stockout"].sum()), "缺货天数与发布的 inventory 2024 年完全一致"
    assert oracle_default["unmet_units"] == int(inv["unmet_qty"].sum()), "未满足件数完全一致"
    assert oracle_default["holding_cost"] == pytest.approx(_holding_cost_2024(inventory), abs=0.01), "持有成本 ±0.01"
    assert key["inventory_policy"]["service_z"] == 1.65
    # 故事 8：采购与运输成本同一口径（2024 年下单的采购单、2024 年出库的发货）
    po = load("purchase_orders", "small")
    sh = load("shipments", "small")
    assert oracle_default["purchase_cost"] == pytest.approx(
        po.loc[po["order_date"] >= "2024-01-01", "total_cost"].sum()
    )
    assert oracle_default["transport_cost"] == pytest.approx(
        sh.loc[sh["shipped_at"] >= "2024-01-01", "shipping_cost"].sum()
    )
    for k in ("holding_cost", "purchase_cost", "transport_cost", "total_cost"):
        assert oracle_default[k] == pytest.approx(key["supply_costs"][k], abs=0.01), f"oracle 与 truth 的 {k} 一致"


def test_oracle_higher_service_z_trades_holding_for_stockouts(oracle_default):
    from helpers.data.oracle import inventory_policy

    hi = inventory_policy(service_z=3.0)
    assert hi["stockout_days"] < oracle_default["stockout_days"], f"安全系数 3.0 缺货更少：{hi} vs {oracle_default}"
    assert hi["unmet_units"] < oracle_default["unmet_units"]
    assert hi["holding_cost"] > oracle_default["holding_cost"], "安全系数越高，持有成本越高"
    with pytest.raises(ValueError, match="cover_days"):
        inventory_policy(cover_days=-3)
