"""命令行：``python -m helpers grade CHAPTER SUBMISSION… --out grades.csv``。"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """向 ``python -m helpers`` 注册 grade 子命令。"""
    g = sub.add_parser("grade", help="批量判分，输出成绩表（CSV）和每人的反馈")
    g.add_argument("chapter", help="章节，如 ch00（对应 exercises/ch00_*.ipynb）")
    g.add_argument("submissions", nargs="+", help="提交的 .ipynb 文件或文件夹（递归查找）")
    g.add_argument("--out", type=Path, required=True, help="成绩表 CSV 的路径，如 grades.csv")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行判分的份数（默认 = CPU 核数）")
    g.add_argument("--cell-timeout", type=float, default=60, help="每个单元可用的 CPU 时间，秒（默认 60）")
    g.add_argument(
        "--notebook-timeout", type=float, default=600, help="整本（设置单元之后）合计可用的 CPU 时间，秒（默认 600）"
    )
    g.add_argument("--setup-timeout", type=float, default=120, help="开头锁定设置单元可用的 CPU 时间，秒（默认 120）")
    g.add_argument(
        "--wall-factor", type=float, default=4, help="墙钟兜底 = CPU 时限 × 此倍数，管住 sleep/等待（默认 4）"
    )
    g.add_argument("--memory-mb", type=int, default=2048, help="每个内核的内存上限，MB（默认 2048）")
    g.add_argument("--output-mb", type=float, default=2, help="每本保留的输出上限，MB（默认 2）")
    g.add_argument("--feedback-dir", type=Path, default=None, help="反馈文件夹（默认 <out 同名>_feedback/）")
    g.add_argument("--quiet", action="store_true", help="不打印进度")
    g.add_argument(
        "--no-fork",
        action="store_true",
        help="不用 fork 服务器，每份提交都启动新的 worker 和内核（Windows/macOS 上本来就是这样；成绩相同，只是慢）",
    )
    g.set_defaults(func=cmd_grade)


def cmd_grade(args: argparse.Namespace) -> int:
    """批量判分。退出码：0 完成；2 输入有误；3 判分环境被篡改（成绩不可信）。"""
    from coursekit.grading.grade import GradeInputError, Options, load_chapter, run_grade
    from coursekit.grading.runner import Limits

    timeouts = (args.cell_timeout, args.notebook_timeout, args.setup_timeout)
    if args.jobs < 1 or min(timeouts) <= 0 or args.wall_factor < 1 or args.memory_mb < 256:
        print("参数有误：--jobs ≥ 1，时限 > 0，--wall-factor ≥ 1，--memory-mb ≥ 256", file=sys.stderr)
        return 2
    limits = Limits(
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        setup_timeout=args.setup_timeout,
        wall_factor=args.wall_factor,
        memory_mb=args.memory_mb,
        output_mb=args.output_mb,
    )
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    opts = Options(
        limits=limits,
        jobs=args.jobs,
        feedback_dir=args.feedback_dir,
        progress=progress,
        fork=False if args.no_fork else None,
    )
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
        print(
            "⚠️ 判分期间 helpers/、coursekit/、datasets/ 或 Python 环境里的文件被修改了，成绩不可信。"
            "请用 git checkout -- helpers coursekit datasets（或重新安装环境）恢复后，用 --jobs 1 重新判分。",
            file=sys.stderr,
        )
        return 3
    return 0
