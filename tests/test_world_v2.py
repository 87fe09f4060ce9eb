"""world v2 的整体约定：没被故事碰过的 v1 表逐字节不变；每个故事在每个规模都在；答案表都能读。"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursekit.world.build import generate
from coursekit.world.config import GENERATOR_VERSION
from helpers.data import list_truth_tables, truth, truth_table
from helpers.data.io import datasets_root

V1_MANIFEST = Path(__file__).parent / "data" / "v1_small_manifest.json"

# 不被任何 v2 故事改动的表：sha256 必须与 v1 完全相同
UNCHANGED_IN_V2 = ("products.csv", "suppliers.csv", "marketing_spend.csv")
# 被改动的 v1 表（原因见 datasets/README.md 的 v2 变更记录）：每一张都必须真的变了
CHANGED_IN_V2 = (
    "customers.csv",  # 购物者类型 → 会员等级
    "orders.csv.gz",  # 购物者类型：时段、渠道、金额、用券；质量事故：退款
    "order_items.csv.gz",  # 购物者类型：品类、价位、行数、件数；故事 10 促销
    "coupons.csv",  # 券面 A/B/n 实验的 7 张券
    "coupon_grants.csv",
    "events.csv.gz",
    "inventory.csv.gz",
    "purchase_orders.csv",
    "reviews.csv",  # 质量事故的差评；好评返现的假评价
    "service_tickets.csv",  # 质量事故的“商品质量”投诉
    "surveys.csv",
    "touchpoints.csv.gz",
    "orders_raw.csv",
)
# 每个 v2 故事在 truth() 里的键
V2_KEYS = (
    "shopper_types",
    "propensity",
    "social",
    "demand",
    "inventory_policy",
    "coupon_ab",
    "journeys",
    "searches",
    "review_text",
    "quality_incident",
    "fake_reviews",
    "service_ops",
    "winback",
    "promotions",
    "carriers",
    "supply_costs",
    "disruption",
)
V2_ANSWER_TABLES = (
    "customer_types",
    "propensity",
    "demand",
    "coupon_ab_potential",
    "ad_conversion_causes",
    "fake_reviews",
    "service_staffing",
    "winback_uplift",
    "promotion_effects",
)


@pytest.fixture(scope="module")
def v1() -> dict:
    return json.loads(V1_MANIFEST.read_text(encoding="utf-8"))["files"]


@pytest.fixture(scope="module")
def v2() -> dict:
    return json.loads((datasets_root() / "small" / "manifest.json").read_text(encoding="utf-8"))


def test_untouched_v1_tables_are_byte_identical(v1, v2):
    for name in UNCHANGED_IN_V2:
        assert v2["files"][name]["sha256"] == v1[name]["sha256"], f"{name} 没有故事改动它，应与 v1 逐字节相同"


def test_every_table_listed_as_changed_really_changed(v1, v2):
    assert set(UNCHANGED_IN_V2) | set(CHANGED_IN_V2) | {"truth.json"} == set(v1), "v1 的每个文件都要归类"
    for name in CHANGED_IN_V2:
        assert v2["files"][name]["sha256"] != v1[name]["sha256"], f"{name} 列为 v2 改动过，却与 v1 相同"


def test_shipped_small_is_v2(v2):
    assert v2["generator_version"] == GENERATOR_VERSION
    assert GENERATOR_VERSION.startswith("2.")


def test_small_carries_every_story_and_answer_table():
    key = truth("small")
    for k in V2_KEYS:
        assert k in key, f"truth() 缺少 v2 故事 {k}"
    assert set(V2_ANSWER_TABLES) <= set(list_truth_tables("small"))
    for name in V2_ANSWER_TABLES:
        assert len(truth_table(name)) > 0, name


def test_tiny_carries_every_story_and_answer_table(tmp_path):
    generate("tiny", out_dir=tmp_path / "tiny")
    key = truth("tiny", root=tmp_path)
    missing = [k for k in V2_KEYS if k not in key]
    assert not missing, f"tiny 缺少故事 {missing}"
    assert set(V2_ANSWER_TABLES) <= set(list_truth_tables("tiny", root=tmp_path))
