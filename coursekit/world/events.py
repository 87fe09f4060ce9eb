"""用户行为日志 events（天池 UserBehavior 的结构）：双十一 2024 前后 6 周。

- 每个购买（buy）都对应 orders/order_items 里的一行（同一时刻、同一商品），之前有浏览，常有加购；
- 其余是浏览会话：晚上 20–22 点最多、凌晨 4–5 点最少，周末更多，双十一当天零点后暴涨；
- 浏览最多的类目（服饰、数码）转化最差；加购比收藏更能预测购买；
- 少量爬虫账号（bots）浏览量极大、全天均匀、从不购买；少量时间戳是脏的（1970 年或 2030 年以后）。
item_id 就是 products.product_id，category_id 是子类目编号（products.category_id）。
时间戳是 unix 秒（UTC），换成北京时间要 +8 小时。
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from coursekit.world.calendar import HOURLY_BROWSE, HOURLY_PEAKDAY, browse_day_weights
from coursekit.world.config import EVENTS_END, EVENTS_START

BEHAVIORS = ["pv", "fav", "cart", "buy"]
TARGET_RATIO = {"pv": 44.0, "cart": 2.7, "fav": 1.4}  # 相对 buy=1
BUYER_SHARE = 0.68
PREBUY_PV, PREBUY_CART, PREBUY_FAV = 3.0, 0.55, 0.12
# 浏览偏好：服饰/数码/美妆被逛得多、买得少
BROWSE_TILT = {"服饰": 3.0, "美妆": 0.7, "食品": 0.55, "家居": 0.8, "数码": 1.7, "母婴": 0.6, "运动": 1.0}
TZ_OFFSET = 8 * 3600
BOT_PV_RANGE = (1800, 3500)
DIRTY_RATE = 1e-4

WINDOW_DAYS = pd.date_range(EVENTS_START, EVENTS_END, freq="D")
N_WIN = len(WINDOW_DAYS)
PEAK_DAY = int((pd.Timestamp("2024-11-11") - EVENTS_START).days)


def to_unix(ts: pd.Series | np.ndarray) -> np.ndarray:
    """北京时间（无时区）→ unix 秒。"""
    return pd.DatetimeIndex(ts).as_unit("s").asi8 - TZ_OFFSET


def _day_unix(day: np.ndarray) -> np.ndarray:
    """窗口内第 day 天 00:00（北京时间）的 unix 秒。"""
    return to_unix(WINDOW_DAYS)[day]


class _ItemSampler:
    """按“类目内热度”抽商品的小工具（向量化）。"""

    def __init__(self, products: pd.DataFrame) -> None:
        cats = sorted(products["category"].unique())
        self.categories = cats
        p = products.assign(_c=products["category"].map({c: i for i, c in enumerate(cats)}))
        p = p.sort_values(["_c", "product_id"])
        cw = (
            p.groupby("_c")["_popularity"].cumsum().to_numpy()
            / p.groupby("_c")["_popularity"].transform("sum").to_numpy()
        )
        self.key = p["_c"].to_numpy() + cw
        self.item = p["product_id"].to_numpy()
        self.cat_id = p["category_id"].to_numpy()
        buy_share = products.groupby("category")["_popularity"].sum().reindex(cats).to_numpy()
        tilt = np.array([BROWSE_TILT.get(c, 1.0) for c in cats])
        self.browse_p = buy_share * tilt / (buy_share * tilt).sum()

    def draw(self, rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
        """给每个类目编号抽一个商品位置。"""
        pos = np.searchsorted(self.key, cat + rng.random(len(cat)) * (1 - 1e-12), side="right")
        return np.minimum(pos, len(self.item) - 1)


def plan_users(
    buy_lines: pd.DataFrame, candidates: np.ndarray, bot_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """决定哪些用户出现在日志里、何时开始活跃、活跃多久、有几个会话。"""
    buyers = np.unique(buy_lines["customer_id"].to_numpy())
    n_b = len(buyers)
    n_nb = int(round(n_b * (1 - BUYER_SHARE) / BUYER_SHARE)) - len(bot_ids)
    pool = np.setdiff1d(candidates, np.concatenate([buyers, bot_ids]))
    browsers = np.sort(rng.choice(pool, size=max(0, min(n_nb, len(pool))), replace=False))
    users = pd.DataFrame({"user_id": np.concatenate([buyers, browsers, bot_ids])})
    users["kind"] = np.repeat(["buyer", "browser", "bot"], [n_b, len(browsers), len(bot_ids)])
    users = users.sort_values("user_id", kind="stable").reset_index(drop=True)
    n = len(users)
    w = browse_day_weights(WINDOW_DAYS)
    start = rng.choice(N_WIN, size=n, p=w / w.sum())
    first_buy = buy_lines.groupby("customer_id")["win_day"].min()
    is_buyer = (users["kind"] == "buyer").to_numpy()
    fb = users["user_id"].map(first_buy).to_numpy()
    lead = np.minimum(rng.geometric(0.35, n) - 1, 10)
    start = np.where(is_buyer, np.maximum(np.nan_to_num(fb, nan=0).astype(int) - lead, 0), start)
    span = np.ceil(rng.exponential(22.0, n)).astype(int)
    end = np.minimum(start + span, N_WIN - 1)
    rate = rng.gamma(1.3, 0.28 / 1.3, n)
    users["start"] = start
    users["end"] = end
    users["n_sessions"] = 1 + rng.poisson(rate * (end - start))
    users["main_cat"] = rng.integers(0, 7, n)
    return users


def iter_event_chunks(
    users: pd.DataFrame, buy_lines: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator, chunk_users: int
) -> Iterator[pd.DataFrame]:
    """按用户分块生成事件（每块按 user_id、timestamp 排序；块与块首尾相接，整体有序）。"""
    sampler = _ItemSampler(products)
    n_buy = len(buy_lines)
    n_bots = int((users["kind"] == "bot").sum())
    bot_pv_mean = np.mean(BOT_PV_RANGE) * n_bots
    total_sessions = users.loc[users["kind"] != "bot", "n_sessions"].sum()
    session_pv = max(TARGET_RATIO["pv"] * n_buy - PREBUY_PV * n_buy - bot_pv_mean, total_sessions)
    mean_len = session_pv / max(total_sessions, 1)
    cart_rate = (TARGET_RATIO["cart"] - PREBUY_CART) * n_buy / session_pv
    fav_rate = (TARGET_RATIO["fav"] - PREBUY_FAV) * n_buy / session_pv
    cat_of_item = dict(zip(products["product_id"], products["category_id"], strict=True))
    buy_lines = buy_lines.assign(category_id=buy_lines["product_id"].map(cat_of_item))
    win_lo, win_hi = _day_unix(np.array([0]))[0], _day_unix(np.array([N_WIN - 1]))[0] + 86400
    for lo in range(0, len(users), chunk_users):
        chunk = users.iloc[lo : lo + chunk_users]
        parts = [
            _session_events(chunk[chunk["kind"] != "bot"], sampler, rng, mean_len, cart_rate, fav_rate),
            _bot_events(chunk[chunk["kind"] == "bot"], sampler, rng),
            _buy_events(buy_lines[buy_lines["customer_id"].isin(chunk["user_id"])], rng),
        ]
        ev = pd.concat(parts, ignore_index=True)
        ev = ev.astype({"user_id": np.int64, "item_id": np.int64, "category_id": np.int64})
        ev["timestamp"] = np.clip(ev["timestamp"].to_numpy(np.int64), win_lo, win_hi - 1)
        dirty = rng.random(len(ev)) < DIRTY_RATE
        if dirty.any():
            bad = rng.choice([0, 1, 2], size=int(dirty.sum()), p=[0.4, 0.3, 0.3])
            vals = np.select(
                [bad == 0, bad == 1],
                [rng.integers(0, 86400 * 3, bad.size), rng.integers(1_900_000_000, 2_135_347_200, bad.size)],
                rng.integers(1_000_000_000, 1_500_000_000, bad.size),
            )
            ts = ev["timestamp"].to_numpy().copy()
            ts[dirty] = vals
            ev["timestamp"] = ts
        code = ev["behavior_type"].map({b: i for i, b in enumerate(BEHAVIORS)}).to_numpy()
        order = np.lexsort((ev["item_id"].to_numpy(), code, ev["timestamp"].to_numpy(), ev["user_id"].to_numpy()))
        yield ev.iloc[order].reset_index(drop=True)


def _session_times(rng: np.random.Generator, users: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """每个会话的用户与开始时刻（unix 秒）。首个会话在开始那天，其余在活跃期内按日强度分布。"""
    n_s = users["n_sessions"].to_numpy()
    uid = np.repeat(users["user_id"].to_numpy(), n_s)
    start = np.repeat(users["start"].to_numpy(), n_s)
    end = np.repeat(users["end"].to_numpy(), n_s)
    first = np.concatenate([[True], uid[1:] != uid[:-1]]) if len(uid) else np.array([], bool)
    w = browse_day_weights(WINDOW_DAYS)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    u = cw[start] + rng.random(len(uid)) * (cw[end + 1] - cw[start])
    day = np.clip(np.searchsorted(cw, u, side="right") - 1, start, end)
    day = np.where(first, start, day)
    hours = _hours(rng, day)
    return uid, _day_unix(day) + hours


def _hours(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """会话开始的秒数：平时按浏览时段分布，双十一当天零点后更集中。"""
    prof = HOURLY_BROWSE / HOURLY_BROWSE.sum()
    peak = HOURLY_PEAKDAY / HOURLY_PEAKDAY.sum()
    h = rng.choice(24, size=len(day), p=prof)
    on_peak = day == PEAK_DAY
    if on_peak.any():
        h[on_peak] = rng.choice(24, size=int(on_peak.sum()), p=peak)
    return h * 3600 + rng.integers(0, 3600, len(day))


def _session_events(
    users: pd.DataFrame,
    sampler: _ItemSampler,
    rng: np.random.Generator,
    mean_len: float,
    cart_rate: float,
    fav_rate: float,
) -> pd.DataFrame:
    """普通用户的浏览会话：pv 为主，部分 pv 之后加购或收藏。"""
    uid, t0 = _session_times(rng, users)
    n_s = len(uid)
    main = np.repeat(users["main_cat"].to_numpy(), users["n_sessions"].to_numpy())
    cat = np.where(rng.random(n_s) < 0.55, main, rng.choice(len(sampler.categories), size=n_s, p=sampler.browse_p))
    length = rng.geometric(1.0 / mean_len, n_s)
    s_idx = np.repeat(np.arange(n_s), length)
    gaps = rng.exponential(55.0, len(s_idx)).astype(np.int64) + 3
    cum = np.cumsum(gaps)
    first = np.r_[0, np.cumsum(length)[:-1]]
    offset = cum - np.repeat(cum[first] - gaps[first], length)
    pos = sampler.draw(rng, cat[s_idx])
    pv = pd.DataFrame(
        {
            "user_id": uid[s_idx],
            "item_id": sampler.item[pos],
            "category_id": sampler.cat_id[pos],
            "behavior_type": "pv",
            "timestamp": t0[s_idx] + offset,
        }
    )
    out = [pv]
    for name, rate, lag in (("cart", cart_rate, 20), ("fav", fav_rate, 10)):
        hit = rng.random(len(pv)) < rate
        e = pv[hit].copy()
        e["behavior_type"] = name
        e["timestamp"] = e["timestamp"].to_numpy() + rng.integers(3, lag * 6, int(hit.sum()))
        out.append(e)
    return pd.concat(out, ignore_index=True)


def _bot_events(bots: pd.DataFrame, sampler: _ItemSampler, rng: np.random.Generator) -> pd.DataFrame:
    """爬虫账号：一天 24 小时均匀、商品随机、只有 pv。"""
    if bots.empty:
        z = np.array([], np.int64)
        return pd.DataFrame(
            {"user_id": z, "item_id": z, "category_id": z, "behavior_type": np.array([], str), "timestamp": z}
        )
    n_pv = rng.integers(*BOT_PV_RANGE, len(bots))
    uid = np.repeat(bots["user_id"].to_numpy(), n_pv)
    day = rng.integers(0, N_WIN, len(uid))
    pos = rng.integers(0, len(sampler.item), len(uid))
    return pd.DataFrame(
        {
            "user_id": uid,
            "item_id": sampler.item[pos],
            "category_id": sampler.cat_id[pos],
            "behavior_type": "pv",
            "timestamp": _day_unix(day) + rng.integers(0, 86400, len(uid)),
        }
    )


def _buy_events(lines: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """购买：每个订单行一条 buy；之前有 1 次以上浏览，常有加购，偶有收藏。"""
    n = len(lines)
    base = dict(
        user_id=lines["customer_id"].to_numpy(),
        item_id=lines["product_id"].to_numpy(),
        category_id=lines["category_id"].to_numpy(),
    )
    t = lines["ts"].to_numpy()
    buy = pd.DataFrame({**base, "behavior_type": "buy", "timestamp": t})
    n_pv = 1 + rng.poisson(PREBUY_PV - 1, n)
    r = np.repeat(np.arange(n), n_pv)
    pv = pd.DataFrame({k: v[r] for k, v in base.items()})
    pv["behavior_type"] = "pv"
    pv["timestamp"] = t[r] - rng.integers(60, 3 * 3600, len(r))
    out = [buy, pv]
    for name, prob, lo, hi in (("cart", PREBUY_CART, 20, 1800), ("fav", PREBUY_FAV, 600, 6 * 3600)):
        hit = rng.random(n) < prob
        e = pd.DataFrame({k: v[hit] for k, v in base.items()})
        e["behavior_type"] = name
        e["timestamp"] = t[hit] - rng.integers(lo, hi, int(hit.sum()))
        out.append(e)
    return pd.concat(out, ignore_index=True)
