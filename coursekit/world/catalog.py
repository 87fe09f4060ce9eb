"""商品目录、供应商与客户档案（模拟的“静态”部分）。"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.calendar import promo_multiplier
from coursekit.world.config import ACQ_CHANNELS, CITIES, DAYS, N_DAYS, Scale

# 子类目：(类目, 子类目, 价格中位数(元), 价格离散度(对数), 成本率)
SUBCATEGORIES: list[tuple[str, str, float, float, float]] = [
    ("服饰", "T恤", 79, 0.35, 0.45),
    ("服饰", "衬衫", 139, 0.35, 0.45),
    ("服饰", "牛仔裤", 189, 0.3, 0.45),
    ("服饰", "连衣裙", 229, 0.4, 0.42),
    ("服饰", "卫衣", 159, 0.3, 0.45),
    ("服饰", "羽绒服", 599, 0.35, 0.5),
    ("服饰", "运动袜", 29, 0.25, 0.4),
    ("美妆", "口红", 169, 0.35, 0.3),
    ("美妆", "面霜", 259, 0.45, 0.3),
    ("美妆", "精华液", 329, 0.45, 0.28),
    ("美妆", "洗面奶", 69, 0.3, 0.35),
    ("美妆", "卸妆水", 89, 0.3, 0.35),
    ("美妆", "面膜", 99, 0.35, 0.3),
    ("美妆", "洗发水", 59, 0.25, 0.4),
    ("美妆", "护发素", 55, 0.25, 0.4),
    ("食品", "咖啡豆", 89, 0.3, 0.55),
    ("食品", "咖啡滤纸", 19, 0.2, 0.5),
    ("食品", "坚果礼盒", 129, 0.3, 0.6),
    ("食品", "牛奶", 69, 0.2, 0.7),
    ("食品", "茶叶", 159, 0.5, 0.45),
    ("食品", "零食大礼包", 79, 0.3, 0.6),
    ("食品", "蜂蜜", 69, 0.3, 0.5),
    ("家居", "床单", 159, 0.3, 0.45),
    ("家居", "枕套", 49, 0.25, 0.45),
    ("家居", "收纳盒", 39, 0.35, 0.45),
    ("家居", "毛巾", 35, 0.3, 0.45),
    ("家居", "电动牙刷", 199, 0.35, 0.5),
    ("家居", "牙刷头", 49, 0.2, 0.4),
    ("家居", "香薰", 89, 0.35, 0.35),
    ("数码", "手机", 2999, 0.35, 0.82),
    ("数码", "耳机", 399, 0.5, 0.6),
    ("数码", "充电宝", 129, 0.3, 0.55),
    ("数码", "手机壳", 39, 0.3, 0.3),
    ("数码", "钢化膜", 25, 0.2, 0.25),
    ("数码", "智能手表", 899, 0.4, 0.65),
    ("数码", "键盘", 299, 0.45, 0.55),
    ("母婴", "纸尿裤", 129, 0.2, 0.6),
    ("母婴", "婴儿湿巾", 39, 0.2, 0.5),
    ("母婴", "奶粉", 299, 0.25, 0.65),
    ("母婴", "奶瓶", 89, 0.3, 0.45),
    ("母婴", "儿童玩具", 129, 0.5, 0.45),
    ("运动", "跑步鞋", 459, 0.35, 0.5),
    ("运动", "瑜伽垫", 99, 0.3, 0.45),
    ("运动", "瑜伽砖", 39, 0.25, 0.4),
    ("运动", "哑铃", 159, 0.4, 0.5),
    ("运动", "运动水壶", 59, 0.3, 0.4),
    ("运动", "运动服", 259, 0.35, 0.45),
]

# 植入的“经常一起买”的商品对：(子类目A, 子类目B, 目标支持度, 目标提升度)
PLANTED_PAIRS: list[tuple[str, str, float, float]] = [
    ("洗发水", "护发素", 0.022, 2.2),
    ("纸尿裤", "婴儿湿巾", 0.018, 2.5),
    ("手机壳", "钢化膜", 0.016, 2.6),
    ("咖啡豆", "咖啡滤纸", 0.011, 2.9),
    ("瑜伽垫", "瑜伽砖", 0.009, 3.1),
    ("电动牙刷", "牙刷头", 0.008, 2.9),
    ("床单", "枕套", 0.010, 2.4),
    ("跑步鞋", "运动袜", 0.007, 3.2),
]

BRANDS: dict[str, list[str]] = {
    "服饰": ["南岸", "素衣坊", "棉野", "北纬线"],
    "美妆": ["花间集", "澄肌", "若水", "颜究所"],
    "食品": ["山谷里", "味之源", "晨光农场", "豆本"],
    "家居": ["木栖", "简屋", "暖眠", "净朗"],
    "数码": ["极点", "迅充", "声悦", "星辰"],
    "母婴": ["小贝壳", "童心", "暖宝宝"],
    "运动": ["跃动", "山行", "轻氧"],
}
ADJECTIVES: dict[str, list[str]] = {
    "服饰": ["基础款", "宽松", "修身", "纯棉", "加厚", "轻薄", "复古"],
    "美妆": ["滋润", "清爽", "温和", "修护", "保湿", "控油", "焕亮"],
    "食品": ["精选", "有机", "家庭装", "原味", "臻选", "经典"],
    "家居": ["简约", "加厚", "北欧风", "抗菌", "柔软", "升级款"],
    "数码": ["新款", "旗舰", "轻薄", "快充", "降噪", "经典"],
    "母婴": ["超薄", "柔软", "防胀气", "安心", "益智", "加量装"],
    "运动": ["专业", "防滑", "轻量", "透气", "进阶", "入门款"],
}
SPECS: dict[str, list[str]] = {  # 按子类目的规格；没列出的子类目用“标准款”
    "T恤": ["白色 M", "黑色 L", "灰色 XL"],
    "衬衫": ["白色 M", "浅蓝 L", "条纹 M"],
    "牛仔裤": ["深蓝 29", "浅蓝 31", "黑色 30"],
    "连衣裙": ["碎花 S", "黑色 M", "米白 L"],
    "卫衣": ["灰色 L", "藏青 XL", "奶白 M"],
    "羽绒服": ["黑色 L", "米色 M", "藏青 XL"],
    "运动袜": ["5双装", "3双装", "白色 均码"],
    "口红": ["3.5g", "豆沙色", "正红色"],
    "面霜": ["50g", "30g"],
    "精华液": ["30ml", "50ml"],
    "洗面奶": ["100g", "150ml"],
    "卸妆水": ["200ml", "400ml"],
    "面膜": ["10片装", "5片装"],
    "洗发水": ["400ml", "750ml"],
    "护发素": ["200ml", "400ml"],
    "咖啡豆": ["250g", "500g", "1kg"],
    "咖啡滤纸": ["100片", "200片"],
    "坚果礼盒": ["750g", "1.2kg"],
    "牛奶": ["250ml×12盒", "250ml×24盒"],
    "茶叶": ["100g", "250g 礼盒"],
    "零食大礼包": ["20袋装", "40袋装"],
    "蜂蜜": ["500g", "1kg"],
    "床单": ["1.5m", "1.8m"],
    "枕套": ["2只装", "48×74cm"],
    "收纳盒": ["3个装", "大号"],
    "毛巾": ["4条装", "2条装"],
    "电动牙刷": ["声波款", "标准版"],
    "牙刷头": ["4支装", "2支装"],
    "香薰": ["200ml", "无火香薰"],
    "手机": ["128GB", "256GB"],
    "耳机": ["黑色", "白色"],
    "充电宝": ["10000mAh", "20000mAh"],
    "手机壳": ["透明", "磨砂黑"],
    "钢化膜": ["2片装", "防窥款"],
    "智能手表": ["46mm", "42mm"],
    "键盘": ["机械轴", "静音款"],
    "纸尿裤": ["S码", "M码", "L码"],
    "婴儿湿巾": ["80抽×6包", "80抽×12包"],
    "奶粉": ["1段 800g", "2段 800g", "3段 800g"],
    "奶瓶": ["240ml", "160ml"],
    "儿童玩具": ["3岁+", "6岁+"],
    "跑步鞋": ["42码", "40码", "38码"],
    "瑜伽垫": ["6mm", "8mm"],
    "瑜伽砖": ["2块装", "高密度"],
    "哑铃": ["5kg", "10kg"],
    "运动水壶": ["750ml", "1L"],
    "运动服": ["M", "L"],
}

# 供应商：(名称, 省份, 供货类目, 承诺交期(天), 实际平均延迟(天))；第 7 家是“迟到大户”
SUPPLIERS: list[tuple[str, str, str, int, float]] = [
    ("杭州云织服饰有限公司", "浙江省", "服饰", 7, 0.6),
    ("广州南风制衣有限公司", "广东省", "服饰", 8, 0.8),
    ("上海澄颜化妆品有限公司", "上海市", "美妆", 6, 0.5),
    ("云南山谷食品有限公司", "云南省", "食品", 5, 0.7),
    ("福建晨光食品贸易有限公司", "福建省", "食品", 5, 0.9),
    ("宁波木栖家居用品有限公司", "浙江省", "家居", 7, 0.7),
    ("佛山恒达家居制造有限公司", "广东省", "家居", 8, 6.5),
    ("深圳极点电子科技有限公司", "广东省", "数码", 6, 0.8),
    ("苏州贝壳母婴用品有限公司", "江苏省", "母婴", 6, 0.6),
    ("厦门跃动体育用品有限公司", "福建省", "运动", 7, 0.9),
]
LATE_SUPPLIER_ID = 7


def make_suppliers() -> pd.DataFrame:
    """供应商表（固定 10 家，与规模无关）。"""
    df = pd.DataFrame(
        SUPPLIERS, columns=["supplier_name", "province", "main_category", "promised_lead_days", "_mean_delay"]
    )
    df.insert(0, "supplier_id", np.arange(1, len(df) + 1, dtype=np.int64))
    df["cooperation_since"] = pd.to_datetime(
        [
            "2019-03-01",
            "2020-07-15",
            "2018-11-20",
            "2021-02-10",
            "2020-05-06",
            "2019-09-09",
            "2022-04-18",
            "2018-06-01",
            "2021-08-23",
            "2020-10-12",
        ]
    )
    return df


def _subcategory_slots(n_products: int, rng: np.random.Generator) -> np.ndarray:
    """给每个子类目分配商品数（每个至少 1 个）。"""
    n_sub = len(SUBCATEGORIES)
    extra = rng.multinomial(max(0, n_products - n_sub), np.full(n_sub, 1.0 / n_sub))
    return 1 + extra


def make_products(scale: Scale, rng: np.random.Generator, suppliers: pd.DataFrame) -> pd.DataFrame:
    """商品表：名称、类目、品牌、价格、成本、供应商、上架日期，以及隐藏的热度与品质。

    以下划线开头的列是模拟内部用的“真相”，写文件时会去掉。
    """
    counts = _subcategory_slots(scale.n_products, rng)
    rows = []
    for (cat, sub, med, sigma, cost_rate), k in zip(SUBCATEGORIES, counts, strict=True):
        for j in range(k):
            brand = BRANDS[cat][rng.integers(len(BRANDS[cat]))]
            adj = ADJECTIVES[cat][rng.integers(len(ADJECTIVES[cat]))]
            specs = SPECS.get(sub, ["标准款"])
            spec = specs[rng.integers(len(specs))]
            price = med * np.exp(rng.normal(0, sigma)) if j > 0 else med
            rows.append((cat, sub, brand, f"{brand} {adj}{sub} {spec}", price, cost_rate, j == 0))
    df = pd.DataFrame(
        rows, columns=["category", "subcategory", "brand", "product_name", "price", "_cost_rate", "_first_of_sub"]
    )
    # 价格取“.9”尾数，成本按成本率 ± 噪声
    df["price"] = np.maximum(np.round(df["price"] / 10) * 10 - 0.1, 9.9).round(2)
    df["cost"] = (df["price"] * df["_cost_rate"] * np.exp(rng.normal(0, 0.08, len(df)))).round(2)
    # 商品名去重（同名时加序号）
    dup = df.groupby("product_name").cumcount()
    df.loc[dup > 0, "product_name"] += " " + (dup[dup > 0] + 1).astype(str) + "代"
    df.insert(0, "product_id", np.arange(100001, 100001 + len(df), dtype=np.int64))
    sub_codes = {sub: 1001 + i for i, (_, sub, *_rest) in enumerate(SUBCATEGORIES)}
    df["category_id"] = df["subcategory"].map(sub_codes).astype(np.int64)
    df["supplier_id"] = _assign_suppliers(df, suppliers, rng)
    # 上架日期：大部分 2023 年前已上架，约 15% 是两年内的新品（植入商品对的商品一直在售）
    is_new = (rng.random(len(df)) < 0.15) & ~df["_first_of_sub"]
    old = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1090, len(df)), unit="D")
    new = DAYS[0] + pd.to_timedelta(rng.integers(0, N_DAYS - 60, len(df)), unit="D")
    df["launch_date"] = np.where(is_new, new, old)
    df["launch_date"] = pd.to_datetime(df["launch_date"])
    # 隐藏属性：热度（长尾）与品质（少数商品品质差 → 差评、退款、质量投诉）
    rank = rng.permutation(len(df)) + 1
    df["_popularity"] = 1.0 / rank**1.05
    df["_low_quality"] = (rng.random(len(df)) < 0.05) & ~df["_first_of_sub"]
    return df.drop(columns=["_cost_rate"])


def _assign_suppliers(products: pd.DataFrame, suppliers: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """按类目把商品分给供应商；植入商品对中的商品不交给迟到的供应商。"""
    out = np.zeros(len(products), dtype=np.int64)
    for cat, idx in products.groupby("category").groups.items():
        ids = suppliers.loc[suppliers["main_category"] == cat, "supplier_id"].to_numpy()
        pick = ids[rng.integers(0, len(ids), len(idx))]
        out[np.asarray(idx)] = pick
    late = out == LATE_SUPPLIER_ID
    keep_safe = products["_first_of_sub"].to_numpy() & late
    out[keep_safe] = LATE_SUPPLIER_ID - 1  # 同类目的另一家（6 号，家居）
    return out


def signup_day_weights() -> np.ndarray:
    """注册的日强度：两年里逐步增长，大促前后拉新多。"""
    trend = np.linspace(1.0, 1.45, N_DAYS)
    promo = promo_multiplier(DAYS) ** 0.6
    w = trend * promo
    return w / w.sum()


def make_customers(scale: Scale, rng: np.random.Generator) -> pd.DataFrame:
    """客户档案：注册日期、性别、年龄、地域、获客渠道（会员等级在订单生成后计算）。"""
    n = scale.n_customers
    day = np.sort(rng.choice(N_DAYS, size=n, p=signup_day_weights()))
    city_w = np.array([c[4] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=city_w / city_w.sum())
    gender = np.where(rng.random(n) < 0.62, "女", "男")
    age = np.clip(np.round(rng.gamma(9.0, 3.6, n) + 2), 18, 70).astype(np.int64)
    # 获客渠道：直播带货占比从 2023 年初的 10% 升到 2024 年底的 25%
    frac = day / (N_DAYS - 1)
    base = np.array([0.34, 0.22, 0.22, 0.10, 0.12])
    shift = np.array([-0.06, -0.03, -0.03, 0.15, -0.03])
    probs = base[None, :] + frac[:, None] * shift[None, :]
    u = rng.random(n)[:, None]
    acq = (u > np.cumsum(probs, axis=1)).sum(axis=1)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype=np.int64),
            "signup_date": DAYS[day],
            "gender": gender,
            "age": age,
            "province": [CITIES[i][1] for i in city_idx],
            "city": [CITIES[i][0] for i in city_idx],
            "city_tier": [CITIES[i][2] for i in city_idx],
            "acquisition_channel": np.array(ACQ_CHANNELS)[acq],
            "_warehouse": [CITIES[i][3] for i in city_idx],
            "_signup_day": day,
        }
    )
