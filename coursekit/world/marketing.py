"""营销：优惠券目录、实验发券记录、渠道投放（marketing_spend）与触点（touchpoints）。"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.calendar import promo_multiplier
from coursekit.world.config import ACQ_CHANNELS, AD_CHANNELS, DAYS, EXPERIMENT_DATE, EXPERIMENT_DAYS

# (名称, 类型, 面值/折扣率, 门槛, 开始, 结束, 活动, 使用概率)
_COUPONS = [
    ("新人礼券", "无门槛", 10.0, 0.0, "2023-01-01", "2024-12-31", "新人", 0.45),
    ("日常满减券", "满减", 20.0, 199.0, "2023-01-01", "2024-12-31", "日常", 0.15),
    ("会员专享折扣", "折扣", 0.95, 0.0, "2023-01-01", "2024-12-31", "日常", 0.05),
    ("618预售满减", "满减", 40.0, 300.0, "2023-05-31", "2023-06-20", "618", 0.6),
    ("618狂欢折扣", "折扣", 0.9, 0.0, "2023-06-16", "2023-06-18", "618", 0.6),
    ("双十一跨店满减", "满减", 50.0, 300.0, "2023-10-31", "2023-11-13", "双十一", 0.6),
    ("双十一当天折扣", "折扣", 0.85, 0.0, "2023-11-11", "2023-11-11", "双十一", 0.65),
    ("双十二满减", "满减", 25.0, 200.0, "2023-12-10", "2023-12-13", "双十二", 0.5),
    ("618预售满减", "满减", 40.0, 300.0, "2024-05-31", "2024-06-20", "618", 0.6),
    ("618狂欢折扣", "折扣", 0.9, 0.0, "2024-06-16", "2024-06-18", "618", 0.6),
    (
        "老客回归券",
        "无门槛",
        25.0,
        0.0,
        EXPERIMENT_DATE.strftime("%Y-%m-%d"),
        (EXPERIMENT_DATE + pd.Timedelta(days=EXPERIMENT_DAYS - 1)).strftime("%Y-%m-%d"),
        "实验",
        0.75,
    ),
    ("双十一跨店满减", "满减", 50.0, 300.0, "2024-10-31", "2024-11-13", "双十一", 0.6),
    ("双十一当天折扣", "折扣", 0.85, 0.0, "2024-11-11", "2024-11-11", "双十一", 0.65),
    ("双十二满减", "满减", 25.0, 200.0, "2024-12-10", "2024-12-13", "双十二", 0.5),
]
EXPERIMENT_COUPON_ID = 11

# 渠道角色（触点的“真相”）：信息流/社交更常出现在路径开头，搜索更常是最后一步
CHANNEL_FIRST_WEIGHT = {"搜索广告": 1.0, "信息流广告": 3.0, "直播带货": 2.0, "社交分享": 2.0, "短信推送": 0.6}
CHANNEL_LAST_WEIGHT = {"搜索广告": 3.5, "信息流广告": 0.8, "直播带货": 2.0, "社交分享": 0.8, "短信推送": 1.2}
CPC = {"搜索广告": 2.2, "信息流广告": 0.9, "直播带货": 1.6, "社交分享": 0.6, "短信推送": 0.12}
CTR = {"搜索广告": 0.045, "信息流广告": 0.012, "直播带货": 0.03, "社交分享": 0.02, "短信推送": 0.008}


def make_coupons() -> pd.DataFrame:
    """优惠券目录（固定 14 张）。"""
    df = pd.DataFrame(
        _COUPONS,
        columns=["coupon_name", "coupon_type", "value", "threshold", "start_date", "end_date", "campaign", "_use_prob"],
    )
    df.insert(0, "coupon_id", np.arange(1, len(df) + 1, dtype=np.int64))
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


def make_coupon_grants(grants: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """实验发券记录：每位入组客户一行；实验组有券，对照组 coupon_id 为空。

    converted = 实验期 14 天内是否下单；order_id = 期间第一张订单；redeemed = 是否用了这张券。
    """
    d0 = EXPERIMENT_DATE
    d1 = d0 + pd.Timedelta(days=EXPERIMENT_DAYS)
    win = orders[(orders["order_time"] >= d0) & (orders["order_time"] < d1)].sort_values("order_time")
    first = win.groupby("customer_id", sort=False).first()
    used = win[win["coupon_id"] == EXPERIMENT_COUPON_ID].groupby("customer_id")["order_id"].first()
    g = grants.sort_values("customer_id").reset_index(drop=True)
    treated = g["treated"].to_numpy()
    cid = g["customer_id"]
    # 实验组：若用券，关联用券订单；否则关联期间第一单
    order_id = cid.map(used).fillna(cid.map(first["order_id"]))
    out = pd.DataFrame(
        {
            "grant_id": np.arange(1, len(g) + 1, dtype=np.int64),
            "customer_id": cid.to_numpy(),
            "group": np.where(treated, "实验组", "对照组"),
            "segment": g["segment"].to_numpy(),
            "coupon_id": pd.array(np.where(treated, EXPERIMENT_COUPON_ID, 0), dtype="Int64"),
            "granted_at": d0 + pd.Timedelta(hours=10),
            "converted": cid.isin(first.index).to_numpy(),
            "redeemed": cid.isin(used.index).to_numpy() & treated,
            "order_id": pd.array(order_id, dtype="Int64"),
        }
    )
    out.loc[~treated, "coupon_id"] = pd.NA
    return out


def make_marketing_spend(signups: pd.DataFrame, rng: np.random.Generator, size_factor: float) -> pd.DataFrame:
    """渠道 × 日 的投放：花费随大促上升；各渠道的新客数与花费大致成正比（可算获客成本）。"""
    promo = promo_multiplier(DAYS)
    rows = []
    by_ch = signups.groupby(["acquisition_channel", "_signup_day"]).size()
    for ch in AD_CHANNELS:
        base_cac = {"搜索广告": 55, "信息流广告": 70, "直播带货": 48, "社交分享": 35, "短信推送": 0}[ch]
        if ch in ACQ_CHANNELS:
            s = by_ch.get(ch, pd.Series(dtype=float))
            new = np.zeros(len(DAYS))
            new[s.index.to_numpy()] = s.to_numpy()
            smooth = pd.Series(new).rolling(7, center=True, min_periods=1).mean().to_numpy()
            spend = base_cac * smooth * np.exp(rng.normal(0, 0.15, len(DAYS)))
        else:
            spend = 300 * size_factor * promo * np.exp(rng.normal(0, 0.2, len(DAYS)))
        clicks = rng.poisson(spend / CPC[ch])
        impressions = rng.poisson(np.maximum(clicks, 1) / CTR[ch])
        rows.append(
            pd.DataFrame(
                {"date": DAYS, "channel": ch, "spend": np.round(spend, 2), "impressions": impressions, "clicks": clicks}
            )
        )
    return pd.concat(rows, ignore_index=True).sort_values(["date", "channel"]).reset_index(drop=True)


def make_touchpoints(orders: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """2024 年的营销触点：成交订单前 7 天内的 1–5 个触点，外加未成交的浏览路径（order_id 为空）。"""
    chans = np.array(AD_CHANNELS)
    o = orders[(orders["order_time"] >= "2024-01-01") & (orders["status"] != "已取消")]
    o = o.sample(frac=0.4, random_state=rng.integers(2**31)).sort_values("order_id")
    n_conv = len(o)
    path_len = 1 + np.minimum(rng.poisson(1.3, n_conv), 4)
    first_w = np.array([CHANNEL_FIRST_WEIGHT[c] for c in chans])
    last_w = np.array([CHANNEL_LAST_WEIGHT[c] for c in chans])
    mid_w = np.ones(len(chans))
    idx = np.repeat(np.arange(n_conv), path_len)
    step = np.concatenate([np.arange(k) for k in path_len]) if n_conv else np.array([], int)
    last = step == path_len[idx] - 1
    first = step == 0
    ch = np.empty(len(idx), dtype=object)
    for mask, w in ((first, first_w), (last & ~first, last_w), (~first & ~last, mid_w)):
        ch[mask] = chans[rng.choice(len(chans), int(mask.sum()), p=w / w.sum())]
    # 触点时间：在下单前 0–7 天，按步序递增
    gap = (path_len[idx] - step) / path_len[idx] * 160 * rng.uniform(0.3, 1.0, len(idx)) + rng.uniform(
        0.05, 2, len(idx)
    )
    t = o["order_time"].to_numpy()[idx] - pd.to_timedelta(np.round(gap * 3600), unit="s").to_numpy()
    conv = pd.DataFrame(
        {
            "customer_id": o["customer_id"].to_numpy()[idx],
            "touch_time": t,
            "channel": ch,
            "order_id": pd.array(o["order_id"].to_numpy()[idx], dtype="Int64"),
        }
    )
    # 未成交的路径：随机客户在 2024 年的 1–3 个触点
    n_non = int(n_conv * 1.2)
    cust = customers["customer_id"].to_numpy()[rng.integers(0, len(customers), n_non)]
    k = 1 + np.minimum(rng.poisson(0.8, n_non), 2)
    j = np.repeat(np.arange(n_non), k)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, n_non), unit="s")
    offs = rng.uniform(0, 72 * 3600, len(j))
    non = pd.DataFrame(
        {
            "customer_id": cust[j],
            "touch_time": start.to_numpy()[j] + pd.to_timedelta(np.round(offs), unit="s").to_numpy(),
            "channel": chans[rng.choice(len(chans), len(j), p=np.full(len(chans), 0.2))],
            "order_id": pd.array([pd.NA] * len(j), dtype="Int64"),
        }
    )
    tp = pd.concat([conv, non], ignore_index=True)
    tp["touch_time"] = tp["touch_time"].dt.floor("s")
    tp = tp.sort_values(["customer_id", "touch_time", "channel"], kind="stable").reset_index(drop=True)
    tp.insert(0, "touch_id", np.arange(1, len(tp) + 1, dtype=np.int64))
    return tp
