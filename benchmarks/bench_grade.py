"""判分吞吐量基准（脚本，不是测试）：把第 0 章的解答本复制 N 份（默认 20）当作一个班的提交，
用 ``--jobs`` 个并行 worker（默认 = CPU 核数）判一遍，打印每分钟判多少份，并按实测速度
**外推**判 100 份需要多久。

用法::

    .venv/bin/python benchmarks/bench_grade.py            # 20 份，并行 = 核数
    .venv/bin/python benchmarks/bench_grade.py --n 40 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.grading.grade import Options, load_chapter, run_grade  # noqa: E402
from coursekit.grading.runner import Limits  # noqa: E402


def main() -> int:
    """运行基准并打印结果。"""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="实测的提交份数（默认 20）")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="并行份数（默认 = CPU 核数）")
    ap.add_argument("--chapter", default="ch00", help="章节（默认 ch00，使用 solutions/ 里的解答本当作提交）")
    args = ap.parse_args()
    chapter = load_chapter(args.chapter)
    source = next((ROOT / "solutions").glob(f"{chapter.name}_*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="hemu-bench-") as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(args.n):
            shutil.copy(source, subs / f"s{i:03d}.ipynb")
        t0 = time.perf_counter()
        rows, _ = run_grade(chapter, [str(subs)], Path(tmp) / "g.csv", Options(limits=Limits(), jobs=args.jobs))
        elapsed = time.perf_counter() - t0
    statuses = sorted({r.result.status for r in rows})
    per_min = args.n / elapsed * 60
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}")
    print(f"章节：{chapter.name}（{source.name}，{len(chapter.questions)} 题），并行 {args.jobs} 份")
    print(f"实测：{args.n} 份用时 {elapsed:.1f} 秒（状态：{', '.join(statuses)}）")
    print(f"吞吐量：{per_min:.1f} 份/分钟（每份平均 {elapsed / args.n:.2f} 秒墙钟时间）")
    print(f"外推：100 人的班约需 {100 / per_min:.1f} 分钟（按实测的 {args.n} 份线性外推，不是实测）")
    if statuses != ["ok"]:
        # 解答本应当全部 ok；否则（如判分期间有人改动了课程文件）这组数字不代表真实判分，不能用
        print("⚠ 不是每份都判为 ok，以上数字无效。请在没有人修改仓库文件时重跑。", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
