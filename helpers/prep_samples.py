"""换一个随机种子、另做一份“脏订单明细”，供第2章练习使用（课堂上的清洗代码不能原样照抄）。

复用 ``coursekit.world.dirty.make_orders_raw``（与仓库里 orders_raw 同一套弄脏规则），
只是换了种子、并且只取 2024 年第四季度订单的一个随机子集。见第2章。
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from helpers import data

__all__ = ["raw_orders_sample", "raw_orders_sample_truth"]

_SAMPLES: dict[tuple[int, int, str], tuple[pd.DataFrame, dict]] = {}


def _check_args(seed: object, n_orders: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed 应为非负整数，收到 {seed!r}")
    if isinstance(n_orders, bool) or not isinstance(n_orders, (int, np.integer)) or not 200 <= n_orders <= 20000:
        raise ValueError(f"n_orders 应为 200 到 20000 之间的整数，收到 {n_orders!r}")


def _sample(seed: int, n_orders: int, scale: str) -> tuple[pd.DataFrame, dict]:
    _check_args(seed, n_orders)
    key = (int(seed), int(n_orders), scale)
    if key not in _SAMPLES:
        _SAMPLES[key] = _make(int(seed), int(n_orders), scale)
    return _SAMPLES[key]


def raw_orders_sample(seed: int, n_orders: int = 2000, *, scale: str = "small") -> pd.DataFrame:
    """一份按 ``seed`` 弄脏的订单明细导出：全部列为字符串，与 ``load("orders_raw")`` 的读法相同。见第2章。

    从 2024 年第四季度“已完成/已退款”的订单里随机取 ``n_orders`` 单（同一种子结果完全相同），
    再按与 orders_raw 相同的规则弄脏（重复行、缺失客户号、退款冲销、赠品、测试/费用行、异常大单、价格与时间格式混杂……）。

    示例::

        >>> raw = raw_orders_sample(seed=1, n_orders=200)
        >>> raw.columns.tolist()[:5]
        ['order_no', 'sku', 'product_name', 'quantity', 'unit_price']
        >>> len(raw)
        429
        >>> raw.equals(raw_orders_sample(seed=1, n_orders=200))   # 同一种子，结果完全相同
        True
        >>> raw_orders_sample(seed=1, n_orders=100)
        Traceback (most recent call last):
        ...
        ValueError: n_orders 应为 200 到 20000 之间的整数，收到 100
    """
    return _sample(seed, n_orders, scale)[0].copy()


def raw_orders_sample_truth(seed: int, n_orders: int = 2000, *, scale: str = "small") -> dict:
    """上面那份样本的故障计数答案（键的含义同 ``truth()["orders_raw"]``），供出题和测试使用。

    示例::

        >>> key = raw_orders_sample_truth(seed=1, n_orders=200)
        >>> key["rows_total"] == len(raw_orders_sample(seed=1, n_orders=200))
        True
        >>> key["exact_duplicate_rows"], key["clean_orders"]
        (4, 181)
    """
    return _copy(_sample(seed, n_orders, scale)[1])


def _copy(d: dict) -> dict:
    return {k: (_copy(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v) for k, v in d.items()}


def _make(seed: int, n_orders: int, scale: str) -> tuple[pd.DataFrame, dict]:
    # 弄脏规则属于模拟器（工具包 coursekit），用到时才导入：import helpers 不加载它。
    from coursekit.world.dirty import RAW_START, make_orders_raw

    rng = np.random.default_rng([seed, 2024])
    orders = data.load("orders", scale)
    pool = orders[(orders["order_time"] >= RAW_START) & orders["status"].isin(["已完成", "已退款"])]
    n = min(n_orders, len(pool))
    picked = pool.sample(n=n, random_state=int(rng.integers(2**31))).sort_values("order_id")
    items = data.load("order_items", scale)
    items = items[items["order_id"].isin(picked["order_id"])]
    raw, faults = make_orders_raw(picked, items, data.load("products", scale), data.load("customers", scale), rng)
    # 与仓库里的文件同样的读法：写成 CSV 再全部按字符串读回（空字符串 → 缺失值）
    buf = io.StringIO()
    raw.to_csv(buf, index=False)
    buf.seek(0)
    return pd.read_csv(buf, dtype=str), faults
