"""日历效应：大促（618、双十一、双十二）、春节、星期与一天中的时段。

所有表共用同一套日历，所以订单、流量、物流延误、客服压力会在同一天一起变化。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.config import DAYS, N_DAYS
from helpers.data.calendar import SPRING_FESTIVAL, promo_calendar

# 每个大促峰值日当天的下单倍数（相对于平常日）；日期来自学生也能读到的唯一一份促销日历
PEAK_MULTIPLIER = {"618": 5.0, "双十一": 8.0, "双十二": 2.5}
PROMO_PEAKS: dict[str, float] = {
    r.peak_date.strftime("%Y-%m-%d"): PEAK_MULTIPLIER[r.name] for r in promo_calendar().itertuples()
}

# 星期效应（周一=0）：下单略偏工作日；浏览偏周末
ORDER_WEEKDAY = np.array([1.04, 1.03, 1.02, 1.02, 1.00, 0.95, 0.94])
BROWSE_WEEKDAY = np.array([0.94, 0.93, 0.95, 0.97, 1.02, 1.10, 1.09])

# 一天 24 小时的相对强度：晚上 20–22 点最高，凌晨 4–5 点最低
HOURLY_BROWSE = np.array(
    [
        2.6,
        1.5,
        0.9,
        0.55,
        0.35,
        0.35,
        0.6,
        1.3,
        2.4,
        3.4,
        4.0,
        4.3,
        4.4,
        4.1,
        4.0,
        4.2,
        4.4,
        4.5,
        4.6,
        5.2,
        6.4,
        7.0,
        6.6,
        4.6,
    ]
)
# 下单：午后与晚上两个高峰
HOURLY_ORDER = np.array(
    [
        2.0,
        1.1,
        0.6,
        0.4,
        0.25,
        0.25,
        0.5,
        1.2,
        2.3,
        3.5,
        4.5,
        5.0,
        4.8,
        4.6,
        5.0,
        5.3,
        5.0,
        4.6,
        4.4,
        4.8,
        5.8,
        6.2,
        5.6,
        3.8,
    ]
)
# 双十一当天：零点开抢，00–03 点流量远超平常夜间
HOURLY_PEAKDAY = HOURLY_BROWSE.copy()
HOURLY_PEAKDAY[[0, 1, 2, 3]] = [11.0, 7.0, 3.5, 1.6]


def _window(days: pd.DatetimeIndex, start: str, end: str) -> np.ndarray:
    """日期是否落在 [start, end] 内。"""
    return np.asarray((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end)))


def promo_multiplier(days: pd.DatetimeIndex = DAYS) -> np.ndarray:
    """每天相对平常日的大促/节日倍数（不含星期效应）。"""
    m = np.ones(len(days))
    for year in (2023, 2024):
        # 618：预售起量，18 日最高
        m[_window(days, f"{year}-05-31", f"{year}-06-15")] = 1.35
        m[_window(days, f"{year}-06-16", f"{year}-06-17")] = 2.2
        m[_window(days, f"{year}-06-19", f"{year}-06-20")] = 1.3
        # 双十一：10-31 晚开启第一波，11 日当天最高，之前几天观望
        m[_window(days, f"{year}-10-31", f"{year}-11-03")] = 2.0
        m[_window(days, f"{year}-11-04", f"{year}-11-10")] = 0.9
        m[_window(days, f"{year}-11-12", f"{year}-11-13")] = 1.6
        m[_window(days, f"{year}-12-10", f"{year}-12-13")] = 1.5
    for day, peak in PROMO_PEAKS.items():
        m[_window(days, day, day)] = peak
    for start, end in SPRING_FESTIVAL:
        m[_window(days, start, end)] = 0.55
    return m


def order_day_weights(days: pd.DatetimeIndex = DAYS) -> np.ndarray:
    """订单的日强度（大促 × 星期），每个自然年平均为 1。"""
    w = promo_multiplier(days) * ORDER_WEEKDAY[days.day_of_week]
    for year in np.unique(days.year):
        sel = np.asarray(days.year == year)
        w[sel] /= w[sel].mean()
    return w


def browse_day_weights(days: pd.DatetimeIndex) -> np.ndarray:
    """浏览流量的日强度（大促倍数比下单温和些 × 周末效应）。"""
    promo = promo_multiplier(days)
    return (1.0 + 0.55 * (promo - 1.0)) * BROWSE_WEEKDAY[days.day_of_week]


def late_probability(days: pd.DatetimeIndex = DAYS) -> np.ndarray:
    """某天下单的包裹迟于承诺日期送达的概率：平时约 3.5%，大促后积压时升到 15% 以上。"""
    m = promo_multiplier(days)
    # 积压：当天及前两天的平均倍数
    backlog = pd.Series(m).rolling(3, min_periods=1).mean().to_numpy()
    p = 0.03 + 0.15 * np.clip((backlog - 1.0) / 3.0, 0.0, 1.0)
    for start, end in SPRING_FESTIVAL:
        p[_window(days, start, end)] += 0.10
    return p


def day_index(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """时间戳 → 从 2023-01-01 起的天序号。"""
    return np.asarray((pd.DatetimeIndex(ts).normalize() - DAYS[0]).days)


def sample_seconds_of_day(rng: np.random.Generator, n: int, profile: np.ndarray) -> np.ndarray:
    """按 24 小时强度抽取一天内的秒数（0–86399）。"""
    hours = rng.choice(24, size=n, p=profile / profile.sum())
    return hours * 3600 + rng.integers(0, 3600, size=n)


__all__ = [
    "HOURLY_BROWSE",
    "HOURLY_ORDER",
    "HOURLY_PEAKDAY",
    "PROMO_PEAKS",
    "N_DAYS",
    "browse_day_weights",
    "day_index",
    "late_probability",
    "order_day_weights",
    "promo_multiplier",
    "sample_seconds_of_day",
]
