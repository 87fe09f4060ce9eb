"""数据层：可复现、校验、中文错误、类型、缓存与命令行。"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from coursekit.world import generate
from coursekit.world.cli import register
from helpers.data import DEFAULT_SEED, list_tables, load, truth
from helpers.data.io import datasets_root, file_info

EXPECTED_TABLES = {
    "customers",
    "products",
    "orders",
    "order_items",
    "coupon_ab_grants",  # world v2 故事 9
    "promotions",  # world v2 故事 10
    "events",
    "reviews",
    "inventory",
    "suppliers",
    "purchase_orders",
    "coupons",
    "coupon_grants",
    "marketing_spend",
    "touchpoints",
    "service_tickets",
    "surveys",
    "orders_raw",
    # world v2 journeys
    "ad_touches",
    "ad_conversions",
    "ad_holdout",
    "searches",
    "invitations",
    "shares",
    "agents",  # world v2 客服运营（9.1.3）
    "winback_grants",  # world v2 故事 13
    # world v2 故事 8：承运商与发货
    "carriers",
    "carrier_rates",
    "shipments",
}


def _manifest(d):
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    generate("tiny", seed=7, out_dir=root / "tiny")
    return root


def test_tables_listed():
    assert set(list_tables()) == EXPECTED_TABLES


def test_same_seed_same_bytes(tiny_root, tmp_path):
    generate("tiny", seed=7, out_dir=tmp_path / "again")
    a, b = _manifest(tiny_root / "tiny"), _manifest(tmp_path / "again")
    assert a["files"] == b["files"]
    for name in a["files"]:
        assert (tiny_root / "tiny" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_different_seed_different_data(tiny_root, tmp_path):
    generate("tiny", seed=8, out_dir=tmp_path / "other")
    a, b = _manifest(tiny_root / "tiny"), _manifest(tmp_path / "other")
    for name in ("orders.csv.gz", "events.csv.gz", "customers.csv", "reviews.csv"):
        assert a["files"][name]["sha256"] != b["files"][name]["sha256"], name


@pytest.mark.slow
def test_rebuilding_small_reproduces_shipped_checksums(tmp_path):
    shipped = _manifest(datasets_root() / "small")
    assert shipped["seed"] == DEFAULT_SEED
    out = generate("small", seed=DEFAULT_SEED, out_dir=tmp_path / "small")
    assert _manifest(out)["files"] == shipped["files"]


def test_shipped_small_fits_budget_and_verifies():
    d = datasets_root() / "small"
    m = _manifest(d)
    assert sum(f["bytes"] for f in m["files"].values()) <= 30_000_000, "small 规模须 ≤ 30 MB（world v2 的预算）"
    for name, info in m["files"].items():
        assert file_info(d / name) == {"sha256": info["sha256"], "bytes": info["bytes"]}, name
    assert "truth.json" in m["files"] and m["generator_version"]


def test_load_types():
    o = load("orders")
    assert o["order_id"].dtype == np.int64 and o["customer_id"].dtype == np.int64
    assert str(o["coupon_id"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(o["order_time"])
    assert o["order_time"].dt.tz is None
    assert isinstance(o["status"].dtype, pd.CategoricalDtype)
    ev = load("events")
    assert ev["timestamp"].dtype == np.int64
    assert list(ev.columns) == ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
    raw = load("orders_raw")
    assert all(pd.api.types.is_string_dtype(raw[c]) for c in raw.columns)
    assert load("inventory")["stockout"].dtype == bool


def test_load_returns_copies():
    # 读入速度见 benchmarks/bench_data.py（计时放在基准里，不做会抖动的计时测试）
    ev = load("events")
    ev["user_id"] = -1
    assert (load("events")["user_id"] > 0).all()


def test_truth_is_plain_dict():
    t = truth()
    assert isinstance(t, dict)
    for k in (
        "coupon_experiment",
        "churn",
        "clv",
        "planted_pairs",
        "bots",
        "fraud_orders",
        "supply",
        "reviews",
        "service",
        "seasonality",
        "orders_raw",
        "events",
        "shapes",
        "meta",
    ):
        assert k in t, k


def test_bad_arguments_raise_chinese_value_errors():
    with pytest.raises(ValueError, match="没有名为 'ordres' 的表.*orders"):
        load("ordres")
    with pytest.raises(ValueError, match="未知的数据规模 'huge'"):
        load("orders", scale="huge")
    with pytest.raises(ValueError, match="随机种子"):
        generate("tiny", seed=-1)
    with pytest.raises(ValueError, match="随机种子"):
        generate("tiny", seed="1")  # type: ignore[arg-type]


def test_missing_file_names_rebuild_command(tiny_root, tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(tiny_root / "tiny", d)
    (d / "reviews.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"reviews\.csv[\s\S]*python -m helpers data build --scale tiny"):
        load("reviews", "tiny", root=tmp_path)


def test_corrupted_file_is_refused(tiny_root, tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(tiny_root / "tiny", d)
    text = (d / "customers.csv").read_text(encoding="utf-8")
    (d / "customers.csv").write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ValueError, match="与清单不符"):
        load("customers", "tiny", root=tmp_path)
    data = bytearray((d / "products.csv").read_bytes())
    data[100] ^= 1  # 同样大小、内容不同
    (d / "products.csv").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="校验和|与清单不符"):
        load("products", "tiny", root=tmp_path)


def _cli(argv):
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_verify_reports_bad_files(tiny_root, tmp_path, capsys):
    d = tmp_path / "tiny"
    shutil.copytree(tiny_root / "tiny", d)
    assert _cli(["data", "verify", "--scale", "tiny", "--dir", str(d)]) == 0
    (d / "surveys.csv").unlink()
    with open(d / "orders.csv.gz", "ab") as f:
        f.write(b"x")
    assert _cli(["data", "verify", "--scale", "tiny", "--dir", str(d)]) == 1
    err = capsys.readouterr().err
    assert "surveys.csv" in err and "orders.csv.gz" in err and "python -m helpers data build --scale tiny" in err


def test_cli_ensure_passes_when_data_is_fine(capsys):
    assert _cli(["data", "ensure"]) == 0
    assert _cli(["data", "list"]) == 0
    assert "orders_raw" in capsys.readouterr().out


def test_cli_ensure_builds_when_missing_and_fails_when_corrupted(tmp_path, monkeypatch, capsys):
    import coursekit.world.build as build
    import coursekit.world.cli as cli

    monkeypatch.setenv("HEMU_DATASETS", str(tmp_path))
    calls = []
    monkeypatch.setattr(build, "generate", lambda scale, seed, out, progress=False: calls.append(scale) or tmp_path)
    assert cli.cmd_ensure(type("A", (), {})()) == 0 and calls == ["small"]
    small = tmp_path / "small"
    small.mkdir()
    (small / "x.csv").write_text("a\n")
    assert cli.cmd_ensure(type("A", (), {})()) == 1
    assert "缺少清单" in capsys.readouterr().err


def test_readme_figures_match_shipped_data():
    from coursekit.world.shapes import render_readme_block

    d = datasets_root() / "small"
    readme = (datasets_root() / "README.md").read_text(encoding="utf-8")
    block = render_readme_block(_manifest(d), truth()["shapes"])
    assert block in readme, "datasets/README.md 的数字过期了：运行 python -m helpers data build --scale small"
