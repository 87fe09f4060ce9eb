"""数据挖掘（第4章）的小工具：按截止日切开的客户特征与标签、行为特征、购物篮矩阵、聚类画像。

第4章先用 pandas 一步步算过，再说明这里的函数给出同样的结果；第5、8、9、10 章直接调用。
所有函数都不修改传入的数据；算法本身（分类、聚类、关联规则）交给 scikit-learn 与 mlxtend。
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "basket_matrix",
    "behaviour_features",
    "cluster_profile",
    "k_distance",
    "ordered_in_window",
    "rfm_features",
    "rule_pairs",
    "top_k_ids",
]

NIGHT_HOURS = (22, 23, 0, 1)


def _require(df: object, columns: Iterable[str], what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} 应该是 DataFrame，收到 {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} 缺少列：{missing}（现有列：{list(df.columns)[:12]}）")
    return df


def _timestamp(value: object, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} 不是日期：{value!r}（写成 '2024-07-01' 这样的形式）") from exc
    if pd.isna(ts):
        raise ValueError(f"{what} 不能为空（NaT）")
    return ts


def rfm_features(
    orders: pd.DataFrame,
    asof: str | pd.Timestamp,
    *,
    exclude_status: Sequence[str] = ("已取消",),
    customer: str = "customer_id",
    time: str = "order_time",
    amount: str = "pay_amount",
    status: str = "status",
) -> pd.DataFrame:
    """截止日 ``asof`` **之前**（不含当天 0 点以后）的 RFM 特征，每位客户一行。见第4章 4.1.1。

    recency_days = 截止日 − 最后一次下单的天数；frequency = 订单数；monetary = 实付金额之和。
    默认剔除已取消订单（与 GMV 的口径一致）；截止日之后的订单一律不看，免得特征“偷看”到标签。

    示例::

        >>> o = pd.DataFrame({"customer_id": [1, 1, 2, 2], "status": ["已完成", "已完成", "已取消", "已完成"],
        ...     "order_time": pd.to_datetime(["2024-01-01", "2024-06-21", "2024-05-01", "2024-08-01"]),
        ...     "pay_amount": [100.0, 50.0, 30.0, 80.0]})
        >>> rfm_features(o, "2024-07-01").to_dict("index")
        {1: {'recency_days': 10, 'frequency': 2, 'monetary': 150.0}}
        >>> rfm_features(o, "七月")
        Traceback (most recent call last):
        ...
        ValueError: asof 不是日期：'七月'（写成 '2024-07-01' 这样的形式）
    """
    o = _require(orders, [customer, time, amount, status], "orders")
    cut = _timestamp(asof, "asof")
    keep = (o[time] < cut) & ~o[status].isin(list(exclude_status))
    g = o.loc[keep].groupby(customer)
    out = pd.DataFrame(
        {
            "recency_days": (cut - g[time].max()).dt.days,
            "frequency": g.size(),
            "monetary": g[amount].sum(),
        }
    )
    out.index.name = customer
    return out


def ordered_in_window(
    orders: pd.DataFrame,
    customers: Iterable[int],
    start: str | pd.Timestamp,
    days: int,
    *,
    exclude_status: Sequence[str] = ("已取消",),
    customer: str = "customer_id",
    time: str = "order_time",
    status: str = "status",
) -> pd.Series:
    """这些客户在 [start, start + days) 内有没有下单（布尔 Series，索引是客户）。见第4章 4.1.1。

    用作“截止日之后”的标签：特征只用 start 之前，标签只看这个窗口。

    示例::

        >>> o = pd.DataFrame({"customer_id": [1, 2, 2], "status": ["已完成", "已取消", "已完成"],
        ...     "order_time": pd.to_datetime(["2024-07-03", "2024-07-05", "2024-09-01"])})
        >>> ordered_in_window(o, [1, 2, 3], "2024-07-01", 30).tolist()
        [True, False, False]
        >>> ordered_in_window(o, [1], "2024-07-01", 0)
        Traceback (most recent call last):
        ...
        ValueError: days 必须是正整数（窗口天数），收到 0
    """
    o = _require(orders, [customer, time, status], "orders")
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days <= 0:
        raise ValueError(f"days 必须是正整数（窗口天数），收到 {days!r}")
    begin = _timestamp(start, "start")
    end = begin + pd.Timedelta(days=int(days))
    inside = o[(o[time] >= begin) & (o[time] < end) & ~o[status].isin(list(exclude_status))]
    ids = pd.Index(list(customers), name=customer)
    return pd.Series(ids.isin(inside[customer].unique()), index=ids, name="ordered")


def behaviour_features(
    orders: pd.DataFrame,
    order_items: pd.DataFrame,
    products: pd.DataFrame,
    *,
    min_orders: int = 3,
    night_hours: Sequence[int] = NIGHT_HOURS,
) -> pd.DataFrame:
    """下单 ≥ ``min_orders`` 次的客户“怎么买”：各类目金额占比、平均件单价（取对数）、每单行数、
    用券订单占比、深夜（默认 22–1 点）下单占比、各渠道订单占比。见第4章 4.2.2。

    与 RFM（买得多近、多勤、多少）互补：聚类找“哪一类人”靠的是这些。

    示例::

        >>> o = pd.DataFrame({"order_id": [1, 2], "customer_id": [7, 7], "channel": ["App", "PC"],
        ...     "coupon_id": [None, 5], "order_time": pd.to_datetime(["2024-01-01 23:00", "2024-01-02 10:00"])})
        >>> items = pd.DataFrame({"order_id": [1, 1, 2], "product_id": [10, 11, 10],
        ...     "quantity": [1, 2, 1], "unit_price": [100.0, 50.0, 100.0]})
        >>> p = pd.DataFrame({"product_id": [10, 11], "category": ["数码", "食品"]})
        >>> f = behaviour_features(o, items, p, min_orders=2).round(3)
        >>> f.columns.tolist()
        ['数码', '食品', 'log_unit_price', 'lines_per_order', 'coupon_share', 'night_share', 'App', 'PC']
        >>> f.loc[7].tolist()
        [0.667, 0.333, 4.317, 1.5, 0.5, 0.5, 0.5, 0.5]
    """
    o = _require(orders, ["order_id", "customer_id", "channel", "coupon_id", "order_time"], "orders")
    items = _require(order_items, ["order_id", "product_id", "quantity", "unit_price"], "order_items")
    prods = _require(products, ["product_id", "category"], "products")
    if isinstance(min_orders, bool) or not isinstance(min_orders, (int, np.integer)) or min_orders < 1:
        raise ValueError(f"min_orders 必须是 ≥ 1 的整数，收到 {min_orders!r}")
    n = o.groupby("customer_id").size()
    o = o[o["customer_id"].isin(n.index[n >= min_orders])]
    it = items.merge(o[["order_id", "customer_id"]], on="order_id").merge(
        prods[["product_id", "category"]], on="product_id"
    )
    it = it.assign(value=it["quantity"] * it["unit_price"])
    cat = it.pivot_table(index="customer_id", columns="category", values="value", aggfunc="sum", fill_value=0.0)
    cat = cat.div(cat.sum(axis=1), axis=0)
    cat.columns = [str(c) for c in cat.columns]
    per_item, per_order = it.groupby("customer_id"), o.groupby("customer_id")
    night = o["order_time"].dt.hour.isin(list(night_hours))
    feat = pd.DataFrame(
        {
            "log_unit_price": np.log(per_item["value"].sum() / per_item["quantity"].sum()),
            "lines_per_order": per_item.size() / per_order.size(),
            "coupon_share": per_order["coupon_id"].count() / per_order.size(),
            "night_share": night.groupby(o["customer_id"]).mean(),
        }
    )
    channel = pd.crosstab(o["customer_id"], o["channel"].astype(str), normalize="index")
    out = pd.concat([cat, feat, channel], axis=1).fillna(0.0)
    out.index.name = "customer_id"
    out.columns.name = None
    return out


def basket_matrix(order_items: pd.DataFrame, *, order: str = "order_id", item: str = "product_id") -> pd.DataFrame:
    """订单 × 商品 的 0/1 购物篮矩阵（稀疏布尔列），直接交给 mlxtend 的 ``fpgrowth``/``apriori``。见第4章 4.3.1。

    一张订单里同一商品出现几行、买几件都只记 True：关联规则只问“有没有一起买”。
    列名是商品编号的**文字**（mlxtend 的稀疏输入不接受不从 0 开始的整数列名）。稀疏存储让 6 万张订单 × 400 个商品只占几 MB（稠密布尔要 25 MB，商品一多就放不下）。

    示例::

        >>> items = pd.DataFrame({"order_id": [1, 1, 2, 2], "product_id": [10, 11, 10, 10]})
        >>> b = basket_matrix(items)
        >>> b.sparse.to_dense().to_dict("index")
        {1: {'10': True, '11': True}, 2: {'10': True, '11': False}}
        >>> basket_matrix(items, item="sku")
        Traceback (most recent call last):
        ...
        ValueError: order_items 缺少列：['sku']（现有列：['order_id', 'product_id']）
    """
    df = _require(order_items, [order, item], "order_items")
    pairs = df[[order, item]].drop_duplicates()
    rows = pd.Index(sorted(pairs[order].unique()), name=order)
    cols = pd.Index(sorted(pairs[item].unique()), name=None)
    names = [str(c) for c in cols]
    from scipy import sparse

    mat = sparse.csr_matrix(
        (np.ones(len(pairs), dtype=bool), (rows.get_indexer(pairs[order]), cols.get_indexer(pairs[item]))),
        shape=(len(rows), len(cols)),
    )
    out = pd.DataFrame.sparse.from_spmatrix(mat, index=rows, columns=names)
    return out.astype(pd.SparseDtype(bool, False))


def rule_pairs(rules: pd.DataFrame) -> list[tuple]:
    """把 mlxtend ``association_rules`` 里“一个商品 → 一个商品”的规则变成去重、排好序的商品对。见第4章 4.3.2。

    A→B 与 B→A 算同一对 (A, B)，小的在前；多商品的规则不算。用来和答案册里的商品对比查准率、查全率。

    示例::

        >>> r = pd.DataFrame({"antecedents": [frozenset({"11"}), frozenset({"10"}), frozenset({"10", "12"})],
        ...                   "consequents": [frozenset({"10"}), frozenset({"11"}), frozenset({"11"})]})
        >>> rule_pairs(r)
        [('10', '11')]
    """
    df = _require(rules, ["antecedents", "consequents"], "rules")
    pairs = {
        tuple(sorted((next(iter(a)), next(iter(c)))))
        for a, c in zip(df["antecedents"], df["consequents"], strict=True)
        if len(a) == 1 and len(c) == 1
    }
    return sorted(pairs)


def k_distance(x: np.ndarray | pd.DataFrame, k: int) -> np.ndarray:
    """每个点到它第 ``k`` 近的邻居（不含自己）的距离，从大到小排好：DBSCAN 选 eps 的 k-距离图。见第4章 4.2.1。

    曲线的“拐点”处的距离就是 eps 的候选：比它远的点是稀疏处的离群点。

    示例::

        >>> k_distance(np.array([[0.0], [1.0], [2.0], [10.0]]), k=1)
        array([8., 1., 1., 1.])
        >>> k_distance(np.zeros((3, 2)), k=3)
        Traceback (most recent call last):
        ...
        ValueError: k 必须在 1 到 样本数−1（2）之间，收到 3
    """
    from sklearn.neighbors import NearestNeighbors

    arr = np.asarray(x, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"x 应该是二维的（样本 × 特征），收到维数 {arr.ndim}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(arr) - 1:
        raise ValueError(f"k 必须在 1 到 样本数−1（{len(arr) - 1}）之间，收到 {k!r}")
    dist, _ = NearestNeighbors(n_neighbors=int(k) + 1).fit(arr).kneighbors(arr)
    return np.sort(dist[:, -1])[::-1]


def cluster_profile(features: pd.DataFrame, labels: Sequence[int] | pd.Series | np.ndarray) -> pd.DataFrame:
    """每个簇的人数、占比和各特征的均值（按簇编号排序），给簇起名字、定策略用。见第4章 4.2.2。

    示例::

        >>> f = pd.DataFrame({"price": [10.0, 12.0, 100.0], "night": [0.0, 0.2, 0.9]})
        >>> cluster_profile(f, [0, 0, 1]).to_dict("index")
        {0: {'n': 2, 'share': 0.667, 'price': 11.0, 'night': 0.1}, 1: {'n': 1, 'share': 0.333, 'price': 100.0, 'night': 0.9}}
        >>> cluster_profile(f, [0, 1])
        Traceback (most recent call last):
        ...
        ValueError: labels 的长度（2）与 features 的行数（3）不同
    """
    _require(features, [], "features")
    lab = np.asarray(labels)
    if len(lab) != len(features):
        raise ValueError(f"labels 的长度（{len(lab)}）与 features 的行数（{len(features)}）不同")
    key = pd.Series(lab, index=features.index, name="cluster")
    means = features.groupby(key).mean()
    size = key.value_counts().sort_index()
    out = pd.concat([size.rename("n"), (size / size.sum()).round(3).rename("share"), means], axis=1)
    out.index.name = "cluster"
    return out


def top_k_ids(scores: pd.Series, k: int) -> pd.Index:
    """分数最高的 ``k`` 个索引（同分按索引从小到大），用来让两种方法交出**一样长**的名单再比较。见第4章 4.2.2。

    示例::

        >>> top_k_ids(pd.Series([0.1, 0.9, 0.5, 0.9], index=[11, 12, 13, 14]), 2).tolist()
        [12, 14]
        >>> top_k_ids(pd.Series([0.1]), 0)
        Traceback (most recent call last):
        ...
        ValueError: k 必须是 1 到 1 之间的整数，收到 0
    """
    if not isinstance(scores, pd.Series):
        raise ValueError(f"scores 应该是以 id 为索引的 Series，收到 {type(scores).__name__}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(scores):
        raise ValueError(f"k 必须是 1 到 {len(scores)} 之间的整数，收到 {k!r}")
    order = pd.DataFrame({"s": scores.to_numpy(), "i": scores.index}).sort_values(["s", "i"], ascending=[False, True])
    return pd.Index(order["i"].head(int(k)).to_numpy(), name=scores.index.name)
