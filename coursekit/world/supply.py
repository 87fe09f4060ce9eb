"""库存与采购：每个商品 × 仓库逐日模拟期初、入库、出库、期末和缺货。

补货策略是常见的“定期盘点 + 再订货点”：每周盘点一次，库存位置（在库 + 在途）低于再订货点就向供应商下采购单，
补到目标库存。迟到的供应商实际交期更长，所以它的商品更容易缺货；大促前计划员只部分预见到需求，所以大促时也会缺货。
缺货时当天排在后面的订单整单取消（status=已取消）。
v2 故事 20：植入的供应中断（``disruption.DISRUPTION``，福建停工 14 天）确定性地推迟受影响采购单的到货日。
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursekit.world.calendar import order_day_weights
from coursekit.world.config import DAYS, N_DAYS, WAREHOUSES
from coursekit.world.disruption import (
    COUNTERFACTUAL_DAYS,
    DISRUPTION,
    Disruption,
    affected_suppliers,
    shutdown_extra_days,
)

REVIEW_DAYS = 7
COVER_DAYS = 14
SERVICE_Z = 1.65
HISTORY_DAYS = 28
MOQ = 10
HOLDING_RATE_PER_YEAR = 0.25  # 持有成本：每年 = 商品成本 × 25%（资金、仓储、损耗）；按天 = 成本 × 0.25 / 365


def _promo_adjustment(horizon: int = 14) -> np.ndarray:
    """计划员对未来大促的预判：未来 horizon 天平均强度 / 过去 28 天平均强度，只预见一部分（开 0.7 次方）。"""
    w = order_day_weights()
    c = np.concatenate([[0.0], np.cumsum(np.concatenate([w, np.full(horizon, 1.0)]))])
    d = np.arange(N_DAYS)
    future = (c[d + horizon] - c[d]) / horizon
    past_start = np.maximum(d - HISTORY_DAYS, 0)
    past = np.where(d > 0, (c[d] - c[past_start]) / np.maximum(d - past_start, 1), 1.0)
    return (future / past) ** 0.7


def _draw_delays(rng: np.random.Generator, mean_delay: np.ndarray) -> np.ndarray:
    """供应商实际延迟天数：准时供应商大多为 0，迟到供应商平均 6 天以上。"""
    late_prob = np.clip(mean_delay / 2.5, 0.05, 0.95)
    extra = rng.gamma(2.0, np.maximum(mean_delay, 0.5) / np.maximum(late_prob, 0.05) / 2.0)
    return np.where(rng.random(len(mean_delay)) < late_prob, np.ceil(extra), 0).astype(np.int64)


@dataclass
class _Run:
    """逐日模拟的可变状态（停工开始那天拷贝一份，接着跑反事实）。"""

    on_hand: np.ndarray
    on_order: np.ndarray
    arrivals: np.ndarray
    ring: np.ndarray
    rng: np.random.Generator


@dataclass(frozen=True)
class _Demand:
    """按 (日, SKU, 秒, 订单) 排好序的订单行与补货所需的 SKU 参数。"""

    l_sku: np.ndarray
    l_qty: np.ndarray
    l_oid: np.ndarray
    day_start: np.ndarray
    k_total: int
    lead: np.ndarray
    mean_delay: np.ndarray
    affected: np.ndarray
    review_dow: np.ndarray
    adj: np.ndarray
    service_z: float
    cover_days: float


def _simulate_days(
    st: _Run,
    dm: _Demand,
    days: range,
    dis: Disruption | None,
    rec: dict[str, np.ndarray],
    po_parts: list[tuple[np.ndarray, ...]],
    cancelled: list[np.ndarray],
    snapshot_day: int | None = None,
) -> tuple[_Run, list[tuple[np.ndarray, ...]]] | None:
    """按天推进库存（rec 的第 0 行对应 days 的第一天）。到 snapshot_day 时返回那天开始前的状态拷贝。"""
    k_total = dm.k_total
    snap = None
    for r, d in enumerate(days):
        if d == snapshot_day:
            snap = (copy.deepcopy(st), [p for p in po_parts if p[5].any()])
        inbound = st.arrivals[d]
        st.on_order -= inbound
        avail = st.on_hand + inbound
        sl = slice(dm.day_start[d], dm.day_start[d + 1])
        s, q, oid = dm.l_sku[sl], dm.l_qty[sl], dm.l_oid[sl]
        if len(s):
            first = np.r_[True, s[1:] != s[:-1]]
            start = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
            cs = np.cumsum(q)
            within = cs - cs[start] + q[start]
            unfill = within > avail[s]
            bad = np.unique(oid[unfill])
            ok = ~np.isin(oid, bad)
            sales = np.bincount(s[ok], q[ok], minlength=k_total).astype(np.int64)
            unmet = np.bincount(s[unfill], q[unfill], minlength=k_total).astype(np.int64)
            demand = np.bincount(s, q, minlength=k_total)
            cancelled.append(bad)
        else:
            sales = unmet = np.zeros(k_total, np.int64)
            demand = np.zeros(k_total)
        closing = avail - sales
        for key, val in (
            ("opening", st.on_hand),
            ("inbound", inbound),
            ("sales", sales),
            ("closing", closing),
            ("unmet", unmet),
        ):
            rec[key][r] = val
        st.on_hand = closing
        st.ring[d % HISTORY_DAYS] = demand
        # 每周盘点：低于再订货点就下采购单
        due = dm.review_dow == d % REVIEW_DAYS
        f = st.ring.mean(axis=0) * dm.adj[d]
        horizon = dm.lead + REVIEW_DAYS
        rop = f * horizon + dm.service_z * np.sqrt(f * horizon) * 1.3
        target = rop + f * dm.cover_days
        pos = st.on_hand + st.on_order
        need = due & (pos < rop) & (f > 0.01)
        if need.any():
            idx = np.flatnonzero(need)
            qty = np.maximum(np.ceil((target[idx] - pos[idx]) / MOQ) * MOQ, MOQ).astype(np.int64)
            delay = _draw_delays(st.rng, dm.mean_delay[idx])
            arrive = d + dm.lead[idx] + delay
            extra = shutdown_extra_days(d, arrive, dm.affected[idx], dis)
            np.add.at(st.arrivals, (arrive + extra, idx), qty)
            st.on_order[idx] += qty
            po_parts.append((np.full(len(idx), d), idx, qty, dm.lead[idx], delay, extra))
    return snap


def _counterfactual(snap: tuple[_Run, list[tuple[np.ndarray, ...]]], dm: _Demand, d0: int, n_days: int) -> dict:
    """从停工第一天的状态拷贝接着跑 n_days 天、不停工：把已顺延的在途采购单挪回原定到货日。"""
    st, delayed = snap
    for day, idx, qty, lead, delay, extra in delayed:
        moved = extra > 0
        np.add.at(st.arrivals, (day[moved] + lead[moved] + delay[moved] + extra[moved], idx[moved]), -qty[moved])
        np.add.at(st.arrivals, (day[moved] + lead[moved] + delay[moved], idx[moved]), qty[moved])
    rec = {k: np.zeros((n_days, dm.k_total), np.int64) for k in ("opening", "inbound", "sales", "closing", "unmet")}
    cancelled: list[np.ndarray] = []
    _simulate_days(st, dm, range(d0, min(d0 + n_days, N_DAYS)), None, rec, [], cancelled)
    stockout = (rec["unmet"] > 0) | ((rec["opening"] + rec["inbound"]) == 0)
    ids = np.unique(np.concatenate(cancelled)) if cancelled else np.array([], np.int64)
    return {"stockout": stockout, "unmet": rec["unmet"], "cancelled": ids}


def simulate_inventory(
    lines: pd.DataFrame,
    products: pd.DataFrame,
    suppliers: pd.DataFrame,
    rng: np.random.Generator,
    service_z: float = SERVICE_Z,
    cover_days: float = COVER_DAYS,
    disruption: Disruption | None = DISRUPTION,
    counterfactual: dict | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """逐日库存模拟（每天对所有 商品×仓库 一起做向量运算）。

    ``service_z``（安全系数）与 ``cover_days``（补货多备几天）默认是世界自己的策略；库存策略模拟器
    （helpers.data.oracle.inventory_policy）换别的值重跑同一个需求。``disruption`` 是植入的供应中断
    （None = 不停工）。传入一个空 dict 作 ``counterfactual``，会在里面放“没有停工”的反事实（停工第一天起
    COUNTERFACTUAL_DAYS 天的缺货、未满足件数和缺货取消的订单号），用的是 rng 的拷贝，不影响本次结果。

    ``lines`` 列：order_id, day, sec, product_idx, wh_idx, quantity（已去掉客户主动取消的订单）。
    返回 (inventory, purchase_orders, 因缺货取消的 order_id 数组)。
    """
    n_prod, n_wh = len(products), len(WAREHOUSES)
    k_total = n_prod * n_wh
    sku = lines["product_idx"].to_numpy() * n_wh + lines["wh_idx"].to_numpy()
    order = np.lexsort((lines["order_id"].to_numpy(), lines["sec"].to_numpy(), sku, lines["day"].to_numpy()))
    l_day = lines["day"].to_numpy()[order]
    l_sku = sku[order]
    l_qty = lines["quantity"].to_numpy()[order]

    sup_index = {s: i for i, s in enumerate(suppliers["supplier_id"])}
    prod_sup = products["supplier_id"].map(sup_index).to_numpy()
    sku_sup = np.repeat(prod_sup, n_wh)
    dm = _Demand(
        l_sku=l_sku,
        l_qty=l_qty,
        l_oid=lines["order_id"].to_numpy()[order],
        day_start=np.searchsorted(l_day, np.arange(N_DAYS + 1)),
        k_total=k_total,
        lead=suppliers["promised_lead_days"].to_numpy()[sku_sup],
        mean_delay=suppliers["_mean_delay"].to_numpy()[sku_sup],
        affected=np.repeat(
            products["supplier_id"].isin(affected_suppliers(suppliers, disruption or DISRUPTION)).to_numpy(), n_wh
        ),
        review_dow=rng.integers(0, REVIEW_DAYS, k_total),
        adj=_promo_adjustment(),
        service_z=service_z,
        cover_days=cover_days,
    )

    # 期初库存：按头 60 天的平均需求备 30 天的货
    early = l_day < 60
    rate0 = np.bincount(l_sku[early], l_qty[early], minlength=k_total) / 60.0
    st = _Run(
        on_hand=np.ceil(rate0 * 30 + 5).astype(np.int64),
        on_order=np.zeros(k_total, np.int64),
        arrivals=np.zeros((N_DAYS + 120, k_total), np.int64),
        ring=np.tile(rate0, (HISTORY_DAYS, 1)),
        rng=rng,
    )
    rec = {k: np.zeros((N_DAYS, k_total), np.int64) for k in ("opening", "inbound", "sales", "closing", "unmet")}
    po_parts: list[tuple[np.ndarray, ...]] = []
    cancelled: list[np.ndarray] = []
    want_cf = counterfactual is not None and disruption is not None
    snap = _simulate_days(
        st, dm, range(N_DAYS), disruption, rec, po_parts, cancelled, disruption.start_day if want_cf else None
    )
    if want_cf and snap is not None:
        counterfactual.update(_counterfactual(snap, dm, disruption.start_day, COUNTERFACTUAL_DAYS))

    inv = _inventory_frame(rec, products, n_wh)
    pos_ = _purchase_order_frame(po_parts, products, suppliers, n_wh, rng)
    stockout_cancel = np.unique(np.concatenate(cancelled)) if cancelled else np.array([], np.int64)
    return inv, pos_, stockout_cancel


def _inventory_frame(rec: dict[str, np.ndarray], products: pd.DataFrame, n_wh: int) -> pd.DataFrame:
    """把逐日数组摊平成 inventory 表（按 日期、商品、仓库 排序）。"""
    n_days, k_total = rec["opening"].shape
    sku = np.tile(np.arange(k_total), n_days)
    df = pd.DataFrame(
        {
            "date": np.repeat(DAYS.to_numpy(), k_total),
            "product_id": products["product_id"].to_numpy()[sku // n_wh],
            "warehouse": np.array(WAREHOUSES)[sku % n_wh],
            "opening_stock": rec["opening"].ravel(),
            "inbound_qty": rec["inbound"].ravel(),
            "sales_qty": rec["sales"].ravel(),
            "closing_stock": rec["closing"].ravel(),
            "unmet_qty": rec["unmet"].ravel(),
        }
    )
    df["stockout"] = (df["unmet_qty"] > 0) | ((df["opening_stock"] + df["inbound_qty"]) == 0)
    return df


def _purchase_order_frame(
    parts: list[tuple[np.ndarray, ...]],
    products: pd.DataFrame,
    suppliers: pd.DataFrame,
    n_wh: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """采购单表：下单日、承诺到货日、实际到货日（2024 年底还在途的为空）。"""
    day, idx, qty, lead, delay, extra = (np.concatenate([p[i] for p in parts]) for i in range(6))
    order = np.lexsort((idx, day))
    day, idx, qty, lead, delay, extra = day[order], idx[order], qty[order], lead[order], delay[order], extra[order]
    prod = idx // n_wh
    received = day + lead + delay + extra
    cost = products["cost"].to_numpy()[prod] * np.exp(rng.normal(0, 0.03, len(prod)))
    df = pd.DataFrame(
        {
            "po_id": np.arange(1, len(day) + 1, dtype=np.int64),
            "supplier_id": products["supplier_id"].to_numpy()[prod],
            "product_id": products["product_id"].to_numpy()[prod],
            "warehouse": np.array(WAREHOUSES)[idx % n_wh],
            "order_date": DAYS[0] + pd.to_timedelta(day, unit="D"),
            "promised_date": DAYS[0] + pd.to_timedelta(day + lead, unit="D"),
            "received_date": DAYS[0] + pd.to_timedelta(received, unit="D"),
            "quantity": qty,
            "unit_cost": np.round(cost, 2),
        }
    )
    df["total_cost"] = np.round(df["quantity"] * df["unit_cost"], 2)
    df["_shutdown_extra"] = extra  # 因供应中断顺延的天数（隐藏列，不写出）
    df.loc[received >= N_DAYS, "received_date"] = pd.NaT
    return df
