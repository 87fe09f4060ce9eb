"""出题辅助：生成带元数据和可见标记的题目 / 作答 / 检查单元（写 solutions 时可用，测试也用）。"""
from __future__ import annotations

from typing import Any

import nbformat

from coursekit.exercises.cells import BEGIN, END


def _meta(qid: str, role: str, points: float, kind: str) -> dict:
    return {"exercise": {"id": qid, "role": role, "points": points, "kind": kind}}


def question_cell(qid: str, points: float, text: str, kind: str = "auto") -> Any:
    """题目单元：小标题 ``#### 练习 0.1（2 分）``，下面是题目正文（JupyterLab 的目录面板能跳到每道题）。"""
    tag = "，开放题" if kind == "open" else ""
    src = f"#### 练习 {qid}（{points:g} 分{tag}）\n\n{text}"
    return nbformat.v4.new_markdown_cell(src, metadata=_meta(qid, "question", points, kind))


def answer_cell(qid: str, solution: str, points: float, kind: str = "auto") -> Any:
    """作答单元：代码（自动题）或 Markdown（开放题），解答放在 BEGIN/END SOLUTION 之间。"""
    meta = _meta(qid, "answer", points, kind)
    if kind == "open":
        return nbformat.v4.new_markdown_cell(f"**练习 {qid} 作答**\n\n{BEGIN}\n{solution.strip()}\n{END}", metadata=meta)
    return nbformat.v4.new_code_cell(f"# 练习 {qid} 作答\n{BEGIN}\n{solution.strip()}\n{END}", metadata=meta)


def check_cell(qid: str, points: float) -> Any:
    """检查单元：``check("0.1", answer_0_1)``。"""
    var = "answer_" + qid.replace(".", "_")
    return nbformat.v4.new_code_cell(f'check("{qid}", {var})', metadata=_meta(qid, "check", points, "auto"))


def exercise_cells(qid: str, points: float, text: str, solution: str, kind: str = "auto") -> list[Any]:
    """一道题的全部单元（开放题没有检查单元）。"""
    cells = [question_cell(qid, points, text, kind), answer_cell(qid, solution, points, kind)]
    if kind == "auto":
        cells.append(check_cell(qid, points))
    return cells


def stable_ids(nb: Any, prefix: str) -> Any:
    """给单元设确定的 id（``prefix-01``…），使生成结果可复现。"""
    for i, cell in enumerate(nb.cells, 1):
        cell["id"] = f"{prefix}-{i:02d}"
    return nb
