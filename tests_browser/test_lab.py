"""真浏览器里的 JupyterLab：像学生那样打开起始页、做一道练习、保存、判分（``make test-browser`` 运行）。

用 Debian 的 Chromium（无头）+ Playwright。JupyterLab 按 ``python -m helpers lab`` 的方式启动；
练习在 build/browser/ 里的一份副本上做，不碰开发者自己 work/ 里的作答。截图写到 build/browser/，给人看。
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import exercise_support as es  # tests/ 里的判分小工具（conftest 把 tests/ 加进了 sys.path）
import pytest

from coursekit.exercises.cells import role_of, source_of, split_solution

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"
CHAPTER = "ch00"


def _first_auto_question() -> tuple[str, str]:
    """第 0 章第一道自动判分题：（题号，参考答案代码）。参考答案取自 solutions/，不在测试里手写。"""
    nb = json.loads(next((ROOT / "solutions").glob(f"{CHAPTER}_*.ipynb")).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        role = role_of(cell)
        if role.role == "answer" and cell["cell_type"] == "code":
            _, solution, _ = split_solution(source_of(cell))
            return role.qid, "\n".join(solution)
    raise AssertionError("solutions 里没有代码作答单元")


@pytest.fixture(scope="module")
def work_copy() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.ipynb"):
        old.unlink()
    src = next((ROOT / "exercises").glob(f"{CHAPTER}_*.ipynb"))
    dest = OUT / f"{CHAPTER}_exercises.ipynb"
    shutil.copyfile(src, dest)
    return dest


def test_start_page_fonts_and_menus(lab, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(lab.start_url)  # 与 make lab 打印出的网址相同
    page.wait_for_selector(".jp-Notebook .jp-RenderedMarkdown h1", timeout=90_000)
    assert "第0章" in page.inner_text(".jp-Notebook .jp-RenderedMarkdown h1")
    page.evaluate("document.fonts.ready.then(() => true)")
    # 界面的中文要有字形：本机没有中文系统字体时，课程的 HemuCJK 必须已加载
    status = page.evaluate("Array.from(document.fonts).filter(f => f.family === 'HemuCJK').map(f => f.status)")
    has_system_cjk = bool(subprocess.run(["fc-list", ":lang=zh-cn"], capture_output=True, text=True).stdout.strip())
    assert has_system_cjk or status == ["loaded"], f"中文字体没有加载：{status}"
    assert page.evaluate("document.fonts.check('16px HemuCJK', '中文')")
    menus = page.inner_text("#jp-top-panel")
    assert "文件" in menus and "运行" in menus, f"菜单不是中文：{menus[:80]!r}"
    assert page.locator(".jp-mod-dirty").count() == 0, "只是打开起始页，不应变成“未保存”"
    page.screenshot(path=str(OUT / "start_page.png"))
    page.close()


def _run_cell(page, index: int) -> None:
    page.evaluate(
        """(i) => { const nb = window.jupyterapp.shell.currentWidget.content;
                    nb.activeCellIndex = i; nb.mode = 'command'; }""",
        index,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")


def _cell_output(page, index: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = page.evaluate(
            """(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
                        return c.outputArea ? c.outputArea.node.innerText : ''; }""",
            index,
        )
        if text.strip():
            return text
        time.sleep(0.5)
    raise AssertionError(f"第 {index} 个单元 {timeout} 秒内没有输出")


def _type_answer(page, index: int, code: str) -> None:
    """点进作答单元的编辑器，全选后输入新代码（insert_text 不触发自动补全括号）。"""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.keyboard.press("Escape")


def test_exercise_right_and_wrong_then_grade(lab, browser, work_copy: Path) -> None:
    qid, solution = _first_auto_question()
    var = "answer_" + qid.replace(".", "_")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(lab.url_for(work_copy))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
    page.wait_for_function(
        "window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'", timeout=90_000
    )
    time.sleep(1)
    assert page.locator(".jp-mod-dirty").count() == 0, "打开练习副本不应变成“未保存”"
    # 题目是 #### 标题：渲染成 h4，也出现在左侧的目录 (table of contents) 里，学生能一键跳到某一题
    heading = page.locator(".jp-RenderedMarkdown h4", has_text=f"练习 {qid}")
    assert heading.count() == 1, f"练习 {qid} 没有渲染成 h4 标题"
    page.evaluate("window.jupyterapp.commands.execute('toc:show-panel')")
    page.wait_for_selector(f".jp-TableOfContents-content :text('练习 {qid}')", timeout=30_000)
    toc = page.inner_text(".jp-TableOfContents-content")
    assert toc.count("练习 ") >= 2, f"目录里的练习太少：{toc[:200]!r}"
    cells = page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets.map(w => w.model.sharedModel.source)")
    answer = next(i for i, s in enumerate(cells) if re.match(rf"#\s*练习\s*{re.escape(qid)}\s*作答", s))
    check = next(i for i, s in enumerate(cells) if s.lstrip().startswith(f'check("{qid}"'))
    # 运行答题之前的单元（导入、读数据）
    for i in range(answer):
        if page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.type", i) == "code":
            _run_cell(page, i)
    # 错的答案 → ❌
    _type_answer(page, answer, f"{var} = -1")
    _run_cell(page, answer)
    _run_cell(page, check)
    wrong = _cell_output(page, check)
    assert "❌" in wrong and "正确" not in wrong, wrong
    page.screenshot(path=str(OUT / "exercise_wrong.png"))
    # 对的答案 → ✅
    page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.outputs.clear()", check)
    _type_answer(page, answer, solution)
    _run_cell(page, answer)
    _run_cell(page, check)
    right = _cell_output(page, check)
    assert "✅" in right, right
    # 没有彩色 emoji 字体的电脑上，✅ 要由课程的 HemuMarks 画出来，而不是方框
    has_emoji = bool(subprocess.run(["fc-list", ":charset=2705"], capture_output=True, text=True).stdout.strip())
    marks = page.evaluate("Array.from(document.fonts).filter(f => f.family === 'HemuMarks').map(f => f.status)")
    assert has_emoji or marks == ["loaded"], f"✅ 的后备字体没有加载：{marks}"
    page.screenshot(path=str(OUT / "exercise_right.png"))
    # 学生常做的事：从头到尾运行全部单元。没做的题只该得到“还没有作答”的提示，不能冒出报错 (traceback)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => { const nb = window.jupyterapp.shell.currentWidget;
                   const code = nb.content.widgets.filter(w => w.model.type === 'code');
                   return nb.sessionContext.session?.kernel?.status === 'idle'
                          && code.every(w => w.model.executionCount !== null && w.promptNode.innerText.trim() !== '[*]:'); }""",
        timeout=120_000,
    )
    errors = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
                 .filter(w => w.model.type === 'code')
                 .flatMap(w => Array.from({length: w.model.outputs.length}, (_, k) => w.model.outputs.get(k).toJSON()))
                 .filter(o => o.output_type === 'error' || o.name === 'stderr').length"""
    )
    assert errors == 0, f"运行全部单元后有 {errors} 个报错或 stderr 输出"
    feedback = page.inner_text(".jp-Notebook")
    assert "✅" in feedback and "还没有作答" in feedback, "运行全部后应有做对的 ✅ 和没做的“还没有作答”提示"
    page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("document.querySelectorAll('.jp-mod-dirty').length === 0", timeout=30_000)
    page.close()
    saved = json.loads(work_copy.read_text(encoding="utf-8"))
    assert any(solution.splitlines()[0] in source_of(c) for c in saved["cells"]), "保存的文件里没有刚输入的答案"
    grades = OUT / "grades.csv"
    proc = es.grade_cli(CHAPTER, str(work_copy), "--out", str(grades), "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = es.grade_rows(grades)[work_copy.stem]
    assert row["status"] == "ok", row
    points = json.loads(next((ROOT / "exercises").glob(f"{CHAPTER}_*.ipynb")).read_text(encoding="utf-8"))
    full = next(
        c["metadata"]["exercise"]["points"]
        for c in points["cells"]
        if c["metadata"].get("exercise", {}).get("id") == qid and c["metadata"]["exercise"]["role"] == "question"
    )
    assert float(row[f"q{qid}"]) == float(full), row
