"""每张订单买了什么：购物篮（含植入的商品对）、数量、金额与优惠券。"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world import shoppers
from coursekit.world.catalog import PLANTED_PAIRS
from coursekit.world.config import DAYS

N_TIERS = 5
TIER_PRICE_ELASTICITY = np.array([-0.7, -0.35, 0.0, 0.3, 0.6])  # 高消费档偏爱贵的商品
TIER_EXTRA_LINES = np.array([0.45, 0.6, 0.75, 0.9, 1.1])  # 额外商品行数（泊松均值）


def pair_products(products: pd.DataFrame) -> pd.DataFrame:
    """植入商品对对应的具体商品（每个子类目的第一个商品，即该类“爆款”）。"""
    first = products[products["_first_of_sub"]].set_index("subcategory")["product_id"]
    rows = [(first[a], first[b], s, lift) for a, b, s, lift in PLANTED_PAIRS]
    return pd.DataFrame(rows, columns=["product_a", "product_b", "target_support", "target_lift"])


def _line_weights(products: pd.DataFrame, pairs: pd.DataFrame, mean_random_lines: float) -> np.ndarray:
    """每个（消费档位, 购物者类型）抽“随机商品行”的权重矩阵 (档位 × (类型数+1) 行 × 商品)。

    第 t·(类型数+1)+k 行是档位 t、类型 k；类型 shoppers.DEFAULT 是 v1 的默认行为。
    商品对中的商品权重固定（与类型无关），使其单品支持度约为 sqrt(support / lift)（从而提升度接近目标）。
    """
    price = products["price"].to_numpy()
    pop = products["_popularity"].to_numpy()
    pid = products["product_id"].to_numpy()
    fixed = np.zeros(len(products))
    for a, b, s, lift in pairs.itertuples(index=False):
        marginal = np.sqrt(s / lift)
        for item in (a, b):
            fixed[pid == item] = max(marginal - s, 0.002) / mean_random_lines
    free = fixed == 0
    n_k = shoppers.N_TYPES + 1
    out = np.zeros((N_TIERS * n_k, len(products)))
    rel = price / np.median(price)
    cat_mult = shoppers.category_multiplier(products["category"].to_numpy())
    for t in range(N_TIERS):
        for k in range(n_k):
            w = pop * cat_mult[k] * rel ** (TIER_PRICE_ELASTICITY[t] + shoppers.PRICE_ELASTICITY_SHIFT[k])
            w[~free] = 0.0
            out[t * n_k + k] = w / w.sum() * (1.0 - fixed.sum()) + fixed
    return out


def spend_tier(nu: np.ndarray) -> np.ndarray:
    """Gamma-Gamma 的 ν 越小，客单价越高（E[z]=p/ν）；按分位数分成 5 档，0 档最省。"""
    ranks = pd.Series(-nu).rank(method="first").to_numpy()
    return np.minimum(((ranks - 1) / len(nu) * N_TIERS).astype(int), N_TIERS - 1)


def make_order_items(
    orders: pd.DataFrame, products: pd.DataFrame, tiers: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """生成订单明细（order_id, product_id, quantity, unit_price）。

    ``orders`` 需要列 order_id、day、_tier、source，可选 _kind（购物者类型，v2）；返回 (明细, 商品对表)。
    """
    pairs = pair_products(products)
    n = len(orders)
    kind = orders["_kind"].to_numpy() if "_kind" in orders else np.full(n, shoppers.DEFAULT)
    n_k = shoppers.N_TYPES + 1
    tier = orders["_tier"].to_numpy() * n_k + kind  # 权重矩阵的行号（档位 × 类型）
    lam_extra = TIER_EXTRA_LINES[tier // n_k] * shoppers.LINES_MULT[kind]
    n_extra = rng.poisson(lam_extra)
    weights = _line_weights(products, pairs, mean_random_lines=1.0 + float(lam_extra.mean()))
    pid = products["product_id"].to_numpy()
    launch_day = np.asarray((products["launch_date"] - DAYS[0]).dt.days)

    # 1) 植入商品对：每单以各自的概率放入一对
    pair_rate = pairs["target_support"].to_numpy()
    u = rng.random(n)
    k = np.searchsorted(np.cumsum(pair_rate), u, side="right")
    has_pair = k < len(pairs)
    pair_o = np.flatnonzero(has_pair)
    pa = pairs["product_a"].to_numpy()[k[has_pair]]
    pb = pairs["product_b"].to_numpy()[k[has_pair]]
    pos = {p: i for i, p in enumerate(pid)}
    pair_lines_o = np.concatenate([pair_o, pair_o])
    pair_lines_p = np.concatenate([[pos[x] for x in pa], [pos[x] for x in pb]]).astype(np.int64)

    # 2) 随机商品行：无商品对的订单至少 1 行，另加泊松个
    n_rand = n_extra + (~has_pair).astype(int)
    rand_o = np.repeat(np.arange(n), n_rand)
    rand_p = np.empty(len(rand_o), dtype=np.int64)
    rand_t = tier[rand_o]
    for t in range(len(weights)):
        sel = rand_t == t
        if sel.any():
            rand_p[sel] = rng.choice(len(pid), size=int(sel.sum()), p=weights[t])
    # 未上架的商品重抽（最多 20 次，之后换成该档最热门的老商品）
    days = orders["day"].to_numpy()[rand_o]
    for _ in range(20):
        bad = launch_day[rand_p] > days
        if not bad.any():
            break
        for t in range(len(weights)):
            sel = bad & (rand_t == t)
            if sel.any():
                rand_p[sel] = rng.choice(len(pid), size=int(sel.sum()), p=weights[t])
    bad = launch_day[rand_p] > days
    rand_p[bad] = int(np.argmax(np.where(launch_day <= 0, weights.mean(axis=0), 0)))

    line_o = np.concatenate([pair_lines_o, rand_o])
    line_p = np.concatenate([pair_lines_p, rand_p])
    price = products["price"].to_numpy()[line_p]
    line_kind = kind[line_o]
    qty = 1 + rng.poisson(np.where(price < 60, 0.45, 0.12) * shoppers.UNITS_MULT[line_kind])
    items = pd.DataFrame({"order_idx": line_o, "p_idx": line_p, "quantity": qty})
    # 同一单里重复的商品合并数量
    items = items.groupby(["order_idx", "p_idx"], as_index=False, sort=True)["quantity"].sum()
    items["order_id"] = orders["order_id"].to_numpy()[items["order_idx"]]
    items["product_id"] = pid[items["p_idx"]]
    items["unit_price"] = products["price"].to_numpy()[items["p_idx"]]
    items = _apply_fraud_lines(items, orders, products, rng)
    return items[["order_id", "product_id", "quantity", "unit_price"]].reset_index(drop=True), pairs


def _apply_fraud_lines(
    items: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """异常订单换成“单一高价数码商品 × 大数量”。"""
    fraud_ids = orders.loc[orders["source"] == "异常", "order_id"].to_numpy()
    if not len(fraud_ids):
        return items
    items = items[~items["order_id"].isin(fraud_ids)]
    digital = products[(products["category"] == "数码") & (products["price"] >= 800)]
    if digital.empty:
        digital = products.nlargest(3, "price")
    pick = digital.iloc[rng.integers(0, len(digital), len(fraud_ids))]
    fraud = pd.DataFrame(
        {
            "order_id": fraud_ids,
            "product_id": pick["product_id"].to_numpy(),
            "quantity": rng.integers(5, 16, len(fraud_ids)),
            "unit_price": pick["price"].to_numpy(),
        }
    )
    return pd.concat([items, fraud], ignore_index=True).sort_values(["order_id", "product_id"])


def apply_coupons(orders: pd.DataFrame, coupons: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """为订单选择优惠券并计算 discount_amount / pay_amount。

    规则：每张订单在可用券里取优惠最大的一张，再按券的使用概率决定是否真的用。
    ``orders`` 需要 gross_amount、day、is_first、_treated（实验组）、source，可选 _kind（购物者类型，v2）。
    """
    n = len(orders)
    gross = orders["gross_amount"].to_numpy()
    day = orders["day"].to_numpy()
    start = np.asarray((coupons["start_date"] - DAYS[0]).dt.days)
    end = np.asarray((coupons["end_date"] - DAYS[0]).dt.days)
    kind = coupons["coupon_type"].to_numpy()
    value = coupons["value"].to_numpy()
    thr = coupons["threshold"].to_numpy()
    campaign = coupons["campaign"].to_numpy()

    disc = np.zeros((n, len(coupons)))
    for j in range(len(coupons)):
        ok = (day >= start[j]) & (day <= end[j]) & (gross >= thr[j])
        if campaign[j] == "新人":
            ok &= orders["is_first"].to_numpy()
        if campaign[j] == "实验":
            ok &= orders["_treated"].to_numpy()
        d = np.where(kind[j] == "折扣", np.minimum(gross * (1 - value[j]), 200.0), value[j])
        disc[:, j] = np.where(ok, np.minimum(d, gross * 0.5), 0.0)
    best = disc.argmax(axis=1)
    best_disc = disc[np.arange(n), best]
    use_p = coupons["_use_prob"].to_numpy()[best]
    if "_kind" in orders:
        use_p = np.minimum(use_p * shoppers.COUPON_MULT[orders["_kind"].to_numpy()], 0.98)
    forced = orders["source"].to_numpy() == "券促成"
    use = (best_disc > 0) & ((rng.random(n) < use_p) | forced)
    out = orders.copy()
    out["discount_amount"] = np.round(np.where(use, best_disc, 0.0), 2)
    out["coupon_id"] = pd.array(np.where(use, coupons["coupon_id"].to_numpy()[best], 0), dtype="Int64")
    out.loc[~use, "coupon_id"] = pd.NA
    out["pay_amount"] = np.round(gross - out["discount_amount"].to_numpy(), 2)
    return out
