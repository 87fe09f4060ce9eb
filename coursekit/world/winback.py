"""world v2 故事 13：挽回实验与异质效应（第 9.3.2、10.4 章的增益模型 uplift）。

- 发券日 2024-08-01，观察窗口 30 天（到 08-30，含当天；不与其他实验窗口重叠）。
- 入组：发券日前最后一张（非异常）订单在 91–270 天之前的“有流失风险”的老客，1:1 完全随机分组；
  实验组收到一张“挽回专享券”（无门槛减 20 元，窗口内有效），对照组什么也不收到。
- 每位入组客户有一个隐藏类型（概率由可观察特征决定：最近一次购买、购买次数、客单价、用券史、
  下单渠道、购物者类型；“必买”还取决于客户是否真的仍活跃）：
    可说服（persuadable）：发券后 p1 = p0 + (1 − p0)·a，a ~ Beta(2.4, 6)；
    必买（sure thing）：本来就打算回来，p0 = p1 = p_nat + (1 − p_nat)·s，s ~ Beta(4, 4)；
    无望（lost cause）：发不发都一样，p1 = p0 = p_nat；
    勿扰（sleeping dog）：联系反而让他们退订/离开，p1 = p0 − (1 − p_nat)·b，b ~ Beta(2, 8)。
  p_nat 是自然过程下窗口内下单的精确概率（与 propensity 同一公式）。
- 实现：自然过程的订单就是 p_nat 的那一部分；实验组的可说服者按 a 额外下一单（用券）；
  勿扰者的“不联系时会多出来的那一单”只在对照组出现；必买者的额外一单两组都有。这些追加订单的内部 source 都是“挽回”
  （不发布；其他故事可以据此排除）。实验组在窗口内的第一张自然订单以 70% 的概率用了这张券（source 不变），
  所以用券订单数 ≠ 增量。
- 追加的订单按时间插进全年订单、订单号重新按时间编号，和其他订单一样参与库存、评价、客服等下游模拟；
  它们的随机数全部来自本故事的流。代价：2024-08 起的库存与缺货取消随之变化，由订单状态派生的表（评价、客服、
  满意度、触点、社交、orders_raw）整体重抽；v1 订单的下单时间、金额、渠道与商品不变。
所有随机数都来自 ``stream(seed, "winback")``。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world import baskets
from coursekit.world.calendar import late_probability, order_day_weights
from coursekit.world.config import DAYS, WINBACK_DATE, WINBACK_DAYS
from coursekit.world.coupon_ab import GROSS_MARGIN

RECENCY_MIN, RECENCY_MAX = 91, 270  # 入组：距上次下单的天数（含两端），即 v1 优惠券实验里的“沉睡”口径
COUPON_ID = 22  # 接在券面实验的 15–21 之后
COUPON_VALUE = 20.0
NATURAL_REDEEM = 0.70  # 实验组本来就会下单的人用这张券的概率
CONTACT_COST = 0.05  # 每条挽回短信的成本（元）
SOURCE = "挽回"
GROUPS = ("实验组", "对照组")
SEGMENTS = ("可说服", "必买", "无望", "勿扰")  # persuadable, sure thing, lost cause, sleeping dog
TARGET_SHARES = {"可说服": 0.20, "必买": 0.15, "无望": 0.53, "勿扰": 0.12}
PERSUADE_BETA = (2.4, 6.0)  # a 的分布，均值 0.29
SLEEP_BETA = (2.0, 8.0)  # b 的分布，均值 0.20
SURE_BETA = (4.0, 4.0)  # 必买者“本来就打算回来”的 s，均值 0.5
# 类型打分（多项 logit，相对“无望”）：特征已标准化；截距另行校准到 TARGET_SHARES
COEF = {
    "可说服": {"rec": -0.5, "freq": 0.0, "money": -0.2, "coupon": 0.9, "live": 0.5, "pc": -0.2, "alive": 0.3},
    "必买": {"rec": -0.5, "freq": 0.6, "money": 0.0, "coupon": 0.0, "live": 0.0, "pc": 0.0, "alive": 2.5},
    "无望": {"rec": 0.0, "freq": 0.0, "money": 0.0, "coupon": 0.0, "live": 0.0, "pc": 0.0, "alive": 0.0},
    "勿扰": {"rec": -0.2, "freq": 0.7, "money": 0.3, "coupon": -0.7, "live": -0.3, "pc": 0.5, "alive": 0.8},
}
# 购物者类型（shoppers.TYPES 的顺序）对“可说服/勿扰”的加成
TYPE_SHIFT = {
    "可说服": np.array([0.8, -0.4, 0.3, 0.5, -0.6, 0.0]),
    "勿扰": np.array([-0.5, 0.6, 0.0, -0.3, 0.5, 0.0]),
}


def coupon_row() -> pd.DataFrame:
    """追加到 coupons 表的挽回专享券（coupon_id 22）。"""
    return pd.DataFrame(
        [
            {
                "coupon_id": COUPON_ID,
                "coupon_name": "挽回专享券·无门槛20元",
                "coupon_type": "无门槛",
                "value": COUPON_VALUE,
                "threshold": 0.0,
                "start_date": WINBACK_DATE,
                "end_date": WINBACK_DATE + pd.Timedelta(days=WINBACK_DAYS - 1),
                "campaign": "挽回",
                "_use_prob": 0.0,
            }
        ]
    )


def _window_days() -> tuple[int, int]:
    """窗口在日序号上的 [d0, d1)。"""
    d0 = int((WINBACK_DATE - DAYS[0]).days)
    return d0, d0 + WINBACK_DAYS


def natural_probability(state: pd.DataFrame, cid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(发券日是否仍活跃, 自然过程下窗口内至少下一单的精确概率)，与 propensity 同一公式。"""
    w = order_day_weights()
    cum = np.concatenate([[0.0], np.cumsum(w)]) / 7.0
    d0, d1 = _window_days()
    st = state.set_index("customer_id").loc[cid]
    alive = st["_death_bweek"].to_numpy() >= cum[d0]
    return alive, np.where(alive, 1.0 - np.exp(-st["lam"].to_numpy() * (cum[d1] - cum[d0])), 0.0)


