"""导入耗时的基准（脚本，不是测试）：学生 notebook 开头那几个 import 要多久、拖进来多少模块。

用法::

    python benchmarks/bench_import.py            # 每条语句在新进程里跑 7 遍，打印中位数
    python benchmarks/bench_import.py --runs 15

每次都是全新的解释器（和打开一个新内核一样），计时只包含那条 import 语句本身。
同时数一数加载了多少个 helpers / coursekit 模块：学生读的包不该拖进工具包。
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATEMENTS = [
    "import helpers",
    "from helpers.data import load, truth",
    "import helpers.prep, helpers.eda",
    "import helpers; helpers.setup_notebook()",
]
CHILD = """
import json, sys, time
t = time.perf_counter()
exec(sys.argv[1])
took = time.perf_counter() - t
mods = list(sys.modules)
print(json.dumps({"s": took, "helpers": sum(m.split(".")[0] == "helpers" for m in mods),
                  "coursekit": sum(m.split(".")[0] == "coursekit" for m in mods), "all": len(mods)}))
"""


def measure(statement: str, runs: int) -> dict:
    """在 runs 个新进程里各执行一次 statement，返回耗时中位数与模块数。"""
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD, statement], cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"{statement!r} 失败：\n{out.stderr}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    times = [r["s"] for r in results]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), **results[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{'语句':<44}{'中位数 s':>10}{'最小':>8}{'最大':>8}{'helpers':>9}{'coursekit':>11}{'模块总数':>9}")
    for st in STATEMENTS:
        r = measure(st, args.runs)
        print(
            f"{st:<44}{r['median']:>10.3f}{r['min']:>8.3f}{r['max']:>8.3f}{r['helpers']:>9}{r['coursekit']:>11}{r['all']:>9}"
        )


if __name__ == "__main__":
    main()
