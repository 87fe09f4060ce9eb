"""world v2 · winback 组：故事 13（挽回实验的异质效应）与 15 的挽回定向神谕，从发布的文件里找回。

第 9.3.2 节教的方法：先用随机分组估平均效应；再用发券日前的订单特征做 T-learner（两个逻辑回归，
实验组一个、对照组一个，相减得个体增量），按预测增量排序挑人，用 Qini 曲线评价，最后交给神谕打分。
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers.data import load, truth, truth_table
from helpers.data.oracle import winback_targeting

OFFER = pd.Timestamp("2024-08-01")
TOP_SHARE = 0.30


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")["winback"]


@pytest.fixture(scope="module")
def grants() -> pd.DataFrame:
    return load("winback_grants", "small")


@pytest.fixture(scope="module")
def uplift() -> pd.DataFrame:
    return truth_table("winback_uplift", "small")


@pytest.fixture(scope="module")
def feats(grants) -> pd.DataFrame:
    """学生能算的特征：发券日前的订单（最近一次、次数、客单价、用券比例、各渠道比例、首单至今）。"""
    o = load("orders", "small")
    h = o[o["order_time"] < OFFER]
    h = h.assign(
        used=h["coupon_id"].notna(), live=h["channel"] == "直播", pc=h["channel"] == "PC", app=h["channel"] == "App"
    )
    g = h.groupby("customer_id")
    x = pd.DataFrame(
        {
            "recency": (OFFER - g["order_time"].max()).dt.days,
            "log_freq": np.log(g.size()),
            "log_money": np.log1p(g["gross_amount"].mean()),
            "coupon_share": g["used"].mean(),
            "live_share": g["live"].mean(),
            "pc_share": g["pc"].mean(),
            "app_share": g["app"].mean(),
            "tenure": (OFFER - g["order_time"].min()).dt.days,
        }
    )
    return x.loc[grants["customer_id"]]


def _lr():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _cross_fit(x: pd.DataFrame, y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """两折交叉拟合的 T-learner 增量与“响应模型”（只在实验组上拟合的下单概率），每人都用没见过他的模型打分。"""
    fold = np.arange(len(y)) % 2 == 0
    score, resp = np.zeros(len(y)), np.zeros(len(y))
    for tr in (fold, ~fold):
        te = ~tr
        m1 = _lr().fit(x[tr & t], y[tr & t])
        m0 = _lr().fit(x[tr & ~t], y[tr & ~t])
        p1 = m1.predict_proba(x[te])[:, 1]
        score[te] = p1 - m0.predict_proba(x[te])[:, 1]
        resp[te] = p1
    return score, resp


@pytest.fixture(scope="module")
def model(feats, grants) -> dict:
    y = grants["converted"].to_numpy(int)
    t = (grants["group"] == "实验组").to_numpy()
    score, resp = _cross_fit(feats, y, t)
    return {"score": score, "resp": resp, "y": y, "t": t, "ids": grants["customer_id"].to_numpy()}


def _top(ids: np.ndarray, score: np.ndarray, share: float = TOP_SHARE) -> np.ndarray:
    return ids[np.argsort(-score, kind="stable")[: int(share * len(ids))]]


def test_design_sizes(key, uplift):
    shares = key["segment_shares"]
    assert 0.10 <= shares["勿扰"] <= 0.15, shares
    assert 0.15 <= shares["可说服"] <= 0.25, shares
    assert 0.02 <= key["true_ate"] <= 0.04, key["true_ate"]
    assert (uplift.loc[uplift["segment"] == "勿扰", "tau"] < 0).all()
    assert (uplift.loc[uplift["segment"] == "可说服", "tau"] > 0).all()
    assert (uplift.loc[uplift["segment"].isin(["必买", "无望"]), "tau"] == 0).all()
    # 必买者的基础概率最高——“按响应概率挑人”会挑中他们
    p0 = key["segment_mean_p0"]
    assert p0["必买"] > max(p0["可说服"], p0["无望"], p0["勿扰"]), p0


def test_ate_ci_covers_truth_and_matches_grants(key, grants):
    t = grants["group"] == "实验组"
    pt, pc = grants.loc[t, "converted"].mean(), grants.loc[~t, "converted"].mean()
    se = np.sqrt(pt * (1 - pt) / t.sum() + pc * (1 - pc) / (~t).sum())
    assert abs((pt - pc) - key["estimate"]["diff"]) < 1e-4
    assert pt - pc - 1.96 * se <= key["true_ate"] <= pt - pc + 1.96 * se, (pt - pc, se, key["true_ate"])
    assert pt - pc > 0, "设计上平均效应为正（期望 z 约 3）"
    # 对照组不会用这张券；实验组用券率 ≠ 增量（本来就会回来的人也用券）
    assert not grants.loc[~t, "redeemed"].any()
    assert grants.loc[t, "redeemed"].mean() > 2 * key["true_ate"]


def test_oracle_reproduces_the_realised_experiment(grants):
    t = grants["group"] == "实验组"
    ids_t, ids_c = grants.loc[t, "customer_id"], grants.loc[~t, "customer_id"]
    rt, rc = winback_targeting(ids_t), winback_targeting(ids_c)
    up = truth_table("winback_uplift", "small").set_index("customer_id")
    for r, ids, col, real in (
        (rt, ids_t, "p1", grants.loc[t, "converted"].sum()),
        (rc, ids_c, "p0", grants.loc[~t, "converted"].sum()),
    ):
        expected = r["orders_if_sent"] if col == "p1" else r["orders_if_not"]
        p = up.loc[ids, col].to_numpy()
        sd = np.sqrt((p * (1 - p)).sum())
        assert abs(real - expected) < 3 * sd, f"{col}: 实际 {real} 单 vs 神谕期望 {expected}（sd {sd:.1f}）"
    whole = winback_targeting(grants["customer_id"])
    assert whole["incremental_orders"] == whole["all"]["incremental_orders"]
    assert whole["share_of_best"] == 1  # 全部发时“同样人数的最佳”就是全部
    assert rt["share_of_best"] < 0.5, "随机的一半人远不如同样人数下按真实效应挑人"


def test_oracle_rejects_bad_input(grants):
    with pytest.raises(ValueError, match="不是挽回实验的入组客户"):
        winback_targeting([grants["customer_id"].max() + 10_000_000])
    with pytest.raises(ValueError, match="整数"):
        winback_targeting("12345")
    with pytest.raises(ValueError, match="整数"):
        winback_targeting([1.5, 2.5])
    with pytest.raises(ValueError, match="重复"):
        winback_targeting([int(grants["customer_id"].iloc[0])] * 2)
    assert winback_targeting([])["incremental_orders"] == 0


def test_uplift_model_beats_random_and_response_targeting(model):
    ids = model["ids"]
    up = winback_targeting(_top(ids, model["score"]))
    resp = winback_targeting(_top(ids, model["resp"]))
    rnd = up["random"]
    # T-learner 的前 30%：增量订单明显多于随机和“按响应概率挑人”，但离真实上限还远
    assert up["incremental_orders"] > 2.5 * rnd["incremental_orders"], (up, rnd)
    assert up["incremental_orders"] > 1.15 * resp["incremental_orders"], (up["incremental_orders"], resp)
    assert up["incremental_margin"] > resp["incremental_margin"] + 1000, (up["incremental_margin"], resp)
    assert 0.45 <= up["share_of_best"] <= 0.85, up["share_of_best"]
    # 世界自己的做法（全部发）订单略增，毛利却是负的：勿扰者的流失抵掉了可说服者的增量
    assert up["all"]["incremental_orders"] > 0 > up["all"]["incremental_margin"]
    assert up["incremental_margin"] > 0


def _qini_area(order: np.ndarray, y: np.ndarray, t: np.ndarray) -> float:
    """经验 Qini 曲线下、随机线之上的面积（按人数比例 0–1 归一），用观测结果计算。"""
    y, t = y[order], t[order]
    nt, nc = np.cumsum(t), np.cumsum(~t)
    q = np.cumsum(y * t) - np.cumsum(y * ~t) * np.where(nc > 0, nt / np.maximum(nc, 1), 0.0)
    x = np.arange(1, len(y) + 1) / len(y)
    return float(np.trapezoid(q - x * q[-1], x))


def test_qini_of_t_learner_vs_truth(model, uplift):
    tau = uplift.set_index("customer_id").loc[model["ids"], "tau"].to_numpy()
    y, t = model["y"], model["t"]
    q_model = _qini_area(np.argsort(-model["score"], kind="stable"), y, t)
    q_truth = _qini_area(np.argsort(-tau, kind="stable"), y, t)
    q_resp = _qini_area(np.argsort(-model["resp"], kind="stable"), y, t)
    assert q_truth > q_model > 0, (q_truth, q_model)
    assert 0.25 <= q_model / q_truth <= 0.85, q_model / q_truth
    assert q_model > q_resp, (q_model, q_resp)
    # 用真实 tau 计算的 AUUC（归一：随机 0，完美 1）
    cum = lambda s: np.cumsum(tau[np.argsort(-s, kind="stable")])  # noqa: E731
    rand = np.arange(1, len(tau) + 1) * tau.mean()
    auuc = (cum(model["score"]) - rand).sum() / (cum(tau) - rand).sum()
    assert 0.3 <= auuc <= 0.8, auuc


def test_realised_effect_by_true_segment(grants, uplift):
    """按真实类型分组看实验结果：勿扰者发券后下单率明显更低，可说服者明显更高，必买与无望差不多。"""
    g = grants.merge(uplift[["customer_id", "segment"]], on="customer_id")
    rate = g.groupby(["segment", "group"])["converted"].mean().unstack()
    diff = rate["实验组"] - rate["对照组"]
    assert diff["勿扰"] < -0.08, diff.round(3).to_dict()
    assert diff["可说服"] > 0.12, diff.round(3).to_dict()
    assert abs(diff["必买"]) < 0.10 and abs(diff["无望"]) < 0.04, diff.round(3).to_dict()
