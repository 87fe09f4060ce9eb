"""答案 truth.json：植入的每个故事，以及能用来核对分析结果的数字（均由生成的数据直接算出）。"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world import (
    calendar,
    carriers,
    demand,
    disruption,
    fake_reviews,
    incident,
    journeys,
    promotions,
    propensity,
    purchases,
    reviews,
    searches,
    service,
    service_ops,
    shoppers,
    social,
    supply_policy,
    text,
    winback,
)
from coursekit.world.catalog import LATE_SUPPLIER_ID
from coursekit.world.config import (
    CHURN_CUTOFF,
    END,
    EXPERIMENT_DATE,
    EXPERIMENT_DAYS,
    GENERATOR_VERSION,
    SHOP_NAME,
    START,
)
from coursekit.world.coupon_ab import coupon_ab_truth

if TYPE_CHECKING:
    from coursekit.world.world import World


def _r(x: float, nd: int = 4) -> float:
    """四舍五入成普通 float（JSON 友好）。"""
    return round(float(x), nd)


def _diff_ci(y_t: np.ndarray, y_c: np.ndarray) -> dict:
    """两组比例之差及其 95% 置信区间（正态近似）。"""
    pt, pc = y_t.mean(), y_c.mean()
    se = np.sqrt(pt * (1 - pt) / len(y_t) + pc * (1 - pc) / len(y_c))
    d = pt - pc
    return {
        "treatment_rate": _r(pt),
        "control_rate": _r(pc),
        "diff": _r(d),
        "se": _r(se, 5),
        "ci95": [_r(d - 1.96 * se), _r(d + 1.96 * se)],
        "n_treatment": int(len(y_t)),
        "n_control": int(len(y_c)),
    }


def experiment_truth(world: World) -> dict:
    """优惠券实验：设计的提升、样本上的真实提升（潜在结果之差）和差值估计。"""
    g = world.hidden["grants_raw"]
    grants = world.tables["coupon_grants"]
    conv = grants.set_index("customer_id")["converted"]
    g = g.assign(converted=g["customer_id"].map(conv).to_numpy())
    out = {
        "coupon_id": 11,
        "start": EXPERIMENT_DATE.strftime("%Y-%m-%d"),
        "days": EXPERIMENT_DAYS,
        "outcome": "converted：发券后 14 天内是否下单（任何状态的订单）",
        "assignment": "有购买史的老客按 1:1 完全随机分组；实验组发“老客回归券”（无门槛减 25 元），对照组不发",
        "segment_rule": "按发券日距上次下单的天数：≤90 天 近期活跃，91–270 天 沉睡，>270 天 久未购买",
        "design_tau": purchases.EXPERIMENT_TAU,
        "design_note": "tau 是“本来不会下单的人因券而下单”的概率；真实提升 = tau × (1 − 自然转化率)",
        "true_uplift": _r((g["y1"].astype(float) - g["y0"].astype(float)).mean()),
        "estimate": _diff_ci(
            g.loc[g["treated"], "converted"].to_numpy(float), g.loc[~g["treated"], "converted"].to_numpy(float)
        ),
        "redemption_rate_treatment": _r(grants.loc[grants["group"] == "实验组", "redeemed"].mean()),
        "by_segment": {},
    }
    for seg, s in g.groupby("segment"):
        out["by_segment"][seg] = {
            "true_uplift": _r((s["y1"].astype(float) - s["y0"].astype(float)).mean()),
            "estimate": _diff_ci(
                s.loc[s["treated"], "converted"].to_numpy(float), s.loc[~s["treated"], "converted"].to_numpy(float)
            ),
        }
    return out


def pairs_truth(world: World) -> dict:
    """植入商品对在 order_items 购物篮上的支持度、置信度、提升度（精确计算）。"""
    items = world.tables["order_items"]
    products = world.tables["products"].set_index("product_id")
    n = items["order_id"].nunique()
    baskets = items.groupby("product_id")["order_id"].apply(set)
    rows = []
    for a, b, ts, tl in world.hidden["pairs"].itertuples(index=False):
        sa, sb = baskets.get(a, set()), baskets.get(b, set())
        both = len(sa & sb)
        rows.append(
            {
                "product_a": int(a),
                "name_a": products.loc[a, "product_name"],
                "product_b": int(b),
                "name_b": products.loc[b, "product_name"],
                "support": _r(both / n, 5),
                "support_a": _r(len(sa) / n, 5),
                "support_b": _r(len(sb) / n, 5),
                "confidence_a_to_b": _r(both / len(sa)),
                "confidence_b_to_a": _r(both / len(sb)),
                "lift": _r(both * n / (len(sa) * len(sb)), 3),
                "design_support": ts,
                "design_lift": tl,
            }
        )
    return {"n_baskets": int(n), "basket_definition": "一张订单（order_id）的全部商品行", "pairs": rows}


def churn_truth(world: World) -> dict:
    """流失：口径、名单与驱动因素（实测流失率 + 模拟时用的倍数）。"""
    o = world.tables["orders"]
    valid = o[o["status"] != "已取消"]
    before = valid[valid["order_time"] < CHURN_CUTOFF]
    after_ids = set(valid.loc[valid["order_time"] >= CHURN_CUTOFF, "customer_id"])
    last = before.sort_values("order_time").groupby("customer_id").tail(1).set_index("customer_id")
    cust = world.tables["customers"].set_index("customer_id")
    df = pd.DataFrame(
        {"late": last["late"], "complaint": last["complaint"], "channel": cust.loc[last.index, "acquisition_channel"]}
    )
    df["churned"] = ~df.index.isin(list(after_ids))
    fraud_c = set(world.hidden["fraud_ids"]["customer_id"])
    df = df[~df.index.isin(list(fraud_c))]
    return {
        "definition": f"在 {CHURN_CUTOFF:%Y-%m-%d} 之前有过未取消订单、且 {CHURN_CUTOFF:%Y-%m-%d} 至 {END:%Y-%m-%d} 没有任何未取消订单的客户",
        "cutoff": CHURN_CUTOFF.strftime("%Y-%m-%d"),
        "n_at_risk": int(len(df)),
        "n_churned": int(df["churned"].sum()),
        "churn_rate": _r(df["churned"].mean()),
        "churned_customer_ids": sorted(int(i) for i in df.index[df["churned"]]),
        "drivers_design": {
            "late_delivery_dropout_multiplier": purchases.LATE_DROPOUT_MULT,
            "complaint_dropout_multiplier": purchases.COMPLAINT_DROPOUT_MULT,
            "acquisition_channel_multiplier": purchases.CHANNEL_DROPOUT_MULT,
            "note": "倍数作用在 BG/NBD 的每次复购后流失概率 p 上",
        },
        "churn_rate_by_last_order_late": {str(k): _r(v) for k, v in df.groupby("late")["churned"].mean().items()},
        "churn_rate_by_last_order_complaint": {
            str(k): _r(v) for k, v in df.groupby("complaint")["churned"].mean().items()
        },
        "churn_rate_by_acquisition_channel": {
            str(k): _r(v) for k, v in df.groupby("channel")["churned"].mean().items()
        },
    }


def clv_truth(world: World) -> dict:
    """BG/NBD 与 Gamma-Gamma 的真实参数，以及每位客户的真实 λ、p、是否仍活跃、未来 52 周期望购买次数。"""
    st = world.hidden["params"]
    gg = purchases.GAMMA_GAMMA
    buyers = set(world.tables["orders"]["customer_id"])
    st = st[st["customer_id"].isin(buyers)]
    return {
        "time_unit": "周（week）",
        "bgnbd": purchases.BGNBD,
        "gamma_gamma": gg,
        "gamma_gamma_note": (
            "每位客户的消费水平 ν ~ Gamma(q, v)，期望客单价 p/ν 元；实际订单金额由真实商品组成，"
            "高 ν（低消费）客户买更便宜、更少的商品，所以拟合出的 Gamma-Gamma 参数只会接近、不会等于设计值"
        ),
        "modifications": "流失概率 p 还乘以获客渠道倍数，并在迟到/投诉的订单后放大（见 churn.drivers_design）；λ 截断在每周 1.5 单",
        "never_buy_share": purchases.NEVER_BUY_SHARE,
        "seasonality": "购买时间按订单日历（大促、星期）拉伸，一年的“业务周”总数仍是 52.14",
        "customers": {
            "customer_id": st["customer_id"].astype(int).tolist(),
            "lambda_per_week": np.round(st["lam"], 5).tolist(),
            "p_dropout": np.round(st["p"], 5).tolist(),
            "alive_at_end": st["alive_end"].astype(bool).tolist(),
            "expected_purchases_next_52w": np.round(st["expected_purchases_52w"], 4).tolist(),
            "expected_order_value": np.round(gg["p"] / st["nu"], 2).tolist(),
        },
    }


def supply_truth(world: World) -> dict:
    """迟到的供应商与缺货 SKU。"""
    po = world.tables["purchase_orders"]
    rec = po.dropna(subset=["received_date"])
    delay = (rec["received_date"] - rec["promised_date"]).dt.days
    by_sup = delay.groupby(rec["supplier_id"]).mean().round(3)
    inv = world.tables["inventory"]
    so = inv[inv["stockout"]].groupby(["product_id", "warehouse"], observed=True).size().rename("stockout_days")
    so = so.reset_index().sort_values(["stockout_days", "product_id"], ascending=[False, True])
    sup_of = world.tables["products"].set_index("product_id")["supplier_id"]
    inv_sup = inv["product_id"].map(sup_of)
    rate_by_sup = inv["stockout"].groupby(inv_sup).mean().round(4)
    orders = world.tables["orders"]
    return {
        "late_supplier_id": LATE_SUPPLIER_ID,
        "late_supplier_name": world.tables["suppliers"].set_index("supplier_id").loc[LATE_SUPPLIER_ID, "supplier_name"],
        "mean_delay_days_by_supplier": {str(k): float(v) for k, v in by_sup.items()},
        "delay_definition": "received_date − promised_date（天），只算已到货的采购单",
        "stockout_definition": "当天有需求未被满足（unmet_qty>0），或当天可售库存（期初+入库）为 0",
        "stockout_rate_by_supplier": {str(k): float(v) for k, v in rate_by_sup.items()},
        "stockout_sku_warehouse_days": so.head(50).to_dict(orient="list"),
        "n_stockout_rows": int(inv["stockout"].sum()),
        "stockout_cancelled_orders": int(orders["_stockout_cancel"].sum()),
        "policy": "每周盘点；再订货点 = 预测日需求 ×(承诺交期+7) + 1.65×1.3×√(…)；补到再订货点 + 14 天需求；起订量 10",
    }


def review_truth(world: World) -> dict:
    """评价：评分分布、与迟到/品质的关系、每条评论的真实方面标签。"""
    rv = world.tables["reviews"]
    lab = world.hidden["review_labels"]
    o = world.tables["orders"].set_index("order_id")
    delay = (
        (o.loc[rv["order_id"], "delivered_at"].dt.normalize() - o.loc[rv["order_id"], "promised_delivery_date"])
        .dt.days.clip(lower=0)
        .to_numpy()
    )
    dist = rv["rating"].value_counts(normalize=True).sort_index()
    return {
        "rating_share": {str(k): _r(v) for k, v in dist.items()},
        "mean_rating_by_late": {str(k): _r(v) for k, v in rv["rating"].groupby(lab["late"].to_numpy()).mean().items()},
        "mean_rating_by_low_quality": {
            str(k): _r(v) for k, v in rv["rating"].groupby(lab["low_quality"].to_numpy()).mean().items()
        },
        "mean_rating_by_delay_days": {
            str(k): _r(v) for k, v in rv["rating"].groupby(np.minimum(delay, 5)).mean().items()
        },
        "text_missing_share": _r(rv["review_text"].isna().mean()),
        "design": {
            "good_order_dist": reviews.GOOD_DIST.tolist(),
            "bad_order_dist": reviews.BAD_DIST.tolist(),
            "p_bad": {
                "base": reviews.P_BAD_BASE,
                "late": reviews.P_BAD_LATE,
                "low_quality": reviews.P_BAD_LOWQ,
                "complaint": reviews.P_BAD_COMPLAINT,
            },
        },
        "aspect_rule": "评分 ≤3 的评论写负面方面（迟到→物流，劣质→质量，投诉→客服，否则随机）；≥4 写 1–2 个正面方面",
        "lexicon": "coursekit.world.text 的词表只供生成器自检，第 6 章不得使用（见 truth['review_text']）",
        "low_quality_product_ids": sorted(
            int(i) for i in world.tables["products"].loc[world.tables["products"]["_low_quality"], "product_id"]
        ),
        "labels": {
            "review_id": lab["review_id"].astype(int).tolist(),
            "neg_aspects": lab["neg_aspects"].tolist(),
            "pos_aspects": lab["pos_aspects"].tolist(),
        },
    }


def service_truth(world: World) -> dict:
    """客服：CSAT 与首次响应时间的关系（设计 + 实测），调查的 NPS。"""
    t = world.tables["service_tickets"].dropna(subset=["csat"])
    bins = [0, 5, 15, 30, 60, 120, 1e9]
    labels = ["≤5分钟", "5–15分钟", "15–30分钟", "30–60分钟", "1–2小时", ">2小时"]
    b = pd.cut(t["first_response_minutes"], bins, labels=labels, include_lowest=True)
    sv = world.tables["surveys"]["recommend_score"]
    return {
        "csat_model": {
            "intercept": service.CSAT_INTERCEPT,
            "slope_per_log2_unit": service.CSAT_SLOPE_LOG2,
            "x": "log2(1 + first_response_minutes/10)",
            "complaint": service.CSAT_COMPLAINT,
            "unresolved": service.CSAT_UNRESOLVED,
            "noise_sd": service.CSAT_NOISE,
            "note": "潜在分数四舍五入并截断到 1–5；约 38% 的工单没有评分（csat 为空）",
        },
        "mean_csat_by_first_response": {
            str(k): _r(v, 3) for k, v in t.groupby(b, observed=True)["csat"].mean().items()
        },
        "nps": _r(((sv >= 9).mean() - (sv <= 6).mean()) * 100, 2),
        "nps_definition": "推荐者(9–10)占比 − 贬损者(0–6)占比，×100",
        "survey_design": "各项得分 = 基准 − 经历惩罚（劣质商品→质量，迟到→物流，CSAT≤2 的工单→客服）+ 噪声；总体 ≈ 0.4 质量 + 0.3 物流 + 0.3 客服",
    }


def seasonality_truth(world: World) -> dict:
    """日历效应的设计值与实测值。"""
    o = world.tables["orders"]
    daily = o.groupby(o["order_time"].dt.normalize()).size()
    normal = daily[(calendar.promo_multiplier(pd.DatetimeIndex(daily.index)) == 1.0)]
    med = float(normal.median())
    lp = calendar.late_probability()
    orders_late = o[o["status"] != "已取消"]
    return {
        "promo_peak_multiplier_design": calendar.PROMO_PEAKS,
        "order_weekday_multiplier_design": calendar.ORDER_WEEKDAY.tolist(),
        "browse_weekday_multiplier_design": calendar.BROWSE_WEEKDAY.tolist(),
        "hourly_order_profile": calendar.HOURLY_ORDER.tolist(),
        "hourly_browse_profile": calendar.HOURLY_BROWSE.tolist(),
        "hourly_browse_profile_1111": calendar.HOURLY_PEAKDAY.tolist(),
        "median_orders_normal_day": med,
        "orders_on_peak_days": {d: int(daily.get(pd.Timestamp(d), 0)) for d in calendar.PROMO_PEAKS},
        "peak_to_normal_ratio": {d: _r(daily.get(pd.Timestamp(d), 0) / med, 2) for d in calendar.PROMO_PEAKS},
        "late_probability_design": {"normal": _r(np.median(lp)), "max": _r(lp.max())},
        "late_share_by_month": {
            k.strftime("%Y-%m"): _r(v)
            for k, v in orders_late.groupby(orders_late["order_time"].dt.to_period("M").dt.start_time)["late"]
            .mean()
            .items()
        },
    }


def build_truth(world: World, event_stats: dict, shapes: dict) -> dict:
    """汇总全部答案。"""
    o = world.tables["orders"]
    fraud = world.hidden["fraud_ids"]
    return {
        "meta": {
            "shop": SHOP_NAME,
            "scale": world.scale,
            "seed": world.seed,
            "generator_version": GENERATOR_VERSION,
            "period": [START.strftime("%Y-%m-%d"), END.strftime("%Y-%m-%d")],
            "time_zone": "所有日期时间都是店铺本地时间（北京时间，Asia/Shanghai），不带时区；events.timestamp 是 unix 秒（UTC）",
        },
        "coupon_experiment": experiment_truth(world),
        "coupon_ab": coupon_ab_truth(world),
        "churn": churn_truth(world),
        "clv": clv_truth(world),
        "planted_pairs": pairs_truth(world),
        "bots": {
            "user_ids": world.hidden["bot_ids"]["customer_id"].astype(int).tolist(),
            "pv_per_bot": event_stats["bot_pv"],
            "rule": "爬虫账号：每人 1800–3500 次 pv，全天 24 小时均匀、商品随机、从不加购/收藏/购买",
        },
        "fraud_orders": {
            "order_ids": sorted(fraud["order_id"].astype(int).tolist()),
            "customer_ids": sorted(set(fraud["customer_id"].astype(int).tolist())),
            "rule": "新注册账号在凌晨 1–4 点连续下单，单一高价数码商品 × 5–15 件，多数取消或退款",
            "status_counts": {
                str(k): int(v) for k, v in o[o["order_id"].isin(fraud["order_id"])]["status"].value_counts().items()
            },
        },
        "events": event_stats["summary"],
        "supply": supply_truth(world),
        "demand": demand.demand_truth(world),
        "inventory_policy": supply_policy.policy_truth(world),
        "carriers": carriers.carriers_truth(world),
        "supply_costs": supply_policy.costs_truth(world),
        "disruption": disruption.disruption_truth(world),
        "reviews": review_truth(world),
        "review_text": text.review_text_truth(world.tables["reviews"], world.hidden["review_labels"]),
        "service": service_truth(world),
        "seasonality": seasonality_truth(world),
        "orders_raw": world.raw_faults,
        "shapes": shapes,
        "shopper_types": shoppers.shopper_types_truth(world),
        "propensity": propensity.propensity_truth(world),
        "journeys": journeys.journeys_truth(world),
        "searches": searches.searches_truth(world),
        "social": social.social_truth(world),
        "quality_incident": incident.incident_truth(world),
        "fake_reviews": fake_reviews.fake_reviews_truth(world),
        "service_ops": service_ops.truth(world),
        "winback": winback.winback_truth(world),
        "promotions": promotions.promotions_truth(world),
    }


__all__ = ["build_truth"]
