"""故事 8a“承运商与发货”：5 家承运商、运价表，以及每张发出的订单由哪家承运商、何时从哪个仓发往哪个省。

- 订单是否迟到（orders 里 delivered_at 晚于 promised_delivery_date）早在 v1 就按下单日的迟到概率 p_d 定了，
  这里**不改它**，而是反过来按贝叶斯公式给每张订单抽承运商：承运商 c 在城市等级 t 的份额是 π_ct，
  迟到风险是平均水平的 m_c 倍，即 P(迟到 | c, t, d) = m_c·p_d / Σ_c' π_c't·m_c'。于是
  P(c | 迟到, t) ∝ π_ct·m_c，P(c | 准时, t, d) ∝ π_ct·(1 − m_c·p_d / M_t)。这样承运商的准时率与设计一致，
  每个城市等级、每一天的总迟到率仍是原来的。
- 运费按运价表：基础运费（承运商 × 收货城市等级）+ 续件费 ×（件数 − 1）+ 大促旺季附加费。
- 出库时间 = 下单时间 + 仓库处理时长（Gamma 分布，大促时更长），不晚于送达前 2 小时、不晚于 2024 年底，精确到分钟。
全部随机数来自 ``stream(seed, "carriers")``；承运商对**每张**订单都抽（包括之后取消的），
所以换补货策略（库存策略模拟器）或供应中断改变哪些订单取消时，其余订单的承运商不变。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.calendar import late_probability, promo_multiplier
from coursekit.world.config import CITY_TIERS, DAYS, END

if TYPE_CHECKING:
    from coursekit.world.world import World

# (编号, 名称, 服务类型, 标准时效天数, 合同承诺准时率, 迟到风险倍数 m_c, 各城市等级基础运费(元/单), 续件费(元/件))
CARRIERS: list[tuple[int, str, str, int, float, float, tuple[float, float, float, float], float]] = [
    (1, "禾风快运", "时效型", 1, 0.98, 0.35, (13.0, 13.5, 14.0, 16.0), 1.5),
    (2, "云途物流", "标准型", 2, 0.96, 0.90, (8.0, 8.5, 9.0, 11.0), 1.0),
    (3, "捷达速递", "标准型", 2, 0.96, 1.00, (7.5, 8.0, 8.5, 10.5), 1.0),
    (4, "通远快递", "经济型", 3, 0.95, 1.80, (5.5, 6.0, 7.0, 10.0), 0.8),
    (5, "邮达包裹", "经济型", 3, 0.94, 1.30, (5.3, 5.8, 6.8, 9.0), 0.8),
]
# 各城市等级里各承运商的份额（行：CITY_TIERS 的顺序；列：CARRIERS 的顺序）。邮达县乡网点多，三线及以下用得最多
SHARE_BY_TIER = np.array(
    [
        [0.30, 0.28, 0.24, 0.15, 0.03],
        [0.24, 0.28, 0.24, 0.18, 0.06],
        [0.18, 0.26, 0.24, 0.20, 0.12],
        [0.10, 0.18, 0.18, 0.19, 0.35],
    ]
)
PEAK_SURCHARGE = 1.0  # 旺季附加费（元/单），按出库日
PEAK_WINDOWS = [("05-31", "06-20"), ("10-31", "11-15")]
PROCESSING_MEAN_HOURS = {"华东仓": 6.0, "华北仓": 9.0, "华南仓": 7.5}
PROCESSING_SHAPE = 2.0
PROCESSING_PROMO_SLOWDOWN = 0.5  # 处理时长 ×(1 + 0.5 ×(大促倍数 − 1))
MIN_PROCESSING = pd.Timedelta(minutes=10)
BEFORE_DELIVERY = pd.Timedelta(hours=2)

assert np.allclose(SHARE_BY_TIER.sum(axis=1), 1.0)
assert SHARE_BY_TIER.shape == (len(CITY_TIERS), len(CARRIERS))


def carriers_table() -> pd.DataFrame:
    """carriers 表：承运商档案（合同承诺准时率不是实际准时率，实际的要从发货记录算）。"""
    return pd.DataFrame(
        {
            "carrier_id": np.array([c[0] for c in CARRIERS], np.int64),
            "carrier_name": [c[1] for c in CARRIERS],
            "service_level": [c[2] for c in CARRIERS],
            "standard_days": np.array([c[3] for c in CARRIERS], np.int64),
            "promised_on_time_rate": [c[4] for c in CARRIERS],
        }
    )


def carrier_rates_table() -> pd.DataFrame:
    """carrier_rates 表：运价表（承运商 × 收货城市等级）。"""
    rows = [
        {
            "carrier_id": c[0],
            "city_tier": tier,
            "base_fee": c[6][t],
            "extra_item_fee": c[7],
            "peak_surcharge": PEAK_SURCHARGE,
        }
        for c in CARRIERS
        for t, tier in enumerate(CITY_TIERS)
    ]
    return pd.DataFrame(rows)


def _peak_days() -> np.ndarray:
    """每天是否在大促旺季（收附加费）。"""
    peak = np.zeros(len(DAYS), bool)
    for year in (2023, 2024):
        for a, b in PEAK_WINDOWS:
            peak |= (DAYS >= pd.Timestamp(f"{year}-{a}")) & (DAYS <= pd.Timestamp(f"{year}-{b}"))
    return peak


def _late_prob(orders: pd.DataFrame) -> np.ndarray:
    """每张订单下单日的设计迟到概率 p_d（异常订单从不迟到）。"""
    p = late_probability()[orders["day"].to_numpy()]
    return np.where((orders["source"] == "异常").to_numpy(), 0.0, p)


def carrier_posterior(tier_idx: np.ndarray, p_d: np.ndarray, late: np.ndarray) -> np.ndarray:
    """P(承运商 | 是否迟到, 城市等级, p_d)，形状 (订单数, 承运商数)。"""
    m = np.array([c[5] for c in CARRIERS])
    pi = SHARE_BY_TIER[tier_idx]
    big_m = (pi * m).sum(axis=1, keepdims=True)
    w = np.where(late[:, None], pi * m, pi * (1.0 - m * p_d[:, None] / big_m))
    return w / w.sum(axis=1, keepdims=True)


def plan_shipments(
    orders: pd.DataFrame, customers: pd.DataFrame, items: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """给每张订单（取消之前）定承运商、出库时间和运费。须在 world._statuses 之前调用（那时 late 与 delivered_at 还是全的）。"""
    # 先在客户表（行少）上编码，再按位置取，避免对每张订单做字符串映射
    cpos = pd.Index(customers["customer_id"]).get_indexer(orders["customer_id"])
    tier_idx = pd.Index(CITY_TIERS).get_indexer(customers["city_tier"])[cpos]
    prov_codes, prov_names = pd.factorize(customers["province"], sort=True)
    wh = pd.Categorical(orders["warehouse"])
    post = carrier_posterior(tier_idx, _late_prob(orders), orders["late"].to_numpy(bool))
    n = len(orders)
    u = rng.random(n)
    ci = np.minimum((u[:, None] > np.cumsum(post, axis=1)).sum(axis=1), len(CARRIERS) - 1)
    day = orders["day"].to_numpy()
    mean_h = np.array([PROCESSING_MEAN_HOURS[c] for c in wh.categories])[wh.codes]
    mean_h = mean_h * (1.0 + PROCESSING_PROMO_SLOWDOWN * (promo_multiplier()[day] - 1.0).clip(min=0))
    hours = rng.gamma(PROCESSING_SHAPE, mean_h / PROCESSING_SHAPE)
    shipped = orders["order_time"] + pd.to_timedelta(np.round(hours * 3600), unit="s")
    cap = (orders["delivered_at"] - BEFORE_DELIVERY).fillna(END + pd.Timedelta(hours=23, minutes=59, seconds=59))
    cap = cap.clip(upper=END + pd.Timedelta(hours=23, minutes=59, seconds=59))
    shipped = shipped.where(shipped <= cap, cap)
    shipped = shipped.where(shipped >= orders["order_time"] + MIN_PROCESSING, orders["order_time"] + MIN_PROCESSING)
    shipped = shipped.dt.floor("min")  # 出库扫描精确到分钟
    units = orders["order_id"].map(items.groupby("order_id")["quantity"].sum()).fillna(1).to_numpy()
    base = np.array([c[6] for c in CARRIERS])[ci, tier_idx]
    extra = np.array([c[7] for c in CARRIERS])[ci] * np.maximum(units - 1, 0)
    ship_day = np.asarray((shipped.dt.normalize() - DAYS[0]).dt.days)
    peak = _peak_days()[np.minimum(ship_day, len(DAYS) - 1)]
    cost = np.round(base + extra + PEAK_SURCHARGE * peak, 2)
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(),
            "carrier_id": np.array([c[0] for c in CARRIERS], np.int64)[ci],
            "warehouse": wh,
            "province": pd.Categorical.from_codes(prov_codes[cpos], categories=prov_names),
            "shipped_at": shipped.to_numpy(),
            "shipping_cost": cost,
            "ship_day": ship_day,
        }
    )


def shipments_table(orders: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """shipments 表：发出的订单（状态不是“已取消”）各一行。"""
    shipped = orders.loc[orders["status"] != "已取消", "order_id"]
    return plan[plan["order_id"].isin(shipped)].reset_index(drop=True)


def transport_cost(plan: pd.DataFrame, cancelled_ids: np.ndarray, first_day: int) -> float:
    """从 first_day 起出库的、没有被取消的订单的运费之和（plan 已去掉客户主动取消的订单）。"""
    keep = (plan["ship_day"].to_numpy() >= first_day) & ~plan["order_id"].isin(cancelled_ids).to_numpy()
    return float(plan["shipping_cost"].to_numpy()[keep].sum())


def _rate(x: pd.Series) -> dict:
    return {str(k): round(float(v), 4) for k, v in x.items()}


def carriers_truth(world: World) -> dict:
    """答案：承运商的设计（份额、迟到倍数、运价）、设计准时率与实测准时率、时效、运费与仓→省流向。"""
    sh = world.tables["shipments"]
    o = world.tables["orders"].set_index("order_id").loc[sh["order_id"]]
    tier = o["customer_id"].map(world.tables["customers"].set_index("customer_id")["city_tier"]).to_numpy()
    tier_idx = pd.Index(CITY_TIERS).get_indexer(tier)
    delivered = o["delivered_at"].notna().to_numpy()
    late = (o["delivered_at"].dt.normalize() > o["promised_delivery_date"]).to_numpy()
    names = np.array([c[1] for c in CARRIERS])
    ci = pd.Index([c[0] for c in CARRIERS]).get_indexer(sh["carrier_id"])
    # 设计准时率：按先验份额（不看这张单是否迟到）对已送达订单的 p_d 取期望
    m = np.array([c[5] for c in CARRIERS])
    pi = SHARE_BY_TIER[tier_idx[delivered]]
    big_m = (pi * m).sum(axis=1, keepdims=True)
    exp_late = (pi * m * _late_prob(o[delivered])[:, None] / big_m).sum(axis=0) / pi.sum(axis=0)
    hours = (o["delivered_at"].to_numpy() - sh["shipped_at"].to_numpy()) / np.timedelta64(1, "h")
    proc = (sh["shipped_at"].to_numpy() - o["order_time"].to_numpy()) / np.timedelta64(1, "h")
    d = pd.DataFrame({"c": ci, "t": tier_idx, "late": late, "hours": hours, "wh": sh["warehouse"].to_numpy()})[
        delivered
    ]
    cost = pd.DataFrame({"c": ci, "t": tier_idx, "cost": sh["shipping_cost"].to_numpy()})

    def by_c(x: pd.Series) -> dict:
        return {names[k]: round(float(v), 4) for k, v in x.items()}

    def by_ct(x: pd.Series) -> dict:
        return {f"{names[a]}|{CITY_TIERS[b]}": round(float(v), 4) for (a, b), v in x.items()}

    flows = sh.groupby(["warehouse", "province"], observed=True).size().rename("n").reset_index()
    flows = flows.sort_values(["n", "warehouse", "province"], ascending=[False, True, True])
    return {
        "rule": "按贝叶斯公式给每张订单抽承运商：P(迟到 | 承运商 c, 城市等级 t, 下单日 d) = m_c × p_d / Σ π_ct·m_c，"
        "不改动 orders 的迟到；运费 = 基础运费(承运商×城市等级) + 续件费×(件数−1) + 旺季附加费",
        "design_note": "准时率 95–99% 是国内快递公开服务质量报告里的常见范围，Olist 约 93%；最好与最差的承运商差约 5 个百分点，"
        "每家有上万单，所以按承运商分组算准时率就能分清，但要按订单实际送达与承诺日比较、剔除在途订单。"
        "邮达包裹在每个城市等级的运价都比通远快递低 0.2–1.0 元，可它的单子多发往三线及以下（那里基础运费最高），"
        "所以直接比平均每单运费，它反而更贵——比运费要先控制收货城市等级（辛普森悖论）",
        "carriers": {
            c[1]: {
                "carrier_id": c[0],
                "service_level": c[2],
                "late_risk_multiplier": c[5],
                "base_fee_by_city_tier": dict(zip(CITY_TIERS, c[6], strict=True)),
                "extra_item_fee": c[7],
                "share_by_city_tier": dict(zip(CITY_TIERS, SHARE_BY_TIER[:, i].tolist(), strict=True)),
                "promised_on_time_rate": c[4],
                "design_on_time_rate": round(1.0 - float(exp_late[i]), 4),
            }
            for i, c in enumerate(CARRIERS)
        },
        "peak_surcharge": PEAK_SURCHARGE,
        "peak_windows_mmdd": PEAK_WINDOWS,
        "on_time_definition": "送达日期 ≤ promised_delivery_date；只算已送达的发货（2024 年底仍在途的不算）",
        "n_shipments": int(len(sh)),
        "n_delivered": int(delivered.sum()),
        "on_time_rate_by_carrier": by_c(1 - d.groupby("c")["late"].mean()),
        "on_time_rate_by_carrier_tier": by_ct(1 - d.groupby(["c", "t"])["late"].mean()),
        "on_time_rate_by_warehouse": _rate(1 - d.groupby("wh")["late"].mean()),
        "mean_transit_hours_by_carrier": by_c(d.groupby("c")["hours"].mean()),
        "processing_design_mean_hours": PROCESSING_MEAN_HOURS,
        "mean_processing_hours_by_warehouse": _rate(pd.Series(proc).groupby(sh["warehouse"].to_numpy()).mean()),
        "mean_cost_by_carrier": by_c(cost.groupby("c")["cost"].mean()),
        "mean_cost_by_carrier_tier": by_ct(cost.groupby(["c", "t"])["cost"].mean()),
        "share_of_shipments_by_carrier": by_c(cost["c"].value_counts(normalize=True).sort_index()),
        "flows_top20": flows.head(20).to_dict(orient="list"),
    }
