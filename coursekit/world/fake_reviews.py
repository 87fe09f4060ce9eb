"""故事 5（第 6.1.2 节）：好评返现——一批模板化的 5★ 假评价。

几个“返现党”账号（``N_ACCOUNTS`` 个，都是店里真实的老客）在 2024 年下半年的三次短促活动
（每次 ``BURST_DAYS`` 天）里，把自己以前买过、还没评价的 2–3 个被推广商品的订单集中补上 5★ 好评。
文字来自同一张返现卡上的模板，只换几个词、标点（「宝贝收到了，质量很好，物流很快，五星好评！」之类），
所以是**近似重复**而不是逐字重复：精确去重只能抓到一小部分，字符 n-gram 的 TF-IDF 余弦或 MinHash
才能把它们聚到一起。评价都挂在真实的已完成订单上（订单里确有该商品、评价晚于送达），
所以表内一致性检查发现不了。全部随机数来自 ``stream(seed, "fake_reviews")``。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.config import END

if TYPE_CHECKING:
    from coursekit.world.world import World

N_PRODUCTS = 3
PRODUCT_RANKS = (2, 12)  # 在 2024 年订单行数排名第 2–12 的正常商品里挑被推广的商品
N_ACCOUNTS = (10, 12)  # 账号数的抽取范围（含两端）
POOL_SIZE = 24  # 可补评订单最多的 24 位老客是“返现群”的候选
MAX_PER_ACCOUNT = 20
MAX_SHARE = 0.025  # 小规模（tiny）账号少时也不让假评价超过全部评价的 2.5%
BURST_RANGE = (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-10-20"))  # 避开 618 与双十一
N_BURSTS = 3
BURST_DAYS = 3

# 返现卡上的原话，分成四段；每条假评价在原话上做 0–3 处小改动（换一段的说法、换标点、加一句）
CARD = ["宝贝收到了", "质量很好", "物流很快", "五星好评！"]
CARD_ASPECTS = ["", "质量", "物流", ""]
VARIANTS = [
    ["宝贝已经收到了", "东西收到了", "收到宝贝了", "宝贝收到啦"],
    ["质量非常好", "质量超级好", "质量挺好的", "品质很好"],
    ["物流超快", "快递很快", "发货很快", "物流也很快"],
    ["五星好评！！", "五星好评", "给五星好评！", "五星好评~", "必须五星好评！"],
]
EXTRAS: list[tuple[str, str]] = [
    ("和描述的一模一样", ""),
    ("包装也很好", "包装"),
    ("性价比很高", "价格"),
    ("会回购的", ""),
    ("卖家人很好", ""),
    ("推荐购买", ""),
]
SEPS = ["，", ",", " ", "。", "～"]
TAILS = ["👍", "[赞]", "~~", "❤", "!!!", "😊"]
N_EDITS_P = [0.05, 0.25, 0.40, 0.30]  # 0、1、2、3 处改动的概率


def _pick_products(
    orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame, exclude: int, rng: np.random.Generator
) -> np.ndarray:
    """被推广的商品：2024 年卖得不错（排名 2–20）的正常商品里随机挑 N_PRODUCTS 个。"""
    o24 = orders.loc[(orders["source"] == "自然") & (orders["order_time"] >= "2024-01-01"), "order_id"]
    ok = products.loc[~products["_low_quality"] & (products["product_id"] != exclude), "product_id"]
    n = items[items["order_id"].isin(o24) & items["product_id"].isin(ok)]["product_id"].value_counts()
    n = n.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    cand = n.index.to_numpy()[PRODUCT_RANKS[0] - 1 : PRODUCT_RANKS[1]]
    return np.sort(rng.choice(cand, size=N_PRODUCTS, replace=False))


def _bursts(rng: np.random.Generator) -> np.ndarray:
    """三次活动的开始日：把窗口三等分，每段里随机一天。"""
    span = (BURST_RANGE[1] - BURST_RANGE[0]).days - BURST_DAYS
    edges = np.linspace(0, span, N_BURSTS + 1).astype(int)
    off = [int(rng.integers(a, b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return np.array([BURST_RANGE[0] + pd.Timedelta(days=d) for d in off], dtype="datetime64[ns]")


def _texts(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """在返现卡原话上做 0–3 处小改动，拼出 n 条文字，并给出正面方面标签。"""
    n_edits = rng.choice(len(N_EDITS_P), size=n, p=N_EDITS_P)
    m = len(N_EDITS_P) - 1
    kind = rng.integers(0, 4, (n, m))  # 0 换一段的说法，1 换一个标点，2 加一句，3 结尾加表情
    slot = rng.integers(0, len(CARD), (n, m))
    alt = rng.integers(0, 1_000, (n, m))
    texts, aspects = [], []
    for i in range(n):  # 一百多条，循环更易读
        parts, seps, asp = list(CARD), ["，"] * (len(CARD) - 1), [a for a in CARD_ASPECTS if a]
        tail = ""
        for e in range(n_edits[i]):
            k, s, a = kind[i, e], slot[i, e], alt[i, e]
            if k == 0:
                parts[s] = VARIANTS[s][a % len(VARIANTS[s])]
            elif k == 1:
                seps[s % len(seps)] = SEPS[a % len(SEPS)]
            elif k == 2 and EXTRAS[a % len(EXTRAS)][0] not in parts:
                extra, ex_aspect = EXTRAS[a % len(EXTRAS)]
                parts.insert(len(parts) - 1, extra)
                seps.insert(len(seps) - 1, "，")
                asp += [ex_aspect] if ex_aspect and ex_aspect not in asp else []
            elif k == 3:
                tail = TAILS[a % len(TAILS)]
        texts.append(parts[0] + "".join(sep + p for sep, p in zip(seps, parts[1:], strict=True)) + tail)
        aspects.append("|".join(asp))
    return texts, aspects


def _eligible(
    orders: pd.DataFrame, items: pd.DataFrame, reviews: pd.DataFrame, pids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """可以补评的订单行：已完成、已送达、还没评价、含被推广商品（一单只取一个商品）。"""
    o = orders[
        (orders["status"] == "已完成")
        & orders["delivered_at"].notna()
        & (orders["source"] == "自然")
        & ~orders["order_id"].isin(reviews["order_id"])
    ]
    lines = items.loc[items["product_id"].isin(pids), ["order_id", "product_id"]].merge(
        o[["order_id", "customer_id", "delivered_at", "late"]], on="order_id"
    )
    lines = lines.sort_values(["order_id", "product_id"]).reset_index(drop=True)
    lines["_key"] = rng.random(len(lines))
    return lines.sort_values(["order_id", "_key"]).groupby("order_id").head(1).reset_index(drop=True)


def make_fake_reviews(
    reviews: pd.DataFrame,
    labels: pd.DataFrame,
    orders: pd.DataFrame,
    items: pd.DataFrame,
    products: pd.DataFrame,
    incident_product: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """把假评价插进评价表，按 review_time 重新编号。返回 (reviews, labels, 假评价答案表)。"""
    pids = _pick_products(orders, items, products, incident_product, rng)
    starts = _bursts(rng)
    lines = _eligible(orders, items, reviews, pids, rng)
    # 送达时间早于某次活动开始的订单才可能在那次活动里补评
    lines = lines[lines["delivered_at"].to_numpy() < starts[-1]]
    per = lines.groupby("customer_id").size().sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    pool = np.sort(per.index[:POOL_SIZE].to_numpy())
    n_acc = int(rng.integers(N_ACCOUNTS[0], N_ACCOUNTS[1] + 1))
    accounts = np.sort(rng.choice(pool, size=min(n_acc, len(pool)), replace=False))
    f = lines[lines["customer_id"].isin(accounts)].reset_index(drop=True)
    f = f.assign(_r=rng.random(len(f))).sort_values(["customer_id", "_r"])
    f = f.groupby("customer_id").head(MAX_PER_ACCOUNT)
    f = f.sort_values("_r").head(int(np.ceil(MAX_SHARE * len(reviews))))
    f = f.sort_values("order_id").reset_index(drop=True)
    n = len(f)
    # 每条挑一次开始时间晚于送达的活动
    allowed = f["delivered_at"].to_numpy()[:, None] < starts[None, :]
    score = np.where(allowed, rng.random((n, N_BURSTS)), -1.0)
    burst = score.argmax(axis=1)
    sec = rng.integers(0, BURST_DAYS * 86400, n)
    t = pd.to_datetime(starts[burst]) + pd.to_timedelta(sec, unit="s")
    texts, aspects = _texts(rng, n)
    fake = pd.DataFrame(
        {
            "order_id": f["order_id"].to_numpy(),
            "product_id": f["product_id"].to_numpy(),
            "customer_id": f["customer_id"].to_numpy(),
            "rating": np.full(n, 5, dtype=np.int64),
            "review_text": texts,
            "review_time": t.to_numpy(),
        }
    )
    keep = (fake["review_time"] <= END + pd.Timedelta(days=1)).to_numpy()
    fake, burst, aspects = fake[keep], burst[keep], np.array(aspects, dtype=object)[keep]
    flab = pd.DataFrame({c: [""] * len(fake) for c in labels.columns if c != "review_id"})
    flab["pos_aspects"] = aspects
    if "order_id" in flab:
        flab["order_id"] = fake["order_id"].to_numpy()
    if "late" in flab:
        flab["late"] = f.loc[keep, "late"].to_numpy()
    if "low_quality" in flab:
        flab["low_quality"] = False
    rv = pd.concat([reviews.drop(columns="review_id"), fake], ignore_index=True)
    lab = pd.concat([labels.drop(columns="review_id"), flab], ignore_index=True)
    is_fake = np.r_[np.zeros(len(reviews), bool), np.ones(len(fake), bool)]
    order = np.argsort(rv["review_time"].to_numpy(), kind="stable")
    rv, lab, is_fake = rv.iloc[order].reset_index(drop=True), lab.iloc[order].reset_index(drop=True), is_fake[order]
    rv.insert(0, "review_id", np.arange(1, len(rv) + 1, dtype=np.int64))
    lab.insert(0, "review_id", rv["review_id"].to_numpy())
    answer = rv.loc[is_fake, ["review_id", "customer_id", "product_id"]].reset_index(drop=True)
    answer["burst"] = np.searchsorted(starts, rv.loc[is_fake, "review_time"].to_numpy(), side="right") - 1
    return rv, lab, answer


def fake_reviews_truth(world: World) -> dict:
    """假评价的答案：条数、账号、商品、活动日期（逐条 review_id 在答案表 fake_reviews 里）。"""
    a = world.answers["fake_reviews"]
    rv = world.tables["reviews"]
    t = rv.set_index("review_id").loc[a["review_id"], "review_time"]
    days = t.dt.normalize().groupby(a["burst"].to_numpy()).agg(["min", "max", "size"])
    texts = rv.set_index("review_id").loc[a["review_id"], "review_text"]
    return {
        "rule": (
            "好评返现：几个老客账号在三次各几天的活动里，把被推广商品的旧订单集中补上 5★ 模板好评"
            "（同一模板换词、换标点），评价挂在真实订单上。"
        ),
        "design_note": (
            f"约占全部评价的 {len(a) / len(rv):.1%}（真实平台常见的刷评比例从 1% 到两位数不等，这里取小的一端，"
            "让它藏在大量真实评价里）；逐字重复只占一小部分，要用字符 n-gram 的 TF-IDF 余弦或 MinHash 找近似重复，"
            "再结合“同一账号、同几天”的信号——v1 的真实评价本身也是模板拼的，短评之间也会撞车。"
        ),
        "count": int(len(a)),
        "share_of_reviews": round(float(len(a) / len(rv)), 4),
        "accounts": sorted(int(x) for x in a["customer_id"].unique()),
        "products": sorted(int(x) for x in a["product_id"].unique()),
        "per_product": {str(k): int(v) for k, v in a["product_id"].value_counts().sort_index().items()},
        "bursts": [
            {"start": f"{r['min']:%Y-%m-%d}", "end": f"{r['max']:%Y-%m-%d}", "n": int(r["size"])}
            for _, r in days.iterrows()
        ],
        "rating": 5,
        "distinct_texts": int(texts.nunique()),
        "design": {
            "n_accounts_range": list(N_ACCOUNTS),
            "account_pool": f"可补评订单最多的 {POOL_SIZE} 位老客",
            "max_per_account": MAX_PER_ACCOUNT,
            "burst_days": BURST_DAYS,
            "n_products": N_PRODUCTS,
        },
        "answer_table": "fake_reviews：review_id、customer_id、product_id、burst（第几次活动，0 起）",
    }


__all__ = ["fake_reviews_truth", "make_fake_reviews"]
