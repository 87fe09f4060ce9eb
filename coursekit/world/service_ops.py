"""第 9.1.3 节：客服运营——坐席、排班、处理时长与排队等待（Erlang C）。

植入的故事：客服中心按 Erlang C 给“平常周”排班（服务水平：80% 的会话 10 分钟内接起）；
大促周给夜班、早班、中班加了临时坐席，**晚班（16–24 点）没有加人**，于是大促周晚上 19–23 点
坐席不足，占用率逼近或超过 1，等待时间暴涨。
首次响应分钟数 = 排队等待（按每个“星期 × 小时 × 时期”格子的 M/M/c 近似抽取）+ 坐席打字回复的时间。

数据集的客户是全店客户的等比样本：客服中心服务全店，真实到达率 = 样本工单到达率 × ``shop_factor``
（= SHOP_CUSTOMERS / 样本客户数，small 为 100）。全部新随机数来自 ``stream(seed, "service_ops")``。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursekit.world.calendar import promo_multiplier
from coursekit.world.config import DAYS, check_scale

if TYPE_CHECKING:
    from coursekit.world.world import World

SHOP_CUSTOMERS = 2_400_000  # 全店客户数：样本工单 × (全店 / 样本) = 客服中心的真实到达
QUEUE_CHANNELS = ("在线客服", "电话")  # 实时渠道共用一个坐席池；邮件不排队，空闲时批量回复
SL_TARGET = 0.80  # 服务水平：80% 的会话……
SL_MINUTES = 10.0  # ……在 10 分钟内被接起
AHT_BY_TYPE = {"咨询": 6.0, "售后": 9.0, "投诉": 13.0}  # 中级坐席的平均处理分钟
SKILL_MULT = np.array([1.25, 1.0, 0.85])  # 技能 1/2/3 级的处理时长倍数
HANDLE_SD = 0.45  # 处理时长的对数标准差
TEAM_OF_TYPE = {"咨询": "售前", "售后": "售后", "投诉": "投诉专席"}
TEAMS = ("售前", "售后", "投诉专席")
TEAM_P = (0.40, 0.40, 0.20)
TEAM_MATCH_WEIGHT = 3.0  # 工单优先派给对口组的坐席（权重 3 : 1）
SHIFTS = {"夜班": (0, 8), "早班": (8, 16), "中班": (12, 20), "晚班": (16, 24)}
REST_PAIRS = ("周一、周二", "周二、周三", "周三、周四", "周四、周五", "周五、周六", "周六、周日", "周日、周一")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
PROMO_TEMP_SHIFTS = ("夜班", "早班", "中班")  # 植入：大促周晚班不加临时坐席
RHO_MAX = 0.97  # 占用率超过它时按“积压”处理：等待随小时内时刻线性增长
REPLY_MEDIAN = {"在线客服": 1.5, "电话": 0.5, "邮件": 72.0}  # 接起后到第一句回复的中位分钟（邮件：整段）
PERIODS = ("平常", "大促")


@dataclass
class ServiceOps:
    """客服运营的随机数流与产物（agents 表、工单的新列、排班答案表）。"""

    rng: np.random.Generator
    shop_factor: float
    agents: pd.DataFrame = field(default_factory=pd.DataFrame)
    staffing: pd.DataFrame = field(default_factory=pd.DataFrame)
    ticket_cols: dict[str, np.ndarray] = field(default_factory=dict)

    def first_response(self, created: pd.Series, channel: np.ndarray, typ: np.ndarray, z: np.ndarray) -> np.ndarray:
        """排班、派单、处理时长与首次响应分钟数；``z`` 是 tickets 流原有的 N(0, 0.9) 噪声（作回复时间的波动）。"""
        cell = ticket_cells(created)
        queue = np.isin(channel, QUEUE_CHANNELS)
        lam = arrival_rates(cell[queue], self.shop_factor)
        type_share = _type_share(cell[queue], typ[queue])
        self.agents = _make_agents(self.rng, lam, type_share)
        elig = eligibility(self.agents)
        aht = _expected_aht(elig, self.agents, type_share)
        agent_idx = _assign(self.rng, elig, self.agents, cell, typ)
        skill = self.agents["skill_level"].to_numpy()[agent_idx]
        base = np.array([AHT_BY_TYPE[t] for t in typ]) * SKILL_MULT[skill - 1]
        handle = base * np.exp(self.rng.normal(-(HANDLE_SD**2) / 2, HANDLE_SD, len(typ)))
        c = elig.sum(axis=1)
        self.staffing = staffing_table(lam, aht, c)
        wait = _queue_wait(self.rng, self.staffing, cell)
        reply = np.array([REPLY_MEDIAN[ch] for ch in channel]) * np.exp(z)
        frm = np.where(queue, wait + reply, reply)
        self.ticket_cols = {
            "agent_id": self.agents["agent_id"].to_numpy()[agent_idx],
            "handle_minutes": np.round(handle, 1),
        }
        return np.round(np.maximum(frm, 0.1), 1)


def shop_factor(scale: str) -> float:
    """全店客户 / 样本客户：样本工单到达率乘以它就是客服中心的真实到达率。"""
    return SHOP_CUSTOMERS / check_scale(scale).n_customers


@cache
def _periods() -> tuple[np.ndarray, tuple[str, ...]]:
    """DAYS 每天的时期（1 = 大促周）与大促周的周一列表；只依赖日历，算一次。"""
    promo = promo_multiplier(DAYS) > 1.0
    week = (DAYS - pd.to_timedelta(DAYS.day_of_week, unit="D")).normalize()
    per = np.asarray(week.isin(set(week[promo])), dtype=np.int64)
    per.setflags(write=False)
    return per, tuple(sorted({d.strftime("%Y-%m-%d") for d in week[per.astype(bool)]}))


def period_of_days() -> np.ndarray:
    """每天属于哪类时期：含大促窗口日（promo_multiplier > 1）的自然周（周一至周日）整周记为 1 = 大促。"""
    return _periods()[0]


def promo_weeks() -> list[str]:
    """大促周的周一日期（YYYY-MM-DD）。"""
    return list(_periods()[1])


def ticket_cells(created: pd.Series) -> np.ndarray:
    """工单所在格子的编号：时期 × 168 + 星期 × 24 + 小时（共 336 格）。"""
    ts = pd.DatetimeIndex(created)
    day = ((ts.normalize() - DAYS[0]).days).to_numpy()
    per = period_of_days()[np.clip(day, 0, len(DAYS) - 1)]
    return per * 168 + ts.day_of_week.to_numpy() * 24 + ts.hour.to_numpy()


def _days_per_cell() -> np.ndarray:
    """每个（时期, 星期）有多少天（= 每个小时格子被观察了多少个钟点）。"""
    per = period_of_days()
    return np.bincount(per * 7 + DAYS.day_of_week.to_numpy(), minlength=14).reshape(2, 7).astype(float)


def arrival_rates(cell: np.ndarray, shop_factor: float) -> np.ndarray:
    """真实到达率（每小时会话数）：时期内“小时 × 星期”乘法模型（两个边际相乘，去掉单格的泊松噪声）× shop_factor。"""
    n = np.bincount(cell, minlength=336).reshape(2, 7, 24).astype(float)
    days = _days_per_cell()
    hour_rate = n.sum(axis=1) / days.sum(axis=1, keepdims=True)  # 时期 × 小时：每个钟点的平均到达
    day_rate = n.sum(axis=2) / days  # 时期 × 星期：每天的平均到达
    wd_factor = day_rate / (n.sum(axis=(1, 2)) / days.sum(axis=1))[:, None]
    return (shop_factor * hour_rate[:, None, :] * wd_factor[:, :, None]).reshape(336)


def _type_share(cell: np.ndarray, typ: np.ndarray) -> np.ndarray:
    """每个（时期, 小时）的工单类型构成（336 × 3，同一小时的七天相同）。"""
    k = np.select([typ == "咨询", typ == "售后"], [0, 1], 2)
    ph = (cell // 168) * 24 + cell % 24
    m = np.zeros((48, 3))
    np.add.at(m, (ph, k), 1.0)
    m = (m + 0.5) / (m + 0.5).sum(axis=1, keepdims=True)
    p = np.arange(336) // 168
    h = np.arange(336) % 24
    return m[p * 24 + h]


def erlang_c(c: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang C：c 个坐席、负载 a（爱尔兰）时，来话需要排队的概率；a ≥ c 时为 1。

    C = T / (Σ_{k<c} a^k/k! + T)，T = a^c/c! · c/(c − a)；在对数空间算，避免阶乘溢出（只用 numpy）。
    """
    c = np.atleast_1d(np.asarray(c, dtype=float))
    a = np.atleast_1d(np.asarray(a, dtype=float))
    c, a = np.broadcast_arrays(c, a)
    ok = c > a
    ci = c.astype(np.int64)
    k = np.arange(int(ci.max()) + 1)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(k[1:]))])
    logt = k[None, :] * np.log(np.maximum(a, 1e-12))[:, None] - log_fact[None, :]  # log(a^k / k!)
    top = logt[np.arange(len(ci)), ci] + np.log(c / np.where(ok, c - a, 1.0))
    mx = np.maximum(logt.max(axis=1), top)
    below = (np.exp(logt - mx[:, None]) * (k[None, :] < ci[:, None])).sum(axis=1)
    t = np.exp(top - mx)
    return np.where(ok, t / (below + t), 1.0)


