"""把各部分串成一个模拟：客户 → 下单过程 → 购物篮 → 库存 → 状态与配送 → 评价/客服/营销 → 脏数据。

``build_world(scale, seed)`` 返回 (表字典, events 生成器参数, 答案 truth)。events 很大，单独分块写出。
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coursekit.world import (
    baskets,
    carriers,
    catalog,
    coupon_ab,
    demand,
    dirty,
    events,
    fake_reviews,
    incident,
    journeys,
    marketing,
    promotions,
    propensity,
    purchases,
    reviews,
    searches,
    service,
    service_ops,
    shoppers,
    social,
    supply,
    winback,
)
from coursekit.world.config import (
    DAYS,
    END,
    EVENTS_END,
    EVENTS_START,
    EXPERIMENT_DATE,
    EXPERIMENT_DAYS,
    ORDER_CHANNELS,
    WAREHOUSES,
    check_scale,
    check_seed,
    stream,
)


@dataclass
class World:
    """一次模拟的全部产物。"""

    tables: dict[str, pd.DataFrame]
    hidden: dict[str, pd.DataFrame | dict] = field(default_factory=dict)
    event_users: pd.DataFrame | None = None
    buy_lines: pd.DataFrame | None = None
    products_full: pd.DataFrame | None = None
    raw_faults: dict = field(default_factory=dict)
    # 答案表：名字 → DataFrame，写成 truth_<名字>.csv.gz（见 helpers.data.truth_table）
    answers: dict[str, pd.DataFrame] = field(default_factory=dict)
    scale: str = "small"
    seed: int = 0


def _order_channels(
    orders: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator, kinds: np.ndarray | None = None
) -> np.ndarray:
    """每位客户有常用渠道（直播带货来的客户偏爱直播），75% 的订单走常用渠道。

    ``kinds``（v2，与 customers 行对齐的购物者类型）：常用渠道有一半概率就是类型偏好的渠道。
    """
    n_c = len(customers)
    live = (customers["acquisition_channel"] == "直播带货").to_numpy()
    pref_p = np.where(live[:, None], [0.3, 0.15, 0.05, 0.5], [0.5, 0.27, 0.13, 0.10])
    if kinds is not None:
        pref_p = shoppers.habit_channel_probs(pref_p, kinds)
    pref = (rng.random(n_c)[:, None] > np.cumsum(pref_p, axis=1)).sum(axis=1)
    pref = np.minimum(pref, 3)
    pos = customers.reset_index(drop=True).reset_index().set_index("customer_id")["index"]
    cpos = pos.loc[orders["customer_id"]].to_numpy()
    other = rng.integers(0, 4, len(orders))
    return np.array(ORDER_CHANNELS)[np.where(rng.random(len(orders)) < 0.75, pref[cpos], other)]


def _assemble_orders(
    customers: pd.DataFrame,
    params: pd.DataFrame,
    parts: list[pd.DataFrame],
    treated_ids: np.ndarray,
    rng: np.random.Generator,
    rng_kind: np.random.Generator,
) -> pd.DataFrame:
    """合并自然订单、实验订单与异常订单，按时间排序并编号。"""
    o = pd.concat(parts, ignore_index=True)
    o = o.sort_values(["day", "sec", "customer_id"], kind="stable").reset_index(drop=True)
    o.insert(0, "order_id", np.arange(10_000_001, 10_000_001 + len(o), dtype=np.int64))
    o["order_time"] = DAYS[o["day"].to_numpy()] + pd.to_timedelta(o["sec"].to_numpy(), unit="s")
    o["_kind"] = shoppers.kinds_for(o["customer_id"].to_numpy(), params)
    o["channel"] = _order_channels(o, customers, rng, shoppers.kinds_for(customers["customer_id"].to_numpy(), params))
    o["channel"] = shoppers.prefer_channels(o["channel"].to_numpy(), o["_kind"].to_numpy(), rng_kind)
    wh = customers.set_index("customer_id")["_warehouse"]
    o["warehouse"] = o["customer_id"].map(wh).to_numpy()
    tier = pd.Series(baskets.spend_tier(params["nu"].to_numpy()), index=params["customer_id"])
    o["_tier"] = o["customer_id"].map(tier).fillna(baskets.N_TIERS - 1).astype(int).to_numpy()
    o["is_first"] = (o.groupby("customer_id").cumcount() == 0).to_numpy()
    in_exp = (o["order_time"] >= EXPERIMENT_DATE) & (
        o["order_time"] < EXPERIMENT_DATE + pd.Timedelta(days=EXPERIMENT_DAYS)
    )
    o["_treated"] = (in_exp & o["customer_id"].isin(treated_ids)).to_numpy()
    return o


def _delivery(o: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """承诺送达日（下单日 + 3 天，三线及以下 + 4 天）与实际送达时间（迟到的订单晚 1 天以上）。"""
    tier = o["customer_id"].map(customers.set_index("customer_id")["city_tier"]).to_numpy()
    promise_days = np.where(tier == "三线及以下", 4, 3)
    day0 = o["order_time"].dt.normalize()
    promised = day0 + pd.to_timedelta(promise_days, unit="D")
    n = len(o)
    ontime_days = np.minimum(1 + rng.binomial(promise_days - 1, 0.45), promise_days)
    late_days = promise_days + rng.geometric(0.45, n)
    days = np.where(o["late"].to_numpy(), late_days, ontime_days)
    sec = rng.integers(9 * 3600, 21 * 3600, n)
    delivered = day0 + pd.to_timedelta(days, unit="D") + pd.to_timedelta(sec, unit="s")
    o = o.assign(promised_delivery_date=promised, delivered_at=delivered)
    return o


def _statuses(
    o: pd.DataFrame, customer_cancel: np.ndarray, stockout_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """订单状态：客户取消或缺货 → 已取消；送达后按问题概率退款 → 已退款；其余已完成。"""
    stockout = o["order_id"].isin(stockout_ids).to_numpy()
    cancelled = customer_cancel | stockout
    fraud = (o["source"] == "异常").to_numpy()
    p_refund = 0.02 + 0.18 * o["_low_quality"].to_numpy() + 0.06 * o["late"].to_numpy() + 0.7 * fraud
    refunded = ~cancelled & (rng.random(len(o)) < p_refund)
    status = np.where(cancelled, "已取消", np.where(refunded, "已退款", "已完成"))
    o = o.assign(status=status, _stockout_cancel=stockout & ~customer_cancel)
    o.loc[cancelled, "delivered_at"] = pd.NaT
    # 年底还没送到的订单：配送时间留空（仍在途）
    o.loc[o["delivered_at"] > END + pd.Timedelta(hours=23, minutes=59, seconds=59), "delivered_at"] = pd.NaT
    o["late"] = o["late"].to_numpy() & ~cancelled
    return o


def _member_level(customers: pd.DataFrame, orders: pd.DataFrame) -> np.ndarray:
    """会员等级：按累计实付（已完成订单）划分。"""
    spent = orders[orders["status"] == "已完成"].groupby("customer_id")["pay_amount"].sum()
    s = customers["customer_id"].map(spent).fillna(0).to_numpy()
    return np.select([s >= 5000, s >= 2000, s >= 500], ["钻石会员", "金卡会员", "银卡会员"], "普通会员")


def build_world(scale: str = "small", seed: int = 0) -> World:
    """运行整个模拟（events 之外的全部表都在内存里完成）。"""
    sc = check_scale(scale)
    seed = check_seed(seed)
    suppliers = catalog.make_suppliers()
    products = catalog.make_products(sc, stream(seed, "products"), suppliers)
    customers = catalog.make_customers(sc, stream(seed, "customers"))
    params = purchases.draw_customer_params(customers, stream(seed, "customer_params"))
    params["shopper_type"] = shoppers.assign_types(customers, params, stream(seed, "shopper_types"))
    natural, state = purchases.simulate_purchases(customers, params, stream(seed, "purchases"))
    grants_raw, exp_orders = purchases.run_coupon_experiment(customers, natural, stream(seed, "experiment"))
    fraud_orders, fraud_acc = purchases.make_fraud_orders(sc.n_fraud_orders, len(customers) + 1, stream(seed, "fraud"))
    # 异常账号与爬虫账号也是注册用户
    rng_acc = stream(seed, "extra_accounts")
    n_bots = sc.n_bots
    bot_ids = np.arange(len(customers) + len(fraud_acc) + 1, len(customers) + len(fraud_acc) + 1 + n_bots)
    extra = pd.concat(
        [fraud_acc, pd.DataFrame({"customer_id": bot_ids, "_signup_day": rng_acc.integers(300, 650, n_bots)})]
    )
    ex = catalog.make_customers(catalog.Scale("x", len(extra), 0, 0, 0, 1), rng_acc)
    ex["customer_id"] = extra["customer_id"].to_numpy()
    ex["_signup_day"] = extra["_signup_day"].to_numpy()
    ex["signup_date"] = DAYS[ex["_signup_day"].to_numpy()]
    ex["acquisition_channel"] = "自然流量"
    customers = pd.concat([customers, ex], ignore_index=True)

    treated_ids = grants_raw.loc[grants_raw["treated"], "customer_id"].to_numpy()
    rng_o = stream(seed, "orders")
    orders = _assemble_orders(
        customers, params, [natural, exp_orders, fraud_orders], treated_ids, rng_o, stream(seed, "shopper_types/orders")
    )
    items, pairs = baskets.make_order_items(orders, products, orders["_tier"].to_numpy(), stream(seed, "baskets"))
    # v2 故事 7：真实需求（不抽随机数；是没有故事 10 促销时的期望）
    exp = demand.expected_demand(customers, state, natural, grants_raw, orders, products, pairs)
    # v2 故事 10：2024 上半年的单品促销，改动订单行（在算订单金额与库存之前）
    items, promos, promo_book = promotions.apply_promotions(items, orders, products, exp, stream(seed, "promotions"))
    gross = items.assign(v=items["quantity"] * items["unit_price"]).groupby("order_id")["v"].sum()
    orders["gross_amount"] = orders["order_id"].map(gross).round(2).to_numpy()
    coupons = marketing.make_coupons()
    orders = baskets.apply_coupons(orders, coupons, stream(seed, "coupon_use"))
    lowq_orders = (
        items.merge(products[["product_id", "_low_quality"]], on="product_id").groupby("order_id")["_low_quality"].any()
    )
    orders["_low_quality"] = orders["order_id"].map(lowq_orders).fillna(False).astype(bool).to_numpy()
    # 故事 4：质量事故期内某商品的订单拿到次品（在退款、评价、工单之前）
    orders, incident_lines, incident_pid = incident.apply_incident(
        orders, items, products, stream(seed, "quality_incident")
    )
    orders = _delivery(orders, customers, rng_o)

    # 库存：客户主动取消的订单不出库；缺货时整单取消
    fraud = (orders["source"] == "异常").to_numpy()
    customer_cancel = rng_o.random(len(orders)) < np.where(fraud, 0.2, 0.035)
    # 故事 13：挽回实验追加的订单按时间插入、订单号重排；它们的随机数全部来自 "winback" 流
    rng_wb = stream(seed, "winback")
    wb = winback.apply(orders, items, customer_cancel, customers, products, state, rng_wb)
    orders, items, customer_cancel = wb["orders"], wb["order_items"], wb["customer_cancel"]
    added = (orders["source"] == winback.SOURCE).to_numpy()
    # 挽回订单只重排 2024-08 以后的订单号；质量事故的订单行（4–6 月）必须仍然指向原来的订单
    assert (
        pd.MultiIndex.from_frame(incident_lines[["order_id", "product_id"]])
        .isin(pd.MultiIndex.from_frame(items[["order_id", "product_id"]]))
        .all()
    ), "挽回实验重排订单号后，质量事故的订单行对不上了"
    ship = orders.loc[~customer_cancel, ["order_id", "day", "sec", "warehouse"]]
    lines = items.merge(ship, on="order_id")
    lines["product_idx"] = lines["product_id"].map(pd.Series(np.arange(len(products)), index=products["product_id"]))
    lines["wh_idx"] = lines["warehouse"].map({w: i for i, w in enumerate(WAREHOUSES)})
    # 故事 8b：供应中断改了到货日；反事实（没有停工）只在构建时跑停工那几周
    cf: dict = {}
    inventory, pos, stockout_ids = supply.simulate_inventory(
        lines, products, suppliers, stream(seed, "inventory"), counterfactual=cf
    )
    # 故事 8a：承运商与发货（在 _statuses 之前，每张订单都定好承运商）
    ship_plan = carriers.plan_shipments(orders, customers, items, stream(seed, "carriers"))
    # 原有订单与追加订单分开抽退款（原有订单仍用 orders 流的同一串随机数）
    parts = [_statuses(orders[~added], customer_cancel[~added], stockout_ids, rng_o)]
    parts.append(_statuses(orders[added], customer_cancel[added], stockout_ids, rng_wb))
    orders = pd.concat(parts).sort_values("order_id").reset_index(drop=True)
    customers["member_level"] = _member_level(customers, orders)

    reviews_df, review_labels = reviews.make_reviews(orders, items, products, stream(seed, "reviews"), incident_lines)
    # 故事 5：好评返现的模板化假评价，插入后按 review_time 重新编号
    reviews_df, review_labels, fake_answer = fake_reviews.make_fake_reviews(
        reviews_df, review_labels, orders, items, products, incident_pid, stream(seed, "fake_reviews")
    )
    ops = service_ops.ServiceOps(stream(seed, "service_ops"), service_ops.shop_factor(scale))
    tickets = service.make_service_tickets(orders, customers, stream(seed, "tickets"), ops)
    surveys = service.make_surveys(orders, tickets, stream(seed, "surveys"), n_surveys=max(200, len(customers) // 8))
    grants = marketing.make_coupon_grants(grants_raw, orders)
    # 故事 9：券面 A/B/n 实验（追加的券在 apply_coupons 之后才加入目录，不影响 v1 订单）
    ab_grants, ab_potential = coupon_ab.simulate(customers, orders, sc.n_customers, stream(seed, "coupon_ab"))
    coupons = pd.concat([coupons, coupon_ab.coupon_rows(), winback.coupon_row()], ignore_index=True)
    spend = marketing.make_marketing_spend(
        customers[customers["customer_id"] <= sc.n_customers], stream(seed, "marketing"), sc.n_customers / 20_000
    )
    touch = marketing.make_touchpoints(orders, customers, stream(seed, "touchpoints"))
    jr = journeys.make_journeys(customers, spend, sc.n_customers, stream(seed, "journeys"))
    search_log, search_kinds = searches.make_searches(customers, products, sc.n_customers, stream(seed, "searches"))
    soc = social.make_social(customers, orders, products, sc.n_customers, stream(seed, "social"))
    orders_raw, raw_faults = dirty.make_orders_raw(orders, items, products, customers, stream(seed, "orders_raw"))

    # events 的输入：窗口内的订单行（每行一个 buy）
    win = orders[(orders["order_time"] >= EVENTS_START) & (orders["order_time"] < EVENTS_END + pd.Timedelta(days=1))]
    buy_lines = items.merge(win[["order_id", "customer_id", "order_time"]], on="order_id")
    buy_lines["ts"] = events.to_unix(buy_lines["order_time"])
    buy_lines["win_day"] = (buy_lines["order_time"].dt.normalize() - EVENTS_START).dt.days.to_numpy()
    buy_lines = buy_lines.sort_values(["customer_id", "ts", "product_id"]).reset_index(drop=True)
    normal_ids = customers.loc[
        (customers["customer_id"] <= sc.n_customers) & (customers["signup_date"] <= EVENTS_END), "customer_id"
    ].to_numpy()
    event_users = events.plan_users(buy_lines, normal_ids, bot_ids, stream(seed, "event_users"))

    tables = {
        "customers": customers,
        "products": products,
        "suppliers": suppliers,
        "orders": orders,
        "order_items": items,
        "reviews": reviews_df,
        "inventory": inventory,
        "purchase_orders": pos,
        "coupons": coupons,
        "coupon_grants": grants,
        "coupon_ab_grants": ab_grants,
        "marketing_spend": spend,
        "touchpoints": touch,
        "service_tickets": tickets,
        "surveys": surveys,
        "agents": ops.agents,
        "orders_raw": orders_raw,
        "ad_touches": jr["ad_touches"],
        "ad_conversions": jr["ad_conversions"],
        "ad_holdout": jr["ad_holdout"],
        "searches": search_log,
        "invitations": soc["invitations"],
        "shares": soc["shares"],
        "winback_grants": wb["grants"],
        "promotions": promos,
        "carriers": carriers.carriers_table(),
        "carrier_rates": carriers.carrier_rates_table(),
        "shipments": carriers.shipments_table(orders, ship_plan),
    }
    hidden = {"params": state, "grants_raw": grants_raw, "pairs": pairs, "review_labels": review_labels}
    hidden["journeys_potential"] = jr["potential_q2"]
    hidden["journeys_curves"] = jr["curves"]
    hidden["search_kinds"] = search_kinds
    hidden["shipping_plan"] = ship_plan[~customer_cancel].reset_index(drop=True)
    hidden["disruption_counterfactual"] = cf
    world = World(
        tables=tables,
        hidden=hidden,
        event_users=event_users,
        buy_lines=buy_lines,
        products_full=products,
        raw_faults=raw_faults,
        scale=scale,
        seed=seed,
    )
    world.answers["coupon_ab_potential"] = ab_potential
    world.answers["fake_reviews"] = fake_answer
    world.hidden["incident"] = incident_lines
    world.answers["service_staffing"] = ops.staffing  # v2 故事：客服排班与 Erlang C 需求
    world.answers["winback_uplift"] = wb["uplift"]
    world.hidden["bot_ids"] = pd.DataFrame({"customer_id": bot_ids})
    world.hidden["inventory_lines"] = lines[["order_id", "day", "sec", "product_idx", "wh_idx", "quantity"]]
    world.hidden["fraud_ids"] = orders.loc[orders["source"] == "异常", ["order_id", "customer_id"]]
    world.hidden["expected_demand"] = exp
    world.answers["promotion_effects"] = promotions.effects_table(items, orders, products, promo_book, exp)
    world.answers["demand"] = demand.demand_answer_table(exp, products)
    world.answers["customer_types"] = shoppers.customer_types_table(state)
    world.answers["propensity"] = propensity.propensity_table(state, orders)
    world.answers["ad_conversion_causes"] = jr["ad_conversions"][["conversion_id", "_cause"]].rename(
        columns={"_cause": "cause"}
    )
    return world


def event_chunks(world: World):
    """events 分块生成器（按用户分块）。"""
    sc = check_scale(world.scale)
    return events.iter_event_chunks(
        world.event_users, world.buy_lines, world.products_full, stream(world.seed, "events"), sc.events_chunk_users
    )


__all__ = ["World", "build_world", "event_chunks"]
