"""第 2 章 数据获取与预处理（ch02_data_preparation）的练习题库。

练习用的是一份**换了随机种子**的脏订单明细 ``raw_orders_sample(SAMPLE_SEED)``（毛病的种类与课上的 orders_raw 相同，
数量和位置不同）。期望值都由下面的参考清洗代码现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import pandas as pd

from coursekit.exercises.rules import FrameRule, Label, Number, SeriesRule
from coursekit.questions import Question

SAMPLE_SEED = 2025
SAMPLE_ORDERS = 2000


def _raw() -> pd.DataFrame:
    from helpers.prep_samples import raw_orders_sample

    return raw_orders_sample(SAMPLE_SEED, SAMPLE_ORDERS)


def _dedup() -> pd.DataFrame:
    return _raw().drop_duplicates()


def _standardized() -> pd.DataFrame:
    """去重、统一 SKU 写法、解析数量/单价/时间。"""
    from helpers import prep

    d = _dedup()
    d["sku"] = prep.standardize_text(d["sku"], case="upper")
    d["quantity"] = d["quantity"].astype(int)
    d["unit_price"] = prep.parse_price(d["unit_price"])
    d["order_time"] = prep.parse_mixed_dates(d["order_time"])
    return d


def _catalog_ratio(d: pd.DataFrame) -> pd.Series:
    from helpers.data import load

    price = load("products").set_index("product_id")["price"]
    return (d["unit_price"] / d["sku"].str[3:].astype(int).map(price)).round(2)


def _clean() -> pd.DataFrame:
    """参考清洗：剔除非商品行、赠品、退款冲销行及被冲销的订单；修正多打两个 0 的单价。"""
    d = _standardized()
    is_product = d["sku"].str.fullmatch(r"HM-\d+")
    is_gift = d["unit_price"] == 0
    is_cancel = d["order_no"].str.startswith("C")
    refunded = d.loc[is_cancel, "order_no"].str[1:]
    sales = d[is_product & ~is_gift & ~is_cancel & ~d["order_no"].isin(refunded)].copy()
    typo = _catalog_ratio(sales) == 100
    sales.loc[typo, "unit_price"] = sales.loc[typo, "unit_price"] / 100
    return sales


def exact_duplicates() -> int:
    """2.1 完全重复（每一列都相同）的行数，不算第一次出现的那行。"""
    return int(_raw().duplicated().sum())


def rows_by_province() -> pd.Series:
    """2.2 去重后各省份（统一为全称，“未知”按城市补全）的行数。"""
    from helpers import prep

    d = _dedup()
    prov = prep.standardize_province(d["province"])
    city_map = pd.DataFrame({"city": d["city"], "p": prov}).dropna().drop_duplicates().set_index("city")["p"]
    prov = prov.fillna(d["city"].map(city_map))
    return prov.value_counts()


def extreme_order_no() -> str:
    """2.3 那笔数量异常的大单（不是冲销行）的订单号。"""
    d = _dedup()
    q = d["quantity"].astype(int)
    return str(d.loc[(q.abs() >= 1000) & ~d["order_no"].str.startswith("C"), "order_no"].iloc[0])


def price_typo_rows() -> int:
    """2.4 单价恰好是目录价 100 倍的行数（只看剔除非商品行和赠品之后的商品行）。"""
    d = _standardized()
    d = d[d["sku"].str.fullmatch(r"HM-\d+") & (d["unit_price"] > 0)]
    return int((_catalog_ratio(d) == 100).sum())


def clean_revenue() -> float:
    """2.5 清洗后（只剩已完成订单的商品明细）的销售额：数量 × 单价之和。"""
    c = _clean()
    return float((c["quantity"] * c["unit_price"]).sum())


def monthly_summary() -> pd.DataFrame:
    """2.6 清洗后每月的订单数与销售额。"""
    c = _clean().assign(revenue=lambda d: d["quantity"] * d["unit_price"])
    out = c.groupby(c["order_time"].dt.month.rename("month")).agg(
        n_orders=("order_no", "nunique"), revenue=("revenue", "sum")
    )
    return out.reset_index()


QUESTIONS = [
    Question(
        "2.1",
        2,
        "auto",
        "完全重复的行数",
        exact_duplicates,
        Number(rtol=0, atol=0),
        "用 raw.duplicated() 标出“第二次及以后出现”的整行重复，再求和。",
    ),
    Question(
        "2.2",
        3,
        "auto",
        "统一省份写法后各省的行数",
        rows_by_province,
        SeriesRule(rtol=0, atol=0),
        "先 drop_duplicates()；省份统一成全称（prep.standardize_province 或自己建对照表），"
        "“未知”用“城市 → 省份”的对应关系补上，最后 value_counts()。",
    ),
    Question(
        "2.3",
        2,
        "auto",
        "异常大单的订单号",
        extreme_order_no,
        Label(),
        "把 quantity 转成整数，找数量绝对值上千的行；冲销行的订单号以 C 开头，题目要的是原订单号。",
    ),
    Question(
        "2.4",
        2,
        "auto",
        "单价多打两个 0 的行数",
        price_typo_rows,
        Number(rtol=0, atol=0),
        "价格要先解析成数字、SKU 要先统一大小写和空格；剔除非 HM- 编码的行和单价为 0 的赠品后，"
        "把单价与 products 表的 price 相除，数一数比值等于 100 的行。",
    ),
    Question(
        "2.5",
        3,
        "auto",
        "清洗后的销售额",
        clean_revenue,
        Number(rtol=1e-9, atol=0.005),
        "按课上的顺序：去重 → 统一 SKU → 解析价格 → 剔除测试/费用行、赠品、以 C 开头的冲销行以及被冲销的原订单 "
        "→ 把多打两个 0 的单价除以 100 → 求 数量 × 单价 之和。",
    ),
    Question(
        "2.6",
        3,
        "auto",
        "清洗后每月的订单数与销售额",
        monthly_summary,
        FrameRule(rtol=1e-9, atol=0.005),
        "下单时间有四种格式，先全部解析（prep.parse_mixed_dates）；在 2.5 的清洗结果上按月份分组，"
        "订单数按订单号去重计数，销售额为 数量 × 单价 之和；列名为 month、n_orders、revenue。",
    ),
    Question(
        "2.7",
        4,
        "open",
        "给数据负责人的清洗报告",
        rubric=(
            "列出至少四类问题，并给出各自的行数（与 2.1–2.6 的结果一致）（1 分）",
            "量化影响：说明不清洗会让销售额或订单数偏差多少（如直接求和与 2.5 的对比），方向和量级正确（1 分）",
            "针对源系统提出至少两条可执行的改进（如统一价格与时间格式、导出时去重、退款用状态字段代替红冲行、测试/费用商品单独编码）（1 分）",
            "说明今后如何持续监控（数据质量报告的指标与阈值），并提到至少一条隐私或合规上的注意事项（1 分）",
        ),
    ),
]
