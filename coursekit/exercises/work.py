"""练习的工作副本：学生在 ``work/`` 里作答，仓库里被跟踪的 ``exercises/`` 永远保持生成时的样子。

``exercises/`` 由 ``solutions/`` 生成、受 git 跟踪；学生若直接在里面作答，JupyterLab 自动保存会改写它，
之后 ``git pull`` 冲突、``make test`` 的“练习本是最新的”检查失败。所以：

- ``make lab``（``python -m helpers lab``）启动前把还没有副本的练习复制到 ``work/chNN_exercises.ipynb``；
- ``python -m helpers exercises start chNN`` 单独建一章的副本；已有副本时不覆盖，
  ``--force`` 重新开始时先把旧副本改名备份（``chNN_exercises.bak-时间.ipynb``），不会丢掉任何作答。

``work/`` 在 .gitignore 里；交作业时把副本另存为“学号_姓名.ipynb”交上去，判分器直接接受它。
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from coursekit.exercises.build import repo_root

WORK_DIRNAME = "work"
SUFFIX = "_exercises.ipynb"


def work_dir(root: Path | None = None) -> Path:
    """工作副本所在的文件夹（仓库根下的 work/）。"""
    return (root or repo_root()) / WORK_DIRNAME


def exercise_source(chapter: str, root: Path | None = None) -> Path:
    """``ch01`` → ``exercises/ch01_overview.ipynb``；找不到时抛出中文的 ValueError。"""
    if not (len(chapter) == 4 and chapter.startswith("ch") and chapter[2:].isdigit()):
        raise ValueError(f"章节名应形如 ch00、ch04，而不是 {chapter!r}")
    matches = sorted(((root or repo_root()) / "exercises").glob(f"{chapter}_*.ipynb"))
    if not matches:
        raise ValueError(f"exercises/ 里没有第 {chapter[2:]} 章的练习本（{chapter}_*.ipynb）；先运行 git pull 取得最新的课程。")
    return matches[0]


def work_path(chapter: str, root: Path | None = None) -> Path:
    """一章练习的工作副本路径：``work/ch01_exercises.ipynb``（文件名和教学 notebook 不同，标签页一眼分得开）。"""
    return work_dir(root) / f"{chapter}{SUFFIX}"


def start(chapter: str, force: bool = False, root: Path | None = None) -> tuple[Path, str]:
    """为一章建工作副本，返回（副本路径，给学生看的一句话）。

    已有副本且没有 ``force``：什么都不改。``force``：旧副本先改名备份再复制新的。
    """
    src = exercise_source(chapter, root)
    dest = work_path(chapter, root)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and not force:
        return dest, f"{dest.relative_to(dest.parents[1])} 已存在，保留你的作答（要从头开始请加 --force，旧副本会先备份）。"
    note = ""
    if dest.exists():
        stamp, n = time.strftime("%Y%m%d-%H%M%S"), 1
        backup = dest.with_name(f"{chapter}_exercises.bak-{stamp}.ipynb")
        while backup.exists():  # 同一秒里第二次 --force：编号区分，绝不覆盖旧备份
            n += 1
            backup = dest.with_name(f"{chapter}_exercises.bak-{stamp}-{n}.ipynb")
        dest.rename(backup)
        note = f"旧副本已备份为 {backup.name}；"
    shutil.copyfile(src, dest)
    return dest, f"{note}已建好 {dest.relative_to(dest.parents[1])}（由 {src.relative_to(src.parents[1])} 复制），请在这里作答。"


def start_all(root: Path | None = None) -> list[Path]:
    """为每一章还没有副本的练习建副本（已有的一律不动），返回新建的副本。"""
    created = []
    for src in sorted(((root or repo_root()) / "exercises").glob("ch*.ipynb")):
        chapter = src.name.split("_", 1)[0]
        if not work_path(chapter, root).exists():
            created.append(start(chapter, root=root)[0])
    return created
