"""一键准备课程环境（Windows / macOS / Linux 通用，不需要 make）。

用法（在仓库根目录）::

    python bootstrap.py          # 只准备 .venv（幂等：已是最新就什么都不装）
    python bootstrap.py lab      # 准备好后启动 JupyterLab
    python bootstrap.py test     # 准备好后运行 ruff（lint + 格式检查）和全部测试

它做的事：在仓库根目录创建 .venv（不存在或已损坏时重建）→ 按 requirements.lock
安装确切版本 → 以可编辑方式安装 helpers → 数据缺失时生成数据。安装指纹记在
.venv/.course-stamp，锁文件或 pyproject.toml 变了才重装，所以第二次运行几乎不花时间。
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".course-stamp"
MIN_PY = (3, 11)


def venv_python() -> Path:
    """返回 .venv 里的 python 解释器路径（区分 Windows 与其他系统）。"""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def fingerprint() -> str:
    """锁文件 + pyproject + Python 版本的指纹：任何一个变化都意味着要重装。"""
    h = hashlib.sha256()
    for name in ("requirements.lock", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    h.update(f"{sys.version_info[:2]}".encode())
    return h.hexdigest()


def venv_works() -> bool:
    """.venv 存在且它的 python 能运行，并且与当前 Python 的大版本一致。"""
    py = venv_python()
    if not py.exists():
        return False
    try:
        out = subprocess.run(
            [str(py), "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == f"{sys.version_info[:2]}"


def run(*args: str) -> None:
    print("→", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT)


def ensure_venv() -> Path:
    """保证 .venv 可用且与锁文件一致；已是最新时不做任何安装。"""
    if sys.version_info[:2] < MIN_PY:
        sys.exit(f"需要 Python {MIN_PY[0]}.{MIN_PY[1]} 或更新版本，当前是 {sys.version.split()[0]}。")
    want = fingerprint()
    if venv_works() and STAMP.exists() and STAMP.read_text().strip() == want:
        return venv_python()
    if not venv_works():
        if VENV.exists():
            print("发现损坏或版本不符的 .venv，重新创建。", flush=True)
            shutil.rmtree(VENV)
        print("创建虚拟环境 .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    py = str(venv_python())
    quiet = "--quiet"
    run(py, "-m", "pip", "install", quiet, "--disable-pip-version-check", "-r", "requirements.lock")
    run(py, "-m", "pip", "install", quiet, "--disable-pip-version-check", "--no-deps", "-e", ".")
    STAMP.write_text(want + "\n")
    print("环境已就绪：.venv", flush=True)
    return venv_python()


def ensure_data(py: Path) -> None:
    """数据缺失时生成（已存在则只做快速存在性检查，不重建）。"""
    run(str(py), "-m", "helpers", "data", "ensure")


def lint_problems(py: Path) -> str:
    """ruff 检查与格式检查；都通过返回空串，否则返回要打印的中文说明（含 ruff 的原始输出）。"""
    for args, fix in ((["check", "."], "ruff check --fix ."), (["format", "--check", "."], "ruff format .")):
        out = subprocess.run([str(py), "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            return (
                f"{out.stdout}{out.stderr}\nruff {' '.join(args)} 没有通过：请运行 "
                f"`{py.relative_to(ROOT).as_posix().rsplit('/', 1)[0]}/{fix}` 修好后再测试（见 CONTRIBUTING.md）。"
            )
    print("ruff check / ruff format --check：通过", flush=True)
    return ""


def main(argv: list[str]) -> int:
    py = ensure_venv()
    ensure_data(py)
    if not argv:
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "lab":
        return subprocess.call([str(py), "-m", "helpers", "lab", *rest], cwd=ROOT)
    if cmd == "test":
        lint = lint_problems(py)
        if lint:
            print(lint, file=sys.stderr)
            return 1
        return subprocess.call([str(py), "-m", "pytest", *rest], cwd=ROOT)
    print(f"不认识的命令 {cmd!r}；可用：lab、test（或不带参数只准备环境）。", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
