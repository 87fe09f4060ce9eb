"""第 5.3.2 节：社交属性——邀请关系（invitations）与商品分享（shares）。

植入的是**关联**而不是因果：被“活跃”邀请人（邀请前 30 天内下过单）拉来的新客，
90 天复购率更高（设计 0.40 vs 0.30）。做法是在 orders 表已有的新客里挑被邀请人，
再按其实际是否复购去配邀请人——orders 一行都不改，所以事后比较不能说“活跃邀请人让人复购”。
全部随机数来自 ``stream(seed, "social")``。
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from coursekit.world.world import World

SHARE_CHANNELS = ["微信好友", "朋友圈", "QQ", "复制链接"]
INVITE_START = pd.Timestamp("2023-02-01")
INVITE_END = pd.Timestamp("2024-09-30")  # 留出 90 天观察期
ACTIVE_DAYS = 30
REPURCHASE_DAYS = 90
P_REPURCHASE = {"active": 0.40, "inactive": 0.30}  # 设计的 90 天复购率
P_ACTIVE_INVITER = 0.40
INVITEE_SHARE = 0.08  # 窗口内注册的新客中有多少是被邀请来的
SHARE_CLICK_MEAN = 2.2
SHARE_CONVERT_P = 0.07


def _repurchased(orders: pd.DataFrame, cid: np.ndarray, t0: np.ndarray) -> np.ndarray:
    """邀请后 90 天内是否至少有 2 张未取消订单（首单 + 复购）。"""
    o = orders.loc[orders["status"] != "已取消", ["customer_id", "order_time"]]
    m = pd.DataFrame({"customer_id": cid, "t0": t0}).merge(o, on="customer_id", how="left")
    ok = (m["order_time"] >= m["t0"]) & (m["order_time"] < m["t0"] + pd.Timedelta(days=REPURCHASE_DAYS))
    n = ok.groupby(m["customer_id"]).sum()
    return pd.Series(cid).map(n).fillna(0).to_numpy() >= 2


def make_social(
    customers: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame, n_normal: int, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """生成 invitations 与 shares。"""
    normal = customers[customers["customer_id"] <= n_normal]
    cand = normal[(normal["signup_date"] >= INVITE_START) & (normal["signup_date"] <= INVITE_END)]
    cand = cand.sort_values("customer_id")
    t0 = (cand["signup_date"] - pd.to_timedelta(rng.integers(3600, 3 * 86400, len(cand)), unit="s")).to_numpy()
    y = _repurchased(orders, cand["customer_id"].to_numpy(), t0)
    pa, pi = P_REPURCHASE["active"], P_REPURCHASE["inactive"]
    pi_all = P_ACTIVE_INVITER * pa + (1 - P_ACTIVE_INVITER) * pi
    n_inv = int(round(INVITEE_SHARE * len(cand)))
    n1 = min(int(round(pi_all * n_inv)), int(y.sum()))
    pick = np.concatenate(
        [
            rng.choice(np.flatnonzero(y), n1, replace=False),
            rng.choice(np.flatnonzero(~y), n_inv - n1, replace=False),
        ]
    )
    pick = np.sort(pick)
    yy = y[pick]
    # 按是否复购配“活跃/不活跃”邀请人，使 P(复购 | 活跃) ≈ 0.40、P(复购 | 不活跃) ≈ 0.30
    a1 = P_ACTIVE_INVITER * pa / pi_all
    a0 = P_ACTIVE_INVITER * (1 - pa) / (1 - pi_all)
    active = rng.random(n_inv) < np.where(yy, a1, a0)
    inv_t = t0[pick]
    o = orders.loc[(orders["status"] != "已取消") & (orders["customer_id"] <= n_normal), ["order_time", "customer_id"]]
    o = o.sort_values("order_time")
    ot, oc = o["order_time"].to_numpy(), o["customer_id"].to_numpy()
    by_signup = normal.sort_values(["signup_date", "customer_id"], kind="stable")
    ids = by_signup["customer_id"].to_numpy()
    sdays = by_signup["signup_date"].to_numpy()
    invitee = cand["customer_id"].to_numpy()[pick]
    inviter = np.zeros(n_inv, dtype=np.int64)
    for i in range(n_inv):
        lo, hi = np.searchsorted(ot, [inv_t[i] - np.timedelta64(ACTIVE_DAYS, "D"), inv_t[i]])
        act = oc[lo:hi]  # 窗口内下过单的客户（按订单数加权抽）
        if active[i] and hi > lo:
            c = act[rng.integers(hi - lo)]
            if c != invitee[i]:
                inviter[i] = c
                continue
        active[i] = False
        k = int(np.searchsorted(sdays, inv_t[i]))  # 邀请前已注册的客户：ids[:k]
        for _ in range(50):
            c = ids[rng.integers(k)]
            if c != invitee[i] and c not in act:
                inviter[i] = c
                break
    inv = pd.DataFrame(
        {
            "inviter_id": inviter,
            "invitee_id": invitee,
            "invited_at": pd.to_datetime(inv_t).floor("s"),
            "channel": np.array(SHARE_CHANNELS)[rng.choice(4, n_inv, p=[0.55, 0.2, 0.1, 0.15])],
        }
    )
    inv = inv[inv["inviter_id"] > 0].sort_values(["invited_at", "invitee_id"]).reset_index(drop=True)
    inv.insert(0, "invitation_id", np.arange(1, len(inv) + 1, dtype=np.int64))

    # 商品分享：下过单的客户分享买过的类目里的商品
    n_sh = int(round(0.35 * n_normal))
    src = o.iloc[rng.integers(0, len(o), n_sh)]
    shared_at = src["order_time"].to_numpy() + pd.to_timedelta(rng.integers(600, 10 * 86400, n_sh), unit="s").to_numpy()
    clicks = rng.negative_binomial(1.2, 1.2 / (1.2 + SHARE_CLICK_MEAN), n_sh)
    sh = pd.DataFrame(
        {
            "customer_id": src["customer_id"].to_numpy(),
            "product_id": products["product_id"].to_numpy()[rng.integers(0, len(products), n_sh)],
            "shared_at": pd.to_datetime(shared_at).floor("s"),
            "channel": np.array(SHARE_CHANNELS)[rng.choice(4, n_sh, p=[0.45, 0.3, 0.1, 0.15])],
            "clicks": clicks,
            "conversions": rng.binomial(clicks, SHARE_CONVERT_P),
        }
    )
    sh = sh[sh["shared_at"] <= pd.Timestamp("2024-12-31 23:59:59")]
    sh = sh.sort_values(["shared_at", "customer_id", "product_id"], kind="stable").reset_index(drop=True)
    sh.insert(0, "share_id", np.arange(1, len(sh) + 1, dtype=np.int64))
    return {"invitations": inv, "shares": sh}


def social_truth(world: World) -> dict:
    """社交属性的答案：活跃/不活跃邀请人对应的 90 天复购率，以及分享漏斗。"""
    inv = world.tables["invitations"]
    o = world.tables["orders"]
    y = _repurchased(o, inv["invitee_id"].to_numpy(), inv["invited_at"].to_numpy())
    oo = o.loc[o["status"] != "已取消", ["customer_id", "order_time"]]
    m = inv[["invitation_id", "inviter_id", "invited_at"]].merge(oo, left_on="inviter_id", right_on="customer_id")
    ok = (m["order_time"] < m["invited_at"]) & (m["order_time"] >= m["invited_at"] - pd.Timedelta(days=ACTIVE_DAYS))
    active = inv["invitation_id"].isin(m.loc[ok, "invitation_id"]).to_numpy()
    sh = world.tables["shares"]
    by = sh.groupby("channel")[["clicks", "conversions"]].sum()
    return {
        "rule": (
            "被活跃邀请人（邀请前 30 天内有未取消订单）拉来的新客，邀请后 90 天内“首单 + 至少一次复购”的比例更高。"
            "这是**关联**：生成时按被邀请人实际是否复购去配邀请人，orders 不受影响；事后比较不是因果效应。"
        ),
        "design_note": (
            f"设计复购率 活跃 {P_REPURCHASE['active']} vs 不活跃 {P_REPURCHASE['inactive']}，活跃邀请人占约 "
            f"{P_ACTIVE_INVITER:.0%}；small 上约 1,500 条邀请，差值的标准误约 0.025，z≈4：两比例 z 检验能测出，但区间不窄。"
        ),
        "design_repurchase": dict(P_REPURCHASE),
        "n_invitations": int(len(inv)),
        "n_active_inviter": int(active.sum()),
        "repurchase_active": round(float(y[active].mean()), 4),
        "repurchase_inactive": round(float(y[~active].mean()), 4),
        "gap": round(float(y[active].mean() - y[~active].mean()), 4),
        "share_funnel": {
            "shares": int(len(sh)),
            "clicks": int(sh["clicks"].sum()),
            "conversions": int(sh["conversions"].sum()),
            "by_channel": {
                str(c): {"clicks": int(r["clicks"]), "conversions": int(r["conversions"])} for c, r in by.iterrows()
            },
        },
    }


__all__ = ["make_social", "social_truth"]
