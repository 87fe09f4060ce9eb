"""故事 15a“库存策略模拟器”：用世界真实的 2024 年需求过程（同样的订单行、同样的随机数流）评估一个补货策略。

成本口径只在这里定义一次（truth 的 ``supply_costs`` 与 ``inventory_policy``、oracle 共用）：
- 持有成本 = 2024 年每天期末库存 × 商品成本 × 持有成本率（supply.HOLDING_RATE_PER_YEAR，年 25%）/ 365；
- 采购成本 = 2024 年下单的采购单 total_cost 之和；
- 运输成本 = 2024 年出库、未取消的订单运费之和（shipments.shipping_cost，运价见 carriers 模块）。
用世界自己的策略参数重跑，结果与发布的 inventory、purchase_orders、shipments 逐格相同（含植入的供应中断）。
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from coursekit.world import carriers, catalog, supply
from coursekit.world.config import DAYS, check_scale, check_seed, stream

if TYPE_CHECKING:
    from coursekit.world.world import World

HOLDING_RATE = supply.HOLDING_RATE_PER_YEAR  # 每年持有成本 / 商品成本（旧名，保留）
EVAL_START = pd.Timestamp("2024-01-01")
EVAL_DAY = int((EVAL_START - DAYS[0]).days)


@lru_cache(maxsize=2)
def _demand_inputs(scale: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(订单行, 商品, 供应商, 发货计划)：同一进程里只构建一次世界。"""
    from coursekit.world.world import build_world

    w = build_world(scale, seed)
    return w.hidden["inventory_lines"], w.tables["products"], catalog.make_suppliers(), w.hidden["shipping_plan"]


def holding_cost(inventory: pd.DataFrame, products: pd.DataFrame) -> float:
    """2024 年持有成本（元）：Σ 每日期末库存 × 成本 × 年持有成本率 / 365。"""
    inv = inventory[inventory["date"] >= EVAL_START]
    cost = inv["product_id"].map(products.set_index("product_id")["cost"]).to_numpy()
    return float((inv["closing_stock"].to_numpy() * cost).sum() * HOLDING_RATE / 365.0)


def purchase_cost(purchase_orders: pd.DataFrame) -> float:
    """2024 年下单的采购单金额之和（元）。"""
    po = purchase_orders[purchase_orders["order_date"] >= EVAL_START]
    return float(po["total_cost"].sum())


def policy_outcome(
    inventory: pd.DataFrame, products: pd.DataFrame, purchase_orders: pd.DataFrame, transport: float
) -> dict[str, float]:
    """一次库存模拟在 2024 年的缺货天数（SKU×仓×日）、未满足件数，以及持有、采购、运输成本与合计。"""
    inv = inventory[inventory["date"] >= EVAL_START]
    hold, buy = holding_cost(inventory, products), purchase_cost(purchase_orders)
    return {
        "stockout_days": int(inv["stockout"].sum()),
        "unmet_units": int(inv["unmet_qty"].sum()),
        "holding_cost": round(hold, 2),
        "purchase_cost": round(buy, 2),
        "transport_cost": round(transport, 2),
        "total_cost": round(hold + buy + transport, 2),
    }


def evaluate_policy(scale: str, seed: int, service_z: float, cover_days: float) -> dict[str, float]:
    """按给定的安全系数与备货天数重跑整段库存模拟，返回 2024 年的结果。"""
    check_scale(scale)
    seed = check_seed(seed)
    lines, products, suppliers, plan = _demand_inputs(scale, seed)
    inv, pos, cancelled = supply.simulate_inventory(
        lines, products, suppliers, stream(seed, "inventory"), service_z=float(service_z), cover_days=float(cover_days)
    )
    out = policy_outcome(inv, products, pos, carriers.transport_cost(plan, cancelled, EVAL_DAY))
    out.update(service_z=float(service_z), cover_days=float(cover_days), n_days=int((DAYS >= EVAL_START).sum()))
    return out


def world_outcome(world: World) -> dict[str, float]:
    """世界自己的策略在 2024 年的结果，直接从生成的表算（与 evaluate_policy 的默认参数逐项相同；算一次后缓存）。"""
    if "outcome_2024" not in world.hidden:
        sh = world.tables["shipments"]
        transport = float(sh.loc[sh["shipped_at"] >= EVAL_START, "shipping_cost"].sum())
        t = world.tables
        world.hidden["outcome_2024"] = policy_outcome(t["inventory"], t["products"], t["purchase_orders"], transport)
    return dict(world.hidden["outcome_2024"])


def policy_truth(world: World) -> dict:
    """truth.json 里的“库存策略”：世界自己的参数、持有成本率和 2024 年的结果。"""
    return {
        "service_z": supply.SERVICE_Z,
        "cover_days": supply.COVER_DAYS,
        "review_days": supply.REVIEW_DAYS,
        "moq": supply.MOQ,
        "holding_rate_per_year": HOLDING_RATE,
        "period": [EVAL_START.strftime("%Y-%m-%d"), DAYS[-1].strftime("%Y-%m-%d")],
        "outcome_2024": world_outcome(world),
        "rule": "每周盘点；再订货点 = f×(交期+7) + service_z×1.3×√(f×(交期+7))，补到再订货点 + cover_days×f；"
        "持有成本 = Σ 每日期末库存 × 成本 × 25% / 365；helpers.data.oracle.inventory_policy 用同一需求与随机数流重跑",
    }


def costs_truth(world: World) -> dict:
    """truth.json 里的“供应链成本”：2024 年采购、运输、持有成本及其合计，口径与 oracle 相同。"""
    out = world_outcome(world)
    sh = world.tables["shipments"]
    sh24 = sh[sh["shipped_at"] >= EVAL_START]
    parts = {k: out[k] for k in ("purchase_cost", "transport_cost", "holding_cost")}
    total = out["total_cost"]
    n_days = int((DAYS >= EVAL_START).sum())
    return {
        "period": [EVAL_START.strftime("%Y-%m-%d"), DAYS[-1].strftime("%Y-%m-%d")],
        **parts,
        "total_cost": total,
        "share": {k: round(v / total, 4) for k, v in parts.items()},
        "holding_rate_per_year": HOLDING_RATE,
        "holding_rate_per_day": round(HOLDING_RATE / 365.0, 8),
        "mean_inventory_value": round(out["holding_cost"] * 365.0 / HOLDING_RATE / n_days, 2),
        "n_shipments_2024": int(len(sh24)),
        "transport_cost_per_shipment": round(out["transport_cost"] / len(sh24), 4),
        "definitions": {
            "purchase_cost": "purchase_orders 中 order_date 在 2024 年的 total_cost 之和（按下单计，不管是否已到货）",
            "transport_cost": "shipments 中 shipped_at 在 2024 年的 shipping_cost 之和",
            "holding_cost": "2024 年每天 inventory.closing_stock × products.cost × 25% / 365 之和",
        },
        "rule": "三项成本相加等于 total_cost；helpers.data.oracle.inventory_policy() 用世界自己的策略重跑，报告的同名四项与这里逐项相同",
        "design_note": "持有成本率 25%/年在教材常用的 20–30% 之间（资金占用、仓储、损耗与过时）；"
        "运费约占采购额的几个百分点，是电商自营的常见量级。采购按下单计，所以年初在途的、年底下单未到的都算在下单那年",
    }
