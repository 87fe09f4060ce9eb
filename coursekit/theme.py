"""seaborn 主题的快照（维护者用）：``helpers.setup_notebook()`` 不导入 seaborn 也能得到同样的图表外观。

``sns.set_theme(style="whitegrid", context="notebook")`` 要先 ``import seaborn``，而 seaborn 会顺带导入
scipy.stats，一个 notebook 开头要多花 1 秒多；很多章节根本不用 seaborn。所以把它设置的 rcParams、
配色循环、"bgrmyck" 颜色简写和默认色图（rocket）的颜色表记成 ``helpers/seaborn_theme.json``，
setup_notebook 直接套用。

升级 seaborn 或 matplotlib 后重新生成（测试会发现快照过期）::

    python -m coursekit.theme
"""

from __future__ import annotations

import json
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "helpers" / "seaborn_theme.json"
STYLE, CONTEXT, PALETTE = "whitegrid", "notebook", "deep"


def seaborn_theme_snapshot() -> dict:
    """现场调用一次 ``sns.set_theme``，读出它设置的全部内容（纯数据，可写成 JSON）。会改动本进程的 matplotlib 设置。"""
    import matplotlib as mpl
    import seaborn as sns

    keys = sorted(set(sns.plotting_context(CONTEXT)) | set(sns.axes_style(STYLE)))
    sns.set_theme(style=STYLE, context=CONTEXT, palette=PALETTE)
    rc = {k: mpl.rcParams[k] for k in keys}
    return {
        "seaborn": sns.__version__,
        "matplotlib": mpl.__version__,
        "theme": {"style": STYLE, "context": CONTEXT, "palette": PALETTE},
        "rc": {k: (list(v) if isinstance(v, tuple) else v) for k, v in rc.items()},
        "prop_cycle_colors": [list(mpl.colors.to_rgb(c)) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]],
        "color_codes": {c: list(mpl.colors.to_rgb(mpl.colors.colorConverter.colors[c])) for c in "bgrmyck"},
        # 主题把默认色图设成 seaborn 自己注册的色图（rocket）：不导入 seaborn 就得自己注册它
        "colormap": {"name": rc["image.cmap"], "colors": [list(c) for c in mpl.colormaps[rc["image.cmap"]].colors]},
    }


def write_snapshot(path: Path = SNAPSHOT) -> Path:
    """重新生成快照文件。"""
    path.write_text(json.dumps(seaborn_theme_snapshot(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"已写出 {write_snapshot()}")
