"""数据生成的性能基准（脚本，不是测试）：每个规模的生成时间与峰值内存。

用法::

    python benchmarks/bench_data.py                 # tiny + small + large
    python benchmarks/bench_data.py --skip-large    # 跳过 large（约 1000 万条 events）

每个规模在单独的子进程里生成到临时目录，峰值内存取子进程的 ru_maxrss。
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path


def peak_kb():
    try:
        import resource  # Linux/macOS
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024 if sys.platform == "darwin" else kb  # macOS 的单位是字节
    except ImportError:  # Windows
        import psutil
        return psutil.Process().memory_info().peak_wset / 1024


t0 = time.perf_counter()
from coursekit.world import generate
from helpers.data import load
t1 = time.perf_counter()
out = generate(sys.argv[1], out_dir=sys.argv[2], progress=sys.argv[1] == "large")
t2 = time.perf_counter()
m = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
t3 = time.perf_counter()
ev = load("events", sys.argv[1], root=Path(sys.argv[2]).parent) if Path(sys.argv[2]).name == sys.argv[1] else None
t4 = time.perf_counter()
rss = peak_kb()
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "load_events_s": t4 - t3,
                  "peak_mb": rss / 1024, "mb": sum(f["bytes"] for f in m["files"].values()) / 1e6,
                  "events": m["files"]["events.csv.gz"]["rows"], "orders": m["files"]["orders.csv.gz"]["rows"]}))
"""


def bench(scale: str) -> dict:
    """在子进程中生成一个规模，返回计时与内存。"""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / scale
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-c", CHILD, scale, str(out)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        if res.returncode != 0:
            raise SystemExit(f"{scale} 生成失败：\n{res.stderr}")
        info = json.loads(res.stdout.strip().splitlines()[-1])
        info["wall_s"] = time.perf_counter() - t0
        return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-large", action="store_true", help="跳过 large 规模")
    args = ap.parse_args()
    scales = ["tiny", "small"] + ([] if args.skip_large else ["large"])
    print(
        f"{'规模':<6} {'生成(秒)':>9} {'读events(秒)':>12} {'峰值内存(MB)':>12} {'文件(MB)':>9} {'events行数':>11} {'orders行数':>10}"
    )
    for s in scales:
        r = bench(s)
        print(
            f"{s:<6} {r['build_s']:>9.2f} {r['load_events_s']:>12.2f} {r['peak_mb']:>12.0f} {r['mb']:>9.1f} "
            f"{r['events']:>11,} {r['orders']:>10,}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
