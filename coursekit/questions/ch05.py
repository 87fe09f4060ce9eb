"""第 5 章 用户行为分析（ch05_user_behavior）的练习题库。

练习用的是课上没用过的切片：15 分钟的会话规则、搜索日志的 JSON 导出、按**注册周**的同期群、
“浏览 → 收藏 → 加购 → 购买”四步漏斗、每天的转化率曲线、按城市等级的 180 天 LTV、截止日 2024-07-01 的分层与 RFM，
以及在 2024-10-01 训练、2024-11-01 检验的预测。
行为日志的清洗与教学 notebook 5.1.3 相同：北京时间、6 周窗口、去重、去掉答案册里的 15 个爬虫。
期望值都由下面的参考代码从 ``helpers.data`` 现算；数据重建后答案自动跟着变。
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from coursekit.exercises.rules import FrameRule, Number, PlotRule, SeriesRule
from coursekit.questions import Question, reference_axes

WINDOW = ("2024-10-21", "2024-12-02")  # 行为日志的 6 周（北京时间，左闭右开）
SESSION_GAP = 15  # 5.1 用 15 分钟的会话规则
N_SEARCH_LINES = 200  # 5.2 搜索导出的行数
SEG_CUTOFF = "2024-07-01"  # 5.7 / 5.8 的截止日
TRAIN_CUTOFF, TEST_CUTOFF = "2024-10-01", "2024-11-01"  # 5.9
LTV_DAYS, FIRST_DAYS = 180, 30  # 5.6


def _fraud() -> dict:
    from helpers.data import truth

    return truth()["fraud_orders"]


def _events() -> pd.DataFrame:
    """与教学 notebook 5.1.3 相同的清洗（爬虫名单直接取答案册，课上 LOF 找到的正是这 15 个）。"""
    from helpers import behavior
    from helpers.data import load, truth

    ev = load("events")
    ev = ev.assign(time=behavior.to_beijing(ev["timestamp"]))
    ev = ev[ev["time"].between(*WINDOW, inclusive="left")].drop_duplicates()
    return ev[~ev["user_id"].isin(truth()["bots"]["user_ids"])].reset_index(drop=True)


def _valid_orders() -> pd.DataFrame:
    """非取消、非刷单的订单。"""
    from helpers.data import load

    o = load("orders")
    return o[(o["status"] != "已取消") & ~o["order_id"].isin(_fraud()["order_ids"])]


def search_export() -> str:
    """5.2 的原始导出：搜索日志前 200 行，每行一个 JSON 对象（练习 notebook 里用同样的代码生成）。"""
    from helpers.data import load

    s = load("searches").head(N_SEARCH_LINES)
    lines = []
    for row in s.itertuples():
        click = None if pd.isna(row.clicked_item_id) else int(row.clicked_item_id)
        rec = {"sid": int(row.search_id), "uid": int(row.user_id), "ts": int(row.timestamp),
               "q": {"text": row.query, "hits": int(row.n_results)}, "click": click}  # fmt: skip
        lines.append(json.dumps(rec, ensure_ascii=False))
    return "\n".join(lines)


# ---------------------------------------------------------------- 5.1 数据收集与处理


def sessions_15min() -> float:
    """5.1 按 15 分钟规则切会话后，平均每位用户的会话数。"""
    from helpers import behavior

    ev = _events()
    sid = behavior.sessionize(ev, gap_minutes=SESSION_GAP)
    return float(sid.nunique() / ev["user_id"].nunique())


def parsed_searches() -> pd.DataFrame:
    """5.2 把 JSON 导出解析回表：search_id、user_id、query、time（北京时间）、n_results、clicked。"""
    from helpers import behavior

    rows = pd.json_normalize([json.loads(line) for line in search_export().splitlines()])
    return pd.DataFrame(
        {
            "search_id": rows["sid"],
            "user_id": rows["uid"],
            "query": rows["q.text"],
            "time": behavior.to_beijing(rows["ts"]),
            "n_results": rows["q.hits"],
            "clicked": rows["click"].notna(),
        }
    )


# ---------------------------------------------------------------- 5.2 指标


def _new_users() -> pd.Series:
    from helpers.data import load

    signup = load("customers").set_index("customer_id")["signup_date"]
    return signup[signup.between("2024-10-21", "2024-12-01")]


def weekly_retention() -> pd.DataFrame:
    """5.3 窗口里新注册的用户，按注册的自然周划分同期群，第 0–4 周的日历口径留存矩阵。"""
    from helpers import behavior

    return behavior.retention_matrix(_events(), "W", 4, first=_new_users())


def four_step_funnel() -> pd.Series:
    """5.4 同一会话里“浏览 → 收藏 → 加购 → 购买”依次走到每一步的用户数（30 分钟会话）。"""
    from helpers import behavior

    ev = _events()
    ev = ev.assign(session_id=behavior.sessionize(ev))
    return behavior.ordered_funnel(ev, ["pv", "fav", "cart", "buy"])["users"]


def daily_conversion() -> pd.Series:
    """每天的转化率：当天有购买的用户 ÷ 当天的活跃用户（北京时间，按日期排序）。"""
    ev = _events()
    day = ev["time"].dt.normalize()
    active = ev.groupby(day)["user_id"].nunique()
    buyers = ev[ev["behavior_type"] == "buy"].groupby(day)["user_id"].nunique()
    return (buyers.reindex(active.index, fill_value=0) / active).sort_index()


def daily_conversion_plot():
    """5.5 每天转化率的折线图（%）。"""
    rate = daily_conversion() * 100
    return reference_axes("line", rate.index, rate.values, title="每天的转化率", xlabel="日期", ylabel="转化率（%）")


def ltv_by_tier() -> pd.DataFrame:
    """5.6 2023 年上半年注册的顾客，注册后 180 天内已完成订单的毛利：首月价值、留存价值、LTV 的人均值，按城市等级。"""
    from helpers.data import load

    customers = load("customers").set_index("customer_id")
    items = load("order_items")
    cost = load("products").set_index("product_id")["cost"]
    cogs = (items["quantity"] * items["product_id"].map(cost)).groupby(items["order_id"]).sum()
    done = _valid_orders()
    done = done[done["status"] == "已完成"]
    signup = customers["signup_date"]
    cohort = signup[(signup >= "2023-01-01") & (signup < "2023-07-01")]
    cohort = cohort[~cohort.index.isin(_fraud()["customer_ids"])]
    done = done[done["customer_id"].isin(cohort.index)]
    age = (done["order_time"].dt.normalize() - done["customer_id"].map(signup)).dt.days
    gp = done["pay_amount"] - done["order_id"].map(cogs)
    keep = age < LTV_DAYS
    first = gp[keep & (age < FIRST_DAYS)].groupby(done["customer_id"]).sum()
    rest = gp[keep & (age >= FIRST_DAYS)].groupby(done["customer_id"]).sum()
    per = pd.DataFrame({"first_month": first, "rsv": rest}).reindex(cohort.index, fill_value=0.0)
    per["ltv"] = per["first_month"] + per["rsv"]
    out = per.groupby(customers["city_tier"].reindex(per.index), observed=True).mean()
    return out.rename_axis("city_tier").reset_index()


# ---------------------------------------------------------------- 5.3 分群与预测


def _stage_at(cutoff: str) -> pd.Series:
    from helpers import behavior

    o = _valid_orders()
    o = o[o["order_time"] < cutoff]
    g = o.groupby("customer_id")["order_time"]
    return behavior.lifecycle_stage(g.min(), g.max(), cutoff)


def stage_counts_july() -> pd.Series:
    """5.7 截止日 2024-07-01 的生命周期分层人数。"""
    return _stage_at(SEG_CUTOFF).value_counts().sort_index().astype("int64")


def segment_order_rate_july() -> pd.Series:
    """5.8 截止日 2024-07-01 的 RFM 八类，每类在之后 30 天内下过（非取消）单的比例。"""
    from helpers import behavior, mining
    from helpers.data import load

    o = load("orders")
    o = o[~o["order_id"].isin(_fraud()["order_ids"])]
    rfm = mining.rfm_features(o, SEG_CUTOFF)
    seg = behavior.rfm_segment(behavior.rfm_scores(rfm))
    later = mining.ordered_in_window(o, rfm.index, SEG_CUTOFF, 30)
    return later.groupby(seg).mean()


def _features(cutoff: str) -> pd.DataFrame:
    from helpers import mining
    from helpers.data import load

    o = load("orders")
    o = o[~o["order_id"].isin(_fraud()["order_ids"])]
    x = mining.rfm_features(o, cutoff, exclude_status=())
    first = o[o["order_time"] < cutoff].groupby("customer_id")["order_time"].min()
    x["tenure_days"] = (pd.Timestamp(cutoff) - first).dt.days
    return np.log1p(x)


def _label(x: pd.DataFrame, cutoff: str) -> pd.Series:
    from helpers import mining
    from helpers.data import load

    o = load("orders")
    o = o[~o["order_id"].isin(_fraud()["order_ids"])]
    return mining.ordered_in_window(o, x.index, cutoff, 30, exclude_status=())


def next_period_auc() -> float:
    """5.9 截止日 2024-10-01 训练、2024-11-01 检验的逻辑回归 ROC-AUC（与教学 notebook 同样的特征）。"""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train, x_test = _features(TRAIN_CUTOFF), _features(TEST_CUTOFF)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x_train, _label(x_train, TRAIN_CUTOFF))
    return float(roc_auc_score(_label(x_test, TEST_CUTOFF), model.predict_proba(x_test)[:, 1]))


QUESTIONS = [
    Question(
        "5.1",
        2,
        "auto",
        "15 分钟会话规则下的人均会话数",
        sessions_15min,
        Number(rtol=1e-6),
        "behavior.sessionize(events, gap_minutes=15) 给每条行为编上会话号；会话号去重的个数 ÷ 用户去重的个数。"
        "结果偏小多半是忘了改 gap_minutes（默认 30）。",
    ),
    Question(
        "5.2",
        2,
        "auto",
        "把搜索日志的 JSON 导出解析成表",
        parsed_searches,
        FrameRule(rtol=1e-9, ordered=True),
        "每行先 json.loads，再 pd.json_normalize 摊平：嵌套的 q 变成 q.text、q.hits 两列；ts 用 behavior.to_beijing 换成北京时间；"
        "clicked 是 click 是否不为空（.notna()）。列名和顺序按题目，行顺序保持导出的顺序。",
    ),
    Question(
        "5.3",
        3,
        "auto",
        "按注册周的同期群留存矩阵",
        weekly_retention,
        FrameRule(rtol=1e-6, ordered=True),
        'behavior.retention_matrix(events, "W", 4, first=新用户的注册日)：同期群按注册日所在的自然周，'
        "新用户是注册日在 2024-10-21 至 2024-12-01 之间的人；还没到的周保持 NaN，不要填 0。",
    ),
    Question(
        "5.4",
        2,
        "auto",
        "四步有序漏斗",
        four_step_funnel,
        SeriesRule(rtol=0, atol=0),
        '先 behavior.sessionize 切出 30 分钟会话，再 behavior.ordered_funnel(events, ["pv", "fav", "cart", "buy"])，'
        '取 "users" 列。四步每一步单独一个行为，不是课上的 ("cart", "fav")。',
    ),
    Question(
        "5.5",
        2,
        "auto",
        "每天转化率的折线图",
        daily_conversion_plot,
        PlotRule(kind="line", rtol=1e-6),
        "按北京时间的日期分组：当天有 buy 的去重用户 ÷ 当天的去重活跃用户，乘 100；按日期从早到晚画一条折线，42 个点。",
    ),
    Question(
        "5.6",
        3,
        "auto",
        "按城市等级的 180 天 LTV 与留存价值",
        ltv_by_tier,
        FrameRule(rtol=1e-6),
        "只看 2023 年 1–6 月注册、且不是刷单账号的顾客；毛利 = 已完成订单的 pay_amount − 商品成本；"
        "注册后第 0–29 天算 first_month，第 30–179 天算 rsv；没下过单的顾客算 0 再求平均。",
    ),
    Question(
        "5.7",
        2,
        "auto",
        "截止日 2024-07-01 的生命周期分层人数",
        stage_counts_july,
        SeriesRule(rtol=0, atol=0),
        '只用截止日之前的非取消、非刷单订单，按顾客取第一单和最后一单的时间，交给 behavior.lifecycle_stage(..., "2024-07-01")，'
        "再 value_counts()。",
    ),
    Question(
        "5.8",
        3,
        "auto",
        "RFM 八类在之后 30 天的下单比例",
        segment_order_rate_july,
        SeriesRule(rtol=1e-6),
        'mining.rfm_features(去掉刷单的全部订单, "2024-07-01") → behavior.rfm_scores → behavior.rfm_segment；'
        '标签用 mining.ordered_in_window(同样的订单, 顾客, "2024-07-01", 30)（默认剔除已取消），再按分群求平均。',
    ),
    Question(
        "5.9",
        3,
        "auto",
        "更早一个时期的预测：检验期 ROC-AUC",
        next_period_auc,
        Number(rtol=1e-4),
        "特征和标签的写法与教学 notebook 相同（RFM 含已取消订单 + 店龄，log1p；标签 30 天、含已取消），"
        "只是截止日换成 2024-10-01（训练）和 2024-11-01（检验）；模型是 StandardScaler + LogisticRegression(max_iter=1000)。",
    ),
    Question(
        "5.10",
        4,
        "open",
        "两个“7 日留存”的调和",
        rubric=(
            "说清两个数的口径差别：日历口径（第 7 天当天回来）与滚动口径（第 7 天或之后回来），并引用数字（约 16% 与约 52%）（1 分）",
            "指出另一处口径陷阱：按“第一次出现”划分新用户会把窗口前就注册的老用户算进来（4,449 / 6,034），或条数代替人数（1 分）",
            "说明各自适合回答什么问题、周报应该报哪一个并写明口径，必要时两个都报（1 分）",
            "给出一个可检验的后续动作（如首周内的唤回推送做随机对照，看第 7 日日历留存是否提高），并说明局限（窗口只有 6 周、30 日留存只有最早的同期群可看）（1 分）",
        ),
    ),
]
