"""浏览器测试的共用夹具：按 ``make lab`` 的方式启动 JupyterLab，和一个无头 Chromium。"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # 与 tests/ 共用 exercise_support（判分命令、读成绩表）
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def chromium_path() -> str | None:
    """环境变量 CHROMIUM 指定的，或常见位置上的 Chromium。"""
    for cand in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if cand and Path(cand).exists():
            return cand
    return None


@dataclass
class Lab:
    base: str
    token: str
    start_url: str

    def url_for(self, path: Path) -> str:
        """仓库里某个文件在 JupyterLab 里的网址（独立工作区，不受上次打开的标签页影响）。"""
        rel = quote(path.resolve().relative_to(ROOT).as_posix())
        return f"{self.base}/lab/workspaces/browser-test/tree/{rel}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab():
    token, port = secrets.token_hex(8), _free_port()
    state = tempfile.mkdtemp(prefix="hemu-lab-state-")
    env = {
        **os.environ,
        # 学生自己的 JupyterLab 工作区和设置不受测试影响
        "JUPYTERLAB_WORKSPACES_DIR": str(Path(state) / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(Path(state) / "settings"),
    }
    cmd = [
        sys.executable,
        "-m",
        "helpers",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",  # 测试通过 window.jupyterapp 运行单元、保存
    ]
    log = open(Path(state) / "lab.log", "w+", encoding="utf-8")  # noqa: SIM115 - 与进程同生命周期
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    start_url = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and start_url is None:
        time.sleep(0.5)
        log.seek(0)
        m = re.search(r"(http://127\.0\.0\.1:\d+/\S*)\?token=", log.read())
        if m:
            start_url = f"{m.group(1)}?token={token}"
        if proc.poll() is not None:
            break
    if start_url is None:
        proc.terminate()
        log.seek(0)
        pytest.fail(f"JupyterLab 没能启动：\n{log.read()[-3000:]}")
    yield Lab(base=f"http://127.0.0.1:{port}", token=token, start_url=start_url)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.fail(
            "找不到 Chromium：Debian/Ubuntu 上运行 `sudo apt-get install chromium`，或用环境变量 CHROMIUM 指定路径。"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()
