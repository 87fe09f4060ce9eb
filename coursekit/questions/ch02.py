"""第 2 章 数据获取与预处理（ch02_data_preparation）的练习题库。

练习覆盖全章，而且都换了课上没用过的切片：

- 2.1 采集：解析课上没解析过的字段——详情页里的类目与服务标签（HTML），物流轨迹里揽收到签收的时长（JSON）；
- 2.2 清洗与预处理：一份**换了随机种子**的脏订单明细 ``raw_orders_sample(SAMPLE_SEED)``（毛病的种类与课上的
  orders_raw 相同，数量和位置不同），外加假名化和“截止日之前的特征”；
- 2.3 整合与存储：样本订单关联订单表和顾客表（``validate=``），样本明细写进 SQLite 后用 SQL 汇总 12 月。

期望值都由下面的参考代码从 ``helpers.data`` 和仓库里的离线采集样例现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from coursekit.exercises.rules import FrameRule, Label, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes

SAMPLE_SEED = 2025
SAMPLE_ORDERS = 2000
PSEUDONYM_KEY = "禾木-练习2.8-密钥"  # 题目里给出的密钥（真实项目里密钥绝不能写进代码）
FEATURE_CUTOFF = "2024-10-01"  # 2.9 的截止日：特征只用它之前的订单，标签看它之后（到数据结束的 12-31）
SQL_MONTH_START = "2024-12-01"  # 2.11 只汇总 12 月的明细


# ---------------------------------------------------------------- 2.1 采集：离线的网页与接口样例


def _web() -> Path:
    from helpers import data

    return data.data_dir().parent / "web"


def page_categories() -> pd.DataFrame:
    """2.1 18 个商品详情页（新旧两套模板）：每个一级类目的商品件数与其中标着“包邮”的件数。"""
    from bs4 import BeautifulSoup

    rows = []
    for path in sorted((_web() / "shop" / "item").glob("*.html")):
        soup = BeautifulSoup(path.read_bytes(), "lxml")
        if soup.select_one("div.detail") is not None:  # 新模板：规格表 + 标签列表
            specs = {
                tr.select_one("th").get_text(strip=True): tr.select_one("td").get_text(strip=True)
                for tr in soup.select("table.specs tr")
            }
            category = specs["类目"].split(">")[0].strip()
            tags = [li.get_text(strip=True) for li in soup.select("ul.tags li")]
        else:  # 旧模板：字段都在段落文字里
            category = re.search(r"类目：(\S+)", soup.select_one("p.goods-spec").get_text()).group(1)
            tags = soup.select_one("p.goods-service").get_text(strip=True).removeprefix("服务：").split("、")
        rows.append({"category": category, "free_shipping": "包邮" in tags})
    pages = pd.DataFrame(rows)
    out = pages.groupby("category").agg(n_items=("free_shipping", "size"), free_shipping=("free_shipping", "sum"))
    return out.reset_index()


def _shipment_records() -> list[dict]:
    import json

    records, page = [], 1
    while True:
        resp = json.loads((_web() / "api" / f"shipments_page_{page}.json").read_text(encoding="utf-8"))
        records.extend(resp["data"]["list"])
        if not resp["data"]["has_more"]:
            return records
        page += 1


def carrier_hours() -> pd.DataFrame:
    """2.2 物流接口三页运单：每家承运商的运单数，以及从“已揽收”(10) 到“已签收”(40) 的平均小时数。"""
    traces = pd.json_normalize(_shipment_records(), record_path="traces", meta=["waybill_no", ["carrier", "name"]])
    traces["time"] = pd.to_datetime(traces["time"], utc=True)
    picked = traces[traces["status_code"] == 10].set_index("waybill_no")
    signed = traces[traces["status_code"] == 40].set_index("waybill_no")
    hours = (signed["time"] - picked["time"]).dt.total_seconds() / 3600
    per = pd.DataFrame({"carrier": picked["carrier.name"], "hours": hours})
    out = per.groupby("carrier").agg(n_waybills=("hours", "size"), mean_hours=("hours", "mean"))
    return out.reset_index()


# ---------------------------------------------------------------- 2.2 清洗：换了种子的脏订单明细


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


def _clean_with_customers() -> pd.DataFrame:
    """清洗结果加上整数订单号 order_id，并把缺失的客户号按订单号从 orders 表补回（整数类型）。"""
    from helpers.data import load

    c = _clean()
    c["order_id"] = c["order_no"].astype(int)
    from_orders = c["order_id"].map(load("orders").set_index("order_id")["customer_id"])
    c["customer_id"] = pd.to_numeric(c["customer_id"]).astype("Int64").fillna(from_orders)
    return c


def exact_duplicates() -> int:
    """2.3 完全重复（每一列都相同）的行数，不算第一次出现的那行。"""
    return int(_raw().duplicated().sum())


def rows_by_province() -> pd.Series:
    """2.4 去重后各省份（统一为全称，“未知”按城市补全）的行数。"""
    from helpers import prep

    d = _dedup()
    prov = prep.standardize_province(d["province"])
    city_map = pd.DataFrame({"city": d["city"], "p": prov}).dropna().drop_duplicates().set_index("city")["p"]
    prov = prov.fillna(d["city"].map(city_map))
    return prov.value_counts()


def price_typo_rows() -> int:
    """2.5 单价恰好是目录价 100 倍的行数（只看剔除非商品行和赠品之后的商品行）。"""
    d = _standardized()
    d = d[d["sku"].str.fullmatch(r"HM-\d+") & (d["unit_price"] > 0)]
    return int((_catalog_ratio(d) == 100).sum())


def clean_revenue() -> float:
    """2.6 清洗后（只剩已完成订单的商品明细）的商品金额：数量 × 单价之和（扣优惠前）。"""
    c = _clean()
    return float((c["quantity"] * c["unit_price"]).sum())


def daily_orders() -> pd.Series:
    """清洗后每天的订单数（按订单号去重；10-01 到 12-31 每天一个值）。"""
    c = _clean().drop_duplicates("order_no")
    return c.set_index("order_time").resample("D")["order_no"].count()


def daily_orders_plot():
    """2.7 清洗后每天订单数的折线图（一条线，92 个点）。"""
    per_day = daily_orders()
    return reference_axes(
        "line", per_day.index, per_day.values, title="练习样本清洗后每天的订单数（2024 年第四季度）",
        xlabel="下单日期", ylabel="订单数（单/天）",
    )  # fmt: skip


def top_pseudonym() -> str:
    """2.8 用题目给的密钥假名化客户号后，商品金额最高的那位顾客的假名。"""
    from helpers import prep

    c = _clean_with_customers()
    c["pseudonym"] = prep.pseudonymize(c["customer_id"], key=PSEUDONYM_KEY)
    spend = (c["quantity"] * c["unit_price"]).groupby(c["pseudonym"]).sum()
    return str(spend.idxmax())


# ---------------------------------------------------------------- 2.2.2 特征与泄漏


def recency_feature_check() -> pd.Series:
    """2.9 截止 2024-10-01：曾购顾客数、第四季度回购比例、只用截止日之前信息的 recency_days 作分数时的 ROC-AUC。"""
    from sklearn.metrics import roc_auc_score

    from helpers.data import load

    orders = load("orders")
    done = orders[orders["status"] == "已完成"]
    cutoff = pd.Timestamp(FEATURE_CUTOFF)
    before, after = done[done["order_time"] < cutoff], done[done["order_time"] >= cutoff]
    recency = (cutoff - before.groupby("customer_id")["order_time"].max()).dt.days
    label = recency.index.isin(after["customer_id"])
    return pd.Series(
        {
            "n_customers": len(recency),
            "positive_rate": float(label.mean()),
            "auc": float(roc_auc_score(label, -recency)),
        }
    )


# ---------------------------------------------------------------- 2.3 整合与存储


def pay_by_city_tier() -> pd.Series:
    """2.10 清洗后样本里的订单（一单一行）关联 orders 的实付金额和 customers 的城市等级：各城市等级的销售额。"""
    from helpers.data import load

    ids = pd.DataFrame({"order_id": _clean_with_customers()["order_id"].unique()})
    orders = ids.merge(load("orders")[["order_id", "customer_id", "pay_amount"]], on="order_id", validate="one_to_one")
    tiers = load("customers")[["customer_id", "city_tier"]]
    with_tier = orders.merge(tiers, on="customer_id", how="left", validate="many_to_one")
    return with_tier.groupby("city_tier", observed=True)["pay_amount"].sum()


def december_by_category_sql() -> pd.DataFrame:
    """2.11 样本明细与商品表写进内存 SQLite，用 SQL 汇总 12 月各品类的订单数与商品金额。"""
    import sqlite3

    from helpers.data import load

    c = _clean()
    lines = pd.DataFrame(
        {
            "order_no": c["order_no"],
            "product_id": c["sku"].str[3:].astype(int),
            "quantity": c["quantity"],
            "unit_price": c["unit_price"],
            "order_time": c["order_time"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    con = sqlite3.connect(":memory:")
    try:
        lines.to_sql("sales_lines", con, index=False)
        load("products")[["product_id", "category"]].to_sql("products", con, index=False)
        query = """
            SELECT p.category, COUNT(DISTINCT s.order_no) AS n_orders, SUM(s.quantity * s.unit_price) AS amount
            FROM sales_lines AS s JOIN products AS p ON s.product_id = p.product_id
            WHERE s.order_time >= ?
            GROUP BY p.category
        """
        return pd.read_sql(query, con, params=(SQL_MONTH_START,))
    finally:
        con.close()


QUESTIONS = [
    Question(
        "2.1",
        3,
        "auto",
        "从商品详情页解析类目与“包邮”标签",
        page_categories,
        FrameRule(rtol=0, atol=0),
        "18 个详情页都要算上：新模板的类目在规格表 table.specs 里（th 是字段名、td 是值，取“>”前面的一级类目），"
        "旧模板的类目和服务都写在段落文字里，要用正则表达式抠出来。最常见的错是只处理了新模板，件数因此偏少；"
        "“包邮”要按标签整个比较，每件商品最多算一次。",
    ),
    Question(
        "2.2",
        3,
        "auto",
        "物流接口：各承运商从揽收到签收的平均时长",
        carrier_hours,
        FrameRule(rtol=1e-6),
        '三页都要读（按 has_more 翻页，不要只读第 1 页）；轨迹用 pd.json_normalize(记录, record_path="traces", '
        'meta=["waybill_no", ["carrier", "name"]]) 展开。每张运单取状态码 10 和 40 两行的时间相减，'
        "时间差用 .dt.total_seconds() / 3600 换成小时，再按承运商求运单数和平均值。",
    ),
    Question(
        "2.3",
        2,
        "auto",
        "完全重复的行数",
        exact_duplicates,
        Number(rtol=0, atol=0),
        "用 raw.duplicated() 标出“第二次及以后出现”的整行重复，再求和；keep=False 会把第一次出现的那行也算进去。",
    ),
    Question(
        "2.4",
        3,
        "auto",
        "统一省份写法后各省的行数",
        rows_by_province,
        SeriesRule(rtol=0, atol=0),
        "先 drop_duplicates()；省份统一成全称（prep.standardize_province 或自己建对照表），"
        "“未知”用“城市 → 省份”的对应关系补上，最后 value_counts()。",
    ),
    Question(
        "2.5",
        2,
        "auto",
        "单价多打两个 0 的行数",
        price_typo_rows,
        Number(rtol=0, atol=0),
        "价格要先解析成数字、SKU 要先统一大小写和空格；剔除非 HM- 编码的行和单价为 0 的赠品后，"
        "把单价与 products 表的 price 相除，数一数比值等于 100 的行。",
    ),
    Question(
        "2.6",
        3,
        "auto",
        "清洗后的商品金额",
        clean_revenue,
        Number(rtol=1e-9, atol=0.005),
        "按课上的顺序：去重 → 统一 SKU → 解析价格 → 剔除测试/费用行、赠品、以 C 开头的冲销行以及被冲销的原订单 "
        "→ 把多打两个 0 的单价除以 100 → 求 数量 × 单价 之和。只删冲销行、留下被冲销的原订单，结果会偏大。",
    ),
    Question(
        "2.7",
        2,
        "auto",
        "清洗后每天订单数的折线图",
        daily_orders_plot,
        PlotRule(kind="line", rtol=0, atol=0),
        "在 2.6 的清洗结果上先按订单号去重（一张订单可能有好几行明细，直接数行会偏多），"
        '再按下单时间 resample("D") 计数；图里只画这一条线（不要另加参考线），92 个点。',
    ),
    Question(
        "2.8",
        2,
        "auto",
        "假名化之后找出消费最多的顾客",
        top_pseudonym,
        Label(),
        "先把缺失的客户号按订单号从 orders 表补回，并保证客户号是整数：如果它变成了 20282.0 这样的小数，"
        "假名就和别人算的完全不同。再用 prep.pseudonymize(客户号, key=题目给的密钥)，按假名汇总 数量 × 单价，取最大的那个假名。",
    ),
    Question(
        "2.9",
        3,
        "auto",
        "只用截止日之前信息的特征：recency 的 ROC-AUC",
        recency_feature_check,
        SeriesRule(rtol=1e-6),
        "只看已完成订单。特征只能用 2024-10-01 之前的订单：recency_days = 截止日 − 截止日前最后一次下单，按天；"
        "标签是截止日及以后有没有再下单。最常见的错是用全部订单算“最后一次下单”——那就偷看了答案，AUC 会接近 1。"
        "天数越小越可能回来，所以分数要用 −recency_days。",
    ),
    Question(
        "2.10",
        3,
        "auto",
        "关联订单表和顾客表：各城市等级的销售额",
        pay_by_city_tier,
        SeriesRule(rtol=1e-6),
        '实付金额 pay_amount 是订单级的：先把样本明细收成一单一行的订单号，再和 orders 关联（validate="one_to_one"），'
        '然后按 customer_id 关联 customers（validate="many_to_one"）。直接把 pay_amount 关联到明细上再求和，'
        "有几行明细就会被加几次，结果会大很多。",
    ),
    Question(
        "2.11",
        3,
        "auto",
        "用 SQL 汇总 12 月各品类的订单数与商品金额",
        december_by_category_sql,
        FrameRule(rtol=1e-9, atol=0.005),
        '写进 SQLite 之前把下单时间转成 "2024-12-01 08:30:00" 这样的文字，WHERE 才能按文字比较日期；'
        "订单数要用 COUNT(DISTINCT 订单号)，COUNT(*) 数的是明细行；商品金额是 SUM(quantity * unit_price)，不要在 SQL 里取整。"
        "列名恰好是 category、n_orders、amount。",
    ),
    Question(
        "2.12",
        4,
        "open",
        "给数据负责人的数据质量建议",
        rubric=(
            "列出至少四类问题并给出各自的数量，与 2.3–2.6 的结果一致（如完全重复行数、单价笔误行数、“未知”省份、冲销行）（1 分）",
            "量化影响：用 2.6 的商品金额对比不清洗直接加总的结果，或用 2.10 说明订单级金额关联到明细会多算多少，方向和量级正确（1 分）",
            "针对源系统提出至少两条可执行的改进（如统一价格与时间格式、导出时去重、退款用状态字段代替红冲行、"
            "测试/费用商品单独编码、单价录入时与目录价校验）（1 分）",
            "说明今后如何持续监控（数据质量报告的指标与阈值），并提到隐私处理：对外只给假名化的客户号（2.8），"
            "密钥与数据分开保管（1 分）",
        ),
    ),
]
