"""``make lab`` 的准备工作：课程默认设置、中文字体 CSS、练习的工作副本，以及生成的练习本打开时不变“脏”。"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import exercise_support as es
import nbformat
import pytest

from coursekit import lab
from coursekit.exercises import build, work
from coursekit.exercises.cells import QUESTION_RE

# ---------------------------------------------------------------- 设置与命令行


def test_settings_are_merged_and_keep_other_keys(tmp_path: Path) -> None:
    path = lab.overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    mine = {"@jupyterlab/notebook-extension:tracker": {"codeCellConfig": {"lineNumbers": True}}}
    path.write_text(json.dumps(mine), encoding="utf-8")
    lab.install_lab_settings(tmp_path)
    got = json.loads(path.read_text(encoding="utf-8"))
    assert got["@jupyterlab/notebook-extension:tracker"] == mine["@jupyterlab/notebook-extension:tracker"]
    assert got["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    assert got["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}  # 语言包在锁文件里
    before = path.stat().st_mtime_ns
    lab.install_lab_settings(tmp_path)
    assert path.stat().st_mtime_ns == before, "内容已一样时不应重写"


def test_no_locale_without_language_pack_and_broken_file_is_replaced(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(lab, "language_pack_installed", lambda: False)
    path = lab.overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{ 坏掉的 json", encoding="utf-8")
    lab.install_lab_settings(tmp_path)
    got = json.loads(path.read_text(encoding="utf-8"))
    assert "@jupyterlab/translation-extension:plugin" not in got
    assert got["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_language_pack_is_installed_from_the_lock() -> None:
    assert lab.language_pack_installed()
    lock = (Path(lab.ROOT) / "requirements.lock").read_text(encoding="utf-8")
    assert "jupyterlab-language-pack-zh-CN==" in lock


def test_lab_command_opens_the_start_page_and_loads_the_course_css() -> None:
    cmd = lab.lab_command(["--no-browser"])
    assert f"--LabApp.default_url=/lab/tree/{lab.START_PAGE}" in cmd
    assert "--LabApp.custom_css=True" in cmd
    assert "--ServerApp.jpserver_extensions=coursekit.lab=True" in cmd
    assert cmd[-1] in ("--no-browser", "--allow-root")
    assert (Path(lab.ROOT) / lab.START_PAGE).exists()


def test_custom_css_points_at_the_bundled_font() -> None:
    css = (lab.LAB_STATIC / "custom.css").read_text(encoding="utf-8")
    font_dir = Path(lab.static_custom_paths()[1])
    assert 'url("NotoSansSC-Regular.otf")' in css and (font_dir / "NotoSansSC-Regular.otf").exists()
    for var in ("--jp-ui-font-family", "--jp-content-font-family", "--jp-code-font-family"):
        assert var in css


def test_server_extension_puts_course_paths_first_in_place() -> None:
    shared = ["/student/.jupyter/custom"]

    class App:
        class web_app:  # noqa: N801 - 模拟 jupyter_server 的属性名
            settings = {"static_custom_path": shared}

    lab._load_jupyter_server_extension(App)
    lab._load_jupyter_server_extension(App)  # 再加载一次也不重复
    assert shared[:2] == lab.static_custom_paths() and shared[2:] == ["/student/.jupyter/custom"]


# ---------------------------------------------------------------- 工作副本


@pytest.fixture()
def fake_repo(tmp_path: Path, repo_root: Path) -> Path:
    (tmp_path / "exercises").mkdir()
    for src in sorted((repo_root / "exercises").glob("ch0[01]_*.ipynb")):
        shutil.copyfile(src, tmp_path / "exercises" / src.name)
    return tmp_path


def test_start_copies_once_and_never_overwrites(fake_repo: Path) -> None:
    dest, msg = work.start("ch00", root=fake_repo)
    assert dest == fake_repo / "work" / "ch00_exercises.ipynb" and "已建好" in msg
    dest.write_text(dest.read_text(encoding="utf-8").replace("在此作答", "我的作答"), encoding="utf-8")
    again, msg = work.start("ch00", root=fake_repo)
    assert again == dest and "已存在" in msg and "我的作答" in dest.read_text(encoding="utf-8")


def test_force_backs_up_every_time_even_within_a_second(fake_repo: Path) -> None:
    dest, _ = work.start("ch00", root=fake_repo)
    dest.write_text("第一次的作答", encoding="utf-8")
    work.start("ch00", force=True, root=fake_repo)
    dest.write_text("第二次的作答", encoding="utf-8")
    _, msg = work.start("ch00", force=True, root=fake_repo)
    backups = sorted(p.read_text(encoding="utf-8") for p in (fake_repo / "work").glob("ch00_exercises.bak-*.ipynb"))
    assert backups == ["第一次的作答", "第二次的作答"] and "已备份" in msg
    assert "在此作答" in dest.read_text(encoding="utf-8")


def test_start_all_creates_only_missing_copies(fake_repo: Path) -> None:
    work.start("ch01", root=fake_repo)
    created = work.start_all(root=fake_repo)
    assert [p.name for p in created] == ["ch00_exercises.ipynb"]
    assert work.start_all(root=fake_repo) == []


@pytest.mark.parametrize(("chapter", "needle"), [("第一章", "ch00"), ("ch09", "没有第 09 章")])
def test_bad_chapter_names_say_what_to_do(fake_repo: Path, chapter: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        work.start(chapter, root=fake_repo)


def test_cli_start_reports_in_chinese(repo_root: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "helpers", "exercises", "start", "ch99"], capture_output=True, text=True, cwd=repo_root
    )
    assert out.returncode == 2 and "没有第 99 章" in out.stderr


def test_work_folder_is_ignored_by_git_and_ruff(repo_root: Path) -> None:
    ignored = (repo_root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "work/" in ignored  # ruff 默认也按 .gitignore 跳过它：学生的代码不会让 make test 的 lint 失败


def test_grader_accepts_a_work_copy_as_it_is(repo_root: Path, tmp_path: Path) -> None:
    """把参考答案当作 work/ 里的副本交上来：文件名不同，照样满分。"""
    sub = tmp_path / "ch00_exercises.ipynb"
    shutil.copyfile(next((repo_root / "solutions").glob("ch00_*.ipynb")), sub)
    grades = tmp_path / "g.csv"
    out = es.grade_cli("ch00", str(sub), "--out", str(grades), "--quiet")
    assert out.returncode == 0, out.stdout + out.stderr
    row = es.grade_rows(grades)["ch00_exercises"]
    assert row["status"] == "ok" and row["auto_total"] == row["auto_max"], row


# ---------------------------------------------------------------- 生成的练习本


def test_generated_notebooks_do_not_get_dirty_on_open(repo_root: Path) -> None:
    """JupyterLab 连上内核会补写 language_info、把 2.0 存成 2：生成时就写成那样，打开才不会变“未保存”。"""
    for path in sorted((repo_root / "exercises").glob("ch*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        info = nb.metadata["language_info"]
        assert {"name", "version", "mimetype", "file_extension", "codemirror_mode", "pygments_lexer"} <= set(info)
        for cell in nb.cells:
            points = cell.metadata.get("exercise", {}).get("points")
            if points is not None and float(points).is_integer():
                assert isinstance(points, int), f"{path.name}：分值应写成 {int(points)}"


def test_question_marker_accepts_headings_for_the_table_of_contents() -> None:
    for line in ("#### 练习 1.1（2 分）题目", "**练习 1.1**（2 分）题目", "### 练习 4.10（4 分，开放题）"):
        assert QUESTION_RE.match(line), line
    for line in ("# 练习 1.1 作答", "**练习 1.1 作答**", "练习 1.1 的提示"):
        assert not QUESTION_RE.match(line), line
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("#### 练习 9.1（2 分）算一个数。"),
        nbformat.v4.new_code_cell("# 练习 9.1 作答\n### BEGIN SOLUTION\nanswer_9_1 = 1\n### END SOLUTION"),
        nbformat.v4.new_code_cell('check("9.1", answer_9_1)'),
    ]
    out = build.build_notebook(nb, "ch09_x.ipynb", "ch09")
    assert out.cells[0].metadata["exercise"] == {"id": "9.1", "role": "question", "points": 2, "kind": "auto"}


def test_feedback_marks_font_is_current_and_covers_the_marks() -> None:
    """✅ ❌ ⚠ ⏳ 的后备字体：文件与生成脚本一致（确定的字节），四个符号都有字形。"""
    import importlib.util

    from fontTools.ttLib import TTFont

    spec = importlib.util.spec_from_file_location("make_marks_font", Path(lab.ROOT) / "tools" / "make_marks_font.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path = lab.LAB_STATIC / "HemuMarks.ttf"
    assert path.read_bytes() == mod.build(), "字体过期：运行 python tools/make_marks_font.py"
    cmap = TTFont(path).getBestCmap()
    assert {0x2705, 0x274C, 0x26A0, 0x23F3} <= set(cmap)
    css = (lab.LAB_STATIC / "custom.css").read_text(encoding="utf-8")
    assert 'url("HemuMarks.ttf")' in css
