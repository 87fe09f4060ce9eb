"""评价：只给已完成且已送达的订单；评分呈 J 形，迟到、品质差和投诉会拉低评分。"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from coursekit.world.config import ASPECTS, END, stream
from coursekit.world.text import DRAWS_PER_REVIEW, P_MILD_NEG_4STAR, P_MISMATCH, P_SHORT, compose_review, compose_short

GOOD_DIST = np.array([0.012, 0.012, 0.07, 0.226, 0.68])  # 顺利的订单：1★…5★
BAD_DIST = np.array([0.56, 0.16, 0.18, 0.07, 0.03])  # 有问题的订单
P_BAD_BASE, P_BAD_LATE, P_BAD_LOWQ, P_BAD_COMPLAINT = 0.075, 0.40, 0.35, 0.12
MISSING_TEXT = np.array([0.26, 0.30, 0.42, 0.56, 0.66])  # 按 1★…5★ 不写文字的概率
OTHER_NEG_CAUSE = {"质量": 0.35, "客服": 0.15, "包装": 0.25, "价格": 0.25}
OTHER_CAUSES = list(OTHER_NEG_CAUSE)
OTHER_CUM = np.cumsum(list(OTHER_NEG_CAUSE.values()))[:-1]  # 按累积概率选“其他”差评原因


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
    texts, labels = _texts(_text_stream(rng), rating, late, lowq, compl, has_text, pick["subcategory"].to_numpy())
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


def _text_stream(rng: np.random.Generator) -> np.random.Generator:
    """评论文字自己的随机数流 ``stream(seed, "review_text")``。

    总种子从评价流的 SeedSequence 里取回（不从评价流抽数），所以改文字不会改变评分、时间和 id。
    """
    entropy = rng.bit_generator.seed_seq.entropy  # type: ignore[attr-defined]
    return stream(int(entropy[0]), "review_text")


def _aspects(u: Iterator[float], r: int, late: bool, lowq: bool, compl: bool) -> tuple[list[str], list[str]]:
    """一条评论的负面 / 正面方面（规则同 v1：迟到→物流，劣质→质量，投诉→客服，否则按 OTHER_NEG_CAUSE 随机）。"""
    neg: list[str] = []
    pos: list[str] = []
    if r <= 3:
        if late:
            neg.append("物流")
        if lowq:
            neg.append("质量")
        if compl and not late and next(u) < 0.6:
            neg.append("客服")
        if not neg:
            neg.append(OTHER_CAUSES[int(np.searchsorted(OTHER_CUM, next(u), side="right"))])
        if r == 3:
            cand = [a for a in ASPECTS if a not in neg]
            pos.append(cand[int(next(u) * len(cand))])
    else:
        k = 1 + int(next(u) < 0.45)
        cand = [a for a in ASPECTS if not (a == "物流" and late)]
        pos = [a for _, a in sorted((next(u), a) for a in cand)][:k]  # 不放回地随机取 k 个
        if late and r == 4 and next(u) < 0.5:
            neg.append("物流")
    return neg, pos


def _texts(
    text_rng: np.random.Generator,
    rating: np.ndarray,
    late: np.ndarray,
    lowq: np.ndarray,
    compl: np.ndarray,
    has_text: np.ndarray,
    items: np.ndarray,
) -> tuple[list, pd.DataFrame]:
    """逐条拼评论（写了字的评论只有几千条，用循环更易读）。返回文本列表和方面标签表。

    所有抽数都来自 ``text_rng``（每条写了字的评论预抽一行均匀随机数），评价流不受影响；没写字的评论不抽数，
    标签为空。短评（好评、差）不提方面，标签也为空。少数评论文字与评分相反（``P_MISMATCH``），按文字写标签，
    ``text_mood`` 记下文字的情感（pos/neu/neg；无文字为空）。
    """
    n = len(rating)
    texts: list[object] = [None] * n
    neg_col, pos_col, mood_col = [""] * n, [""] * n, [""] * n
    idx = np.flatnonzero(has_text)
    draws = text_rng.random((len(idx), DRAWS_PER_REVIEW)).tolist()
    for row, i in zip(draws, idx.tolist(), strict=True):
        u = iter(row)
        r = int(rating[i])
        neg, pos = _aspects(u, r, bool(late[i]), bool(lowq[i]), bool(compl[i]))
        mood = "pos" if r >= 4 else ("neg" if r <= 2 else "neu")
        if mood != "neu" and next(u) < P_MISMATCH[mood]:  # 文字与评分相反：按反向评分写
            r, mood = (2, "neg") if mood == "pos" else (5, "pos")
            neg, pos = (neg + pos, []) if mood == "neg" else ([], pos + neg)
        mood_col[i] = mood
        if next(u) < P_SHORT[mood]:
            texts[i] = compose_short(u, r)
            continue
        if r == 4 and not neg and next(u) < P_MILD_NEG_4STAR:
            rest = [a for a in ASPECTS if a not in pos]
            neg.append(rest[int(next(u) * len(rest))])
        texts[i] = compose_review(u, r, str(items[i]), neg, pos)
        neg_col[i], pos_col[i] = "|".join(neg), "|".join(pos)
    return texts, pd.DataFrame({"neg_aspects": neg_col, "pos_aspects": pos_col, "text_mood": mood_col})
