"""第 4 章 数据挖掘算法与应用（ch04_mining_algorithms）的练习题库。

和教学 notebook 一样先去掉答案册里的刷单订单；练习用的是课上没用过的切片：
分类在 2024-08-01 训练、2024-09-01 测试（默认剔除已取消订单），聚类只要下单 ≥ 4 次的顾客，
关联规则分别看 2024 年（手算一条规则）和 2023 年（fpgrowth）。
期望值都由下面的参考代码从 ``helpers.data`` 现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.exercises.rules import FrameRule, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes

TRAIN_CUTOFF = "2024-08-01"
TEST_CUTOFF = "2024-09-01"
WINDOW_DAYS = 30
MIN_ORDERS = 4
N_CLUSTERS = 5
K_RANGE = range(2, 9)
RULE_A, RULE_B = 100121, 100132  # 咖啡豆 → 咖啡滤纸


def _fraud_ids() -> list:
    from helpers.data import truth

    return truth()["fraud_orders"]["order_ids"]


def _orders() -> pd.DataFrame:
    """全部订单（含各种状态），去掉刷单订单。"""
    from helpers.data import load

    o = load("orders")
    return o[~o["order_id"].isin(_fraud_ids())]


def _order_items() -> pd.DataFrame:
    from helpers.data import load

    items = load("order_items")
    return items[~items["order_id"].isin(_fraud_ids())]


# ---------------------------------------------------------------- 4.1 分类


def _task(orders: pd.DataFrame, cutoff: str) -> tuple[pd.DataFrame, pd.Series]:
    """截止日 → （特征表，标签）：RFM + 店龄 + 每单平均金额；标签是截止日起 30 天内是否下单。都剔除已取消订单。"""
    from helpers import mining

    feats = mining.rfm_features(orders, cutoff)
    valid = orders[(orders["order_time"] < cutoff) & (orders["status"] != "已取消")]
    first = valid.groupby("customer_id")["order_time"].min()
    feats["tenure_days"] = (pd.Timestamp(cutoff) - first.reindex(feats.index)).dt.days
    feats["aov"] = feats["monetary"] / feats["frequency"]
    label = mining.ordered_in_window(orders, feats.index, cutoff, WINDOW_DAYS)
    return feats, label


def rfm_means() -> pd.Series:
    """4.1 截止 2024-09-01 的 RFM 三列（剔除已取消订单）各自的均值。"""
    from helpers import mining

    return mining.rfm_features(_orders(), TEST_CUTOFF).mean()


def base_rate() -> float:
    """4.2 上述顾客中，2024-09-01 起 30 天内下了（未取消的）订单的比例。"""
    from helpers import mining

    o = _orders()
    customers = mining.rfm_features(o, TEST_CUTOFF).index
    return float(mining.ordered_in_window(o, customers, TEST_CUTOFF, WINDOW_DAYS).mean())


def _test_scores() -> tuple[pd.Series, pd.Series]:
    """8 月训练、9 月测试的逻辑回归：测试集每位顾客的分数与真实标签。"""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    o = _orders()
    x_train, y_train = _task(o, TRAIN_CUTOFF)
    x_test, y_test = _task(o, TEST_CUTOFF)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(np.log1p(x_train), y_train)
    scores = pd.Series(model.predict_proba(np.log1p(x_test))[:, 1], index=x_test.index)
    return scores, y_test


def oot_auc() -> float:
    """4.3 跨时间切分（8 月训练、9 月测试）的逻辑回归在测试集上的 ROC-AUC。"""
    from sklearn.metrics import roc_auc_score

    scores, y_test = _test_scores()
    return float(roc_auc_score(y_test, scores))


def top_decile_precision_recall() -> pd.Series:
    """4.4 按 4.3 的分数取测试集前 10% 的顾客，这份名单的查准率与查全率。"""
    from helpers import mining
    from helpers.eda import precision_recall

    scores, y_test = _test_scores()
    top = mining.top_k_ids(scores, round(0.1 * len(scores)))
    res = precision_recall(top, y_test.index[y_test])
    return pd.Series({"precision": res["precision"], "recall": res["recall"]})


# ---------------------------------------------------------------- 4.2 聚类


def _features() -> pd.DataFrame:
    from helpers import mining
    from helpers.data import load

    return mining.behaviour_features(_orders(), _order_items(), load("products"), min_orders=MIN_ORDERS)


def _scaled(features: pd.DataFrame) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(features)


def _kmeans_labels(x: np.ndarray, k: int) -> np.ndarray:
    """KMeans(k, n_init=10, random_state=42) 的簇标签。

    单线程计算（与 ``setup_notebook()`` 和判分内核一致）：结果不变，但判分进程在忙碌的机器上
    不会被 OpenMP 的多线程等待拖慢几十倍。
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=10, random_state=42).fit_predict(x)


