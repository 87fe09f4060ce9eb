"""练习/判分测试共用：一个不依赖数据集的小章节（ch99，题号 9.x）及其题库、解答本和练习本。"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd

from coursekit.exercises.authoring import exercise_cells, stable_ids
from coursekit.exercises.build import build_notebook, render
from coursekit.exercises.rules import FrameRule, Number, PlotRule, SeriesRule
from coursekit.questions import Question

DATA = {"cat": ["a", "b", "a", "c", "b", "a"], "amount": [10.0, 20.0, 5.0, 7.5, 2.5, 1.0]}

SETUP = """import helpers
helpers.setup_notebook()
import pandas as pd
from helpers import check
df = pd.DataFrame({"cat": ["a", "b", "a", "c", "b", "a"], "amount": [10.0, 20.0, 5.0, 7.5, 2.5, 1.0]})"""


def _df() -> pd.DataFrame:
    return pd.DataFrame(DATA)


def _plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    _df().groupby("cat")["amount"].sum().plot.bar(ax=ax, title="t")
    plt.close(fig)
    return ax


QUESTIONS = [
    Question("9.1", 2, "auto", "总金额", lambda: _df()["amount"].sum(), Number(), "把 amount 列加起来。"),
    Question(
        "9.2", 2, "auto", "各类金额", lambda: _df().groupby("cat")["amount"].sum(), SeriesRule(), "按 cat 分组求和。"
    ),
    Question(
        "9.3",
        3,
        "auto",
        "各类笔数与金额",
        lambda: _df().groupby("cat").agg(n=("amount", "size"), total=("amount", "sum")).reset_index(),
        FrameRule(),
    ),
    Question("9.4", 2, "auto", "柱状图", _plot, PlotRule()),
    Question("9.5", 3, "open", "解读", rubric=("指出 a 类金额最高（1 分）", "给出一条建议（2 分）")),
]

SOLUTIONS = {
    "9.1": 'answer_9_1 = df["amount"].sum()',
    "9.2": 'answer_9_2 = df.groupby("cat")["amount"].sum()',
    "9.3": 'answer_9_3 = df.groupby("cat").agg(n=("amount", "size"), total=("amount", "sum")).reset_index()',
    "9.4": 'ax = df.groupby("cat")["amount"].sum().plot.bar()\nax.set_title("各类金额")\nax.set_xlabel("类别")\nax.set_ylabel("金额")\nanswer_9_4 = ax',
    "9.5": "a 类金额最高，建议加大 a 类的推广。",
}


def solution_notebook() -> nbformat.NotebookNode:
    """ch99 的解答本。"""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}}
    nb.cells.append(nbformat.v4.new_markdown_cell("# 测试章节 ch99"))
    nb.cells.append(nbformat.v4.new_code_cell(SETUP))
    for q in QUESTIONS:
        nb.cells += exercise_cells(q.id, q.points, q.title, SOLUTIONS[q.id], q.kind)
    return stable_ids(nb, "ch99")


def write_chapter(folder: Path) -> tuple[Path, Path]:
    """把 ch99 的解答本和练习本写进 folder，返回 (解答本, 练习本)。"""
    folder.mkdir(parents=True, exist_ok=True)
    sol = folder / "ch99_fixture_solution.ipynb"
    ex = folder / "ch99_fixture.ipynb"
    nb = solution_notebook()
    sol.write_text(render(nb), encoding="utf-8")
    ex.write_text(render(build_notebook(nb, "ch99_fixture.ipynb", "ch99")), encoding="utf-8")
    return sol, ex


REPO = Path(__file__).resolve().parent.parent


def grade_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """像老师那样在仓库根目录运行 ``python -m helpers grade …``。"""
    return subprocess.run(
        [sys.executable, "-m", "helpers", "grade", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def grade_rows(path: Path) -> dict[str, dict]:
    """成绩表（UTF-8 带 BOM 的 CSV）→ {学生: 这一行}。"""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}
