"""第 0 章 练习热身（ch00_practice）：在禾木优选的数据上熟悉“作答 → check() → 提交”的流程。

每一题都只用已完成订单（术语表：销售额、客单价剔除取消与退款）；用到的操作第 0 章教学 notebook 都演示过。

期望值都由下面的参考代码从 ``helpers.data`` 现算；改了数据，答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Label, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes


def _orders() -> pd.DataFrame:
    from helpers.data import load

    return load("orders")


def _completed() -> pd.DataFrame:
    """术语表口径：销售额、客单价只算 status 为“已完成”的订单。"""
    o = _orders()
    return o[o["status"] == "已完成"]


def completed_gmv() -> float:
    """0.1 销售额：已完成订单的实付金额合计（函数名沿用旧名，算的是术语表里的销售额，不是 GMV）。"""
    return float(_completed()["pay_amount"].sum())


def orders_by_channel() -> pd.Series:
    """0.2 各渠道的已完成订单数（与 0.5 的客单价同一批订单，0.6 要把两者相乘）。"""
    return _completed()["channel"].value_counts()


def category_sales() -> pd.DataFrame:
    """0.3 已完成订单里各品类的商品金额（quantity × unit_price，券前标价）与件数，按金额降序。"""
    from helpers.data import load

    items = load("order_items").merge(_orders()[["order_id", "status"]], on="order_id")
    items = items[items["status"] == "已完成"].merge(load("products")[["product_id", "category"]], on="product_id")
    items["amount"] = items["quantity"] * items["unit_price"]
    out = (
        items.groupby("category", observed=True)
        .agg(amount=("amount", "sum"), quantity=("quantity", "sum"))
        .reset_index()
    )
    return out.sort_values("amount", ascending=False, ignore_index=True)


def top_category() -> str:
    """0.4 已完成订单里商品金额最高的品类名。"""
    return str(category_sales()["category"].iloc[0])


def channel_aov_plot():
    """0.5 各渠道已完成订单的平均实付金额（客单价）柱状图。"""
    aov = _completed().groupby("channel", observed=True)["pay_amount"].mean()
    return reference_axes(
        "bar", aov.index.astype(str), aov.values, title="各渠道客单价", xlabel="渠道", ylabel="平均实付金额（元）"
    )


QUESTIONS = [
    Question(
        "0.1",
        2,
        "auto",
        "已完成订单的销售额",
        completed_gmv,
        Number(rtol=1e-6),
        '先用 orders["status"] == "已完成" 筛选订单，再对 pay_amount 列求和 .sum()。',
    ),
    Question(
        "0.2",
        2,
        "auto",
        "各渠道的已完成订单数",
        orders_by_channel,
        SeriesRule(),
        "先筛出已完成订单（和 0.1 一样），再数 channel 列里每个渠道出现几次——第 0 章数订单状态时用过同一个方法。",
    ),
    Question(
        "0.3",
        3,
        "auto",
        "已完成订单里各品类的商品金额与件数",
        category_sales,
        FrameRule(
            rtol=1e-6, ordered=True, order_hint='按 amount 从大到小排序：sort_values("amount", ascending=False)。'
        ),
        "先把 orders 的 status 合并到 order_items 上并只留“已完成”，再合并 products 的 category；"
        'amount = quantity × unit_price，最后 groupby("category").agg(...) 后 reset_index()。'
        "数值偏大多半是忘了筛掉取消和退款的订单。",
    ),
    Question(
        "0.4",
        1,
        "auto",
        "商品金额最高的品类",
        top_category,
        Label(),
        '0.3 的结果已按 amount 从大到小排好，取 category 列的第一个值（iloc[0]）；答案是品类名字符串，如 "食品"。',
    ),
    Question(
        "0.5",
        2,
        "auto",
        "各渠道客单价柱状图",
        channel_aov_plot,
        PlotRule(kind="bar", rtol=1e-6),
        '只看已完成订单，按 channel 分组求 pay_amount 的平均值（agg 里用 "mean"），再用 .plot.bar() 画，每个渠道一根柱子。',
    ),
    Question(
        "0.6",
        3,
        "open",
        "渠道投入建议",
        rubric=(
            "用 0.2 的已完成订单数和 0.5 的客单价比较渠道，数字引用正确（App 订单最多约 2.1 万笔，PC 客单价最高约 921 元；"
            "两者相乘，App 销售额约 764 万元、PC 约 692 万元）（1 分）",
            "明确指出建议加大投入的渠道，理由与引用的数字一致（1 分）",
            "提出一条可执行、可衡量的动作，并意识到数据的局限（如平均数被少数大单拉高、没有考虑获客成本和毛利）（1 分）",
        ),
    ),
]
