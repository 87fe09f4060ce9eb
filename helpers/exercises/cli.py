"""命令行：``python -m helpers exercises build|check`` 与 ``python -m helpers grade``。"""
from __future__ import annotations

import argparse
import os
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
    ex.set_defaults(func=lambda args: (ex.print_help(), 2)[1])

    g = sub.add_parser("grade", help="批量判分，输出成绩表（CSV）和每人的反馈")
    g.add_argument("chapter", help="章节，如 ch00（对应 exercises/ch00_*.ipynb）")
    g.add_argument("submissions", nargs="+", help="提交的 .ipynb 文件或文件夹（递归查找）")
    g.add_argument("--out", type=Path, required=True, help="成绩表 CSV 的路径，如 grades.csv")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行判分的份数（默认 = CPU 核数）")
    g.add_argument("--cell-timeout", type=float, default=60, help="每个单元的时限，秒（默认 60）")
    g.add_argument("--notebook-timeout", type=float, default=600, help="整本的时限，秒（默认 600）")
    g.add_argument("--memory-mb", type=int, default=2048, help="每个内核的内存上限，MB（默认 2048）")
    g.add_argument("--output-mb", type=float, default=2, help="每本保留的输出上限，MB（默认 2）")
    g.add_argument("--feedback-dir", type=Path, default=None, help="反馈文件夹（默认 <out 同名>_feedback/）")
    g.add_argument("--quiet", action="store_true", help="不打印进度")
    g.set_defaults(func=cmd_grade)


def _dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    from helpers.exercises.build import repo_root

    root = repo_root()
    return args.solutions or root / "solutions", args.exercises or root / "exercises"


def cmd_build(args: argparse.Namespace) -> int:
    """生成 exercises/。"""
    from helpers.exercises.build import BuildError, write_all

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
    from helpers.exercises.build import BuildError, stale

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


def cmd_grade(args: argparse.Namespace) -> int:
    """批量判分。退出码：0 完成；2 输入有误；3 判分环境被篡改（成绩不可信）。"""
    from helpers.exercises.grade import GradeInputError, Options, load_chapter, run_grade
    from helpers.exercises.runner import Limits

    if args.jobs < 1 or args.cell_timeout <= 0 or args.notebook_timeout <= 0 or args.memory_mb < 256:
        print("参数有误：--jobs ≥ 1，时限 > 0，--memory-mb ≥ 256", file=sys.stderr)
        return 2
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_mb=args.memory_mb, output_mb=args.output_mb)
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    opts = Options(limits=limits, jobs=args.jobs, feedback_dir=args.feedback_dir, progress=progress)
    try:
        chapter = load_chapter(args.chapter)
        rows, tampered = run_grade(chapter, args.submissions, args.out, opts)
    except GradeInputError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.result.status] = counts.get(r.result.status, 0) + 1
    summary = "，".join(f"{k} {v} 份" for k, v in sorted(counts.items()))
    print(f"已判 {len(rows)} 份：{summary}。成绩表：{args.out}")
    if tampered:
        print("⚠️ 判分期间 helpers/、datasets/ 或 Python 环境里的文件被修改了，成绩不可信。"
              "请用 git checkout -- helpers datasets（或重新安装环境）恢复后，用 --jobs 1 重新判分。", file=sys.stderr)
        return 3
    return 0
