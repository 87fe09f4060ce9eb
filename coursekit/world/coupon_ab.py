"""故事 9：券面设计 A/B/n 实验（2024-04-08 起 14 天），以及每位入组客户在每个臂下的潜在结果。

- 入组：2024-03-01 前注册的普通客户，等概率随机分到 对照 + 7 个券面臂。
- 不发券时是否下单（Y0）直接取 orders 表里窗口内的真实自然订单，所以对照组与世界一致。
- 发券后：本来不会买的人里，以 tau_臂 × 个体响应度 的概率被“促成”（潜在结果 Y1）；
  本来就会买的人也会用券（按臂的使用率），这部分折扣是纯成本——兑换率 ≠ 增量。
- 满减券有门槛堆积：订单额略低于门槛的人会凑单到门槛之上。
- 同一位客户在各臂共用同一组随机数，所以各臂的潜在结果可以直接相减（真实增量精确已知）。
这些促成订单不写进 orders（否则会改变 v1 的全部下游表），只体现在 coupon_ab_grants 里。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.config import COUPON_AB_DATE, COUPON_AB_DAYS

# (臂, 券名, 类型, 面值/折扣率, 门槛, 有效天数, 促成概率 tau, 老买家的用券率)
ARMS: list[tuple[str, str, str, float, float, int, float, float]] = [
    ("A1", "无门槛5元·7天", "无门槛", 5.0, 0.0, 7, 0.018, 0.55),
    ("A2", "无门槛15元·7天", "无门槛", 15.0, 0.0, 7, 0.035, 0.70),
    ("A3", "无门槛10元·3天", "无门槛", 10.0, 0.0, 3, 0.020, 0.45),
    ("A4", "满199减20·7天", "满减", 20.0, 199.0, 7, 0.024, 0.60),
    ("A5", "满299减40·14天", "满减", 40.0, 299.0, 14, 0.040, 0.65),
    ("A6", "9折·7天", "折扣", 0.90, 0.0, 7, 0.022, 0.55),
    ("A7", "8折·14天", "折扣", 0.80, 0.0, 14, 0.042, 0.75),
]
CONTROL = "对照"
ARM_NAMES = [CONTROL] + [a[0] for a in ARMS]
FIRST_COUPON_ID = 15  # v1 的 14 张券之后追加
GROSS_MARGIN = 0.30  # 商品毛利率（扣券前）
DISCOUNT_CAP = 60.0  # 折扣券单笔最多优惠 60 元
BUNCH_BAND = 0.75  # 订单额在 [0.75×门槛, 门槛) 的用券人会凑单
BUNCH_PROB = 0.6


def coupon_rows() -> pd.DataFrame:
    """追加到 coupons 表的 7 张实验券（coupon_id 15–21）。"""
    rows = []
    for i, (_, name, kind, value, thr, days, _, _) in enumerate(ARMS):
        rows.append(
            {
                "coupon_id": FIRST_COUPON_ID + i,
                "coupon_name": f"券面实验{name}",
                "coupon_type": kind,
                "value": value,
                "threshold": thr,
                "start_date": COUPON_AB_DATE,
                "end_date": COUPON_AB_DATE + pd.Timedelta(days=days - 1),
                "campaign": "券面实验",
                "_use_prob": 0.0,
            }
        )
    return pd.DataFrame(rows)


def _discount(kind: str, value: float, thr: float, v: np.ndarray) -> np.ndarray:
    """每笔订单额 v 下这张券能抵扣多少（不满足门槛为 0）。"""
    if kind == "无门槛":
        return np.minimum(value, v)
    if kind == "满减":
        return np.where(v >= thr, value, 0.0)
    return np.minimum((1.0 - value) * v, DISCOUNT_CAP)


def simulate(
    customers: pd.DataFrame, orders: pd.DataFrame, n_customers: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """返回 (coupon_ab_grants 发放表, 潜在结果答案表)。"""
    d0 = COUPON_AB_DATE
    d1 = d0 + pd.Timedelta(days=COUPON_AB_DAYS)
    c = customers[(customers["customer_id"] <= n_customers) & (customers["signup_date"] < "2024-03-01")]
    cid = np.sort(c["customer_id"].to_numpy())
    n = len(cid)
    win = orders[(orders["order_time"] >= d0) & (orders["order_time"] < d1) & (orders["source"] != "异常")]
    first = win.sort_values("order_time").groupby("customer_id")["gross_amount"].first()
    y0 = np.isin(cid, first.index.to_numpy())
    v_nat = pd.Series(cid).map(first).to_numpy(dtype=float)
    # 个体随机数（各臂共用）：响应度、促成、用券、凑单、凑单金额、被促成者的订单额
    resp = rng.gamma(2.0, 0.5, n)  # 均值 1
    u_inc = rng.random(n)
    u_red = rng.random(n)
    u_bunch = rng.random(n)
    top_up = rng.exponential(12.0, n)
    v_new = np.round(np.exp(rng.normal(np.log(150.0), 0.55, n)), 2)
    assign = np.asarray(ARM_NAMES)[rng.permutation(np.arange(n) % len(ARM_NAMES))]

    pot = {"customer_id": cid, "arm": assign}
    v0 = np.where(y0, v_nat, 0.0)
    pot[f"conv_{CONTROL}"] = y0
    pot[f"revenue_{CONTROL}"] = np.round(v0, 2)
    pot[f"margin_{CONTROL}"] = np.round(GROSS_MARGIN * v0, 2)
    red = {CONTROL: np.zeros(n, bool)}
    disc_all = {CONTROL: np.zeros(n)}
    gross_all = {CONTROL: v0}
    for arm, _, kind, value, thr, _, tau, r_nat in ARMS:
        inc = ~y0 & (u_inc < tau * resp)
        conv = y0 | inc
        v = np.where(y0, v_nat, np.where(inc, v_new, 0.0))
        if kind == "满减":
            # 门槛堆积：略低于门槛的人凑单；被促成的人本来就是冲着券来的，全部凑到门槛之上
            near = (v >= BUNCH_BAND * thr) & (v < thr) & (u_bunch < BUNCH_PROB)
            v = np.where((near & conv) | (inc & (v < thr)), thr + np.round(top_up, 2), v)
        d = _discount(kind, value, thr, v)
        redeemed = conv & (d > 0) & (inc | (u_red < r_nat))
        d = np.where(redeemed, d, 0.0)
        pot[f"conv_{arm}"] = conv
        pot[f"revenue_{arm}"] = np.round(v - d, 2)
        pot[f"margin_{arm}"] = np.round(GROSS_MARGIN * v - d, 2)
        red[arm], disc_all[arm], gross_all[arm] = redeemed, d, v
    potential = pd.DataFrame(pot)

    idx = np.arange(n)
    pick = {a: assign == a for a in ARM_NAMES}
    conv = np.select([pick[a] for a in ARM_NAMES], [pot[f"conv_{a}"] for a in ARM_NAMES])
    revenue = np.select([pick[a] for a in ARM_NAMES], [pot[f"revenue_{a}"] for a in ARM_NAMES])
    margin = np.select([pick[a] for a in ARM_NAMES], [pot[f"margin_{a}"] for a in ARM_NAMES])
    redeemed = np.select([pick[a] for a in ARM_NAMES], [red[a] for a in ARM_NAMES])
    coupon_id = np.select(
        [pick[a[0]] for a in ARMS], [FIRST_COUPON_ID + i for i in range(len(ARMS))], default=0
    ).astype(np.int64)
    grants = pd.DataFrame(
        {
            "grant_id": idx + 1,
            "customer_id": cid,
            "arm": assign,
            "coupon_id": pd.array(np.where(coupon_id > 0, coupon_id, 0), dtype="Int64"),
            "granted_at": d0 + pd.Timedelta(hours=10),
            "redeemed": redeemed.astype(bool),
            "converted": conv.astype(bool),
            "order_revenue": np.round(revenue, 2),
            "order_margin": np.round(margin, 2),
        }
    )
    grants.loc[grants["arm"] == CONTROL, "coupon_id"] = pd.NA
    return grants, potential


def coupon_ab_truth(world) -> dict:
    """故事 9 的答案：各臂的设计参数与真实增量（潜在结果之差，对全部入组客户求平均）。"""
    pot = world.answers["coupon_ab_potential"]
    g = world.tables["coupon_ab_grants"]
    arms = {}
    for i, (arm, name, kind, value, thr, days, tau, r_nat) in enumerate(ARMS):
        mine = g["arm"] == arm
        arms[arm] = {
            "coupon_id": FIRST_COUPON_ID + i,
            "name": name,
            "type": kind,
            "value": value,
            "threshold": thr,
            "valid_days": days,
            "design_tau": tau,
            "design_redeem_if_would_buy": r_nat,
            "true_lift": round(float((pot[f"conv_{arm}"].astype(int) - pot[f"conv_{CONTROL}"]).mean()), 5),
            "true_incremental_revenue": round(float((pot[f"revenue_{arm}"] - pot[f"revenue_{CONTROL}"]).mean()), 3),
            "true_incremental_margin": round(float((pot[f"margin_{arm}"] - pot[f"margin_{CONTROL}"]).mean()), 3),
            "redemption_rate": round(float(g.loc[mine, "redeemed"].mean()), 5),
            "n": int(mine.sum()),
        }
    return {
        "start_date": COUPON_AB_DATE.strftime("%Y-%m-%d"),
        "days": COUPON_AB_DAYS,
        "n_control": int((g["arm"] == CONTROL).sum()),
        "control_conversion": round(float(pot[f"conv_{CONTROL}"].mean()), 5),
        "gross_margin": GROSS_MARGIN,
        "arms": arms,
        "answer_table": "coupon_ab_potential",
        "rule": (
            "券面 A/B/n 实验：2024-03-01 前注册的客户等概率分到对照与 7 个券面臂；不发券是否下单取 orders 里的真实订单，"
            "发券后本来不买的人以 tau×个体响应度（Gamma(2,0.5)）的概率被促成；本来就买的人也按臂的用券率用券（纯成本）；"
            "满减券让订单额在门槛的 75%–100% 的用券人以 60% 概率凑单到门槛之上。true_lift 等为潜在结果之差的全体平均。"
        ),
        "design_note": (
            "真实提升 1.5–4 个百分点，每臂约 1/8 的入组客户，差值的标准误约 1 个百分点：信噪比刻意偏低，"
            "单臂显著性不稳，但排序与成本结构清楚——大券提升多、成本也高，按增量毛利排序与按提升排序不同，"
            "兑换率高的臂往往增量毛利最差。促成的订单不写入 orders（避免改动 v1 表），只在 coupon_ab_grants 中。"
        ),
    }
