"""“我们的数字 vs 真实数据集的数字”：从生成的数据里算出形状指标（写进 truth 和数据字典）。"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit.world.config import N_DAYS
from coursekit.world.events import BEHAVIORS, N_WIN, PEAK_DAY, TZ_OFFSET, WINDOW_DAYS, to_unix


class EventStats:
    """边写 events 边累计统计（各块按用户划分，所以按用户的统计可以逐块相加）。"""

    def __init__(self, products: pd.DataFrame, bot_ids: np.ndarray) -> None:
        self.type_counts = np.zeros(4, np.int64)
        self.pv_day_hour = np.zeros((N_WIN, 24), np.int64)
        self.pid0 = int(products["product_id"].min())
        self.item_pv = np.zeros(int(products["product_id"].max()) - self.pid0 + 1, np.int64)
        self.cat = products.groupby("category_id")["category"].first()
        self.cat_counts = pd.DataFrame(0, index=self.cat.index, columns=BEHAVIORS)
        self.n_users = self.n_buyers = self.n_dirty = self.n_dup = 0
        self.bot_ids = set(int(b) for b in bot_ids)
        self.bot_pv: dict[str, int] = {}
        self.cart_pairs = self.cart_bought = self.fav_pairs = self.fav_bought = 0
        self.lo = int(to_unix(WINDOW_DAYS[:1])[0])
        self.hi = self.lo + N_WIN * 86400

    def add(self, ev: pd.DataFrame) -> None:
        """累计一块事件。"""
        code = ev["behavior_type"].map({b: i for i, b in enumerate(BEHAVIORS)}).to_numpy()
        ts = ev["timestamp"].to_numpy()
        self.type_counts += np.bincount(code, minlength=4)
        ok = (ts >= self.lo) & (ts < self.hi)
        self.n_dirty += int((~ok).sum())
        # 同一用户、同一商品、同一行为、同一秒的记录（埋点重复上报；各块按用户划分，块内去重即全表去重）
        self.n_dup += int(ev.duplicated().sum())
        pv = ok & (code == 0)
        local = ts[pv] + TZ_OFFSET - (self.lo + TZ_OFFSET)
        np.add.at(self.pv_day_hour, (local // 86400, (local % 86400) // 3600), 1)
        self.item_pv += np.bincount(ev["item_id"].to_numpy()[code == 0] - self.pid0, minlength=len(self.item_pv))
        ct = pd.crosstab(ev["category_id"], ev["behavior_type"]).reindex(columns=BEHAVIORS, fill_value=0)
        self.cat_counts = self.cat_counts.add(ct, fill_value=0)
        users = ev["user_id"].to_numpy()
        self.n_users += len(np.unique(users))
        self.n_buyers += len(np.unique(users[code == 3]))
        for uid, n in pd.Series(users[code == 0]).value_counts().items():
            if int(uid) in self.bot_ids:
                self.bot_pv[str(int(uid))] = int(n)
        ui = ev[["user_id", "item_id"]].assign(code=code).drop_duplicates()
        flags = ui.pivot_table(index=["user_id", "item_id"], columns="code", aggfunc="size", fill_value=0)
        for c in (1, 2, 3):
            if c not in flags.columns:
                flags[c] = 0
        bought = flags[3] > 0
        self.cart_pairs += int((flags[2] > 0).sum())
        self.cart_bought += int(((flags[2] > 0) & bought).sum())
        self.fav_pairs += int((flags[1] > 0).sum())
        self.fav_bought += int(((flags[1] > 0) & bought).sum())

    def summary(self) -> dict:
        """汇总成 truth["events"]。"""
        tc = dict(zip(BEHAVIORS, self.type_counts.tolist(), strict=True))
        hourly = self.pv_day_hour.sum(axis=0)
        normal_days = [d for d in range(N_WIN) if abs(d - PEAK_DAY) > 3]
        night = self.pv_day_hour[normal_days][:, 0:3].sum(axis=1).mean()
        cat = self.cat_counts.copy()
        cat.index = [self.cat[i] for i in cat.index]
        bycat = cat.groupby(level=0).sum()
        total = int(self.type_counts.sum())
        return {
            "rows": total,
            "behavior_counts": tc,
            "ratio_to_buy": {k: round(v / max(tc["buy"], 1), 3) for k, v in tc.items()},
            "buy_per_pv": round(tc["buy"] / max(tc["pv"], 1), 5),
            "n_users": self.n_users,
            "n_buyers": self.n_buyers,
            "buyer_share": round(self.n_buyers / max(self.n_users, 1), 4),
            "dirty_timestamps": self.n_dirty,
            "exact_duplicate_rows": self.n_dup,
            "dirty_rule": f"timestamp 不在 [{self.lo}, {self.hi}) 之内（窗口 2024-10-21 00:00 至 2024-12-02 00:00 北京时间）",
            "pv_by_hour": hourly.tolist(),
            "peak_hour": int(hourly.argmax()),
            "trough_hour": int(hourly.argmin()),
            "pv_1111_00_03_vs_normal_night": round(float(self.pv_day_hour[PEAK_DAY, 0:3].sum() / night), 2),
            "pv_by_day": self.pv_day_hour.sum(axis=1).tolist(),
            "top20pct_items_pv_share": _top_share(self.item_pv[self.item_pv > 0], 0.2),
            "buy_rate_after_cart": round(self.cart_bought / max(self.cart_pairs, 1), 4),
            "buy_rate_after_fav": round(self.fav_bought / max(self.fav_pairs, 1), 4),
            "buy_per_pv_by_category": {k: round(r["buy"] / max(r["pv"], 1), 4) for k, r in bycat.iterrows()},
            "pv_by_category": {k: int(r["pv"]) for k, r in bycat.iterrows()},
        }


def _top_share(values: np.ndarray, frac: float) -> float:
    """前 frac 比例（按值从大到小）的个体贡献的份额。"""
    v = np.sort(np.asarray(values, float))[::-1]
    k = max(1, int(round(len(v) * frac)))
    return round(float(v[:k].sum() / v.sum()), 4)


def compute_shapes(tables: dict[str, pd.DataFrame], ev: dict) -> dict:
    """形状对照表：每项 {ours, reference, source}。"""
    o = tables["orders"]
    valid = o[o["status"] != "已取消"]
    done = o[o["status"] == "已完成"]
    per_c = valid.groupby("customer_id").size()
    rev = done.groupby("customer_id")["pay_amount"].sum()
    items = tables["order_items"]
    n_lines = items.groupby("order_id").size()
    item_support = items.groupby("product_id")["order_id"].nunique().max() / items["order_id"].nunique()
    rv = tables["reviews"]
    rating = rv["rating"].value_counts(normalize=True).sort_index()
    daily = o.groupby(o["order_time"].dt.normalize()).size()
    normal_med = float(daily[(daily.index.month.isin([3, 4, 5, 8, 9])) & (daily.index.day_of_week < 5)].median())
    late_norm = valid[valid["order_time"].dt.month.isin([3, 4, 8, 9])]["late"].mean()
    peak = valid[(valid["order_time"] >= "2024-11-10") & (valid["order_time"] < "2024-11-14")]
    raw = tables["orders_raw"]
    pv_share = ev["behavior_counts"]
    tot = sum(pv_share.values())
    pay = done["pay_amount"]
    shapes = {
        "events_share_pv_cart_fav_buy": {
            "ours": [round(pv_share[k] / tot * 100, 1) for k in ("pv", "cart", "fav", "buy")],
            "reference": [89.6, 5.5, 2.9, 2.0],
            "source": "天池 UserBehavior（%）",
        },
        "events_ratio_pv_cart_fav_buy": {
            "ours": [ev["ratio_to_buy"][k] for k in ("pv", "cart", "fav", "buy")],
            "reference": [44, 2.7, 1.4, 1],
            "source": "天池 UserBehavior",
        },
        "events_buy_per_pv": {"ours": ev["buy_per_pv"], "reference": 0.0225, "source": "天池 UserBehavior"},
        "events_buyer_share": {"ours": ev["buyer_share"], "reference": 0.68, "source": "天池 UserBehavior"},
        "events_peak_and_trough_hour": {
            "ours": [ev["peak_hour"], ev["trough_hour"]],
            "reference": ["20–22", "4–5"],
            "source": "天池 UserBehavior",
        },
        "events_1111_night_vs_normal_night": {
            "ours": ev["pv_1111_00_03_vs_normal_night"],
            "reference": "> 2",
            "source": "天池 UserBehavior",
        },
        "events_buy_rate_cart_vs_fav": {
            "ours": [ev["buy_rate_after_cart"], ev["buy_rate_after_fav"]],
            "reference": "加购 > 收藏",
            "source": "天池 UserBehavior",
        },
        "events_top20pct_items_pv_share": {
            "ours": ev["top20pct_items_pv_share"],
            "reference": "长尾（远超 20%）",
            "source": "天池 UserBehavior",
        },
        "one_time_buyer_share": {
            "ours": round(float((per_c == 1).mean()), 4),
            "reference": [0.505, 0.97],
            "source": "CDNOW / Olist",
        },
        "mean_orders_per_buyer": {
            "ours": round(float(per_c.mean()), 2),
            "reference": 2.96,
            "source": "CDNOW（18 个月）",
        },
        "top20pct_customers_revenue_share": {
            "ours": _top_share(rev.to_numpy(), 0.2),
            "reference": 0.68,
            "source": "CDNOW",
        },
        "order_value_median_mean_skew": {
            "ours": [round(float(pay.median()), 2), round(float(pay.mean()), 2), round(float(pay.skew()), 2)],
            "reference": [26, 36, 5.7],
            "source": "CDNOW（美元）",
        },
        "rating_share_1_to_5": {
            "ours": [round(float(rating.get(k, 0)) * 100, 1) for k in range(1, 6)],
            "reference": [11.5, 3.2, 8.2, 19.3, 57.8],
            "source": "Olist（%）",
        },
        "review_text_missing_share": {
            "ours": round(float(rv["review_text"].isna().mean()), 4),
            "reference": 0.59,
            "source": "Olist",
        },
        "orders_1111_vs_normal_day": {
            "ours": round(float(daily.get(pd.Timestamp("2024-11-11"), 0) / normal_med), 2),
            "reference": 8.2,
            "source": "Olist 黑色星期五",
        },
        "late_share_normal_vs_1111": {
            "ours": [round(float(late_norm), 4), round(float(peak["late"].mean()), 4)],
            "reference": [0.037, 0.164],
            "source": "Olist 黑色星期五",
        },
        "mean_rating_late_vs_ontime": {"ours": _rating_by_late(tables), "reference": "迟到明显更低", "source": "Olist"},
        "mean_lines_per_order": {
            "ours": round(float(n_lines.mean()), 2),
            "reference": 10,
            "source": "Instacart（生鲜，篮子大）",
        },
        "top_single_item_support": {
            "ours": round(float(item_support), 4),
            "reference": [0.10, 0.15],
            "source": "Instacart",
        },
        "raw_missing_customer_id_share": {
            "ours": round(float(raw["customer_id"].eq("").mean()), 4),
            "reference": 0.23,
            "source": "UCI Online Retail II",
        },
        "raw_cancellation_row_share": {
            "ours": round(float(raw["order_no"].str.startswith("C").mean()), 4),
            "reference": 0.017,
            "source": "UCI Online Retail II",
        },
        "raw_duplicate_row_share": {
            "ours": round(float(raw.duplicated().mean()), 4),
            "reference": 0.01,
            "source": "UCI Online Retail II",
        },
        "orders_per_day_2024_vs_2023": {
            "ours": round(
                float((o["order_time"].dt.year == 2024).sum() / max((o["order_time"].dt.year == 2023).sum(), 1)), 2
            ),
            "reference": "增长",
            "source": "—",
        },
    }
    shapes["_days_simulated"] = N_DAYS
    return shapes


def _rating_by_late(tables: dict[str, pd.DataFrame]) -> list[float]:
    """[迟到订单的平均分, 准时订单的平均分]。"""
    rv = tables["reviews"]
    late = rv["order_id"].map(tables["orders"].set_index("order_id")["late"])
    m = rv["rating"].groupby(late.to_numpy()).mean()
    return [round(float(m.get(True, np.nan)), 2), round(float(m.get(False, np.nan)), 2)]


SHAPE_LABELS: dict[str, str] = {
    "events_share_pv_cart_fav_buy": "events 各行为占比 pv/cart/fav/buy（%）",
    "events_ratio_pv_cart_fav_buy": "pv : cart : fav : buy",
    "events_buy_per_pv": "buy / pv",
    "events_buyer_share": "窗口内活跃用户中有购买的比例",
    "events_peak_and_trough_hour": "浏览最高 / 最低的小时",
    "events_1111_night_vs_normal_night": "双十一 00–03 点浏览量 ÷ 平常夜间",
    "events_buy_rate_cart_vs_fav": "加购后购买率 vs 收藏后购买率（用户×商品）",
    "events_top20pct_items_pv_share": "前 20% 商品的浏览量占比",
    "one_time_buyer_share": "只买过一次的客户占比",
    "mean_orders_per_buyer": "每位购买客户的平均订单数",
    "top20pct_customers_revenue_share": "前 20% 客户贡献的收入占比",
    "order_value_median_mean_skew": "订单实付 中位数 / 均值 / 偏度",
    "rating_share_1_to_5": "评分 1★…5★ 占比（%）",
    "review_text_missing_share": "评价没有文字的比例",
    "orders_1111_vs_normal_day": "双十一当天订单数 ÷ 平常工作日",
    "late_share_normal_vs_1111": "迟到率：平常月份 vs 双十一前后",
    "mean_rating_late_vs_ontime": "平均评分：迟到 vs 准时",
    "mean_lines_per_order": "每单商品行数（均值）",
    "top_single_item_support": "最热单品的支持度",
    "raw_missing_customer_id_share": "orders_raw 缺客户号的行占比",
    "raw_cancellation_row_share": "orders_raw 冲销（C 开头）行占比",
    "raw_duplicate_row_share": "orders_raw 完全重复行占比",
    "orders_per_day_2024_vs_2023": "2024 年订单数 ÷ 2023 年",
}


def _fmt(v: object) -> str:
    if isinstance(v, list):
        return " / ".join(_fmt(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def render_shape_table(shapes: dict) -> str:
    """把 truth["shapes"] 渲染成 Markdown 表（数据字典里的“我们 vs 参考”表由它生成）。"""
    lines = ["| 指标 | 我们（small） | 参考数据 | 来源 |", "|---|---|---|---|"]
    for key, label in SHAPE_LABELS.items():
        s = shapes[key]
        lines.append(f"| {label} | {_fmt(s['ours'])} | {_fmt(s['reference'])} | {s['source']} |")
    return "\n".join(lines)


README_BEGIN = "<!-- 自动生成：FIGURES BEGIN（python -m helpers data build --scale small 会刷新这一段） -->"
README_END = "<!-- 自动生成：FIGURES END -->"


def render_readme_block(manifest: dict, shapes: dict) -> str:
    """数据字典里自动生成的一段：文件清单（行数、大小）+ 形状对照表。"""
    lines = [
        README_BEGIN,
        "",
        f"种子 `{manifest['seed']}`，生成器版本 `{manifest['generator_version']}`。",
        "",
        "| 文件 | 行数 | 大小 (MB) |",
        "|---|---:|---:|",
    ]
    total = 0
    for name, info in sorted(manifest["files"].items()):
        total += info["bytes"]
        rows = "—" if info["rows"] is None else f"{info['rows']:,}"
        lines.append(f"| `{name}` | {rows} | {info['bytes'] / 1e6:.2f} |")
    lines += [f"| **合计** | | **{total / 1e6:.2f}** |", "", render_shape_table(shapes), "", README_END]
    return "\n".join(lines)


def refresh_readme(readme_path, manifest: dict, shapes: dict) -> bool:
    """若 README 里有自动生成的标记，就用最新数字替换那一段；返回是否改动了文件。"""
    from pathlib import Path

    path = Path(readme_path)
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        return False
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    new = head + render_readme_block(manifest, shapes) + tail
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
