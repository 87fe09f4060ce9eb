"""合成世界的全局设定：规模、日期范围、种子流，以及各表共用的中文取值。

老师想改“世界”的大小或故事强度，先看这里。
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data.schema import SCALE_NAMES, check_scale_name

GENERATOR_VERSION = "2.1.0"
SHOP_NAME = "禾木优选"

START = pd.Timestamp("2023-01-01")
END = pd.Timestamp("2024-12-31")  # 含当天
N_DAYS = (END - START).days + 1  # 731
DAYS = pd.date_range(START, END, freq="D")

# 用户行为日志（events）的窗口：双十一 2024 前后 6 周
EVENTS_START = pd.Timestamp("2024-10-21")
EVENTS_END = pd.Timestamp("2024-12-01")  # 含当天
# 客户流失的观察口径
CHURN_CUTOFF = pd.Timestamp("2024-07-01")
# 优惠券随机实验
EXPERIMENT_DATE = pd.Timestamp("2024-09-02")
EXPERIMENT_DAYS = 14
# 故事 9：券面设计 A/B/n 实验
COUPON_AB_DATE = pd.Timestamp("2024-04-08")
COUPON_AB_DAYS = 14
# 故事 13：挽回实验（发券日与结果窗口；在 CHURN_CUTOFF 之后、优惠券实验之前，远离 propensity 的 12 月窗口）
WINBACK_DATE = pd.Timestamp("2024-08-01")
WINBACK_DAYS = 30
# 所有实验的窗口（开始, 天数）：互不重叠
EXPERIMENT_WINDOWS = {
    "coupon_experiment": (EXPERIMENT_DATE, EXPERIMENT_DAYS),
    "coupon_ab": (COUPON_AB_DATE, COUPON_AB_DAYS),
    "winback": (WINBACK_DATE, WINBACK_DAYS),
}
_w = sorted(EXPERIMENT_WINDOWS.values())
assert all(a + pd.Timedelta(days=n) <= b for (a, n), (b, _) in zip(_w[:-1], _w[1:], strict=True)), "实验窗口不能重叠"


@dataclass(frozen=True)
class Scale:
    """一个规模档位的参数。"""

    name: str
    n_customers: int
    n_products: int
    n_bots: int
    n_fraud_orders: int
    events_chunk_users: int  # 生成 events 时每块的用户数（控制内存）


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 800, 60, 3, 6, 10_000),
    "small": Scale("small", 24_000, 400, 15, 40, 5_000),
    "large": Scale("large", 450_000, 1_200, 150, 400, 8_000),
}
assert tuple(SCALES) == SCALE_NAMES, "规模档位须与 helpers.data.schema.SCALE_NAMES 一致"

CATEGORIES = ["服饰", "美妆", "食品", "家居", "数码", "母婴", "运动"]
ORDER_CHANNELS = ["App", "小程序", "PC", "直播"]
ACQ_CHANNELS = ["自然流量", "搜索广告", "信息流广告", "直播带货", "社交分享"]
AD_CHANNELS = ["搜索广告", "信息流广告", "直播带货", "社交分享", "短信推送"]
WAREHOUSES = ["华东仓", "华北仓", "华南仓"]
MEMBER_LEVELS = ["普通会员", "银卡会员", "金卡会员", "钻石会员"]
ORDER_STATUSES = ["已完成", "已取消", "已退款"]
CITY_TIERS = ["一线", "新一线", "二线", "三线及以下"]
ASPECTS = ["物流", "质量", "客服", "包装", "价格"]

# (城市, 省份, 城市等级, 仓库, 权重)
CITIES: list[tuple[str, str, str, str, float]] = [
    ("北京", "北京市", "一线", "华北仓", 6.0),
    ("上海", "上海市", "一线", "华东仓", 6.5),
    ("广州", "广东省", "一线", "华南仓", 5.0),
    ("深圳", "广东省", "一线", "华南仓", 5.0),
    ("杭州", "浙江省", "新一线", "华东仓", 4.0),
    ("成都", "四川省", "新一线", "华南仓", 4.0),
    ("武汉", "湖北省", "新一线", "华东仓", 3.5),
    ("南京", "江苏省", "新一线", "华东仓", 3.5),
    ("重庆", "重庆市", "新一线", "华南仓", 3.5),
    ("西安", "陕西省", "新一线", "华北仓", 3.0),
    ("苏州", "江苏省", "新一线", "华东仓", 3.0),
    ("天津", "天津市", "新一线", "华北仓", 2.5),
    ("长沙", "湖南省", "新一线", "华南仓", 2.5),
    ("郑州", "河南省", "新一线", "华北仓", 2.5),
    ("青岛", "山东省", "新一线", "华北仓", 2.0),
    ("宁波", "浙江省", "二线", "华东仓", 2.0),
    ("合肥", "安徽省", "二线", "华东仓", 2.0),
    ("福州", "福建省", "二线", "华南仓", 1.8),
    ("厦门", "福建省", "二线", "华南仓", 1.5),
    ("济南", "山东省", "二线", "华北仓", 1.8),
    ("沈阳", "辽宁省", "二线", "华北仓", 1.8),
    ("昆明", "云南省", "二线", "华南仓", 1.5),
    ("南宁", "广西壮族自治区", "二线", "华南仓", 1.2),
    ("石家庄", "河北省", "二线", "华北仓", 1.5),
    ("温州", "浙江省", "三线及以下", "华东仓", 1.5),
    ("洛阳", "河南省", "三线及以下", "华北仓", 1.2),
    ("赣州", "江西省", "三线及以下", "华南仓", 1.2),
    ("绵阳", "四川省", "三线及以下", "华南仓", 1.0),
    ("扬州", "江苏省", "三线及以下", "华东仓", 1.0),
    ("保定", "河北省", "三线及以下", "华北仓", 1.0),
    ("柳州", "广西壮族自治区", "三线及以下", "华南仓", 0.8),
    ("大庆", "黑龙江省", "三线及以下", "华北仓", 0.8),
]


def stream(seed: int, name: str) -> np.random.Generator:
    """按名字派生一个独立的随机数流：增加新表不会改变其他表的随机数。"""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))]))


def check_scale(scale: str) -> Scale:
    """把规模名换成参数；未知名字抛出中文 ValueError。"""
    return SCALES[check_scale_name(scale)]


def check_seed(seed: object) -> int:
    """检查种子是非负整数。"""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise ValueError(f"随机种子必须是非负整数（seed must be a non-negative int），收到 {seed!r}")
    return int(seed)
