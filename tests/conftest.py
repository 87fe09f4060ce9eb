"""测试的公共设置。"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# 测试里画图不弹窗口；与 notebook 一样使用非交互后端。
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """需要人工查看的测试产物（如中文图表 PNG）放在 build/test-artifacts/（已被 git 忽略）。"""
    d = ROOT / "build" / "test-artifacts"
    d.mkdir(parents=True, exist_ok=True)
    return d
