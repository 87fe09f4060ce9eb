"""评价：只给已完成且已送达的订单；评分呈 J 形，迟到、品质差和投诉会拉低评分。"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.config import ASPECTS, END
from coursekit.world.text import compose_review

GOOD_DIST = np.array([0.012, 0.012, 0.07, 0.226, 0.68])  # 顺利的订单：1★…5★
BAD_DIST = np.array([0.56, 0.16, 0.18, 0.07, 0.03])  # 有问题的订单
P_BAD_BASE, P_BAD_LATE, P_BAD_LOWQ, P_BAD_COMPLAINT = 0.075, 0.40, 0.35, 0.12
MISSING_TEXT = np.array([0.26, 0.30, 0.42, 0.56, 0.66])  # 按 1★…5★ 不写文字的概率
OTHER_NEG_CAUSE = {"质量": 0.35, "客服": 0.15, "包装": 0.25, "价格": 0.25}


def make_reviews(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    products: pd.DataFrame,
    rng: np.random.Generator,
    bad_lines: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """生成评价表与每条评价的“真实方面/情感”（答案用）。

    ``orders`` 需要 status、delivered_at、late、complaint、_low_quality。
    ``bad_lines``（v2 故事 4）：额外按订单行算作劣质的 (order_id, product_id)——质量事故期的次品。
    """
    done = orders[(orders["status"] == "已完成") & orders["delivered_at"].notna()]
    p_review = 0.18 + 0.08 * done["late"] + 0.08 * done["_low_quality"]
    done = done[rng.random(len(done)) < p_review.to_numpy()]
    # 每张订单评价其中一件商品（随机一行；有劣质商品时评价它）
    lines = items[items["order_id"].isin(done["order_id"])].merge(
        products[["product_id", "subcategory", "_low_quality"]], on="product_id"
    )
    if bad_lines is not None and len(bad_lines):
        key = pd.MultiIndex.from_frame(bad_lines[["order_id", "product_id"]])
        hit = pd.MultiIndex.from_frame(lines[["order_id", "product_id"]]).isin(key)
        lines["_low_quality"] = lines["_low_quality"].to_numpy() | hit
    lines["_key"] = rng.random(len(lines)) + lines["_low_quality"].to_numpy() * 2
    pick = lines.sort_values(["order_id", "_key"]).groupby("order_id").tail(1).set_index("order_id")
    done = done.set_index("order_id").loc[pick.index].reset_index()
    n = len(done)
    late = done["late"].to_numpy()
    lowq = pick["_low_quality"].to_numpy()
    compl = done["complaint"].to_numpy()
    p_bad = np.minimum(P_BAD_BASE + P_BAD_LATE * late + P_BAD_LOWQ * lowq + P_BAD_COMPLAINT * compl, 0.9)
    bad = rng.random(n) < p_bad
    u = rng.random(n)
    rating = (
        np.where(
            bad,
            np.searchsorted(np.cumsum(BAD_DIST), u, side="right"),
            np.searchsorted(np.cumsum(GOOD_DIST), u, side="right"),
        )
        + 1
    )
    rating = np.minimum(rating, 5)
    wait_h = rng.gamma(1.3, 40.0, n) + 2
    review_time = (done["delivered_at"] + pd.to_timedelta(np.round(wait_h * 3600), unit="s")).dt.floor("s")
    has_text = rng.random(n) >= MISSING_TEXT[rating - 1]
    texts, labels = _texts(rng, rating, late, lowq, compl, has_text, pick["subcategory"].to_numpy())
    reviews = pd.DataFrame(
        {
            "order_id": done["order_id"].to_numpy(),
            "product_id": pick["product_id"].to_numpy(),
            "customer_id": done["customer_id"].to_numpy(),
            "rating": rating.astype(np.int64),
            "review_text": texts,
            "review_time": review_time.to_numpy(),
        }
    )
    labels["order_id"] = reviews["order_id"].to_numpy()
    labels["late"] = late
    labels["low_quality"] = lowq
    keep = reviews["review_time"] <= END + pd.Timedelta(days=1)
    reviews, labels = reviews[keep.to_numpy()], labels[keep.to_numpy()]
    order = np.argsort(reviews["review_time"].to_numpy(), kind="stable")
    reviews = reviews.iloc[order].reset_index(drop=True)
    labels = labels.iloc[order].reset_index(drop=True)
    reviews.insert(0, "review_id", np.arange(1, len(reviews) + 1, dtype=np.int64))
    labels.insert(0, "review_id", reviews["review_id"].to_numpy())
    return reviews, labels


def _texts(
    rng: np.random.Generator,
    rating: np.ndarray,
    late: np.ndarray,
    lowq: np.ndarray,
    compl: np.ndarray,
    has_text: np.ndarray,
    items: np.ndarray,
) -> tuple[list, pd.DataFrame]:
    """逐条拼评论（评论数不过万级，用循环更易读）。返回文本列表和方面标签表。"""
    others = list(OTHER_NEG_CAUSE)
    other_p = np.array(list(OTHER_NEG_CAUSE.values()))
    texts: list[object] = []
    neg_col, pos_col = [], []
    for i in range(len(rating)):
        r = int(rating[i])
        neg: list[str] = []
        pos: list[str] = []
        if r <= 3:
            if late[i]:
                neg.append("物流")
            if lowq[i]:
                neg.append("质量")
            if compl[i] and not late[i] and rng.random() < 0.6:
                neg.append("客服")
            if not neg:
                neg.append(others[rng.choice(len(others), p=other_p)])
            if r == 3:
                cand = [a for a in ASPECTS if a not in neg]
                pos.append(cand[rng.integers(len(cand))])
        else:
            k = 1 + int(rng.random() < 0.45)
            cand = [a for a in ASPECTS if not (a == "物流" and late[i])]
            pos = list(rng.choice(cand, size=k, replace=False))
            if late[i] and r == 4 and rng.random() < 0.5:
                neg.append("物流")
        if has_text[i]:
            texts.append(compose_review(rng, r, str(items[i]), neg, pos))
            neg_col.append("|".join(neg))
            pos_col.append("|".join(str(a) for a in pos))
        else:
            texts.append(None)
            neg_col.append("")
            pos_col.append("")
    return texts, pd.DataFrame({"neg_aspects": neg_col, "pos_aspects": pos_col})
