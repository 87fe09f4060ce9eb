"""测试的公共设置。"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# 注意：不要在这里设置 MPLBACKEND——环境变量会传给 nbval 启动的内核，
# 使 notebook 里的 plt.show() 不再输出图像，存储的输出就对不上了。


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """需要人工查看的测试产物（如中文图表 PNG）放在 build/test-artifacts/（已被 git 忽略）。"""
    d = ROOT / "build" / "test-artifacts"
    d.mkdir(parents=True, exist_ok=True)
    return d
