"""数据清洗与预处理的小工具：价格与日期解析、取值标准化、数据质量报告、隐私保护。

这些计算在第2章（数据获取与预处理）里先用 pandas 一步步讲清楚，之后各章直接调用。
所有函数都返回新对象，绝不修改传入的 Series / DataFrame。
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DATE_FORMATS",
    "PROVINCES",
    "QUALITY_DIMENSIONS",
    "mask_phone",
    "parse_mixed_dates",
    "parse_price",
    "pseudonymize",
    "quality_report",
    "standardize_province",
    "standardize_text",
]

# 本课程原始导出里出现过的时间格式（按尝试顺序）。
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d%H%M%S",
)

# 31 个省级行政区（不含港澳台）：全称、简称、行政区划代码（GB/T 2260 前两位 + 0000）、国家统计局四大地区。
PROVINCES = pd.DataFrame(
    [
        ("北京市", "北京", "110000", "东部"),
        ("天津市", "天津", "120000", "东部"),
        ("河北省", "河北", "130000", "东部"),
        ("山西省", "山西", "140000", "中部"),
        ("内蒙古自治区", "内蒙古", "150000", "西部"),
        ("辽宁省", "辽宁", "210000", "东北"),
        ("吉林省", "吉林", "220000", "东北"),
        ("黑龙江省", "黑龙江", "230000", "东北"),
        ("上海市", "上海", "310000", "东部"),
        ("江苏省", "江苏", "320000", "东部"),
        ("浙江省", "浙江", "330000", "东部"),
        ("安徽省", "安徽", "340000", "中部"),
        ("福建省", "福建", "350000", "东部"),
        ("江西省", "江西", "360000", "中部"),
        ("山东省", "山东", "370000", "东部"),
        ("河南省", "河南", "410000", "中部"),
        ("湖北省", "湖北", "420000", "中部"),
        ("湖南省", "湖南", "430000", "中部"),
        ("广东省", "广东", "440000", "东部"),
        ("广西壮族自治区", "广西", "450000", "西部"),
        ("海南省", "海南", "460000", "东部"),
        ("重庆市", "重庆", "500000", "西部"),
        ("四川省", "四川", "510000", "西部"),
        ("贵州省", "贵州", "520000", "西部"),
        ("云南省", "云南", "530000", "西部"),
        ("西藏自治区", "西藏", "540000", "西部"),
        ("陕西省", "陕西", "610000", "西部"),
        ("甘肃省", "甘肃", "620000", "西部"),
        ("青海省", "青海", "630000", "西部"),
        ("宁夏回族自治区", "宁夏", "640000", "西部"),
        ("新疆维吾尔自治区", "新疆", "650000", "西部"),
    ],
    columns=["province", "short_name", "code", "region"],
)

QUALITY_DIMENSIONS: tuple[str, ...] = ("完整性", "唯一性", "准确性", "一致性", "及时性", "有效性")

_PHONE_RE = re.compile(r"^1\d{10}$")


def _require_series(s: object, what: str) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise ValueError(f"{what} 需要一个 pandas Series（一列数据），收到的是 {type(s).__name__}")
    return s


def _blank(s: pd.Series) -> pd.Series:
    """缺失值或只含空白的字符串 → True。"""
    return s.isna() | s.astype(str).str.strip().eq("").fillna(False)


def _show(values: Iterable[object], limit: int = 3) -> str:
    vals = list(dict.fromkeys(str(v) for v in values))
    more = f" 等 {len(vals)} 个" if len(vals) > limit else ""
    return "、".join(repr(v) for v in vals[:limit]) + more


# ---------------------------------------------------------------- 类型转换


def parse_price(s: pd.Series, *, errors: str = "raise") -> pd.Series:
    """把“¥1,299.00”“￥59.90”“129.90元”“129.9”这类价格字符串转成浮点数（元）。见第2章。

    去掉首尾空白、人民币符号（半角 ¥ / 全角 ￥）、“元”字和千分位逗号后再转数值；
    缺失或空白 → NaN。``errors="raise"``（默认）遇到无法解析的值抛出 ValueError，
    ``errors="coerce"`` 则把它们记为 NaN。

    示例::

        >>> s = pd.Series(["¥1,299.00", "￥59.90", "129.90元", " 129.9 ", None], name="price")
        >>> parse_price(s).tolist()
        [1299.0, 59.9, 129.9, 129.9, nan]
        >>> bad = pd.Series(["¥12", "面议"], name="price")
        >>> parse_price(bad, errors="coerce").tolist()
        [12.0, nan]
        >>> parse_price(bad)
        Traceback (most recent call last):
        ...
        ValueError: 列 'price' 中有 1 个值无法解析为价格（unparseable price）：'面议'
    """
    _require_series(s, "parse_price")
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors 只能是 'raise' 或 'coerce'，收到 {errors!r}")
    text = s.astype(str).str.strip()
    cleaned = text.str.replace(r"^[¥￥]\s*|\s*元$|,", "", regex=True)
    out = pd.to_numeric(cleaned.replace("", np.nan), errors="coerce").astype("float64")
    bad = out.isna() & ~_blank(s)
    if bad.any() and errors == "raise":
        raise ValueError(
            f"列 {s.name!r} 中有 {int(bad.sum())} 个值无法解析为价格（unparseable price）：{_show(s[bad])}"
        )
    return out.rename(s.name)


def parse_mixed_dates(s: pd.Series, formats: Sequence[str] = DATE_FORMATS, *, errors: str = "raise") -> pd.Series:
    """把混用多种格式的时间字符串解析成 datetime64。见第2章。

    按 ``formats`` 的顺序逐个格式尝试，每个值取第一个能解析它的格式；缺失或空白 → NaT。
    ``errors="raise"``（默认）遇到任何格式都解析不了的值抛出 ValueError，``"coerce"`` 则记为 NaT。

    示例::

        >>> s = pd.Series(["2024-11-11 09:30:00", "2024/11/11 21:05", "2024年11月12日 08:00",
        ...                "20241112093000", None], name="order_time")
        >>> parse_mixed_dates(s)
        0   2024-11-11 09:30:00
        1   2024-11-11 21:05:00
        2   2024-11-12 08:00:00
        3   2024-11-12 09:30:00
        4                   NaT
        Name: order_time, dtype: datetime64[ns]
        >>> parse_mixed_dates(pd.Series(["11/11/2024"], name="order_time"))
        Traceback (most recent call last):
        ...
        ValueError: 列 'order_time' 中有 1 个时间值不符合任何给定格式（unknown date format）：'11/11/2024'
    """
    _require_series(s, "parse_mixed_dates")
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors 只能是 'raise' 或 'coerce'，收到 {errors!r}")
    if isinstance(formats, str) or not formats:
        raise ValueError("formats 应是一个非空的格式列表，如 ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M']")
    text = s.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]", name=s.name)
    for fmt in formats:
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        out.loc[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
    bad = out.isna() & ~_blank(s)
    if bad.any() and errors == "raise":
        raise ValueError(
            f"列 {s.name!r} 中有 {int(bad.sum())} 个时间值不符合任何给定格式（unknown date format）：{_show(s[bad])}"
        )
    return out


# ---------------------------------------------------------------- 标准化


def standardize_text(s: pd.Series, *, case: str | None = None) -> pd.Series:
    """去掉首尾空白、把中间连续空白并成一个空格；``case="upper"/"lower"`` 时再统一大小写。见第2章。

    示例::

        >>> s = pd.Series(["  iPhone   15 Pro ", "iphone 15  pro"])
        >>> standardize_text(s).tolist()
        ['iPhone 15 Pro', 'iphone 15 pro']
        >>> standardize_text(s, case="lower").tolist()
        ['iphone 15 pro', 'iphone 15 pro']
        >>> standardize_text(s, case="title")
        Traceback (most recent call last):
        ...
        ValueError: case 只能是 None、'upper' 或 'lower'，收到 'title'
    """
    _require_series(s, "standardize_text")
    if case not in (None, "upper", "lower"):
        raise ValueError(f"case 只能是 None、'upper' 或 'lower'，收到 {case!r}")
    out = s.astype(str).str.strip().str.replace(r"\s+", " ", regex=True)
    if case == "upper":
        out = out.str.upper()
    elif case == "lower":
        out = out.str.lower()
    return out


def standardize_province(s: pd.Series, *, unknown: Iterable[str] = ("未知", "不详", "其他")) -> pd.Series:
    """把省份的简称、全称统一成全称（“北京”“北京市” → “北京市”，“广西” → “广西壮族自治区”）。见第2章。

    ``unknown`` 里的占位词和缺失值 → 缺失值；不是任何省份的值抛出 ValueError（以免悄悄丢数据）。

    示例::

        >>> s = pd.Series(["北京", "北京市", " 广西", "未知", None], name="province")
        >>> standardize_province(s).tolist()
        ['北京市', '北京市', '广西壮族自治区', nan, nan]
        >>> standardize_province(pd.Series(["北京", "火星"], name="province"))
        Traceback (most recent call last):
        ...
        ValueError: 列 'province' 中有无法识别的省份名称（unknown province）：'火星'
    """
    _require_series(s, "standardize_province")
    mapping = dict(zip(PROVINCES["province"], PROVINCES["province"], strict=True))
    mapping.update(zip(PROVINCES["short_name"], PROVINCES["province"], strict=True))
    text = s.astype(str).str.strip()
    placeholder = text.isin(list(unknown)).fillna(False) | text.eq("").fillna(False)
    out = text.map(mapping).astype(str)
    out[placeholder] = np.nan
    bad = out.isna() & text.notna() & ~placeholder
    if bad.any():
        raise ValueError(f"列 {s.name!r} 中有无法识别的省份名称（unknown province）：{_show(s[bad])}")
    return out.rename(s.name)


# ---------------------------------------------------------------- 数据质量


def quality_report(
    df: pd.DataFrame,
    *,
    required: Sequence[str] | None = None,
    key: Sequence[str] | None = None,
    rules: Sequence[tuple[str, str, str, Callable[[pd.DataFrame], pd.Series]]] = (),
    time_col: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    max_age_days: int | None = None,
) -> pd.DataFrame:
    """数据质量报告：每项检查一行，列出检查了多少行、多少行不合格、合格率。见第2章。

    - 完整性：``required`` 中每一列的缺失（含空白字符串），默认检查全部列；
    - 唯一性：整行重复；给了 ``key`` 时再查业务键重复（同一键出现第 2 次起算不合格）；
    - ``rules``：自定义检查，每条为 ``(维度, 检查项, 列, 函数)``，函数接收 df、返回布尔 Series（True = 合格），
      维度取 准确性 / 一致性 / 有效性 等；
    - 及时性：给了 ``time_col`` 与 ``as_of`` 时，时间晚于 ``as_of`` 或早于 ``as_of − max_age_days`` 天的记录不合格。

    返回列：dimension（维度）、check（检查项）、column（列）、n_checked（检查行数）、n_failed（不合格行数）、
    pass_pct（合格率，百分数，向下取两位小数）。

    示例::

        >>> df = pd.DataFrame({"order_id": [1, 2, 2, 3],
        ...                    "pay_amount": [59.9, 120.0, 120.0, -5.0],
        ...                    "city": ["北京", " ", " ", "上海"]})
        >>> report = quality_report(df, key=["order_id"], rules=[
        ...     ("有效性", "实付金额非负", "pay_amount", lambda d: d["pay_amount"] >= 0)])
        >>> for r in report.itertuples():
        ...     print(r.dimension, r.check, r.column, r.n_failed, r.pass_pct)
        完整性 非缺失 order_id 0 100.0
        完整性 非缺失 pay_amount 0 100.0
        完整性 非缺失 city 2 50.0
        唯一性 整行不重复 （全部列） 1 75.0
        唯一性 业务键不重复 order_id 1 75.0
        有效性 实付金额非负 pay_amount 1 75.0
        >>> quality_report(df, required=["phone"])
        Traceback (most recent call last):
        ...
        ValueError: 数据中没有列 'phone'（missing column）。现有的列：order_id, pay_amount, city
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"quality_report 需要一个 DataFrame，收到的是 {type(df).__name__}")
    cols = list(df.columns) if required is None else list(required)
    for c in [*cols, *(key or []), *([time_col] if time_col else [])]:
        if c not in df.columns:
            raise ValueError(f"数据中没有列 {c!r}（missing column）。现有的列：{', '.join(map(str, df.columns))}")
    n = len(df)
    rows: list[tuple[str, str, str, int, int]] = []
    for c in cols:
        rows.append(("完整性", "非缺失", c, n, int(_blank(df[c]).sum())))
    rows.append(("唯一性", "整行不重复", "（全部列）", n, int(df.duplicated().sum())))
    if key:
        rows.append(("唯一性", "业务键不重复", "+".join(key), n, int(df.duplicated(subset=list(key)).sum())))
    for rule in rules:
        if len(rule) != 4:
            raise ValueError("rules 的每一条应为 (维度, 检查项, 列, 函数) 四元组")
        dim, name, col, func = rule
        if dim not in QUALITY_DIMENSIONS:
            raise ValueError(f"未知的质量维度 {dim!r}；可用：{'、'.join(QUALITY_DIMENSIONS)}")
        ok = func(df)
        if not isinstance(ok, pd.Series) or len(ok) != n:
            raise ValueError(f"检查 {name!r} 的函数应返回与数据等长的布尔 Series")
        rows.append((dim, name, col, n, int((~ok.fillna(False).astype(bool)).sum())))
    if time_col is not None:
        if as_of is None or max_age_days is None:
            raise ValueError("检查及时性需要同时给出 as_of（数据应截至的时刻）和 max_age_days（允许的最长天数）")
        t = df[time_col]
        if not pd.api.types.is_datetime64_any_dtype(t):
            raise ValueError(f"列 {time_col!r} 不是日期时间类型，请先解析（如 parse_mixed_dates）再检查及时性")
        end = pd.Timestamp(as_of)
        start = end - pd.Timedelta(days=max_age_days)
        stale = t.notna() & ((t > end) | (t < start))
        rows.append(("及时性", f"时间在截止前 {max_age_days} 天内", time_col, int(t.notna().sum()), int(stale.sum())))
    out = pd.DataFrame(rows, columns=["dimension", "check", "column", "n_checked", "n_failed"])
    checked = out["n_checked"].replace(0, np.nan)
    # 向下取整到两位小数：只要有不合格的行，合格率就不会显示成 100
    passed = (out["n_checked"] - out["n_failed"]) / checked
    out["pass_pct"] = np.floor(passed * 10_000 + 1e-9) / 100
    return out