def service_level(c: np.ndarray, a: np.ndarray, aht: np.ndarray, t: float = SL_MINUTES) -> np.ndarray:
    """M/M/c 的服务水平：等待 ≤ t 分钟的比例 = 1 − C · exp(−(c − a) t / AHT)。"""
    c = np.asarray(c, dtype=float)
    sl = 1.0 - erlang_c(c, a) * np.exp(-(c - a) * t / aht)
    return np.where(c > a, sl, 0.0)


def required_agents(a: np.ndarray, aht: np.ndarray, target: float = SL_TARGET, t: float = SL_MINUTES) -> np.ndarray:
    """达到服务水平的最少坐席数（逐个加坐席直到达标）。"""
    a = np.asarray(a, dtype=float)
    c = np.floor(a) + 1
    need = np.ones(len(a), dtype=bool)
    while need.any():
        need = service_level(c, a, aht, t) < target
        c = c + need
    return c.astype(np.int64)


def _shift_cover() -> np.ndarray:
    """每个班次覆盖哪些小时（4 × 24）。"""
    return np.array([[lo <= h < hi for h in range(24)] for lo, hi in SHIFTS.values()])


def _shift_needs(req: np.ndarray, late_cover: np.ndarray | None = None) -> np.ndarray:
    """按每天每小时的需求（7 × 24）推出各班次每天要上岗的人数（7 × 4）：夜/早/晚先定，中班补足重叠段。"""
    night = req[:, 0:8].max(axis=1)
    early = req[:, 8:12].max(axis=1)
    late = req[:, 20:24].max(axis=1) if late_cover is None else late_cover
    mid = np.maximum(np.maximum(req[:, 12:16].max(axis=1) - early, req[:, 16:20].max(axis=1) - late), 1)
    return np.stack([night, early, mid, late], axis=1)


