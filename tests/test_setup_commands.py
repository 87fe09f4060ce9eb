"""一键命令：bootstrap 幂等、CLI 报错友好、make lab 能启动一个应答的 JupyterLab。"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import bootstrap


def test_fingerprint_changes_when_the_lock_or_pyproject_changes(tmp_path, monkeypatch):
    for name in ("requirements.lock", "pyproject.toml"):
        (tmp_path / name).write_bytes((bootstrap.ROOT / name).read_bytes())
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    original = bootstrap.fingerprint()
    assert bootstrap.fingerprint() == original
    with open(tmp_path / "requirements.lock", "a", encoding="utf-8") as f:
        f.write("six==1.16.0\n")
    after_lock = bootstrap.fingerprint()
    assert after_lock != original, "锁文件变了，指纹却没变：环境不会重装"
    with open(tmp_path / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert bootstrap.fingerprint() != after_lock


def test_second_setup_installs_nothing(repo_root):
    """环境已就绪时再运行 bootstrap：不调用 pip、不重建 .venv（用时见 make bench，这里不计时）。"""
    out = subprocess.run(
        [sys.executable, "bootstrap.py"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "pip" not in out.stdout and "创建虚拟环境" not in out.stdout, out.stdout


def test_cli_rejects_unknown_arguments_in_chinese(repo_root):
    out = subprocess.run(
        [sys.executable, "-m", "helpers", "doctor", "--bogus"],
        cwd=repo_root,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "不认识的参数" in out.stderr


def test_doctor_reports_a_broken_font_with_a_fix(repo_root):
    env = {**os.environ, "HEMU_CJK_FONT": "/no/such/font.otf"}
    out = subprocess.run(
        [sys.executable, "-m", "helpers", "doctor"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 1
    assert "❌ 中文字体" in out.stdout and "怎么办" in out.stdout


def test_doctor_passes_on_a_good_environment(repo_root):
    out = subprocess.run([sys.executable, "-m", "helpers", "doctor"], cwd=repo_root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "一切正常" in out.stdout
    assert "❌" not in out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_starts_a_server_that_answers(repo_root, tmp_path):
    port, token = _free_port(), "course-test-token"
    lab_args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"],
        cwd=repo_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, status = time.monotonic() + 180, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as r:
                    status = json.load(r)
                    break
            except OSError:
                time.sleep(0.5)
        assert status is not None, "JupyterLab 在 90 秒内没有应答"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
            assert r.status == 200
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/contents/notebooks/ch00_start_here.ipynb?token={token}&content=0", timeout=5
        ) as r:
            assert json.load(r)["type"] == "notebook"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
