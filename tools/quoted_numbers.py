"""列出 notebook 的讲解文字里引用、却在输出里找不到的数字（数据变了以后，正文可能还在说旧数字）。

用法::

    python tools/quoted_numbers.py notebooks/ch01_overview.ipynb [更多 notebook …]

对每个 markdown 单元格里的数字（如 ``12.3%``、``4,518``、``0.86``），在同一 notebook 的全部
代码单元格的源码与文本输出里找同一个数（去掉千分位逗号；百分数也按小数找，如 ``12.3%`` ↔ ``0.123``）。
找不到的逐条列出：单元格编号、数字和它所在的半句话。它只提示，不判断：章节号、年份、
文字里讲的常识数字会被跳过或需要人看一眼。发现一条就退出码 1，方便在重新运行 notebook 后检查。
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(%|‰)?")
SECTION = re.compile(r"^\s*#+\s*[\d.]+|第\s*\d+\s*[章节]|练习\s*[\d.]+|\d+\.\d+\s*节")


def _numbers_in(text: str) -> list[tuple[str, float, bool]]:
    """(原文, 数值, 是否百分数)；跳过年份、日期片段和 0–10 的小整数。"""
    out = []
    for m in NUMBER.finditer(text):
        whole, frac, pct = m.group(1), m.group(2) or "", m.group(3)
        raw = m.group(0).strip()
        value = float(whole.replace(",", "") + frac)
        after = text[m.end() : m.end() + 1]
        if not frac and not pct and (value <= 10 or 1990 <= value <= 2030):
            continue
        if after in "-/年月日时点" and not pct:
            continue
        out.append((raw, value, bool(pct)))
    return out


def _haystack(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts.append("".join(cell["source"]))
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append("".join(o.get("text", "")))
            for key in ("text/plain", "text/html"):
                parts.append("".join(o.get("data", {}).get(key, "")))
    return "\n".join(parts).replace(",", "")


def _found(value: float, pct: bool, raw: str, hay: str) -> bool:
    text = raw.rstrip("%‰ ").replace(",", "")
    if re.search(rf"(?<![\d.]){re.escape(text)}(?!\d)", hay):
        return True
    decimals = len(text.split(".")[1]) if "." in text else 0
    # (数值, 它的小数位数)：百分数也按小数找，12.3% ↔ 0.123
    candidates = [(value, decimals)]
    if pct:
        shift = 2 if raw.endswith("%") else 3
        candidates.append((value / 10**shift, decimals + shift))
    for v, nd0 in candidates:
        for nd in range(nd0, nd0 + 4):
            s = f"{v:.{nd}f}"
            if s != text and re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", hay):
                return True
    # 四舍五入得到的数：输出里有一个更精确、四舍五入后等于它的数
    for m in re.finditer(r"(?<![\d.])\d+\.\d+", hay):
        x, nd_x = float(m.group(0)), len(m.group(0).split(".")[1])
        if any(nd_x > nd and abs(x - v) <= 10**-nd / 2 + 1e-12 for v, nd in candidates):
            return True
    return False


def check(path: Path) -> list[str]:
    """返回这个 notebook 里“找不到出处”的数字，每条一行。"""
    nb = json.loads(path.read_text(encoding="utf-8"))
    hay = _haystack(nb)
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            body = SECTION.sub("", line)
            for raw, value, pct in _numbers_in(body):
                if not _found(value, pct, raw, hay):
                    k = body.find(raw)
                    problems.append(f"{path.name} 单元格 {i}: {raw}  …{body[max(0, k - 20) : k + 25].strip()}…")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    problems = [p for name in argv for p in check(Path(name))]
    print("\n".join(problems) if problems else "每个引用的数字都在输出或代码里找得到。")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
