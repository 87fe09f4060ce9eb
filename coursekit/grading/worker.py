"""判分 worker：一个子进程判一份提交。``python -m coursekit.grading.worker``，
从 stdin 读入任务（pickle，由判分主进程写入），向 stdout 写一行 ``<nonce><JSON 结果>``。

期望值由主进程在任何学生代码运行之前算好、经管道传入，不落盘，内核读不到。
学生内核的 stdout/stderr 不接到这里（DEVNULL），无法伪造结果行。
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coursekit.exercises.rules import Rule

MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024


@dataclass
class QSpec:
    """传给 worker 的一道题：不含参考代码，只有规则和算好的期望值（纯数据 JSON）。"""

    id: str
    points: float
    kind: str
    title: str = ""
    rule: Rule | None = None
    hint: str = ""
    rubric: tuple[str, ...] = ()
    expected_json: str | None = None

    @property
    def var(self) -> str:
        return "answer_" + self.id.replace(".", "_")


@dataclass
class Job:
    """一份提交的判分任务。"""

    submission: str
    canonical_json: str
    questions: list[QSpec]
    limits: Any
    nonce: str
    # 本批判分的临时根目录（主进程创建、结束时整个删除）；worker 被杀也不会在系统临时目录留下垃圾
    scratch: str | None = None


@dataclass
class QResult:
    """一道题的判分结果；开放题 ``points`` 为 None（人工评分）。"""

    points: float | None
    state: str
    problems: list[str] = field(default_factory=list)
    hint: str = ""


@dataclass
class Result:
    """一份提交的判分结果（JSON 可序列化）。"""

    status: str
    questions: dict[str, QResult] = field(default_factory=dict)
    open_answers: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    truncated: bool = False


def read_notebook(path: Path) -> tuple[Any | None, str]:
    """读入并解析学生提交；失败返回 (None, 中文原因)。"""
    import nbformat

    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"文件太大（{size // (1024 * 1024)} MB）"
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError:
        return None, "文件不是 UTF-8 文本"
    except json.JSONDecodeError as exc:
        return None, f"不是合法的 JSON（第 {exc.lineno} 行附近）"
    except (OSError, RecursionError, ValueError) as exc:
        return None, f"无法读取（{type(exc).__name__}）"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "缺少 cells 列表，不是 notebook"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat 的各种解析错误
        return None, f"nbformat 无法解析（{type(exc).__name__}）"
    cells = []
    for c in nb.cells:
        if isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw"):
            src = c.get("source", "")
            c["source"] = "".join(src) if isinstance(src, list) else str(src)
            cells.append(c)
    nb.cells = cells
    return nb, ""


def _take_export(path: str, token: str) -> Any:
    """读回一次导出：返回 dict；没有文件返回 None；读不回或 token 不对返回说明文字（str）。"""
    from coursekit.exercises.plain import read_export

    p = Path(path)
    if not p.exists():
        return None
    try:
        data = read_export(path)
    except Exception as exc:  # noqa: BLE001 - 任何读不回的情况都记 0 分
        return f"答案无法读取（{exc}）"[:200]
    finally:
        p.unlink(missing_ok=True)
    if data.get("token") != token:
        return "导出文件被别的进程改写过（token 不符），本题不计分，请老师复核"
    return data


def _judge_auto(q: QSpec, data: Any, export_state: str) -> tuple[QResult, bool]:
    """判定一次导出（``_take_export`` 的结果；``export_state`` 是导出单元的运行结果）；返回 (结果, 是否发现加载了题库)。"""
    from coursekit.exercises.plain import from_plain
    from coursekit.exercises.rules import judge

    if export_state == "not_run" or data is None:
        why = {
            "not_run": "答案没有导出：对应的单元没有运行到（内核已停止）或出错",
            "timeout": "答案没有导出：导出答案的单元超时（答案对象太大，或判分机器过载）",
        }.get(export_state, "答案没有导出（导出代码没有成功运行）")
        return QResult(0, "not_exported", [why]), False
    if isinstance(data, str):
        return QResult(0, "unreadable", [data]), False
    loaded = bool(data.get("registry_loaded"))
    if data.get("missing"):
        return QResult(0, "missing_var", [f"找不到变量 {q.var}（作答单元里要给它赋值）"]), loaded
    try:
        value = from_plain(data.get("value"))
        expected = from_plain(json.loads(q.expected_json or "null"))
    except RecursionError:
        return QResult(0, "unreadable", ["答案结构太复杂，无法读取"]), loaded
    verdict = judge(q.rule, value, expected, q.hint)
    state = "correct" if verdict.ok else verdict.state
    return QResult(q.points if verdict.ok else 0, state, verdict.problems, verdict.hint), loaded


def _status(flags: dict[str, bool]) -> str:
    for name in ("suspicious", "kernel_died", "memory_exceeded", "timeout", "error", "missing_answer", "blank"):
        if flags.get(name):
            return name
    return "ok"


def grade_submission(job: Job, prelaunched: Any = None) -> Result:
    """判一份提交（worker 内调用）：解析 → 重建 → 在独立内核里执行 → 在内核外判定。

    ``prelaunched``：fork 服务器里预先分出的内核（没有任务时 fork 的，不含期望值）；None 时启动新内核。
    """
    import nbformat

    from coursekit.grading.assemble import assemble
    from coursekit.grading.runner import run_notebook

    student, why = read_notebook(Path(job.submission))
    if student is None:
        return Result("invalid_notebook", notes=[why], questions=_zeros(job, "invalid"))
    canonical = nbformat.reads(job.canonical_json, as_version=4)
    tmp = Path(tempfile.mkdtemp(prefix="hemu-grade-", dir=job.scratch))
    try:
        exports, cwd = tmp / "exports", tmp / "work"
        exports.mkdir()
        cwd.mkdir()
        asm = assemble(canonical, student, str(exports))
        captured: dict[int, Any] = {}

        def after(idx: int) -> None:
            """导出单元一结束就读走导出文件并删掉它：之后谁再写这个文件都不算数。"""
            if idx in asm.export_files:
                captured[idx] = _take_export(*asm.export_files[idx])

        locked = {idx for idx, origin in asm.origin.items() if origin == "锁定单元"}
        run = run_notebook(asm.nb, tmp, cwd, job.limits, locked, prelaunched, after)
        return _collect(job, asm, run, captured)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _zeros(job: Job, state: str) -> dict[str, QResult]:
    return {q.id: QResult(0 if q.kind == "auto" else None, state) for q in job.questions}


def _collect(job: Job, asm: Any, run: Any, captured: dict[int, Any]) -> Result:
    res = Result("ok", notes=list(asm.notes), open_answers=dict(asm.open_answers), truncated=run.truncated)
    flags: dict[str, bool] = {}
    idx_of = {qid: idx for idx, qid in asm.export_cells.items()}
    suspicious_from = asm.suspicious_from
    suspicious_why = asm.suspicious_why
    for q in job.questions:
        if q.kind != "auto":
            text = asm.open_answers.get(q.id)
            res.questions[q.id] = QResult(None, "open" if text else "unanswered")
            continue
        if q.id in asm.missing:
            flags["missing_answer"] = True
            res.questions[q.id] = QResult(0, "missing", ["找不到这道题的作答单元（被删除了？）"])
        else:
            idx = idx_of[q.id]
            qr, loaded = _judge_auto(q, captured.get(idx), run.cells[idx].state)
            if loaded and (suspicious_from is None or idx < suspicious_from):
                suspicious_from, suspicious_why = idx, "运行时加载了题库模块（参考答案代码）"
            res.questions[q.id] = qr
        res.questions[q.id].problems = asm.q_notes.get(q.id, []) + res.questions[q.id].problems
    if suspicious_from is not None:
        flags["suspicious"] = True
        res.notes.append(f"疑似读取参考答案：{suspicious_why}；此后的题记 0 分，请人工复核")
        for q in job.questions:
            i = idx_of.get(q.id)
            if q.kind == "auto" and i is not None and i >= suspicious_from:
                res.questions[q.id] = QResult(0, "suspicious", ["疑似读取参考答案，记 0 分（请老师人工复核）"])
    _run_flags(run, asm, res, flags)
    autos = [q for q in job.questions if q.kind == "auto"]
    opens = [q for q in job.questions if q.kind != "auto"]
    if (
        autos
        and all(res.questions[q.id].state in ("unanswered", "missing") for q in autos)
        and all(res.questions[q.id].state != "open" for q in opens)
    ):
        flags["blank"] = True
    res.status = _status(flags)
    return res


def _run_flags(run: Any, asm: Any, res: Result, flags: dict[str, bool]) -> None:
    stop_notes = {
        "kernel_died": "内核在运行中退出/崩溃（os._exit、段错误、quit() 等），后面的单元没有运行",
        "memory": "超出内存上限，内核被结束，后面的单元没有运行",
        "notebook_timeout": "整本运行超时，后面的单元没有运行",
        "cell_timeout": "单元超时且中断无效（可能吞掉了 KeyboardInterrupt），内核被结束，后面的单元没有运行",
        "setup_timeout": "开头的设置单元（导入、读数据）超出设置时限，后面的单元没有运行；请检查判分机器的负载或调大 --setup-timeout",
        "startup": "判分内核没能启动",
    }
    if run.stop:
        res.notes.append(stop_notes.get(run.stop, run.stop) + (f"（{run.stop_detail}）" if run.stop_detail else ""))
    flags["kernel_died"] = run.stop in ("kernel_died", "startup")
    flags["memory_exceeded"] = run.stop == "memory"
    flags["timeout"] = run.stop in ("notebook_timeout", "cell_timeout", "setup_timeout")
    for idx, c in enumerate(run.cells):
        origin = asm.origin.get(idx, "")
        if c.state in ("error", "timeout") and not origin.endswith("导出"):
            if c.ename.endswith("MemoryError"):
                flags["memory_exceeded"] = True
            elif c.state == "timeout":
                flags["timeout"] = True
            elif c.ename != "DeadKernel":
                flags["error"] = True
            res.errors.append({"where": origin, "ename": c.ename, "evalue": c.evalue[:300]})
    if run.truncated:
        res.notes.append("输出过多，超出上限的部分已丢弃")


def main() -> int:
    """worker 入口：读任务、判分、写一行结果。任何异常都变成 grader_error 结果。"""
    from coursekit.grading.runner import become_subreaper, kill_descendants

    become_subreaper()
    job: Job = pickle.loads(sys.stdin.buffer.read())
    try:
        result = grade_submission(job)
    except BaseException as exc:  # noqa: BLE001 - worker 必须总能给出一行结果
        result = Result("grader_error", notes=[f"判分器内部错误：{type(exc).__name__}: {exc}"[:300]])
    finally:
        kill_descendants()
    sys.stdout.write(result_line(job, result))
    sys.stdout.flush()
    return 0


def result_line(job: Job, result: Result) -> str:
    """worker 交回判分主进程的一行：一次性随机前缀 + 结果 JSON。"""
    return job.nonce + json.dumps(asdict(result), ensure_ascii=False) + "\n"


if __name__ == "__main__":
    os.environ.pop("HEMU_GRADING", None)
    sys.exit(main())
