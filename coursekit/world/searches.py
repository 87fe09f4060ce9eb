"""第 5.1.1 / 6 章：站内搜索日志（events 窗口 2024-10-21..12-01）。

植入的故事：店里不卖的东西被反复搜索（零结果 = 未满足的需求），另有一部分零结果来自
店里有卖的东西的错别字，以及“品牌 + 别家类目”这种组合查不到货的长尾查询。
搜索引擎是精确匹配：品类词、品牌词、“品牌 品类”、少量拼音/英文别名能搜到；错别字搜不到。
全部随机数来自 ``stream(seed, "searches")``。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.config import EVENTS_END, EVENTS_START
from coursekit.world.events import to_unix

if TYPE_CHECKING:
    from coursekit.world.world import World

# 店里不卖、却被反复搜索的东西（植入的未满足需求）及其相对热度
UNMET_TERMS = {
    "宠物用品": 1.0,
    "猫粮": 1.6,
    "狗粮": 1.1,
    "扫地机器人": 1.4,
    "空气炸锅": 1.5,
    "投影仪": 0.9,
    "汉服": 0.8,
    "露营帐篷": 0.9,
    "电动车": 0.7,
    "鱼竿": 0.5,
    "switch": 0.8,
    "ipad": 0.7,
}
# 店里有卖的品类的常见错别字（精确匹配的搜索引擎搜不到）
TYPOS = {
    "口红": ["口虹", "口宏"],
    "面霜": ["面双"],
    "耳机": ["耳鸡", "尔机"],
    "充电宝": ["充电包", "冲电宝"],
    "洗面奶": ["洗面乃"],
    "羽绒服": ["羽容服", "雨绒服"],
    "牛仔裤": ["牛仔酷"],
    "连衣裙": ["连衣群"],
    "瑜伽垫": ["瑜珈垫", "瑜加垫"],
    "纸尿裤": ["纸尿库"],
    "蜂蜜": ["峰蜜"],
    "咖啡豆": ["咖非豆", "咖啡逗"],
    "精华液": ["精华夜"],
    "跑步鞋": ["跑布鞋"],
    "电动牙刷": ["电动呀刷"],
}
# 搜索引擎认识的拼音/英文别名（能搜到结果）
ALIASES = {
    "kouhong": "口红",
    "mianmo": "面膜",
    "erji": "耳机",
    "shouji": "手机",
    "coffee": "咖啡豆",
    "tshirt": "T恤",
    "yoga": "瑜伽垫",
    "naifen": "奶粉",
    "chongdianbao": "充电宝",
    "huazhuangpin": "口红",
}
# 各类查询的份额（设计值）：零结果 ≈ 未满足 3% + 错别字 1.8% + 长尾组合（品牌×别家类目）约 1%
QUERY_MIX = {"unmet": 0.030, "typo": 0.018, "subcat": 0.42, "brand": 0.15, "brand_subcat": 0.25, "alias": 0.132}
SEARCHES_PER_USER = 0.9  # 每位注册客户在窗口内的平均搜索次数
P_CLICK = 0.42  # 有结果时点击一个结果的概率


def _variant(term: str, rng: np.random.Generator) -> str:
    """同一个词的书写变体：大小写、前后空格（归一化后应合并）。"""
    u = rng.random()
    if term.isascii() and u < 0.3:
        term = term.upper() if u < 0.1 else term.capitalize()
    if rng.random() < 0.1:
        term = term + " "
    return term


def make_searches(
    customers: pd.DataFrame, products: pd.DataFrame, n_normal: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """生成 searches 表与隐藏的“查询类型”标签。"""
    users = customers.loc[
        (customers["customer_id"] <= n_normal) & (customers["signup_date"] <= EVENTS_END), "customer_id"
    ].to_numpy()
    n = int(round(SEARCHES_PER_USER * len(users)))
    kinds = np.array(list(QUERY_MIX))
    p = np.array(list(QUERY_MIX.values()))
    kind = kinds[rng.choice(len(kinds), n, p=p / p.sum())]
    subcats = np.sort(products["subcategory"].astype(str).unique())
    sub_w = products["subcategory"].astype(str).value_counts().reindex(subcats).to_numpy(float) ** 0.5
    sub_cat = products.groupby(products["subcategory"].astype(str))["category"].first().astype(str)
    brands_by_cat = {
        c: np.sort(g["brand"].astype(str).unique()) for c, g in products.groupby(products["category"].astype(str))
    }
    all_brands = np.sort(products["brand"].astype(str).unique())
    unmet = np.array(list(UNMET_TERMS))
    unmet_w = np.array(list(UNMET_TERMS.values()))
    typo_words = np.array([t for v in TYPOS.values() for t in v])
    alias = np.array(list(ALIASES))
    q = np.empty(n, dtype=object)
    m = kind == "unmet"
    q[m] = unmet[rng.choice(len(unmet), m.sum(), p=unmet_w / unmet_w.sum())]
    m = kind == "typo"
    q[m] = typo_words[rng.integers(0, len(typo_words), m.sum())]
    m = kind == "alias"
    q[m] = alias[rng.integers(0, len(alias), m.sum())]
    s = subcats[rng.choice(len(subcats), n, p=sub_w / sub_w.sum())]
    m = kind == "subcat"
    q[m] = s[m]
    cat_of = sub_cat.reindex(s).to_numpy()
    u_own = rng.random(n)
    b_own = np.empty(n, dtype=object)
    for c in sorted(brands_by_cat):
        m = cat_of == c
        b_own[m] = brands_by_cat[c][(u_own[m] * len(brands_by_cat[c])).astype(int)]
    b_any = all_brands[rng.integers(0, len(all_brands), n)]
    b = np.where(rng.random(n) < 0.97, b_own, b_any)
    m = kind == "brand"
    q[m] = b[m]
    # “品牌 品类”：多数取自真实存在的商品；6% 把品牌换成随便一个（多半是别家类目 → 长尾零结果）
    m = kind == "brand_subcat"
    j = rng.integers(0, len(products), m.sum())
    bb = products["brand"].astype(str).to_numpy()[j]
    bb = np.where(rng.random(m.sum()) < 0.06, all_brands[rng.integers(0, len(all_brands), m.sum())], bb)
    ss = products["subcategory"].astype(str).to_numpy()[j]
    q[m] = np.char.add(np.char.add(bb.astype(str), " "), ss.astype(str)).astype(object)
    q = np.array([_variant(x, rng) for x in q], dtype=object)

    # 搜索结果：精确匹配（归一化后的品类 / 品牌 / 品牌+品类 / 别名）
    pid = products["product_id"].to_numpy()
    psub = products["subcategory"].astype(str).str.lower().to_numpy()
    pbrand = products["brand"].astype(str).str.lower().to_numpy()
    norm = pd.Series(q).str.strip().str.lower()
    n_res = np.zeros(n, dtype=np.int64)
    clicked = np.full(n, -1, dtype=np.int64)
    want_click = rng.random(n) < P_CLICK
    pick = rng.random(n)
    groups = norm.groupby(norm, sort=True).indices
    for term in sorted(groups):
        rows = groups[term]
        parts = term.split(" ")
        if len(parts) == 2:
            hit = (pbrand == parts[0]) & (psub == parts[1])
        else:
            t = ALIASES.get(term, term).lower()
            hit = (psub == t) | (pbrand == t)
        hits = pid[hit]
        n_res[rows] = len(hits)
        if len(hits):
            c = rows[want_click[rows]]
            clicked[c] = hits[(pick[c] * len(hits)).astype(int)]
    win = (EVENTS_END - EVENTS_START).days + 1
    day = rng.integers(0, win, n)
    sec = np.minimum(rng.normal(15.5 * 3600, 4 * 3600, n), 86399).clip(0).astype(int)
    t = EVENTS_START + pd.to_timedelta(day, unit="D") + pd.to_timedelta(sec, unit="s")
    df = pd.DataFrame(
        {
            "user_id": users[rng.integers(0, len(users), n)],
            "query": q,
            "timestamp": to_unix(t),
            "n_results": n_res,
            "clicked_item_id": pd.array(np.where(clicked > 0, clicked, 0), dtype="Int64"),
            "_kind": kind,
        }
    )
    df.loc[clicked < 0, "clicked_item_id"] = pd.NA
    df = df.sort_values(["timestamp", "user_id", "query"], kind="stable").reset_index(drop=True)
    df.insert(0, "search_id", np.arange(1, n + 1, dtype=np.int64))
    return df.drop(columns="_kind"), df[["search_id", "_kind"]]


def searches_truth(world: World) -> dict:
    """搜索日志的答案：植入的未满足需求词、错别字表与实测的零结果份额。"""
    s = world.tables["searches"]
    kind = world.hidden["search_kinds"]["_kind"].to_numpy()
    zero = (s["n_results"] == 0).to_numpy()
    norm = s["query"].str.strip().str.lower()
    top = norm[zero].value_counts().head(10)
    return {
        "rule": (
            "站内搜索是精确匹配：品类词、品牌词、“品牌 品类”、少量拼音/英文别名能搜到。零结果有三种来源："
            "店里不卖的东西（植入的未满足需求 unmet_terms）、店里有卖的品类的错别字（typos）、"
            "品牌与别家类目的组合（长尾，每个词都在商品目录里）。"
        ),
        "design_note": (
            "信噪比：未满足需求约占全部搜索的 3%，分散在 12 个词上（每个词在 small 上约数十到上百次），"
            "错别字约 1.8%（分散在 20 多个写法上），长尾组合约 1%。归一化（去空格、小写）后，"
            "把与商品目录里的词编辑距离 ≤1 的零结果词剔除，剩下的高频词就是未满足需求。"
        ),
        "unmet_terms": sorted(UNMET_TERMS),
        "typos": {k: list(v) for k, v in TYPOS.items()},
        "aliases": dict(ALIASES),
        "design_mix": dict(QUERY_MIX),
        "n_searches": int(len(s)),
        "zero_result_share": round(float(zero.mean()), 4),
        "zero_result_share_by_source": {
            "unmet": round(float((zero & (kind == "unmet")).mean()), 4),
            "typo": round(float((zero & (kind == "typo")).mean()), 4),
            "long_tail": round(float((zero & ~np.isin(kind, ["unmet", "typo"])).mean()), 4),
        },
        "unmet_counts": {t: int((norm[kind == "unmet"] == t).sum()) for t in sorted(UNMET_TERMS)},
        "top_zero_result_queries": [[str(q), int(c)] for q, c in top.items()],  # 按次数从多到少
        "click_rate_when_results": round(float(s.loc[~zero, "clicked_item_id"].notna().mean()), 4),
    }


__all__ = ["make_searches", "searches_truth"]
