"""``make test-browser`` 的准备：Debian 的 Chromium + Playwright 的 Python 包（装进 .venv）。

- Chromium：已有就用；没有且是 root（或有免密 sudo）并且有 apt-get 时，自动 ``apt-get install chromium``；
  否则打印怎么装，以退出码 2 结束。永远不运行 ``playwright install``（它要从网上下载浏览器）。
- Playwright：按 requirements-browser.txt 的确切版本 pip 安装；已装好时不重装。
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests_browser"))
from conftest import chromium_path  # noqa: E402

HOW = (
    "找不到 Chromium。Debian/Ubuntu：`sudo apt-get install chromium`（Ubuntu 上包名可能是 chromium-browser）；\n"
    "其他系统装好 Chromium 或 Chrome 后，用环境变量 CHROMIUM 指定它的路径，再运行 make test-browser。"
)


def _apt(*args: str) -> bool:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run([*prefix, "apt-get", *args], env=env).returncode == 0


def ensure_chromium() -> str | None:
    if chromium_path():
        return chromium_path()
    can_root = hasattr(os, "geteuid") and (os.geteuid() == 0 or shutil.which("sudo"))
    if shutil.which("apt-get") and can_root:
        print("→ apt-get install chromium", flush=True)
        if not _apt("install", "-y", "-q", "chromium"):
            _apt("update", "-q")
            _apt("install", "-y", "-q", "chromium")
    return chromium_path()


def ensure_playwright(py: str) -> None:
    ok = subprocess.run([py, "-c", "import playwright.sync_api"], capture_output=True).returncode == 0
    want = next(
        ln for ln in (ROOT / "requirements-browser.txt").read_text().splitlines() if ln.startswith("playwright==")
    )
    have = subprocess.run([py, "-m", "pip", "show", "playwright"], capture_output=True, text=True).stdout
    if ok and f"Version: {want.split('==')[1]}" in have:
        return
    print("→ pip install -r requirements-browser.txt", flush=True)
    subprocess.run(
        [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements-browser.txt"],
        cwd=ROOT,
        check=True,
    )


def main() -> int:
    exe = ensure_chromium()
    if exe is None:
        print(HOW, file=sys.stderr)
        return 2
    print(f"Chromium：{exe}", flush=True)
    ensure_playwright(sys.executable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
