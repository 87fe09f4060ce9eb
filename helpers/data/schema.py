"""每张表的文件名、列与类型（写文件和读文件都以这里为准）。

类型记号：int（int64）、Int64（可空整数）、float、str、cat（pandas category）、bool、
datetime（精确到秒）、date（只有日期）。ID 一律为 int64（可能为空的外键用 Int64）。
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    """一张表的写出/读入约定。"""

    name: str
    columns: dict[str, str]
    sort_by: tuple[str, ...]
    gzip: bool = False
    description: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv.gz" if self.gzip else f"{self.name}.csv"


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "customers",
            {
                "customer_id": "int",
                "signup_date": "date",
                "gender": "cat",
                "age": "int",
                "province": "cat",
                "city": "cat",
                "city_tier": "cat",
                "acquisition_channel": "cat",
                "member_level": "cat",
            },
            ("customer_id",),
            description="客户档案",
        ),
        TableSpec(
            "products",
            {
                "product_id": "int",
                "product_name": "str",
                "category": "cat",
                "subcategory": "cat",
                "category_id": "int",
                "brand": "cat",
                "price": "float",
                "cost": "float",
                "supplier_id": "int",
                "launch_date": "date",
            },
            ("product_id",),
            description="商品目录",
        ),
        TableSpec(
            "suppliers",
            {
                "supplier_id": "int",
                "supplier_name": "str",
                "province": "cat",
                "main_category": "cat",
                "promised_lead_days": "int",
                "cooperation_since": "date",
            },
            ("supplier_id",),
            description="供应商",
        ),
        TableSpec(
            "orders",
            {
                "order_id": "int",
                "customer_id": "int",
                "order_time": "datetime",
                "channel": "cat",
                "warehouse": "cat",
                "status": "cat",
                "gross_amount": "float",
                "discount_amount": "float",
                "pay_amount": "float",
                "coupon_id": "Int64",
                "promised_delivery_date": "date",
                "delivered_at": "datetime",
            },
            ("order_id",),
            gzip=True,
            description="订单",
        ),
        TableSpec(
            "order_items",
            {"order_id": "int", "product_id": "int", "quantity": "int", "unit_price": "float"},
            ("order_id", "product_id"),
            gzip=True,
            description="订单明细",
        ),
        TableSpec(
            "events",
            {"user_id": "int", "item_id": "int", "category_id": "int", "behavior_type": "cat", "timestamp": "int"},
            ("user_id", "timestamp"),
            gzip=True,
            description="用户行为日志（天池 UserBehavior 结构）",
        ),
        TableSpec(
            "reviews",
            {
                "review_id": "int",
                "order_id": "int",
                "product_id": "int",
                "customer_id": "int",
                "rating": "int",
                "review_text": "str",
                "review_time": "datetime",
            },
            ("review_id",),
            description="商品评价",
        ),
        TableSpec(
            "inventory",
            {
                "date": "date",
                "product_id": "int",
                "warehouse": "cat",
                "opening_stock": "int",
                "inbound_qty": "int",
                "sales_qty": "int",
                "closing_stock": "int",
                "unmet_qty": "int",
                "stockout": "bool",
            },
            ("date", "product_id", "warehouse"),
            gzip=True,
            description="每日库存",
        ),
        TableSpec(
            "purchase_orders",
            {
                "po_id": "int",
                "supplier_id": "int",
                "product_id": "int",
                "warehouse": "cat",
                "order_date": "date",
                "promised_date": "date",
                "received_date": "date",
                "quantity": "int",
                "unit_cost": "float",
                "total_cost": "float",
            },
            ("po_id",),
            description="采购单",
        ),
        TableSpec(
            "coupons",
            {
                "coupon_id": "int",
                "coupon_name": "str",
                "coupon_type": "cat",
                "value": "float",
                "threshold": "float",
                "start_date": "date",
                "end_date": "date",
                "campaign": "cat",
            },
            ("coupon_id",),
            description="优惠券",
        ),
        TableSpec(
            "coupon_grants",
            {
                "grant_id": "int",
                "customer_id": "int",
                "group": "cat",
                "segment": "cat",
                "coupon_id": "Int64",
                "granted_at": "datetime",
                "converted": "bool",
                "redeemed": "bool",
                "order_id": "Int64",
            },
            ("grant_id",),
            description="优惠券随机实验的发放记录",
        ),
        TableSpec(
            "marketing_spend",
            {"date": "date", "channel": "cat", "spend": "float", "impressions": "int", "clicks": "int"},
            ("date", "channel"),
            description="渠道每日投放",
        ),
        TableSpec(
            "touchpoints",
            {"touch_id": "int", "customer_id": "int", "touch_time": "datetime", "channel": "cat", "order_id": "Int64"},
            ("touch_id",),
            gzip=True,
            description="营销触点",
        ),
        TableSpec(
            "service_tickets",
            {
                "ticket_id": "int",
                "customer_id": "int",
                "order_id": "Int64",
                "ticket_type": "cat",
                "topic": "cat",
                "channel": "cat",
                "created_at": "datetime",
                "first_response_minutes": "float",
                "resolved": "bool",
                "resolved_at": "datetime",
                "csat": "Int64",
                "agent_id": "int",
                "handle_minutes": "float",
            },
            ("ticket_id",),
            description="客服工单",
        ),
        TableSpec(
            "agents",
            {
                "agent_id": "int",
                "team": "cat",
                "employment": "cat",
                "shift": "cat",
                "rest_days": "str",
                "skill_level": "int",
                "hire_date": "date",
            },
            ("agent_id",),
            description="客服坐席（班次、轮休、技能）",
        ),
        TableSpec(
            "surveys",
            {
                "survey_id": "int",
                "customer_id": "int",
                "order_id": "int",
                "survey_time": "datetime",
                "score_quality": "int",
                "score_logistics": "int",
                "score_service": "int",
                "score_overall": "int",
                "recommend_score": "int",
            },
            ("survey_id",),
            description="满意度调查",
        ),
        TableSpec(
            "orders_raw",
            {
                "order_no": "str",
                "sku": "str",
                "product_name": "str",
                "quantity": "str",
                "unit_price": "str",
                "order_time": "str",
                "customer_id": "str",
                "province": "str",
                "city": "str",
            },
            (),
            description="脏的订单明细导出（全部按字符串读入）",
        ),
        TableSpec(
            "coupon_ab_grants",
            {
                "grant_id": "int",
                "customer_id": "int",
                "arm": "cat",
                "coupon_id": "Int64",
                "granted_at": "datetime",
                "redeemed": "bool",
                "converted": "bool",
                "order_revenue": "float",
                "order_margin": "float",
            },
            ("grant_id",),
            description="券面设计 A/B/n 实验的发放记录（2024-04-08 起 14 天）",
        ),
        TableSpec(
            "ad_touches",
            {"touch_id": "int", "customer_id": "int", "touch_time": "datetime", "channel": "cat"},
            ("touch_id",),
            gzip=True,
            description="2024 年投放平台回传的广告点击（有因果真相的多触点旅程）",
        ),
        TableSpec(
            "ad_conversions",
            {"conversion_id": "int", "customer_id": "int", "conversion_time": "datetime", "conversion_value": "float"},
            ("conversion_id",),
            gzip=True,
            description="2024 年投放平台回传的转化",
        ),
        TableSpec(
            "ad_holdout",
            {"customer_id": "int", "group": "cat"},
            ("customer_id",),
            gzip=True,
            description="2024 年第二季度信息流广告留出实验的分组",
        ),
        TableSpec(
            "searches",
            {
                "search_id": "int",
                "user_id": "int",
                "query": "str",
                "timestamp": "int",
                "n_results": "int",
                "clicked_item_id": "Int64",
            },
            ("search_id",),
            gzip=True,
            description="站内搜索日志（events 窗口）",
        ),
        TableSpec(
            "invitations",
            {
                "invitation_id": "int",
                "inviter_id": "int",
                "invitee_id": "int",
                "invited_at": "datetime",
                "channel": "cat",
            },
            ("invitation_id",),
            description="邀请好友注册的记录",
        ),
        TableSpec(
            "shares",
            {
                "share_id": "int",
                "customer_id": "int",
                "product_id": "int",
                "shared_at": "datetime",
                "channel": "cat",
                "clicks": "int",
                "conversions": "int",
            },
            ("share_id",),
            gzip=True,
            description="商品分享及其带来的点击与成交",
        ),
        TableSpec(
            "winback_grants",
            {
                "grant_id": "int",
                "customer_id": "int",
                "group": "cat",
                "coupon_id": "Int64",
                "sent_at": "datetime",
                "recency_days": "int",
                "converted": "bool",
                "redeemed": "bool",
                "order_id": "Int64",
            },
            ("grant_id",),
            description="挽回实验的发放记录（2024-08-01 发券，30 天窗口；1:1 随机）",
        ),
        TableSpec(
            "promotions",
            {
                "promotion_id": "str",
                "promotion_name": "str",
                "promo_type": "cat",
                "product_id": "int",
                "start_date": "date",
                "end_date": "date",
                "price_factor": "float",
                "rule": "str",
            },
            ("promotion_id",),
            description="2024 上半年的单品促销活动（限时抢购、买一赠一）",
        ),
        TableSpec(
            "carriers",
            {
                "carrier_id": "int",
                "carrier_name": "str",
                "service_level": "cat",
                "standard_days": "int",
                "promised_on_time_rate": "float",
            },
            ("carrier_id",),
            description="承运商（合同承诺准时率，不是实际准时率）",
        ),
        TableSpec(
            "carrier_rates",
            {
                "carrier_id": "int",
                "city_tier": "cat",
                "base_fee": "float",
                "extra_item_fee": "float",
                "peak_surcharge": "float",
            },
            ("carrier_id", "city_tier"),
            description="运价表：承运商 × 收货城市等级",
        ),
        TableSpec(
            "shipments",
            {
                "order_id": "int",
                "carrier_id": "int",
                "warehouse": "cat",
                "province": "cat",
                "shipped_at": "datetime",
                "shipping_cost": "float",
            },
            ("order_id",),
            gzip=True,
            description="发货记录：每张发出的订单（未取消）一行",
        ),
    ]
}

TRUTH_FILE = "truth.json"
MANIFEST_FILE = "manifest.json"
# 答案表（answer table）：太大放不进 truth.json 的答案（如每位客户的真实类型），
# 每张一个 truth_<名字>.csv.gz，和数据表一样写进清单、读前校验。
ANSWER_PREFIX = "truth_"
ANSWER_SUFFIX = ".csv.gz"


def answer_filename(name: str) -> str:
    """答案表的文件名。

    示例::

        >>> answer_filename("customer_types")
        'truth_customer_types.csv.gz'
    """
    return f"{ANSWER_PREFIX}{name}{ANSWER_SUFFIX}"


# 规模档位的名字与默认种子（各档位的大小参数属于生成器：coursekit/world/config.py）。
SCALE_NAMES: tuple[str, ...] = ("tiny", "small", "large")
DEFAULT_SEED = 20241111


def check_scale_name(scale: str) -> str:
    """检查规模名是否有效，原样返回；未知名字抛出中文 ValueError。

    示例::

        >>> check_scale_name("small")
        'small'
        >>> check_scale_name("huge")
        Traceback (most recent call last):
        ...
        ValueError: 未知的数据规模 'huge'（unknown scale），可选：tiny, small, large
    """
    if scale not in SCALE_NAMES:
        raise ValueError(f"未知的数据规模 {scale!r}（unknown scale），可选：{', '.join(SCALE_NAMES)}")
    return scale
