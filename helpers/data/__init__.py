"""禾木优选的合成数据（只读）：``load(name)`` 读表，``truth()`` 读答案，``list_tables()`` 列出表名。

用法::

    from helpers.data import load, list_tables, truth
    orders = load("orders")            # 默认 small 规模（仓库自带）
    events = load("events")            # 天池 UserBehavior 结构，timestamp 为 unix 秒
    key = truth()                      # 植入故事的答案（dict）
    types = truth_table("customer_types")  # 放不进 truth() 的大答案：一张 DataFrame
    cal = promo_calendar()             # 唯一一份促销日历：618、双十一、双十二的窗口与峰值日

数据字典见 datasets/README.md。重新生成数据是维护者的事：``python -m helpers data build``
（生成器在 ``coursekit/world/``，这里不导入它）。
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.calendar import promo_calendar, promo_period
from helpers.data.io import checked_path, datasets_root, read_answer_table, read_manifest, read_table, read_truth
from helpers.data.schema import (
    ANSWER_PREFIX,
    ANSWER_SUFFIX,
    DEFAULT_SEED,
    SCALE_NAMES,
    TABLES,
    TRUTH_FILE,
    answer_filename,
    check_scale_name,
)

SCALES = SCALE_NAMES  # 可用的规模名：tiny、small、large

__all__ = [
    "DEFAULT_SEED",
    "SCALES",
    "clear_cache",
    "data_dir",
    "list_tables",
    "list_truth_tables",
    "load",
    "promo_calendar",
    "promo_period",
    "truth",
    "truth_table",
]

_CACHE: dict[tuple[str, int, int], pd.DataFrame] = {}
_CACHE_LIMIT = 8


def list_tables() -> list[str]:
    """全部表名（按数据字典的顺序）。

    示例::

        >>> list_tables()[:3]
        ['customers', 'products', 'suppliers']
        >>> "orders_raw" in list_tables()
        True
    """
    return list(TABLES)


def data_dir(scale: str = "small", root: str | Path | None = None) -> Path:
    """某个规模的数据目录（root 默认为仓库的 datasets/，测试时可指向临时目录）。

    只拼出路径，不检查目录是否存在；规模名不对时抛出 ValueError。

    示例::

        >>> data_dir().name
        'small'
        >>> data_dir("tiny", root="tmp").as_posix()
        'tmp/tiny'
        >>> data_dir("huge")
        Traceback (most recent call last):
        ...
        ValueError: 未知的数据规模 'huge'（unknown scale），可选：tiny, small, large
    """
    check_scale_name(scale)
    return (Path(root) if root is not None else datasets_root()) / scale


def _check_name(name: str) -> None:
    if name not in TABLES:
        raise ValueError(f"没有名为 {name!r} 的表（unknown table）。可用的表：{', '.join(TABLES)}")


def load(name: str, scale: str = "small", *, root: str | Path | None = None) -> pd.DataFrame:
    """读入一张表，返回带类型的 DataFrame（每次返回副本，改动它不会影响缓存）。

    - ID 列为 int64（可能为空的外键如 orders.coupon_id 为可空的 Int64）；
    - 日期时间解析为 datetime64（北京时间，不带时区）；中文类别列为 category；
    - events.timestamp 保持 unix 秒（int64）；orders_raw 全部列按字符串读入。
    文件缺失或与清单校验不符时抛出中文错误，并给出重新生成的命令。

    示例::

        >>> products = load("products")
        >>> len(products)
        400
        >>> products.columns.tolist()[:3]
        ['product_id', 'product_name', 'category']
        >>> str(products["category"].dtype)
        'category'
        >>> products["price"] = 0                    # 改的只是副本
        >>> float(load("products")["price"].min()) > 0
        True
        >>> load("product")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: 没有名为 'product' 的表（unknown table）。可用的表：customers, products, ...
    """
    _check_name(name)
    directory = data_dir(scale, root)
    spec = TABLES[name]
    path = checked_path(directory, spec.filename, scale)
    return _read_cached(path, lambda p: read_table(p, spec))


def _read_cached(path: Path, reader) -> pd.DataFrame:
    """按（路径、大小、修改时间）缓存读入结果，返回副本。"""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = reader(path)
    return _CACHE[key].copy()


def list_truth_tables(scale: str = "small", *, root: str | Path | None = None) -> list[str]:
    """这个规模的数据里有哪些答案表（按名字排序）。

    示例::

        >>> isinstance(list_truth_tables(), list)
        True
    """
    directory = data_dir(scale, root)
    files = read_manifest(directory, scale)["files"]
    return sorted(
        f[len(ANSWER_PREFIX) : -len(ANSWER_SUFFIX)]
        for f in files
        if f.startswith(ANSWER_PREFIX) and f.endswith(ANSWER_SUFFIX)
    )


def truth_table(name: str, scale: str = "small", *, root: str | Path | None = None) -> pd.DataFrame:
    """读一张答案表（answer table）：放不进 ``truth()`` 的大答案，比如每位客户的真实类型。

    和 ``load`` 一样先按清单校验、带缓存、每次返回副本；名为 date、以 _date/_time 结尾的列是日期时间。
    有哪些答案表见 ``list_truth_tables()`` 与 datasets/README.md。

    示例::

        >>> truth_table("no_such_answer")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: 没有名为 'no_such_answer' 的答案表（unknown answer table）。可用的答案表：...
    """
    available = list_truth_tables(scale, root=root)
    if name not in available:
        raise ValueError(
            f"没有名为 {name!r} 的答案表（unknown answer table）。可用的答案表：{', '.join(available) or '（无）'}"
        )
    path = checked_path(data_dir(scale, root), answer_filename(name), scale)
    return _read_cached(path, read_answer_table)


def truth(scale: str = "small", *, root: str | Path | None = None) -> dict:
    """植入故事的答案（从 truth.json 读入的普通 dict，键的含义见 datasets/README.md）。

    示例::

        >>> key = truth()
        >>> sorted(key)[:4]
        ['bots', 'carriers', 'churn', 'clv']
    """
    directory = data_dir(scale, root)
    return read_truth(checked_path(directory, TRUTH_FILE, scale))


def clear_cache() -> None:
    """清空读表缓存（之后的 ``load`` 会重新从文件读入）。

    示例::

        >>> clear_cache()
        >>> len(load("products"))
        400
    """
    _CACHE.clear()
