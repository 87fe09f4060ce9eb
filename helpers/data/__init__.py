"""禾木优选的合成数据：``load(name)`` 读表，``truth()`` 读答案，``generate(...)`` 重新生成。

用法::

    from helpers.data import load, list_tables, truth
    orders = load("orders")            # 默认 small 规模（仓库自带）
    events = load("events")            # 天池 UserBehavior 结构，timestamp 为 unix 秒
    key = truth()                      # 植入故事的答案（dict）

数据字典见 datasets/README.md。
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.build import generate
from helpers.data.config import DEFAULT_SEED, SCALES, check_scale
from helpers.data.io import checked_path, datasets_root, read_table, read_truth
from helpers.data.schema import TABLES, TRUTH_FILE

__all__ = ["DEFAULT_SEED", "SCALES", "clear_cache", "data_dir", "generate", "list_tables", "load", "truth"]

_CACHE: dict[tuple[str, int, int], pd.DataFrame] = {}
_CACHE_LIMIT = 8


def list_tables() -> list[str]:
    """全部表名（按数据字典的顺序）。"""
    return list(TABLES)


def data_dir(scale: str = "small", root: str | Path | None = None) -> Path:
    """某个规模的数据目录（root 默认为仓库的 datasets/，测试时可指向临时目录）。"""
    check_scale(scale)
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
    """
    _check_name(name)
    directory = data_dir(scale, root)
    spec = TABLES[name]
    path = checked_path(directory, spec.filename, scale)
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = read_table(path, spec)
    return _CACHE[key].copy()


def truth(scale: str = "small", *, root: str | Path | None = None) -> dict:
    """植入故事的答案（从 truth.json 读入的普通 dict，键的含义见 datasets/README.md）。"""
    directory = data_dir(scale, root)
    return read_truth(checked_path(directory, TRUTH_FILE, scale))


def clear_cache() -> None:
    """清空读表缓存。"""
    _CACHE.clear()
