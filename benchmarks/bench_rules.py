"""关联规则的性能基准（脚本，不是测试）：mlxtend 的 apriori 与 fpgrowth 在各规模、各最小支持度下的耗时与峰值内存。

用法::

    python benchmarks/bench_rules.py                          # tiny + small + large（large 先生成，约 2 分钟）
    python benchmarks/bench_rules.py --skip-large
    python benchmarks/bench_rules.py --supports 0.01 0.002 --mem-limit-gb 4

购物篮用 ``helpers.mining.basket_matrix(order_items)``（第4章的写法）。tiny 与 large 不随仓库提供：
datasets/ 下没有时，先在子进程里用 ``coursekit.world.generate`` 生成到临时目录，跑完即删。

每个（规模, 算法, 最小支持度）在单独的子进程里运行，峰值内存取该子进程的 ru_maxrss（Windows 用 psutil），
所以互不影响；“建篮后(MB)”是读表、建矩阵之后、开始挖掘之前的峰值，两者之差才是算法本身用的。
apriori 处理稀疏输入时会把“订单数 × 候选项集数”的布尔矩阵整块铺开，支持度一低就要几十 GB；
为了不把同一台机器上的别的进程挤死，子进程的地址空间限制在 ``--mem-limit-gb``（默认 6 GB，仅 Linux/macOS），
超过就记作“内存不足”，超过 ``--timeout`` 秒记作“超时”。
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORTS = (0.01, 0.005, 0.002, 0.001)
ALGORITHMS = ("apriori", "fpgrowth")

GENERATE = r"""
import sys
from coursekit.world import generate
generate(sys.argv[1], out_dir=sys.argv[2])
"""

CHILD = r"""
import json, sys, time


def peak_mb():
    try:
        import resource  # Linux/macOS
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return (kb / 1024 if sys.platform == "darwin" else kb) / 1024  # macOS 的单位是字节
    except ImportError:  # Windows
        import psutil
        return psutil.Process().memory_info().peak_wset / 1024**2


