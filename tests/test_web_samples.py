"""datasets/web（第2章的离线采集样例）必须与 datasets/small 同步，且能重复生成。"""

from __future__ import annotations

import importlib.util
import json
import re

import pytest


@pytest.fixture(scope="module")
def maker(repo_root):
    spec = importlib.util.spec_from_file_location("make_web_samples", repo_root / "tools" / "make_web_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_web_samples_in_sync_with_data(maker, capsys):
    rc = maker.main(["--check"])
    out = capsys.readouterr().out
    assert rc == 0, f"datasets/web 与数据不同步，请运行 python tools/make_web_samples.py：\n{out}"


def test_web_samples_are_deterministic(maker):
    assert maker.build_files() == maker.build_files()


def test_web_samples_contents(maker):
    files = maker.build_files()
    items = [n for n in files if n.startswith("shop/item/")]
    assert len(items) == maker.N_ITEMS
    assert sum(b'charset="gbk"' in files[n] for n in items) == 1
    assert any("暂无评分".encode() in files[n] for n in items)
    pages = [json.loads(files[n]) for n in sorted(files) if n.startswith("api/")]
    assert [p["data"]["has_more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert sum(len(p["data"]["list"]) for p in pages) == pages[0]["data"]["total"]
    # 网址只用保留域名 *.example，不指向任何真实网站
    hosts = {h for content in files.values() for h in re.findall(rb"https?://([^/\"'\s]+)", content)}
    assert hosts and all(h.endswith(b".example") for h in hosts), sorted(hosts)
