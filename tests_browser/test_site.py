"""离线站点在真浏览器里：没有一个请求离开本机，公式显示出来，导航齐全，手机宽度下图表可以放大。"""

from __future__ import annotations

from pathlib import Path

import pytest

from coursekit.site import build_site

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"


@pytest.fixture(scope="module")
def site() -> Path:
    out = OUT / "site"
    build_site(out=out)
    return out


def _open(browser, url: str, width: int = 1200):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page, requests


def _remote(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:"))]


def test_every_page_stays_offline_and_links_work(browser, site: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 2
    for p in pages:
        page, requests = _open(browser, p.as_uri())
        assert _remote(requests) == [], f"{p.name} 请求了外部地址：{_remote(requests)[:5]}"
        assert page.evaluate("document.fonts.check('16px HemuCJK', '中文')")
        if p.name != "index.html":
            assert page.locator('nav.hemu-nav a[href="index.html"]').count() == 2, f"{p.name} 缺少回目录的链接"
        page.close()
    index, _ = _open(browser, (site / "index.html").as_uri())
    hrefs = index.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert any("#" in h and h.startswith("ch00") for h in hrefs), "首页缺少课程地图的链接"
    index.screenshot(path=str(OUT / "site_index.png"), full_page=True)
    index.close()


def test_formulas_render_as_math_not_raw_tex(browser, site: Path) -> None:
    page, _ = _open(browser, (site / "ch03_eda.html").as_uri())
    assert page.locator("math").count() >= 1
    body = page.inner_text("main")
    assert "\\bar" not in body and "$z" not in body, "公式仍是原始 TeX"
    box = page.locator("math").first.bounding_box()
    assert box and box["width"] > 20, "公式没有被排版"
    page.locator("math").first.scroll_into_view_if_needed()
    page.screenshot(path=str(OUT / "site_formula.png"))
    page.close()


def test_plot_enlarges_on_a_phone(browser, site: Path) -> None:
    page, _ = _open(browser, (site / "ch00_start_here.html").as_uri(), width=390)
    img = page.locator(".jp-OutputArea-output img").first
    img.scroll_into_view_if_needed()
    small = img.bounding_box()["width"]
    assert small <= 390
    page.screenshot(path=str(OUT / "site_phone.png"))
    img.click()
    zoomed = page.locator(".hemu-zoom img").bounding_box()["width"]
    assert zoomed >= 2 * small, (small, zoomed)
    page.screenshot(path=str(OUT / "site_phone_zoomed.png"))
    page.locator(".hemu-zoom").click()
    assert page.locator(".hemu-zoom").count() == 0
    page.close()
