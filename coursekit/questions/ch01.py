"""第 1 章 电商数据分析概述（ch01_overview）的练习题库。

期望值都由下面的参考代码从 ``helpers.data`` 现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes


def _completed() -> pd.DataFrame:
    from helpers.data import load

    orders = load("orders")
    return orders[orders["status"] == "已完成"]


def _period(o: pd.DataFrame) -> pd.Series:
    from helpers.data import promo_period

    return promo_period(o["order_time"])


def aov_618_2024() -> float:
    """1.1 2024 年 618 活动窗口里已完成订单的客单价（元/单）。"""
    o = _completed()
    o = o[(o["order_time"].dt.year == 2024) & (_period(o) == "618")]
    return float(o["pay_amount"].sum() / len(o))


def channel_yoy_growth() -> pd.Series:
    """1.2 各下单渠道 2024 年销售额相对 2023 年的同比增长率。"""
    o = _completed()
    by_year = o.pivot_table(
        index="channel", columns=o["order_time"].dt.year, values="pay_amount", aggfunc="sum", observed=True
    )
    return by_year[2024] / by_year[2023] - 1


def tier_buyers_and_repeat_2024() -> pd.DataFrame:
    """1.3 2024 年各城市等级的下单顾客数与复购率（一年内完成 ≥ 2 单的顾客占比）。"""
    from helpers.data import load

    o = _completed()
    o = o[o["order_time"].dt.year == 2024].merge(load("customers")[["customer_id", "city_tier"]], on="customer_id")
    per = o.groupby(["city_tier", "customer_id"], observed=True).size()
    out = per.groupby(level="city_tier", observed=True).agg(buyers="size", repeat_rate=lambda s: float((s >= 2).mean()))
    return out.reset_index()


def dormant_uplift() -> float:
    """1.4 发券实验中“沉睡”分群的增量：实验组下单率 − 对照组下单率。"""
    from helpers.data import load

    g = load("coupon_grants")
    g = g[g["segment"] == "沉睡"]
    rates = g.groupby("group", observed=True)["converted"].mean()
    return float(rates["实验组"] - rates["对照组"])


def monthly_cancel_rate_plot():
    """1.5 2023–2024 年每月取消率（已取消订单 ÷ 当月全部订单，%）的折线图。"""
    from helpers.data import load

    o = load("orders")
    rate = (o["status"] == "已取消").groupby(o["order_time"].dt.to_period("M")).mean() * 100
    return reference_axes(
        "line", rate.index.to_timestamp(), rate.values, title="每月取消率", xlabel="月份", ylabel="取消率（%）"
    )


def category_margin_1111_2024() -> pd.Series:
    """1.6 2024 年双十一活动窗口里各品类的毛利率（按商品标价计，1 − 成本 ÷ 商品金额）。"""
    from helpers.data import load

    o = _completed()
    ids = o.loc[(o["order_time"].dt.year == 2024) & (_period(o) == "双十一"), ["order_id"]]
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
    return 1 - sums["cogs"] / sums["sales"]


QUESTIONS = [
    Question(
        "1.1",
        2,
        "auto",
        "2024 年 618 活动窗口的客单价",
        aov_618_2024,
        Number(rtol=1e-6),
        '先只留已完成订单，再用 data.promo_period(订单["order_time"]) == "618" 和年份 2024 两个条件筛选（用 & 连接）；'
        "客单价 = pay_amount 之和 ÷ 订单数。结果偏大多半是把 6 月整月都算进来了：活动窗口只有日历里的那几天。",
    ),
    Question(
        "1.2",
        3,
        "auto",
        "各渠道全年销售额同比增长率",
        channel_yoy_growth,
        SeriesRule(rtol=1e-6),
        "按渠道和年份汇总已完成订单的 pay_amount（pivot_table 或 groupby + unstack），再用 2024 ÷ 2023 − 1。",
    ),
    Question(
        "1.3",
        3,
        "auto",
        "2024 年各城市等级的下单顾客数与复购率",
        tier_buyers_and_repeat_2024,
        FrameRule(rtol=1e-6),
        "2024 年的已完成订单先按 customer_id 合并 customers 的 city_tier；再按（city_tier, customer_id）数出每人的单数，"
        "最后按 city_tier 汇总：人数，以及 ≥ 2 单的人所占比例。",
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
        "每月取消率折线图",
        monthly_cancel_rate_plot,
        PlotRule(kind="line", rtol=1e-6),
        '用全部订单：(orders["status"] == "已取消") 按下单月份分组求平均，就是每月的取消率；乘 100 换成百分数，'
        "画成一条 24 个点的折线，加标题和坐标轴标签。",
    ),
    Question(
        "1.6",
        2,
        "auto",
        "2024 年双十一窗口各品类的毛利率",
        category_margin_1111_2024,
        SeriesRule(rtol=1e-6),
        "先筛出 2024 年双十一活动窗口里的已完成订单，用它们的 order_id 去合并 order_items，再合并 products 的 category 和 cost；"
        "按品类算 1 − 成本合计 ÷ 商品金额合计。",
    ),
    Question(
        "1.7",
        4,
        "open",
        "给店长的一页建议",
        rubric=(
            "引用 1.2 的全年渠道增长和 1.4 的分群增量，数字正确；指出全年的渠道排名和课上双十一窗口的排名不同（1 分）",
            "明确建议把资源投向哪个渠道、把券发给哪类顾客，理由与引用的数字一致（1 分）",
            "区分相关与因果：渠道增长是描述性结果，排名随所选时期变化；发券增量来自随机实验，可以当作因果效应（1 分）",
            "给出一个可检验的后续动作（指标、对照、时间），并说明至少一条局限（如未计券面成本与毛利）（1 分）",
        ),
    ),
]
