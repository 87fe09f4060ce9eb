"""在“忙碌的机器”上跑整套测试：旁边开几个死循环进程抢 CPU，连跑几遍，看是否每遍都是绿的。

    python tools/test_under_load.py                 # 2 个死循环，连跑 3 遍 make test（即 bootstrap.py test）
    python tools/test_under_load.py --hogs 3 --runs 1
    python tools/test_under_load.py -- tests/test_grade_submissions.py   # 只跑一部分（参数原样传给 pytest）

学生的笔记本开着浏览器、CI 跑在共享主机上，都是这种情形。每个死循环进程自成一个会话
（Linux 按会话分配 CPU，这样测试进程才真的被挤占），结束时（包括 Ctrl-C）一定被杀掉。
每遍打印 pytest 的结论行和用时；有一遍失败，退出码就非零。
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOG = "while True:\n    pass"


def start_hogs(n: int) -> list[subprocess.Popen]:
    """启动 n 个死循环进程（各自一个会话）。"""
    return [subprocess.Popen([sys.executable, "-c", HOG], start_new_session=True) for _ in range(n)]


def stop_hogs(hogs: list[subprocess.Popen]) -> None:
    for h in hogs:
        h.kill()
    for h in hogs:
        h.wait()


def summary_line(output: str) -> str:
    """pytest 的最后一行结论（如 ``=== 600 passed in 300.0s ===``）。"""
    lines = [ln.strip("= ") for ln in output.splitlines() if " passed" in ln or " failed" in ln or " error" in ln]
    return lines[-1] if lines else "（没有找到 pytest 的结论行）"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在旁边有死循环抢 CPU 的情况下连跑几遍测试")
    parser.add_argument("--hogs", type=int, default=2, help="死循环进程数（默认 2）")
    parser.add_argument("--runs", type=int, default=3, help="连跑几遍（默认 3）")
    parser.add_argument("--jobs", type=int, default=2, help="pytest -n 的并行数（默认 2，与 make test 相同）")
    parser.add_argument("pytest_args", nargs="*", help="传给 pytest 的参数（放在 -- 之后）")
    args = parser.parse_args(argv)
    failures = 0
    for i in range(1, args.runs + 1):
        hogs = start_hogs(args.hogs)
        t0 = time.monotonic()
        try:
            # 与 make test 相同的入口：先确认环境与数据（已就绪时什么都不装），再运行 pytest
            cmd = [sys.executable, "bootstrap.py", "test", "-n", str(args.jobs), "-q", *args.pytest_args]
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        finally:
            stop_hogs(hogs)
        took = time.monotonic() - t0
        ok = res.returncode == 0
        failures += not ok
        print(
            f"第 {i}/{args.runs} 遍（{args.hogs} 个死循环）：{'✅' if ok else '❌'} {summary_line(res.stdout)}，"
            f"墙钟 {took:.0f} 秒",
            flush=True,
        )
        if not ok:
            failed = [ln for ln in res.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
            print("\n".join("    " + ln for ln in failed[:30]) or res.stdout[-3000:], flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
