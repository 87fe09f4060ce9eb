"""由 solutions/ 生成 exercises/：去掉解答、清空输出、锁定非作答单元（JupyterLab 只读）。

``python -m helpers exercises build`` 写文件；``python -m helpers exercises check`` 只比较，
exercises/ 过期时返回非零。生成结果是确定的（同样的输入 → 字节相同的输出）。
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from coursekit.exercises.cells import CellRole, QUESTION_RE, first_line, role_of, source_of, split_solution

CODE_STUB = "# 在此作答（可以写多行，最后把结果赋给 {var}）\n{var} = ..."
TEXT_STUB = "（在此写下你的回答）"
LOCK = {"editable": False, "deletable": False}


class BuildError(ValueError):
    """solutions 里的练习格式不对（中文说明）。"""


@dataclass
class QuestionInfo:
    """从 notebook 里读出的一道题的结构。"""

    id: str
    points: float
    kind: str
    var: str
    question_cell: int | None = None
    answer_cell: int | None = None
    check_cell: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def repo_root() -> Path:
    """仓库根目录（helpers 包的上一级）。"""
    return Path(__file__).resolve().parents[2]


def _meta(cell: Any) -> dict:
    ex = (cell.get("metadata") or {}).get("exercise")
    return dict(ex) if isinstance(ex, dict) else {}


def scan(nb: Any, name: str = "notebook") -> dict[str, QuestionInfo]:
    """找出 notebook 里全部练习（按题号），并检查结构是否完整。"""
    found: dict[str, QuestionInfo] = {}
    for idx, cell in enumerate(nb.cells):
        r = role_of(cell)
        if not r.role:
            continue
        meta = _meta(cell)
        q = found.setdefault(r.qid, QuestionInfo(r.qid, 0, "auto", "answer_" + r.qid.replace(".", "_")))
        slot = f"{r.role}_cell"
        if getattr(q, slot) is not None:
            raise BuildError(f"{name}：练习 {r.qid} 有不止一个{ {'question': '题目', 'answer': '作答', 'check': '检查'}[r.role] }单元")
        setattr(q, slot, idx)
        if r.role == "question":
            m = QUESTION_RE.match(first_line(source_of(cell)))
            if not m:
                raise BuildError(f"{name}：练习 {r.qid} 的题目单元第一行应形如 #### 练习 {r.qid}（2 分）")
            q.points = float(m.group("points"))
            if meta.get("points") is not None and float(meta["points"]) != q.points:
                raise BuildError(f"{name}：练习 {r.qid} 的分值在标记里是 {q.points}，元数据里是 {meta['points']}")
            q.kind = meta.get("kind", "open" if "开放题" in first_line(source_of(cell)) else "auto")
        if r.role == "answer" and cell.cell_type == "markdown":
            q.kind = "open"
    for q in found.values():
        if q.question_cell is None or q.answer_cell is None:
            raise BuildError(f"{name}：练习 {q.id} 缺少题目单元或作答单元")
        if q.kind == "auto" and q.check_cell is None:
            raise BuildError(f"{name}：自动判分的练习 {q.id} 缺少检查单元 check(\"{q.id}\", {q.var})")
        if q.kind == "auto" and not (q.question_cell < q.answer_cell < q.check_cell):
            raise BuildError(f"{name}：练习 {q.id} 的单元顺序应为 题目 → 作答 → 检查")
    return found


def _strip_answer(cell: Any, q: QuestionInfo, name: str) -> str:
    text = source_of(cell)
    try:
        parts = split_solution(text)
    except ValueError as exc:
        raise BuildError(f"{name}：练习 {q.id} 作答单元：{exc}") from None
    if parts is None:
        raise BuildError(f"{name}：练习 {q.id} 的作答单元没有 ### BEGIN SOLUTION / ### END SOLUTION")
    before, _, after = parts
    stub = CODE_STUB.format(var=q.var) if cell.cell_type == "code" else TEXT_STUB
    return "\n".join([*before, stub, *after])


def _clean_cell(cell: Any, role: CellRole, q: QuestionInfo | None) -> Any:
    out = copy.deepcopy(cell)
    meta: dict = {}
    if role.role and q is not None:
        # 整数分值写成 2 而不是 2.0：JupyterLab 保存时会把 2.0 改写成 2，打开即“未保存”
        points = int(q.points) if float(q.points).is_integer() else q.points
        meta["exercise"] = {"id": q.id, "role": role.role, "points": points, "kind": q.kind}
    if role.role == "answer":
        meta["deletable"] = False
    else:
        meta.update(LOCK)
    out["metadata"] = meta
    if out.cell_type == "code":
        out["outputs"] = []
        out["execution_count"] = None
    return out


def build_notebook(solution: Any, name: str = "notebook", chapter: str = "") -> Any:
    """solutions 里的一本 → 对应的练习本（不改动输入）。"""
    questions = scan(solution, name)
    by_cell = {}
    for q in questions.values():
        for slot in ("question_cell", "answer_cell", "check_cell"):
            if getattr(q, slot) is not None:
                by_cell[getattr(q, slot)] = q
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        # 完整的 language_info（取自执行过的 solutions）：内核连上后 JupyterLab 不必补写它
        "language_info": dict(solution.metadata.get("language_info") or {"name": "python"}),
        "exercise_notebook": {"chapter": chapter, "generated_from": f"solutions/{name}"},
    }
    for idx, cell in enumerate(solution.cells):
        role = role_of(cell)
        q = by_cell.get(idx)
        if role.role == "answer":
            cell = copy.deepcopy(cell)
            cell["source"] = _strip_answer(cell, q, name)
        elif split_solution(source_of(cell)) is not None:
            raise BuildError(f"{name}：第 {idx + 1} 个单元有解答区，但不是作答单元")
        nb.cells.append(_clean_cell(cell, role, q))
    return nb


def chapter_name(path: Path) -> str:
    """``ch00_practice.ipynb`` → ``ch00``。"""
    return path.name.split("_", 1)[0]


def render(nb: Any) -> str:
    """确定性的 notebook 文本（nbformat 排好键、一格缩进，末尾换行）。"""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def build_all(solutions: Path, exercises: Path) -> dict[Path, str]:
    """生成全部练习本的文本（不写盘）：{exercises 下的路径: 文本}。"""
    out: dict[Path, str] = {}
    for src in sorted(solutions.glob("ch*.ipynb")):
        nb = nbformat.read(src, as_version=4)
        out[exercises / src.name] = render(build_notebook(nb, src.name, chapter_name(src)))
    return out


def write_all(solutions: Path, exercises: Path) -> list[Path]:
    """生成并写入 exercises/，返回写了的文件。多余的旧练习本会被删除。"""
    built = build_all(solutions, exercises)
    exercises.mkdir(parents=True, exist_ok=True)
    for path, text in built.items():
        path.write_text(text, encoding="utf-8", newline="\n")
    for old in exercises.glob("ch*.ipynb"):
        if old not in built:
            old.unlink()
    return sorted(built)


def stale(solutions: Path, exercises: Path) -> list[str]:
    """exercises/ 与 solutions/ 不一致之处（空列表表示最新）。"""
    built = build_all(solutions, exercises)
    problems = []
    for path, text in built.items():
        if not path.exists():
            problems.append(f"缺少 {path.name}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path.name} 已过期（与 solutions/{path.name} 不一致）")
    for old in sorted(exercises.glob("ch*.ipynb")):
        if old not in built:
            problems.append(f"{old.name} 在 solutions/ 里没有对应的源文件")
    return problems
