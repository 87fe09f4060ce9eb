"""离线 HTML 站点：每章一页、图表内嵌、首页链接齐全。"""

from __future__ import annotations

import re

import pytest

from coursekit.site import build_site, notebook_title


def test_site_has_a_page_per_chapter_with_embedded_plots(repo_root, tmp_path):
    files = build_site(out=tmp_path)
    chapters = sorted(p.stem for p in (repo_root / "notebooks").glob("ch*.ipynb"))
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for stem in chapters:
        page = tmp_path / f"{stem}.html"
        assert page in files
        assert f'href="{stem}.html"' in index
        text = page.read_text(encoding="utf-8")
        assert notebook_title(repo_root / "notebooks" / f"{stem}.ipynb") in text
        assert re.search(r'src="data:image/png;base64,', text), f"{stem} 的图表没有内嵌"
    assert "第0章" in index or "第 0 章" in index


def test_site_refuses_an_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="没有找到"):
        build_site(notebooks_dir=tmp_path, out=tmp_path / "out")


def test_site_ships_its_cjk_font_so_pages_never_show_tofu(tmp_path):
    """读者电脑没有中文字体时也要能显示：字体随站点复制，每页的 CSS 都引用它。"""
    build_site(out=tmp_path)
    fonts = list((tmp_path / "fonts").glob("*.otf"))
    assert len(fonts) == 1 and fonts[0].stat().st_size > 1_000_000
    for page in tmp_path.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert f'url("fonts/{fonts[0].name}")' in text and "unicode-range" in text, page.name
