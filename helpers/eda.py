"""探索性数据分析 (EDA) 的小工具：缺失值报告、异常值边界与标记、检出结果的查准率/查全率。

全部在第3章（数据探索性分析）里先用 pandas 一步步算过，再说明这里的函数给出同样的结果；
后面的章节直接调用。所有函数都不修改传入的数据。
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

__all__ = [
    "flag_outliers",
    "iqr_bounds",
    "missing_report",
    "precision_recall",
    "precision_recall_at",
    "sigma_bounds",
]

_METHODS = ("iqr", "sigma")


def _numeric_values(values: pd.Series | np.ndarray | Iterable[float], what: str = "values") -> pd.Series:
    """把输入整理成去掉缺失值的 float Series；不是数值或全为空时抛出中文 ValueError。"""
    if isinstance(values, pd.DataFrame):
        raise ValueError(
            f"{what} 应该是一列数值（Series 或一维数组），收到的是 DataFrame；请先选出一列，如 df['pay_amount']"
        )
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    name = f"列 {s.name!r}" if s.name is not None else what
    if s.ndim != 1:
        raise ValueError(f"{name} 应该是一维数据（1-D），收到的维数是 {s.ndim}")
    if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
        raise ValueError(f"{name} 不是数值类型（dtype={s.dtype}），无法计算异常值边界；请先转换成数值")
    out = s.dropna().astype(float)
    if out.empty:
        raise ValueError(f"{name} 去掉缺失值后没有任何数据（empty），无法计算异常值边界")
    if not np.isfinite(out.to_numpy()).all():
        raise ValueError(f"{name} 含有无穷大（inf），请先处理后再计算异常值边界")
    return out


def _check_k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or not np.isfinite(k) or k <= 0:
        raise ValueError(f"倍数 k 必须是正数（k must be > 0），收到 {k!r}")
    return float(k)


def iqr_bounds(values: pd.Series | np.ndarray, k: float = 1.5) -> tuple[float, float]:
    """IQR 规则的上下界 (Q1 − k·IQR, Q3 + k·IQR)，缺失值不参与计算。见第3章 3.3.1。

    示例::

        >>> s = pd.Series([10, 12, 11, 13, 12, 95, None], name="pay_amount")
        >>> iqr_bounds(s)
        (9.0, 15.0)
        >>> iqr_bounds(s, k=3)
        (6.75, 17.25)
        >>> iqr_bounds(s, k=0)
        Traceback (most recent call last):
        ...
        ValueError: 倍数 k 必须是正数（k must be > 0），收到 0
    """
    s = _numeric_values(values)
    k = _check_k(k)
    q1, q3 = s.quantile(0.25), s.quantile(0.75)
    iqr = q3 - q1
    return float(q1 - k * iqr), float(q3 + k * iqr)


def sigma_bounds(values: pd.Series | np.ndarray, k: float = 3.0) -> tuple[float, float]:
    """kσ 规则（默认 3σ）的上下界 (均值 − k·标准差, 均值 + k·标准差)，标准差按样本 (ddof=1) 计算。见第3章 3.3.1。

    下面的数据均值为 12、标准差为 2。

    示例::

        >>> sigma_bounds(pd.Series([10, 12, 14, None]))
        (6.0, 18.0)
        >>> sigma_bounds([10, 12, 14], k=1)
        (10.0, 14.0)
        >>> sigma_bounds([5.0])
        Traceback (most recent call last):
        ...
        ValueError: 只有一个有效数值，无法计算标准差（std），也就无法用 3σ 规则
    """
    s = _numeric_values(values)
    k = _check_k(k)
    mean, std = s.mean(), s.std(ddof=1)
    if not np.isfinite(std):
        raise ValueError("只有一个有效数值，无法计算标准差（std），也就无法用 3σ 规则")
    return float(mean - k * std), float(mean + k * std)


def flag_outliers(values: pd.Series | np.ndarray, method: str = "iqr", k: float | None = None) -> pd.Series:
    """标记落在边界之外的值：返回与输入同索引的布尔 Series（True = 异常，缺失值记为 False）。

    method="iqr" 用 IQR 规则（k 默认 1.5），method="sigma" 用 kσ 规则（k 默认 3）。见第3章 3.3.1。

    样本很少时，一个大值会把标准差撑大，3σ 规则反而漏掉它（下例中的 95）。

    示例::

        >>> s = pd.Series([10, 12, 11, 13, 12, 95, None], name="pay_amount")
        >>> flag_outliers(s).tolist()
        [False, False, False, False, False, True, False]
        >>> flag_outliers(s, method="sigma").tolist()
        [False, False, False, False, False, False, False]
        >>> flag_outliers(s, method="zscore")
        Traceback (most recent call last):
        ...
        ValueError: 未知的方法 method='zscore'，可选：iqr, sigma
    """
    if method not in _METHODS:
        raise ValueError(f"未知的方法 method={method!r}，可选：{', '.join(_METHODS)}")
    if method == "iqr":
        lower, upper = iqr_bounds(values, 1.5 if k is None else k)
    else:
        lower, upper = sigma_bounds(values, 3.0 if k is None else k)
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    flags = (s < lower) | (s > upper)
    return flags.fillna(False).astype(bool).rename(s.name)


def missing_report(
    df: pd.DataFrame, columns: Iterable[Hashable] | None = None, only_missing: bool = False
) -> pd.DataFrame:
    """每列的缺失数 n_missing 与缺失率 missing_rate，按缺失率从高到低排列。见第3章 3.1.3。

    columns 只看其中几列（默认全部）；only_missing=True 时只保留有缺失的列。

    示例::

        >>> df = pd.DataFrame({"order_id": [1, 2, 3, 4],
        ...                    "coupon_id": [None, 7, None, None],
        ...                    "city": ["北京", None, "上海", "广州"]})
        >>> missing_report(df)
                   n_missing  missing_rate
        coupon_id          3          0.75
        city               1          0.25
        order_id           0          0.00
        >>> missing_report(df, only_missing=True).index.tolist()
        ['coupon_id', 'city']
        >>> missing_report(df, columns=["age"])
        Traceback (most recent call last):
        ...
        ValueError: 数据里没有这些列（missing columns）：age
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"missing_report 需要一个 DataFrame，收到的是 {type(df).__name__}")
    if columns is not None:
        columns = list(columns)
        absent = [c for c in columns if c not in df.columns]
        if absent:
            raise ValueError(f"数据里没有这些列（missing columns）：{', '.join(map(str, absent))}")
        df = df[columns]
    if len(df) == 0:
        raise ValueError("数据没有任何行（empty DataFrame），无法计算缺失率")
    n_missing = df.isna().sum()
    report = pd.DataFrame({"n_missing": n_missing.astype("int64"), "missing_rate": n_missing / len(df)})
    report = report.sort_values("missing_rate", ascending=False, kind="stable")
    if only_missing:
        report = report[report["n_missing"] > 0]
    return report