def _rest_cover(n: int) -> np.ndarray:
    """n 名正式坐席按轮休（第 i 人休 REST_PAIRS[i mod 7]）时每天在岗人数（长度 7）。"""
    rest = np.zeros(7, dtype=np.int64)
    for k in range(7):
        cnt = len(range(k, n, 7))
        rest[k] += cnt
        rest[(k + 1) % 7] += cnt
    return n - rest


def _regular_headcount(need: np.ndarray) -> int:
    """最少要多少名正式坐席，轮休后每天在岗人数都不低于需求。"""
    n = int(need.max())
    while (_rest_cover(n) < need).any():
        n += 1
    return n


def _plan_aht(type_share: np.ndarray) -> np.ndarray:
    """排班时用的预测处理时长：按类型构成、技能倍数取中级（预测不知道谁当班）。"""
    return type_share @ np.array(list(AHT_BY_TYPE.values()))


POOL_SIZE = 400  # 每个班次预先抽好的坐席属性个数（排班加人不改变已有坐席的属性）


def _attribute_pool(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """每个班次 POOL_SIZE 名候选正式坐席的组别、入职天数、技能（4 × POOL_SIZE）。"""
    shape = (len(SHIFTS), POOL_SIZE)
    team = rng.choice(3, shape, p=TEAM_P)
    tenure = rng.integers(60, 8 * 365, shape)
    years = tenure / 365
    skill = 1 + (years + rng.normal(0, 1.0, shape) > 1.5) + (years + rng.normal(0, 1.0, shape) > 4.0)
    return {"team": team, "tenure": tenure, "skill": skill}


def _agents_frame(pool: dict[str, np.ndarray], heads: list[int], temps: list[int]) -> pd.DataFrame:
    """按各班次正式/临时人数拼出 agents 表（临时坐席：售前组、技能 1 级、大促周天天上班）。"""
    parts = []
    for s, name in enumerate(SHIFTS):
        h, k = heads[s], temps[s]
        parts.append(
            pd.DataFrame(
                {
                    "team": np.concatenate([np.array(TEAMS)[pool["team"][s, :h]], np.full(k, "售前")]),
                    "employment": ["正式"] * h + ["大促临时"] * k,
                    "shift": name,
                    "rest_days": [REST_PAIRS[i % 7] for i in range(h)] + ["大促周无休"] * k,
                    "skill_level": np.concatenate([pool["skill"][s, :h], np.ones(k, dtype=np.int64)]),
                    "hire_date": np.concatenate(
                        [
                            pd.Timestamp("2023-01-01") - pd.to_timedelta(pool["tenure"][s, :h], unit="D"),
                            np.full(k, pd.Timestamp(promo_weeks()[0])),
                        ]
                    ),
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df.insert(0, "agent_id", np.arange(1001, 1001 + len(df), dtype=np.int64))
    df["skill_level"] = df["skill_level"].astype(np.int64)
    df["hire_date"] = pd.to_datetime(df["hire_date"]).dt.normalize()
    return df


def _make_agents(rng: np.random.Generator, lam: np.ndarray, type_share: np.ndarray) -> pd.DataFrame:
    """按 Erlang C 需求排班：平常周招正式坐席（轮休），大促周给夜/早/中班补临时坐席，晚班不补（植入）。

    先用中级坐席的预测处理时长排一版，再按实际当班坐席的期望处理时长检查：
    除大促周晚班独占的小时外，哪个班次还有小时不达标就给它加一人，直到都达标。
    """
    pool = _attribute_pool(rng)
    aht = _plan_aht(type_share)
    req = required_agents(lam * aht / 60, aht).reshape(2, 7, 24)
    need_normal = _shift_needs(req[0])
    heads = [_regular_headcount(need_normal[:, s]) for s in range(4)]
    cover = np.stack([_rest_cover(n) for n in heads], axis=1)  # 7 × 4
    need_promo = _shift_needs(req[1], late_cover=cover[:, 3])
    temps = [int(np.maximum(need_promo[:, s] - cover[:, s], 0).max()) for s in range(3)] + [0]
    for _ in range(30):
        agents = _agents_frame(pool, heads, temps)
        elig = eligibility(agents)
        true_aht = _expected_aht(elig, agents, type_share)
        short = (elig.sum(axis=1) < required_agents(lam * true_aht / 60, true_aht)).reshape(2, 7, 24).any(axis=1)
        short[1, 16:24] = False  # 大促周 16–24 点：晚班不加人（中班也不为它加人）
        if not short.any():
            break
        for p in (0, 1):
            # 补哪个班：0–7 夜班、8–11 早班、12–19 中班（重叠段补中班）、20–23 晚班
            hours = np.flatnonzero(short[p])
            if len(hours) == 0:
                continue
            s = int(np.searchsorted([8, 12, 20], hours[0], side="right"))
            if p == 0:
                heads[s] += 1
            else:
                temps[s] += 1
    return agents[["agent_id", "team", "employment", "shift", "rest_days", "skill_level", "hire_date"]]


def eligibility(agents: pd.DataFrame) -> np.ndarray:
    """336 × 坐席：该格子谁在岗（班次覆盖该小时、不在轮休日；临时坐席只在大促周）。"""
    cover = _shift_cover()[[list(SHIFTS).index(s) for s in agents["shift"]]]  # 坐席 × 24
    rest = np.array([[w in r for w in WEEKDAYS] for r in agents["rest_days"]])  # 坐席 × 7
    temp = (agents["employment"] == "大促临时").to_numpy()
    on = ~rest[:, :, None] & cover[:, None, :]  # 坐席 × 7 × 24
    normal = on & ~temp[:, None, None]
    return np.concatenate([normal.reshape(len(agents), 168), on.reshape(len(agents), 168)], axis=1).T


def _team_weights(agents: pd.DataFrame) -> np.ndarray:
    """3 种工单类型 × 坐席 的派单权重（对口组 3，其他 1）。"""
    team = agents["team"].to_numpy()
    return np.stack([np.where(team == TEAM_OF_TYPE[t], TEAM_MATCH_WEIGHT, 1.0) for t in AHT_BY_TYPE])


def _expected_aht(elig: np.ndarray, agents: pd.DataFrame, type_share: np.ndarray) -> np.ndarray:
    """每格的真实平均处理时长：类型构成 × 派单概率 × 坐席技能（期望值，不含单张工单的噪声）。"""
    w = _team_weights(agents)[None, :, :] * elig[:, None, :]  # 336 × 3 × 坐席
    p = w / np.maximum(w.sum(axis=2, keepdims=True), 1e-12)
    mult = SKILL_MULT[agents["skill_level"].to_numpy() - 1]
    per_type = (p * mult[None, None, :]).sum(axis=2) * np.array(list(AHT_BY_TYPE.values()))[None, :]
    return (type_share * per_type).sum(axis=1)


def _assign(
    rng: np.random.Generator, elig: np.ndarray, agents: pd.DataFrame, cell: np.ndarray, typ: np.ndarray
) -> np.ndarray:
    """给每张工单派一名在岗坐席（对口组优先）；返回坐席行号。"""
    k = np.select([typ == "咨询", typ == "售后"], [0, 1], 2)
    w = elig[cell] * _team_weights(agents)[k]
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(cell)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1)


def staffing_table(lam: np.ndarray, aht: np.ndarray, c: np.ndarray) -> pd.DataFrame:
    """答案表：每个 星期 × 小时 × 时期 一行。"""
    a = lam * aht / 60
    req = required_agents(a, aht)
    cell = np.arange(336)
    return pd.DataFrame(
        {
            "period": np.array(PERIODS)[cell // 168],
            "weekday": (cell % 168) // 24 + 1,
            "hour": cell % 24,
            "arrivals_per_hour": np.round(lam, 3),
            "mean_handle_minutes": np.round(aht, 3),
            "offered_erlangs": np.round(a, 3),
            "agents_scheduled": c.astype(np.int64),
            "occupancy": np.round(a / np.maximum(c, 1), 4),
            "service_level": np.round(service_level(c, a, aht), 4),
            "required_agents": req,
            "understaffed": c < req,
        }
    )


def _queue_wait(rng: np.random.Generator, staffing: pd.DataFrame, cell: np.ndarray) -> np.ndarray:
    """按格子的 M/M/c 抽排队等待：以概率 C 需要排队，排队时长 ~ 指数(均值 AHT/(c − a))；
    占用率 > RHO_MAX 时按 RHO_MAX 的等待再加积压（ρ − RHO_MAX）× 小时内时刻（0–60 分钟）。"""
    s = staffing.iloc[cell]
    c = np.maximum(s["agents_scheduled"].to_numpy(float), 1.0)  # 防御：没人在岗时按 1 人算
    a = s["offered_erlangs"].to_numpy()
    aht = s["mean_handle_minutes"].to_numpy()
    rho = a / c
    a_eff = np.minimum(rho, RHO_MAX) * c
    n = len(cell)
    queued = rng.random(n) < erlang_c(c, a_eff)
    wait = np.where(queued, rng.exponential(1.0, n) * aht / (c - a_eff), 0.0)
    backlog = np.maximum(rho - RHO_MAX, 0) * rng.uniform(0, 60, n)
    return wait + backlog


def truth(world: World) -> dict:
    """设计参数 + 实测：坐席数、占用率、植入的坐席不足格子、它们与其他格子的等待对比。"""
    st = world.answers["service_staffing"]
    t = world.tables["service_tickets"]
    ag = world.tables["agents"]
    q = t[t["channel"].isin(QUEUE_CHANNELS)]
    cell = ticket_cells(q["created_at"])
    under = st["understaffed"].to_numpy()[cell]
    frm = q["first_response_minutes"].to_numpy()
    planted = st[st["understaffed"]]
    return {
        "rule": "客服中心按 Erlang C（80% 的会话 10 分钟内接起）给平常周排班；大促周夜/早/中班加了临时坐席而晚班没加，"
        "大促周傍晚到深夜的格子坐席不足、占用率逼近或超过 1，等待暴涨",
        "design": {
            "shop_factor": shop_factor(world.scale),
            "shop_customers": SHOP_CUSTOMERS,
            "queue_channels": list(QUEUE_CHANNELS),
            "service_level_target": SL_TARGET,
            "service_level_minutes": SL_MINUTES,
            "aht_minutes_by_type": AHT_BY_TYPE,
            "skill_multiplier": {str(i + 1): float(m) for i, m in enumerate(SKILL_MULT)},
            "handle_log_sd": HANDLE_SD,
            "shifts": {k: f"{lo}–{hi} 点" for k, (lo, hi) in SHIFTS.items()},
            "promo_temp_shifts": list(PROMO_TEMP_SHIFTS),
            "reply_median_minutes": REPLY_MEDIAN,
            "rho_max_before_backlog": RHO_MAX,
            "promo_weeks": promo_weeks(),
            "period_rule": "含 calendar 大促窗口日（promo_multiplier > 1）的自然周整周为“大促”，其余为“平常”",
            "arrival_model": "到达率 = shop_factor × 时期内（小时边际 × 星期因子），由样本工单（在线客服 + 电话）计算",
        },
        "realised": {
            "n_agents": len(ag),
            "n_temp_agents": int((ag["employment"] == "大促临时").sum()),
            "n_understaffed_cells": int(len(planted)),
            "understaffed_cells": [
                f"{r.period} {WEEKDAYS[r.weekday - 1]} {r.hour} 时" for r in planted.itertuples(index=False)
            ],
            "mean_occupancy_understaffed": round(float(planted["occupancy"].mean()), 3),
            "mean_occupancy_other": round(float(st.loc[~st["understaffed"], "occupancy"].mean()), 3),
            "mean_wait_understaffed": round(float(frm[under].mean()), 2),
            "mean_wait_other": round(float(frm[~under].mean()), 2),
            "tickets_in_understaffed_cells": int(under.sum()),
        },
        "design_note": "信噪比：大促周到达率约为平常周的 1.5 倍，晚班只有平常周的人手，植入格子（大促周 19–23 点）"
        "占用率约 0.9–1.4（其余格子平均约 0.65），实时渠道首响均值约 28 分钟 vs 约 2.5 分钟；但大促只有 16 周，"
        "每个大促格子只有 5–17 张样本工单（单格均值标准误约 5–15 分钟），所以判断只看实时渠道（邮件首响中位约 65 分钟，"
        "混进来约四成格子超阈值、精确率约 0.16）并要求每格至少 3 张工单。现实参照：Erlang C 教科书例子（REFERENCE：80% 服务水平），"
        "排班后占用率 60–85% 常见；大促时在线客服首响从 1–2 分钟涨到几十分钟并不罕见。"
        "处理时长为对数正态（M/G/c），排班与答案都用 M/M/c 近似。",
    }