# ---------------------------------------------------------------- 隐私保护


def mask_phone(s: pd.Series) -> pd.Series:
    """手机号脱敏：保留前 3 位和后 4 位，中间换成 ****（“13812345678” → “138****5678”）。见第2章。

    缺失值保持缺失；不是 11 位、以 1 开头的数字串时抛出 ValueError。

    示例::

        >>> mask_phone(pd.Series(["13812345678", None], name="phone")).tolist()
        ['138****5678', nan]
        >>> mask_phone(pd.Series(["13812345678", "12345"], name="phone"))
        Traceback (most recent call last):
        ...
        ValueError: 列 'phone' 中有 1 个值不是 11 位手机号（invalid phone number）：'12345'
    """
    _require_series(s, "mask_phone")
    text = s.astype(str).str.strip()
    ok = text.str.fullmatch(_PHONE_RE.pattern)
    bad = text.notna() & ~ok.fillna(False)
    if bad.any():
        raise ValueError(
            f"列 {s.name!r} 中有 {int(bad.sum())} 个值不是 11 位手机号（invalid phone number）：{_show(s[bad])}"
        )
    return (text.str[:3] + "****" + text.str[-4:]).rename(s.name)


def pseudonymize(s: pd.Series, key: str, *, length: int = 16) -> pd.Series:
    """假名化：用带密钥的哈希（HMAC-SHA256）把 ID 换成不可逆的假名，同一 ID 总得到同一假名。见第2章。

    ``key`` 是保密的**密钥** (secret key)：不能为空，只由数据负责人保管，不要写进共享的代码或数据。
    它不是“盐” (salt)——盐是随数据公开存放、每条记录各不相同的随机串；这里要的恰恰是同一 ID 每次得到同一假名、
    而拿不到密钥的人无法穷举还原。返回前 ``length`` 位十六进制字符；缺失值保持缺失。

    示例::

        >>> ids = pd.Series(["C1001", "C1002", "C1001", None], name="customer_id")
        >>> pseudonymize(ids, key="课堂演示用", length=8).tolist()
        ['a7b6b7e8', '9d8bf499', 'a7b6b7e8', nan]
        >>> pseudonymize(ids, key="")
        Traceback (most recent call last):
        ...
        ValueError: key（密钥）不能为空：没有密钥的哈希可以被穷举还原
    """
    _require_series(s, "pseudonymize")
    if not isinstance(key, str) or not key:
        raise ValueError("key（密钥）不能为空：没有密钥的哈希可以被穷举还原")
    if not 8 <= length <= 64:
        raise ValueError(f"length 应在 8 到 64 之间，收到 {length}")
    secret = key.encode("utf-8")

    def one(v: object) -> object:
        if pd.isna(v):
            return np.nan
        return hmac.new(secret, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    return s.map(one).astype(str).rename(s.name)