def kmeans_ari() -> float:
    """4.5 下单 ≥ 4 次的顾客：行为特征标准化后 KMeans(5)，与真实购物者类型的调整兰德指数。"""
    from sklearn.metrics import adjusted_rand_score

    from helpers.data import truth_table

    feats = _features()
    labels = _kmeans_labels(_scaled(feats), N_CLUSTERS)
    types = truth_table("customer_types").set_index("customer_id")["shopper_type"]
    return float(adjusted_rand_score(types.loc[feats.index], labels))


def silhouette_by_k() -> pd.Series:
    """k = 2…8 时的平均轮廓系数（抽 3000 个点，random_state=42）。"""
    from sklearn.metrics import silhouette_score

    x = _scaled(_features())
    return pd.Series({k: silhouette_score(x, _kmeans_labels(x, k), sample_size=3000, random_state=42) for k in K_RANGE})


def silhouette_plot():
    """4.6 轮廓系数随 k 变化的折线图（一条线，7 个点，按 k 从小到大）。"""
    sil = silhouette_by_k()
    return reference_axes(
        "line", sil.index, sil.values, title="不同簇数 k 的平均轮廓系数（下单 ≥ 4 次的顾客）",
        xlabel="簇数 k（个）", ylabel="平均轮廓系数（无量纲，-1 到 1）",
    )  # fmt: skip


def night_profile() -> pd.DataFrame:
    """4.7 4.5 的 5 个簇的画像：人数、深夜下单占比、直播订单占比（去掉没有意义的簇编号）。"""
    from helpers import mining

    feats = _features()
    labels = _kmeans_labels(_scaled(feats), N_CLUSTERS)
    profile = mining.cluster_profile(feats, labels)
    return profile[["n", "night_share", "直播"]].reset_index(drop=True)


# ---------------------------------------------------------------- 4.3 关联规则


def coffee_rule_2024() -> pd.Series:
    """4.8 2024 年的订单上，规则 咖啡豆 → 咖啡滤纸 的支持度、置信度、提升度（按订单计）。"""
    o = _orders()
    ids = o.loc[o["order_time"].dt.year == 2024, "order_id"]
    items = _order_items()
    items = items[items["order_id"].isin(ids)]
    basket = (
        items.assign(a=items["product_id"] == RULE_A, b=items["product_id"] == RULE_B)
        .groupby("order_id")[["a", "b"]]
        .any()
    )
    support = (basket["a"] & basket["b"]).mean()
    confidence = basket.loc[basket["a"], "b"].mean()
    return pd.Series({"support": support, "confidence": confidence, "lift": confidence / basket["b"].mean()})


def fpgrowth_2023() -> pd.Series:
    """4.9 2023 年订单的购物篮：频繁项集数、lift ≥ 2 的规则数，以及找到的商品对对植入商品对的查准率、查全率。"""
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    from helpers import mining
    from helpers.data import truth

    o = _orders()
    ids = o.loc[o["order_time"].dt.year == 2023, "order_id"]
    items = _order_items()
    basket = mining.basket_matrix(items[items["order_id"].isin(ids)])
    frequent = fpgrowth(basket, min_support=0.004, use_colnames=True)
    rules = association_rules(frequent, num_itemsets=len(basket), metric="lift", min_threshold=2)
    found = set(mining.rule_pairs(rules))
    planted = {tuple(sorted((str(p["product_a"]), str(p["product_b"])))) for p in truth()["planted_pairs"]["pairs"]}
    hits = len(found & planted)
    return pd.Series(
        {
            "n_itemsets": len(frequent),
            "n_rules": len(rules),
            "precision": hits / len(found) if found else 0.0,
            "recall": hits / len(planted),
        }
    )


