"""故事 7“真实需求”：每个 商品 × 仓库 × 日 的期望需求件数（缺货截断之前）。

这是需求过程本身的期望，而不是实际卖出的件数：
- 每位客户在“活跃期”（首单之后、流失之前）按隐藏的购买率 λ（每业务周）复购，第 d 天的强度是 λ × w[d] / 7
  （w 是下单日历：大促 × 星期）；首单日按注册后的几何分布取期望；实验组里“本来不会下单”的人在实验窗口内
  每天多 tau / 14 单；异常（刷单）订单按已知的日期计入，件数取期望 10。
- 每张订单里某商品的期望件数 = 植入商品对的概率 × 件数期望 + 随机商品行数期望 × 当天已上架商品里的抽取权重 × 件数期望。
- 乘以“客户不主动取消”的概率（普通单 0.965，异常单 0.8），因为主动取消的订单不出库，也不算需求。

以客户的隐藏状态（λ、消费档位、仓库、活跃期）为条件；不抽任何随机数，所以不占用随机数流。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world import baskets, shoppers
from coursekit.world.calendar import order_day_weights
from coursekit.world.config import DAYS, EXPERIMENT_DATE, EXPERIMENT_DAYS, N_DAYS, WAREHOUSES

if TYPE_CHECKING:
    from coursekit.world.world import World

ANSWER_START = pd.Timestamp("2024-07-01")  # 答案表只给 2024 下半年（控制文件大小）
CUSTOMER_CANCEL = 0.035  # 与 world.build_world 中客户主动取消的概率一致
FRAUD_CANCEL = 0.2
FRAUD_MEAN_QTY = 10.0  # rng.integers(5, 16) 的期望
FIRST_GEOM_P = 0.55  # 首单 = 注册日 + min(Geometric(0.55) − 1, 20)
FIRST_MAX_LAG = 20


def _expected_orders(
    customers: pd.DataFrame, state: pd.DataFrame, natural: pd.DataFrame, grants_raw: pd.DataFrame, tier: np.ndarray
) -> np.ndarray:
    """每天 × 仓库 × 购物篮行 的期望订单数（不含异常订单），形状 (N_DAYS, 仓库数, 行数)。

    购物篮行 = 消费档位 × (类型数+1) + 购物者类型，与 ``baskets.make_order_items`` 抽商品时用的行一致。
    """
    w = order_day_weights()
    n_wh, n_t = len(WAREHOUSES), baskets.N_TIERS * (shoppers.N_TYPES + 1)
    wh_of = {x: i for i, x in enumerate(WAREHOUSES)}
    n = len(state)
    wh = customers["_warehouse"].iloc[:n].map(wh_of).to_numpy()
    group = wh * n_t + tier
    lam = state["lam"].to_numpy()
    rate = np.zeros((n_wh * n_t, N_DAYS + 2))  # 差分数组：活跃期内每天的 λ 之和
    orders = np.zeros((n_wh * n_t, N_DAYS + FIRST_MAX_LAG + 1))

    # 首单：注册后按几何分布（第 20 天截断）
    buyers = np.flatnonzero(~state["never_buy"].to_numpy())
    signup = customers["_signup_day"].iloc[:n].to_numpy()[buyers]
    k = np.arange(FIRST_MAX_LAG + 1)
    pmf = FIRST_GEOM_P * (1 - FIRST_GEOM_P) ** k
    pmf[-1] = (1 - FIRST_GEOM_P) ** FIRST_MAX_LAG
    np.add.at(orders, (np.repeat(group[buyers], len(k)), (signup[:, None] + k).ravel()), np.tile(pmf, len(buyers)))

    # 复购：首单日到流失日（流失发生在最后一单之后）之间，端点各算半天
    pos = pd.Series(np.arange(n), index=state["customer_id"].to_numpy())
    g = natural.groupby("customer_id")["day"].agg(["min", "max"])
    ci = pos.loc[g.index].to_numpy()
    first, last = g["min"].to_numpy(), g["max"].to_numpy()
    alive = state["alive_end"].to_numpy()[ci]
    end = np.where(alive, N_DAYS, last)
    lam_c, grp = lam[ci], group[ci]
    np.add.at(rate, (grp, first), lam_c)
    np.add.at(rate, (grp, end), -lam_c)
    half = np.zeros_like(rate)
    np.add.at(half, (grp, first), -0.5 * lam_c)
    np.add.at(half, (grp, np.where(alive, N_DAYS, last)), np.where(alive, 0.0, 0.5 * lam_c))
    active = np.cumsum(rate, axis=1)[:, :N_DAYS] + half[:, :N_DAYS]
    total = orders[:, :N_DAYS] + active * w / 7.0

    # 优惠券实验：实验组里本来不会下单的人，窗口内每天多 tau/14 单
    from coursekit.world.purchases import EXPERIMENT_TAU

    d0 = int((EXPERIMENT_DATE - DAYS[0]).days)
    extra = grants_raw[grants_raw["treated"] & ~grants_raw["y0"]]
    gi = group[pos.loc[extra["customer_id"]].to_numpy()]
    tau = extra["segment"].map(EXPERIMENT_TAU).to_numpy() / EXPERIMENT_DAYS
    per_group = np.bincount(gi, tau, minlength=n_wh * n_t)
    total[:, d0 : d0 + EXPERIMENT_DAYS] += per_group[:, None]
    return total.T.reshape(N_DAYS, n_wh, n_t)


def _units_per_order(products: pd.DataFrame, pairs: pd.DataFrame, mean_random_lines: float) -> np.ndarray:
    """每个购物篮行（档位 × 类型）每张订单里每个商品每天的期望件数，形状 (行数, 商品数, N_DAYS)。"""
    price = products["price"].to_numpy()
    base_qty = np.where(price < 60, 0.45, 0.12)
    n_k = shoppers.N_TYPES + 1
    pid = products["product_id"].to_numpy()
    pos = {p: i for i, p in enumerate(pid)}
    pair_units = np.zeros(len(pid))
    for a, b, s in pairs[["product_a", "product_b", "target_support"]].itertuples(index=False):
        pair_units[pos[a]] += s
        pair_units[pos[b]] += s
    p_no_pair = 1.0 - pairs["target_support"].sum()
    weights = baskets._line_weights(products, pairs, mean_random_lines=mean_random_lines)
    launch = np.asarray((products["launch_date"] - DAYS[0]).dt.days)
    live = launch[:, None] <= np.arange(N_DAYS)[None, :]  # (商品, 日)
    out = np.empty((len(weights), len(pid), N_DAYS))
    for row in range(len(weights)):
        t, k = divmod(row, n_k)
        wl = weights[row][:, None] * live
        wl = wl / wl.sum(axis=0, keepdims=True)
        lines = baskets.TIER_EXTRA_LINES[t] * shoppers.LINES_MULT[k] + p_no_pair
        qty = 1.0 + base_qty * shoppers.UNITS_MULT[k]
        out[row] = (pair_units[:, None] + lines * wl) * qty[:, None]
    return out


def expected_demand(
    customers: pd.DataFrame,
    state: pd.DataFrame,
    natural: pd.DataFrame,
    grants_raw: pd.DataFrame,
    orders: pd.DataFrame,
    products: pd.DataFrame,
    pairs: pd.DataFrame,
) -> np.ndarray:
    """期望需求件数，形状 (N_DAYS, 商品数, 仓库数)。``orders`` 只用来取异常订单（日期、仓库）。"""
    n_k = shoppers.N_TYPES + 1
    kind = shoppers.kinds_for(state["customer_id"].to_numpy(), state)
    row = baskets.spend_tier(state["nu"].to_numpy()) * n_k + kind
    n_ord = _expected_orders(customers, state, natural, grants_raw, row)
    # 与 make_order_items 相同：商品对的固定权重按全部订单的平均随机行数折算
    mean_lines = 1.0 + float(
        (baskets.TIER_EXTRA_LINES[orders["_tier"].to_numpy()] * shoppers.LINES_MULT[orders["_kind"].to_numpy()]).mean()
    )
    units = _units_per_order(products, pairs, mean_lines)
    exp = np.einsum("dwt,tpd->dpw", n_ord, units) * (1.0 - CUSTOMER_CANCEL)
    # 异常订单：单一高价数码商品 × 期望 10 件，在候选商品里均匀
    digital = (products["category"] == "数码").to_numpy() & (products["price"] >= 800).to_numpy()
    if not digital.any():
        digital = np.isin(np.arange(len(products)), products["price"].to_numpy().argsort()[-3:])
    fr = orders[orders["source"] == "异常"]
    if len(fr):
        wh = fr["warehouse"].map({x: i for i, x in enumerate(WAREHOUSES)}).to_numpy()
        cnt = np.zeros((N_DAYS, len(WAREHOUSES)))
        np.add.at(cnt, (fr["day"].to_numpy(), wh), 1.0)
        per = FRAUD_MEAN_QTY * (1.0 - FRAUD_CANCEL) / digital.sum()
        exp[:, digital, :] += cnt[:, None, :] * per
    return exp


def demand_answer_table(exp: np.ndarray, products: pd.DataFrame) -> pd.DataFrame:
    """答案表 demand：2024 下半年每天 × 商品 × 仓库 的期望件数（保留 3 位小数）。"""
    d0 = int((ANSWER_START - DAYS[0]).days)
    sub = exp[d0:]
    n_d, n_p, n_w = sub.shape
    return pd.DataFrame(
        {
            "date": np.repeat(DAYS[d0:].strftime("%Y-%m-%d").to_numpy(), n_p * n_w),
            "product_id": np.tile(np.repeat(products["product_id"].to_numpy(), n_w), n_d),
            "warehouse": np.tile(np.array(WAREHOUSES), n_d * n_p),
            "expected_units": np.round(sub.ravel(), 3),
        }
    )


def demand_truth(world: World) -> dict:
    """truth.json 里的“真实需求”：口径、设计说明和校准数字（期望 vs 实际需求 = sales_qty + unmet_qty）。"""
    exp = world.hidden["expected_demand"]
    inv = world.tables["inventory"]
    d0 = int((ANSWER_START - DAYS[0]).days)
    realised = (inv["sales_qty"] + inv["unmet_qty"]).to_numpy().reshape(exp.shape)
    cat = world.tables["products"]["category"].to_numpy()
    by_cat = {}
    for c in pd.unique(cat):
        sel = cat == c
        by_cat[str(c)] = {
            "expected": round(float(exp[d0:, sel].sum()), 1),
            "realised": int(realised[d0:, sel].sum()),
        }
    return {
        "answer_table": "demand",
        "span": [ANSWER_START.strftime("%Y-%m-%d"), DAYS[-1].strftime("%Y-%m-%d")],
        "rule": "expected_units 是缺货截断之前的期望日需求：客户活跃期内的购买率 λ × 下单日历 w[d]/7 × 购物篮里该商品的"
        "期望件数，再乘以不主动取消的概率；是需求过程的期望，不是实际销量",
        "design_note": "这是能做到的最好预测，但 SKU×仓×日 的需求是间歇的（多数格子期望不到 1 件），"
        "所以它的 WAPE 仍然很高；信噪比由购物篮本身决定，没有另加噪声。实际需求 = sales_qty + unmet_qty"
        "（缺货取消订单里未缺货的其他商品行两边都不计入，所以实际需求略低于期望）",
        "realised_definition": "inventory.sales_qty + inventory.unmet_qty",
        "h2_expected_total": round(float(exp[d0:].sum()), 1),
        "h2_realised_total": int(realised[d0:].sum()),
        "h2_by_category": by_cat,
        "full_period_expected_total": round(float(exp.sum()), 1),
        "full_period_realised_total": int(realised.sum()),
    }
