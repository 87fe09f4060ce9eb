"""谁在什么时候下单：BG/NBD 式的购买过程、优惠券随机实验和刷单式的异常订单。

每位客户有隐藏的购买率 λ（每周，Gamma(r, α)）和每次复购后的流失概率 p（Beta(a, b)）。
第一次购买后，客户按 λ 的泊松过程复购（时间按大促日历拉伸），每次复购后以概率 p 流失；
若这次订单迟到或引发投诉，流失概率会放大（这就是“流失驱动因素”）。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world import shoppers
from coursekit.world.calendar import (
    HOURLY_ORDER,
    HOURLY_PEAKDAY,
    late_probability,
    order_day_weights,
    sample_seconds_of_day,
)
from coursekit.world.config import DAYS, EXPERIMENT_DATE, EXPERIMENT_DAYS, N_DAYS

# 真实参数（答案 truth 中给出）：λ 的单位是“每周”
BGNBD = {"r": 0.30, "alpha": 3.8, "a": 0.75, "b": 2.6}
GAMMA_GAMMA = {"p": 6.0, "q": 3.8, "v": 100.0}
NEVER_BUY_SHARE = 0.08
LATE_DROPOUT_MULT = 3.0
COMPLAINT_DROPOUT_MULT = 1.8
CHANNEL_DROPOUT_MULT = {"自然流量": 0.7, "搜索广告": 0.8, "信息流广告": 1.15, "直播带货": 1.9, "社交分享": 1.0}
LAMBDA_CAP = 1.5  # 每周最多 1.5 单（截断极端值）
# 实验：不同分群的设计提升（在“本来不会下单”的人里额外促成下单的概率）
EXPERIMENT_TAU = {"近期活跃": 0.03, "沉睡": 0.10, "久未购买": 0.05}
NATURAL_REDEEM = 0.75  # 实验组本来就会下单的人使用券的概率


def draw_customer_params(customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """为每位客户抽隐藏参数 λ、p、ν（消费水平），以及是否注册后从不下单。"""
    n = len(customers)
    lam = np.minimum(rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n), LAMBDA_CAP)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    p = np.clip(p * customers["acquisition_channel"].map(CHANNEL_DROPOUT_MULT).to_numpy(), 0.0, 0.97)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["v"], n)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "lam": lam,
            "p": p,
            "nu": nu,
            "never_buy": rng.random(n) < NEVER_BUY_SHARE,
        }
    )


def _hours_for_days(rng: np.random.Generator, day: np.ndarray, kinds: np.ndarray | None = None) -> np.ndarray:
    """按下单时段分布抽秒数；双十一当天零点后的抢购更多。``kinds``：每单的购物者类型（v2，可省略）。"""
    if kinds is None:
        sec = sample_seconds_of_day(rng, len(day), HOURLY_ORDER)
    else:
        sec = np.empty(len(day), dtype=np.int64)
        for k in np.unique(kinds):
            sel = kinds == k
            sec[sel] = sample_seconds_of_day(rng, int(sel.sum()), shoppers.hourly_profile(int(k)))
    peak_days = np.flatnonzero(np.isin(DAYS.strftime("%m-%d"), ["11-11", "06-18"]))
    on_peak = np.isin(day, peak_days)
    if on_peak.any():
        sec[on_peak] = sample_seconds_of_day(rng, int(on_peak.sum()), HOURLY_PEAKDAY)
    return sec


def simulate_purchases(
    customers: pd.DataFrame, params: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """模拟自然发生的订单（向量化：每轮给所有仍活跃的客户抽下一次购买）。

    返回 (订单时间表, 客户状态表)。订单时间表含 customer_id、day、sec、late、complaint。
    """
    w = order_day_weights()
    cum = np.concatenate([[0.0], np.cumsum(w)]) / 7.0  # 第 d 天开始时的“业务周”
    end_c = cum[-1]
    p_late = late_probability()

    buyers = np.flatnonzero(~params["never_buy"].to_numpy())
    first_day = customers["_signup_day"].to_numpy()[buyers] + np.minimum(rng.geometric(0.55, len(buyers)) - 1, 20)
    keep = first_day < N_DAYS
    buyers, first_day = buyers[keep], first_day[keep]
    lam = params["lam"].to_numpy()
    p = params["p"].to_numpy()

    idx_parts, day_parts = [buyers], [first_day]
    cur = buyers
    c = cum[first_day] + rng.random(len(buyers)) * w[first_day] / 7.0
    alive_end = np.zeros(len(params), bool)
    alive_end[buyers] = True
    death = np.full(len(params), np.inf)  # 流失发生的“业务周”时刻（= 最后一单的时刻；未流失为 inf）
    late_parts, compl_parts = [], []
    # 首单的迟到与投诉（BG/NBD 约定首单后不流失；这里只在首单体验差时加上额外风险）
    l0 = rng.random(len(buyers)) < p_late[first_day]
    c0 = rng.random(len(buyers)) < 0.02 + 0.2 * l0
    late_parts.append(l0)
    compl_parts.append(c0)
    # 首单体验差的客户：只承受“额外”的流失风险（体验正常时首单后不流失）
    extra = np.minimum(
        p[buyers] * (np.where(l0, LATE_DROPOUT_MULT, 1.0) * np.where(c0, COMPLAINT_DROPOUT_MULT, 1.0) - 1.0), 0.97
    )
    dead0 = rng.random(len(buyers)) < extra
    alive_end[buyers[dead0]] = False
    death[buyers[dead0]] = c[dead0]
    cur, c = cur[~dead0], c[~dead0]
    while len(cur):
        c = c + rng.exponential(1.0, len(cur)) / lam[cur]
        inside = c < end_c
        cur, c = cur[inside], c[inside]
        if not len(cur):
            break
        day = np.searchsorted(cum, c, side="right") - 1
        late = rng.random(len(cur)) < p_late[day]
        compl = rng.random(len(cur)) < 0.02 + 0.2 * late
        idx_parts.append(cur)
        day_parts.append(day)
        late_parts.append(late)
        compl_parts.append(compl)
        p_eff = np.minimum(
            p[cur] * np.where(late, LATE_DROPOUT_MULT, 1.0) * np.where(compl, COMPLAINT_DROPOUT_MULT, 1.0), 0.97
        )
        dead = rng.random(len(cur)) < p_eff
        alive_end[cur[dead]] = False
        death[cur[dead]] = c[dead]
        cur, c = cur[~dead], c[~dead]

    idx = np.concatenate(idx_parts)
    day = np.concatenate(day_parts)
    orders = pd.DataFrame(
        {
            "customer_id": params["customer_id"].to_numpy()[idx],
            "day": day,
            "sec": _hours_for_days(rng, day, shoppers.kinds_for(params["customer_id"].to_numpy()[idx], params)),
            "late": np.concatenate(late_parts),
            "complaint": np.concatenate(compl_parts),
            "source": "自然",
        }
    )
    state = params.assign(alive_end=alive_end, _death_bweek=death)
    # 2025 年未来 52 周的期望购买次数：活跃者 (1 - e^{-λp·52}) / p
    lp = state["lam"] * state["p"]
    state["expected_purchases_52w"] = np.where(state["alive_end"], (1 - np.exp(-lp * 52.0)) / state["p"], 0.0)
    return orders, state


def run_coupon_experiment(
    customers: pd.DataFrame, natural: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """优惠券随机实验：给有购买史的老客随机分组，实验组发券，对照组不发。

    返回 (grants 表（含潜在结果，供答案使用）, 新增的“被券促成”的订单)。
    """
    d0 = int((EXPERIMENT_DATE - DAYS[0]).days)
    d1 = d0 + EXPERIMENT_DAYS
    before = natural[natural["day"] < d0]
    last_day = before.groupby("customer_id")["day"].max()
    eligible = last_day.index.to_numpy()
    recency = d0 - last_day.to_numpy()
    segment = np.where(recency <= 90, "近期活跃", np.where(recency <= 270, "沉睡", "久未购买"))
    n = len(eligible)
    treated = rng.permutation(np.arange(n) % 2 == 0)  # 严格一半一半，随机分配
    in_window = natural[(natural["day"] >= d0) & (natural["day"] < d1)]
    y0 = np.isin(eligible, in_window["customer_id"].unique())
    tau = pd.Series(segment).map(EXPERIMENT_TAU).to_numpy()
    extra = rng.random(n) < tau
    y1 = y0 | extra
    grants = pd.DataFrame(
        {
            "customer_id": eligible,
            "segment": segment,
            "treated": treated,
            "y0": y0,
            "y1": y1,
            "recency_days": recency,
        }
    )
    new = grants[treated & extra & ~y0]
    add = pd.DataFrame(
        {
            "customer_id": new["customer_id"].to_numpy(),
            "day": d0 + rng.integers(0, EXPERIMENT_DAYS, len(new)),
        }
    )
    add["sec"] = _hours_for_days(rng, add["day"].to_numpy())
    add["late"] = rng.random(len(add)) < late_probability()[add["day"].to_numpy()]
    add["complaint"] = rng.random(len(add)) < 0.02 + 0.2 * add["late"]
    add["source"] = "券促成"
    return grants, add


def make_fraud_orders(
    n_orders: int, first_customer_id: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """刷单式异常订单：几个新注册账号在深夜短时间内连续下大额数码订单，多数随后退款。"""
    n_accounts = max(2, n_orders // 8)
    acc = first_customer_id + np.arange(n_accounts)
    day = rng.choice(np.arange(400, N_DAYS - 20), size=n_accounts, replace=False)
    owner = rng.integers(0, n_accounts, n_orders)
    orders = pd.DataFrame(
        {
            "customer_id": acc[owner],
            "day": day[owner],
            "sec": rng.integers(1 * 3600, 4 * 3600, n_orders),
            "late": False,
            "complaint": False,
            "source": "异常",
        }
    )
    accounts = pd.DataFrame({"customer_id": acc, "_signup_day": day})
    return orders, accounts
