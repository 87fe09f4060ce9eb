"""第 0 章 练习热身（ch00_practice）：在禾木优选的数据上熟悉“作答 → check() → 提交”的流程。

期望值都由下面的参考代码从 ``helpers.data`` 现算；改了数据，答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Label, Number, PlotRule, SeriesRule
from coursekit.questions import Question


def _orders() -> pd.DataFrame:
    from helpers.data import load

    return load("orders")


def completed_gmv() -> float:
    """0.1 已完成订单的实付金额合计。"""
    o = _orders()
    return float(o.loc[o["status"] == "已完成", "pay_amount"].sum())


def orders_by_channel() -> pd.Series:
    """0.2 各渠道的订单数（全部订单）。"""
    return _orders()["channel"].value_counts()


def category_sales() -> pd.DataFrame:
    """0.3 各品类的销售额与件数，按销售额降序。"""
    from helpers.data import load

    items = load("order_items").merge(load("products")[["product_id", "category"]], on="product_id")
    items["sales"] = items["quantity"] * items["unit_price"]
    out = (
        items.groupby("category", observed=True).agg(sales=("sales", "sum"), quantity=("quantity", "sum")).reset_index()
    )
    return out.sort_values("sales", ascending=False, ignore_index=True)


def top_category() -> str:
    """0.4 销售额最高的品类名。"""
    return str(category_sales()["category"].iloc[0])


def channel_aov_plot():
    """0.5 各渠道已完成订单的平均实付金额（客单价）柱状图。"""
    import matplotlib.pyplot as plt

    o = _orders()
    aov = o[o["status"] == "已完成"].groupby("channel", observed=True)["pay_amount"].mean()
    fig, ax = plt.subplots()
    aov.plot.bar(ax=ax)
    ax.set_title("各渠道客单价")
    ax.set_xlabel("渠道")
    ax.set_ylabel("平均实付金额（元）")
    plt.close(fig)
    return ax


QUESTIONS = [
    Question(
        "0.1",
        2,
        "auto",
        "已完成订单的实付金额合计",
        completed_gmv,
        Number(rtol=1e-6),
        '先用 status == "已完成" 筛选订单，再对 pay_amount 求和。',
    ),
    Question(
        "0.2",
        2,
        "auto",
        "各渠道的订单数",
        orders_by_channel,
        SeriesRule(),
        '对 channel 列用 value_counts()，或 groupby("channel").size()。',
    ),
    Question(
        "0.3",
        3,
        "auto",
        "各品类的销售额与件数",
        category_sales,
        FrameRule(rtol=1e-6, ordered=True, order_hint='按 sales 从大到小排序：sort_values("sales", ascending=False)。'),
        "order_items 与 products 按 product_id 合并，销售额 = quantity × unit_price，再按 category 汇总。",
    ),
    Question(
        "0.4",
        1,
        "auto",
        "销售额最高的品类",
        top_category,
        Label(),
        '看 0.3 结果的第一行；答案是品类名字符串，如 "食品"。',
    ),
    Question(
        "0.5",
        2,
        "auto",
        "各渠道客单价柱状图",
        channel_aov_plot,
        PlotRule(kind="bar", rtol=1e-6),
        "只看已完成订单，按 channel 求 pay_amount 的平均值，再画柱状图。",
    ),
    Question(
        "0.6",
        3,
        "open",
        "渠道投入建议",
        rubric=(
            "结合 0.2 的订单数和 0.5 的客单价两个角度比较渠道，数字引用正确（1 分）",
            "明确指出建议加大（或减少）投入的渠道，并说明理由（1 分）",
            "提出一条可执行、可衡量的动作，并意识到数据的局限（如没有考虑获客成本、利润率）（1 分）",
        ),
    ),
]
