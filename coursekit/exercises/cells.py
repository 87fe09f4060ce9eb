"""识别 notebook 里的练习单元：题目 (question)、作答 (answer)、检查 (check)。

每个单元既带元数据 ``metadata.exercise = {"id", "role", ...}``，也有可见的首行标记：

- 题目（Markdown）：小标题 ``#### 练习 0.1（2 分）``，正文在下一段（旧写法 ``**练习 0.1**（2 分）……`` 也认）
- 作答（代码）：``# 练习 0.1 作答``；开放题的作答是 Markdown：``**练习 0.5 作答**``
- 检查（代码）：``check("0.1", answer_0_1)``

元数据被删掉时仍可凭首行标记识别；两者都没有时，再按 nbformat 的单元 id 对照标准练习本。
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# 题目单元的第一行：小标题“#### 练习 4.1（2 分）……”（目录里能跳到每道题），旧写法“**练习 4.1**（2 分）……”也认
QUESTION_RE = re.compile(
    r"^(?:#{2,5}\s*)?(?:\*\*)?练习\s*(?P<id>\d{1,2}\.\d{1,2})(?:\*\*)?\s*[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分"
)
ANSWER_RE = re.compile(r"^(?:#|\*\*)\s*练习\s*(?P<id>\d{1,2}\.\d{1,2})\s*作答")
CHECK_RE = re.compile(r"^\s*(?:helpers\.)?check\(\s*['\"](?P<id>\d{1,2}\.\d{1,2})['\"]")
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
ROLES = ("question", "answer", "check")


@dataclass
class CellRole:
    """一个单元的练习角色；``role`` 为 None 表示普通单元。``source`` 说明是怎么认出来的。"""

    role: str | None
    qid: str | None = None
    how: str = ""  # metadata / marker / cell_id


def source_of(cell: Any) -> str:
    """单元源码（兼容列表形式）。"""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def first_line(text: str) -> str:
    """第一行非空文本。"""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def role_from_marker(cell: Any) -> CellRole:
    """只看可见标记判断角色。"""
    ctype = cell.get("cell_type")
    line = first_line(source_of(cell))
    if ctype == "markdown":
        m = QUESTION_RE.match(line)
        if m:
            return CellRole("question", m.group("id"), "marker")
        m = ANSWER_RE.match(line)
        if m and line.startswith("**"):
            return CellRole("answer", m.group("id"), "marker")
    elif ctype == "code":
        m = ANSWER_RE.match(line)
        if m and line.startswith("#"):
            return CellRole("answer", m.group("id"), "marker")
        m = CHECK_RE.match(line)
        if m:
            return CellRole("check", m.group("id"), "marker")
    return CellRole(None)


def role_from_metadata(cell: Any) -> CellRole:
    """只看元数据判断角色（格式不对就当没有）。"""
    meta = cell.get("metadata") or {}
    ex = meta.get("exercise") if isinstance(meta, dict) else None
    if not isinstance(ex, dict):
        return CellRole(None)
    role, qid = ex.get("role"), ex.get("id")
    if role in ROLES and isinstance(qid, str) and re.fullmatch(r"\d{1,2}\.\d{1,2}", qid):
        return CellRole(role, qid, "metadata")
    return CellRole(None)


def role_of(cell: Any) -> CellRole:
    """元数据优先，其次首行标记。"""
    r = role_from_metadata(cell)
    return r if r.role else role_from_marker(cell)


def split_solution(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """把源码切成 (BEGIN 之前, 解答, END 之后)；没有解答区返回 None。"""
    lines = text.splitlines()
    stripped = [ln.strip() for ln in lines]
    if BEGIN not in stripped:
        return None
    i = stripped.index(BEGIN)
    if END not in stripped[i:]:
        raise ValueError(f"有 {BEGIN!r} 却没有配对的 {END!r}")
    j = i + stripped[i:].index(END)
    return lines[:i], lines[i + 1 : j], lines[j + 1 :]
