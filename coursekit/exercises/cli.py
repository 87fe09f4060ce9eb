"""命令行：``python -m helpers exercises build|check``。"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """向 ``python -m helpers`` 注册子命令。"""
    ex = sub.add_parser("exercises", help="由 solutions/ 生成练习本，或检查 exercises/ 是否最新")
    exsub = ex.add_subparsers(dest="exercises_command", metavar="动作")
    for name, func, help_ in (
        ("build", cmd_build, "生成 exercises/（去掉解答、清空输出、锁定非作答单元）"),
        ("check", cmd_check, "exercises/ 过期时以非零退出码结束（CI 用）"),
    ):
        p = exsub.add_parser(name, help=help_)
        p.add_argument("--solutions", type=Path, default=None, help="solutions 文件夹（默认仓库里的 solutions/）")
        p.add_argument("--exercises", type=Path, default=None, help="exercises 文件夹（默认仓库里的 exercises/）")
        p.set_defaults(func=func)
    st = exsub.add_parser("start", help="在 work/ 里建一章练习的工作副本（作答请在副本里进行）")
    st.add_argument("chapter", help="章节，如 ch01")
    st.add_argument("--force", action="store_true", help="已有副本时重新开始（旧副本先改名备份）")
    st.set_defaults(func=cmd_start)
    ex.set_defaults(func=lambda args: (ex.print_help(), 2)[1])


def _dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    from coursekit.exercises.build import repo_root

    root = repo_root()
    return args.solutions or root / "solutions", args.exercises or root / "exercises"


def cmd_build(args: argparse.Namespace) -> int:
    """生成 exercises/。"""
    from coursekit.exercises.build import BuildError, write_all

    sol, ex = _dirs(args)
    if not sol.is_dir():
        print(f"找不到 solutions 文件夹：{sol}", file=sys.stderr)
        return 2
    try:
        written = write_all(sol, ex)
    except BuildError as exc:
        print(f"生成失败：{exc}", file=sys.stderr)
        return 1
    for p in written:
        print(f"已生成 {p}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """检查 exercises/ 是否与 solutions/ 一致。"""
    from coursekit.exercises.build import BuildError, stale

    sol, ex = _dirs(args)
    try:
        problems = stale(sol, ex)
    except BuildError as exc:
        print(f"solutions 格式有误：{exc}", file=sys.stderr)
        return 1
    if problems:
        for p in problems:
            print(f"✗ {p}", file=sys.stderr)
        print("exercises/ 已过期：请运行 python -m helpers exercises build", file=sys.stderr)
        return 1
    print("exercises/ 是最新的")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """建一章练习的工作副本。"""
    from coursekit.exercises.work import start

    try:
        _, message = start(args.chapter, force=args.force)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(message)
    return 0