def precision_recall(found_ids: Iterable[Hashable], true_ids: Iterable[Hashable]) -> dict[str, float | int]:
    """把检出的 ID 与答案册里的真实 ID 对比：返回检出数、真实数、TP、FP、FN、查准率与查全率。见第3章 3.3.2。

    查准率 precision = TP ÷ 检出数（检出为 0 时记为 0.0）；查全率 recall = TP ÷ 真实数。
    重复的 ID 只算一次。

    下例检出 4 个、其中 2 个是真的（查准率 0.5）；真实的 2 个全被找到（查全率 1.0）。

    示例::

        >>> precision_recall([101, 102, 103, 104, 104], [102, 103])
        {'n_found': 4, 'n_true': 2, 'tp': 2, 'fp': 2, 'fn': 0, 'precision': 0.5, 'recall': 1.0}
        >>> precision_recall([101], [])
        Traceback (most recent call last):
        ...
        ValueError: true_ids（真实的异常 ID）为空，无法计算查全率（recall）
    """
    if isinstance(found_ids, (str, bytes)) or isinstance(true_ids, (str, bytes)):
        raise ValueError("found_ids 与 true_ids 应该是 ID 的列表/集合/Series，不能是单个字符串")
    found = set(pd.Series(list(found_ids), dtype=object).dropna().tolist())
    truth = set(pd.Series(list(true_ids), dtype=object).dropna().tolist())
    if not truth:
        raise ValueError("true_ids（真实的异常 ID）为空，无法计算查全率（recall）")
    tp = len(found & truth)
    return {
        "n_found": len(found),
        "n_true": len(truth),
        "tp": tp,
        "fp": len(found) - tp,
        "fn": len(truth) - tp,
        "precision": tp / len(found) if found else 0.0,
        "recall": tp / len(truth),
    }


