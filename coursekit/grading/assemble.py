"""按标准练习本重建待执行的 notebook：锁定单元取自标准本，学生的作答单元按题号放回原位。

识别学生的作答单元：元数据 → 首行标记 → nbformat 单元 id。
- 删除了作答单元：该题 missing_answer（0 分）；
- 重复的作答单元：采用**最后一个**（通常是学生最新的版本），其余丢弃并注明；
- 顺序被打乱：按题号放回标准位置；
- 修改过的锁定单元（题目、检查、设置代码）：恢复为标准内容并注明；
- 学生自己添加的代码单元：保留，放在它在学生本里前一个已识别单元之后运行；
- 检查单元 ``check(...)`` 被替换为判分器自己的导出代码（答案导出成纯数据，在内核外判定）。
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import nbformat

from coursekit.exercises.cells import ANSWER_RE, BEGIN, END, role_from_marker, role_from_metadata, role_of, source_of

TEXT_STUB = "（在此写下你的回答）"

# 学生代码里出现这些，说明在读题库 / 参考代码或篡改导出（记为可疑）。
SUSPICIOUS = [
    (re.compile(r"coursekit\s*\.\s*questions|exercises\s*\.\s*questions"), "引用了题库模块（参考答案代码）"),
    (
        re.compile(r"\b(expected_json|find_question|chapter_questions|export_answer|read_export)\b"),
        "调用了判分器内部函数",
    ),
    (re.compile(r"coursekit[/\\]+questions|exercises[/\\]+questions|questions[/\\]+ch\d\d"), "读取了题库文件"),
    (re.compile(r"_hemu_export"), "篡改判分导出代码"),
    # 练习专用数据样本的答案册（如第 2 章的 raw_orders_sample_truth）直接给出了练习的答案
    (re.compile(r"\b\w*sample_truth\b"), "读取了练习数据的答案册"),
]


@dataclass
class Assembly:
    """重建结果：待执行的 notebook 与各种对照信息。"""

    nb: Any
    export_cells: dict[int, str] = field(default_factory=dict)  # 导出单元下标 → 题号
    export_files: dict[int, tuple[str, str]] = field(default_factory=dict)  # 导出单元下标 → (文件路径, token)
    origin: dict[int, str] = field(default_factory=dict)  # 单元下标 → 来源说明
    open_answers: dict[str, str | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    q_notes: dict[str, list[str]] = field(default_factory=dict)
    suspicious_from: int | None = None  # 从这个单元下标起的答案不可信
    suspicious_why: str = ""


def export_source(var: str, path: str, token: str = "") -> str:
    """注入的导出代码（一行，不产生输出）。"""
    return (
        f"import coursekit.exercises.plain as _hemu_export_; "
        f"_hemu_export_.export_answer({var!r}, {path!r}, {token!r}); del _hemu_export_"
    )


@dataclass
class _Canon:
    cells: list[Any]
    roles: list[Any]
    answer_at: dict[str, int]
    kind: dict[str, str]
    by_cell_id: dict[str, int]


def _canon(nb: Any) -> _Canon:
    roles = [role_of(c) for c in nb.cells]
    answer_at = {r.qid: i for i, r in enumerate(roles) if r.role == "answer"}
    kind = {}
    for i, r in enumerate(roles):
        if r.role == "answer":
            ex = (nb.cells[i].get("metadata") or {}).get("exercise") or {}
            kind[r.qid] = ex.get("kind") or ("open" if nb.cells[i].cell_type == "markdown" else "auto")
    by_id = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}
    return _Canon(list(nb.cells), roles, answer_at, kind, by_id)


def _identify(cell: Any, canon: _Canon) -> tuple[str, Any]:
    """学生单元 → ('answer', 题号) / ('locked', 标准下标) / ('extra', None)。"""
    for finder in (role_from_metadata, role_from_marker):
        r = finder(cell)
        if r.role == "answer" and r.qid in canon.answer_at:
            return "answer", r.qid
        if r.role in ("question", "check"):
            for i, cr in enumerate(canon.roles):
                if cr.role == r.role and cr.qid == r.qid:
                    return "locked", i
    i = canon.by_cell_id.get(cell.get("id"))
    if i is not None:
        cr = canon.roles[i]
        if cr.role == "answer":
            return "answer", cr.qid
        return "locked", i
    src = source_of(cell).strip()
    for i, c in enumerate(canon.cells):
        if (
            c.cell_type == cell.get("cell_type")
            and canon.roles[i].role != "answer"
            and source_of(c).strip() == src
            and src
        ):
            return "locked", i
    return "extra", None


def _answer_text(cell: Any) -> str:
    """开放题作答：去掉首行标记后的文字。"""
    lines = source_of(cell).splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and ANSWER_RE.match(lines[0].strip()):
        lines.pop(0)
    lines = [ln for ln in lines if ln.strip() not in (BEGIN, END)]
    text = "\n".join(lines).strip()
    return "" if text == TEXT_STUB else text


def _first_code_index(canon: _Canon) -> int:
    return next((i for i, c in enumerate(canon.cells) if c.cell_type == "code"), 0)


def assemble(canonical: Any, student: Any, export_dir: str) -> Assembly:
    """重建待执行的 notebook（不修改输入）。``export_dir`` 是导出文件所在目录（绝对路径）。"""
    canon = _canon(canonical)
    answers: dict[str, Any] = {}
    dup: dict[str, int] = {}
    extras: dict[int, list[Any]] = {}
    notes: list[str] = []
    anchor = _first_code_index(canon)
    edited: set[int] = set()
    for cell in student.cells:
        what, key = _identify(cell, canon)
        if what == "answer":
            if key in answers:
                dup[key] = dup.get(key, 1) + 1
            answers[key] = cell
            anchor = canon.answer_at[key]
        elif what == "locked":
            if source_of(cell).strip() != source_of(canon.cells[key]).strip():
                edited.add(key)
            anchor = key
        elif cell.get("cell_type") == "code" and source_of(cell).strip():
            extras.setdefault(anchor, []).append(cell)
    out = Assembly(nb=nbformat.v4.new_notebook())
    out.nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    for qid, n in sorted(dup.items()):
        out.q_notes.setdefault(qid, []).append(f"有 {n} 个作答单元，只采用最后一个")
    for i in sorted(edited):
        r = canon.roles[i]
        what = {"question": f"练习 {r.qid} 的题目单元", "check": f"练习 {r.qid} 的检查单元"}.get(
            r.role or "", f"第 {i + 1} 个锁定单元"
        )
        notes.append(f"{what}被修改过，已恢复为原样")
    _emit(out, canon, answers, extras, export_dir)
    out.notes = notes + out.notes
    _scan_suspicious(out)
    return out


def _emit(out: Assembly, canon: _Canon, answers: dict[str, Any], extras: dict[int, list[Any]], export_dir: str) -> None:
    cells = out.nb.cells

    def add(cell: Any, origin: str) -> int:
        cells.append(cell)
        out.origin[len(cells) - 1] = origin
        return len(cells) - 1

    for i, ccell in enumerate(canon.cells):
        r = canon.roles[i]
        if r.role == "answer":
            got = answers.get(r.qid)
            if canon.kind.get(r.qid) == "open":
                out.open_answers[r.qid] = _answer_text(got) if got is not None else None
                if got is None:
                    out.missing.append(r.qid)
                add(nbformat.v4.new_markdown_cell(source_of(ccell)), "锁定单元")
            elif got is None:
                out.missing.append(r.qid)
            elif got.get("cell_type") != "code":
                out.missing.append(r.qid)
                out.q_notes.setdefault(r.qid, []).append("作答单元被改成了 Markdown，无法运行")
            else:
                add(nbformat.v4.new_code_cell(source_of(got)), f"练习 {r.qid} 作答")
        elif r.role == "check":
            if r.qid not in out.missing and r.qid in answers:
                var = "answer_" + r.qid.replace(".", "_")
                token = secrets.token_hex(16)  # 文件名和内容里都带上：别的进程猜不到、也伪造不了
                path = f"{export_dir}/{r.qid}-{token}.json"
                idx = add(nbformat.v4.new_code_cell(export_source(var, path, token)), f"练习 {r.qid} 导出")
                out.export_cells[idx] = r.qid
                out.export_files[idx] = (path, token)
        elif ccell.cell_type == "code":
            add(nbformat.v4.new_code_cell(source_of(ccell)), "锁定单元")
        else:
            add(nbformat.v4.new_markdown_cell(source_of(ccell)), "锁定单元")
        for extra in extras.get(i, []):
            add(nbformat.v4.new_code_cell(source_of(extra)), "你添加的单元")


def _scan_suspicious(out: Assembly) -> None:
    for idx, cell in enumerate(out.nb.cells):
        origin = out.origin.get(idx, "")
        if cell.cell_type != "code" or not (origin.endswith("作答") or origin == "你添加的单元"):
            continue
        src = source_of(cell)
        for pattern, why in SUSPICIOUS:
            if pattern.search(src):
                out.suspicious_from = idx
                out.suspicious_why = f"{origin}{why}"
                return
