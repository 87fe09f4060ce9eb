"""判分器：正确解答满分、空白练习 0 分，以及一整套“坏提交”各得到正确的状态和分数。

所有提交放进同一批一起判（并行 2 份），顺带验证一份坏提交不会影响整批。
用不依赖数据集的小章节 ch99（见 exercise_support.py），时限设得很短。
时限按 CPU 秒计（见 coursekit/grading/runner.py），机器忙时这些状态也不变；本文件不断言任何墙钟时长。
"""

from __future__ import annotations

import copy
import csv
import os
import time
from pathlib import Path

import exercise_support as es
import nbformat
import psutil
import pytest

import coursekit.grading.grade as grade_mod
from coursekit.exercises.cells import role_of
from coursekit.grading.grade import Options, chapter_from, run_grade, safe_name
from coursekit.grading.runner import Limits

LIMITS = Limits(cell_timeout=5, notebook_timeout=45, memory_mb=1024, output_mb=1, interrupt_grace=1.5)
FULL = 9  # ch99 自动题满分
S = es.SOLUTIONS
posix = pytest.mark.skipif(os.name != "posix", reason="只在 POSIX 上测")


def _nb(
    ex_path: Path, answers: dict[str, str] | None = None, prefix: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    """由练习本生成一份提交：answers 覆盖作答（默认全部用正确解答），prefix 在解答前插入代码。"""
    nb = nbformat.read(ex_path, as_version=4)
    answers = {**S, **(answers or {})}
    for cell in nb.cells:
        r = role_of(cell)
        if r.role == "answer":
            body = answers[r.qid]
            if prefix and r.qid in prefix:
                body = prefix[r.qid] + "\n" + body
            marker = f"**练习 {r.qid} 作答**" if cell.cell_type == "markdown" else f"# 练习 {r.qid} 作答"
            cell.source = f"{marker}\n{body}"
    return nb


def _cases(ex: Path, pidfile_dir: Path) -> dict[str, object]:
    """构造全部提交：名字 → notebook 对象 / 原始字节。"""
    c: dict[str, object] = {}
    c["solution"] = nbformat.read(ex.parent / "ch99_fixture_solution.ipynb", as_version=4)
    c["blank"] = nbformat.read(ex, as_version=4)
    c["wrong_answers"] = _nb(
        ex,
        {
            "9.1": "answer_9_1 = df['amount'].sum() * 1.05",
            "9.2": "answer_9_2 = df.groupby('cat')['amount'].sum().drop('c')",
            "9.3": "answer_9_3 = df.groupby('cat').agg(n=('amount', 'size')).reset_index()",
            "9.4": "answer_9_4 = df.groupby('cat')['amount'].sum().plot.bar()",
        },
    )
    c["one_right"] = _nb(ex, {"9.2": "answer_9_2 = 5", "9.3": "answer_9_3 = None", "9.4": "answer_9_4 = 'plot'"})
    c["infinite_loop"] = _nb(ex, prefix={"9.2": "while True:\n    pass"})
    c["swallow_interrupt"] = _nb(
        ex,
        prefix={
            "9.2": "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
        },
    )
    c["ignore_sigint"] = _nb(
        ex, prefix={"9.2": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"}
    )
    c["os_exit"] = _nb(ex, prefix={"9.3": "import os\nos._exit(1)"})
    c["quit"] = _nb(ex, prefix={"9.3": "quit()"})
    c["sys_exit"] = _nb(ex, prefix={"9.3": "import sys\nsys.exit(0)"})
    c["raise_baseexception"] = _nb(ex, {"9.3": "raise KeyboardInterrupt('假装被中断')"})
    c["big_output"] = _nb(ex, prefix={"9.1": "for _ in range(50):\n    print('x' * 1_000_000)"})
    c["memory_bomb_fast"] = _nb(ex, prefix={"9.2": "blob = bytearray(50 * 1024 ** 3)"})
    c["memory_bomb_slow"] = _nb(
        ex,
        prefix={
            "9.2": "hog = []\nwhile True:\n    hog.append(bytearray(64 * 1024 ** 2))\n    hog[-1][::4096] = b'x' * len(hog[-1][::4096])"
        },
    )
    c["monkeypatch_check"] = _nb(
        ex,
        {
            "9.1": "import helpers, builtins\nfake = lambda *a, **k: print('✅ 练习 9.1 正确！')\nhelpers.check = fake\nbuiltins.check = fake\ncheck = fake\nimport helpers.feedback as hc\nhc.check = fake\nhc.feedback_text = lambda *a, **k: '✅'\nanswer_9_1 = -1"
        },
    )
    c["shadow_builtins_wrong"] = _nb(
        ex,
        {
            "9.1": "import builtins\n_real_print = builtins.print\nbuiltins.print = lambda *a, **k: _real_print('✅ 练习 9.1 正确！')\nbuiltins.check = lambda *a, **k: None\nisinstance = lambda *a: True\nanswer_9_1 = 0"
        },
    )
    c["break_builtins_len"] = _nb(ex, {"9.1": "import builtins\nbuiltins.len = lambda x: 0\nanswer_9_1 = 0"})
    c["shadow_builtins_right"] = _nb(
        ex,
        prefix={
            "9.1": "isinstance = lambda *a: True\nlen = lambda x: 0\nprint = lambda *a, **k: None\nabs = lambda x: 0\ntype = lambda x: int\nsorted = list"
        },
    )
    c["eq_always_true"] = _nb(
        ex,
        {
            "9.1": "class Yes(float):\n    def __eq__(self, o): return True\n    __hash__ = float.__hash__\nanswer_9_1 = Yes(0)",
            "9.2": "class Any:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\nanswer_9_2 = Any()",
            "9.3": "import pandas as pd\nclass F(pd.DataFrame):\n    def equals(self, o): return True\n    def __eq__(self, o): return True\nanswer_9_3 = F({'x': [1]})",
        },
    )
    c["printed_fake_pass"] = _nb(ex, {"9.1": "print('✅ 练习 9.1 正确！')\nanswer_9_1 = 0"})
    nb = _nb(ex)
    nb.cells = [cell for cell in nb.cells if role_of(cell).qid != "9.2" or role_of(cell).role != "answer"]
    c["deleted_answer"] = nb
    nb = _nb(ex)
    i = next(k for k, cell in enumerate(nb.cells) if role_of(cell).role == "answer" and role_of(cell).qid == "9.1")
    wrong = copy.deepcopy(nb.cells[i])
    wrong.source = "# 练习 9.1 作答\nanswer_9_1 = 0"
    wrong["id"] = "dup-1"
    nb.cells.insert(i, wrong)  # 先错后对：采用最后一个 → 得分
    c["duplicated_answer_last_right"] = nb
    nb = _nb(ex)
    dup = copy.deepcopy(nb.cells[i])
    dup.source = "# 练习 9.1 作答\nanswer_9_1 = 0"
    dup["id"] = "dup-2"
    nb.cells.insert(i + 1, dup)  # 先对后错：采用最后一个 → 不得分
    c["duplicated_answer_last_wrong"] = nb
    nb = _nb(ex)
    for cell in nb.cells:
        cell.metadata = {}
    c["stripped_metadata"] = nb
    nb = _nb(ex)
    for k, cell in enumerate(nb.cells):
        cell.metadata = {}
        cell["id"] = f"new-{k}"
    c["stripped_metadata_and_ids"] = nb
    nb = _nb(ex)
    for cell in nb.cells:
        r = role_of(cell)
        if r.role == "check":
            cell.source = "print('✅ 正确')"
        elif r.role == "question":
            cell.source += "（我改了题目）"
        elif cell.cell_type == "code" and "setup_notebook" in cell.source:
            cell.source += "\ndf['amount'] = 0"
    c["edited_locked_cells"] = nb
    nb = _nb(ex)
    cells = nb.cells
    blocks = [cells[:2]] + [
        [cell for cell in cells if role_of(cell).qid == q] for q in ("9.4", "9.2", "9.5", "9.1", "9.3")
    ]
    nb.cells = [cell for b in blocks for cell in b]
    c["reordered"] = nb
    c["helper_cell_added"] = _nb(ex, {"9.2": "answer_9_2 = by_cat"})
    nb = c["helper_cell_added"]
    j = next(k for k, cell in enumerate(nb.cells) if role_of(cell).role == "check" and role_of(cell).qid == "9.1")
    nb.cells.insert(j + 1, nbformat.v4.new_code_cell("by_cat = df.groupby('cat')['amount'].sum()"))
    c["read_registry"] = _nb(ex, {"9.1": "from coursekit.questions import find_question\nanswer_9_1 = 21.5"})
    c["read_registry_obfuscated"] = _nb(
        ex,
        {
            "9.2": "import importlib\nm = importlib.import_module('course' + 'kit.ques' + 'tions')\nanswer_9_2 = df.groupby('cat')['amount'].sum()"
        },
    )
    c["fake_export_files"] = _nb(
        ex,
        prefix={
            "9.1": "import glob, json\nfor d in glob.glob('/tmp/hemu-grade-*/exports') + glob.glob(__import__('tempfile').gettempdir() + '/hemu-grade-*/exports'):\n    for q in ('9.2', '9.3', '9.4'):\n        open(d + '/' + q + '.json', 'w').write(json.dumps({'value': 1}))"
        },
        answers={"9.2": "answer_9_2 = 0", "9.3": "answer_9_3 = 0", "9.4": "answer_9_4 = 0"},
    )
    c["chdir"] = _nb(ex, prefix={"9.1": "import os\nos.chdir('/')"})
    nb = _nb(ex)
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb.metadata["language_info"] = {"name": "R"}
    c["kernelspec_changed"] = nb
    c["huge_int"] = _nb(ex, {"9.1": "answer_9_1 = 10 ** 100000"})
    c["recursion_bomb"] = _nb(ex, {"9.2": "def f(n):\n    return f(n + 1)\nf(0)"})
    c["deep_nesting"] = _nb(ex, {"9.2": "x = []\nfor _ in range(100000):\n    x = [x]\nanswer_9_2 = x"})
    c["orphan_process"] = _nb(
        ex,
        prefix={
            "9.1": f"import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import os,time\\nif os.fork(): os._exit(0)\\nos.setsid()\\ntime.sleep(300)'], start_new_session=True)\nimport os\nopen({str(pidfile_dir / 'orphan.pid')!r}, 'w').write(str(os.getpid()))"
        },
    )
    c["kill_grader"] = _nb(
        ex,
        prefix={
            "9.2": f"import os, signal\nopen({str(pidfile_dir / 'kernel.pid')!r}, 'w').write(str(os.getpid()))\nos.kill(os.getppid(), signal.SIGKILL)"
        },
    )
    c["forge_result_line"] = _nb(
        ex,
        {
            "9.1": "import os, json\nfake = json.dumps({'status': 'ok', 'questions': {}})\nfor fd in ('/proc/%d/fd/1' % os.getppid(), '/dev/stdout'):\n    try:\n        open(fd, 'w').write(fake + '\\n')\n    except OSError:\n        pass\nanswer_9_1 = 0"
        },
    )
    c["invalid_json"] = b'{"cells": [ this is not json'
    c["not_utf8"] = b"\xff\xfe\x00garbage"
    c["json_not_notebook"] = b'{"hello": "world"}'
    c["empty_file"] = b""
    c["notes_txt"] = "这不是 notebook".encode()
    return c


SUFFIX = {"notes_txt": ".txt"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    sol, ex = es.write_chapter(base / "chapter")
    chapter = chapter_from("ch99", ex, es.QUESTIONS)
    subs = base / "subs"
    subs.mkdir()
    (subs / ".ipynb_checkpoints").mkdir()
    (subs / ".ipynb_checkpoints" / "solution-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    pids = base / "pids"
    pids.mkdir()
    for name, obj in _cases(ex, pids).items():
        path = subs / (name + SUFFIX.get(name, ".ipynb"))
        if isinstance(obj, bytes):
            path.write_bytes(obj)
        else:
            nbformat.write(obj, path)
    out = base / "grades.csv"
    roots: dict[str, list[str]] = {}
    real_mkdtemp, real_rmtree = grade_mod.tempfile.mkdtemp, grade_mod.shutil.rmtree

    def mkdtemp(*a, **k):
        path = real_mkdtemp(*a, **k)
        roots[path] = []
        return path

    def rmtree(path, *a, **k):
        if str(path) in roots:  # 记下删除前根目录里还剩什么（被杀的 worker 留下的目录）
            roots[str(path)] = sorted(os.listdir(path))
        return real_rmtree(path, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grade_mod.tempfile, "mkdtemp", mkdtemp)
        mp.setattr(grade_mod.shutil, "rmtree", rmtree)
        rows, tampered = run_grade(chapter, [str(subs)], out, Options(limits=LIMITS, jobs=2, watch=[]))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        table = {r["student"]: r for r in csv.DictReader(fh)}
    return {
        "rows": {r.sub.student: r for r in rows},
        "table": table,
        "tampered": tampered,
        "out": out,
        "feedback": base / "grades_feedback",
        "pids": pids,
        "chapter": chapter,
        "subs": subs,
        "scratch_roots": roots,
    }


# 名字 → (状态, 自动分总分)
EXPECTED = {
    "solution": ("ok", FULL),
    "blank": ("blank", 0),
    "wrong_answers": ("ok", 0),
    "one_right": ("ok", 2),
    "infinite_loop": ("timeout", FULL - 2),  # 中断后内核恢复，其余题照常判分
    "swallow_interrupt": ("timeout", 2),  # 吞掉中断：杀内核，后面的题没运行
    "ignore_sigint": ("timeout", 2),  # 完全忽略中断：杀内核，后面的题没运行
    "os_exit": ("kernel_died", 4),
    "quit": ("ok", FULL),  # 判分内核里 quit()/exit() 无效（否则内核 0.1 秒后退出，结果不可复现）
    "sys_exit": ("error", FULL - 3),  # IPython 把 SystemExit 当作普通异常；该单元后面的赋值没运行
    "raise_baseexception": ("error", FULL - 3),
    "big_output": ("ok", FULL),
    "memory_bomb_fast": ("memory_exceeded", FULL - 2),  # 瞬间的大分配 → MemoryError，内核还活着，其余题照常
    "memory_bomb_slow": ("memory_exceeded", 2),  # 慢慢涨 → 看门狗结束内核
    "monkeypatch_check": ("ok", FULL - 2),
    "shadow_builtins_wrong": ("ok", FULL - 2),
    "shadow_builtins_right": ("ok", FULL),
    "break_builtins_len": ("timeout", 0),  # 改坏 builtins.len 连内核自己也坏了：只能自伤，得不到分
    "eq_always_true": ("ok", 2),
    "printed_fake_pass": ("ok", FULL - 2),
    "deleted_answer": ("missing_answer", FULL - 2),
    "duplicated_answer_last_right": ("ok", FULL),
    "duplicated_answer_last_wrong": ("ok", FULL - 2),
    "stripped_metadata": ("ok", FULL),
    "stripped_metadata_and_ids": ("ok", FULL),
    "edited_locked_cells": ("ok", FULL),
    "reordered": ("ok", FULL),
    "helper_cell_added": ("ok", FULL),
    "read_registry": ("suspicious", 0),
    "read_registry_obfuscated": ("suspicious", 2),
    "fake_export_files": ("ok", 2),
    "chdir": ("ok", FULL),
    "kernelspec_changed": ("ok", FULL),
    "huge_int": ("ok", FULL - 2),
    "recursion_bomb": ("error", FULL - 2),
    "deep_nesting": ("ok", FULL - 2),
    "orphan_process": ("ok", FULL),
    "kill_grader": ("grader_error", 0),
    "forge_result_line": ("ok", FULL - 2),
    "invalid_json": ("invalid_notebook", 0),
    "not_utf8": ("invalid_notebook", 0),
    "json_not_notebook": ("invalid_notebook", 0),
    "empty_file": ("invalid_notebook", 0),
    "notes_txt": ("not_a_notebook", 0),
}


def _key(name: str) -> str:
    return name + ".txt" if name in SUFFIX else name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_and_score(graded, name):
    status, total = EXPECTED[name]
    row = graded["table"][_key(name)]
    assert (row["status"], float(row["auto_total"])) == (status, total), row


def test_one_row_per_submission_sorted_and_checkpoints_skipped(graded):
    names = list(graded["table"])
    assert sorted(names) == sorted(_key(n) for n in EXPECTED)
    assert names == sorted(names)
    assert not graded["tampered"]


def test_csv_has_bom_and_columns(graded):
    raw = graded["out"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["student", "file", "status", "状态说明"]
    assert header[4:9] == ["q9.1", "q9.2", "q9.3", "q9.4", "q9.5_manual"]
    assert header[-4:] == ["auto_total", "auto_max", "manual_max", "notes"]
    assert graded["table"]["solution"]["q9.5_manual"] == ""
    assert graded["table"]["solution"]["auto_max"] == "9" and graded["table"]["solution"]["manual_max"] == "3"


def test_per_question_points(graded):
    t = graded["table"]
    assert [t["infinite_loop"][f"q9.{i}"] for i in range(1, 5)] == ["2", "0", "3", "2"]
    assert [t["os_exit"][f"q9.{i}"] for i in range(1, 5)] == ["2", "2", "0", "0"]
    assert [t["deleted_answer"][f"q9.{i}"] for i in range(1, 5)] == ["2", "0", "3", "2"]


def test_notes_explain(graded):
    t = graded["table"]
    assert "缺少作答单元" in t["deleted_answer"]["notes"]
    assert "采用最后一个" in t["duplicated_answer_last_right"]["notes"]
    assert "已恢复" in t["edited_locked_cells"]["notes"]
    assert "输出过多" in t["big_output"]["notes"]
    assert "吞掉了 KeyboardInterrupt" in t["ignore_sigint"]["notes"]
    assert "疑似读取参考答案" in t["read_registry"]["notes"]
    assert "运行时加载了题库模块" in t["read_registry_obfuscated"]["notes"]
    assert "不是合法的 JSON" in t["invalid_json"]["notes"]


def test_feedback_files(graded):
    fb = graded["feedback"]
    assert sorted(p.name for p in fb.glob("*.md")) == sorted(safe_name(_key(n)) + ".md" for n in EXPECTED)
    text = (fb / "wrong_answers.md").read_text(encoding="utf-8")
    assert (
        "偏大，相差 1%–10%" in text
        and "缺少索引标签：'c'" in text
        and "缺少列：'total'" in text
        and "图没有标题" in text
    )
    assert "21.5" not in text  # 绝不泄露正确答案
    solution = (fb / "solution.md").read_text(encoding="utf-8")
    assert "a 类金额最高" in solution and "给出一条建议（2 分）" in solution and "BEGIN SOLUTION" not in solution
    assert (fb / "big_output.md").stat().st_size < 20_000
    assert "（未作答）" in (fb / "blank.md").read_text(encoding="utf-8")


@posix
def test_scratch_root_removed_even_when_a_worker_is_killed(graded):
    """每批判分的临时根目录在结束时整个删除：kill_grader 那份的 worker 被杀、来不及清理，也不留在系统临时目录。"""
    roots = graded["scratch_roots"]
    batch = [p for p in roots if os.path.basename(p).startswith("hemu-grade-batch-")]
    assert len(batch) == 1, roots
    assert not os.path.exists(batch[0])
    assert any(name.startswith("hemu-grade-") for name in roots[batch[0]]), "被杀的 worker 应在根目录里留下过目录"


def test_no_process_outlives_grading(graded):
    for name in ("orphan.pid", "kernel.pid"):
        pid = int((graded["pids"] / name).read_text())
        deadline = time.monotonic() + 5
        while psutil.pid_exists(pid) and time.monotonic() < deadline:
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.2)
        alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        assert not alive, name
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        assert "time.sleep(300)" not in cmd


def test_regrade_gives_same_grades(graded, tmp_path):
    """重新判分结果相同（挑几份有代表性的，省时间）。"""
    picks = ["wrong_answers", "deleted_answer", "invalid_json"]
    paths = [str(graded["subs"] / f"{n}.ipynb") for n in picks]
    out = tmp_path / "again.csv"
    run_grade(graded["chapter"], paths, out, Options(limits=LIMITS, jobs=2, watch=[]))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        again = {r["student"]: r for r in csv.DictReader(fh)}
    for n in picks:
        assert again[n] == graded["table"][n]
