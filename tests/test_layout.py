"""两个包按读者分开：学生读的 helpers 导入时不加载工具包 coursekit；每个公开函数都有 doctest 示例。"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENT_MODULES = [
    "helpers",
    "helpers.data",
    "helpers.data.io",
    "helpers.data.schema",
    "helpers.prep",
    "helpers.eda",
    "helpers.mining",
    "helpers.notebook",
    "helpers.feedback",
    "helpers.prep_samples",
]


def _loaded_after(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "statement",
    [
        "import helpers",
        "from helpers.data import load, truth, list_tables",
        "import helpers.prep, helpers.eda",
        "import helpers.mining",
        "from helpers import check, data, prep_samples",
    ],
)
def test_importing_student_modules_loads_no_tooling(statement):
    tooling = [m for m in _loaded_after(statement) if m == "coursekit" or m.startswith("coursekit.")]
    assert tooling == [], f"{statement} 加载了工具包：{tooling}"


def test_helpers_never_imports_coursekit_at_module_level():
    """静态检查：helpers/ 里只有函数内部（用到时）才导入 coursekit；命令行入口 __main__ 除外。"""
    offenders = []
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        if path.name == "__main__.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "coursekit" or n.startswith("coursekit.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_coursekit_holds_the_tooling_and_helpers_only_what_students_read():
    helpers_files = sorted(p.relative_to(ROOT / "helpers").as_posix() for p in (ROOT / "helpers").rglob("*.py"))
    assert helpers_files == [
        "__init__.py",
        "__main__.py",
        "behavior.py",
        "data/__init__.py",
        "data/calendar.py",
        "data/io.py",
        "data/oracle.py",
        "data/schema.py",
        "eda.py",
        "feedback.py",
        "mining.py",
        "notebook.py",
        "prep.py",
        "prep_samples.py",
    ], helpers_files
    for sub in ("world", "exercises", "grading", "questions"):
        assert (ROOT / "coursekit" / sub / "__init__.py").exists(), sub


def _public_functions():
    for name in STUDENT_MODULES:
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if not attr.startswith("_") and inspect.isfunction(obj) and obj.__module__ == name:
                yield f"{name}.{attr}", obj


@pytest.mark.parametrize("name,func", list(_public_functions()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_helper_has_a_chinese_doctest(name, func):
    doc = func.__doc__ or ""
    assert "示例" in doc and ">>>" in doc, f"{name} 的 docstring 缺少“示例”和 doctest"


def test_both_command_entries_offer_the_same_commands():
    outs = [
        subprocess.run([sys.executable, "-m", pkg, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        for pkg in ("helpers", "coursekit")
    ]
    for out in outs:
        assert out.returncode == 0, out.stderr
        for cmd in ("doctor", "lab", "data", "exercises", "grade", "site"):
            assert cmd in out.stdout
        assert "不可用" not in out.stdout
    assert outs[0].stdout == outs[1].stdout
