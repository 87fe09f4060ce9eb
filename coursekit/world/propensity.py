"""world v2 故事 2：购买倾向（第 5.3、4.1 章的分类模型与 AUC）。

截止日 2024-12-01，观察窗口是其后 30 天（2024-12-01 至 2024-12-30，数据到 12-31 为止，结果可观察）。
每位在截止日前下过单的客户，其“真实”的窗口内下单概率直接来自模拟过程：

    p_true = 1[截止日仍活跃] × (1 − exp(−λ · W))

其中 W 是窗口在订单日历上的“业务周”长度（purchases.simulate_purchases 的 cum / order_day_weights）。
流失只在一次购买之后发生，活跃客户的下一次购买是业务时间上速率 λ 的泊松过程（无记忆），所以这个概率是精确的。
本故事不抽任何随机数：它只记录模拟里已经发生的事。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.calendar import order_day_weights
from coursekit.world.config import DAYS

CUTOFF = pd.Timestamp("2024-12-01")
WINDOW_DAYS = 30


def window_business_weeks() -> tuple[float, float, float]:
    """(截止日的业务周时刻, 窗口结束的业务周时刻, 窗口长度 W)。"""
    w = order_day_weights()
    cum = np.concatenate([[0.0], np.cumsum(w)]) / 7.0
    d0 = int((CUTOFF - DAYS[0]).days)
    d1 = d0 + WINDOW_DAYS
    return float(cum[d0]), float(cum[d1]), float(cum[d1] - cum[d0])


def propensity_table(state: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """答案表 propensity：截止日前下过（非异常）订单的客户的 alive_at_cutoff、p_true、ordered_in_window。"""
    c0, _, width = window_business_weeks()
    o = orders[orders["source"] != "异常"]
    before = np.unique(o.loc[o["order_time"] < CUTOFF, "customer_id"].to_numpy())
    end = CUTOFF + pd.Timedelta(days=WINDOW_DAYS)
    in_win = np.unique(o.loc[(o["order_time"] >= CUTOFF) & (o["order_time"] < end), "customer_id"].to_numpy())
    st = state[state["customer_id"].isin(before)].sort_values("customer_id")
    alive = st["_death_bweek"].to_numpy() >= c0
    p_true = np.where(alive, 1.0 - np.exp(-st["lam"].to_numpy() * width), 0.0)
    return pd.DataFrame(
        {
            "customer_id": st["customer_id"].astype(np.int64).to_numpy(),
            "alive_at_cutoff": alive,
            "p_true": np.round(p_true, 6),
            "ordered_in_window": np.isin(st["customer_id"].to_numpy(), in_win),
        }
    )


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """AUC（Mann–Whitney，平局记一半）。"""
    r = pd.Series(score).rank(method="average").to_numpy()
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def propensity_truth(world) -> dict:
    """truth.json 的 propensity：口径、窗口、基础率和 p_true 自身的 AUC（任何模型的上限）。"""
    t = world.answers["propensity"]
    _, _, width = window_business_weeks()
    y = t["ordered_in_window"].to_numpy()
    return {
        "cutoff": CUTOFF.strftime("%Y-%m-%d"),
        "window_days": WINDOW_DAYS,
        "window_end_exclusive": (CUTOFF + pd.Timedelta(days=WINDOW_DAYS)).strftime("%Y-%m-%d"),
        "window_business_weeks": round(width, 4),
        "answer_table": "propensity",
        "population": "截止日前下过至少一单（非异常订单，含已取消）的客户",
        "outcome": "窗口内下过至少一单（非异常订单，含已取消）",
        "n_customers": int(len(t)),
        "n_alive_at_cutoff": int(t["alive_at_cutoff"].sum()),
        "base_rate": round(float(y.mean()), 4),
        "mean_p_true": round(float(t["p_true"].mean()), 4),
        "auc_p_true": round(_auc(t["p_true"].to_numpy(), y), 4),
        "rule": "p_true = 1[截止日仍活跃] × (1 − exp(−λ·W))，W 为窗口的业务周长度；截止日已流失的客户窗口内不会下单",
        "design_note": (
            "不额外植入信号：概率来自 BG/NBD 式过程本身（λ ~ Gamma(0.30, 3.8)，每次复购后以 p 流失）。"
            "RFM 只能间接推断 λ 和是否仍活跃，所以 RFM 逻辑回归的 AUC 明显低于 p_true 的 AUC（上限）"
        ),
    }


__all__ = ["CUTOFF", "WINDOW_DAYS", "propensity_table", "propensity_truth", "window_business_weeks"]
