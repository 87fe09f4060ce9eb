"""第 1 章 电商数据分析概述（ch01_overview）的练习题库。

期望值都由下面的参考代码从 ``helpers.data`` 现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Label, Number, PlotRule, SeriesRule
from coursekit.questions import Question


def _completed() -> pd.DataFrame:
    from helpers.data import load

    orders = load("orders")
    return orders[orders["status"] == "已完成"]


def aov_2024() -> float:
    """1.1 2024 年已完成订单的客单价（元/单）。"""
    o = _completed()
    o = o[o["order_time"].dt.year == 2024]
    return float(o["pay_amount"].sum() / len(o))


def channel_yoy_growth() -> pd.Series:
    """1.2 各下单渠道 2024 年销售额相对 2023 年的同比增长率。"""
    o = _completed()
    by_year = o.pivot_table(
        index="channel", columns=o["order_time"].dt.year, values="pay_amount", aggfunc="sum", observed=True
    )
    return by_year[2024] / by_year[2023] - 1


def yearly_buyers_and_repeat() -> pd.DataFrame:
    """1.3 每年的下单顾客数与复购率（一年内完成 ≥ 2 单的顾客占比）。"""
    o = _completed()
    per = o.groupby([o["order_time"].dt.year.rename("year"), "customer_id"]).size()
    out = per.groupby(level="year").agg(buyers="size", repeat_rate=lambda s: float((s >= 2).mean()))
    return out.reset_index()


def dormant_uplift() -> float:
    """1.4 发券实验中“沉睡”分群的增量：实验组下单率 − 对照组下单率。"""
    from helpers.data import load

    g = load("coupon_grants")
    g = g[g["segment"] == "沉睡"]
    rates = g.groupby("group", observed=True)["converted"].mean()
    return float(rates["实验组"] - rates["对照组"])


def monthly_orders_plot():
    """1.5 2024 年每月已完成订单数的折线图。"""
    import matplotlib.pyplot as plt

    o = _completed()
    o = o[o["order_time"].dt.year == 2024]
    counts = o.groupby(o["order_time"].dt.month)["order_id"].count()
    fig, ax = plt.subplots()
    ax.plot(counts.index, counts.values, marker="o")
    ax.set_title("2024 年每月已完成订单数")
    ax.set_xlabel("月份")
    ax.set_ylabel("订单数（单）")
    plt.close(fig)
    return ax


def top_margin_category_2024() -> str:
    """1.6 2024 年毛利率最高的品类（按商品标价计，1 − 成本 ÷ 销售额）。"""
    from helpers.data import load

    o = _completed()
    ids = o.loc[o["order_time"].dt.year == 2024, ["order_id"]]
    lines = (
        load("order_items")
        .merge(ids, on="order_id")
        .merge(load("products")[["product_id", "category", "cost"]], on="product_id")
    )
    sums = (
        lines.assign(sales=lines["quantity"] * lines["unit_price"], cogs=lines["quantity"] * lines["cost"])
        .groupby("category", observed=True)[["sales", "cogs"]]
        .sum()
    )
    return str((1 - sums["cogs"] / sums["sales"]).idxmax())


QUESTIONS = [
    Question(
        "1.1",
        2,
        "auto",
        "2024 年客单价",
        aov_2024,
        Number(rtol=1e-6),
        "只看 2024 年、状态为“已完成”的订单：客单价 = pay_amount 之和 ÷ 订单数。",
    ),
    Question(
        "1.2",
        3,
        "auto",
        "各渠道销售额同比增长率",
        channel_yoy_growth,
        SeriesRule(rtol=1e-6),
        "按渠道和年份汇总已完成订单的 pay_amount（pivot_table 或 groupby + unstack），再用 2024 ÷ 2023 − 1。",
    ),
    Question(
        "1.3",
        3,
        "auto",
        "每年的下单顾客数与复购率",
        yearly_buyers_and_repeat,
        FrameRule(rtol=1e-6),
        "先按（年份, customer_id）数出每人每年的已完成订单数，再按年份汇总：人数，以及 ≥ 2 单的人所占比例。",
    ),
    Question(
        "1.4",
        2,
        "auto",
        "“沉睡”分群的发券增量",
        dormant_uplift,
        Number(rtol=1e-6),
        'coupon_grants 里筛出 segment == "沉睡"，分别算实验组和对照组 converted 的平均值，再相减（实验组 − 对照组）。',
    ),
    Question(
        "1.5",
        2,
        "auto",
        "2024 年每月订单数折线图",
        monthly_orders_plot,
        PlotRule(kind="line", rtol=1e-6),
        "只看 2024 年已完成订单，按月份数订单，画成一条折线；记得加标题和坐标轴标签。",
    ),
    Question(
        "1.6",
        2,
        "auto",
        "2024 年毛利率最高的品类",
        top_margin_category_2024,
        Label(),
        "2024 年已完成订单的明细连上商品成本，按品类算 1 − 成本合计 ÷ 销售额合计，取最大的那个品类名。",
    ),
    Question(
        "1.7",
        4,
        "open",
        "给店长的一页建议",
        rubric=(
            "引用 1.2 的渠道增长和 1.4 的分群增量，数字正确（1 分）",
            "明确建议把资源投向哪个渠道、把券发给哪类顾客，并说明理由（1 分）",
            "区分相关与因果：渠道增长是描述性结果，发券增量来自随机实验，可以当作因果效应（1 分）",
            "给出一个可检验的后续动作（指标、对照、时间），并说明至少一条局限（如未计成本与毛利）（1 分）",
        ),
    ),
]
