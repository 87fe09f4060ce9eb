"""学生端即时检查：``check("0.1", answer_0_1)`` 打印中文反馈（正确 / 哪里不对 / 提示），从不给出答案。

答案先转成纯数据再读回（与判分器完全相同的路径），然后用题库里的规则比较。
打印内容只取决于答案本身，所以 notebook 的存储输出可以稳定复现。
"""

from __future__ import annotations

import json
import os
from typing import Any

GRADING_ENV = "HEMU_GRADING"
_MISSING = object()


def feedback_text(question_id: Any, value: Any = _MISSING) -> str:
    """生成反馈文字（不打印、不抛异常）。

    示例::

        >>> feedback_text("0.1", ...).startswith("⏳")
        True
        >>> feedback_text("0.1", -1).startswith("❌")
        True
    """
    try:
        return _feedback(question_id, value)
    except Exception as exc:  # noqa: BLE001 - 学生端绝不抛出 traceback
        return f"⚠️ 检查练习 {question_id} 时出现意外错误（{type(exc).__name__}）。请重新运行上面的单元；仍有问题请把 notebook 发给老师。"


def _feedback(question_id: Any, value: Any) -> str:
    # 比较规则和题库属于工具包 coursekit，检查时才导入：import helpers 不加载它。
    from coursekit.exercises.plain import encode_value, from_plain
    from coursekit.exercises.rules import judge
    from coursekit.questions import expected_json, find_question

    qid = str(question_id).strip()
    q = find_question(qid)
    if q is None:
        return f'⚠️ 没有编号为 {qid!r} 的练习。请检查题号（形如 "0.1"），不要修改检查单元。'
    if value is _MISSING:
        return f'⚠️ 用法：check("{q.id}", {q.var})'
    if not q.auto:
        return f"📝 练习 {q.id} 是开放题，由老师按评分要点人工评分，这里不做自动检查。"
    if value is Ellipsis:
        return f"⏳ 练习 {q.id} 还没有作答：把 {q.var} = ... 里的 ... 换成你的答案，再运行作答单元和本单元。"
    got = from_plain(json.loads(encode_value(value)))
    expected = from_plain(json.loads(expected_json(q.id)))
    verdict = judge(q.rule, got, expected, q.hint)
    if verdict.ok:
        return f"✅ 练习 {q.id} 正确！"
    lines = [f"❌ 练习 {q.id} 还不对："]
    lines += [f"  · {p}" for p in verdict.problems]
    if verdict.hint:
        lines.append(f"  提示：{verdict.hint}")
    return "\n".join(lines)


def check(question_id: Any, value: Any = _MISSING) -> None:
    """检查练习答案并打印中文反馈。判分时这里的结果不算数：判分器在内核外重新检查。

    示例::

        >>> check("0.1", ...)
        ⏳ 练习 0.1 还没有作答：把 answer_0_1 = ... 里的 ... 换成你的答案，再运行作答单元和本单元。
        >>> check("99.1", 1)
        ⚠️ 没有编号为 '99.1' 的练习。请检查题号（形如 "0.1"），不要修改检查单元。
    """
    if os.environ.get(GRADING_ENV) == "1":
        print(f"（判分模式：练习 {question_id} 由判分程序在内核外检查）")
        return None
    print(feedback_text(question_id, value))
    return None