def precision_recall_at(scores: pd.Series, true_ids: Iterable[Hashable], lengths: Iterable[int]) -> pd.DataFrame:
    """按分数从高到低取前 N 个 ID，对每个名单长度 N 算一次 precision_recall。见第3章 3.3.2。

    scores 是以 ID 为索引的离群分或异常分（越大越可疑）；缺失的分数不参加排名。分数相同时按 scores
    原来的先后次序排（稳定排序），所以名单末尾恰好并列时，结果取决于输入的顺序。
    返回以名单长度 N 为索引的表，列与 precision_recall 相同。比较几种方法时给它们同一组 lengths，
    才是等长名单上的比较。

    下例的前 1 名是 a（真的），前 2 名是 a、c（c 不是）：

    示例::

        >>> scores = pd.Series([0.9, 0.1, 0.8, 0.3], index=["a", "b", "c", "d"])
        >>> table = precision_recall_at(scores, ["a", "d"], [1, 2])
        >>> table[["tp", "precision", "recall"]].to_dict("index")
        {1: {'tp': 1, 'precision': 1.0, 'recall': 0.5}, 2: {'tp': 1, 'precision': 0.5, 'recall': 0.5}}
        >>> precision_recall_at(scores, ["a"], [5])
        Traceback (most recent call last):
        ...
        ValueError: 名单长度 N 必须是 1 到 4（有分数的 ID 个数）之间的整数，收到 5
    """
    if not isinstance(scores, pd.Series):
        raise ValueError(f"scores 应该是以 ID 为索引的 Series，收到的是 {type(scores).__name__}")
    if not (pd.api.types.is_numeric_dtype(scores) and not pd.api.types.is_bool_dtype(scores)):
        raise ValueError(f"scores 不是数值类型（dtype={scores.dtype}），无法按分数排名")
    if scores.index.has_duplicates:
        dup = scores.index[scores.index.duplicated()][0]
        raise ValueError(f"scores 的索引（ID）有重复，例如 {dup!r}；每个 ID 只能有一个分数")
    if isinstance(lengths, (int, np.integer)):
        raise ValueError(f"lengths 应该是名单长度的列表，例如 [{lengths}]，收到单个数 {lengths!r}")
    if isinstance(true_ids, (str, bytes)):
        raise ValueError("true_ids 应该是 ID 的列表/集合/Series，不能是单个字符串")
    lengths = list(lengths)
    if not lengths:
        raise ValueError("lengths 为空：至少给出一个名单长度 N")
    ranked = scores.dropna().sort_values(ascending=False, kind="stable").index
    for n in lengths:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= len(ranked):
            raise ValueError(f"名单长度 N 必须是 1 到 {len(ranked)}（有分数的 ID 个数）之间的整数，收到 {n!r}")
    truth = list(true_ids)  # 只读一遍：true_ids 可能是只能遍历一次的迭代器
    rows = {int(n): precision_recall(ranked[:n], truth) for n in lengths}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("N")
