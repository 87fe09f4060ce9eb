"""故事 15a“库存策略模拟器”：用世界真实的 2024 年需求过程（同样的订单行、同样的随机数流）评估一个补货策略。

持有成本按年化 25% 的商品成本计：每天期末库存 × 成本 × 25% / 365。用世界自己的策略参数重跑，
结果与发布的 inventory 表逐格相同。
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from coursekit.world import catalog, supply
from coursekit.world.config import DAYS, check_scale, check_seed, stream

if TYPE_CHECKING:
    from coursekit.world.world import World

HOLDING_RATE = 0.25  # 每年持有成本 / 商品成本
EVAL_START = pd.Timestamp("2024-01-01")


@lru_cache(maxsize=2)
def _demand_inputs(scale: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(订单行, 商品, 供应商)：同一进程里只构建一次世界。"""
    from coursekit.world.world import build_world

    w = build_world(scale, seed)
    return w.hidden["inventory_lines"], w.tables["products"], catalog.make_suppliers()


def policy_outcome(inventory: pd.DataFrame, products: pd.DataFrame) -> dict[str, float]:
    """一张 inventory 表在 2024 年的缺货天数（SKU×仓×日）、未满足件数和持有成本。"""
    inv = inventory[inventory["date"] >= EVAL_START]
    cost = inv["product_id"].map(products.set_index("product_id")["cost"]).to_numpy()
    holding = float((inv["closing_stock"].to_numpy() * cost).sum() * HOLDING_RATE / 365.0)
    return {
        "stockout_days": int(inv["stockout"].sum()),
        "unmet_units": int(inv["unmet_qty"].sum()),
        "holding_cost": round(holding, 2),
    }


def evaluate_policy(scale: str, seed: int, service_z: float, cover_days: float) -> dict[str, float]:
    """按给定的安全系数与备货天数重跑整段库存模拟，返回 2024 年的结果。"""
    check_scale(scale)
    seed = check_seed(seed)
    lines, products, suppliers = _demand_inputs(scale, seed)
    inv, _, _ = supply.simulate_inventory(
        lines, products, suppliers, stream(seed, "inventory"), service_z=float(service_z), cover_days=float(cover_days)
    )
    out = policy_outcome(inv, products)
    out.update(service_z=float(service_z), cover_days=float(cover_days), n_days=int((DAYS >= EVAL_START).sum()))
    return out


def policy_truth(world: World) -> dict:
    """truth.json 里的“库存策略”：世界自己的参数、持有成本率和 2024 年的结果。"""
    res = policy_outcome(world.tables["inventory"], world.tables["products"])
    return {
        "service_z": supply.SERVICE_Z,
        "cover_days": supply.COVER_DAYS,
        "review_days": supply.REVIEW_DAYS,
        "moq": supply.MOQ,
        "holding_rate_per_year": HOLDING_RATE,
        "period": [EVAL_START.strftime("%Y-%m-%d"), DAYS[-1].strftime("%Y-%m-%d")],
        "outcome_2024": res,
        "rule": "每周盘点；再订货点 = f×(交期+7) + service_z×1.3×√(f×(交期+7))，补到再订货点 + cover_days×f；"
        "持有成本 = Σ 每日期末库存 × 成本 × 25% / 365；helpers.data.oracle.inventory_policy 用同一需求与随机数流重跑",
    }
