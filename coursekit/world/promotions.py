"""故事 10“促销效果”：2024 上半年的单品促销（限时抢购、买一赠一），植入提升、提前透支、光环与蚕食。

在订单行这一层改动（``baskets.make_order_items`` 之后、计算订单金额与库存之前），不新增也不删除订单：
- 提升（uplift）：活动期内往已有订单里加入促销商品的行（新需求），买一赠一再把每行件数翻倍；
  促销商品的成交单价是活动价（限时抢购打折；买一赠一记为件数翻倍、单价减半）。
- 蚕食（cannibalisation）：活动期内同子类目的替代品行有一部分改买促销商品（换成促销商品的行）。
- 光环（halo）：活动期内含促销商品的订单里追加互补商品（植入商品对里的另一半）的行。
- 提前透支（pull-forward）：活动后若干天里删去促销商品的部分行（客户已经囤了货），删掉的件数 =
  透支比例 × 活动带来的增量件数，按指数衰减分配到活动后的各天；只删多行订单里的行，不留空订单。
每一步都记进一本“账”（活动 × 效应 × 商品 × 日 的件数增减），所以“没有这次活动的同一个世界”的件数
（反事实）= 实际件数 − 账上的增减，精确已知。设计目标按模拟器的期望需求（故事 7 的 expected_demand）算。
活动都在 2024 上半年，避开春节、券面实验窗口与 618，不碰故事 7 的需求答案表（2024 下半年）和 events 窗口。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world import demand
from coursekit.world.catalog import PLANTED_PAIRS
from coursekit.world.config import DAYS, EVENTS_START, EXPERIMENT_WINDOWS

if TYPE_CHECKING:
    from coursekit.world.world import World

# (活动编号, 活动名, 类型, 子类目, 开始日, 天数, 价格系数, 新增需求比例, 透支比例, 透支天数, 光环比例, 蚕食比例)
# 价格系数：成交单价 = 原价 × 系数（买一赠一为 0.5：件数翻倍、单价减半）
# 新增需求比例 a：活动期新增的订单行件数 = a × 期望基线件数（买一赠一再 ×2）
# 透支比例：活动后删去的件数 / 活动期促销商品的增量件数；光环：互补商品 +h；蚕食：替代品行改买促销商品的概率
PROMOTIONS: list[tuple[str, str, str, str, str, int, float, float, float, int, float, float]] = [
    ("P01", "护发素限时抢购", "限时抢购", "护发素", "2024-01-16", 2, 0.60, 3.0, 0.20, 7, 0.10, 0.30),
    ("P02", "婴儿湿巾买一赠一", "买一赠一", "婴儿湿巾", "2024-01-18", 4, 0.50, 0.8, 0.30, 7, 0.08, 0.35),
    ("P03", "咖啡滤纸买一赠一", "买一赠一", "咖啡滤纸", "2024-03-18", 5, 0.50, 0.8, 0.30, 7, 0.10, 0.35),
    ("P04", "钢化膜限时抢购", "限时抢购", "钢化膜", "2024-03-20", 1, 0.50, 4.0, 0.00, 7, 0.12, 0.30),
    ("P05", "瑜伽垫限时抢购", "限时抢购", "瑜伽垫", "2024-04-24", 3, 0.70, 2.0, 0.20, 7, 0.10, 0.25),
    ("P06", "电动牙刷限时抢购", "限时抢购", "电动牙刷", "2024-05-08", 2, 0.65, 2.5, 0.15, 7, 0.15, 0.30),
    ("P07", "纸尿裤买一赠一", "买一赠一", "纸尿裤", "2024-05-10", 5, 0.50, 0.8, 0.30, 7, 0.08, 0.35),
    ("P08", "跑步鞋限时抢购", "限时抢购", "跑步鞋", "2024-05-21", 2, 0.70, 3.0, 0.00, 7, 0.10, 0.25),
]
PROMO_TYPES = ("限时抢购", "买一赠一")
EFFECTS = {"uplift": "提升", "pull_forward": "提前透支", "halo": "光环", "cannibalisation": "蚕食"}
# 活动 + 透支期必须完全落在这段时间里（春节 02-06..02-17 与 618 预售 05-31 起会扭曲基线）
SAFE_SPANS = [("2024-01-01", "2024-02-05"), ("2024-02-18", "2024-05-30")]
BASE_QTY_CHEAP, BASE_QTY = 0.45, 0.12  # 与 baskets.make_order_items 的件数规则一致：1 + Poisson(·)


def _complement_of() -> dict[str, str]:
    """植入商品对的子类目互为互补品。"""
    out = {}
    for a, b, _, _ in PLANTED_PAIRS:
        out[a], out[b] = b, a
    return out


def _check_calendar() -> None:
    """活动窗口（含透支期）不碰实验窗口、不出安全区间、活动之间不共用商品的窗口。"""
    for pid, _, kind, _, start, days, *_rest, pf_days, _h, _c in PROMOTIONS:
        assert kind in PROMO_TYPES, pid
        s = pd.Timestamp(start)
        e = s + pd.Timedelta(days=days + pf_days)
        assert any(pd.Timestamp(a) <= s and e <= pd.Timestamp(b) + pd.Timedelta(days=1) for a, b in SAFE_SPANS), pid
        assert e < EVENTS_START, pid
        for w0, n in EXPERIMENT_WINDOWS.values():
            assert e <= w0 or s >= w0 + pd.Timedelta(days=n), f"{pid} 与实验窗口重叠"


_check_calendar()


def promotions_table(products: pd.DataFrame) -> pd.DataFrame:
    """发布的 promotions 表：每次活动一行（促销商品、起止日、活动价系数）。"""
    first = products[products["_first_of_sub"]].set_index("subcategory")
    rows = []
    for pid, name, kind, sub, start, days, price_mult, *_ in PROMOTIONS:
        s = pd.Timestamp(start)
        rule = "买一赠一：每买 1 件送 1 件" if kind == "买一赠一" else f"限时 {price_mult * 10:g} 折"
        rows.append(
            {
                "promotion_id": pid,
                "promotion_name": name,
                "promo_type": kind,
                "product_id": int(first.loc[sub, "product_id"]),
                "start_date": s,
                "end_date": s + pd.Timedelta(days=days - 1),
                "price_factor": price_mult,
                "rule": rule,
            }
        )
    return pd.DataFrame(rows)


def _roles(products: pd.DataFrame, sub: str, start_day: int) -> tuple[int, int | None, np.ndarray]:
    """(促销商品位置, 互补商品位置或 None, 替代品位置数组)：促销商品是子类目的“爆款”（商品对里的那一个）。"""
    subcat = products["subcategory"].to_numpy()
    first = products["_first_of_sub"].to_numpy()
    launch = np.asarray((products["launch_date"] - DAYS[0]).dt.days)
    p = int(np.flatnonzero(first & (subcat == sub))[0])
    comp_sub = _complement_of().get(sub)
    c = int(np.flatnonzero(first & (subcat == comp_sub))[0]) if comp_sub else None
    subs = np.flatnonzero((subcat == sub) & ~first & (launch <= start_day))
    return p, c, subs


def _mean_qty(price: float) -> float:
    return 1.0 + (BASE_QTY_CHEAP if price < 60 else BASE_QTY)


def _attach(
    order_pool: np.ndarray, n: int, p_idx: int, price: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """往 order_pool 里随机挑 n 张订单（可重复）各加一行商品 p_idx，返回 (订单位置, 件数)。"""
    if n == 0 or len(order_pool) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    o = order_pool[rng.integers(0, len(order_pool), n)]
    q = 1 + rng.poisson(BASE_QTY_CHEAP if price < 60 else BASE_QTY, n)
    return o, q


def apply_promotions(
    items: pd.DataFrame,
    orders: pd.DataFrame,
    products: pd.DataFrame,
    expected: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """在订单行上植入全部活动，返回 (新的订单明细, promotions 表, 账本)。

    ``expected`` 是没有活动时的期望需求 (日, 商品, 仓库)（已扣掉客户主动取消）；账本每行是
    (promotion_id, effect, p_idx, day, units) —— 这一步让该商品当天的下单件数增减了多少。
    """
    pid_all = products["product_id"].to_numpy()
    price_all = products["price"].to_numpy()
    pos_of = pd.Series(np.arange(len(pid_all)), index=pid_all)
    oday = orders["day"].to_numpy()
    o_pos = pd.Series(np.arange(len(orders)), index=orders["order_id"].to_numpy())
    ok_order = (orders["source"] != "异常").to_numpy()
    base_units = expected.sum(axis=2) / (1.0 - demand.CUSTOMER_CANCEL)  # 期望下单件数（含会被取消的）
    li_o = o_pos.loc[items["order_id"].to_numpy()].to_numpy()
    li_p = pos_of.loc[items["product_id"].to_numpy()].to_numpy()
    li_q = items["quantity"].to_numpy().astype(np.int64)
    li_price = items["unit_price"].to_numpy().astype(float)
    ledger: list[pd.DataFrame] = []

    def book(eid: str, effect: str, p: np.ndarray, o: np.ndarray, q: np.ndarray) -> int:
        ledger.append(pd.DataFrame({"promotion_id": eid, "effect": effect, "p_idx": p, "day": oday[o], "units": q}))
        return int(q.sum())

    for eid, _, kind, sub, start, days, price_mult, extra, pf, pf_days, halo, cannib in PROMOTIONS:
        d0 = int((pd.Timestamp(start) - DAYS[0]).days)
        d1, d2 = d0 + days, d0 + days + pf_days
        p, c, subs = _roles(products, sub, d0)
        li_day = oday[li_o]
        in_win = (li_day >= d0) & (li_day < d1) & ok_order[li_o]
        win_orders = np.flatnonzero((oday >= d0) & (oday < d1) & ok_order)
        # 1) 蚕食：替代品行以概率 cannib 改买促销商品
        sw = in_win & np.isin(li_p, subs)
        sw[sw] = rng.random(int(sw.sum())) < cannib
        book(eid, "cannibalisation", li_p[sw], li_o[sw], -li_q[sw])
        lifted = book(eid, "uplift", np.full(int(sw.sum()), p), li_o[sw], li_q[sw])
        li_p = np.where(sw, p, li_p)
        # 2) 提升：新增促销商品的行
        n_new = rng.poisson(extra * base_units[d0:d1, p].sum() / _mean_qty(price_all[p]))
        o_new, q_new = _attach(win_orders, int(n_new), p, price_all[p], rng)
        lifted += book(eid, "uplift", np.full(len(o_new), p), o_new, q_new)
        li_o, li_p, li_q = np.r_[li_o, o_new], np.r_[li_p, np.full(len(o_new), p)], np.r_[li_q, q_new]
        li_price = np.r_[li_price, np.full(len(o_new), price_all[p])]
        # 3) 买一赠一：活动期内促销商品的每行件数翻倍；活动价
        is_p = (li_p == p) & (oday[li_o] >= d0) & (oday[li_o] < d1) & ok_order[li_o]
        if kind == "买一赠一":
            lifted += book(eid, "uplift", li_p[is_p], li_o[is_p], li_q[is_p])
            li_q = np.where(is_p, 2 * li_q, li_q)
        li_price = np.where(is_p, np.round(price_all[p] * price_mult, 2), li_price)
        # 4) 光环：含促销商品的订单里追加互补商品
        if c is not None and halo > 0:
            n_halo = rng.poisson(halo * base_units[d0:d1, c].sum() / _mean_qty(price_all[c]))
            o_h, q_h = _attach(np.unique(li_o[is_p]), int(n_halo), c, price_all[c], rng)
            book(eid, "halo", np.full(len(o_h), c), o_h, q_h)
            li_o, li_p, li_q = np.r_[li_o, o_h], np.r_[li_p, np.full(len(o_h), c)], np.r_[li_q, q_h]
            li_price = np.r_[li_price, np.full(len(o_h), price_all[c])]
        # 5) 提前透支：活动后删去多行订单里促销商品的部分行
        if pf > 0:
            target = pf * lifted * _decay(pf_days)
            n_lines = np.bincount(li_o, minlength=len(orders))
            li_day = oday[li_o]
            elig = (li_p == p) & (li_day >= d1) & (li_day < d2) & (n_lines[li_o] >= 2) & ok_order[li_o]
            drop = _pick_to_target(np.flatnonzero(elig), li_day - d1, li_q, target, rng, len(li_p))
            book(eid, "pull_forward", li_p[drop], li_o[drop], -li_q[drop])
            keep = ~drop
            li_o, li_p, li_q, li_price = li_o[keep], li_p[keep], li_q[keep], li_price[keep]

    out = pd.DataFrame({"o": li_o, "p": li_p, "quantity": li_q, "unit_price": li_price})
    # 同一单里重复的商品合并数量（活动期内同一商品的行单价相同）
    out = out.groupby(["o", "p"], as_index=False, sort=True).agg(
        quantity=("quantity", "sum"), unit_price=("unit_price", "first")
    )
    out["order_id"] = orders["order_id"].to_numpy()[out["o"]]
    out["product_id"] = pid_all[out["p"]]
    items_new = out[["order_id", "product_id", "quantity", "unit_price"]].reset_index(drop=True)
    book_df = pd.concat(ledger, ignore_index=True)
    return items_new, promotions_table(products), book_df


def _pick_to_target(
    cand: np.ndarray, t: np.ndarray, q: np.ndarray, target: np.ndarray, rng: np.random.Generator, n: int
) -> np.ndarray:
    """在候选行里按随机顺序逐天挑行，直到当天删掉的件数达到 target[t]（中点规则，不会系统性多删）。"""
    mask = np.zeros(n, bool)
    if not len(cand):
        return mask
    order = cand[np.lexsort((rng.random(len(cand)), t[cand]))]
    tt, qq = t[order], q[order]
    cum = np.cumsum(qq)
    start = np.r_[0, np.flatnonzero(np.diff(tt)) + 1]
    before = cum - qq - np.repeat(cum[start] - qq[start], np.diff(np.r_[start, len(tt)]))
    mask[order[before + qq / 2.0 < target[tt]]] = True
    return mask


def _decay(n: int) -> np.ndarray:
    """透支在活动后各天的分配：指数衰减（时间常数 = 天数 / 3），和为 1。"""
    w = np.exp(-np.arange(n) / (n / 3.0))
    return w / w.sum()


def _windows(eid_row: tuple) -> tuple[int, int, int]:
    """(活动首日, 活动结束后第一天, 透支期结束后第一天) 的日序号。"""
    _, _, _, _, start, days, _, _, _, pf_days, _, _ = eid_row
    d0 = int((pd.Timestamp(start) - DAYS[0]).days)
    return d0, d0 + days, d0 + days + pf_days


def effects_table(
    items: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, book: pd.DataFrame, expected: np.ndarray
) -> pd.DataFrame:
    """答案表 promotion_effects：每次活动 × 每种效应一行（设计倍数、期望基线、反事实、实际与增量件数）。

    件数口径：order_items 的下单件数（任何状态的订单）；反事实 = 实际 − 账上这次活动这一效应的增减。
    """
    base_units = expected.sum(axis=2) / (1.0 - demand.CUSTOMER_CANCEL)
    pos_of = pd.Series(np.arange(len(products)), index=products["product_id"].to_numpy())
    day = orders.set_index("order_id")["day"]
    li_day = day.loc[items["order_id"].to_numpy()].to_numpy()
    li_p = pos_of.loc[items["product_id"].to_numpy()].to_numpy()
    units = np.zeros((len(DAYS), len(products)))
    np.add.at(units, (li_day, li_p), items["quantity"].to_numpy())
    pid = products["product_id"].to_numpy()
    rows = []
    for row in PROMOTIONS:
        eid, _, kind, sub, _, _, _, extra, pf, _, halo, cannib = row
        d0, d1, d2 = _windows(row)
        p, c, subs = _roles(products, sub, d0)
        qty_mult = 2.0 if kind == "买一赠一" else 1.0
        b_p, b_s = base_units[d0:d1, p].sum(), base_units[d0:d1, subs].sum()
        m_up = qty_mult * (1.0 + extra + cannib * b_s / b_p)
        b_post = base_units[d1:d2, p].sum()
        spec = {
            "uplift": ([p], d0, d1, m_up),
            "pull_forward": ([p], d1, d2, 1.0 - pf * (m_up - 1.0) * b_p / b_post),
            "halo": ([c] if c is not None else [], d0, d1, 1.0 + halo),
            "cannibalisation": (list(subs), d0, d1, 1.0 - cannib),
        }
        for effect, (ps, a, b, m) in spec.items():
            ps = np.asarray(ps, dtype=np.int64)
            sel = (book["promotion_id"] == eid) & (book["effect"] == effect)
            inc = float(book.loc[sel, "units"].sum())
            actual = float(units[a:b, ps].sum())
            cf = actual - inc
            rows.append(
                {
                    "promotion_id": eid,
                    "effect": effect,
                    "effect_cn": EFFECTS[effect],
                    "product_ids": ";".join(str(int(x)) for x in pid[ps]),
                    "window_start": DAYS[a],
                    "window_end": DAYS[b - 1],
                    "design_multiplier": round(float(m), 4),
                    "expected_baseline_units": round(float(base_units[a:b, ps].sum()), 2),
                    "counterfactual_units": int(cf),
                    "actual_units": int(actual),
                    "incremental_units": int(inc),
                    "realised_multiplier": round(actual / cf, 4) if cf > 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)


def promotions_truth(world: World) -> dict:
    """truth.json 里的 promotions：设计参数、每次活动各效应的实际增量，以及净效应与“朴素前后对比”的差距。"""
    eff = world.answers["promotion_effects"]
    promos = world.tables["promotions"].set_index("promotion_id")
    events = {}
    for row in PROMOTIONS:
        eid, name, kind, sub, start, days, price_mult, extra, pf, pf_days, halo, cannib = row
        e = eff[eff["promotion_id"] == eid].set_index("effect")
        inc = e["incremental_units"].astype(int)
        up = int(inc["uplift"])
        events[eid] = {
            "name": name,
            "promo_type": kind,
            "product_id": int(promos.loc[eid, "product_id"]),
            "subcategory": sub,
            "start": start,
            "days": days,
            "design": {
                "price_factor": price_mult,
                "extra_demand_share": extra,
                "quantity_multiplier": 2 if kind == "买一赠一" else 1,
                "pull_forward_share": pf,
                "pull_forward_days": pf_days,
                "halo_share": halo,
                "cannibalisation_share": cannib,
            },
            "complement_product_ids": [int(x) for x in str(e.loc["halo", "product_ids"]).split(";") if x],
            "substitute_product_ids": [int(x) for x in str(e.loc["cannibalisation", "product_ids"]).split(";") if x],
            "incremental_units": {k: int(v) for k, v in inc.items()},
            "uplift_multiplier": float(e.loc["uplift", "realised_multiplier"]),
            "pull_forward_to_uplift": round(-int(inc["pull_forward"]) / up, 4) if up else 0.0,
            "net_incremental_units": int(inc["uplift"] + inc["pull_forward"] + inc["cannibalisation"]),
        }
    return {
        "rule": (
            f"2024 上半年 {len(PROMOTIONS)} 次单品促销（限时抢购、买一赠一）：活动期促销商品件数成倍增加（部分来自同子类目替代品的蚕食），"
            "含促销商品的订单多买互补商品（光环），活动后 7 天促销商品的件数低于基线（提前透支）"
        ),
        "design_note": (
            "设计：限时抢购让单品件数到原来的 3–5 倍、买一赠一约 3–4 倍（件数翻倍 × 1.8 的行），实际（相对反事实）2–8 倍；"
            "透支 = 增量的 15–30%（囤货型商品的买一赠一 30%，钢化膜、跑步鞋的抢购为 0），光环 +8–15%，替代品 25–35% 改买促销商品。"
            "REFERENCE.md 没有促销的数字，这些取电商单品促销常见的量级（单品大促数倍提升、事后回落为增量的一到三成）。"
            "促销商品日销 5–15 件：28 天事前基线 + 双重差分的提升误差约 ±20%，囤货型活动的事后落差（约 30–50%）单次就看得出，"
            "光环只有几件、单次活动测不出来——要让学生看到只算活动期会高估净效应（约 40%），而不是让任何方法都一眼看穿"
        ),
        "units_definition": "order_items 的下单件数（任何状态的订单，按下单日）",
        "counterfactual": "同一个世界去掉这次活动：实际件数减去模拟时记下的这次活动的增减（精确）",
        "expected_baseline": "模拟器的期望需求（故事 7 的 expected_demand，未扣客户取消）在窗口内的和",
        "answer_table": "promotion_effects",
        "events": events,
        "total_incremental_units": {k: int(v) for k, v in eff.groupby("effect")["incremental_units"].sum().items()},
    }
