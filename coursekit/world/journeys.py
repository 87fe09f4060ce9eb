"""第 8.3 节：有因果真相的多触点旅程（2024 年投放平台回传的用户级触点与转化）。

这是一个独立于订单表的“投放子世界”：2024 年前注册的普通客户，每人有一个自然转化率；
各渠道的点击按 marketing_spend 的每日花费撒在全年里，每次点击以渠道自己的概率“真正”
促成一次转化。搜索广告的点击大多发生在用户本来就要买的时候（品牌词搜索），
所以末次点击会把大量自然转化记在搜索广告头上。另有一个随机留出组：10% 的用户在
2024 年第二季度看不到信息流广告。全部随机数来自 ``stream(seed, "journeys")``。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.config import AD_CHANNELS

if TYPE_CHECKING:
    from coursekit.world.world import World

YEAR_START = pd.Timestamp("2024-01-01")
YEAR_END = pd.Timestamp("2025-01-01")  # 不含
HOLDOUT_CHANNEL = "信息流广告"
HOLDOUT_START = pd.Timestamp("2024-04-01")
HOLDOUT_END = pd.Timestamp("2024-07-01")  # 不含
HOLDOUT_SHARE = 0.10

# 在 2024 年实际花费下，每一次“真正新增”的转化花多少钱（设计值）
COST_PER_INCREMENTAL = {"搜索广告": 450.0, "信息流广告": 60.0, "直播带货": 110.0, "社交分享": 50.0, "短信推送": 400.0}
# 每次点击真正促成转化的概率（决定点击条数：点击数 ≈ 新增转化 / 概率）
CLICK_CONVERT_P = {"搜索广告": 0.05, "信息流广告": 0.15, "直播带货": 0.12, "社交分享": 0.15, "短信推送": 0.05}
# 饱和花费 = 2 × 实际花费：响应曲线 f(s) = k·h·(1 − exp(−s/h))，在实际花费处的边际回报已递减
SATURATION_MULTIPLE = 2.0
BASE_RATE_MEAN = 1.2  # 每人每年的自然转化次数（Gamma 混合，形状 0.7）
BASE_RATE_SHAPE = 0.7
P_SEARCH_BEFORE_CONVERSION = 0.55  # 转化前 5 分钟–3 小时内出现一次品牌词搜索点击的概率
LAG_MEAN_DAYS = 1.5  # 点击到其促成的转化：指数分布，截断到 7 天


def _days_spend(spend: pd.DataFrame, ch: str) -> np.ndarray:
    """某渠道 2024 年每日花费（366 天）。"""
    s = spend[(spend["channel"] == ch) & (spend["date"] >= YEAR_START) & (spend["date"] < YEAR_END)]
    return s.sort_values("date")["spend"].to_numpy(float)


def response_curve(spend: float, slope: float, saturation: float) -> float:
    """渠道响应曲线：花费 ``spend`` 元带来的期望新增转化 k·h·(1 − exp(−s/h))。"""
    return float(slope * saturation * (1.0 - np.exp(-max(float(spend), 0.0) / saturation)))


def budget_curves(spend: pd.DataFrame) -> dict[str, dict[str, float]]:
    """各渠道响应曲线的参数（由 2024 年实际花费与设计的单次新增成本决定）。"""
    out = {}
    for ch in AD_CHANNELS:
        s = float(_days_spend(spend, ch).sum())
        h = SATURATION_MULTIPLE * s
        k = 1.0 / (COST_PER_INCREMENTAL[ch] * SATURATION_MULTIPLE * (1.0 - np.exp(-1.0 / SATURATION_MULTIPLE)))
        out[ch] = {"spend_2024": round(s, 2), "saturation": round(h, 2), "slope": round(k, 8)}
    return out


def _times(rng: np.random.Generator, day_weights: np.ndarray, n: int) -> np.ndarray:
    """按日权重抽 n 个 2024 年的时刻（8:00–23:00 均匀）。"""
    day = rng.choice(len(day_weights), n, p=day_weights / day_weights.sum())
    sec = rng.integers(8 * 3600, 23 * 3600, n)
    return (YEAR_START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(sec, unit="s")).to_numpy()


def make_journeys(customers: pd.DataFrame, spend: pd.DataFrame, n_normal: int, rng: np.random.Generator) -> dict:
    """生成 ad_touches、ad_conversions、ad_holdout 三张表与隐藏的因果标签。"""
    users = customers.loc[
        (customers["customer_id"] <= n_normal) & (customers["signup_date"] < YEAR_START), "customer_id"
    ].to_numpy()
    users = np.sort(users)
    n_u = len(users)
    holdout = rng.random(n_u) < HOLDOUT_SHARE
    base = rng.gamma(BASE_RATE_SHAPE, BASE_RATE_MEAN / BASE_RATE_SHAPE, n_u)
    curves = budget_curves(spend)

    # 自然转化：不投广告也会发生
    n_base = rng.poisson(base)
    b_user = np.repeat(np.arange(n_u), n_base)
    b_time = _times(rng, np.ones(366), len(b_user))
    conv_user, conv_time, conv_cause = [b_user], [b_time], [np.full(len(b_user), "自然")]
    conv_touch = [np.full(len(b_user), -1)]
    t_user, t_time, t_chan = [], [], []
    t_holdout_drop = []
    n_t = 0
    potential_q2 = np.zeros(n_u)  # 若不留出，每人 Q2 内由 Q2 信息流点击促成的转化数
    for ch in AD_CHANNELS:
        expected = response_curve(curves[ch]["spend_2024"], curves[ch]["slope"], curves[ch]["saturation"])
        q = CLICK_CONVERT_P[ch]
        n_click = int(round(expected / q))
        # 短信只发给近期活跃的人：接触与自然转化率正相关（选择偏差）
        w = base + 0.05 if ch == "短信推送" else rng.gamma(2.0, 0.5, n_u)
        u = rng.choice(n_u, n_click, p=w / w.sum())
        t = _times(rng, _days_spend(spend, ch), n_click)
        conv = rng.random(n_click) < q
        lag = np.minimum(rng.exponential(LAG_MEAN_DAYS * 86400, n_click), 7 * 86400) + 600
        ct = t + pd.to_timedelta(np.round(lag), unit="s").to_numpy()
        drop = np.zeros(n_click, bool)
        if ch == HOLDOUT_CHANNEL:
            in_q2 = (t >= HOLDOUT_START.to_datetime64()) & (t < HOLDOUT_END.to_datetime64())
            q2_conv = conv & in_q2 & (ct >= HOLDOUT_START.to_datetime64()) & (ct < HOLDOUT_END.to_datetime64())
            np.add.at(potential_q2, u[q2_conv], 1)
            drop = in_q2 & holdout[u]
        ids = n_t + np.arange(n_click)
        n_t += n_click
        t_user.append(u), t_time.append(t), t_chan.append(np.full(n_click, ch)), t_holdout_drop.append(drop)
        keep = conv & ~drop
        conv_user.append(u[keep]), conv_time.append(ct[keep]), conv_cause.append(np.full(keep.sum(), ch))
        conv_touch.append(ids[keep])
    cu, ct, cause = np.concatenate(conv_user), np.concatenate(conv_time), np.concatenate(conv_cause)
    in_year = ct < YEAR_END.to_datetime64()
    cu, ct, cause = cu[in_year], ct[in_year], cause[in_year]
    tu, tt, tc = np.concatenate(t_user), np.concatenate(t_time), np.concatenate(t_chan)
    keep_t = ~np.concatenate(t_holdout_drop)
    tu, tt, tc = tu[keep_t], tt[keep_t], tc[keep_t]

    # 品牌词搜索：用户想买时先搜一下店名/商品名，点了搜索广告（搜索广告自己促成的转化不再加）
    add = (rng.random(len(cu)) < P_SEARCH_BEFORE_CONVERSION) & (cause != "搜索广告")
    before = rng.integers(5 * 60, 3 * 3600, int(add.sum()))
    s_time = ct[add] - pd.to_timedelta(before, unit="s").to_numpy()
    tu = np.concatenate([tu, cu[add]])
    tt = np.concatenate([tt, s_time])
    tc = np.concatenate([tc, np.full(int(add.sum()), "搜索广告")])

    value = np.round(np.exp(rng.normal(np.log(150), 0.8, len(cu))), 2)
    conv_df = pd.DataFrame(
        {"customer_id": users[cu], "conversion_time": ct, "conversion_value": value, "_cause": cause}
    )
    conv_df["conversion_time"] = conv_df["conversion_time"].dt.floor("s")
    conv_df = conv_df.sort_values(["customer_id", "conversion_time", "_cause"], kind="stable").reset_index(drop=True)
    conv_df.insert(0, "conversion_id", np.arange(1, len(conv_df) + 1, dtype=np.int64))
    touch_df = pd.DataFrame({"customer_id": users[tu], "touch_time": tt, "channel": tc})
    touch_df["touch_time"] = touch_df["touch_time"].dt.floor("s")
    touch_df = touch_df.sort_values(["customer_id", "touch_time", "channel"], kind="stable").reset_index(drop=True)
    touch_df.insert(0, "touch_id", np.arange(1, len(touch_df) + 1, dtype=np.int64))
    hold_df = pd.DataFrame({"customer_id": users, "group": np.where(holdout, "留出组", "投放组")})
    return {
        "ad_touches": touch_df,
        "ad_conversions": conv_df,
        "ad_holdout": hold_df,
        "potential_q2": pd.DataFrame({"customer_id": users, "feed_q2": potential_q2, "holdout": holdout}),
        "curves": curves,
    }


def _r(x: float, nd: int = 4) -> float:
    return round(float(x), nd)


def journeys_truth(world: World) -> dict:
    """多触点旅程的答案：各渠道真实新增转化与 ROI、留出实验的真实效应、末次点击的偏差。"""
    conv = world.tables["ad_conversions"]
    touches = world.tables["ad_touches"]
    hold = world.tables["ad_holdout"]
    pot = world.hidden["journeys_potential"]
    curves = world.hidden["journeys_curves"]
    channels = {}
    # 末次点击（转化前 7 天内最后一次触点）
    lc = pd.merge_asof(
        conv.sort_values("conversion_time"),
        touches.sort_values("touch_time")[["customer_id", "touch_time", "channel"]],
        left_on="conversion_time",
        right_on="touch_time",
        by="customer_id",
        direction="backward",
        tolerance=pd.Timedelta(days=7),
    )
    last_click = lc["channel"].value_counts()
    n_lost = int(round(pot.loc[pot["holdout"], "feed_q2"].sum()))
    for ch in AD_CHANNELS:
        c = conv[conv["_cause"] == ch]
        s = curves[ch]["spend_2024"]
        channels[ch] = {
            "spend_2024": _r(s, 2),
            "true_incremental_conversions": int(len(c)),
            "true_incremental_revenue": _r(c["conversion_value"].sum(), 2),
            "true_roi": _r(c["conversion_value"].sum() / s) if s else None,
            "design_cost_per_incremental": COST_PER_INCREMENTAL[ch],
            "click_convert_p": CLICK_CONVERT_P[ch],
            "last_click_conversions": int(last_click.get(ch, 0)),
            "curve": curves[ch],
        }
    channels[HOLDOUT_CHANNEL]["lost_to_holdout"] = n_lost
    q2 = conv[(conv["conversion_time"] >= HOLDOUT_START) & (conv["conversion_time"] < HOLDOUT_END)]
    y = hold["customer_id"].map(q2.groupby("customer_id").size()).fillna(0).to_numpy(float)
    h = (hold["group"] == "留出组").to_numpy()
    d = y[~h].mean() - y[h].mean()
    se = np.sqrt(y[~h].var(ddof=1) / (~h).sum() + y[h].var(ddof=1) / h.sum())
    o = world.tables["orders"]
    o = o[o["source"] != "异常"] if "source" in o else o
    per = o.groupby("customer_id").agg(n=("order_id", "size"), k=("channel", "nunique"))
    rep = per[per["n"] >= 2]
    return {
        "rule": (
            "2024 年投放子世界（ad_touches/ad_conversions）：每次转化要么是“自然”的（不投也会发生），要么由某渠道"
            "的一次点击真正促成。搜索广告点击多发生在本来就要买的人身上（55% 的转化前 3 小时内有一次品牌词搜索点击），"
            "所以末次点击严重高估搜索广告；信息流广告真正创造需求（每次新增转化约 60 元）。"
            "短信只发给近期活跃客户，天真的比较也会高估它。"
        ),
        "design_note": (
            "信噪比：信息流广告在 Q2 的真实效应约为每人 0.07 次转化，而每人 Q2 转化的标准差约 0.7，"
            "10% 留出组（约 1,100 人）下 z≈3：能测出来，但置信区间不窄。新增转化的真实原因只有生成器知道"
            "（_cause 列不写出）；归因模型只能看到触点顺序。"
        ),
        "channels": channels,
        "n_users": int(len(hold)),
        "n_conversions": int(len(conv)),
        "n_natural_conversions": int((conv["_cause"] == "自然").sum()),
        "holdout": {
            "channel": HOLDOUT_CHANNEL,
            "start": HOLDOUT_START.strftime("%Y-%m-%d"),
            "end": (HOLDOUT_END - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
            "share_design": HOLDOUT_SHARE,
            "n_holdout": int(h.sum()),
            "n_exposed": int((~h).sum()),
            "outcome": "每人在 2024-04-01..06-30 的转化次数（ad_conversions）",
            "true_effect": _r(pot["feed_q2"].mean()),
            "true_effect_note": "全部用户若都能看到 Q2 信息流广告，每人因此多出的 Q2 转化数的平均（潜在结果之差）",
            "estimate": {"diff": _r(d), "se": _r(se, 5), "ci95": [_r(d - 1.96 * se), _r(d + 1.96 * se)]},
        },
        "cross_channel_orders": {
            "repeat_customers": int(len(rep)),
            "share_with_2plus_order_channels": _r((rep["k"] >= 2).mean()),
            "note": "orders 表中下过 ≥2 单（不含异常单）的客户里，用过 ≥2 个下单渠道的比例（由发布的 orders 表直接算出；订单渠道受购物者类型影响，见 shopper_types）",
        },
    }


__all__ = ["budget_curves", "journeys_truth", "make_journeys", "response_curve"]
