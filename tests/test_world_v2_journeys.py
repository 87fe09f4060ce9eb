"""world v2 “journeys” 组：多触点旅程（8.3）、搜索日志（5.1.1/6）、社交属性（5.3.2）、广告预算 oracle。

每个故事都从写出的 small 文件里用对应章节会教的方法找回来。
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.data import load, truth


@pytest.fixture(scope="module")
def key() -> dict:
    return truth("small")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> object:
    from coursekit.world.build import generate

    return generate("tiny", out_dir=tmp_path_factory.mktemp("v2j") / "tiny")


# ---- 11. 多触点旅程 -----------------------------------------------------------------


def _last_click(conv: pd.DataFrame, touches: pd.DataFrame) -> pd.Series:
    """末次点击：转化前 7 天内同一客户的最后一次触点。"""
    lc = pd.merge_asof(
        conv.sort_values("conversion_time"),
        touches.sort_values("touch_time")[["customer_id", "touch_time", "channel"]],
        left_on="conversion_time",
        right_on="touch_time",
        by="customer_id",
        direction="backward",
        tolerance=pd.Timedelta(days=7),
    )
    return lc["channel"].astype(str).value_counts()


def _markov_removal(conv: pd.DataFrame, touches: pd.DataFrame) -> pd.Series:
    """一阶马尔可夫链的移除效应归因：每个触点归到其后 7 天内的下一次转化；没有的归为未转化路径。"""
    t = touches.sort_values("touch_time")
    nxt = pd.merge_asof(
        t,
        conv.sort_values("conversion_time")[["customer_id", "conversion_time", "conversion_id"]],
        left_on="touch_time",
        right_on="conversion_time",
        by="customer_id",
        direction="forward",
        tolerance=pd.Timedelta(days=7),
    )
    nxt["path"] = np.where(
        nxt["conversion_id"].notna(), "c" + nxt["conversion_id"].astype(str), "n" + nxt["customer_id"].astype(str)
    )
    nxt = nxt.sort_values(["path", "touch_time", "touch_id"])
    chans = sorted(nxt["channel"].astype(str).unique())
    states = ["start", *chans, "conv", "null"]
    ix = {s: i for i, s in enumerate(states)}
    seqs = nxt.groupby("path", sort=True)["channel"].agg(lambda s: [str(x) for x in s])
    count = np.zeros((len(states), len(states)))
    for path, seq in seqs.items():
        end = "conv" if path.startswith("c") else "null"
        full = ["start", *seq, end]
        for a, b in zip(full[:-1], full[1:], strict=True):
            count[ix[a], ix[b]] += 1
    count[ix["conv"], ix["conv"]] = count[ix["null"], ix["null"]] = 1

    def p_conv(removed: str | None) -> float:
        p = count / count.sum(axis=1, keepdims=True)
        if removed is not None:
            r = ix[removed]
            p = p.copy()
            p[:, ix["null"]] += p[:, r]
            p[:, r] = 0
        # 吸收概率：解 (I − Q) x = R_conv
        tr = [ix["start"], *[ix[c] for c in chans if c != removed]]
        q = p[np.ix_(tr, tr)]
        x = np.linalg.solve(np.eye(len(tr)) - q, p[tr, ix["conv"]])
        return float(x[0])

    base = p_conv(None)
    eff = pd.Series({c: 1 - p_conv(c) / base for c in chans})
    return eff / eff.sum()


def test_journeys_holdout_ci_covers_true_effect(key):
    j = key["journeys"]["holdout"]
    hold = load("ad_holdout")
    conv = load("ad_conversions")
    q2 = conv[
        (conv["conversion_time"] >= j["start"])
        & (conv["conversion_time"] < pd.Timestamp(j["end"]) + pd.Timedelta(days=1))
    ]
    y = hold["customer_id"].map(q2.groupby("customer_id").size()).fillna(0).to_numpy(float)
    h = (hold["group"] == "留出组").to_numpy()
    assert 0.07 <= h.mean() <= 0.13, "留出组约占 10%"
    d = y[~h].mean() - y[h].mean()
    se = np.sqrt(y[~h].var(ddof=1) / (~h).sum() + y[h].var(ddof=1) / h.sum())
    assert d - 1.96 * se <= j["true_effect"] <= d + 1.96 * se, (
        f"95% CI [{d - 1.96 * se:.4f}, {d + 1.96 * se:.4f}] 覆盖真实效应"
    )
    assert d - 1.96 * se > 0, "效应能测出来（CI 不含 0）"
    assert 0.03 <= j["true_effect"] <= 0.12, "效应大小合理：每人 Q2 多 0.03–0.12 次转化"


def test_last_click_over_credits_search_and_markov_shifts_to_feed(key):
    ch = key["journeys"]["channels"]
    conv, touches = load("ad_conversions"), load("ad_touches")
    lc = _last_click(conv, touches)
    from helpers.data import truth_table

    causes = truth_table("ad_conversion_causes", scale="small")
    assert set(causes["conversion_id"]) == set(conv["conversion_id"]), "答案表逐条给出每次转化的真实原因"
    inc = int((causes["cause"] == "搜索广告").sum())
    assert inc == ch["搜索广告"]["true_incremental_conversions"]
    assert lc["搜索广告"] >= 8 * inc, f"末次点击记给搜索广告 {lc['搜索广告']} 次，≥ 8 × 真实新增 {inc}"
    assert ch["信息流广告"]["true_incremental_conversions"] > 5 * inc, "信息流广告才是真正带来新增的渠道"
    lc_share = lc / lc.sum()
    mk = _markov_removal(conv, touches)
    assert mk["信息流广告"] > lc_share["信息流广告"] + 0.05, (
        f"马尔可夫 {mk['信息流广告']:.3f} vs 末次点击 {lc_share['信息流广告']:.3f}"
    )
    assert mk["搜索广告"] < lc_share["搜索广告"], "马尔可夫给搜索广告的份额比末次点击少"


def test_journeys_truth_recomputes_from_tables(key):
    j = key["journeys"]
    conv = load("ad_conversions")
    assert len(conv) == j["n_conversions"]
    n_inc = sum(c["true_incremental_conversions"] for c in j["channels"].values())
    assert n_inc + j["n_natural_conversions"] == len(conv), "每次转化要么自然、要么归一个渠道"
    spend = load("marketing_spend")
    s24 = spend[spend["date"].dt.year == 2024].groupby("channel", observed=True)["spend"].sum()
    for c, v in j["channels"].items():
        assert v["spend_2024"] == pytest.approx(s24[c], abs=0.05), f"{c} 的花费取自 marketing_spend"
    cc = j["cross_channel_orders"]
    o = load("orders")
    o = o[~o["order_id"].isin(key["fraud_orders"]["order_ids"])]
    per = o.groupby("customer_id").agg(n=("order_id", "size"), k=("channel", "nunique"))
    assert (per.loc[per["n"] >= 2, "k"] >= 2).mean() == pytest.approx(cc["share_with_2plus_order_channels"], abs=1e-4)


# ---- 15c. 广告预算 oracle ------------------------------------------------------------


def test_ad_budget_oracle(key):
    from helpers.data.oracle import ad_budget

    ch = key["journeys"]["channels"]
    own = {c: v["spend_2024"] for c, v in ch.items()}
    got = ad_budget(own)
    for c, v in ch.items():
        realised = v["true_incremental_conversions"] + v.get("lost_to_holdout", 0)
        tol = 4 * np.sqrt(got[c]) + 0.03 * got[c]
        assert abs(got[c] - realised) <= tol, f"{c}: oracle {got[c]:.0f} vs 实现 {realised}（容差 ±{tol:.0f}）"
    moved = dict(own)
    moved["搜索广告"] -= 50_000
    moved["信息流广告"] += 50_000
    assert ad_budget(moved).sum() > got.sum() + 200, "把 5 万元从搜索广告挪到信息流广告，新增转化明显增加"
    worse = dict(own)
    worse["信息流广告"] -= 50_000
    worse["短信推送"] += 50_000
    assert ad_budget(worse).sum() < got.sum(), "反方向挪预算变差"
    with pytest.raises(ValueError, match="电视广告"):
        ad_budget({"电视广告": 1.0})


def test_tiny_has_v2_journey_tables(tiny_dir):
    for name in ("ad_touches.csv.gz", "ad_conversions.csv.gz", "ad_holdout.csv.gz"):
        assert (tiny_dir / name).stat().st_size > 0
    key = json.loads((tiny_dir / "truth.json").read_text(encoding="utf-8"))
    assert key["journeys"]["n_conversions"] > 0


# ---- 14. 搜索日志 --------------------------------------------------------------------


def _edit1(a: str, b: str) -> bool:
    """a 与 b 的编辑距离是否 ≤ 1（替换、插入或删除一个字）。"""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    s, t = (a, b) if len(a) < len(b) else (b, a)
    return any(t[:i] + t[i + 1 :] == s for i in range(len(t)))


def test_search_zero_results_recover_unmet_demand(key):
    k = key["searches"]
    s = load("searches")
    assert s["timestamp"].between(1729440000, 1733155200).all(), "搜索都在 events 窗口内（unix 秒）"
    zero = s["n_results"] == 0
    assert 0.05 <= zero.mean() <= 0.07, f"零结果占 {zero.mean():.3f}，设计 5–7%"
    assert s.loc[zero, "clicked_item_id"].isna().all(), "零结果不可能有点击"
    norm = s["query"].str.strip().str.lower().str.split().str.join(" ")
    counts = norm[zero].value_counts()
    p = load("products")
    vocab = set(p["product_name"].str.lower().str.split().explode()) | set(p["subcategory"].str.lower())
    vocab |= set(p["brand"].astype(str).str.lower()) | set(p["category"].astype(str))

    def in_catalogue(term: str) -> bool:
        return all(any(_edit1(tok, v) for v in vocab) for tok in term.split())

    found = {t for t, c in counts.items() if c >= 5 and not in_catalogue(t)}
    planted = set(k["unmet_terms"])
    prec = len(found & planted) / len(found)
    rec = len(found & planted) / len(planted)
    assert prec >= 0.95 and rec >= 0.9, f"精确率 {prec:.2f}（≥0.95）、召回率 {rec:.2f}（≥0.9）；多出 {found - planted}"
    top3 = list(counts.index[:3])
    assert len(set(top3) & planted) >= 2, f"零结果前三 {top3} 里至少 2 个是植入的词"
    typo_hits = {t for t, c in counts.items() if c >= 5 and in_catalogue(t) and " " not in t}
    assert len(typo_hits & {w for v in k["typos"].values() for w in v}) >= 10, "错别字被编辑距离规则认出来"


def test_tiny_has_searches(tiny_dir):
    key = json.loads((tiny_dir / "truth.json").read_text(encoding="utf-8"))
    assert key["searches"]["n_searches"] > 0 and (tiny_dir / "searches.csv.gz").stat().st_size > 0


# ---- 3. 社交属性 ---------------------------------------------------------------------


def test_active_inviter_association_and_share_funnel(key):
    from scipy.stats import norm

    k = key["social"]
    inv, o = load("invitations"), load("orders")
    oo = o.loc[o["status"] != "已取消", ["customer_id", "order_time"]]
    m = inv.merge(oo, left_on="inviter_id", right_on="customer_id")
    ok = (m["order_time"] < m["invited_at"]) & (m["order_time"] >= m["invited_at"] - pd.Timedelta(days=30))
    active = inv["invitation_id"].isin(m.loc[ok, "invitation_id"]).to_numpy()
    f = inv.merge(oo, left_on="invitee_id", right_on="customer_id")
    f = f[(f["order_time"] >= f["invited_at"]) & (f["order_time"] < f["invited_at"] + pd.Timedelta(days=90))]
    y = inv["invitation_id"].map(f.groupby("invitation_id").size()).fillna(0).to_numpy() >= 2
    p1, p0, n1, n0 = y[active].mean(), y[~active].mean(), active.sum(), (~active).sum()
    pp = y.mean()
    z = (p1 - p0) / np.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n0))
    pval = 2 * norm.sf(abs(z))
    gap = k["design_repurchase"]["active"] - k["design_repurchase"]["inactive"]
    assert pval < 0.01, f"两比例 z 检验 p = {pval:.2g} < 0.01"
    assert abs((p1 - p0) - gap) <= 0.06, f"差 {p1 - p0:.3f} 在设计 {gap} ± 0.06 内"
    sh = load("shares")
    fun = k["share_funnel"]
    assert (len(sh), int(sh["clicks"].sum()), int(sh["conversions"].sum())) == (
        fun["shares"],
        fun["clicks"],
        fun["conversions"],
    ), "分享漏斗与答案完全一致"
    assert (sh["conversions"] <= sh["clicks"]).all(), "成交不多于点击"
    assert inv["invitee_id"].is_unique, "每位新客只被邀请一次"
    su = load("customers").set_index("customer_id")["signup_date"]
    assert (inv["invited_at"] <= inv["invitee_id"].map(su) + pd.Timedelta(days=1)).all(), "先邀请、后注册"


def test_tiny_has_social(tiny_dir):
    key = json.loads((tiny_dir / "truth.json").read_text(encoding="utf-8"))
    assert key["social"]["n_invitations"] > 0 and key["social"]["share_funnel"]["shares"] > 0
