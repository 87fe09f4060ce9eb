"""helpers.mining 的单元测试（第4章：截止日特征与标签、行为特征、购物篮、聚类画像）。

docstring 里的示例由 doctest 运行，这里不重复；这里拿真实的 small 数据与朴素的 pandas 写法对答案，
并检查边界、同分、报错信息和“不修改传入数据”。
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from helpers import mining
from helpers.data import load, truth, truth_table

CUTOFF = pd.Timestamp("2024-07-01")


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return load("orders")


@pytest.fixture(scope="module")
def order_items() -> pd.DataFrame:
    return load("order_items")


@pytest.fixture(scope="module")
def products() -> pd.DataFrame:
    return load("products")


@pytest.fixture(scope="module")
def key() -> dict:
    return truth()


@pytest.fixture(scope="module")
def baskets(order_items) -> pd.DataFrame:
    return mining.basket_matrix(order_items)


@pytest.fixture(scope="module")
def itemsets(baskets) -> pd.DataFrame:
    from mlxtend.frequent_patterns import fpgrowth

    return fpgrowth(baskets, min_support=0.005, use_colnames=True)


@pytest.fixture(scope="module")
def honest(orders, order_items, key) -> tuple[pd.DataFrame, pd.DataFrame]:
    """去掉刷单订单后的 orders 与 order_items（第4章聚类用的数据）。"""
    fraud = set(key["fraud_orders"]["order_ids"])
    return orders[~orders["order_id"].isin(fraud)], order_items[~order_items["order_id"].isin(fraud)]


@pytest.fixture(scope="module")
def behaviour(honest, products) -> pd.DataFrame:
    o, it = honest
    return mining.behaviour_features(o, it, products)


def _tiny_orders() -> pd.DataFrame:
    """三位客户、五张订单的小表，列类型与真实数据一样（category、可空 Int64）。"""
    return pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4, 5],
            "customer_id": [7, 7, 7, 8, 9],
            "order_time": pd.to_datetime(
                ["2024-05-01 23:30", "2024-06-10 10:00", "2024-06-30 12:00", "2024-06-15 09:00", "2024-07-02 00:00"]
            ),
            "channel": pd.Categorical(["App", "PC", "App", "小程序", "App"]),
            "status": pd.Categorical(["已完成", "已取消", "已完成", "已完成", "已完成"]),
            "pay_amount": [100.0, 20.0, 50.0, 80.0, 10.0],
            "coupon_id": pd.array([None, 3, None, 4, None], dtype="Int64"),
        }
    )


def _tiny_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [1, 1, 2, 3, 3, 4, 5],
            "product_id": [10, 11, 10, 12, 12, 11, 10],
            "quantity": [1, 2, 1, 1, 1, 3, 1],
            "unit_price": [100.0, 25.0, 20.0, 30.0, 30.0, 26.0, 10.0],
        }
    )


def _tiny_products() -> pd.DataFrame:
    return pd.DataFrame({"product_id": [10, 11, 12], "category": pd.Categorical(["数码", "食品", "食品"])})


def _tiny_rules() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "antecedents": [frozenset({"11"}), frozenset({"10"}), frozenset({"10", "12"}), frozenset({"13"})],
            "consequents": [frozenset({"10"}), frozenset({"11"}), frozenset({"11"}), frozenset({"10", "12"})],
            "lift": [2.5, 2.5, 3.0, 3.0],
        }
    )


# ---------- rfm_features ----------


def test_rfm_features_match_plain_pandas_on_real_orders(orders):
    kept = orders[(orders["order_time"] < CUTOFF) & (orders["status"] != "已取消")]
    g = kept.groupby("customer_id")
    expected = pd.DataFrame(
        {
            "recency_days": (CUTOFF - g["order_time"].max()).dt.days,
            "frequency": g["order_id"].nunique(),
            "monetary": g["pay_amount"].sum(),
        }
    )
    out = mining.rfm_features(orders, "2024-07-01")
    pd.testing.assert_frame_equal(out, expected)
    assert out.index.name == "customer_id"
    assert out.index.is_unique and out.index.is_monotonic_increasing
    assert (out["recency_days"] >= 0).all() and (out["frequency"] >= 1).all()
    assert len(out) > 1000  # 真的有数据，不是空表之间的比较


def test_rfm_features_ignore_orders_on_or_after_the_cutoff(orders):
    before = mining.rfm_features(orders, CUTOFF)
    cid = int(before.index[0])
    late = orders.iloc[[0, 0]].copy()
    late["order_id"] = [99_000_001, 99_000_002]
    late["customer_id"] = [cid, 99_999]  # 一位老客户，一位截止日后才出现的新客户
    late["order_time"] = [CUTOFF, CUTOFF + pd.Timedelta(days=30)]  # 恰好在截止日 0 点也不算
    late["status"] = pd.Categorical(["已完成", "已完成"], categories=orders["status"].cat.categories)
    late["pay_amount"] = 1e6
    with_late = pd.concat([orders, late], ignore_index=True)
    pd.testing.assert_frame_equal(mining.rfm_features(with_late, CUTOFF), before)

    # 反过来证明这个测试有辨别力：早一微秒的订单就会改变这位客户的特征
    late["order_time"] = CUTOFF - pd.Timedelta(microseconds=1)
    changed = mining.rfm_features(pd.concat([orders, late], ignore_index=True), CUTOFF)
    assert changed.loc[cid, "recency_days"] == 0
    assert changed.loc[cid, "frequency"] == before.loc[cid, "frequency"] + 1
    assert changed.loc[cid, "monetary"] == pytest.approx(before.loc[cid, "monetary"] + 1e6)
    assert 99_999 in changed.index and 99_999 not in before.index


def test_rfm_features_exclude_status_empty_counts_cancelled(orders):
    past = orders[orders["order_time"] < CUTOFF]
    n_cancelled = int((past["status"] == "已取消").sum())
    assert n_cancelled > 0
    default = mining.rfm_features(orders, CUTOFF)
    everything = mining.rfm_features(orders, CUTOFF, exclude_status=())
    assert everything["frequency"].sum() == len(past)
    assert everything["frequency"].sum() - default["frequency"].sum() == n_cancelled
    assert everything["monetary"].sum() == pytest.approx(past["pay_amount"].sum())
    # 只下过取消订单的客户默认不出现，不剔除时出现
    only_cancelled = set(past["customer_id"]) - set(past.loc[past["status"] != "已取消", "customer_id"])
    assert only_cancelled.isdisjoint(default.index)
    assert only_cancelled <= set(everything.index)


def test_rfm_features_small_table_by_hand():
    out = mining.rfm_features(_tiny_orders(), "2024-07-01")
    assert out.to_dict("index") == {
        7: {"recency_days": 0, "frequency": 2, "monetary": 150.0},  # 6月30日 12点下单，不足一天记 0
        8: {"recency_days": 15, "frequency": 1, "monetary": 80.0},  # 6月15日 9点：15 天多，向下取整
    }
    assert mining.rfm_features(_tiny_orders(), "2024-01-01").empty
    # 同一时刻的两张订单是两次购买
    o = _tiny_orders()
    twin = pd.concat([o, o.iloc[[3]].assign(order_id=6, pay_amount=1.0)], ignore_index=True)
    assert mining.rfm_features(twin, "2024-07-01").loc[8].tolist() == [15, 2, 81.0]


def test_rfm_features_custom_column_names():
    o = _tiny_orders().rename(columns={"customer_id": "uid", "order_time": "ts", "pay_amount": "gmv", "status": "st"})
    out = mining.rfm_features(o, CUTOFF, customer="uid", time="ts", amount="gmv", status="st")
    assert out.index.name == "uid"
    assert out["frequency"].to_dict() == {7: 2, 8: 1}


@pytest.mark.parametrize("bad", ["七月", "2024-13-01", None, pd.NaT])
def test_rfm_features_bad_asof(bad):
    with pytest.raises(ValueError, match="asof"):
        mining.rfm_features(_tiny_orders(), bad)


# ---------- ordered_in_window ----------


def _window_orders() -> pd.DataFrame:
    start = CUTOFF
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "order_time": [
                start,  # 窗口起点：在内
                start + pd.Timedelta(days=30),  # 恰好 start + days：在外
                start + pd.Timedelta(days=30) - pd.Timedelta(microseconds=1),  # 终点前一刻：在内
                start - pd.Timedelta(microseconds=1),  # 起点前一刻：在外
                start + pd.Timedelta(days=3),  # 在窗口内，但已取消
            ],
            "status": pd.Categorical(["已完成", "已完成", "已退款", "已完成", "已取消"]),
        }
    )


def test_ordered_in_window_bounds_are_half_open():
    out = mining.ordered_in_window(_window_orders(), [1, 2, 3, 4, 5, 6], "2024-07-01", 30)
    assert out.to_dict() == {1: True, 2: False, 3: True, 4: False, 5: False, 6: False}
    assert out.dtype == bool and out.name == "ordered" and out.index.name == "customer_id"


def test_ordered_in_window_keeps_the_given_order_and_counts_cancelled_when_asked():
    customers = [6, 5, 3, 1, 4, 2]
    out = mining.ordered_in_window(_window_orders(), customers, CUTOFF, 30)
    assert out.index.tolist() == customers
    assert out.tolist() == [False, False, True, True, False, False]
    everything = mining.ordered_in_window(_window_orders(), customers, CUTOFF, 30, exclude_status=())
    assert everything.tolist() == [False, True, True, True, False, False]
    # 生成器、Series 都可以当客户名单
    gen = mining.ordered_in_window(_window_orders(), (c for c in customers), CUTOFF, 30)
    ser = mining.ordered_in_window(_window_orders(), pd.Series(customers, name="x"), CUTOFF, 30)
    pd.testing.assert_series_equal(gen, out)
    pd.testing.assert_series_equal(ser, out)


def test_ordered_in_window_matches_plain_pandas_on_real_orders(orders):
    customers = mining.rfm_features(orders, CUTOFF).index
    end = CUTOFF + pd.Timedelta(days=90)
    inside = orders[(orders["order_time"] >= CUTOFF) & (orders["order_time"] < end) & (orders["status"] != "已取消")]
    expected = pd.Series(customers.isin(inside["customer_id"]), index=customers, name="ordered")
    out = mining.ordered_in_window(orders, customers, CUTOFF, 90)
    pd.testing.assert_series_equal(out, expected)
    assert 0.05 < out.mean() < 0.95  # 两类都有，标签不是常数


@pytest.mark.parametrize("days", [0, -5, 1.5, 30.0, True, "30"])
def test_ordered_in_window_bad_days(days):
    with pytest.raises(ValueError, match="days"):
        mining.ordered_in_window(_window_orders(), [1], CUTOFF, days)


def test_ordered_in_window_bad_start():
    with pytest.raises(ValueError, match="start"):
        mining.ordered_in_window(_window_orders(), [1], "下个月", 30)


# ---------- behaviour_features ----------


def test_behaviour_features_shares_sum_to_one(behaviour, products, orders):
    categories = sorted(products["category"].astype(str).unique())
    channels = sorted(orders["channel"].astype(str).unique())
    assert set(categories) | set(channels) <= set(behaviour.columns)
    for cols in (categories, channels):
        shares = behaviour[cols]
        assert ((shares >= 0) & (shares <= 1)).all().all()
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    for col in ("coupon_share", "night_share"):
        assert behaviour[col].between(0, 1).all()
    assert behaviour.notna().all().all()
    assert (behaviour["lines_per_order"] >= 1).all()


@pytest.mark.parametrize("min_orders", [3, 6])
def test_behaviour_features_only_customers_with_enough_orders(honest, products, behaviour, min_orders):
    o, it = honest
    out = behaviour if min_orders == 3 else mining.behaviour_features(o, it, products, min_orders=min_orders)
    n = o.groupby("customer_id").size()
    assert sorted(out.index) == sorted(n.index[n >= min_orders])
    assert out.index.name == "customer_id" and out.index.is_unique


def test_behaviour_features_small_table_by_hand():
    f = mining.behaviour_features(_tiny_orders(), _tiny_items(), _tiny_products(), min_orders=1)
    assert f.index.tolist() == [7, 8, 9]
    row = f.loc[7]
    # 客户 7：订单 1（100 + 2×25）、2（20）、3（30 + 30）；数码 120，食品 110
    assert row["数码"] == pytest.approx(120 / 230) and row["食品"] == pytest.approx(110 / 230)
    assert row["log_unit_price"] == pytest.approx(np.log(230 / 6))
    assert row["lines_per_order"] == pytest.approx(5 / 3)
    assert row["coupon_share"] == pytest.approx(1 / 3)
    assert row["night_share"] == pytest.approx(1 / 3)  # 只有 23:30 那单
    assert row["App"] == pytest.approx(2 / 3) and row["PC"] == pytest.approx(1 / 3) and row["小程序"] == 0
    assert f.loc[8, "食品"] == 1.0 and f.loc[8, "coupon_share"] == 1.0
    only_7 = mining.behaviour_features(_tiny_orders(), _tiny_items(), _tiny_products(), min_orders=3)
    assert only_7.index.tolist() == [7]


def test_behaviour_features_night_hours_parameter():
    f = mining.behaviour_features(_tiny_orders(), _tiny_items(), _tiny_products(), min_orders=1, night_hours=(9, 10))
    assert f["night_share"].to_dict() == {7: pytest.approx(1 / 3), 8: 1.0, 9: 0.0}


def test_behaviour_features_kmeans_recovers_shopper_types(behaviour):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    x = StandardScaler().fit_transform(behaviour)
    with threadpool_limits(1):  # pytest -n 2 已占满两核；OpenMP 再开线程只会互相抢
        labels = KMeans(5, n_init=10, random_state=42).fit_predict(x)
    types = truth_table("customer_types").set_index("customer_id")["shopper_type"]
    ari = adjusted_rand_score(types.loc[behaviour.index], labels)
    assert 0.45 <= ari <= 0.8, ari  # 约 0.47：行为特征找得回大部分类型，但远非完美


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_behaviour_features_bad_min_orders(bad):
    with pytest.raises(ValueError, match="min_orders"):
        mining.behaviour_features(_tiny_orders(), _tiny_items(), _tiny_products(), min_orders=bad)


# ---------- basket_matrix ----------


def test_basket_matrix_shape_dtype_and_names(baskets, order_items):
    assert baskets.shape == (order_items["order_id"].nunique(), order_items["product_id"].nunique())
    assert (baskets.dtypes == pd.SparseDtype(bool, False)).all()
    assert all(isinstance(c, str) for c in baskets.columns)
    assert baskets.columns.tolist() == [str(p) for p in sorted(order_items["product_id"].unique())]
    assert baskets.index.name == "order_id" and baskets.index.is_monotonic_increasing


def test_basket_matrix_cells_are_exactly_the_order_product_pairs(baskets, order_items):
    coo = baskets.sparse.to_coo()
    got = pd.DataFrame(
        {"order_id": baskets.index[coo.row], "product_id": baskets.columns[coo.col].astype(int)}
    ).sort_values(["order_id", "product_id"], ignore_index=True)
    expected = (
        order_items[["order_id", "product_id"]]
        .drop_duplicates()
        .sort_values(["order_id", "product_id"], ignore_index=True)
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_basket_matrix_duplicate_lines_count_once(order_items, baskets):
    dup = order_items.head(200).assign(quantity=5)
    doubled = pd.concat([order_items, dup, dup], ignore_index=True)
    again = mining.basket_matrix(doubled)
    # 稀疏矩阵逐列 assert_frame_equal 要好几秒；比较索引、列、类型和非零位置是同一件事
    assert again.index.equals(baskets.index) and again.columns.equals(baskets.columns)
    assert (again.dtypes == baskets.dtypes).all()
    assert (again.sparse.to_coo() != baskets.sparse.to_coo()).nnz == 0
    small = pd.DataFrame({"order_id": [1, 1, 1, 2], "product_id": [5, 5, 6, 5], "quantity": [1, 3, 1, 2]})
    dense = mining.basket_matrix(small).sparse.to_dense()
    assert dense.to_dict("index") == {1: {"5": True, "6": True}, 2: {"5": True, "6": False}}


def test_basket_matrix_custom_column_names():
    items = pd.DataFrame({"ticket": [3, 3, 4], "sku": ["b", "a", "b"]})
    dense = mining.basket_matrix(items, order="ticket", item="sku").sparse.to_dense()
    assert dense.index.name == "ticket" and dense.columns.tolist() == ["a", "b"]
    assert dense.to_numpy().tolist() == [[True, True], [False, True]]


def test_fpgrowth_single_product_support_is_share_of_orders(itemsets, order_items):
    share = order_items.groupby("product_id")["order_id"].nunique() / order_items["order_id"].nunique()
    single = itemsets[itemsets["itemsets"].map(len) == 1]
    got = pd.Series(single["support"].to_numpy(), index=[next(iter(s)) for s in single["itemsets"]]).sort_index()
    expected = share[share >= 0.005].rename(index=str).sort_index()
    assert len(got) > 30  # 43 个商品的支持度 ≥ 0.005
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())
    assert got.index.tolist() == expected.index.tolist()


# ---------- rule_pairs ----------


def test_rule_pairs_finds_exactly_the_planted_pairs(itemsets, key):
    from mlxtend.frequent_patterns import association_rules

    rules = association_rules(itemsets, metric="lift", min_threshold=2)
    planted = sorted(tuple(sorted((str(p["product_a"]), str(p["product_b"])))) for p in key["planted_pairs"]["pairs"])
    assert len(planted) == 8
    assert mining.rule_pairs(rules) == planted


def test_rule_pairs_merges_directions_and_drops_multi_item_rules():
    assert mining.rule_pairs(_tiny_rules()) == [("10", "11")]
    flipped = _tiny_rules().iloc[::-1]
    assert mining.rule_pairs(flipped) == [("10", "11")]
    assert mining.rule_pairs(_tiny_rules().iloc[2:]) == []
    assert mining.rule_pairs(_tiny_rules().iloc[:0]) == []
    more = pd.DataFrame({"antecedents": [frozenset({"9"}), frozenset({"3"})], "consequents": [frozenset({"2"})] * 2})
    assert mining.rule_pairs(more) == [("2", "3"), ("2", "9")]


# ---------- k_distance ----------


def _brute_k_distance(x: np.ndarray, k: int) -> np.ndarray:
    d = np.sort(cdist(x, x), axis=1)  # 第 0 列是自己（距离 0）
    return np.sort(d[:, k])[::-1]


@pytest.mark.parametrize("k", [1, 3, 29])
def test_k_distance_matches_brute_force(k):
    x = np.random.default_rng(0).normal(size=(30, 3))
    out = mining.k_distance(x, k)
    np.testing.assert_allclose(out, _brute_k_distance(x, k))
    assert out.shape == (30,)
    assert (np.diff(out) <= 0).all()  # 从大到小


def test_k_distance_duplicates_ties_and_dataframe_input():
    x = pd.DataFrame({"a": [0.0, 0.0, 0.0, 5.0], "b": [1.0, 1.0, 1.0, 1.0]})
    before = x.copy()
    np.testing.assert_allclose(mining.k_distance(x, 1), [5.0, 0.0, 0.0, 0.0])  # 重合的点互为距离 0 的邻居
    np.testing.assert_allclose(mining.k_distance(x, 2), [5.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(mining.k_distance(x, 3), [5.0, 5.0, 5.0, 5.0])
    np.testing.assert_allclose(mining.k_distance(x, 2), mining.k_distance(x.to_numpy(), 2))
    pd.testing.assert_frame_equal(x, before)


@pytest.mark.parametrize("k", [0, -1, 4, 1.0, True, "2"])
def test_k_distance_bad_k(k):
    with pytest.raises(ValueError, match=re.escape("样本数−1（3）")):
        mining.k_distance(np.zeros((4, 2)), k)


def test_k_distance_bad_shape():
    with pytest.raises(ValueError, match="二维"):
        mining.k_distance(np.arange(5.0), 1)
    with pytest.raises(ValueError, match="k 必须"):
        mining.k_distance(np.zeros((1, 2)), 1)  # 只有一个点，没有邻居


# ---------- cluster_profile ----------


def test_cluster_profile_counts_shares_and_means():
    rng = np.random.default_rng(1)
    f = pd.DataFrame({"price": rng.normal(100, 20, 50), "night": rng.uniform(0, 1, 50)}, index=range(1000, 1050))
    labels = rng.integers(0, 4, 50)
    out = mining.cluster_profile(f, labels)
    assert out.columns.tolist() == ["n", "share", "price", "night"]
    assert out.index.name == "cluster" and out.index.tolist() == sorted(set(labels))
    assert out["n"].sum() == 50 and out["n"].dtype.kind == "i"
    expected_n = pd.Series(labels).value_counts().sort_index()
    assert out["n"].tolist() == expected_n.tolist()
    np.testing.assert_allclose(out["share"], (expected_n / 50).round(3))
    means = f.groupby(labels).mean()
    np.testing.assert_allclose(out[["price", "night"]], means)


def test_cluster_profile_sorts_clusters_and_keeps_noise_label():
    f = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=[50, 40, 30, 20, 10])
    out = mining.cluster_profile(f, pd.Series([2, -1, 0, 2, 0], index=f.index))
    assert out.index.tolist() == [-1, 0, 2]  # DBSCAN 的噪声 −1 排最前
    assert out["n"].tolist() == [1, 2, 2]
    assert out["x"].tolist() == [2.0, 4.0, 2.5]
    # 列表、ndarray 与同索引的 Series 结果相同
    pd.testing.assert_frame_equal(mining.cluster_profile(f, [2, -1, 0, 2, 0]), out)
    pd.testing.assert_frame_equal(mining.cluster_profile(f, np.array([2, -1, 0, 2, 0])), out)


def test_cluster_profile_single_cluster():
    out = mining.cluster_profile(pd.DataFrame({"x": [1.0, 3.0]}), [0, 0])
    assert out.to_dict("index") == {0: {"n": 2, "share": 1.0, "x": 2.0}}


def test_cluster_profile_bad_input():
    with pytest.raises(ValueError, match=re.escape("labels 的长度（4）与 features 的行数（3）")):
        mining.cluster_profile(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="DataFrame"):
        mining.cluster_profile(np.zeros((3, 2)), [0, 1, 0])


# ---------- top_k_ids ----------


def test_top_k_ids_ties_break_by_smaller_id():
    s = pd.Series([0.5, 0.9, 0.9, 0.1, 0.9], index=[30, 50, 10, 20, 40], name="score").rename_axis("customer_id")
    assert mining.top_k_ids(s, 1).tolist() == [10]
    assert mining.top_k_ids(s, 3).tolist() == [10, 40, 50]
    assert mining.top_k_ids(s, 4).tolist() == [10, 40, 50, 30]
    out = mining.top_k_ids(s, 5)
    assert out.tolist() == [10, 40, 50, 30, 20] and out.name == "customer_id"
    assert isinstance(out, pd.Index)


def test_top_k_ids_matches_plain_pandas_and_nan_goes_last():
    rng = np.random.default_rng(2)
    s = pd.Series(rng.integers(0, 5, 200).astype(float), index=rng.permutation(np.arange(1000, 1200)))
    expected = s.rename_axis("i").reset_index(name="s").sort_values(["s", "i"], ascending=[False, True])["i"]
    assert mining.top_k_ids(s, 37).tolist() == expected.head(37).tolist()
    with_nan = pd.Series([np.nan, 0.2, np.nan, 0.1], index=[1, 2, 3, 4])
    assert mining.top_k_ids(with_nan, 2).tolist() == [2, 4]


@pytest.mark.parametrize("k", [0, -1, 4, 2.0, True, "1"])
def test_top_k_ids_bad_k(k):
    with pytest.raises(ValueError, match="k 必须是 1 到 3 之间的整数"):
        mining.top_k_ids(pd.Series([0.1, 0.2, 0.3]), k)


@pytest.mark.parametrize("bad", [[0.1, 0.2], np.array([0.1, 0.2]), pd.DataFrame({"s": [0.1, 0.2]})])
def test_top_k_ids_needs_a_series(bad):
    with pytest.raises(ValueError, match="Series"):
        mining.top_k_ids(bad, 1)


# ---------- missing columns → ValueError naming the column ----------


def _call(name: str, table: str, frame: pd.DataFrame):
    frames = {"orders": _tiny_orders(), "order_items": _tiny_items(), "products": _tiny_products()}
    frames[table] = frame
    if name == "rfm_features":
        return mining.rfm_features(frames["orders"], CUTOFF)
    if name == "ordered_in_window":
        return mining.ordered_in_window(frames["orders"], [7, 8], CUTOFF, 30)
    if name == "behaviour_features":
        return mining.behaviour_features(frames["orders"], frames["order_items"], frames["products"], min_orders=1)
    if name == "basket_matrix":
        return mining.basket_matrix(frames["order_items"])
    if name == "rule_pairs":
        return mining.rule_pairs(frame)
    raise AssertionError(name)


MISSING = [
    *[("rfm_features", "orders", c) for c in ["customer_id", "order_time", "pay_amount", "status"]],
    *[("ordered_in_window", "orders", c) for c in ["customer_id", "order_time", "status"]],
    *[("behaviour_features", "orders", c) for c in ["order_id", "customer_id", "channel", "coupon_id", "order_time"]],
    *[("behaviour_features", "order_items", c) for c in ["order_id", "product_id", "quantity", "unit_price"]],
    *[("behaviour_features", "products", c) for c in ["product_id", "category"]],
    *[("basket_matrix", "order_items", c) for c in ["order_id", "product_id"]],
    *[("rule_pairs", "rules", c) for c in ["antecedents", "consequents"]],
]


@pytest.mark.parametrize(("name", "table", "column"), MISSING, ids=[f"{n}-{t}-{c}" for n, t, c in MISSING])
def test_missing_column_is_named(name, table, column):
    full = {
        "orders": _tiny_orders(),
        "order_items": _tiny_items(),
        "products": _tiny_products(),
        "rules": _tiny_rules(),
    }[table]
    _call(name, table, full)  # 完整的表可以算
    with pytest.raises(ValueError, match=re.escape(f"{table} 缺少列：['{column}']")):
        _call(name, table, full.drop(columns=column))


def test_custom_column_name_is_the_one_reported():
    with pytest.raises(ValueError, match=re.escape("['gmv']")):
        mining.rfm_features(_tiny_orders(), CUTOFF, amount="gmv")
    with pytest.raises(ValueError, match=re.escape("['uid']")):
        mining.ordered_in_window(_tiny_orders(), [7], CUTOFF, 30, customer="uid")
    with pytest.raises(ValueError, match=re.escape("['sku']")):
        mining.basket_matrix(_tiny_items(), item="sku")


@pytest.mark.parametrize(
    "call",
    [
        lambda x: mining.rfm_features(x, CUTOFF),
        lambda x: mining.ordered_in_window(x, [1], CUTOFF, 30),
        lambda x: mining.behaviour_features(x, _tiny_items(), _tiny_products()),
        lambda x: mining.basket_matrix(x),
        lambda x: mining.rule_pairs(x),
    ],
    ids=["rfm_features", "ordered_in_window", "behaviour_features", "basket_matrix", "rule_pairs"],
)
def test_non_dataframe_input_is_rejected(call):
    with pytest.raises(ValueError, match="应该是 DataFrame，收到 dict"):
        call({"customer_id": [1]})


# ---------- never mutate the input ----------


def test_functions_do_not_mutate_input():
    o, items, prods, rules = _tiny_orders(), _tiny_items(), _tiny_products(), _tiny_rules()
    feats = pd.DataFrame({"a": [3.0, 1.0, 2.0], "b": [0.0, 1.0, 1.0]}, index=[9, 7, 8])
    scores = pd.Series([0.3, 0.3, 0.1], index=[9, 7, 8], name="score")
    labels = pd.Series([1, 0, 1], index=[9, 7, 8])
    customers = [9, 7, 8]
    copies = [x.copy() for x in (o, items, prods, rules, feats, scores, labels)]
    mining.rfm_features(o, CUTOFF)
    mining.rfm_features(o, CUTOFF, exclude_status=())
    mining.ordered_in_window(o, customers, "2024-06-01", 30)
    mining.behaviour_features(o, items, prods, min_orders=1)
    mining.basket_matrix(items)
    mining.rule_pairs(rules)
    mining.k_distance(feats, 1)
    mining.cluster_profile(feats, labels)
    mining.top_k_ids(scores, 2)
    for now, before in zip((o, items, prods, rules, feats), copies[:5], strict=True):
        pd.testing.assert_frame_equal(now, before)
    pd.testing.assert_series_equal(scores, copies[5])
    pd.testing.assert_series_equal(labels, copies[6])
    assert customers == [9, 7, 8]
