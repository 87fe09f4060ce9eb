"""客服工单与满意度调查。

植入的故事：首次响应越慢，CSAT 越低（按 log2(1 + 分钟/10) 线性下降）；夜间与大促期间响应更慢；
投诉多来自迟到和劣质商品。调查里的各项得分由客户的真实经历决定，推荐度（0–10）跟着总体满意度走。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.calendar import day_index, promo_multiplier
from coursekit.world.config import DAYS, END
from coursekit.world.service_ops import ServiceOps

CSAT_INTERCEPT = 4.75
CSAT_SLOPE_LOG2 = -0.42  # 每当 log2(1 + 首响分钟/10) 增加 1，CSAT 期望下降 0.42 分
CSAT_COMPLAINT = -0.5
CSAT_UNRESOLVED = -1.2
CSAT_NOISE = 0.6
CONSULT_TOPICS = ["物流查询", "优惠券使用", "发票开具", "商品咨询", "账户问题"]
TICKET_CHANNELS = ["在线客服", "电话", "邮件"]


def _response_minutes(rng: np.random.Generator, created: pd.Series, channel: np.ndarray) -> np.ndarray:
    """首次响应分钟数：对数正态；夜里 ×4，大促（按当日强度）更慢，邮件最慢。"""
    hour = created.dt.hour.to_numpy()
    night = (hour < 8) | (hour >= 23)
    promo = promo_multiplier(DAYS)[np.clip(day_index(created), 0, len(DAYS) - 1)]
    ch_mult = np.select([channel == "电话", channel == "邮件"], [0.5, 12.0], 1.0)
    median = 6.0 * np.where(night, 4.0, 1.0) * promo**0.8 * ch_mult
    return np.round(median * np.exp(rng.normal(0, 0.9, len(hour))), 1)


def make_service_tickets(
    orders: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator, ops: ServiceOps | None = None
) -> pd.DataFrame:
    """工单表：投诉来自迟到/劣质订单，售后来自退款订单，咨询随机发生（部分没有订单）。

    ``ops``（v2）：客服运营模型。给了它，首次响应改由排队模型算（tickets 流的抽样次序不变），
    并加上 agent_id、handle_minutes 两列。
    """
    o = orders
    compl = o[o["complaint"].to_numpy()]
    refund = o[o["status"] == "已退款"]
    consult = o[rng.random(len(o)) < 0.05]
    parts = [
        pd.DataFrame(
            {
                "order_id": compl["order_id"],
                "customer_id": compl["customer_id"],
                "ticket_type": "投诉",
                "topic": np.where(compl["late"], "物流延迟", np.where(compl["_low_quality"], "商品质量", "服务态度")),
                "base": compl["order_time"] + pd.Timedelta(days=4),
            }
        ),
        pd.DataFrame(
            {
                "order_id": refund["order_id"],
                "customer_id": refund["customer_id"],
                "ticket_type": "售后",
                "topic": "退换货",
                "base": refund["delivered_at"].fillna(refund["order_time"]) + pd.Timedelta(days=1),
            }
        ),
        pd.DataFrame(
            {
                "order_id": consult["order_id"],
                "customer_id": consult["customer_id"],
                "ticket_type": "咨询",
                "topic": np.array(CONSULT_TOPICS)[rng.integers(0, len(CONSULT_TOPICS), len(consult))],
                "base": consult["order_time"],
            }
        ),
    ]
    n_pre = len(consult) // 2  # 售前咨询：没有订单
    pre_day = rng.integers(0, len(DAYS), n_pre)
    parts.append(
        pd.DataFrame(
            {
                "order_id": pd.array([pd.NA] * n_pre, dtype="Int64"),
                "customer_id": customers["customer_id"].to_numpy()[rng.integers(0, len(customers), n_pre)],
                "ticket_type": "咨询",
                "topic": "商品咨询",
                "base": DAYS[pre_day],
            }
        )
    )
    t = pd.concat(parts, ignore_index=True)
    t["order_id"] = t["order_id"].astype("Int64")
    n = len(t)
    t["created_at"] = (t["base"] + pd.to_timedelta(rng.integers(0, 20 * 3600, n), unit="s")).dt.floor("s")
    t = t[t["created_at"] <= END + pd.Timedelta(hours=23, minutes=59)].reset_index(drop=True)
    n = len(t)
    channel = np.array(TICKET_CHANNELS)[rng.choice(3, n, p=[0.72, 0.2, 0.08])]
    typ = t["ticket_type"].to_numpy()
    if ops is None:
        frm = _response_minutes(rng, t["created_at"], channel)
    else:  # 与 _response_minutes 同样的一次 N(0, 0.9) 抽样，保持 tickets 流后面的随机数不变
        frm = ops.first_response(t["created_at"], channel, typ, rng.normal(0, 0.9, n))
    res_med = np.select([typ == "咨询", typ == "投诉"], [3.0, 26.0], 40.0)
    res_h = res_med * np.exp(rng.normal(0, 0.8, n)) + frm / 60
    resolved = rng.random(n) < np.clip(0.97 - 0.06 * np.log2(1 + frm / 10), 0.5, 0.99)
    resolved_at = t["created_at"] + pd.to_timedelta(np.round(res_h * 3600), unit="s")
    x = np.log2(1 + frm / 10)
    latent = (
        CSAT_INTERCEPT
        + CSAT_SLOPE_LOG2 * x
        + CSAT_COMPLAINT * (typ == "投诉")
        + CSAT_UNRESOLVED * ~resolved
        + rng.normal(0, CSAT_NOISE, n)
    )
    csat = np.clip(np.round(latent), 1, 5).astype(np.int64)
    rated = rng.random(n) < 0.62
    out = pd.DataFrame(
        {
            "customer_id": t["customer_id"].to_numpy(),
            "order_id": t["order_id"].array,
            "ticket_type": typ,
            "topic": t["topic"].to_numpy(),
            "channel": channel,
            "created_at": t["created_at"].to_numpy(),
            "first_response_minutes": frm,
            "resolved": resolved,
            "resolved_at": resolved_at.where(resolved).to_numpy(),
            "csat": pd.array(np.where(rated, csat, 0), dtype="Int64"),
            **({} if ops is None else ops.ticket_cols),
        }
    )
    out.loc[~rated, "csat"] = pd.NA
    out = out.sort_values(["created_at", "customer_id", "ticket_type"], kind="stable").reset_index(drop=True)
    out.insert(0, "ticket_id", np.arange(1, len(out) + 1, dtype=np.int64))
    return out


def make_surveys(orders: pd.DataFrame, tickets: pd.DataFrame, rng: np.random.Generator, n_surveys: int) -> pd.DataFrame:
    """满意度调查：2024 年随机抽已完成订单的客户，送达后几天填写。"""
    pool = orders[
        (orders["status"] == "已完成")
        & (orders["order_time"] >= "2024-01-01")
        & (orders["delivered_at"] < END - pd.Timedelta(days=7))
    ]
    pool = pool.drop_duplicates("customer_id")
    take = pool.iloc[np.sort(rng.choice(len(pool), size=min(n_surveys, len(pool)), replace=False))]
    n = len(take)
    bad_service = tickets.groupby("customer_id")["csat"].min().le(2)
    svc_bad = take["customer_id"].map(bad_service).fillna(False).to_numpy(bool)
    late = take["late"].to_numpy()
    lowq = take["_low_quality"].to_numpy()

    def score(base: float, penalty: np.ndarray) -> np.ndarray:
        return np.clip(np.round(base - penalty + rng.normal(0, 0.7, n)), 1, 5).astype(np.int64)

    q = score(4.3, 1.6 * lowq)
    lg = score(4.3, 1.8 * late)
    sv = score(4.2, 1.9 * svc_bad)
    overall = np.clip(np.round(0.4 * q + 0.3 * lg + 0.3 * sv + rng.normal(0, 0.45, n)), 1, 5).astype(np.int64)
    rec = np.clip(np.round(2.3 * overall - 1.4 + rng.normal(0, 1.1, n)), 0, 10).astype(np.int64)
    when = (take["delivered_at"] + pd.to_timedelta(rng.integers(2 * 86400, 7 * 86400, n), unit="s")).dt.floor("s")
    out = (
        pd.DataFrame(
            {
                "customer_id": take["customer_id"].to_numpy(),
                "order_id": take["order_id"].to_numpy(),
                "survey_time": when.to_numpy(),
                "score_quality": q,
                "score_logistics": lg,
                "score_service": sv,
                "score_overall": overall,
                "recommend_score": rec,
            }
        )
        .sort_values(["survey_time", "customer_id"])
        .reset_index(drop=True)
    )
    out.insert(0, "survey_id", np.arange(1, n + 1, dtype=np.int64))
    return out
