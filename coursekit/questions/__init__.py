"""题库：每章一个模块 ``chNN.py``，其中 ``QUESTIONS`` 列出该章的全部练习。

自动题的期望值由参考代码从数据现算（``expected`` 函数），不是抄进来的常数；
开放题只有评分要点 (rubric)，没有自动检查。
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from coursekit.exercises.rules import Rule

QID_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})$")


@dataclass(frozen=True)
class Question:
    """一道练习：编号、分值、类型（auto 自动判分 / open 人工评分）、期望值函数、比较规则、提示、评分要点。"""

    id: str
    points: float
    kind: str
    title: str
    expected: Callable[[], Any] | None = None
    rule: Rule | None = None
    hint: str = ""
    rubric: tuple[str, ...] = field(default_factory=tuple)

    @property
    def var(self) -> str:
        """答案变量名，如 ``answer_0_1``。"""
        return "answer_" + self.id.replace(".", "_")

    @property
    def auto(self) -> bool:
        return self.kind == "auto"


def reference_axes(kind: str, x: Any, y: Any, *, title: str, xlabel: str, ylabel: str) -> Any:
    """参考答案的图：一组柱子（``kind="bar"``）或一条折线（``"line"``），带标题和坐标轴标签，关掉图后返回 Axes。

    判分 (``PlotRule``) 只看图的种类、柱子高度或折线上的点、以及标题和标签是否非空，所以每章的参考图都用这一个画法。
    """
    import matplotlib.pyplot as plt

    if kind not in ("bar", "line"):
        raise ValueError(f"kind 只能是 'bar' 或 'line'，收到 {kind!r}")
    fig, ax = plt.subplots()
    if kind == "bar":
        ax.bar(x, y)
    else:
        ax.plot(x, y, marker="o")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    plt.close(fig)
    return ax


def chapter_of(qid: str) -> str | None:
    """题号 → 章节名：``"0.1"`` → ``"ch00"``；格式不对返回 None。"""
    m = QID_RE.match(str(qid).strip())
    return f"ch{int(m.group(1)):02d}" if m else None


def chapter_questions(chapter: str) -> list[Question]:
    """某章的全部题目；该章还没有题库时抛出 LookupError（中文说明）。"""
    if not re.fullmatch(r"ch\d{2}", chapter):
        raise LookupError(f"章节名应形如 ch00、ch05，而不是 {chapter!r}")
    try:
        mod = importlib.import_module(f"coursekit.questions.{chapter}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(chapter):
            raise LookupError(f"第 {chapter} 章还没有题库（coursekit/questions/{chapter}.py）") from None
        raise
    return list(mod.QUESTIONS)


def find_question(qid: str) -> Question | None:
    """按题号查找题目；找不到返回 None。"""
    chapter = chapter_of(qid)
    if chapter is None:
        return None
    try:
        questions = chapter_questions(chapter)
    except LookupError:
        return None
    return next((q for q in questions if q.id == str(qid).strip()), None)


@cache
def expected_json(qid: str) -> str:
    """题目期望值的纯数据 JSON（由参考代码现算，同一进程内缓存）。"""
    from coursekit.exercises.plain import encode_value

    q = find_question(qid)
    if q is None or q.expected is None:
        raise LookupError(f"练习 {qid} 没有期望值")
    return encode_value(q.expected())
