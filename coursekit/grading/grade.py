"""教师端批量判分：``python -m helpers grade CHAPTER SUBMISSION... --out grades.csv``。

每份提交在独立的 worker 子进程里判（worker 再启动独立的内核进程），主进程只负责调度、
收集结果、检查判分环境是否被篡改、写成绩表（UTF-8 带 BOM 的 CSV）和每人一份反馈（Markdown）。
任何一份提交出问题都只影响它自己那一行。
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from coursekit.grading.runner import Limits, become_subreaper, kill_tree
from coursekit.grading.worker import Job, QResult, QSpec, Result

SKIP_NAMES = {"thumbs.db", "desktop.ini"}
STATUS_ZH = {
    "ok": "正常",
    "blank": "未作答",
    "error": "有单元报错（其余答案照常判分）",
    "timeout": "超时",
    "kernel_died": "内核崩溃或退出",
    "memory_exceeded": "超出内存上限",
    "missing_answer": "缺少作答单元",
    "invalid_notebook": "不是有效的 notebook",
    "not_a_notebook": "不是 .ipynb 文件",
    "suspicious": "疑似读取参考答案（需人工复核）",
    "tampered": "篡改了判分环境",
    "not_graded": "未判分（判分环境已被篡改）",
    "grader_error": "判分器内部错误",
}


class GradeInputError(ValueError):
    """命令行输入有误（中文说明），CLI 以退出码 2 结束。"""


@dataclass(frozen=True)
class Submission:
    """一份提交：文件路径、学生标识（由文件名/相对路径得到）、是否为 .ipynb。"""

    path: Path
    student: str
    is_notebook: bool


@dataclass
class Row:
    """成绩表的一行。"""

    sub: Submission
    result: Result


@dataclass
class Chapter:
    """判分所需的一章：标准练习本（文本）和题目（含算好的期望值）。"""

    name: str
    canonical_json: str
    questions: list[QSpec]


@dataclass
class Options:
    """判分选项。``watch`` 是需要防篡改监视的目录/文件（默认 helpers、coursekit、datasets、site-packages）。"""

    limits: Limits = field(default_factory=Limits)
    jobs: int = 0
    feedback_dir: Path | None = None
    watch: list[Path] | None = None
    progress: Callable[[str], None] | None = None
    fork: bool | None = None  # None：Linux 上用 fork 服务器（一批只付一次启动成本），其他系统为每份提交启动新进程


# ---------------------------------------------------------------- 收集提交


def collect(args: list[str]) -> list[Submission]:
    """把命令行给的文件/文件夹展开成提交列表（按学生排序）。

    文件夹里递归找所有文件：.ipynb 是提交，其他普通文件记为 not_a_notebook 行（不静默忽略）；
    隐藏文件/文件夹（以 . 开头，如 .ipynb_checkpoints）和 Thumbs.db、desktop.ini 跳过。
    """
    subs: dict[Path, Submission] = {}
    for arg in args:
        p = Path(arg)
        if not p.exists():
            raise GradeInputError(f"找不到提交：{arg}")
        if p.is_file():
            subs[p.resolve()] = Submission(
                p, p.stem if p.suffix.lower() == ".ipynb" else p.name, p.suffix.lower() == ".ipynb"
            )
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p)
            if not f.is_file() or any(part.startswith(".") for part in rel.parts) or f.name.lower() in SKIP_NAMES:
                continue
            nb = f.suffix.lower() == ".ipynb"
            student = rel.with_suffix("").as_posix() if nb else rel.as_posix()
            subs[f.resolve()] = Submission(f, student, nb)
    if not subs:
        raise GradeInputError("没有找到任何提交文件（.ipynb）。请检查路径。")
    out = sorted(subs.values(), key=lambda s: (s.student, str(s.path)))
    seen: dict[str, int] = {}
    for s in out:
        seen[s.student] = seen.get(s.student, 0) + 1
    return [Submission(s.path, str(s.path) if seen[s.student] > 1 else s.student, s.is_notebook) for s in out]


# ---------------------------------------------------------------- 章节


def load_chapter(chapter: str, root: Path | None = None) -> Chapter:
    """由章节名（ch00、0、ch00_practice）找到标准练习本和题库，并计算期望值。"""
    from coursekit.exercises.build import repo_root
    from coursekit.questions import chapter_questions, expected_json

    root = root or repo_root()
    m = re.fullmatch(r"(?:ch)?(\d{1,2})(?:_.*)?", chapter.strip().removesuffix(".ipynb"))
    if not m:
        raise GradeInputError(f"章节名应形如 ch00 或 ch05（得到 {chapter!r}）")
    name = f"ch{int(m.group(1)):02d}"
    found = sorted((root / "exercises").glob(f"{name}_*.ipynb"))
    if not found:
        raise GradeInputError(
            f"找不到第 {name} 章的练习本 exercises/{name}_*.ipynb（先运行 python -m helpers exercises build）"
        )
    try:
        questions = chapter_questions(name)
    except LookupError as exc:
        raise GradeInputError(str(exc)) from None
    specs = [
        QSpec(q.id, q.points, q.kind, q.title, q.rule, q.hint, tuple(q.rubric), expected_json(q.id) if q.auto else None)
        for q in questions
    ]
    return Chapter(name, found[0].read_text(encoding="utf-8"), specs)


def chapter_from(name: str, canonical: Path, questions: list[Any]) -> Chapter:
    """由标准练习本路径和 Question 列表构造 Chapter（测试与出题人自检用）。"""
    from coursekit.exercises.plain import encode_value

    specs = [
        QSpec(
            q.id,
            q.points,
            q.kind,
            q.title,
            q.rule,
            q.hint,
            tuple(q.rubric),
            encode_value(q.expected()) if q.kind == "auto" else None,
        )
        for q in questions
    ]
    return Chapter(name, canonical.read_text(encoding="utf-8"), specs)


# ---------------------------------------------------------------- 防篡改


def default_watch() -> list[Path]:
    """默认监视：helpers 与 coursekit 两个包、datasets/ 中判分要读的部分、当前环境的 site-packages（防 sitecustomize/.pth 注入）。"""
    from coursekit.exercises.build import repo_root

    root = repo_root()
    paths = [
        root / "helpers",
        root / "coursekit",
        *_watched_data(root / "datasets"),
        Path(sysconfig.get_paths()["purelib"]),
    ]
    return [p for p in paths if p.exists()]


def _watched_data(datasets: Path) -> list[Path]:
    """datasets/ 里判分用得到的部分：练习读的 small 规模、网页样本、数据字典。

    按需生成的 tiny / large（large 有几百 MB）判分时不读，不必每判一份就重新扫一遍。
    """
    from helpers.data.schema import SCALE_NAMES

    if not datasets.is_dir():
        return []
    skip = set(SCALE_NAMES) - {"small"}
    return [p for p in sorted(datasets.iterdir()) if p.name not in skip and not p.name.startswith(".")]


def fingerprint(paths: list[Path]) -> str:
    """监视范围的指纹：源码和数据文件的内容哈希；site-packages 只看顶层条目的名字和 .pth / sitecustomize 的内容。

    不看 site-packages 里的修改时间：第一次导入某个包时 Python 会写 __pycache__，改变目录的修改时间，
    那不是篡改，却会让并行判分误报 tampered。
    """
    h = hashlib.sha256()
    for base in paths:
        if base.name == "site-packages":
            for e in sorted(base.iterdir()):
                if e.name == "__pycache__":
                    continue
                h.update(e.name.encode())
                if e.is_file() and (e.suffix == ".pth" or e.stem in ("sitecustomize", "usercustomize")):
                    h.update(e.read_bytes())
            continue
        files = (
            [base]
            if base.is_file()
            else sorted(f for f in base.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
        )
        for f in files:
            st = f.stat()
            h.update(f"{f}|{st.st_size}".encode())
            if st.st_size <= 64 * 1024 * 1024:
                h.update(hashlib.sha256(f.read_bytes()).digest())
            else:
                h.update(str(st.st_mtime_ns).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- 执行


def _run_worker(
    job: Job, hard_timeout: float, active: set[int] | None = None, lock: threading.Lock | None = None
) -> Result:
    """启动一个 worker 子进程判一份提交；崩溃/超时都变成 grader_error 结果。"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEMU_GRADING")}
    with lock or threading.Lock():  # 与清理孤儿进程互斥，免得刚启动的 worker 被误杀
        proc = subprocess.Popen(
            [sys.executable, "-m", "coursekit.grading.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
        if active is not None:
            active.add(proc.pid)
    try:
        out, err = proc.communicate(pickle.dumps(job), timeout=hard_timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.communicate()
        return Result("grader_error", notes=["判分进程超时被结束"])
    finally:
        if proc.poll() is None:
            kill_tree(proc.pid)
        if active is not None:
            with lock or threading.Lock():
                active.discard(proc.pid)
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.startswith(job.nonce):
            return _result_from_json(line[len(job.nonce) :])
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"退出码 {proc.returncode}"]
    why = "被信号结束（学生代码可能杀死了判分进程）" if proc.returncode and proc.returncode < 0 else tail[0][:200]
    return Result("grader_error", notes=[f"判分进程异常结束：{why}"])


def _run_forked(job: Job, hard_timeout: float, server: Any, active: set[int], lock: threading.Lock) -> Result:
    """让 fork 服务器分出一个 worker 判这份提交（任务与结果走一对新 socket，服务器本身看不到）。"""
    import socket
    import time

    pid, sock = server.fork_worker()
    with lock:
        active.add(pid)
    try:
        deadline = time.monotonic() + hard_timeout
        sock.sendall(pickle.dumps(job))
        sock.shutdown(socket.SHUT_WR)
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                kill_tree(pid)
                return Result("grader_error", notes=["判分进程超时被结束"])
            sock.settimeout(left)
            try:
                b = sock.recv(1 << 20)
            except TimeoutError:
                continue
            if not b:
                break
            chunks.append(b)
    finally:
        sock.close()
        with lock:
            active.discard(pid)
    text = b"".join(chunks).decode("utf-8", "replace")
    for line in reversed(text.splitlines()):
        if line.startswith(job.nonce):
            return _result_from_json(line[len(job.nonce) :])
    return Result("grader_error", notes=["判分进程异常结束：被信号结束（学生代码可能杀死了判分进程）"])


def warmup_code(chapter: Chapter) -> str:
    """标准练习本开头的锁定设置代码（第一个题目单元之前的代码单元）：fork 服务器用它焐热缓存。"""
    import nbformat

    from coursekit.exercises.cells import role_of

    nb = nbformat.reads(chapter.canonical_json, as_version=4)
    code = []
    for cell in nb.cells:
        if role_of(cell).role is not None:
            break
        if cell.cell_type == "code":
            code.append(cell.source if isinstance(cell.source, str) else "".join(cell.source))
    return "\n".join(code)


def _server_env() -> dict[str, str]:
    """fork 服务器的环境：与判分内核相同的固定设置（哈希种子、无界面绘图、单线程数值库），但不是判分模式。"""
    import tempfile

    from coursekit.grading.runner import kernel_env

    env = kernel_env(Path(tempfile.gettempdir()))
    for k in ("HEMU_GRADING", "IPYTHONDIR"):
        env.pop(k, None)
    # pyarrow 自带的 jemalloc 默认开一个后台回收线程；fork 前必须只有一个线程，所以关掉它（只影响内存回收的时机）
    env["JE_ARROW_MALLOC_CONF"] = "background_thread:false"
    return env


def _start_server(chapter: Chapter, opts: Options, say: Callable[[str], None]) -> Any:
    """按选项启动 fork 服务器；不能用（非 Linux、或检查不安全）时返回 None，判分退回旧做法。"""
    from coursekit.grading import forkserver

    if opts.fork is False or (opts.fork is None and not forkserver.FORK_OK):
        return None
    try:
        return forkserver.ForkServer(warmup_code(chapter), _server_env())
    except forkserver.ForkServerError as exc:
        say(f"（{exc}；改为每份提交启动新进程）")
        return None


def _result_from_json(text: str) -> Result:
    d = json.loads(text)
    qs = {k: QResult(**v) for k, v in d.pop("questions").items()}
    return Result(questions=qs, **d)


def _simple(sub: Submission, chapter: Chapter, status: str, note: str) -> Row:
    qs = {q.id: QResult(0 if q.kind == "auto" else None, status) for q in chapter.questions}
    return Row(sub, Result(status, questions=qs, notes=[note]))


def grade_batch(chapter: Chapter, subs: list[Submission], opts: Options) -> tuple[list[Row], bool]:
    """判一批提交。返回 (按学生排序的行, 是否发现判分环境被篡改)。"""
    jobs = opts.jobs or os.cpu_count() or 1
    limits = opts.limits
    hard = limits.worst_case_wall()
    watch = default_watch() if opts.watch is None else opts.watch
    lock = threading.Lock()
    state = {"fp": fingerprint(watch), "tampered": False, "done": 0}
    say = opts.progress or (lambda s: None)
    become_subreaper()
    me = psutil.Process()
    before = {p.pid for p in me.children()}
    active: set[int] = set()

    def reap_orphans() -> None:
        """worker 非正常死亡时，它的内核会挂到本进程下：结束这些孤儿。"""
        for child in me.children():
            if child.pid not in active and child.pid not in before:
                kill_tree(child.pid)

    server = {"s": None}
    # 每份提交的临时目录都建在这个根目录下；判完（或中途出错）整个删除，被杀掉的 worker 也不留残渣
    scratch = tempfile.mkdtemp(prefix="hemu-grade-batch-")

    def run_job(job: Job) -> Result:
        """优先用 fork 服务器；服务器死了（可能被学生代码结束）就重启一次，再不行退回旧做法。"""
        from coursekit.grading.forkserver import ForkServerError

        for _ in range(2):
            srv = server["s"]
            if srv is None:
                break
            try:
                return _run_forked(job, hard, srv, active, lock)
            except ForkServerError:
                with lock:
                    if server["s"] is srv:
                        srv.close()
                        server["s"] = _start_server(chapter, opts, say)
                        if server["s"] is not None:
                            active.add(server["s"].pid)
        return _run_worker(job, hard, active, lock)

    def one(sub: Submission) -> Row:
        if state["tampered"]:
            return _simple(sub, chapter, "not_graded", "判分环境已被篡改，未判分；恢复环境后请重新判分")
        if not sub.is_notebook:
            row = _simple(sub, chapter, "not_a_notebook", f"不是 .ipynb 文件：{sub.path.name}")
        else:
            job = Job(
                str(sub.path.resolve()),
                chapter.canonical_json,
                chapter.questions,
                limits,
                secrets.token_hex(16),
                scratch,
            )
            try:
                row = Row(sub, run_job(job))
            except Exception as exc:  # noqa: BLE001 - 一份提交绝不拖垮整批
                row = Row(sub, Result("grader_error", notes=[f"{type(exc).__name__}: {exc}"[:300]]))
        with lock:
            reap_orphans()
            now = fingerprint(watch)
            if now != state["fp"]:
                first = not state["tampered"]
                state["tampered"], state["fp"] = True, now
                row = _simple(
                    sub,
                    chapter,
                    "tampered" if first else "not_graded",
                    "判分期间判分程序/数据/环境文件被修改（并行判分时也可能是同时运行的另一份提交所致，可用 --jobs 1 重判定位）",
                )
            state["done"] += 1
            say(f"[{state['done']}/{len(subs)}] {sub.student}: {row.result.status}")
        return row

    server["s"] = _start_server(chapter, opts, say) if any(s.is_notebook for s in subs) else None
    if server["s"] is not None:
        active.add(server["s"].pid)
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = list(pool.map(one, subs))
    finally:
        if server["s"] is not None:
            server["s"].close()
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, state["tampered"]


# ---------------------------------------------------------------- 输出


def _fmt(p: float | None) -> str:
    return "" if p is None else f"{p:g}"


def columns(chapter: Chapter) -> list[str]:
    """成绩表的列名。"""
    qcols = [f"q{q.id}" if q.kind == "auto" else f"q{q.id}_manual" for q in chapter.questions]
    return ["student", "file", "status", "状态说明", *qcols, "auto_total", "auto_max", "manual_max", "notes"]


def row_values(row: Row, chapter: Chapter) -> list[str]:
    """一行的各列取值（开放题的人工分留空）。"""
    res = row.result
    qvals, total = [], 0.0
    for q in chapter.questions:
        qr = res.questions.get(q.id)
        if q.kind == "auto":
            pts = qr.points if qr and qr.points is not None else 0.0
            total += pts
            qvals.append(_fmt(pts))
        else:
            qvals.append("")
    auto_max = sum(q.points for q in chapter.questions if q.kind == "auto")
    manual_max = sum(q.points for q in chapter.questions if q.kind != "auto")
    notes = list(res.notes)
    for q in chapter.questions:
        qr = res.questions.get(q.id)
        if qr and qr.state in ("missing",):
            notes.append(f"练习 {q.id} 缺少作答单元")
        if qr and q.kind == "auto" and any("只采用最后一个" in p for p in qr.problems):
            notes.append(f"练习 {q.id} 有重复的作答单元，采用最后一个")
    text = "；".join(dict.fromkeys(notes))
    return [
        row.sub.student,
        row.sub.path.name,
        res.status,
        STATUS_ZH.get(res.status, res.status),
        *qvals,
        _fmt(total),
        _fmt(auto_max),
        _fmt(manual_max),
        text[:1000],
    ]


def write_csv(rows: list[Row], chapter: Chapter, out: Path) -> None:
    """写成绩表：UTF-8 带 BOM（Excel / WPS 直接打开中文不乱码），先写临时文件再替换。"""
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns(chapter))
        for row in rows:
            w.writerow(row_values(row, chapter))
    os.replace(tmp, out)


def safe_name(student: str) -> str:
    """学生标识 → 安全的文件名。"""
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", student).strip("._") or "submission"
    return name[:120]


def feedback_markdown(row: Row, chapter: Chapter) -> str:
    """一位学生的反馈（Markdown）：状态、总分、每题结果与提示、开放题作答与评分要点、报错与备注。"""
    res = row.result
    vals = row_values(row, chapter)
    lines = [
        f"# {chapter.name} 练习反馈：{row.sub.student}",
        "",
        f"- 文件：`{row.sub.path.name}`",
        f"- 状态：**{res.status}**（{STATUS_ZH.get(res.status, '')}）",
        f"- 自动判分：{vals[-4]} / {vals[-3]} 分；开放题（人工评分）满分 {vals[-2]} 分",
        "",
    ]
    lines += ["## 各题结果", ""]
    for q in chapter.questions:
        qr = res.questions.get(q.id) or QResult(0, "missing")
        title = f"练习 {q.id}（{q.points:g} 分）{q.title}"
        if q.kind != "auto":
            lines += [f"### 📝 {title} —— 开放题，人工评分", "", "**你的回答：**", ""]
            text = res.open_answers.get(q.id)
            lines += [_quote(text) if text else "> （未作答）", "", "**评分要点：**", ""]
            lines += [f"- {r}" for r in q.rubric] + [""]
            continue
        mark = "✅" if qr.state == "correct" else "❌"
        lines += [f"### {mark} {title}：{_fmt(qr.points)} 分", ""]
        if qr.state != "correct":
            state_zh = {"unanswered": "未作答", "missing": "缺少作答单元", "invalid": "文件无效，未判分"}.get(qr.state)
            if state_zh:
                lines.append(f"- {state_zh}")
            lines += [f"- {p}" for p in qr.problems if p != "还没有作答（答案仍是 ...）" or not state_zh]
            if qr.hint:
                lines.append(f"- 提示：{qr.hint}")
            lines.append("")
    if res.errors:
        lines += ["## 运行中的报错", ""]
        for e in res.errors[:20]:
            lines.append(f"- {e['where']}：`{e['ename']}` {_one_line(e['evalue'])}")
        lines.append("")
    if res.notes:
        lines += ["## 备注", ""] + [f"- {n}" for n in res.notes] + [""]
    return "\n".join(lines)[:200_000]


def _quote(text: str) -> str:
    return "\n".join("> " + ln for ln in text[:5000].splitlines())


def _one_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return " ".join(text.split())[:300]


def write_feedback(rows: list[Row], chapter: Chapter, folder: Path) -> None:
    """每位学生一份反馈文件：``<folder>/<学生>.md``。"""
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        (folder / f"{safe_name(row.sub.student)}.md").write_text(feedback_markdown(row, chapter), encoding="utf-8")


def check_writable(out: Path) -> None:
    """提前检查 --out 能否写入，避免判完才发现写不了。"""
    parent = out.parent if str(out.parent) else Path(".")
    if out.exists() and out.is_dir():
        raise GradeInputError(f"--out 指向的是文件夹：{out}")
    if not parent.is_dir():
        raise GradeInputError(f"--out 所在的文件夹不存在：{parent}")
    probe = parent / f".{out.name}.probe"
    try:
        probe.write_text("", encoding="utf-8")
        probe.unlink()
        if out.exists():
            with open(out, "a", encoding="utf-8"):
                pass
    except OSError as exc:
        raise GradeInputError(f"无法写入 {out}（{exc.strerror}）。文件是否正在 Excel 里打开？") from None


def run_grade(chapter: Chapter, args: list[str], out: Path, opts: Options) -> tuple[list[Row], bool]:
    """完整流程：检查输出 → 收集提交 → 判分 → 写成绩表与反馈。"""
    check_writable(out)
    subs = collect(args)
    rows, tampered = grade_batch(chapter, subs, opts)
    write_csv(rows, chapter, out)
    write_feedback(rows, chapter, opts.feedback_dir or out.with_name(out.stem + "_feedback"))
    return rows, tampered
