"""``python -m helpers doctor``：同学遇到问题时第一个要运行的自检。

逐项检查 Python 版本、依赖版本与锁文件是否一致、中文字体、jieba、Jupyter 内核、数据，
每个问题都给出修复办法。全部正常时退出码为 0，否则为 1。
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
SETUP_CMD = "make setup（没有 make 时：python bootstrap.py）"


@dataclass
class Finding:
    """一项检查的结果：名称、是否通过、说明、修复办法。"""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False  # 通过，但有一件同学应该知道的事（报告里标 ⚠️）


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """读取锁文件，返回 {规范化包名: 版本}。"""
    if not path.is_file():
        raise FileNotFoundError(f"找不到锁文件 {path}；请在课程仓库的根目录下运行。")
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "==" not in line:
            raise ValueError(f"锁文件中这一行没有写成 包名==版本 的形式：{line!r}")
        name, version = line.split("==", 1)
        pins[normalize(name)] = version.strip()
    return pins


def normalize(name: str) -> str:
    """按 PEP 503 规范化包名（大小写、- _ . 视为相同）。"""
    return re.sub(r"[-_.]+", "-", name).lower()


def check_python() -> Finding:
    v = sys.version_info
    ok = v[:2] == (3, 11)
    detail = f"Python {v.major}.{v.minor}.{v.micro}（{sys.executable}）"
    fix = (
        "" if ok else "锁文件是按 Python 3.11 生成的；请用 3.11 创建环境（conda: environment.yml 已指定 python=3.11）。"
    )
    return Finding("Python 版本", ok, detail, fix)


def check_versions(lock: Path = LOCK) -> Finding:
    try:
        pins = read_lock(lock)
    except (FileNotFoundError, ValueError) as exc:
        return Finding("依赖版本", False, str(exc), f"重新获取仓库文件后运行 {SETUP_CMD}")
    wrong: list[str] = []
    missing: list[str] = []
    for name, want in sorted(pins.items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        if have != want:
            wrong.append(f"{name} {have}（应为 {want}）")
    if not wrong and not missing:
        return Finding("依赖版本", True, f"{len(pins)} 个包与 requirements.lock 完全一致")
    parts = []
    if missing:
        parts.append("缺少：" + "、".join(missing[:8]) + (" …" if len(missing) > 8 else ""))
    if wrong:
        parts.append("版本不符：" + "、".join(wrong[:8]) + (" …" if len(wrong) > 8 else ""))
    return Finding("依赖版本", False, "；".join(parts), f"运行 {SETUP_CMD}，它会按锁文件重装 .venv")


def check_font() -> Finding:
    from matplotlib.ft2font import FT2Font

    from helpers.notebook import FONT_ENV, find_cjk_font

    try:
        font = find_cjk_font()
    except (FileNotFoundError, LookupError) as exc:
        return Finding("中文字体", False, str(exc), f"修正或删除环境变量 {FONT_ENV}")
    except RuntimeError as exc:
        return Finding("中文字体", False, str(exc), f"运行 {SETUP_CMD}")
    sample = "电商数据分析客单价转化率"
    ft = FT2Font(font.path)
    missing = [ch for ch in sample if ft.get_char_index(ord(ch)) == 0]
    where = {"system": "系统字体", "bundled": "随环境安装的 Noto Sans SC（SIL OFL 1.1）", "env": f"由 {FONT_ENV} 指定"}[
        font.source
    ]
    if missing:
        return Finding(
            "中文字体",
            False,
            f"{font.family}（{font.path}）缺少这些字：{''.join(missing)}",
            f"换一个简体中文字体，或删除 {FONT_ENV} 让程序自动选择",
        )
    return Finding("中文字体", True, f"{font.family} — {where}：{font.path}")


def check_jieba() -> Finding:
    try:
        import logging

        import jieba

        jieba.setLogLevel(logging.ERROR)
        words = jieba.lcut("禾木优选的物流很快")
    except Exception as exc:  # noqa: BLE001 - 任何失败都要报告给同学
        return Finding("jieba 分词", False, f"{type(exc).__name__}: {exc}", f"运行 {SETUP_CMD}")
    ok = "物流" in words
    return Finding("jieba 分词", ok, " / ".join(words), "" if ok else f"jieba 词典异常，运行 {SETUP_CMD}")


def check_kernel() -> Finding:
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager().find_kernel_specs()
    except Exception as exc:  # noqa: BLE001
        return Finding("Jupyter 内核", False, f"{type(exc).__name__}: {exc}", f"运行 {SETUP_CMD}")
    if "python3" not in specs:
        return Finding("Jupyter 内核", False, "没有找到 python3 内核", f"运行 {SETUP_CMD}（会安装 ipykernel）")
    return Finding("Jupyter 内核", True, f"python3 → {specs['python3']}")


def check_data() -> Finding:
    try:
        from helpers.data import data_dir
        from helpers.data.io import verify_dir
    except ImportError as exc:
        return Finding("课程数据", False, f"数据模块无法加载：{exc}", f"运行 {SETUP_CMD}")
    directory = data_dir("small")
    try:
        problems = verify_dir(directory, "small")
    except FileNotFoundError as exc:
        problems = [str(exc).splitlines()[0]]
    if problems:
        return Finding(
            "课程数据",
            False,
            "；".join(problems[:5]),
            "运行 python -m helpers data build --scale small 重新生成（或用 git checkout datasets/ 恢复）",
        )
    return Finding("课程数据", True, f"{directory} 齐全，校验和一致")


def check_lab_ui() -> Finding:
    """浏览器里的 JupyterLab 界面能不能显示中文、是不是中文菜单。"""
    from coursekit.lab import LAB_STATIC, language_pack_installed
    from helpers.notebook import find_cjk_font

    if not (LAB_STATIC / "custom.css").is_file():
        return Finding("JupyterLab 界面", False, f"缺少 {LAB_STATIC / 'custom.css'}", "用 git checkout coursekit/ 恢复")
    menus = "中文菜单" if language_pack_installed() else "英文菜单（没装简体中文语言包）"
    if find_cjk_font().source == "bundled":
        return Finding(
            "JupyterLab 界面",
            True,
            f"{menus}；这台电脑没有中文系统字体，`make lab`（python -m helpers lab）会让界面改用随环境安装的 "
            "Noto Sans SC。直接运行 jupyter lab 启动时不会加载它，界面里的中文会显示成方框",
            warn=True,
        )
    return Finding("JupyterLab 界面", True, f"{menus}；界面中文用系统字体显示")


CHECKS = (check_python, check_versions, check_font, check_jieba, check_kernel, check_data, check_lab_ui)


def run_checks() -> list[Finding]:
    """依次运行所有检查；单项检查自身出错也记为失败，不中断其余检查。"""
    findings = []
    for fn in CHECKS:
        try:
            findings.append(fn())
        except Exception as exc:  # noqa: BLE001
            findings.append(
                Finding(fn.__name__, False, f"检查本身出错：{type(exc).__name__}: {exc}", "请把这段输出发给老师")
            )
    return findings


def report(findings: list[Finding]) -> str:
    """把检查结果排成简短的中文报告。"""
    lines = ["禾木优选课程环境自检 (doctor)", ""]
    for f in findings:
        mark = ("⚠️" if f.warn else "✅") if f.ok else "❌"
        lines.append(f"{mark} {f.name}：{f.detail}")
        if not f.ok and f.fix:
            lines.append(f"   ↳ 怎么办：{f.fix}")
    bad = sum(not f.ok for f in findings)
    lines.append("")
    warns = sum(f.ok and f.warn for f in findings)
    if bad:
        lines.append(f"发现 {bad} 个问题，请按上面的提示处理后再运行一次。")
    else:
        lines.append("一切正常，可以开始学习了。" + (f"（有 {warns} 条提示，见标 ⚠️ 的一行）" if warns else ""))
    return "\n".join(lines)


def main(args: argparse.Namespace | None = None) -> int:
    findings = run_checks()
    print(report(findings))
    return 0 if all(f.ok for f in findings) else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="环境自检：版本、字体、jieba、内核、数据")
    p.set_defaults(func=main)
