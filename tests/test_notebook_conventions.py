"""教学 notebook 的约定（CONTRIBUTING.md）：指导书的每个编号小节都有标题，开头结尾齐全，存储的输出干净。"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# 《作业指导书》目录里的编号小节（第 10 章每个案例都有 .1 背景 … .5 结果与应用）。
GUIDE = {
    1: ["1.1", "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2", "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5"],
    2: ["2.1", "2.1.1", "2.1.2", "2.2", "2.2.1", "2.2.2", "2.3", "2.3.1", "2.3.2"],
    3: ["3.1", "3.1.1", "3.1.2", "3.1.3", "3.2", "3.2.1", "3.2.2", "3.2.3", "3.3", "3.3.1", "3.3.2", "3.3.3"],
    4: ["4.1", "4.1.1", "4.1.2", "4.2", "4.2.1", "4.2.2", "4.3", "4.3.1", "4.3.2", "4.3.3"],
    5: ["5.1", "5.1.1", "5.1.2", "5.1.3", "5.2", "5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.3", "5.3.1", "5.3.2"],
    6: ["6.1", "6.1.1", "6.1.2", "6.2", "6.2.1", "6.2.2", "6.3", "6.3.1", "6.3.2"],
    7: [
        "7.1",
        "7.1.1",
        "7.1.2",
        "7.1.3",
        "7.1.4",
        "7.2",
        "7.2.1",
        "7.2.2",
        "7.2.3",
        "7.2.4",
        "7.3",
        "7.3.1",
        "7.3.2",
        "7.3.3",
        "7.3.4",
        "7.3.5",
    ],
    8: ["8.1", "8.1.1", "8.1.2", "8.2", "8.2.1", "8.2.2", "8.3", "8.3.1", "8.3.2", "8.3.3"],
    9: ["9.1", "9.1.1", "9.1.2", "9.1.3", "9.2", "9.2.1", "9.2.2", "9.2.3", "9.3", "9.3.1", "9.3.2"],
    10: [f"10.{case}{sub}" for case in range(1, 5) for sub in ["", ".1", ".2", ".3", ".4", ".5"]],
}

NOTEBOOKS = sorted((ROOT / "notebooks").glob("ch*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if int(p.stem[2:4]) >= 1]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    return "".join(cell.get("source", ""))


def _headings(path: Path) -> list[str]:
    return [
        line
        for c in _cells(path)
        if c["cell_type"] == "markdown"
        for line in _text(c).splitlines()
        if line.startswith("#")
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_guide_section_has_a_heading(path):
    numbers = {m.group(1) for h in _headings(path) if (m := re.match(r"#+\s*(\d+(?:\.\d+)*)\s", h))}
    missing = [n for n in GUIDE[int(path.stem[2:4])] if n not in numbers]
    assert not missing, f"{path.name} 缺少指导书小节的标题：{missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opening_and_closing(path):
    cells = _cells(path)
    n = int(path.stem[2:4])
    assert re.match(rf"#\s*第\s*{n}\s*章", _text(cells[0])), "第一个单元应是标题“# 第N章 …”"
    assert "学习目标" in _text(cells[0])
    first_code = next(_text(c) for c in cells if c["cell_type"] == "code")
    assert "import helpers" in first_code and "helpers.setup_notebook()" in first_code
    heads = " ".join(_headings(path))
    for part in ("小结", "练习", "延伸阅读"):
        assert part in heads, f"{path.name} 缺少“{part}”"


@pytest.mark.parametrize("path", NOTEBOOKS + sorted((ROOT / "solutions").glob("ch*.ipynb")), ids=lambda p: p.stem)
def test_stored_outputs_are_clean(path):
    """学生看到的输出里不能有报错、stderr、警告或缺字提示；每张图的单元都不能为空。"""
    for i, c in enumerate(_cells(path)):
        for o in c.get("outputs", []):
            assert o["output_type"] != "error", f"单元 {i} 存着报错"
            assert not (o["output_type"] == "stream" and o.get("name") == "stderr"), f"单元 {i} 有 stderr 输出"
            blob = json.dumps(o, ensure_ascii=False)
            assert not re.search(r"Warning:|Glyph \d+|missing from font", blob), f"单元 {i} 的输出里有警告"
