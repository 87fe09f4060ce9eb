"""故事 4（第 6.2.2、6.3、10.2 节）：一个商品的质量事故。

2024-04-17 起的 7 周里，一个原本正常、卖得不错的商品换了一批有问题的货：这段时间下的含该商品的
订单，有 ``P_AFFECTED`` 的比例拿到次品（订单级 ``_low_quality=True``）。于是沿用 v1 的因果链——
退款概率升高（``world._statuses``）、评价更可能写这件商品且差评、负面方面写“质量”（``reviews``）、
投诉工单话题为“商品质量”（``service``）。

订单级的“投诉”标记在 ``purchases`` 里抽，那时还不知道买了什么商品；这里给受影响的订单**额外**补抽
投诉（``P_EXTRA_COMPLAINT``）。补上的投诉只进入评价与工单，不回灌到流失过程（客户的流失时刻早已定好）。

全部随机数来自 ``stream(seed, "quality_incident")``。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.reviews import P_BAD_LOWQ

if TYPE_CHECKING:
    from coursekit.world.world import World

INCIDENT_START = pd.Timestamp("2024-04-17")  # 周三；前 8 周在春节之后，后 8 周在 618 当天之前结束
INCIDENT_DAYS = 56  # 这批货卖完、供应商换货之后恢复正常
N_CANDIDATES = 3  # 在开始前 8 周订单行数最多的 3 个正常商品里随机挑一个
P_AFFECTED = 0.65  # 事故期内含该商品的订单拿到次品的比例
P_EXTRA_COMPLAINT = 0.06  # 拿到次品的订单额外发起投诉的概率
WINDOW_WEEKS = 8  # 答案里报告事故前后各 8 周


def _window_end() -> pd.Timestamp:
    """事故期的结束时刻（不含）。"""
    return INCIDENT_START + pd.Timedelta(days=INCIDENT_DAYS)


def pick_product(orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator) -> int:
    """在事故开始前 8 周订单行最多的正常商品（非 v1 劣质品）里随机挑一个。"""
    pre = orders[
        (orders["source"] == "自然")
        & (orders["order_time"] >= INCIDENT_START - pd.Timedelta(weeks=WINDOW_WEEKS))
        & (orders["order_time"] < INCIDENT_START)
    ]
    ok = products.loc[~products["_low_quality"], "product_id"]
    n = items[items["order_id"].isin(pre["order_id"]) & items["product_id"].isin(ok)]["product_id"].value_counts()
    n = n.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    cand = n.index.to_numpy()[:N_CANDIDATES]
    return int(cand[rng.integers(len(cand))])


def apply_incident(
    orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """给事故期内含该商品的订单按 ``P_AFFECTED`` 打上次品，并补抽投诉。

    返回 (改过 _low_quality / complaint 的 orders, 受影响订单行 (order_id, product_id), 商品号)。
    """
    pid = pick_product(orders, items, products, rng)
    has = orders["order_id"].isin(items.loc[items["product_id"] == pid, "order_id"]).to_numpy()
    t = orders["order_time"]
    in_win = ((t >= INCIDENT_START) & (t < _window_end())).to_numpy() & (orders["source"] != "异常").to_numpy()
    cand = has & in_win
    u = rng.random(len(orders))
    v = rng.random(len(orders))
    hit = cand & (u < P_AFFECTED)
    extra = hit & (v < P_EXTRA_COMPLAINT)
    orders = orders.assign(
        _low_quality=orders["_low_quality"].to_numpy() | hit,
        complaint=orders["complaint"].to_numpy() | extra,
        _incident=hit,
    )
    bad_lines = pd.DataFrame({"order_id": orders.loc[hit, "order_id"].to_numpy(), "product_id": pid})
    return orders, bad_lines, pid


def _weekly(reviews: pd.DataFrame, pid: int) -> pd.DataFrame:
    """该商品按“距事故开始的周数”汇总评价数与差评（≤2★）数，前后各 8 周。"""
    r = reviews[reviews["product_id"] == pid]
    wk = np.floor((r["review_time"] - INCIDENT_START) / pd.Timedelta(weeks=1)).astype(int)
    r = r.assign(week=wk.to_numpy())
    r = r[(r["week"] >= -WINDOW_WEEKS) & (r["week"] < WINDOW_WEEKS)]
    g = r.groupby("week")["rating"]
    out = pd.DataFrame({"n": g.size(), "neg": g.apply(lambda s: int((s <= 2).sum()))})
    return out.reindex(range(-WINDOW_WEEKS, WINDOW_WEEKS), fill_value=0)


def incident_truth(world: World) -> dict:
    """质量事故的答案：商品、开始日期、方面，以及前后 8 周的差评占比、退款率、质量投诉数。"""
    info = world.hidden["incident"]
    pid = int(info["product_id"].iloc[0])
    p = world.tables["products"].set_index("product_id")
    o = world.tables["orders"]
    it = world.tables["order_items"]
    rv = world.tables["reviews"]
    w = _weekly(rv, pid)
    pre, post = w.loc[w.index < 0], w.loc[w.index >= 0]
    oid = it.loc[it["product_id"] == pid, "order_id"]
    op = o[o["order_id"].isin(oid) & (o["source"] != "异常")]
    d8 = pd.Timedelta(weeks=WINDOW_WEEKS)
    before = op[(op["order_time"] >= INCIDENT_START - d8) & (op["order_time"] < INCIDENT_START)]
    after = op[(op["order_time"] >= INCIDENT_START) & (op["order_time"] < INCIDENT_START + d8)]
    tk = world.tables["service_tickets"]
    qt = tk[(tk["ticket_type"] == "投诉") & (tk["topic"] == "商品质量") & tk["order_id"].isin(oid)]

    def refund(x: pd.DataFrame) -> float:
        x = x[x["status"] != "已取消"]
        return round(float((x["status"] == "已退款").mean()), 4)

    def n_tickets(x: pd.DataFrame) -> int:
        return int(qt["order_id"].isin(x["order_id"]).sum())

    share = (w["neg"] / w["n"].where(w["n"] > 0)).round(4)
    pre_share = float(pre["neg"].sum() / max(pre["n"].sum(), 1))
    post_share = float(post["neg"].sum() / max(post["n"].sum(), 1))
    return {
        "rule": (
            f"{INCIDENT_START:%Y-%m-%d} 起 {INCIDENT_DAYS} 天内，商品 {pid} 换了一批次品：这段时间含它的订单有 "
            f"{P_AFFECTED:.0%} 拿到次品——差评（质量）、退款与“商品质量”投诉随之上升，之后恢复正常。"
        ),
        "design_note": (
            f"次品订单沿用 v1 劣质品的机制（差评概率 +{P_BAD_LOWQ}，退款概率 +0.18，评价概率 +0.08），"
            f"再补 {P_EXTRA_COMPLAINT:.0%} 的投诉；只有 {P_AFFECTED:.0%} 的订单中招，所以该商品的差评占比约翻 2–4 倍"
            "（真实事故常见量级），而每周只有几条评价：全店周均差评率几乎看不出，要按商品做周趋势 + 变点检测。"
            "事故期的补投诉不回灌流失过程。v1 的 reviews.low_quality_product_ids 不含这个商品。"
        ),
        "product_id": pid,
        "product_name": str(p.loc[pid, "product_name"]),
        "supplier_id": int(p.loc[pid, "supplier_id"]),
        "start_date": f"{INCIDENT_START:%Y-%m-%d}",
        "end_date": f"{_window_end() - pd.Timedelta(days=1):%Y-%m-%d}",
        "aspect": "质量",
        "design": {
            "p_affected": P_AFFECTED,
            "p_extra_complaint": P_EXTRA_COMPLAINT,
            "n_candidates": N_CANDIDATES,
            "days": INCIDENT_DAYS,
        },
        "n_affected_orders": int(len(info)),
        "week_definition": "周 = floor((review_time − start_date) / 7 天)，-8…-1 为事故前，0…7 为事故后；差评 = rating ≤ 2",
        "weekly": {
            "week": [int(k) for k in w.index],
            "n_reviews": [int(x) for x in w["n"]],
            "n_negative": [int(x) for x in w["neg"]],
            "negative_share": [None if pd.isna(x) else float(x) for x in share],
        },
        "negative_share_before": round(pre_share, 4),
        "negative_share_after": round(post_share, 4),
        "refund_rate_before": refund(before),
        "refund_rate_after": refund(after),
        "quality_complaints_before": n_tickets(before),
        "quality_complaints_after": n_tickets(after),
        "orders_before": int(len(before)),
        "orders_after": int(len(after)),
    }


__all__ = ["INCIDENT_START", "apply_incident", "incident_truth", "pick_product"]
