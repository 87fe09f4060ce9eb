"""第 5 章 用户行为分析用到的指标函数：北京时间、会话、活跃用户、留存矩阵、有序漏斗、RFM 打分与用户分层。

这些函数的口径与 ``CONTRIBUTING.md`` 术语表一致，大数据一章会用 SQL 逐一复现它们，所以每个函数的定义都写在文档字符串里：

- 活跃：某个时间段内至少有一条行为记录（按用户去重）；
- 第 N 期留存（日历口径）：同期群里第 N 期**当期**有行为的用户占比；滚动口径：第 N 期**及以后**还有行为的用户占比；
- 有序漏斗：同一次会话里先做第 1 步、再做第 2 步……按用户计数；
- RFM 打分：按百分位排名分成 1–5 分，并列的值得同样的分；
- 用户分层：新客 / 活跃 / 沉睡 / 流失，按距观察截止日的天数划分。

函数都是纯函数：不修改传入的表，只返回新的 Series / DataFrame。
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.mining import _require  # 同一套“是不是表、缺哪几列”的报错，第4章已写好

__all__ = [
    "active_users",
    "lifecycle_stage",
    "ordered_funnel",
    "retention_matrix",
    "rfm_scores",
    "rfm_segment",
    "sessionize",
    "to_beijing",
]

FREQS = {"D": "日", "W": "自然周（周一至周日）", "M": "自然月"}
STAGES = ("新客", "活跃", "沉睡", "流失")


def _freq(freq: str) -> str:
    if freq not in FREQS:
        raise ValueError(f"freq 只能是 {list(FREQS)}（{'、'.join(FREQS.values())}），收到 {freq!r}")
    return freq


def _require_datetime(s: pd.Series, what: str) -> None:
    if not pd.api.types.is_datetime64_any_dtype(s):
        raise ValueError(f"{what} 列应该是日期时间类型，现在是 {s.dtype}；先用 pd.to_datetime 或 to_beijing 转换")


def to_beijing(unix_seconds: pd.Series) -> pd.Series:
    """把 UTC 的 unix 秒换成北京时间（不带时区的本地时间）。见第 5 章 5.1.3。

    行为日志 ``timestamp`` 是 UTC 的秒数；直接 ``pd.to_datetime(..., unit="s")`` 得到的是 UTC 时间，
    比北京时间早 8 小时，“几点最活跃”会整体错开。

    示例::

        >>> to_beijing(pd.Series([1731254400])).tolist()
        [Timestamp('2024-11-11 00:00:00')]
        >>> to_beijing(pd.Series([True]))
        Traceback (most recent call last):
        ...
        ValueError: unix_seconds 应该是整数秒（数值类型），收到 dtype=bool
    """
    if not isinstance(unix_seconds, pd.Series):
        raise ValueError(f"unix_seconds 应该是 Series，收到的是 {type(unix_seconds).__name__}")
    if not pd.api.types.is_numeric_dtype(unix_seconds) or pd.api.types.is_bool_dtype(unix_seconds):
        raise ValueError(f"unix_seconds 应该是整数秒（数值类型），收到 dtype={unix_seconds.dtype}")
    utc = pd.to_datetime(unix_seconds, unit="s", utc=True)
    return utc.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).rename(unix_seconds.name)


def sessionize(
    events: pd.DataFrame, *, user: str = "user_id", time: str = "time", gap_minutes: float = 30
) -> pd.Series:
    """给每条行为编上会话号：同一用户相邻两条行为相隔超过 ``gap_minutes`` 分钟，就算新的一次会话。见 5.1.3。

    返回与 ``events`` 行对齐的整数 Series（名为 ``session_id``，从 0 起，全表唯一）。会话号按（用户, 时间）排序后
    依次编号，与原表的行顺序无关。

    示例::

        >>> ev = pd.DataFrame({"user_id": [1, 1, 1, 2],
        ...                    "time": pd.to_datetime(["2024-11-11 10:00", "2024-11-11 10:20",
        ...                                            "2024-11-11 11:00", "2024-11-11 10:05"])})
        >>> sessionize(ev).tolist()
        [0, 0, 1, 2]
        >>> sessionize(ev, gap_minutes=0)
        Traceback (most recent call last):
        ...
        ValueError: gap_minutes 应该大于 0，收到 0
    """
    _require(events, [user, time], "sessionize")
    _require_datetime(events[time], time)
    if not gap_minutes > 0:
        raise ValueError(f"gap_minutes 应该大于 0，收到 {gap_minutes}")
    ordered = events[[user, time]].sort_values([user, time], kind="stable")
    gap = ordered[time].diff() > pd.Timedelta(minutes=gap_minutes)
    new_user = ordered[user].ne(ordered[user].shift())
    session = (new_user | gap).cumsum() - 1
    return session.reindex(events.index).astype("int64").rename("session_id")


def active_users(events: pd.DataFrame, freq: str, *, user: str = "user_id", time: str = "time") -> pd.Series:
    """每日 / 每个自然周 / 每个自然月的活跃用户数（DAU / WAU / MAU）：该时段内至少有一条行为记录的去重用户数。

    ``freq`` 取 ``"D"``、``"W"``（周一开始的自然周）或 ``"M"``。返回以时段 (Period) 为索引的整数 Series。
    没有任何行为的时段不出现。

    示例::

        >>> ev = pd.DataFrame({"user_id": [1, 1, 2, 3],
        ...                    "time": pd.to_datetime(["2024-11-11 09:00", "2024-11-11 21:00",
        ...                                            "2024-11-11 10:00", "2024-11-12 08:00"])})
        >>> active_users(ev, "D").tolist()
        [2, 1]
        >>> active_users(ev, "W").tolist()
        [3]
        >>> active_users(ev, "Y")
        Traceback (most recent call last):
        ...
        ValueError: freq 只能是 ['D', 'W', 'M']（日、自然周（周一至周日）、自然月），收到 'Y'
    """
    _require(events, [user, time], "active_users")
    _require_datetime(events[time], time)
    period = events[time].dt.to_period(_freq(freq))
    return events[user].groupby(period).nunique().rename("active_users").rename_axis(time)


def retention_matrix(
    activity: pd.DataFrame,
    freq: str,
    periods: int,
    *,
    user: str = "user_id",
    time: str = "time",
    first: pd.Series | None = None,
    end: str | pd.Timestamp | None = None,
    kind: str = "calendar",
) -> pd.DataFrame:
    """同期群留存矩阵：行是同期群（首次出现的时段），列是第 0…``periods`` 期，值是留存率。见 5.2.2。

    - 同期群：默认按每位用户在 ``activity`` 里的最早时间划分；也可以用 ``first``（以用户为索引的日期，如注册日）指定。
      ``first`` 里的用户若没有任何行为，仍计入同期群人数（第 0 期不一定是 100%）。
    - ``kind="calendar"``（日历口径，术语表的“第 N 日留存率”）：第 N 期当期有行为的用户 ÷ 同期群人数；
      ``kind="rolling"``（滚动口径）：第 N 期或之后任何一期还有行为的用户 ÷ 同期群人数，只会随 N 下降。
    - 右删失：同期群起点加 N 期超过观察截止 ``end``（默认是数据里最后一条行为所在的时段）的格子记为 NaN，
      因为那一期还没有发生，不是“留存为 0”。滚动口径只用截止前的行为。

    示例::

        >>> act = pd.DataFrame({"user_id": [1, 1, 2, 2, 3],
        ...                     "time": pd.to_datetime(["2024-11-01", "2024-11-03", "2024-11-01",
        ...                                             "2024-11-02", "2024-11-02"])})
        >>> retention_matrix(act, "D", 2)  # doctest: +NORMALIZE_WHITESPACE
                      0    1    2
        cohort
        2024-11-01  1.0  0.5  0.5
        2024-11-02  1.0  0.0  NaN
        >>> retention_matrix(act, "D", 2, kind="rolling").iloc[1].tolist()
        [1.0, 0.0, nan]
        >>> retention_matrix(act, "D", -1)
        Traceback (most recent call last):
        ...
        ValueError: periods 应该是不小于 0 的整数，收到 -1
    """
    _require(activity, [user, time], "retention_matrix")
    _require_datetime(activity[time], time)
    _freq(freq)
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 0:
        raise ValueError(f"periods 应该是不小于 0 的整数，收到 {periods!r}")
    if kind not in ("calendar", "rolling"):
        raise ValueError(f"kind 只能是 'calendar'（日历口径）或 'rolling'（滚动口径），收到 {kind!r}")
    act = pd.DataFrame({"u": activity[user].to_numpy(), "p": activity[time].dt.to_period(freq).to_numpy()})
    last = pd.Timestamp(end).to_period(freq) if end is not None else act["p"].max()
    act = act[act["p"] <= last]
    if first is None:
        start = act.groupby("u")["p"].min()
    else:
        if not isinstance(first, pd.Series):
            raise ValueError(f"first 应该是以用户为索引的日期 Series，收到的是 {type(first).__name__}")
        _require_datetime(first, "first")
        start = first.dt.to_period(freq)
        start = start[start <= last]
        act = act[act["u"].isin(start.index)]
    cohort_p = act["u"].map(start)
    offset = (act["p"] - cohort_p).map(lambda d: d.n).astype("int64")
    act = act.assign(cohort=cohort_p, k=offset)
    act = act[(act["k"] >= 0) & (act["k"] <= periods)].drop_duplicates(["u", "k"])
    if kind == "rolling":
        reach = act.groupby("u").agg(cohort=("cohort", "first"), kmax=("k", "max"))
        counts = {k: reach[reach["kmax"] >= k].groupby("cohort").size() for k in range(periods + 1)}
    else:
        counts = {k: g.groupby("cohort").size() for k, g in act.groupby("k")}
    sizes = start.value_counts().sort_index()
    table = pd.DataFrame({k: counts.get(k, pd.Series(dtype="int64")) for k in range(periods + 1)}, index=sizes.index)
    table = table.fillna(0).div(sizes, axis=0)
    for k in range(periods + 1):
        table.loc[table.index + k > last, k] = np.nan
    table.index.name = "cohort"
    table.columns.name = None
    return table


def ordered_funnel(
    events: pd.DataFrame,
    steps: Sequence[str | Sequence[str]],
    *,
    user: str = "user_id",
    time: str = "time",
    session: str = "session_id",
    action: str = "behavior_type",
) -> pd.DataFrame:
    """有序漏斗：在**同一次会话**里按顺序完成第 1 步、第 2 步……的用户数（按用户计数，术语表口径）。见 5.2.3。

    ``steps`` 的每一项是一个行为名，或几个行为名组成的元组（做了其中任何一个都算这一步，如 ``("cart", "fav")``）。
    第 k 步要求：这次会话里，在到达第 k−1 步的那一刻或之后，出现第 k 步的行为。同一时刻的两条记录算“之后”。
    返回每一步一行：``users``（在至少一次会话里走到这一步的用户数）、``sessions``（走到这一步的会话数）、
    ``step_rate``（相对上一步的用户转化率）和 ``overall_rate``（相对第 1 步）。

    示例::

        >>> ev = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 2],
        ...                    "session_id": [0, 0, 0, 1, 1, 1],
        ...                    "time": pd.to_datetime(["2024-11-11 10:00", "2024-11-11 10:05", "2024-11-11 10:09",
        ...                                            "2024-11-11 10:00", "2024-11-11 10:03", "2024-11-11 10:04"]),
        ...                    "behavior_type": ["pv", "cart", "buy", "buy", "pv", "fav"]})
        >>> ordered_funnel(ev, ["pv", ("cart", "fav"), "buy"])["users"].tolist()
        [2, 2, 1]
        >>> ordered_funnel(ev, ["pv"])
        Traceback (most recent call last):
        ...
        ValueError: steps 至少要有两步，收到 ['pv']
    """
    _require(events, [user, time, session, action], "ordered_funnel")
    _require_datetime(events[time], time)
    steps = list(steps)
    if len(steps) < 2:
        raise ValueError(f"steps 至少要有两步，收到 {steps}")
    names = [s if isinstance(s, str) else "/".join(s) for s in steps]
    known = set(events[action].astype(str).unique())
    for s in steps:
        for a in [s] if isinstance(s, str) else s:
            if a not in known:
                raise ValueError(f"行为 {a!r} 不在 {action} 列里，现有的是 {sorted(known)}")
    ev = events[[user, session, time, action]].astype({action: str})
    reached: pd.Series | None = None  # 每次会话到达上一步的时刻
    rows = []
    for s, name in zip(steps, names, strict=True):
        acts = [s] if isinstance(s, str) else list(s)
        hits = ev[ev[action].isin(acts)]
        if reached is not None:
            hits = hits[hits[session].map(reached) <= hits[time]]
        reached = hits.groupby(session)[time].min()
        owners = hits.drop_duplicates(session).set_index(session)[user]
        rows.append({"step": name, "users": int(owners.loc[reached.index].nunique()), "sessions": int(len(reached))})
    out = pd.DataFrame(rows).set_index("step")
    out["step_rate"] = out["users"] / out["users"].shift()
    out["overall_rate"] = out["users"] / out["users"].iloc[0]
    return out


def rfm_scores(rfm: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """把 RFM 三列换成 1–``bins`` 分：按百分位排名等分，并列的值得同样的分；R 越小（越近）分越高。见 5.3.1。

    输入是以顾客为索引、含 ``recency_days``、``frequency``、``monetary`` 三列的表（``mining.rfm_features`` 的输出）。
    分数 = ⌈百分位排名 × bins⌉，百分位排名用并列取平均 (``rank(pct=True, method="average")``)，
    所以“只买过 1 次”的几千人得到同一个 F 分，而不是被随意拆到不同的档。返回 ``R``、``F``、``M`` 三列整数。

    示例::

        >>> rfm = pd.DataFrame({"recency_days": [5, 40, 200, 90], "frequency": [6, 1, 1, 3],
        ...                     "monetary": [900.0, 80.0, 50.0, 300.0]}, index=[11, 12, 13, 14])
        >>> rfm_scores(rfm, bins=4)
            R  F  M
        11  4  4  4
        12  3  2  2
        13  1  2  1
        14  2  3  3
        >>> rfm_scores(rfm, bins=1)
        Traceback (most recent call last):
        ...
        ValueError: bins 应该是 2 到 10 之间的整数，收到 1
    """
    _require(rfm, ["recency_days", "frequency", "monetary"], "rfm_scores")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 10:
        raise ValueError(f"bins 应该是 2 到 10 之间的整数，收到 {bins!r}")
    if rfm[["recency_days", "frequency", "monetary"]].isna().any().any():
        raise ValueError("rfm 里有缺失值：先确认每位顾客都有 recency_days、frequency、monetary")

    def score(x: pd.Series) -> pd.Series:
        return np.ceil(x.rank(pct=True, method="average") * bins).astype("int64")

    return pd.DataFrame({"R": score(-rfm["recency_days"]), "F": score(rfm["frequency"]), "M": score(rfm["monetary"])})


def rfm_segment(scores: pd.DataFrame, *, threshold: float | None = None) -> pd.Series:
    """RFM 八类客户：每一项分数高于 ``threshold``（默认是 1–5 分的中点 3）记“高”，按（R, F, M）高低组合命名。见 5.3.1。

    | R | F | M | 名称 |
    |---|---|---|---|
    | 高 | 高 | 高 | 重要价值 |
    | 低 | 高 | 高 | 重要保持（以前常买、最近没来） |
    | 高 | 低 | 高 | 重要发展 |
    | 低 | 低 | 高 | 重要挽留 |
    | 高 | 高 | 低 | 一般价值 |
    | 低 | 高 | 低 | 一般保持 |
    | 高 | 低 | 低 | 一般发展 |
    | 低 | 低 | 低 | 一般挽留 |

    示例::

        >>> s = pd.DataFrame({"R": [5, 1, 4], "F": [5, 4, 1], "M": [4, 5, 2]})
        >>> rfm_segment(s).tolist()
        ['重要价值', '重要保持', '一般发展']
        >>> rfm_segment(s.drop(columns="M"))
        Traceback (most recent call last):
        ...
        ValueError: rfm_segment 缺少列：['M']（现有列：['R', 'F']）
    """
    _require(scores, ["R", "F", "M"], "rfm_segment")
    cut = 3 if threshold is None else threshold
    high = scores[["R", "F", "M"]] > cut
    names = {
        (True, True, True): "重要价值",
        (False, True, True): "重要保持",
        (True, False, True): "重要发展",
        (False, False, True): "重要挽留",
        (True, True, False): "一般价值",
        (False, True, False): "一般保持",
        (True, False, False): "一般发展",
        (False, False, False): "一般挽留",
    }
    keys = zip(high["R"], high["F"], high["M"], strict=True)
    return pd.Series([names[k] for k in keys], index=scores.index, name="segment")


def lifecycle_stage(
    first_order: pd.Series, last_order: pd.Series, cutoff: str | pd.Timestamp, *, new_days: int = 30
) -> pd.Series:
    """新客 / 活跃 / 沉睡 / 流失：按截止日 ``cutoff`` 前的第一单与最后一单划分。见 5.3.1。

    口径（天数都按日期相减，截止日当天不算在内）：

    - **新客**：第一单在截止日前 ``new_days`` 天之内（默认 30 天，术语表“统计期内首次下单”，统计期取最近 30 天）；
    - **活跃**：不是新客，最后一单距截止日 ≤ 90 天；
    - **沉睡**：最后一单距截止日 91–180 天；
    - **流失**：最后一单距截止日超过 180 天（术语表“流失”）。

    两个 Series 以顾客为索引、是日期时间；返回同索引的分层名称（有序类别）。

    示例::

        >>> first = pd.to_datetime(pd.Series(["2024-11-20", "2024-01-05", "2024-03-01", "2023-02-01"], index=[1, 2, 3, 4]))
        >>> last = pd.to_datetime(pd.Series(["2024-11-25", "2024-11-01", "2024-07-15", "2024-03-02"], index=[1, 2, 3, 4]))
        >>> lifecycle_stage(first, last, "2024-12-01").tolist()
        ['新客', '活跃', '沉睡', '流失']
        >>> lifecycle_stage(first, last.iloc[:2], "2024-12-01")
        Traceback (most recent call last):
        ...
        ValueError: first_order 与 last_order 的顾客不一致：一个有 4 位，一个有 2 位
    """
    for s, what in [(first_order, "first_order"), (last_order, "last_order")]:
        if not isinstance(s, pd.Series):
            raise ValueError(f"{what} 应该是以顾客为索引的日期 Series，收到的是 {type(s).__name__}")
        _require_datetime(s, what)
    if not first_order.index.equals(last_order.index):
        raise ValueError(
            f"first_order 与 last_order 的顾客不一致：一个有 {len(first_order)} 位，一个有 {len(last_order)} 位"
        )
    cut = pd.Timestamp(cutoff).normalize()
    if (last_order.dt.normalize() >= cut).any():
        raise ValueError(f"有订单在截止日 {cut.date()} 当天或之后：只能用截止日之前的订单划分")
    since_last = (cut - last_order.dt.normalize()).dt.days
    since_first = (cut - first_order.dt.normalize()).dt.days
    stage = np.select(
        [since_first <= new_days, since_last <= 90, since_last <= 180], ["新客", "活跃", "沉睡"], default="流失"
    )
    return pd.Series(pd.Categorical(stage, categories=STAGES, ordered=True), index=first_order.index, name="stage")
