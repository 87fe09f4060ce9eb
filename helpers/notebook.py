"""notebook 的统一开场设置：中文字体、主题、显示选项、随机种子、安静的输出。

每个 notebook 的第一个代码单元都调用 ``helpers.setup_notebook()``。
"""

from __future__ import annotations

import json
import logging
import os
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 42

# 依次尝试的系统中文字体（字体族名）。刻意不用 SimHei：它不是自由字体，且各系统上版本不一。
SYSTEM_CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Sarasa Gothic SC",
)

FONT_ENV = "HEMU_CJK_FONT"  # 可设为字体文件路径或字体族名，覆盖自动选择


@dataclass(frozen=True)
class CJKFont:
    """选中的中文字体：字体族名、文件路径和来源（system / bundled / env）。"""

    family: str
    path: str
    source: str


def bundled_font() -> CJKFont:
    """随锁文件从 PyPI 安装的后备字体 Noto Sans SC（SIL OFL 1.1）。

    示例::

        >>> font = bundled_font()
        >>> font.family, font.source
        ('Noto Sans SC', 'bundled')
        >>> Path(font.path).suffix
        '.otf'
    """
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as exc:  # pragma: no cover - 只有环境不完整时才会发生
        raise RuntimeError(
            "找不到任何中文字体：系统没有，后备字体包 pylopdf-fonts-zh-cn 也没装。"
            "请运行 `make setup`（或 `python bootstrap.py`）重新安装环境。"
        ) from exc
    path = str(pylopdf_fonts_zh_cn.sans_path())
    return CJKFont(family="Noto Sans SC", path=path, source="bundled")


def _font_from_env(value: str) -> CJKFont:
    from matplotlib import font_manager

    if value.lower().endswith((".ttf", ".otf", ".ttc")) or os.sep in value or "/" in value:
        p = Path(value)
        if not p.is_file():
            raise FileNotFoundError(
                f"环境变量 {FONT_ENV} 指向的字体文件不存在：{value}。"
                f"请改成一个存在的 .ttf/.otf 文件，或删除该变量让程序自动选择字体。"
            )
        font_manager.fontManager.addfont(str(p))
        family = font_manager.FontProperties(fname=str(p)).get_name()
        return CJKFont(family=family, path=str(p), source="env")
    for entry in font_manager.fontManager.ttflist:
        if entry.name == value:
            return CJKFont(family=value, path=entry.fname, source="env")
    raise LookupError(
        f"环境变量 {FONT_ENV} 指定的字体族 {value!r} 在本机找不到。请安装它，或删除该变量让程序自动选择字体。"
    )


def find_cjk_font() -> CJKFont:
    """找一个能显示简体中文的字体：环境变量 > 系统字体 > 随包安装的 Noto Sans SC。

    不同电脑选中的字体不同，所以示例只检查结果的形式。

    示例::

        >>> font = find_cjk_font()
        >>> font.source in ("env", "system", "bundled")
        True
        >>> Path(font.path).suffix.lower() in (".otf", ".ttf", ".ttc")
        True
    """
    from matplotlib import font_manager

    env = os.environ.get(FONT_ENV)
    if env:
        return _font_from_env(env)
    by_name = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    bundled = bundled_font()
    for family in SYSTEM_CJK_FAMILIES:
        if family in by_name:
            source = "bundled" if Path(by_name[family]) == Path(bundled.path) else "system"
            return CJKFont(family=family, path=by_name[family], source=source)
    font_manager.fontManager.addfont(bundled.path)
    return bundled


def cjk_font_path() -> str:
    """中文字体文件的路径，供 wordcloud 的 ``font_path`` 参数使用（与 matplotlib 用同一字体）。

    示例::

        >>> path = cjk_font_path()
        >>> path == find_cjk_font().path
        True
        >>> Path(path).suffix.lower() in (".otf", ".ttf", ".ttc")
        True
    """
    return find_cjk_font().path


