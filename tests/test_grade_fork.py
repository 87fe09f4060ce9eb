"""fork 服务器（Linux）：一批只付一次启动成本，而每份提交仍是独立的进程、独立的状态、独立的上限。

检验 coursekit/grading/forkserver.py 说明里的每条安全约束，以及它与旧做法（每份新启动进程）成绩相同。
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import exercise_support as es
import nbformat
import pytest
from test_grade_submissions import LIMITS, _nb

from coursekit.grading import forkserver, grade
from coursekit.grading.grade import Options, chapter_from, run_grade, warmup_code
from coursekit.grading.runner import Limits

pytestmark = pytest.mark.skipif(not forkserver.FORK_OK, reason="fork 服务器只在 Linux 上使用")
FULL = 9


@pytest.fixture(scope="module")
def chapter_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("fork")
    sol, ex = es.write_chapter(base / "chapter")
    return base, sol, ex, chapter_from("ch99", ex, es.QUESTIONS)


def _subs(tmp_path: Path, notebooks: dict[str, nbformat.NotebookNode]) -> Path:
    """把 {名字: notebook} 写成一个提交文件夹。"""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, nb in notebooks.items():
        nbformat.write(nb, subs / f"{name}.ipynb")
    return subs


def _grade(chapter, subs: Path, out: Path, fork: bool, jobs: int = 2) -> dict[str, dict]:
    run_grade(chapter, [str(subs)], out, Options(limits=LIMITS, jobs=jobs, watch=[], fork=fork))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def test_server_is_warm_single_threaded_untraceable_and_never_holds_the_question_bank(chapter_dir):
    _, _, _, chapter = chapter_dir
    server = forkserver.ForkServer(warmup_code(chapter), grade._server_env())
    try:
        st = server.status
        assert st["ok"] and st["threads"] == 1 and not st["zmq_context"]
        assert st["dumpable"] == 0  # PR_SET_DUMPABLE=0：同用户的非 root 进程不能 ptrace 它
        assert st["question_bank_loaded"] is False
    finally:
        server.close()
    assert not server.alive()


def test_fork_path_grades_exactly_like_the_classic_path(chapter_dir, tmp_path, monkeypatch):
    """同一批坏提交：fork 路径与“每份新进程”路径的成绩表逐行相同；fork 路径确实没有退回旧做法。"""
    _, sol, ex, chapter = chapter_dir
    cases = {
        "solution": nbformat.read(sol, as_version=4),
        "wrong": _nb(ex, {"9.1": "answer_9_1 = 0"}),
        "infinite_loop": _nb(ex, prefix={"9.2": "while True:\n    pass"}),
        "os_exit": _nb(ex, prefix={"9.3": "import os\nos._exit(1)"}),
        "memory_bomb_fast": _nb(ex, prefix={"9.2": "blob = bytearray(50 * 1024 ** 3)"}),
        "kill_worker": _nb(ex, prefix={"9.2": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"}),
    }
    subs = _subs(tmp_path, cases)
    classic = _grade(chapter, subs, tmp_path / "classic.csv", fork=False)

    def no_classic(*a, **k):
        raise AssertionError("fork 路径不应退回为每份提交启动新进程")

    monkeypatch.setattr(grade, "_run_worker", no_classic)
    forked = _grade(chapter, subs, tmp_path / "forked.csv", fork=True)
    assert forked == classic
    assert (forked["solution"]["status"], forked["solution"]["auto_total"]) == ("ok", str(FULL))
    assert forked["memory_bomb_fast"]["status"] == "memory_exceeded"
    assert forked["kill_worker"]["status"] == "grader_error"


def test_a_student_kernel_cannot_poison_later_kernels(chapter_dir, tmp_path):
    """前一份提交在内核里改坏 pandas、helpers、numpy：写时复制，后一份提交（同一个服务器分出）毫无影响。"""
    _, sol, ex, chapter = chapter_dir
    poison = (
        "import pandas as pd, numpy as np, helpers, helpers.data, sys\n"
        "pd.DataFrame.sum = lambda *a, **k: 0\npd.Series.sum = lambda *a, **k: 0\n"
        "np.mean = None\nhelpers.setup_notebook = None\nhelpers.data.load = None\n"
        "sys.modules['matplotlib'] = None"
    )
    subs = _subs(
        tmp_path, {"a_poison": _nb(ex, prefix={"9.1": poison}), "b_solution": nbformat.read(sol, as_version=4)}
    )
    got = _grade(chapter, subs, tmp_path / "g.csv", fork=True, jobs=1)
    assert (got["b_solution"]["status"], got["b_solution"]["auto_total"]) == ("ok", str(FULL))
    assert got["a_poison"]["q9.1"] == "0"  # 改坏确实生效了：前一份自己的 9.1（求和）算成了 0


def test_killing_the_fork_server_harms_no_other_submission(chapter_dir, tmp_path):
    """学生代码找到并杀死 fork 服务器（同一用户的进程挡不住信号）：它自己得不到好处，后面的提交照常判分。"""
    _, sol, ex, chapter = chapter_dir
    killer = (
        "import os, signal, psutil\n"
        "server = psutil.Process(os.getppid()).parent()\n"
        "assert 'forkserver' in ' '.join(server.cmdline())\n"
        "os.kill(server.pid, signal.SIGKILL)"
    )
    solutions = {f"b_solution{i}": nbformat.read(sol, as_version=4) for i in range(2)}
    subs = _subs(tmp_path, {"a_kill_server": _nb(ex, prefix={"9.1": killer}), **solutions})
    got = _grade(chapter, subs, tmp_path / "g.csv", fork=True, jobs=1)
    for i in range(2):
        assert (got[f"b_solution{i}"]["status"], got[f"b_solution{i}"]["auto_total"]) == ("ok", str(FULL))
    # 杀服务器的代码确实运行成功了（找到了服务器、没有报错），而它自己照常只按答案得分
    assert (got["a_kill_server"]["status"], got["a_kill_server"]["auto_total"]) == ("ok", str(FULL))


def test_export_files_written_by_another_process_are_never_read(chapter_dir, tmp_path):
    """别的进程（如同时判分的另一份提交）往所有导出目录里写假答案：导出文件名和内容都带随机 token，
    判分器只认自己这一次导出、且在导出单元一结束就读走，所以正确答案照样满分。"""
    _, sol, _, chapter = chapter_dir
    subs = _subs(tmp_path, {"solution": nbformat.read(sol, as_version=4)})
    forger = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import glob, json, tempfile, time\n"
                "end = time.time() + 120\n"
                "while time.time() < end:\n"
                "    for d in glob.glob(tempfile.gettempdir() + '/hemu-grade-*/exports'):\n"
                "        for q in ('9.1', '9.2', '9.3', '9.4'):\n"
                "            try:\n"
                "                open(d + '/' + q + '.json', 'w').write(json.dumps({'value': 1}))\n"
                "            except OSError:\n"
                "                pass\n"
                "    time.sleep(0.01)\n"
            ),
        ]
    )
    try:
        for fork in (True, False):
            got = _grade(chapter, subs, tmp_path / f"g{fork}.csv", fork=fork, jobs=1)
            assert (got["solution"]["status"], got["solution"]["auto_total"]) == ("ok", str(FULL)), fork
    finally:
        forger.kill()
        forger.wait()


def test_limits_still_apply_in_forked_kernels(chapter_dir, tmp_path):
    """上限在 fork 出的内核里照样生效：CPU 时限（死循环被中断）、地址空间上限（瞬间大分配 → MemoryError）。"""
    _, _, ex, chapter = chapter_dir
    subs = _subs(
        tmp_path,
        {
            "loop": _nb(ex, prefix={"9.2": "while True:\n    pass"}),
            "bomb": _nb(ex, prefix={"9.2": "blob = bytearray(50 * 1024 ** 3)"}),
        },
    )
    limits = Limits(cell_timeout=3, notebook_timeout=45, memory_mb=1024, output_mb=1, interrupt_grace=1.5)
    run_grade(chapter, [str(subs)], tmp_path / "g.csv", Options(limits=limits, jobs=2, watch=[], fork=True))
    with open(tmp_path / "g.csv", encoding="utf-8-sig", newline="") as fh:
        got = {r["student"]: (r["status"], r["auto_total"]) for r in csv.DictReader(fh)}
    assert got == {"loop": ("timeout", str(FULL - 2)), "bomb": ("memory_exceeded", str(FULL - 2))}


def test_warmup_code_runs_in_a_scratch_folder(tmp_path, monkeypatch):
    """设置代码由服务器先执行一遍；它若写文件，写进服务器自己的临时目录，不落到老师运行判分命令的文件夹。"""
    monkeypatch.chdir(tmp_path)
    server = forkserver.ForkServer("open('warm.txt', 'w').write('x')", grade._server_env())
    try:
        assert server.status["ok"]
    finally:
        server.close()
    assert not (tmp_path / "warm.txt").exists()
