"""故事 8b“供应中断”：2024 年 7 月台风过境，福建省的供应商停工 14 天。

停工期间这些供应商既不生产也不发货：一张采购单如果在停工开始时还没发出（发货日 = 实际到货日 − 运输 2 天
≥ 停工开始日），并且在停工结束前就已下单，它的到货日就顺延“下单后落在停工里的天数”：
停工前下的单顺延整整 14 天，停工中第 k 天下的单顺延 14 − k 天。已经在路上的货照常到。

这是对到货日的**确定性**改动，不从 "inventory" 流里多抽随机数；但到货推迟会改变之后的库存与补货，
所以 inventory 流此后的抽取顺序自然随之变化（见 ``supply.simulate_inventory``）。
反事实（没有停工的世界）在构建时从停工开始那天的状态接着跑 42 天，供答案 truth 比较缺货。
选在 7 月下旬（当年台风“格美”就在这时登陆福建），避开 618、双十一和两个优惠券实验的窗口。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.config import DAYS, EXPERIMENT_WINDOWS

if TYPE_CHECKING:
    from coursekit.world.world import World


@dataclass(frozen=True)
class Disruption:
    """一次供应商所在地区的停工。"""

    province: str
    start: pd.Timestamp
    days: int
    transit_days: int  # 承诺交期里最后几天是运输（已发出的货不受停工影响）
    cause: str

    start_day: int = field(init=False)  # 停工第一天的天序号
    end_day: int = field(init=False)  # 停工结束后的第一天（不含）

    def __post_init__(self) -> None:
        # 每次盘点都要用，先算好（frozen dataclass 只能这样赋值）
        object.__setattr__(self, "start_day", int((self.start - DAYS[0]).days))
        object.__setattr__(self, "end_day", self.start_day + self.days)


DISRUPTION = Disruption(
    province="福建省", start=pd.Timestamp("2024-06-27"), days=18, transit_days=2, cause="台风过境，工厂与物流园停工"
)
RECOVERY_DAYS = 14  # 停工结束后再看 14 天（补货到之前仍会缺货）
COUNTERFACTUAL_DAYS = 42  # 反事实从停工第一天接着模拟的天数（≥ 停工 + 恢复期）
_BEFORE_DAYS = 28  # “停工前”对照期

for _start, _n in EXPERIMENT_WINDOWS.values():
    assert (
        DISRUPTION.start + pd.Timedelta(days=DISRUPTION.days + RECOVERY_DAYS) <= _start
        or _start + pd.Timedelta(days=_n) <= DISRUPTION.start
    ), "供应中断不能和实验窗口重叠"


def affected_suppliers(suppliers: pd.DataFrame, dis: Disruption = DISRUPTION) -> np.ndarray:
    """停工地区的供应商编号。"""
    return suppliers.loc[suppliers["province"] == dis.province, "supplier_id"].to_numpy()


def shutdown_extra_days(day: int, arrive: np.ndarray, affected: np.ndarray, dis: Disruption | None) -> np.ndarray:
    """第 ``day`` 天下的采购单因停工顺延的天数（``arrive`` 为原定到货日序号，``affected`` 是否停工地区的供应商）。"""
    if dis is None or not affected.any():
        return np.zeros(len(arrive), np.int64)
    s, e = dis.start_day, dis.end_day
    hit = affected & (arrive - dis.transit_days >= s) & (day < e)
    return np.where(hit, e - max(day, s), 0).astype(np.int64)


def _window_stats(stockout: np.ndarray, unmet: np.ndarray, cancelled: int) -> dict:
    """一段时间里一组 SKU 的缺货率、缺货格数、未满足件数与缺货取消订单数。"""
    return {
        "stockout_rate": round(float(stockout.mean()), 4),
        "stockout_sku_days": int(stockout.sum()),
        "unmet_units": int(unmet.sum()),
        "stockout_cancelled_orders": int(cancelled),
    }


def _cancelled_with(lines: pd.DataFrame, ids: np.ndarray, day0: int, day1: int, prod_mask: np.ndarray) -> int:
    """[day0, day1) 里因缺货取消、且含有 prod_mask 商品的订单数。"""
    sel = lines[(lines["day"] >= day0) & (lines["day"] < day1) & lines["order_id"].isin(ids)]
    sel = sel[prod_mask[sel["product_idx"].to_numpy()]]
    return int(sel["order_id"].nunique())


def disruption_truth(world: World) -> dict:
    """答案：停工的地区、供应商、商品、窗口、设计规则，以及到货延迟与缺货的实测值和反事实对比。"""
    dis = DISRUPTION
    sup = world.tables["suppliers"]
    prods = world.tables["products"]
    po = world.tables["purchase_orders"]
    inv = world.tables["inventory"]
    cf = world.hidden["disruption_counterfactual"]
    lines = world.hidden["inventory_lines"]
    sids = affected_suppliers(sup, dis)
    aff_prod = prods["supplier_id"].isin(sids).to_numpy()
    s, e = dis.start_day, dis.end_day
    r = e + RECOVERY_DAYS

    # 采购单：实际交期 = 到货 − 下单；顺延 = 交期 − 承诺交期 − 该供应商平常的延迟
    po = po.assign(
        lead=(po["received_date"] - po["order_date"]).dt.days,
        od=(po["order_date"] - DAYS[0]).dt.days,
        aff=po["supplier_id"].isin(sids),
    )
    extra = po["_shutdown_extra"].to_numpy()
    hit = extra > 0
    in_win = po["aff"] & (po["od"] >= s) & (po["od"] < e)
    y24 = po["od"] >= int((pd.Timestamp("2024-01-01") - DAYS[0]).days)
    normal = po["aff"] & y24 & ~hit
    k = cf["stockout"].shape[1]
    n_wh = k // len(prods)
    sku_aff = np.repeat(aff_prod, n_wh)
    so = inv["stockout"].to_numpy().reshape(-1, k)
    um = inv["unmet_qty"].to_numpy().reshape(-1, k)
    o = world.tables["orders"]
    so_ids = o.loc[o["_stockout_cancel"], "order_id"].to_numpy()

    def block(d0: int, d1: int, mask: np.ndarray) -> dict:
        pm = mask[::n_wh]  # SKU = 商品 × 仓库，按商品的掩码
        fact = _window_stats(so[d0:d1, mask], um[d0:d1, mask], _cancelled_with(lines, so_ids, d0, d1, pm))
        c0, c1 = d0 - s, d1 - s
        cfs = _window_stats(
            cf["stockout"][c0:c1, mask], cf["unmet"][c0:c1, mask], _cancelled_with(lines, cf["cancelled"], d0, d1, pm)
        )
        eff = round(fact["stockout_rate"] - cfs["stockout_rate"], 4)
        return {"actual": fact, "counterfactual": cfs, "effect_stockout_rate": eff}

    def day_str(d: int) -> str:
        return DAYS[d].strftime("%Y-%m-%d")

    before = so[s - _BEFORE_DAYS : s, sku_aff]
    return {
        "province": dis.province,
        "cause": dis.cause,
        "start": day_str(s),
        "end": day_str(e - 1),
        "days": dis.days,
        "recovery_end": day_str(r - 1),
        "supplier_ids": [int(x) for x in sids],
        "supplier_names": sup.set_index("supplier_id").loc[sids, "supplier_name"].tolist(),
        "product_ids": sorted(int(x) for x in prods.loc[aff_prod, "product_id"]),
        "n_products": int(aff_prod.sum()),
        "rule": f"{dis.province}的供应商停工 {dis.days} 天（{day_str(s)} 至 {day_str(e - 1)}）：停工开始时尚未发货、且在停工结束前下的采购单，"
        f"到货日顺延“下单后落在停工里的天数”（停工前下的顺延 {dis.days} 天，停工第 k 天下的顺延 {dis.days}−k 天）；在途（到货前 {dis.transit_days} 天内）的货照常到",
        "design_note": "两周停工是台风、限电、疫情封控这类地区性中断的常见长度；受影响的是 2 家供应商、约四分之一的商品。"
        "承诺到货日（promised_date）不变，所以 received − promised 会突然变大；全年平均看不出来（迟到供应商 7 仍然排第一），"
        "要按下单日期切开看。反事实从停工第一天的同一状态接着模拟，但之后补货次数不同，inventory 流的抽取会错位，"
        "所以未受影响商品也有一点差异（placebo_unaffected，是这种比较的噪声水平）",
        "n_pos_delayed": int(hit.sum()),
        "mean_extra_days_delayed_pos": round(float(extra[hit].mean()), 3) if hit.any() else 0.0,
        "n_pos_placed_in_window": int(in_win.sum()),
        "mean_extra_days_pos_placed_in_window": round(float(extra[in_win.to_numpy()].mean()), 3),
        "mean_lead_days_pos_placed_in_window": round(float(po.loc[in_win, "lead"].mean()), 3),
        "mean_lead_days_same_suppliers_2024_undelayed": round(float(po.loc[normal, "lead"].mean()), 3),
        "lead_definition": "received_date − order_date（天）；停工地区供应商的采购单",
        "stockout_rate_affected_28d_before": round(float(before.mean()), 4),
        "shutdown_window": block(s, e, sku_aff),
        "shutdown_plus_recovery": block(s, r, sku_aff),
        "placebo_unaffected": block(s, r, ~sku_aff),
        "counterfactual_note": f"反事实 = 同一需求、同一补货策略、没有停工，从 {day_str(s)} 的库存状态接着模拟 {COUNTERFACTUAL_DAYS} 天",
    }