QUESTIONS = [
    Question(
        "4.1",
        2,
        "auto",
        "截止 9 月 1 日的 RFM 均值",
        rfm_means,
        SeriesRule(rtol=1e-6),
        'mining.rfm_features(orders, "2024-09-01") 按默认口径剔除已取消订单（课上为了配合答案册用了 exclude_status=()，'
        "这里不要）；再对表的每一列求均值，索引应是 recency_days、frequency、monetary 三个列名。",
    ),
    Question(
        "4.2",
        2,
        "auto",
        "9 月下单顾客的比例（正类比例）",
        base_rate,
        Number(rtol=1e-6),
        "顾客就是 4.1 那张表的索引；标签用 mining.ordered_in_window(orders, 这些顾客, "
        '"2024-09-01", 30)（默认同样不算已取消的订单），布尔值的均值就是比例。'
        "想一想这个比例为什么重要：它很小，一个永远猜“不会来”的模型准确率也很高，"
        "所以要看 ROC-AUC、PR-AUC；随机挑一份名单，查准率也只有这么高。",
    ),
    Question(
        "4.3",
        3,
        "auto",
        "跨时间切分的逻辑回归 ROC-AUC",
        oot_auc,
        Number(rtol=0, atol=0.003),
        "训练集和测试集用同一个函数生成：rfm_features（默认口径）+ tenure_days（截止日 − 截止日前第一次未取消的下单，按天）"
        "+ aov（monetary ÷ frequency），五列都取 np.log1p；标签是截止日起 30 天内是否下单。"
        '模型只在 "2024-08-01" 的训练集上 fit，在 "2024-09-01" 的测试集上用 predict_proba(...)[:, 1] 打分，'
        "再用 roc_auc_score(测试标签, 分数)。",
    ),
    Question(
        "4.4",
        3,
        "auto",
        "前 10% 名单的查准率与查全率",
        top_decile_precision_recall,
        SeriesRule(rtol=0, atol=0.002),
        "把 4.3 的测试集分数做成以 customer_id 为索引的 Series，k = round(0.1 × 测试集人数)，"
        "名单 = mining.top_k_ids(分数, k)；查准率是名单里真下单的比例，查全率是真下单的人里进了名单的比例"
        "（可以用 eda.precision_recall(名单, y_test.index[y_test])）。索引恰好是 precision 和 recall。",
    ),
    Question(
        "4.5",
        3,
        "auto",
        "KMeans 分群与真实类型的 ARI",
        kmeans_ari,
        Number(rtol=0, atol=0.02),
        "mining.behaviour_features(orders, order_items, products, min_orders=4) → StandardScaler().fit_transform → "
        "KMeans(n_clusters=5, n_init=10, random_state=42)。不标准化时，取值范围大的特征会主导距离。"
        'adjusted_rand_score 的两个参数是真实类型（truth_table("customer_types") 按特征表的 customer_id 对齐）和簇标签。',
    ),
    Question(
        "4.6",
        3,
        "auto",
        "轮廓系数随 k 变化的折线图",
        silhouette_plot,
        PlotRule(kind="line", rtol=0, atol=0.001),
        "用 4.5 的标准化特征，k 从 2 到 8 每次重新 KMeans(k, n_init=10, random_state=42)，"
        "silhouette_score(X, 簇标签, sample_size=3000, random_state=42)（抽样的 random_state 也要固定，否则每次结果不同）；"
        "图里只画一条折线，7 个点按 k 从小到大。",
    ),
    Question(
        "4.7",
        3,
        "auto",
        "5 个簇的人数与深夜、直播占比",
        night_profile,
        FrameRule(rtol=1e-6),
        "mining.cluster_profile(原始特征表, 4.5 的簇标签) 给出每簇的 n、share 和各特征的均值"
        "（均值要在没有标准化的特征上算）；只留 n、night_share、直播 三列，再用 .reset_index(drop=True) 去掉簇编号。",
    ),
    Question(
        "4.8",
        3,
        "auto",
        "手算 咖啡豆 → 咖啡滤纸 的支持度、置信度、提升度",
        coffee_rule_2024,
        SeriesRule(rtol=1e-6),
        "只要 2024 年下的订单（全部状态）的明细，一张订单一个篮子，分母是这些订单的张数；"
        "按 order_id 分组后对“这一行是不是咖啡豆 / 滤纸”取 .any()，得到每单有没有这件商品。"
        "support = 两件都有的订单占比；confidence = 有咖啡豆的订单里也有滤纸的比例；lift = confidence ÷ 有滤纸的订单占比。",
    ),
    Question(
        "4.9",
        3,
        "auto",
        "2023 年购物篮的 fpgrowth 与植入商品对",
        fpgrowth_2023,
        SeriesRule(rtol=1e-6),
        "只用 2023 年下的订单（全部状态）的明细做 mining.basket_matrix；fpgrowth(basket, min_support=0.004, use_colnames=True)；"
        'association_rules(频繁项集, num_itemsets=len(basket), metric="lift", min_threshold=2)。'
        "n_itemsets 是频繁项集的行数，n_rules 是规则的行数；mining.rule_pairs 得到商品对，"
        "答案册的商品对要先变成（小, 大）的字符串元组再比较。",
    ),
    Question(
        "4.10",
        4,
        "open",
        "交给市场部的簇数",
        rubric=(
            "引用两组数字说明分歧：4.6 中轮廓系数最高的 k 及其数值、k = 5 时的轮廓系数，以及 4.5 中 k = 5 的 ARI；"
            "并说明轮廓系数只看几何上分得开不开，ARI 需要真实标签（1 分）",
            "给出交给市场部的 k 并说明理由：看每个簇能否对应一个不同的营销动作、人数是否够用，而不是只取轮廓系数最大的 k；"
            "指出轮廓系数最高的 k 可能只是把一小群最特别的人切了出去（1 分）",
            "用 4.7 的画像举例（如深夜下单占比最高的那一簇的人数、深夜占比与直播占比），说明簇有清楚、可命名的特征（1 分）",
            "命名之前至少列出两项检查：换随机种子或重抽样看簇是否稳定、各簇人数是否太小、是否被单个特征主导、"
            "在另一段时间的数据上能否复现、与客单价/复购等业务指标交叉核对；并指出现实中没有答案册，ARI 算不出来（1 分）",
        ),
    ),
]
