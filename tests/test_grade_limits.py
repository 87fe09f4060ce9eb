"""判分时限的含义：按 CPU 秒计，机器忙不会让正常的答案超时；墙钟只兜底不用 CPU 的等待。

这里直接调用 runner（不经 worker），每个测试只起一两个内核。没有任何墙钟时长的断言：
负载测试断言的是“状态仍是 ok”，用时只打印出来供人看。
"""

from __future__ import annotations

import subprocess
import sys
import time

import nbformat
import pytest

from coursekit.grading.runner import Limits, run_notebook

BURN = "import time\n_t = time.process_time()\nwhile time.process_time() - _t < {s}:\n    pass"


def _nb(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def _run(tmp_path, nb, limits, locked=None):
    tmp, cwd = tmp_path / "k", tmp_path / "w"
    tmp.mkdir()
    cwd.mkdir()
    return run_notebook(nb, tmp, cwd, limits, locked=locked)


def _timeout_text(cell) -> str:
    return " ".join(o.get("evalue", "") for o in cell.outputs if o.get("output_type") == "error")


def test_sleeping_longer_than_the_cpu_limit_is_not_a_timeout(tmp_path):
    """sleep 3 秒几乎不用 CPU：CPU 时限 1 秒的单元照样通过（墙钟兜底是 1 × 4 = 4 秒）。"""
    limits = Limits(cell_timeout=1, notebook_timeout=20, wall_factor=4, interrupt_grace=1)
    out = _run(tmp_path, _nb("import time\ntime.sleep(3)\nx = 1", "y = x + 1"), limits)
    assert [c.state for c in out.cells] == ["ok", "ok"] and out.stop == ""


def test_waiting_forever_hits_the_wall_clock_backstop(tmp_path):
    """不用 CPU 却一直不结束（sleep 很久）：墙钟兜底把它记为超时，说明是“等待”而不是“CPU”。"""
    limits = Limits(cell_timeout=1, notebook_timeout=20, wall_factor=2, interrupt_grace=1)
    nb = _nb("import time\ntime.sleep(60)", "z = 3")
    out = _run(tmp_path, nb, limits)
    assert out.cells[0].state == "timeout" and out.cells[1].state == "ok"
    assert "墙钟" in _timeout_text(nb.cells[0])


def test_busy_loop_hits_the_cpu_limit(tmp_path):
    """死循环用满 CPU：超过 CPU 时限就中断，报告里说的是 CPU 时间。"""
    limits = Limits(cell_timeout=1, notebook_timeout=20, wall_factor=20, interrupt_grace=1)
    nb = _nb("while True:\n    pass", "z = 3")
    out = _run(tmp_path, nb, limits)
    assert out.cells[0].state == "timeout" and out.cells[1].state == "ok"
    assert "CPU" in _timeout_text(nb.cells[0])


def test_notebook_budget_counts_cpu_of_all_cells_after_setup(tmp_path):
    """整本时限是设置单元之后各单元 CPU 秒的合计：三个各 0.8 秒的单元，整本 2 秒，第三个用完预算。"""
    limits = Limits(cell_timeout=5, notebook_timeout=2, wall_factor=10, interrupt_grace=1)
    out = _run(tmp_path, _nb(*[BURN.format(s=0.8)] * 4), limits)
    states = [c.state for c in out.cells]
    assert states[:2] == ["ok", "ok"] and states[2] == "timeout" and states[3] == "not_run"
    assert out.stop == "notebook_timeout"


def test_locked_setup_cells_have_their_own_budget(tmp_path):
    """开头的锁定设置单元（导入、读数据）用 setup_timeout，不受单元时限约束，也不占整本预算。"""
    limits = Limits(cell_timeout=0.5, notebook_timeout=1.5, setup_timeout=10, wall_factor=10, interrupt_grace=1)
    nb = _nb(BURN.format(s=1.5), BURN.format(s=0.2), "done = True")
    out = _run(tmp_path, nb, limits, locked={0})
    assert [c.state for c in out.cells] == ["ok", "ok", "ok"]
    # 同一个单元若不是锁定设置单元，就按普通单元计时而超时
    nb = _nb(BURN.format(s=1.5), BURN.format(s=0.2), "done = True")
    (tmp_path / "again").mkdir()
    out = _run(tmp_path / "again", nb, limits)
    assert out.cells[0].state == "timeout"


def test_locked_cells_after_a_student_cell_use_the_normal_limit(tmp_path):
    """只有“开头”的锁定单元算设置单元：学生代码之后的锁定单元在学生改过的状态里运行，按普通单元计时。"""
    limits = Limits(cell_timeout=0.5, notebook_timeout=5, setup_timeout=10, wall_factor=10, interrupt_grace=1)
    nb = _nb("x = 1", "spin = True", "while spin:\n    pass")
    out = _run(tmp_path, nb, limits, locked={0, 2})
    assert [c.state for c in out.cells] == ["ok", "ok", "timeout"]


@pytest.mark.skipif(sys.platform == "win32", reason="负载进程用 POSIX 的方式清理")
def test_one_second_answer_is_not_a_timeout_on_a_busy_machine(tmp_path):
    """机器被四个死循环占满时，用 1 秒 CPU 的答案（CPU 时限 2 秒）仍然是 ok——墙钟要长得多也没关系。"""
    # 每个负载进程自成一个会话（start_new_session）：Linux 的 autogroup 按会话分 CPU，这样内核才真的被挤占。
    hogs = [
        subprocess.Popen(
            [sys.executable, "-c", "import time\nt = time.time() + 120\nwhile time.time() < t:\n    pass"],
            start_new_session=True,
        )
        for _ in range(4)
    ]
    try:
        limits = Limits(cell_timeout=2, notebook_timeout=20, wall_factor=10, interrupt_grace=1)
        t0 = time.monotonic()
        out = _run(tmp_path, _nb("x = 0", BURN.format(s=1.0), "y = 2"), limits, locked={0})
        wall = time.monotonic() - t0
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    print(f"负载下整本墙钟 {wall:.1f} 秒")
    assert [c.state for c in out.cells] == ["ok", "ok", "ok"], out
