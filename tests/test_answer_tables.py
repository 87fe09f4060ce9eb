"""答案表（truth_<名字>.csv.gz）：写进清单、读前校验、名字不对时给出可用的名字。"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

import coursekit.world.build as build_mod
from coursekit.world.world import build_world as real_build_world
from helpers.data import list_truth_tables, truth_table
from helpers.data.io import read_manifest


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    """在 tiny 世界上加一张示范答案表，看它怎样被写出、登记和读回。"""
    root = tmp_path_factory.mktemp("answers")

    def with_demo(scale, seed):
        world = real_build_world(scale, seed)
        world.answers["demo_dates"] = pd.DataFrame(
            {"customer_id": [3, 1, 2], "event_date": ["2024-01-02", "2024-01-01", "2024-01-03"], "score": [0.5, 1, 2]}
        )
        return world

    mp = pytest.MonkeyPatch()
    mp.setattr(build_mod, "build_world", with_demo)
    try:
        build_mod.generate("tiny", seed=7, out_dir=root / "tiny")
    finally:
        mp.undo()
    return root


def test_answer_table_is_listed_and_round_trips(demo_root):
    files = read_manifest(demo_root / "tiny", "tiny")["files"]
    assert files["truth_demo_dates.csv.gz"]["rows"] == 3
    assert "demo_dates" in list_truth_tables("tiny", root=demo_root)
    df = truth_table("demo_dates", "tiny", root=demo_root)
    assert df["customer_id"].tolist() == [3, 1, 2], "行序原样保留"
    assert pd.api.types.is_datetime64_any_dtype(df["event_date"]), "以 _date 结尾的列解析成日期"
    df.loc[0, "score"] = -1.0
    assert truth_table("demo_dates", "tiny", root=demo_root).loc[0, "score"] == 0.5, "返回的是副本"


def test_unknown_answer_table_names_the_available_ones(demo_root):
    with pytest.raises(ValueError, match=r"没有名为 'demo' 的答案表[\s\S]*demo_dates"):
        truth_table("demo", "tiny", root=demo_root)


def test_tampered_answer_table_is_refused(demo_root, tmp_path):
    import shutil

    d = tmp_path / "tiny"
    shutil.copytree(demo_root / "tiny", d)
    path = d / "truth_demo_dates.csv.gz"
    path.write_bytes(gzip.compress(b"customer_id,event_date,score\n3,2024-01-02,9.9\n", mtime=0))
    with pytest.raises(ValueError, match="与清单不符"):
        truth_table("demo_dates", "tiny", root=tmp_path)
