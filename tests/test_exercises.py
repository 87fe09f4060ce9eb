"""练习机制：生成 exercises/、检查是否过期、学生端 check() 的中文反馈与比较规则。"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from coursekit.exercises.build import BuildError, build_notebook, scan, stale, write_all
from coursekit.exercises.cells import role_of, source_of
from coursekit.exercises.plain import roundtrip
from coursekit.exercises.rules import FrameRule, Label, Number, PlotRule, SeriesRule, judge
from coursekit.questions import chapter_questions
from helpers import feedback as check_mod

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


# ---------------------------------------------------------------- exercises/ 与 solutions/


def test_repo_exercises_are_in_sync():
    assert stale(ROOT / "solutions", ROOT / "exercises") == []


def test_exercises_check_fails_when_stale(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", sol)
    shutil.copytree(ROOT / "exercises", ex)
    ok = _cli("exercises", "check", "--solutions", str(sol), "--exercises", str(ex))
    assert ok.returncode == 0, ok.stderr
    nb = nbformat.read(sol / "ch00_practice.ipynb", as_version=4)
    nb.cells[0].source += "\n\n（改了一句话）"
    nbformat.write(nb, sol / "ch00_practice.ipynb")
    bad = _cli("exercises", "check", "--solutions", str(sol), "--exercises", str(ex))
    assert bad.returncode != 0 and "已过期" in bad.stderr
    assert _cli("exercises", "build", "--solutions", str(sol), "--exercises", str(ex)).returncode == 0
    assert _cli("exercises", "check", "--solutions", str(sol), "--exercises", str(ex)).returncode == 0
    (ex / "ch00_practice.ipynb").unlink()
    missing = _cli("exercises", "check", "--solutions", str(sol), "--exercises", str(ex))
    assert missing.returncode != 0 and "缺少" in missing.stderr


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_all(ROOT / "solutions", a)
    write_all(ROOT / "solutions", b)
    assert (a / "ch00_practice.ipynb").read_bytes() == (b / "ch00_practice.ipynb").read_bytes()


def _exercise_nb():
    return nbformat.read(ROOT / "exercises" / "ch00_practice.ipynb", as_version=4)


def test_exercise_notebook_has_no_solutions_outputs_and_locks():
    nb = _exercise_nb()
    text = nbformat.writes(nb)
    assert "BEGIN SOLUTION" not in text and "value_counts" not in text and "参考答案" not in text
    for cell in nb.cells:
        r = role_of(cell)
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if r.role == "answer":
            assert cell.metadata.get("editable", True) is True and cell.metadata["deletable"] is False
            assert cell.metadata["exercise"]["role"] == "answer"
            if cell.cell_type == "code":
                assert f"answer_{r.qid.replace('.', '_')} = ..." in source_of(cell)
                assert source_of(cell).startswith(f"# 练习 {r.qid} 作答")
            else:
                assert "（在此写下你的回答）" in source_of(cell)
        else:
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


SOLUTIONS = sorted((ROOT / "solutions").glob("ch*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_markers_and_metadata_agree_in_solutions(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        stripped = nbformat.from_dict({**dict(cell), "metadata": {}})
        assert role_of(stripped).role == role_of(cell).role
        assert role_of(stripped).qid == role_of(cell).qid


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_registry_matches_notebook(path):
    """题库与解答本一致：题号、分值、类型；开放题的评分要点出现在解答本里。"""
    nb = nbformat.read(path, as_version=4)
    found = scan(nb, path.name)
    questions = chapter_questions(path.stem[:4])
    assert sorted(found) == sorted(q.id for q in questions)
    for q in questions:
        assert found[q.id].points == q.points and found[q.id].kind == q.kind, q.id
    text = nbformat.writes(nb)
    for q in questions:
        for line in q.rubric:
            assert line in text
        assert q.kind == "auto" or q.rubric, f"开放题 {q.id} 没有评分要点"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_each_chapter_has_varied_questions(path):
    """ch00 样例：至少 5 题，含数、Series、DataFrame、图、开放题；各章：至少 6 题，≥ 4 道自动题且类型不止一种，≥ 1 道开放题。"""
    questions = chapter_questions(path.stem[:4])
    auto_kinds = {type(q.rule).__name__ for q in questions if q.auto}
    if path.stem.startswith("ch00"):
        assert len(questions) >= 5
        assert {"Number", "SeriesRule", "FrameRule", "PlotRule"} <= auto_kinds
        assert any(q.kind == "open" for q in questions)
    else:
        assert len(questions) >= 6
        assert sum(q.auto for q in questions) >= 4 and len(auto_kinds) >= 3
        assert sum(q.kind == "open" for q in questions) >= 1


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_checks_all_pass(path):
    nb = nbformat.read(path, as_version=4)
    shown = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells if role_of(c).role == "check"]
    autos = [q for q in chapter_questions(path.stem[:4]) if q.auto]
    assert len(shown) == len(autos) and all(s.startswith("✅") for s in shown)


def test_build_errors_are_chinese():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("**练习 1.1**（2 分）题"),
        nbformat.v4.new_code_cell("# 练习 1.1 作答\nanswer_1_1 = 1"),
    ]
    with pytest.raises(BuildError, match="缺少检查单元"):
        build_notebook(nb)
    nb.cells.append(nbformat.v4.new_code_cell('check("1.1", answer_1_1)'))
    with pytest.raises(BuildError, match="BEGIN SOLUTION"):
        build_notebook(nb)


# ---------------------------------------------------------------- 学生端 check()


def test_check_feedback_for_ch00(capsys):
    from coursekit.questions import ch00

    check_mod.check("0.1", ch00.completed_gmv())
    assert capsys.readouterr().out.strip() == "✅ 练习 0.1 正确！"
    check_mod.check("0.1", ch00.completed_gmv() * 1.05)
    out = capsys.readouterr().out
    assert "❌" in out and "偏大，相差 1%–10%" in out and "提示" in out
    assert f"{ch00.completed_gmv():.0f}" not in out and str(ch00.completed_gmv()) not in out
    check_mod.check("0.1", ...)
    assert "还没有作答" in capsys.readouterr().out
    check_mod.check("9.9", 1)
    assert "没有编号为 '9.9' 的练习" in capsys.readouterr().out
    check_mod.check("0.6", "随便写写")
    assert "开放题" in capsys.readouterr().out
    check_mod.check("abc", 1)
    assert "没有编号" in capsys.readouterr().out


def test_check_is_tolerant_about_dtype_and_order(capsys):
    from coursekit.questions import ch00

    s = ch00.orders_by_channel()
    for variant in (s.sort_index(), s.astype(float), s.rename("n"), pd.Series(s.to_dict())):
        check_mod.check("0.2", variant)
        assert capsys.readouterr().out.startswith("✅"), variant
    df = ch00.category_sales()
    check_mod.check("0.3", df.set_index("category"))  # 命名索引等同于一列
    assert capsys.readouterr().out.startswith("✅")
    check_mod.check("0.3", df.sort_values("category"))
    assert "顺序不对" in capsys.readouterr().out
    check_mod.check("0.4", " 数码 ")
    assert capsys.readouterr().out.startswith("✅")


def test_check_never_raises_and_output_is_deterministic(capsys):
    class Evil:
        def __eq__(self, other):
            raise RuntimeError("boom")

        def __repr__(self):
            raise RuntimeError("repr boom")

    for value in (Evil(), object(), 10**5000, float("nan"), None, [[[]]], {"a": Evil()}):
        check_mod.check("0.1", value)
        first = capsys.readouterr().out
        check_mod.check("0.1", value)
        assert capsys.readouterr().out == first and first.startswith("❌"), first
    check_mod.check("0.1", Evil())
    assert "0x" not in capsys.readouterr().out


def test_grading_mode_check_does_not_load_registry(monkeypatch, capsys):
    monkeypatch.setenv("HEMU_GRADING", "1")
    check_mod.check("0.1", 1)
    assert "判分模式" in capsys.readouterr().out


def test_helpers_check_attribute():
    import helpers

    assert helpers.check is check_mod.check


# ---------------------------------------------------------------- 比较规则


def _v(rule, value, expected):
    return judge(rule, roundtrip(value), roundtrip(expected))


@pytest.mark.parametrize(
    "value, needle",
    [
        (110.0, "偏大，相差 10%–50%"),
        (99.5, "偏小，相差不到 1%"),
        (-100.0, "正负号反了"),
        (10000.0, "约 100 倍"),
        (float("nan"), "NaN"),
        ("100", "需要一个数"),
        (pd.Series([100.0]), ".iloc[0]"),
        (np.array([1, 2]), "需要一个数"),
    ],
)
def test_number_feedback(value, needle):
    v = _v(Number(), value, 100.0)
    assert not v.ok and needle in " ".join(v.problems + [v.hint])


def test_number_tolerance_and_numpy_types():
    assert _v(Number(rtol=1e-3), 100.05, 100.0).ok
    assert _v(Number(), np.int64(100), 100.0).ok
    assert _v(Number(), np.float32(0.5), 0.5).ok


def test_series_feedback():
    e = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})
    assert _v(SeriesRule(), e.iloc[::-1], e).ok
    assert "缺少索引标签：'c'" in _v(SeriesRule(), e.iloc[:2], e).problems[1]
    assert any("多出索引标签" in p for p in _v(SeriesRule(), pd.concat([e, pd.Series({"d": 1.0})]), e).problems)
    assert "有 1 个值不对" in _v(SeriesRule(), e.replace(3.0, 4.0), e).problems[0]
    assert "只有一列的 DataFrame" in _v(SeriesRule(), e.to_frame(), e).problems[0]
    assert "缺失值" in " ".join(_v(SeriesRule(), e.replace(3.0, np.nan), e).problems)
    assert "顺序不对" in _v(SeriesRule(ordered=True), e.iloc[::-1], e).problems[0]


def test_frame_feedback():
    e = pd.DataFrame({"k": ["x", "y"], "v": [1.0, 2.0]})
    assert _v(FrameRule(), e.iloc[::-1], e).ok
    assert _v(FrameRule(), e.set_index("k"), e).ok
    assert _v(FrameRule(), e.astype({"v": "int64"}), e).ok
    assert "缺少列：'v'" in _v(FrameRule(), e[["k"]], e).problems[0]
    assert "多出列：'w'" in _v(FrameRule(), e.assign(w=1), e).problems[0]
    assert "行数为 1" in " ".join(_v(FrameRule(), e.head(1), e).problems)
    assert "列 'v' 有 1 个值不对" in _v(FrameRule(), e.assign(v=[1.0, 5.0]), e).problems[0]
    assert "Series" in _v(FrameRule(), e["v"], e).problems[0]


def test_plot_feedback():
    import matplotlib.pyplot as plt

    def bar(title="t", xlabel="x", ylabel="y", values=(1, 2, 3)):
        fig, ax = plt.subplots()
        ax.bar(["a", "b", "c"][: len(values)], values)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        plt.close(fig)
        return ax

    e = bar()
    assert _v(PlotRule(), bar(values=(3, 1, 2)), e).ok
    assert _v(PlotRule(), bar().figure, e).ok
    probs = _v(PlotRule(), bar(title="", xlabel=""), e).problems
    assert any("没有标题" in p for p in probs) and any("横轴" in p for p in probs)
    assert "柱子有 2 根" in _v(PlotRule(), bar(values=(1, 2)), e).problems[0]
    assert "Axes" in _v(PlotRule(), None, e).problems[0]


def test_label_rule():
    assert _v(Label(), "Abc ", "abc").ok
    assert not _v(Label(), "x", "abc").ok
    assert "字符串" in _v(Label(), 1, "abc").problems[0]


def test_roundtrip_has_no_custom_objects():
    class Eq:
        def __eq__(self, other):
            return True

    assert not _v(Number(), Eq(), 1.0).ok
    assert not _v(SeriesRule(), Eq(), pd.Series([1.0])).ok
    assert type(roundtrip(Eq())).__name__ == "Other"


def test_periods_survive_the_roundtrip_so_cohort_tables_can_be_graded():
    """同期群留存矩阵的行标签是时段 (Period)：按周、按月、按日都要能读回并比较。"""
    weeks = pd.period_range("2024-10-21", periods=2, freq="W")
    table = pd.DataFrame({0: [1.0, 0.9], 1: [0.5, np.nan]}, index=pd.Index(weeks, name="cohort"))
    assert roundtrip(pd.Period("2024-11", "M")) == pd.Period("2024-11", "M")
    assert roundtrip(weeks[1]) == weeks[1]
    assert _v(FrameRule(ordered=True), table, table.copy()).ok
    shifted = table.set_axis(pd.Index(weeks + 1, name="cohort"))
    assert not _v(FrameRule(ordered=True), shifted, table).ok


def test_a_filled_in_missing_cell_is_named_as_such():
    expected = pd.DataFrame({"k0": [1.0, 1.0], "k1": [0.4, np.nan]})
    v = _v(FrameRule(ordered=True), expected.fillna(0), expected)
    assert not v.ok and "应为缺失值" in " ".join(v.problems)
