"""small 数据重现真实数据的“形状”（REFERENCE.md），以区间断言；直接从表里算，不看 truth。"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data import load

LO, HI = 1729440000, 1733068800  # events 窗口（unix 秒）


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    ev = load("events")
    ev = ev[(ev["timestamp"] >= LO) & (ev["timestamp"] < HI)].copy()
    ev["time"] = pd.to_datetime(ev["timestamp"], unit="s") + pd.Timedelta(hours=8)
    return ev


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return load("orders")


def test_event_ratios(events):
    n = events["behavior_type"].value_counts()
    assert 38 <= n["pv"] / n["buy"] <= 50
    assert 2.2 <= n["cart"] / n["buy"] <= 3.2
    assert 1.1 <= n["fav"] / n["buy"] <= 1.7
    assert 0.02 <= n["buy"] / n["pv"] <= 0.026
    assert 400_000 <= len(events) <= 700_000


def test_buyer_share_and_cart_beats_fav(events):
    users = (events["behavior_type"] == "buy").groupby(events["user_id"]).any()
    assert 0.6 <= users.mean() <= 0.75
    ui = events.groupby(["user_id", "item_id", "behavior_type"], observed=True).size().unstack(fill_value=0)
    bought = ui["buy"] > 0
    after_cart = bought[ui["cart"] > 0].mean()
    after_fav = bought[ui["fav"] > 0].mean()
    assert after_cart > after_fav * 1.5


def test_most_viewed_categories_convert_worst(events):
    p = load("products").set_index("product_id")["category"]
    cat = events["item_id"].map(p)
    t = pd.crosstab(cat, events["behavior_type"])
    conv = t["buy"] / t["pv"]
    assert conv.idxmin() == t["pv"].idxmax()


def test_long_tail_items(events):
    pv = events[events["behavior_type"] == "pv"]["item_id"].value_counts()
    top = pv.iloc[: int(len(pv) * 0.2)].sum() / pv.sum()
    assert top >= 0.55


def test_diurnal_and_weekly_cycles(events):
    pv = events[events["behavior_type"] == "pv"]
    hourly = pv["time"].dt.hour.value_counts().sort_index()
    assert hourly.idxmax() in (20, 21, 22)
    assert hourly.idxmin() in (3, 4, 5)
    daily = pv.groupby(pv["time"].dt.normalize()).size()
    quiet = daily[(daily.index < "2024-10-30") | (daily.index > "2024-11-16")]
    weekend = quiet[quiet.index.day_of_week >= 5].mean()
    weekday = quiet[quiet.index.day_of_week < 5].mean()
    assert weekend > 1.05 * weekday
    night = pv[pv["time"].dt.hour < 3]
    by_day = night.groupby(night["time"].dt.normalize()).size()
    assert by_day[pd.Timestamp("2024-11-11")] > 2 * by_day.drop(pd.Timestamp("2024-11-11")).median()


def test_customer_value_shapes(orders):
    valid = orders[orders["status"] != "已取消"]
    per_c = valid.groupby("customer_id").size()
    assert 0.45 <= (per_c == 1).mean() <= 0.65
    done = orders[orders["status"] == "已完成"]
    rev = done.groupby("customer_id")["pay_amount"].sum().sort_values(ascending=False)
    top = rev.iloc[: int(len(rev) * 0.2)].sum() / rev.sum()
    assert 0.6 <= top <= 0.75
    assert done["pay_amount"].median() < done["pay_amount"].mean()
    assert done["pay_amount"].skew() > 2
    assert 55_000 <= len(orders) <= 85_000


def test_promotion_spikes_and_late_deliveries(orders):
    daily = orders.groupby(orders["order_time"].dt.normalize()).size()
    normal = daily[daily.index.month.isin([3, 4, 8, 9]) & (daily.index.year == 2024)].median()
    assert daily[pd.Timestamp("2024-11-11")] > 5 * normal
    assert daily[pd.Timestamp("2024-06-18")] > 3 * normal
    assert daily[daily.index.year == 2024].sum() > daily[daily.index.year == 2023].sum()
    d = orders.dropna(subset=["delivered_at"])
    late = d["delivered_at"].dt.normalize() > d["promised_delivery_date"]
    month = d["order_time"].dt.month
    normal_late = late[month.isin([3, 4, 8, 9]).to_numpy()].mean()
    peak = ((d["order_time"] >= "2024-11-10") & (d["order_time"] < "2024-11-14")).to_numpy()
    assert 0.02 <= normal_late <= 0.05
    assert late[peak].mean() > 3 * normal_late


def test_j_shaped_ratings_and_missing_text():
    r = load("reviews")
    share = r["rating"].value_counts(normalize=True).sort_index()
    assert share.idxmax() == 5 and 0.50 <= share[5] <= 0.65
    assert 0.15 <= share[4] <= 0.25
    assert 0.08 <= share[1] <= 0.16
    assert share[1] > share[2] and share[1] > share[3] * 0.9
    assert 0.4 <= r["review_text"].isna().mean() <= 0.65
    assert 8_000 <= len(r) <= 15_000


def test_sizes_match_brief():
    assert 300 <= len(load("products")) <= 600
    assert len(load("suppliers")) == 10
    assert load("inventory")["warehouse"].nunique() == 3
    assert 15_000 <= len(load("customers")) <= 30_000
