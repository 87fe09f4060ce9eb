"""world v2 客服运营（9.1.3）：到达率、处理时长 → Erlang C 排班；找出坐席不足的小时；CSAT 与首响。

都从写出的 small 文件里用第 9 章会教的方法找回来（Erlang C 在这里自己写一遍，不调生成器）。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from helpers.data import load, truth, truth_table

QUEUE = ["在线客服", "电话"]
SL_TARGET, SL_MINUTES = 0.80, 10.0
# 第 9 章的判别规则：实时渠道首响均值 > 10 分钟，且该格至少 3 张工单（1–2 张工单说明不了什么）
WAIT_THRESHOLD, MIN_TICKETS = 10.0, 3


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")["service_ops"]


@pytest.fixture(scope="module")
def staffing() -> pd.DataFrame:
    return truth_table("service_staffing")


def _with_cells(t: pd.DataFrame, promo_weeks: list[str]) -> pd.DataFrame:
    """加上时期（大促周 = 1）与格子编号（时期 × 168 + 星期 × 24 + 小时）。"""
    ts = t["created_at"]
    monday = (ts.dt.normalize() - pd.to_timedelta(ts.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    promo = monday.isin(promo_weeks).astype(int)
    return t.assign(promo=promo, cell=promo * 168 + ts.dt.day_of_week * 24 + ts.dt.hour)


@pytest.fixture(scope="module")
def all_tickets(key) -> pd.DataFrame:
    return _with_cells(load("service_tickets"), key["design"]["promo_weeks"])


@pytest.fixture(scope="module")
def tickets(all_tickets) -> pd.DataFrame:
    """实时渠道（在线客服 + 电话）的工单：它们排队，邮件不排队。"""
    return all_tickets[all_tickets["channel"].isin(QUEUE)]


def _erlang_c(c: np.ndarray, a: np.ndarray) -> np.ndarray:
    """排队概率 C(c, a)：用泊松分布的 pmf/cdf 写 Erlang C（数值稳定）。"""
    top = poisson.pmf(c, a) * c / np.maximum(c - a, 1e-9)
    return np.where(c > a, top / (poisson.cdf(c - 1, a) + top), 1.0)


def _sl(c: np.ndarray, a: np.ndarray, aht: np.ndarray) -> np.ndarray:
    return np.where(c > a, 1 - _erlang_c(c, a) * np.exp(-(c - a) * SL_MINUTES / aht), 0.0)


def _erlang_staff(a: np.ndarray, aht: np.ndarray) -> np.ndarray:
    c = np.floor(a) + 1
    for _ in range(60):
        c = c + (_sl(c, a, aht) < SL_TARGET)
    return c


def _estimates(q: pd.DataFrame, factor: float, weeks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """到达率：时期内“小时 × 星期”乘法模型 × 全店倍数；处理时长：时期 × 小时的 handle_minutes 均值。"""
    per, wd, hr = q["promo"].to_numpy(), q["created_at"].dt.day_of_week.to_numpy(), q["created_at"].dt.hour.to_numpy()
    n = np.zeros((2, 7, 24))
    np.add.at(n, (per, wd, hr), 1.0)
    days = weeks.to_numpy(float)  # 2 × 7：每个（时期, 星期）观察了几天
    hour_rate = n.sum(axis=1) / days.sum(axis=1, keepdims=True)
    wd_factor = (n.sum(axis=2) / days) / (n.sum(axis=(1, 2)) / days.sum(axis=1))[:, None]
    lam = (factor * hour_rate[:, None, :] * wd_factor[:, :, None]).reshape(336)
    aht_ph = q.groupby(per * 24 + hr)["handle_minutes"].mean().reindex(range(48)).to_numpy()
    cells = np.arange(336)
    return lam, aht_ph[(cells // 168) * 24 + cells % 24]


@pytest.fixture(scope="module")
def day_counts(key) -> pd.DataFrame:
    days = pd.date_range("2023-01-01", "2024-12-31")
    monday = (days - pd.to_timedelta(days.day_of_week, unit="D")).strftime("%Y-%m-%d")
    promo = np.asarray(monday.isin(key["design"]["promo_weeks"]), dtype=int)
    return pd.crosstab(promo, days.day_of_week)


def test_erlang_staffing_from_estimates_matches_truth(key, staffing, tickets, day_counts):
    lam, aht = _estimates(tickets, key["design"]["shop_factor"], day_counts)
    assert np.allclose(lam, staffing["arrivals_per_hour"], rtol=0.01)
    assert np.median(np.abs(aht / staffing["mean_handle_minutes"] - 1)) < 0.06
    a = lam * aht / 60
    need = _erlang_staff(a, aht)
    true_need = staffing["required_agents"].to_numpy()
    busy = staffing["arrivals_per_hour"].to_numpy() >= 20  # 每格都算忙时（small 最少约 28 次/小时）
    assert busy.mean() > 0.9
    assert np.mean(np.abs(need - true_need)[busy] <= 1) >= 0.9
    # 朴素做法“工单数 ÷ 每人每小时能处理的单数”= ceil(a)：占用率 100%，多数小时达不到服务水平
    naive = np.ceil(a)
    true_a, true_aht = staffing["offered_erlangs"].to_numpy(), staffing["mean_handle_minutes"].to_numpy()
    assert np.mean(_sl(naive, true_a, true_aht)[busy] < SL_TARGET) > 0.5
    assert np.mean(_sl(need, true_a, true_aht)[busy] < SL_TARGET) < 0.25


def _flag(q: pd.DataFrame, threshold: float, min_n: int) -> np.ndarray:
    g = q.groupby("cell")["first_response_minutes"]
    mean, n = g.mean().reindex(range(336)), g.size().reindex(range(336)).fillna(0)
    return ((mean > threshold) & (n >= min_n)).to_numpy()


def _precision_recall(flag: np.ndarray, planted: np.ndarray) -> tuple[float, float]:
    tp = (flag & planted).sum()
    return tp / max(flag.sum(), 1), tp / planted.sum()


def test_understaffed_hours_found_from_waits(key, staffing, tickets, all_tickets):
    planted = staffing["understaffed"].to_numpy(bool)
    assert planted.sum() == key["realised"]["n_understaffed_cells"] >= 10
    prec, rec = _precision_recall(_flag(tickets, WAIT_THRESHOLD, MIN_TICKETS), planted)
    assert prec >= 0.9 and rec >= 0.8, (prec, rec)
    # 朴素做法：邮件也算进首响均值 → 很多格子都“超时”，精确率崩掉
    naive_prec, _ = _precision_recall(_flag(all_tickets, WAIT_THRESHOLD, MIN_TICKETS), planted)
    assert naive_prec < 0.5


def test_csat_still_falls_with_log_first_response():
    t = load("service_tickets").dropna(subset=["csat"])
    x = np.log2(1 + t["first_response_minutes"] / 10)
    slope = np.polyfit(x, t["csat"].astype(float), 1)[0]
    design = truth("small")["service"]["csat_model"]["slope_per_log2_unit"]
    assert design * 1.35 < slope < design * 0.65
