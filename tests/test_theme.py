"""setup_notebook() 不导入 seaborn，却与 sns.set_theme(style="whitegrid") 的外观完全相同。"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STATE = """
import json, sys
import matplotlib as mpl
state = {k: repr(v) for k, v in sorted(mpl.rcParams.items())}
codes = {c: repr(mpl.colors.to_rgb(mpl.colors.colorConverter.colors[c])) for c in "bgrmyck"}
codes["cmap"] = repr(mpl.colormaps[mpl.rcParams["image.cmap"]](list(range(256))).tolist())
print(json.dumps({"rc": state, "codes": codes, "mods": sorted(m for m in sys.modules if m.split(".")[0] in ("seaborn", "scipy"))}))
"""


def _run(code: str) -> dict:
    """在新的解释器里运行 code，再读出 matplotlib 的全部设置、颜色简写、默认色图和已导入的 seaborn/scipy 模块。"""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-c", code + STATE], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_setup_notebook_imports_neither_seaborn_nor_scipy():
    got = _run("import helpers\nhelpers.setup_notebook()\n")
    assert got["mods"] == [], got["mods"][:10]


def test_lazy_theme_equals_seaborn_set_theme_exactly():
    """同一进程状态下：快照路径 与 真正调用 sns.set_theme 后再做 setup_notebook 的其余设置，rcParams 逐项相同。"""
    lazy = _run("import helpers\nhelpers.setup_notebook()\n")
    real = _run(
        "import helpers, helpers.notebook as nb, seaborn as sns\n"
        "nb.apply_seaborn_theme = lambda: sns.set_theme(style='whitegrid', context='notebook')\n"
        "helpers.setup_notebook()\n"
    )
    diff = {k: (v, real["rc"][k]) for k, v in lazy["rc"].items() if real["rc"][k] != v}
    assert diff == {}
    assert lazy["codes"] == real["codes"]


def test_importing_seaborn_after_setup_notebook_still_works():
    got = _run("import helpers\nhelpers.setup_notebook()\nimport seaborn as sns\nsns.heatmap([[1, 2], [3, 4]])\n")
    assert "seaborn" in got["mods"]


def test_snapshot_matches_the_installed_seaborn():
    """升级 seaborn/matplotlib 后快照若过期，这里失败：运行 python -m coursekit.theme 重新生成。"""
    code = (
        "import json\nfrom coursekit.theme import seaborn_theme_snapshot\nprint(json.dumps(seaborn_theme_snapshot()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert out.returncode == 0, out.stderr
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    stored = json.loads((ROOT / "helpers" / "seaborn_theme.json").read_text(encoding="utf-8"))
    assert fresh == stored, "helpers/seaborn_theme.json 过期：运行 python -m coursekit.theme"