def features(orders: pd.DataFrame) -> pd.DataFrame:
    """发券日前的可观察特征（每位有过非异常订单的客户一行）：recency_days、n_orders、avg_gross、
    coupon_share、live_share、pc_share，以及最后一单的 channel、_tier、_kind。"""
    o = orders[(orders["source"] != "异常") & (orders["order_time"] < WINBACK_DATE)].sort_values("order_time")
    g = o.assign(used=o["coupon_id"].notna(), live=o["channel"] == "直播", pc=o["channel"] == "PC").groupby(
        "customer_id"
    )
    last = g.tail(1).set_index("customer_id")
    f = pd.DataFrame(
        {
            "recency_days": (WINBACK_DATE.normalize() - g["order_time"].max().dt.normalize()).dt.days,
            "n_orders": g.size(),
            "avg_gross": g["gross_amount"].mean(),
            "coupon_share": g["used"].mean(),
            "live_share": g["live"].mean(),
            "pc_share": g["pc"].mean(),
        }
    )
    return f.join(last[["channel", "_tier", "_kind"]])


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-12)


def segment_probs(f: pd.DataFrame, alive: np.ndarray) -> np.ndarray:
    """各类型的概率（行 = 客户，列 = SEGMENTS），截距按 TARGET_SHARES 校准（不抽随机数）。"""
    x = {
        "rec": _z(f["recency_days"].to_numpy(float)),
        "freq": _z(np.log(f["n_orders"].to_numpy(float))),
        "money": _z(np.log(f["avg_gross"].to_numpy(float) + 1.0)),
        "coupon": _z(f["coupon_share"].to_numpy(float)),
        "live": _z(f["live_share"].to_numpy(float)),
        "pc": _z(f["pc_share"].to_numpy(float)),
        "alive": alive.astype(float),
    }
    kind = f["_kind"].to_numpy()
    score = np.column_stack(
        [sum(COEF[s][k] * x[k] for k in x) + (TYPE_SHIFT[s][kind] if s in TYPE_SHIFT else 0.0) for s in SEGMENTS]
    )
    target = np.array([TARGET_SHARES[s] for s in SEGMENTS])
    icpt = np.zeros(len(SEGMENTS))
    for _ in range(200):
        e = np.exp(score + icpt - (score + icpt).max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        icpt += np.log(target / prob.mean(axis=0))
    return prob


def simulate(orders: pd.DataFrame, state: pd.DataFrame, rng: np.random.Generator) -> dict:
    """抽分组、类型与效应，决定哪些订单追加、哪些自然订单用券。返回各部分（尚未拼进 orders）。"""
    f = features(orders)
    f = f[(f["recency_days"] >= RECENCY_MIN) & (f["recency_days"] <= RECENCY_MAX)].sort_index()
    cid = f.index.to_numpy(np.int64)
    n = len(cid)
    alive, p_nat = natural_probability(state, cid)
    prob = segment_probs(f, alive)
    # 随机数（每人一套，与分组无关）：分组、类型、效应大小、是否实现、下单日
    treated = rng.permutation(np.arange(n) % 2 == 0)
    seg = np.asarray(SEGMENTS)[(rng.random(n)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1).clip(0, 3)]
    a = rng.beta(*PERSUADE_BETA, n)
    b = rng.beta(*SLEEP_BETA, n)
    s_sure = rng.beta(*SURE_BETA, n)
    u = rng.random(n)
    u_red = rng.random(n)
    lag_persuaded = np.minimum(rng.geometric(0.15, n) - 1, WINBACK_DAYS - 1)  # 收券后尽快下单
    lag_other = rng.integers(0, WINBACK_DAYS, n)

    pers, sleep, sure = seg == "可说服", seg == "勿扰", seg == "必买"
    p_sure = p_nat + (1 - p_nat) * s_sure
    p0 = np.select([sleep, sure], [p_nat + (1 - p_nat) * b, p_sure], p_nat)
    p1 = np.select([pers, sure], [p_nat + (1 - p_nat) * a, p_sure], p_nat)
    d0, d1 = _window_days()
    win = orders[(orders["source"] != "异常") & (orders["day"] >= d0) & (orders["day"] < d1)]
    y_nat = np.isin(cid, win["customer_id"].unique())
    add_t = treated & pers & ~y_nat & (u < a)  # 被券促成
    add_c = ~treated & sleep & ~y_nat & (u < b)  # 不联系时本会回来的勿扰者
    add_s = sure & ~y_nat & (u < s_sure)  # 必买者：两组都会回来
    add = add_t | add_c | add_s
    redeem = add_t | (add_s & treated & (u_red < NATURAL_REDEEM))
    day = np.where(add_t, d0 + lag_persuaded, d0 + lag_other)
    new = pd.DataFrame({"customer_id": cid[add], "day": day[add], "source": SOURCE, "_redeem": redeem[add]})
    # 实验组窗口内的第一张自然订单：按 NATURAL_REDEEM 用券（已用了别的券的不叠加）
    first_nat = win.sort_values("order_time").groupby("customer_id").head(1)
    t_ids = cid[treated & (u_red < NATURAL_REDEEM)]
    redeem_ids = first_nat.loc[
        first_nat["customer_id"].isin(t_ids) & first_nat["coupon_id"].isna(), "order_id"
    ].to_numpy()
    v = _order_value(orders, f)
    cost = COUPON_VALUE * (NATURAL_REDEEM * np.minimum(p0, p1) + np.maximum(p1 - p0, 0.0)) + CONTACT_COST
    uplift = pd.DataFrame(
        {
            "customer_id": cid,
            "group": np.where(treated, GROUPS[0], GROUPS[1]),
            "segment": seg,
            "p0": np.round(p0, 6),
            "p1": np.round(p1, 6),
            "tau": np.round(p1 - p0, 6),
            "order_value": np.round(v, 2),
            "inc_margin": np.round(GROSS_MARGIN * v * (p1 - p0) - cost, 4),
        }
    )
    return {"uplift": uplift, "features": f, "new": new, "redeem_ids": redeem_ids, "p_nat": p_nat}


def _order_value(orders: pd.DataFrame, f: pd.DataFrame) -> np.ndarray:
    """一张订单的期望原价金额：同一消费档位 × 购物者类型的自然订单平均 gross（不抽随机数）。"""
    nat = orders[orders["source"] == "自然"]
    m = nat.groupby(["_tier", "_kind"])["gross_amount"].mean()
    key = pd.MultiIndex.from_arrays([f["_tier"].to_numpy(), f["_kind"].to_numpy()])
    return m.reindex(key).fillna(nat["gross_amount"].mean()).to_numpy()


def _build_orders(
    new: pd.DataFrame,
    f: pd.DataFrame,
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """把追加订单补齐成 orders 的全部列，并生成它们的明细。"""
    # 延迟导入：world 导入本模块，这里复用它的配送规则（状态在库存模拟之后由 world 统一决定）
    from coursekit.world.purchases import _hours_for_days
    from coursekit.world.world import _delivery

    o = new.sort_values(["day", "customer_id"], kind="stable").reset_index(drop=True)
    n = len(o)
    o.insert(0, "order_id", np.arange(1, n + 1, dtype=np.int64) + int(orders["order_id"].max()))
    o["_kind"] = f.loc[o["customer_id"], "_kind"].to_numpy()
    o["sec"] = _hours_for_days(rng, o["day"].to_numpy(), o["_kind"].to_numpy())
    o["late"] = rng.random(n) < late_probability()[o["day"].to_numpy()]
    o["complaint"] = rng.random(n) < 0.02 + 0.2 * o["late"].to_numpy()
    o["order_time"] = DAYS[o["day"].to_numpy()] + pd.to_timedelta(o["sec"].to_numpy(), unit="s")
    o["channel"] = f.loc[o["customer_id"], "channel"].to_numpy()  # 沿用最后一单的渠道
    o["warehouse"] = o["customer_id"].map(customers.set_index("customer_id")["_warehouse"]).to_numpy()
    o["_tier"] = f.loc[o["customer_id"], "_tier"].to_numpy()
    o["is_first"] = False
    o["_treated"] = False
    items, _ = baskets.make_order_items(o, products, o["_tier"].to_numpy(), rng)
    gross = items.assign(v=items["quantity"] * items["unit_price"]).groupby("order_id")["v"].sum()
    o["gross_amount"] = o["order_id"].map(gross).round(2).to_numpy()
    use = o["_redeem"].to_numpy()
    o["discount_amount"] = np.round(np.where(use, np.minimum(COUPON_VALUE, 0.5 * o["gross_amount"]), 0.0), 2)
    o["coupon_id"] = pd.array(np.where(use, COUPON_ID, 0), dtype="Int64")
    o.loc[~use, "coupon_id"] = pd.NA
    o["pay_amount"] = np.round(o["gross_amount"] - o["discount_amount"], 2)
    lowq = items.merge(products[["product_id", "_low_quality"]], on="product_id").groupby("order_id")["_low_quality"]
    o["_low_quality"] = o["order_id"].map(lowq.any()).fillna(False).astype(bool).to_numpy()
    if "_incident" in orders.columns:  # 故事 4 的质量事故在 4–6 月，8 月的挽回订单不受影响
        o["_incident"] = False
    o = _delivery(o, customers, rng)
    return o[list(orders.columns)], items


def apply(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    customer_cancel: np.ndarray,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    state: pd.DataFrame,
    rng: np.random.Generator,
) -> dict:
    """运行挽回实验（在 apply_coupons 与配送之后、库存模拟之前调用）。

    追加的订单按下单时间插进全年订单，订单号重新按时间编号（否则“号段不连续”会泄露哪些是追加的）；
    返回新的 orders、order_items、customer_cancel（与新 orders 行对齐）、winback_grants 与答案表 winback_uplift。
    """
    sim = simulate(orders, state, rng)
    new_o, new_items = _build_orders(sim["new"], sim["features"], orders, customers, products, rng)
    o = orders.copy()
    red = o["order_id"].isin(sim["redeem_ids"]).to_numpy()
    disc = np.round(np.minimum(COUPON_VALUE, 0.5 * o.loc[red, "gross_amount"].to_numpy()), 2)
    o.loc[red, "coupon_id"] = COUPON_ID
    o.loc[red, "discount_amount"] = disc
    o.loc[red, "pay_amount"] = np.round(o.loc[red, "gross_amount"].to_numpy() - disc, 2)
    cancel = np.r_[customer_cancel, rng.random(len(new_o)) < 0.035]
    o = pd.concat([o, new_o], ignore_index=True)
    # 重新编号：按下单时间稳定排序（同一时刻原有订单在前）
    perm = np.lexsort((o["order_id"].to_numpy(), o["order_time"].to_numpy()))
    first_id = int(orders["order_id"].min())
    new_id = pd.Series(first_id + np.arange(len(o), dtype=np.int64), index=o["order_id"].to_numpy()[perm])
    o = o.iloc[perm].reset_index(drop=True)
    o["order_id"] = new_id.to_numpy()
    items = pd.concat([items, new_items], ignore_index=True)
    items["order_id"] = items["order_id"].map(new_id).to_numpy()
    items = items.sort_values("order_id", kind="stable").reset_index(drop=True)
    return {
        "orders": o,
        "order_items": items,
        "customer_cancel": cancel[perm],
        "grants": make_grants(sim["uplift"], sim["features"], o),
        "uplift": sim["uplift"],
        "p_nat": sim["p_nat"],
    }


def make_grants(uplift: pd.DataFrame, f: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """winback_grants：每位入组客户一行（分组、券、发送时间、窗口内是否下单、是否用券、关联订单）。"""
    d0, d1 = _window_days()
    win = orders[(orders["source"] != "异常") & (orders["day"] >= d0) & (orders["day"] < d1)]
    win = win.sort_values("order_time")
    first = win.groupby("customer_id")["order_id"].first()
    used = win[win["coupon_id"] == COUPON_ID].groupby("customer_id")["order_id"].first()
    cid = uplift["customer_id"]
    treated = (uplift["group"] == GROUPS[0]).to_numpy()
    g = pd.DataFrame(
        {
            "grant_id": np.arange(1, len(uplift) + 1, dtype=np.int64),
            "customer_id": cid.to_numpy(),
            "group": uplift["group"].to_numpy(),
            "coupon_id": pd.array(np.where(treated, COUPON_ID, 0), dtype="Int64"),
            "sent_at": WINBACK_DATE + pd.Timedelta(hours=10),
            "recency_days": f.loc[cid, "recency_days"].to_numpy(np.int64),
            "converted": cid.isin(first.index).to_numpy(),
            "redeemed": cid.isin(used.index).to_numpy(),
            "order_id": pd.array(cid.map(used).fillna(cid.map(first)), dtype="Int64"),
        }
    )
    g.loc[~treated, "coupon_id"] = pd.NA
    return g


def _diff_ci(y_t: np.ndarray, y_c: np.ndarray) -> dict:
    pt, pc = float(y_t.mean()), float(y_c.mean())
    se = float(np.sqrt(pt * (1 - pt) / len(y_t) + pc * (1 - pc) / len(y_c)))
    d = pt - pc
    return {
        "treatment_rate": round(pt, 4),
        "control_rate": round(pc, 4),
        "diff": round(d, 4),
        "se": round(se, 5),
        "ci95": [round(d - 1.96 * se, 4), round(d + 1.96 * se, 4)],
        "n_treatment": int(len(y_t)),
        "n_control": int(len(y_c)),
    }


def _added_counts(orders: pd.DataFrame, up: pd.DataFrame) -> dict:
    """追加订单（source = 挽回）按分组计数。"""
    grp = up.set_index("customer_id")["group"]
    added = orders.loc[orders["source"] == SOURCE, "customer_id"].map(grp)
    return {k: int((added == k).sum()) for k in GROUPS}


def winback_truth(world) -> dict:
    """truth.json 的 winback：设计参数、实测 ATE 与区间、各类型占比与真实效应。"""
    up = world.answers["winback_uplift"]
    g = world.tables["winback_grants"]
    y = g.set_index("customer_id").loc[up["customer_id"], "converted"].to_numpy(bool)
    t = (up["group"] == GROUPS[0]).to_numpy()
    o = world.tables["orders"]
    return {
        "offer_date": WINBACK_DATE.strftime("%Y-%m-%d"),
        "window_days": WINBACK_DAYS,
        "window_end_exclusive": (WINBACK_DATE + pd.Timedelta(days=WINBACK_DAYS)).strftime("%Y-%m-%d"),
        "coupon_id": COUPON_ID,
        "coupon_value": COUPON_VALUE,
        "population": f"发券日前最后一张非异常订单距发券日 {RECENCY_MIN}–{RECENCY_MAX} 天（含）的客户",
        "assignment": "1:1 完全随机；实验组发挽回专享券（短信），对照组不联系",
        "outcome": "converted：窗口内下过至少一单（非异常订单，任何状态）",
        "answer_table": "winback_uplift",
        "n": int(len(up)),
        "true_ate": round(float(up["tau"].mean()), 4),
        "true_ate_treated": round(float(up.loc[t, "tau"].mean()), 4),
        "estimate": _diff_ci(y[t].astype(float), y[~t].astype(float)),
        "segment_shares": {s: round(float((up["segment"] == s).mean()), 4) for s in SEGMENTS},
        "segment_mean_tau": {s: round(float(up.loc[up["segment"] == s, "tau"].mean()), 4) for s in SEGMENTS},
        "segment_mean_p0": {s: round(float(up.loc[up["segment"] == s, "p0"].mean()), 4) for s in SEGMENTS},
        "design": {
            "target_shares": TARGET_SHARES,
            "persuadable_a_beta": list(PERSUADE_BETA),
            "sleeping_dog_b_beta": list(SLEEP_BETA),
            "sure_thing_s_beta": list(SURE_BETA),
            "natural_redeem": NATURAL_REDEEM,
            "contact_cost": CONTACT_COST,
            "gross_margin": GROSS_MARGIN,
            "segment_logit": COEF,
            "type_shift": {k: v.tolist() for k, v in TYPE_SHIFT.items()},
        },
        "true_incremental_margin_all": round(float(up["inc_margin"].sum()), 2),
        "n_added_orders": _added_counts(o, up),
        "n_natural_orders_redeemed": int(((o["coupon_id"] == COUPON_ID) & (o["source"] != SOURCE)).sum()),
        "rule": (
            "挽回实验：2024-08-01 给距上次下单 91–270 天（沉睡）的客户 1:1 随机发无门槛 20 元券，看 30 天内是否下单；"
            "每人有隐藏类型——可说服（p1 = p0 + (1−p0)·a）、必买（本来就会回来，p0 = p1 偏高）、无望（p0 = p1 = 自然概率）、勿扰（联系后 p 降低 (1−p_nat)·b）——"
            "类型概率由最近购买、次数、客单价、用券史、渠道与购物者类型决定；个体效应 tau = p1 − p0 见答案表 winback_uplift。"
        ),
        "design_note": (
            "平均效应设计在 +3 个百分点左右（REFERENCE.md 没有挽回活动的数字；公开的邮件营销随机实验如 Hillstrom 数据集，"
            "购买率提升不到 1 个百分点、访问率提升几个百分点；沉睡客户 30 天回购基数更高，+2–4 个百分点算中等）。"
            "每组约 2,700 人，差值标准误约 1.0 个百分点，期望 z 约 3：平均效应通常显著但不夸张。约 12% 的勿扰者效应为负"
            "（约 −0.19），约 20% 的可说服者约 +0.26，必买者 p0 约 0.54。类型只部分由可观察特征决定，T-learner 预测增量与真实 tau"
            "的相关约 0.4，前 30% 拿到上限的约 60%；按“实验组下单概率”挑人会挑进必买者，增量少约四分之一、毛利只剩几分之一；"
            "全部发券订单增加但毛利为负（勿扰者客单价高）。"
        ),
    }


__all__ = ["COUPON_ID", "SEGMENTS", "SOURCE", "apply", "coupon_row", "features", "winback_truth"]
