"""``python -m helpers lab``：在仓库根目录启动 JupyterLab，并打开课程的起始页。"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/ch00_start_here.ipynb"


def lab_command(extra: list[str]) -> list[str]:
    """拼出启动 JupyterLab 的命令行：根目录为仓库根，默认打开起始页。"""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}", START_PAGE, *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")  # 容器和 CI 里常以 root 运行；JupyterLab 默认拒绝 root
    return cmd


def main(args: argparse.Namespace) -> int:
    cmd = lab_command(list(args.extra))
    os.chdir(ROOT)
    if os.name == "nt":  # Windows 没有 exec 语义，用子进程
        import subprocess

        return subprocess.call(cmd)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv 不返回


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help="启动 JupyterLab（其余参数原样传给 jupyter lab，如 --no-browser --port=8899）",
    )
    p.set_defaults(func=main, pass_through=True)
