"""命令行入口：``python -m helpers <命令>``，也可写 ``python -m coursekit <命令>``（Windows 同学不需要 make）。

命令：doctor（环境自检）· lab（启动 JupyterLab）· data（生成/校验数据）·
exercises（由 solutions 生成练习）· grade（批量判分）· site（生成离线 HTML 站点）。
"""

from __future__ import annotations

import argparse
import importlib
import sys

# 模块 → 它注册的子命令。每个模块提供 register(subparsers)，并为子命令设置 func=...
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "coursekit.doctor": ("doctor",),
    "coursekit.lab": ("lab",),
    "coursekit.world.cli": ("data",),
    "coursekit.exercises.cli": ("exercises",),
    "coursekit.grading.cli": ("grade",),
    "coursekit.site": ("site",),
}


def _broken(command: str, module: str, exc: BaseException):
    """某个模块导入失败时，其余命令（尤其 doctor）仍要能用；这里只报告原因。"""

    def run(args: argparse.Namespace) -> int:
        print(
            f"命令 {command} 无法使用：导入 {module} 失败（{type(exc).__name__}: {exc}）。\n"
            "请先运行 `python -m helpers doctor` 查看环境问题，或运行 `make setup` 重装环境。",
            file=sys.stderr,
        )
        return 1

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="电商数据分析与挖掘课程套件的命令行工具",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for module, commands in COMMAND_MODULES.items():
        try:
            importlib.import_module(module).register(sub)
        except ImportError as exc:
            for command in commands:
                p = sub.add_parser(command, help=f"（不可用：{module} 导入失败）")
                p.set_defaults(func=_broken(command, module, exc), pass_through=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "pass_through", False):
        parser.error("不认识的参数：" + " ".join(extra))
    args.extra = extra
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
