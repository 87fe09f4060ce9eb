"""中文图表与中文词云：字形齐全（没有“豆腐块”），也没有缺字警告。

产物 PNG 写到 build/test-artifacts/，可以打开查看。
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.ft2font import FT2Font

import helpers
from helpers.notebook import FONT_ENV, find_cjk_font

SAMPLE = "禾木优选月度销售额客单价转化率服饰美妆食品家居数码母婴运动双十一"


def _render_text(text: str) -> np.ndarray:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 0.6), dpi=100)
    fig.text(0.05, 0.3, text, fontsize=20)
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return img


def test_font_has_every_glyph_we_use():
    helpers.setup_notebook()
    font = find_cjk_font()
    ft = FT2Font(font.path)
    missing = [ch for ch in SAMPLE if ft.get_char_index(ord(ch)) == 0]
    assert not missing, f"{font.family} 缺字：{missing}"


def test_chinese_plot_renders_without_missing_glyph_warning(artifacts_dir):
    import matplotlib.pyplot as plt

    helpers.setup_notebook()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        cats = ["服饰", "美妆", "食品", "家居", "数码", "母婴", "运动"]
        ax.bar(cats, [12.5, -5.2, 8.1, 3.0, 20.4, -12.3, 6.6])  # 含负数：检查负号不显示成方框
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_title("禾木优选 各品类销售额同比增长率（%）")
        ax.set_xlabel("品类")
        ax.set_ylabel("同比增长率（%）")
        fig.savefig(artifacts_dir / "chinese_plot.png")
        plt.close(fig)
    glyph_warnings = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not glyph_warnings, glyph_warnings


def test_distinct_chinese_strings_render_differently():
    """豆腐块 (tofu) 对任何字都长得一样：两段不同的中文若渲染成相同像素，就说明字形缺失。"""
    helpers.setup_notebook()
    a, b = _render_text("电商"), _render_text("数据")
    assert (a < 128).any(), "文字没有画出任何像素"
    assert not np.array_equal(a, b), "两段不同的中文渲染结果完全相同：多半是豆腐块"


def test_wordcloud_uses_the_same_font_and_draws_text(artifacts_dir):
    from wordcloud import WordCloud

    helpers.setup_notebook()
    path = helpers.cjk_font_path()
    assert path == find_cjk_font().path
    freqs = {"物流": 50, "质量": 42, "客服": 30, "包装": 25, "价格": 20, "好评": 18, "发货快": 12, "性价比": 10}
    wc = WordCloud(font_path=path, width=400, height=240, background_color="white", random_state=42)
    img = wc.generate_from_frequencies(freqs).to_array()
    wc.to_file(str(artifacts_dir / "chinese_wordcloud.png"))
    ink = (img.mean(axis=2) < 200).mean()
    assert ink > 0.02, f"词云几乎是空白（有字像素占比 {ink:.3f}）"
    ft = FT2Font(path)
    assert all(ft.get_char_index(ord(ch)) for ch in "".join(freqs)), "词云字体缺字"


def test_bad_font_env_gives_clear_error(monkeypatch):
    monkeypatch.setenv(FONT_ENV, "/no/such/font.ttf")
    with pytest.raises(FileNotFoundError, match="字体文件不存在"):
        find_cjk_font()
    monkeypatch.setenv(FONT_ENV, "No Such Family Sans")
    with pytest.raises(LookupError, match="找不到"):
        find_cjk_font()


def test_setup_notebook_sets_options_and_is_silent(capsys):
    import matplotlib
    import pandas as pd

    helpers.setup_notebook()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert matplotlib.rcParams["font.sans-serif"][0] == find_cjk_font().family
    assert "SimHei" not in matplotlib.rcParams["font.sans-serif"]
    assert pd.get_option("display.unicode.east_asian_width") is True
    first = np.random.rand()
    helpers.setup_notebook()
    assert np.random.rand() == first, "setup_notebook 应固定随机种子"
