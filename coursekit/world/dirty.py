"""orders_raw：2024 年第四季度（含双十一）订单明细的“原始导出”，故意弄脏，给第 2 章练清洗。

故障种类仿照 UCI Online Retail II，换成中国网店的样子；每种故障的数量写进答案 truth["orders_raw"]。
正确清洗后（去重、去测试/费用行、去赠品、去退款对冲行及其原行、修正价格与日期、统一省份），
剩下的行正好是 orders 表里同期“已完成”订单的明细，收入与 truth 中的 clean_revenue 一致。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RAW_START = pd.Timestamp("2024-10-01")
SHORT_PROVINCE = {
    "北京市": "北京",
    "上海市": "上海",
    "天津市": "天津",
    "重庆市": "重庆",
    "广东省": "广东",
    "浙江省": "浙江",
    "江苏省": "江苏",
    "四川省": "四川",
    "广西壮族自治区": "广西",
}
DATE_FORMATS = {
    "iso": "%Y-%m-%d %H:%M:%S",
    "slash": "%Y/%m/%d %H:%M",
    "chinese": "%Y年%m月%d日 %H:%M",
    "compact": "%Y%m%d%H%M%S",
}
PRICE_FORMATS = ["plain", "yen", "yen_thousands", "yuan_suffix"]


def _fmt_price(values: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """按格式把价格写成字符串：129.9 / ¥129.90 / ￥1,299.00 / 129.90元。"""
    plain = np.array([f"{v:g}" for v in values], dtype=object)
    two = np.array([f"{v:.2f}" for v in values], dtype=object)
    thousands = np.array([f"{v:,.2f}" for v in values], dtype=object)
    return np.select([kind == 0, kind == 1, kind == 2], [plain, "¥" + two, "￥" + thousands], two + "元")


def _fmt_time(ts: pd.Series, kind: np.ndarray) -> np.ndarray:
    """按格式把时间写成字符串（四种格式混用）。"""
    out = np.empty(len(ts), dtype=object)
    for i, fmt in enumerate(DATE_FORMATS.values()):
        sel = kind == i
        out[sel] = ts[sel].dt.strftime(fmt).to_numpy()
    return out


def make_orders_raw(
    orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict]:
    """生成脏数据表和各类故障的计数（字典，写入 truth）。全部列都是字符串。"""
    o = orders[(orders["order_time"] >= RAW_START) & orders["status"].isin(["已完成", "已退款"])]
    o = o.merge(customers[["customer_id", "province", "city"]], on="customer_id", how="left")
    lines = items.merge(
        o[["order_id", "customer_id", "order_time", "delivered_at", "status", "province", "city"]], on="order_id"
    ).merge(products[["product_id", "product_name"]], on="product_id")
    lines = lines.sort_values(["order_time", "order_id", "product_id"]).reset_index(drop=True)
    clean_revenue = float(
        (
            lines.loc[lines["status"] == "已完成", "quantity"] * lines.loc[lines["status"] == "已完成", "unit_price"]
        ).sum()
    )
    n_clean_lines = int((lines["status"] == "已完成").sum())
    n_clean_orders = int(lines.loc[lines["status"] == "已完成", "order_id"].nunique())

    lines["order_no"] = lines["order_id"].astype(str)
    lines["kind"] = "正常"
    # 退款：追加以 C 开头、数量为负的对冲行
    refund = lines[lines["status"] == "已退款"].copy()
    refund["order_no"] = "C" + refund["order_no"]
    refund["quantity"] = -refund["quantity"]
    refund["order_time"] = refund["delivered_at"] + pd.Timedelta(days=2)
    refund["kind"] = "退款对冲"
    # 赠品：单价 0
    gift = lines.sample(frac=0.006, random_state=rng.integers(2**31)).copy()
    gift["unit_price"] = 0.0
    gift["quantity"] = 1
    gift["kind"] = "赠品"
    # 测试/费用行
    fee_src = lines.sample(n=max(6, len(lines) // 400), random_state=rng.integers(2**31)).copy()
    fee_kind = rng.choice(3, len(fee_src))
    fee_src["product_id"] = np.select([fee_kind == 0, fee_kind == 1], [-1, -2], -3)
    fee_src["product_name"] = np.select([fee_kind == 0, fee_kind == 1], ["测试商品请勿发货", "运费补差"], "包装费")
    fee_src["unit_price"] = np.select([fee_kind == 0, fee_kind == 1], [0.01, 10.0], 5.0)
    fee_src["quantity"] = 1
    fee_src["kind"] = "测试/费用"
    # 极端值：一笔 8000 件的下单又整单冲销；几行单价多打了两个 0
    big = lines.iloc[[int(rng.integers(len(lines)))]].copy()
    big["quantity"] = 8000
    big["order_no"] = "9" + big["order_no"]
    big["kind"] = "极端数量"
    big_c = big.copy()
    big_c["order_no"] = "C" + big_c["order_no"]
    big_c["quantity"] = -8000
    big_c["order_time"] = big_c["order_time"] + pd.Timedelta(hours=3)
    raw = pd.concat([lines, refund, gift, fee_src, big, big_c], ignore_index=True)
    n = len(raw)
    price_typo = (raw["kind"] == "正常").to_numpy() & (rng.random(n) < 0.0004)
    price_typo[int(np.flatnonzero((raw["kind"] == "正常").to_numpy())[0])] = True
    price_val = np.where(price_typo, raw["unit_price"].to_numpy() * 100, raw["unit_price"].to_numpy())

    sku = np.select(
        [raw["product_id"] == -1, raw["product_id"] == -2, raw["product_id"] == -3],
        ["TEST-0001", "FEE-SHIP", "FEE-PACK"],
        "HM-" + raw["product_id"].astype(str),
    )
    lower = (rng.random(n) < 0.02) & (raw["product_id"] > 0).to_numpy()
    sku = np.where(lower, np.char.lower(sku.astype(str)), sku).astype(object)
    sku_space = rng.random(n) < 0.015
    sku = np.where(sku_space, sku + " ", sku)
    name = raw["product_name"].to_numpy().astype(object)
    name_space = rng.random(n) < 0.03
    name = np.where(name_space, np.where(rng.random(n) < 0.5, " " + name, name + "  "), name)

    price_kind = rng.choice(4, n, p=[0.45, 0.25, 0.10, 0.20])
    time_kind = rng.choice(4, n, p=[0.55, 0.20, 0.15, 0.10])
    # 缺失客户号：按订单整单缺失（游客下单/导出故障）
    miss_orders = raw["order_id"].drop_duplicates().sample(frac=0.15, random_state=rng.integers(2**31))
    missing_cid = raw["order_id"].isin(miss_orders).to_numpy()
    has_time = raw["order_time"].notna().to_numpy()  # 退款冲销行没有时间，不属于任何日期格式
    prov = raw["province"].to_numpy().astype(object)
    short = (rng.random(n) < 0.3) & np.isin(prov, list(SHORT_PROVINCE))
    prov = np.where(short, pd.Series(prov).map(SHORT_PROVINCE).to_numpy(), prov)
    unknown = rng.random(n) < 0.01
    prov = np.where(unknown, "未知", prov)

    out = pd.DataFrame(
        {
            "order_no": raw["order_no"].to_numpy(),
            "sku": sku,
            "product_name": name,
            "quantity": raw["quantity"].astype(str).to_numpy(),
            "unit_price": _fmt_price(price_val, price_kind),
            "order_time": _fmt_time(raw["order_time"].reset_index(drop=True), time_kind),
            "customer_id": np.where(missing_cid, "", raw["customer_id"].astype(str).to_numpy()),
            "province": prov,
            "city": raw["city"].to_numpy(),
            "_t": raw["order_time"].to_numpy(),
        }
    )
    # 完全重复的行（导出时重复写入）
    dup = out.sample(frac=0.01, random_state=rng.integers(2**31))
    out = pd.concat([out, dup], ignore_index=True)
    out["_r"] = rng.random(len(out))
    out = out.sort_values(["_t", "order_no", "_r"]).drop(columns=["_t", "_r"]).reset_index(drop=True)
    faults = {
        "rows_total": int(len(out)),
        "exact_duplicate_rows": int(len(dup)),
        "missing_customer_id_rows": int((out["customer_id"] == "").sum()),
        "cancellation_rows": int(out["order_no"].str.startswith("C").sum()),
        "refund_cancellation_rows": int(len(refund)),
        "gift_zero_price_rows": int(len(gift)),
        "test_or_fee_rows": int(len(fee_src)),
        "test_rows": int((fee_kind == 0).sum()),
        "fee_rows": int((fee_kind != 0).sum()),
        "extreme_quantity_pair": {"order_no": str(big["order_no"].iloc[0]), "quantity": 8000, "rows": 2},
        "price_typo_rows_x100": int(price_typo.sum()),
        # 每一行多打两个 0 的明细属于哪张订单、订单最终状态（已退款订单的行会随冲销一起被清洗掉）
        "price_typo_lines": [
            {"order_no": str(r.order_no), "sku": f"HM-{int(r.product_id)}", "status": str(r.status)}
            for r in raw.loc[price_typo, ["order_no", "product_id", "status"]].itertuples()
        ],
        "price_format_counts": {k: int((price_kind == i).sum()) for i, k in enumerate(PRICE_FORMATS)},
        "date_format_counts": {k: int(((time_kind == i) & has_time).sum()) for i, k in enumerate(DATE_FORMATS)},
        "empty_time_rows": int((~has_time).sum()),
        "province_short_form_rows": int((short & ~unknown).sum()),
        "province_unknown_rows": int(unknown.sum()),
        "sku_lowercase_rows": int(lower.sum()),
        "sku_trailing_space_rows": int(sku_space.sum()),
        "product_name_whitespace_rows": int(name_space.sum()),
        "note": (
            "missing_customer_id_rows 与 cancellation_rows 按导出的整张表计（含重复行的副本）；"
            "其余各项计数不含重复行的副本（副本是整行照抄）。先被简写、又被覆盖成“未知”的省份只算作未知。"
        ),
        "clean_lines": n_clean_lines,
        "clean_orders": n_clean_orders,
        "clean_revenue": round(clean_revenue, 2),
        "period": [RAW_START.strftime("%Y-%m-%d"), "2024-12-31"],
    }
    return out, faults
