"""第 3 章 数据探索性分析（ch03_eda）的练习题库。

期望值都由下面的参考代码从 ``helpers.data`` 现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes


def _orders() -> pd.DataFrame:
    from helpers.data import load

    return load("orders")


def spend_mean_to_median() -> float:
    """3.1 每位顾客两年累计实付金额（剔除已取消订单）的均值 ÷ 中位数。"""
    o = _orders()
    per_customer = o[o["status"] != "已取消"].groupby("customer_id")["pay_amount"].sum()
    return float(per_customer.mean() / per_customer.median())


def csat_missing_by_topic() -> pd.Series:
    """3.2 客服工单按话题 topic 的未评分比例（csat 缺失的比例）。"""
    from helpers.data import load

    tickets = load("service_tickets")
    return tickets["csat"].isna().groupby(tickets["topic"], observed=True).mean()


def iqr_upper_by_channel() -> pd.DataFrame:
    """3.3 每个渠道（全部订单，含已取消）pay_amount 的 IQR 上界与超过上界的订单数。"""
    o = _orders()
    rows = []
    for channel, group in o.groupby("channel", observed=True):
        q1, q3 = group["pay_amount"].quantile([0.25, 0.75])
        upper = q3 + 1.5 * (q3 - q1)
        rows.append(
            {"channel": str(channel), "upper": float(upper), "n_outliers": int((group["pay_amount"] > upper).sum())}
        )
    return pd.DataFrame(rows)


def buys_by_beijing_hour() -> pd.Series:
    """events 中 6 周窗口内（北京时间 2024-10-21 至 12-01）每个小时的购买次数，0–23 点。"""
    from helpers.data import load

    events = load("events")
    beijing = (
        pd.to_datetime(events["timestamp"], unit="s", utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    )
    keep = beijing.between("2024-10-21", "2024-12-02", inclusive="left") & (events["behavior_type"] == "buy")
    return beijing[keep].dt.hour.value_counts().reindex(range(24), fill_value=0)


def buys_by_hour_plot():
    """3.4 按北京时间小时的购买次数柱状图（24 根柱子，按 0–23 点排列）。"""
    counts = buys_by_beijing_hour()
    return reference_axes(
        "bar", counts.index, counts.values, title="双十一前后 6 周各小时的购买次数（北京时间）",
        xlabel="小时（北京时间）", ylabel="购买次数（次）",
    )  # fmt: skip


def rule_precision_recall() -> pd.Series:
    """3.5 规则“0:00–5:59 下单 且 件数 ≥ 5 且 账龄 ≤ 7 天”检出刷单的查准率与查全率。"""
    from helpers.data import load, truth
    from helpers.eda import precision_recall

    o = _orders()
    units = o["order_id"].map(load("order_items").groupby("order_id")["quantity"].sum())
    signup = load("customers").set_index("customer_id")["signup_date"]
    age_days = (o["order_time"].dt.normalize() - o["customer_id"].map(signup)).dt.days
    flagged = o["order_time"].dt.hour.between(0, 5) & (units >= 5) & (age_days <= 7)
    res = precision_recall(o.loc[flagged, "order_id"], truth()["fraud_orders"]["order_ids"])
    return pd.Series({"precision": res["precision"], "recall": res["recall"]})


SEEDS = (0, 1, 2, 42)  # 3.6 换几个随机种子重跑孤立森林


def _user_features() -> pd.DataFrame:
    """与教学 notebook 3.3.2 相同的用户特征：北京时间、6 周窗口内，每位用户一行；计数类特征取 log10。"""
    import numpy as np

    from helpers.data import load

    events = load("events")
    time = pd.to_datetime(events["timestamp"], unit="s", utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    keep = time.between("2024-10-21", "2024-12-02", inclusive="left")
    ev = events[keep].assign(
        is_pv=events["behavior_type"] == "pv", is_night=time.dt.hour.between(0, 5), date=time.dt.normalize()
    )
    f = ev.groupby("user_id").agg(
        n_events=("item_id", "size"),
        pv_share=("is_pv", "mean"),
        n_items=("item_id", "nunique"),
        night_share=("is_night", "mean"),
        active_days=("date", "nunique"),
    )
    return f.assign(
        n_events=np.log10(f["n_events"]), n_items=np.log10(f["n_items"]), active_days=np.log10(f["active_days"])
    )


def bots_found_without_night() -> pd.Series:
    """3.6 去掉 night_share 后，孤立森林（4 个随机种子）异常分前 15 名里的爬虫数。"""
    from sklearn.ensemble import IsolationForest
    from sklearn.preprocessing import StandardScaler

    from helpers.data import truth

    x = _user_features().drop(columns="night_share")
    z = StandardScaler().fit_transform(x)
    bots = set(truth()["bots"]["user_ids"])
    found = {}
    for seed in SEEDS:
        score = pd.Series(-IsolationForest(random_state=seed).fit(z).score_samples(z), index=x.index)
        found[seed] = int(score.nlargest(15).index.isin(bots).sum())
    return pd.Series(found)


def aov_reconcile_2024() -> pd.Series:
    """3.7 2024 年两种客单价口径与已退款订单的客单价（含、不含刷单）。"""
    from helpers.data import truth

    o = _orders()
    o = o[o["order_time"].dt.year == 2024]
    refunded = o[o["status"] == "已退款"]
    fraud = refunded["order_id"].isin(truth()["fraud_orders"]["order_ids"])
    return pd.Series(
        {
            "not_cancelled": float(o.loc[o["status"] != "已取消", "pay_amount"].mean()),
            "completed": float(o.loc[o["status"] == "已完成", "pay_amount"].mean()),
            "refunded": float(refunded["pay_amount"].mean()),
            "refunded_no_fraud": float(refunded.loc[~fraud, "pay_amount"].mean()),
        }
    )


QUESTIONS = [
    Question(
        "3.1",
        2,
        "auto",
        "顾客累计消费的均值 ÷ 中位数",
        spend_mean_to_median,
        Number(rtol=1e-6),
        "剔除已取消订单后，按 customer_id 把 pay_amount 加总，得到每位顾客一个数；再用它的均值除以中位数。",
    ),
    Question(
        "3.2",
        2,
        "auto",
        "各话题工单的未评分比例",
        csat_missing_by_topic,
        SeriesRule(rtol=1e-6),
        "csat 缺失用 .isna() 变成真/假值，按 topic 分组求平均，就是未评分的比例。",
    ),
    Question(
        "3.3",
        3,
        "auto",
        "各渠道的 IQR 上界与异常订单数",
        iqr_upper_by_channel,
        FrameRule(rtol=1e-6),
        "对每个渠道分别算 Q1、Q3（全部订单，不剔除已取消），上界 = Q3 + 1.5 × (Q3 − Q1)，"
        "再数该渠道里 pay_amount 严格大于上界的订单。",
    ),
    Question(
        "3.4",
        3,
        "auto",
        "各小时购买次数柱状图（北京时间）",
        buys_by_hour_plot,
        PlotRule(kind="bar", rtol=1e-6, ordered=True),
        'timestamp 是 UTC 的 unix 秒：先 pd.to_datetime(..., unit="s", utc=True)，再 tz_convert("Asia/Shanghai")；'
        "去掉窗口外的脏时间戳，只数 buy；柱子按 0–23 点的顺序画。",
    ),
    Question(
        "3.5",
        3,
        "auto",
        "刷单规则的查准率与查全率",
        rule_precision_recall,
        SeriesRule(rtol=1e-6),
        "件数从 order_items 按 order_id 汇总 quantity；账龄 = 下单日期（.dt.normalize()）− 注册日期，取 .dt.days；"
        '三个条件同时满足的订单就是检出的名单，再与 truth()["fraud_orders"]["order_ids"] 比较。',
    ),
    Question(
        "3.6",
        3,
        "auto",
        "去掉深夜占比后孤立森林抓到的爬虫（4 个种子）",
        bots_found_without_night,
        SeriesRule(rtol=0, atol=0),
        '特征表先 drop(columns="night_share")，再 StandardScaler().fit_transform；每个种子各建一个 '
        "IsolationForest(random_state=种子)，异常分取 -score_samples，nlargest(15) 的用户里数有几个在答案册的爬虫名单里。"
        "结果是以种子为索引、值为整数的 Series。",
    ),
    Question(
        "3.7",
        3,
        "auto",
        "两种客单价口径的对账",
        aov_reconcile_2024,
        SeriesRule(rtol=1e-6),
        "四个数都是 2024 年订单的 pay_amount 平均值，区别只在筛哪些行：剔除已取消、只留已完成、只留已退款、"
        "已退款里再去掉答案册的刷单订单。索引名要和题目一字不差。",
    ),
    Question(
        "3.8",
        4,
        "open",
        "给运营总监的客单价口径建议",
        rubric=(
            "指出 3σ 规则在偏态的金额上标出的大多是真实的大额订单，引用数字（如 3σ 标出的订单数与其中的刷单数）（1 分）",
            "区分两类异常：刷单应剔出 GMV 与客单价并保留标记复核，真实大单不应删除（1 分）",
            "给出适合定目标的口径（中位数、封顶后的均值或剔除刷单后的均值）并说明理由，同时保留原始均值用于对账（1 分）",
            "说明处理要留痕（规则、删了多少、对指标的影响），或提出用多变量方法 / 人工复核替代单变量规则（1 分）",
        ),
    ),
]
