"""tools/quoted_numbers.py：讲解文字里的数字若已不在输出里，它要指出来。"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import quoted_numbers  # noqa: E402


def _nb(tmp_path: Path, markdown: str, output: str) -> Path:
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["x"], "outputs": [{"output_type": "stream", "text": [output]}]},
            {"cell_type": "markdown", "source": [markdown]},
        ]
    }
    path = tmp_path / "demo.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def test_numbers_present_in_outputs_pass(tmp_path):
    path = _nb(tmp_path, "复购率 12.3%，共 4,518 单，提升 0.86 倍。", "rate 0.12345\norders 4518\nlift 0.8612\n")
    assert quoted_numbers.check(path) == []


def test_stale_numbers_are_listed(tmp_path):
    path = _nb(tmp_path, "复购率 15.0%，共 4,900 单；2024 年第 5 章不算。", "rate 0.12345\norders 4518\n")
    found = quoted_numbers.check(path)
    assert len(found) == 2, found
    assert "15.0%" in found[0] and "4,900" in found[1]
