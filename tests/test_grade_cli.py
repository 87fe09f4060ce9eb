"""判分器命令行：真实的 ch00（解答满分、空白 0 分）、输入错误的中文提示、篡改判分环境的检测。"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import exercise_support as es
import nbformat
import pytest

from coursekit.exercises.cells import role_of
from coursekit.grading.grade import Options, chapter_from, run_grade
from coursekit.grading.runner import Limits

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--jobs", "2", "--cell-timeout", "20", "--notebook-timeout", "60"]


_grade = es.grade_cli
_rows = es.grade_rows


@pytest.fixture(scope="module")
def ch00_graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("ch00")
    subs = base / "班级"
    (subs / "二班").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "ch00_practice.ipynb", subs / "2024001_张三.ipynb")
    shutil.copy(ROOT / "exercises" / "ch00_practice.ipynb", subs / "二班" / "2024002_李四.ipynb")
    nb = nbformat.read(ROOT / "exercises" / "ch00_practice.ipynb", as_version=4)
    for cell in nb.cells:
        if role_of(cell).role == "answer" and role_of(cell).qid == "0.1":
            cell.source = "# 练习 0.1 作答\nanswer_0_1 = orders['pay_amount'].sum()"  # 忘了筛选已完成
        if role_of(cell).role == "answer" and role_of(cell).qid == "0.6":
            cell.source = "**练习 0.6 作答**\n我选 App，因为订单最多。"
    nbformat.write(nb, subs / "2024003_王五.ipynb")
    (subs / "作业要求.docx").write_bytes(b"PK\x03\x04")
    out = base / "成绩.csv"
    proc = _grade("ch00", str(subs), "--out", str(out), *FAST)
    return proc, out, base / "成绩_feedback"


def test_ch00_solution_full_blank_zero(ch00_graded):
    proc, out, _ = ch00_graded
    assert proc.returncode == 0, proc.stderr
    rows = _rows(out)
    assert list(rows) == ["2024001_张三", "2024003_王五", "二班/2024002_李四", "作业要求.docx"]
    full = rows["2024001_张三"]
    assert (full["status"], full["auto_total"], full["auto_max"]) == ("ok", "10", "10")
    assert (full["q0.6_manual"], full["manual_max"]) == ("", "3")
    blank = rows["二班/2024002_李四"]
    assert (blank["status"], blank["auto_total"]) == ("blank", "0")
    assert rows["2024003_王五"]["q0.1"] == "0" and rows["2024003_王五"]["status"] == "ok"
    assert rows["作业要求.docx"]["status"] == "not_a_notebook"


def test_ch00_feedback_lists_open_answer_and_rubric(ch00_graded):
    _, _, fb = ch00_graded
    text = (fb / "2024003_王五.md").read_text(encoding="utf-8")
    assert "我选 App，因为订单最多。" in text and "评分要点" in text and "偏大" in text
    assert (fb / "二班_2024002_李四.md").exists()


def test_cli_errors_are_chinese(tmp_path):
    sub = tmp_path / "a.ipynb"
    shutil.copy(ROOT / "exercises" / "ch00_practice.ipynb", sub)
    cases = [
        (["ch42", str(sub), "--out", str(tmp_path / "g.csv")], "找不到第 ch42 章"),
        (["第一章", str(sub), "--out", str(tmp_path / "g.csv")], "章节名应形如"),
        (["ch00", str(tmp_path / "nope"), "--out", str(tmp_path / "g.csv")], "找不到提交"),
        (["ch00", str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv")], "没有找到任何提交"),
        (["ch00", str(sub), "--out", str(tmp_path / "no" / "g.csv")], "文件夹不存在"),
        (["ch00", str(sub), "--out", str(tmp_path)], "是文件夹"),
        (["ch00", str(sub), "--out", str(tmp_path / "g.csv"), "--jobs", "0"], "参数有误"),
    ]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden.ipynb").write_text("{}", encoding="utf-8")
    for args, needle in cases:
        proc = _grade(*args)
        assert proc.returncode == 2 and needle in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    missing = subprocess.run([sys.executable, "-m", "helpers", "grade"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 2


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root 不受文件权限限制")
def test_cli_unwritable_out(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    sub = tmp_path / "a.ipynb"
    shutil.copy(ROOT / "exercises" / "ch00_practice.ipynb", sub)
    proc = _grade("ch00", str(sub), "--out", str(ro / "g.csv"))
    assert proc.returncode == 2 and "无法写入" in proc.stderr


def test_tampering_with_watched_files_is_detected(tmp_path):
    """学生代码改了判分程序/数据文件：该份记 tampered（0 分），之后的记 not_graded，不给可信成绩。"""
    watched = tmp_path / "watched"
    watched.mkdir()
    (watched / "rules.py").write_text("# 判分规则\n", encoding="utf-8")
    sol, ex = es.write_chapter(tmp_path / "chapter")
    chapter = chapter_from("ch99", ex, es.QUESTIONS)
    subs = tmp_path / "subs"
    subs.mkdir()
    nb = nbformat.read(sol, as_version=4)
    for cell in nb.cells:
        if role_of(cell).role == "answer" and role_of(cell).qid == "9.1":
            cell.source = (
                f"# 练习 9.1 作答\nopen({str(watched / 'rules.py')!r}, 'a').write('PASS = True\\n')\nanswer_9_1 = 0"
            )
    nbformat.write(nb, subs / "a_tamper.ipynb")
    shutil.copy(sol, subs / "b_honest.ipynb")
    limits = Limits(cell_timeout=10, notebook_timeout=40)
    rows, tampered = run_grade(
        chapter, [str(subs)], tmp_path / "g.csv", Options(limits=limits, jobs=1, watch=[watched])
    )
    assert tampered
    got = {r.sub.student: r.result.status for r in rows}
    assert got == {"a_tamper": "tampered", "b_honest": "not_graded"}
    table = _rows(tmp_path / "g.csv")
    assert table["a_tamper"]["auto_total"] == "0"


def test_reading_the_exercise_samples_answer_key_is_flagged(tmp_path):
    """第 2 章的练习数据有自己的答案册 raw_orders_sample_truth；作答里读它要被标为可疑，而不是拿分。"""
    root = Path(__file__).resolve().parent.parent
    nb = nbformat.read(root / "solutions" / "ch02_data_preparation.ipynb", as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("exercise", {})
        if meta.get("id") == "2.3" and meta.get("role") == "answer":
            cell.source = (
                "# 练习 2.3 作答\nfrom helpers import prep_samples\n"
                "answer_2_3 = prep_samples.raw_orders_sample_truth(2025)['exact_duplicate_rows']\n"
            )
    sub = tmp_path / "cheat.ipynb"
    nbformat.write(nb, sub)
    out = tmp_path / "grades.csv"
    subprocess.run(
        [sys.executable, "-m", "helpers", "grade", "ch02", str(sub), "--out", str(out), "--quiet", "--jobs", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    row = out.read_text(encoding="utf-8-sig").splitlines()[1]
    assert ",suspicious," in row, row


def test_fingerprint_sees_injected_startup_code_but_not_bytecode_caches(tmp_path):
    """site-packages：新增 .pth / sitecustomize 或改它们的内容算篡改；导入时生成的 __pycache__ 不算。"""
    from coursekit.grading.grade import fingerprint

    site = tmp_path / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (site / "a.pth").write_text("/some/path\n", encoding="utf-8")
    before = fingerprint([site])
    (site / "pkg" / "__pycache__").mkdir()
    (site / "__pycache__").mkdir()
    assert fingerprint([site]) == before
    (site / "a.pth").write_text("import os; os.system('echo hi')\n", encoding="utf-8")
    changed = fingerprint([site])
    assert changed != before
    (site / "sitecustomize.py").write_text("print('patched')\n", encoding="utf-8")
    assert fingerprint([site]) != changed


def test_tamper_watch_skips_data_the_grader_never_reads(tmp_path):
    """防篡改指纹只扫判分要读的数据：按需生成的 tiny / large（large 有几百 MB）和生成中途的临时目录不扫。"""
    from coursekit.grading.grade import _watched_data

    d = tmp_path / "datasets"
    for name in ("small", "large", "tiny", "web", ".build-123"):
        (d / name).mkdir(parents=True)
    (d / "README.md").write_text("数据字典", encoding="utf-8")
    assert [p.name for p in _watched_data(d)] == ["README.md", "small", "web"]
