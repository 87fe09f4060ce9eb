"""重新生成锁文件（维护者用，学生不需要）。

    python tools/lock.py          # 在临时 venv 里按 pyproject 的直接依赖解析最新版本，写出
                                  # requirements.lock 和 environment.yml（两者版本一致）
    python tools/lock.py --yml    # 只根据现有 requirements.lock 重写 environment.yml

升级后请运行 make test：notebook 的存储输出可能随库版本变化，需要重新执行并检查。
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_HEADER = (
    "# 锁定的依赖版本 (pinned lock) — 由 tools/lock.py 生成，请勿手改。\n"
    "# Python 3.11；make / bootstrap.py 用它安装 .venv，environment.yml 与之一致（有测试保证）。\n"
)


def direct_dependencies() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def freeze_fresh() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        venv.EnvBuilder(with_pip=True).create(tmp)
        py = str(Path(tmp) / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
        subprocess.run([py, "-m", "pip", "install", "--quiet", *direct_dependencies()], check=True)
        out = subprocess.run([py, "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True)
    skip = ("pip==", "setuptools==", "wheel==")
    return sorted((ln for ln in out.stdout.splitlines() if ln and not ln.startswith(skip)), key=str.lower)


def read_pins() -> list[str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def environment_yml(pins: list[str]) -> str:
    body = "\n".join(f"      - {p}" for p in pins)
    return (
        "# conda / Binder 用户的环境文件。版本与 requirements.lock 完全一致（tests/test_environment.py 检查）。\n"
        "# 由 tools/lock.py 生成，请勿手改。用法：conda env create -f environment.yml && conda activate hemu-course\n"
        "#   然后在仓库根目录运行：pip install --no-deps -e .\n"
        "name: hemu-course\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.11\n"
        "  - pip\n"
        "  - pip:\n"
        f"{body}\n"
    )


def main(argv: list[str]) -> int:
    if "--yml" not in argv:
        pins = freeze_fresh()
        (ROOT / "requirements.lock").write_text(LOCK_HEADER + "\n".join(pins) + "\n", encoding="utf-8")
    (ROOT / "environment.yml").write_text(environment_yml(read_pins()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
