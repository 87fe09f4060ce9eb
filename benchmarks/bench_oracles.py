"""神谕（oracle）调用的耗时基准（脚本，不是测试）：第一次（含构建世界）与之后每次。

用法::

    python benchmarks/bench_oracles.py

在一个新的子进程里依次调用；库存策略第一次要在本机构建一次 small 世界，之后同一进程里复用缓存。
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, time
from helpers.data import load
from helpers.data.oracle import ad_budget, coupon_targeting, inventory_policy, winback_targeting

def timed(fn, *a, **k):
    t0 = time.perf_counter(); fn(*a, **k); return time.perf_counter() - t0

out = {}
out["inventory_policy 第一次"] = timed(inventory_policy)
out["inventory_policy 之后（z=3）"] = min(timed(inventory_policy, service_z=3.0) for _ in range(3))
grants = load("coupon_ab_grants")
ids = grants["customer_id"].head(2000).tolist()
out["coupon_targeting 2000 人"] = min(timed(coupon_targeting, ids, coupon="A5") for _ in range(3))
wb = load("winback_grants")["customer_id"].head(2000).tolist()
out["winback_targeting 2000 人"] = min(timed(winback_targeting, wb) for _ in range(3))
spend = {"信息流广告": 1.0e5}
out["ad_budget"] = min(timed(ad_budget, spend) for _ in range(3))
print(json.dumps(out, ensure_ascii=False))
"""


def main() -> int:
    res = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    if res.returncode != 0:
        raise SystemExit(f"神谕基准失败：\n{res.stderr}")
    for name, sec in json.loads(res.stdout.strip().splitlines()[-1]).items():
        print(f"{name:<28} {sec:>8.3f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