def quiet_third_party() -> None:
    """过滤已知的第三方噪声，使 notebook 的存储输出保持干净（只过滤确知无害的几条）。

    示例::

        >>> quiet_third_party()
        >>> logging.getLogger("jieba").level == logging.ERROR
        True
    """
    # jieba 首次加载词典时会向 stderr 打印 "Building prefix dict ..."。
    logging.getLogger("jieba").setLevel(logging.ERROR)
    try:
        import jieba

        jieba.setLogLevel(logging.ERROR)
    except ImportError:  # pragma: no cover
        pass
    # 较新的 setuptools 上 import pkg_resources 会警告（jieba 等老包会触发）。
    warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated", category=UserWarning)
    # seaborn 0.13.2 + matplotlib 3.11：箱线图内部仍传 vert=，matplotlib 会提示将弃用。
    warnings.filterwarnings("ignore", message=r".*vert: bool will be deprecated.*")
    warnings.filterwarnings("ignore", message=r".*The 'vert' parameter.*")


_THEME_FILE = Path(__file__).with_name("seaborn_theme.json")


def apply_seaborn_theme() -> None:
    """套用 seaborn 的 whitegrid 主题（与 ``sns.set_theme(style="whitegrid")`` 完全相同），但不导入 seaborn。

    seaborn 会顺带导入 scipy.stats，让每个 notebook 开头多等 1 秒多；主题只是一组 matplotlib 设置，
    所以从快照 ``seaborn_theme.json`` 直接套用（快照由 ``python -m coursekit.theme`` 生成，测试保证它与
    当前 seaborn 一致）。要用 seaborn 画图时照常 ``import seaborn as sns``，外观不变。

    示例::

        >>> import matplotlib
        >>> apply_seaborn_theme()
        >>> matplotlib.rcParams["axes.grid"], matplotlib.rcParams["axes.edgecolor"]
        (True, '.8')
        >>> matplotlib.colors.to_hex(matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0])
        '#4c72b0'
    """
    import matplotlib
    from cycler import cycler

    theme = json.loads(_THEME_FILE.read_text(encoding="utf-8"))
    cmap = theme["colormap"]
    if cmap["name"] not in matplotlib.colormaps:  # 主题的默认色图 rocket 本由 seaborn 注册；之后再导入 seaborn 也不冲突
        matplotlib.colormaps.register(matplotlib.colors.ListedColormap(cmap["colors"], name=cmap["name"]))
    matplotlib.rcParams.update(theme["rc"])
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=[tuple(c) for c in theme["prop_cycle_colors"]])
    for code, rgb in theme["color_codes"].items():
        matplotlib.colors.colorConverter.colors[code] = tuple(rgb)


def setup_notebook(seed: int = SEED, dpi: int = 100) -> None:
    """notebook 开场一次调用：中文字体、seaborn 主题（不导入 seaborn）、pandas 显示选项、固定随机种子、单线程计算、安静输出。

    不打印任何内容（不同电脑选中的字体不同，打印出来会让存储的输出无法复现）；
    想知道用的是哪个字体，请运行 ``python -m helpers doctor``。

    示例::

        >>> setup_notebook()
        >>> import matplotlib
        >>> matplotlib.rcParams["font.sans-serif"][0] == find_cjk_font().family
        True
        >>> matplotlib.rcParams["axes.unicode_minus"]
        False
        >>> first = np.random.rand()
        >>> setup_notebook()                         # 同一种子 → 同样的随机数
        >>> np.random.rand() == first
        True
    """
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd

    quiet_third_party()
    font = find_cjk_font()
    apply_seaborn_theme()
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [font.family, "DejaVu Sans"],
            "axes.unicode_minus": False,  # 负号用 ASCII '-'，避免中文字体缺 U+2212 时显示方框
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "figure.figsize": (8, 4.5),
            "axes.titlesize": 13,
        }
    )
    plt.close("all")
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 3)
    pd.set_option("display.unicode.east_asian_width", True)
    random.seed(seed)
    np.random.seed(seed)
    # BLAS / OpenMP 只用单线程：课程数据小，单线程不慢；多线程在忙碌的双核机器上反而拖慢 KMeans 等，
    # 而且线程数不同可能让浮点结果在末位不同，使存储的输出在别人电脑上对不上。
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