scale, root, algorithm, support, limit_gb = sys.argv[1], sys.argv[2] or None, sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
if limit_gb > 0:
    try:
        import resource
        cap = int(limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass  # Windows 没有 RLIMIT_AS：不设上限

from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth

from helpers.data import load
from helpers.mining import basket_matrix

out = {}
try:
    baskets = basket_matrix(load("order_items", scale, root=root))
    out.update(baskets=baskets.shape[0], products=baskets.shape[1], base_mb=peak_mb())
    mine = {"apriori": apriori, "fpgrowth": fpgrowth}[algorithm]
    t0 = time.perf_counter()
    itemsets = mine(baskets, min_support=support, use_colnames=True)
    t1 = time.perf_counter()
    out.update(mine_s=t1 - t0, itemsets=len(itemsets), max_len=int(itemsets["itemsets"].map(len).max()))
    rules = association_rules(itemsets, metric="lift", min_threshold=1)
    out.update(rules_s=time.perf_counter() - t1, rules=len(rules))
except MemoryError:
    out["error"] = "内存不足"
out["peak_mb"] = peak_mb()
print(json.dumps(out))
"""


def prepare(scale: str, tmp: Path) -> str:
    """返回能让 ``load(..., root=...)`` 读到该规模的 root（空字符串表示仓库的 datasets/）。"""
    if (ROOT / "datasets" / scale / "manifest.json").exists():
        return ""
    print(f"（datasets/ 里没有 {scale}，先生成到临时目录……）", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", GENERATE, scale, str(tmp / scale)], capture_output=True, text=True, cwd=ROOT
    )
    if res.returncode != 0:
        raise SystemExit(f"{scale} 生成失败：\n{res.stderr}")
    print(f"（{scale} 生成用了 {time.perf_counter() - t0:.0f} 秒）", file=sys.stderr, flush=True)
    return str(tmp)


def bench(scale: str, root: str, algorithm: str, support: float, limit_gb: float, timeout: float) -> dict:
    """在子进程中跑一次挖掘 + 规则，返回计时、计数与内存。"""
    args = [sys.executable, "-c", CHILD, scale, root, algorithm, repr(support), repr(limit_gb)]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"超时(>{timeout:.0f}秒)"}
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines:
        tail = res.stderr.strip().splitlines()[-1:] or [f"退出码 {res.returncode}"]
        # 被限额挡住的大分配有时在 C 扩展里失败、来不及抛出 MemoryError
        if "MemoryError" in res.stderr or "bad_alloc" in res.stderr or res.returncode in (-9, 137):
            return {"error": f"内存不足（超过 {limit_gb:g} GB 上限）" if limit_gb > 0 else "内存不足"}
        raise SystemExit(f"{scale} {algorithm} {support} 失败：{tail[0]}")
    info = json.loads(lines[-1])
    info["wall_s"] = time.perf_counter() - t0
    if info.get("error") == "内存不足" and limit_gb > 0:
        info["error"] = f"内存不足（超过 {limit_gb:g} GB 上限）"
    return info


COLUMNS = [  # (表头, 宽度, 对齐)
    ("规模", 6, "<"),
    ("购物篮数", 10, ">"),
    ("算法", 9, "<"),
    ("最小支持度", 10, ">"),
    ("频繁项集数", 10, ">"),
    ("最长项集", 8, ">"),
    ("规则数", 9, ">"),
    ("挖掘(秒)", 9, ">"),
    ("规则(秒)", 9, ">"),
    ("峰值内存(MB)", 12, ">"),
    ("建篮后(MB)", 10, ">"),
]


def pad(text: str, width: int, align: str) -> str:
    """按显示宽度补空格（汉字占两格），让中文表头与数字对齐。"""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(width - shown, 0)
    return text + fill if align == "<" else fill + text


def line(cells: list[str]) -> str:
    return " ".join(pad(c, w, a) for c, (_, w, a) in zip(cells, COLUMNS, strict=True))


def row(scale: str, algorithm: str, support: float, r: dict) -> str:
    def num(key: str, fmt: str) -> str:
        return format(r[key], fmt) if key in r else "—"

    cells = [
        scale,
        num("baskets", ","),
        algorithm,
        f"{support:g}",
        num("itemsets", ","),
        num("max_len", "d"),
        num("rules", ","),
        num("mine_s", ".2f"),
        num("rules_s", ".2f"),
        num("peak_mb", ",.0f"),
        num("base_mb", ",.0f"),
    ]
    return line(cells) + (f"  {r['error']}" if "error" in r else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-large", action="store_true", help="跳过 large 规模（生成约 2 分钟、峰值约 2.6 GB）")
    ap.add_argument("--supports", type=float, nargs="+", default=list(SUPPORTS), help="最小支持度，默认 %(default)s")
    ap.add_argument("--mem-limit-gb", type=float, default=6.0, help="每个子进程的地址空间上限（GB，0 表示不限）")
    ap.add_argument("--timeout", type=float, default=600.0, help="每次运行的时间上限（秒）")
    args = ap.parse_args()
    scales = ["tiny", "small"] + ([] if args.skip_large else ["large"])
    print(line([title for title, _, _ in COLUMNS]), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-rules-") as tmp:
        for scale in scales:
            root = prepare(scale, Path(tmp))
            counts: dict[str, list] = {}
            for support in args.supports:
                for algorithm in ALGORITHMS:
                    r = bench(scale, root, algorithm, support, args.mem_limit_gb, args.timeout)
                    counts.setdefault(algorithm, []).append((r.get("itemsets"), r.get("rules")))
                    print(row(scale, algorithm, support, r), flush=True)
            both = [(a, f) for a, f in zip(counts["apriori"], counts["fpgrowth"], strict=True) if None not in a + f]
            if any(a != f for a, f in both):
                print(f"！{scale}：apriori 与 fpgrowth 的项集数或规则数不一致", flush=True)
            if (Path(tmp) / scale).exists():
                shutil.rmtree(Path(tmp) / scale)  # large 占 280 MB，跑完就删
    print(
        "注：峰值内存是整个子进程的最高驻留内存（含读表与建矩阵）；“建篮后”是开始挖掘前的峰值。"
        "两种算法找到的频繁项集与规则应当完全相同，只是快慢与内存不同。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
