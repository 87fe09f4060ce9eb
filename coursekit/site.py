"""``python -m helpers site``：把教学 notebook（含已存储的图表）转成一个可离线浏览的 HTML 小站。

给自学读者用：不装 Python 也能在浏览器里读完每一章，图表都已画好。
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

from helpers.notebook import bundled_font

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent / "site_template"  # hemu：lab 模板去掉 CDN 脚本
DEFAULT_OUT = ROOT / "build" / "site"
FONT_DIR = "fonts"

# ✅ ❌ ⚠ ⏳ 在没有彩色 emoji 字体的电脑上用课程自己画的单色字形（tools/make_marks_font.py）。
MARKS_FONT = Path(__file__).resolve().parent / "lab_static" / "HemuMarks.ttf"
# 中文一律用随站点附带的 Noto Sans SC（SIL OFL 1.1，允许再分发），用 unicode-range 只管中文字符：
# 读者电脑上没有中文字体（如精简的 Linux）也不会出现方框；西文仍用系统字体。
FONT_CSS = """<style>
@font-face { font-family: "HemuCJK"; src: url("fonts/{font}") format("opentype"); font-display: block;
  unicode-range: U+2E80-2FDF, U+3000-303F, U+3100-312F, U+31C0-31EF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF; }
@font-face { font-family: "HemuMarks"; src: url("fonts/HemuMarks.ttf") format("truetype");
  unicode-range: U+23F3, U+26A0, U+2705, U+274C; }
:root {
  --hemu-emoji: "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", "HemuMarks";
  --hemu-sans: "HemuCJK", system-ui, -apple-system, "Segoe UI", var(--hemu-emoji), sans-serif;
  --hemu-mono: ui-monospace, Menlo, Consolas, "HemuCJK", var(--hemu-emoji), monospace;
  --jp-content-font-family: var(--hemu-sans); --jp-ui-font-family: var(--hemu-sans); --jp-code-font-family: var(--hemu-mono);
}
body, h1, h2, h3, h4, h5, h6, table, th, td, li, p { font-family: var(--hemu-sans) !important; }
pre, code, .jp-InputArea-editor, .highlight { font-family: var(--hemu-mono) !important; }
</style>
"""


# 页面自带的样式与一小段脚本（都内嵌，不联网）：上一章/目录/下一章导航；手机上点一下图表放大、可左右拖动
PAGE_CSS = """<style>
.hemu-nav { display: flex; justify-content: space-between; gap: 1rem; max-width: 1200px; margin: .8rem auto;
  padding: .5rem 1rem; font-size: .95rem; border-bottom: 1px solid #ddd; }
.hemu-nav a { color: #1f5fa8; text-decoration: none; }
.hemu-nav span.off { color: #bbb; }
.jp-OutputArea-output img { max-width: 100%; height: auto; cursor: zoom-in; }
.hemu-zoom { position: fixed; inset: 0; z-index: 1000; background: #fff; overflow: auto; cursor: zoom-out; }
.hemu-zoom img { width: max(100%, 900px); max-width: none; }
</style>
<script>
document.addEventListener("click", function (e) {
  var img = e.target.closest(".jp-OutputArea-output img");
  var open = document.querySelector(".hemu-zoom");
  if (open) { open.remove(); return; }
  if (!img) return;
  var box = document.createElement("div"); box.className = "hemu-zoom"; box.title = "点一下关闭";
  box.appendChild(img.cloneNode()); document.body.appendChild(box);
});
</script>
"""

_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", flags=re.S)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", flags=re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\$)")


def render_math(markdown: str) -> str:
    """把 Markdown 里的 ``$…$`` / ``$$…$$`` 公式换成 MathML（浏览器原生显示，不需要 MathJax），代码里的不动。

    示例::

        >>> html = render_math("标准化：$z = x / s$，代码 `a$b$c` 不变")
        >>> html.count("<math"), "`a$b$c`" in html
        (1, True)
    """
    from latex2mathml.converter import convert

    def inline(m: re.Match) -> str:
        return convert(m.group(1), display="inline")

    def block(m: re.Match) -> str:
        return convert(m.group(1).strip(), display="block")

    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # 偶数位是代码以外的正文
        parts[i] = _INLINE_MATH.sub(inline, _DISPLAY_MATH.sub(block, parts[i]))
    return "".join(parts)


def nav_bar(prev: tuple[str, str] | None, nxt: tuple[str, str] | None) -> str:
    """章节页顶部和底部的导航：上一章、目录（含课程地图）、下一章。参数是 (文件名, 标题) 或 None。

    示例::

        >>> bar = nav_bar(None, ("ch01_overview.html", "第1章"))
        >>> 'href="index.html"' in bar, 'href="ch01_overview.html"' in bar
        (True, True)
    """

    def link(item: tuple[str, str] | None, label: str) -> str:
        if item is None:
            return f'<span class="off">{label}</span>'
        href, title = item
        return f'<a href="{html.escape(href)}">{label}：{html.escape(title)}</a>'

    return f'<nav class="hemu-nav">{link(prev, "← 上一章")}<a href="index.html">目录与课程地图</a>{link(nxt, "下一章 →")}</nav>'


def notebook_title(path: Path) -> str:
    """notebook 的标题：第一个 Markdown 单元里的一级标题；没有时用文件名。"""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"无法读取 notebook {path}：{exc}") from exc
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = "".join(cell.get("source", ""))
            m = re.search(r"^#\s+(.+)$", src, flags=re.M)
            if m:
                return m.group(1).strip()
    return path.stem


def render_notebook(path: Path, font_name: str, nav: str = "") -> str:
    """用 nbconvert 把一个 notebook 转成 HTML（图像以 base64 内嵌、公式转成 MathML、不引用任何外部脚本），
    并接上站点附带的中文字体和导航。"""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = render_math(cell.source)
    exporter = HTMLExporter(template_name="hemu", extra_template_basedirs=[str(TEMPLATE_DIR)])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook_title(path)}})
    body = body.replace("</head>", FONT_CSS.replace("{font}", font_name) + PAGE_CSS + "</head>", 1)
    if nav:
        body = body.replace("<main>", nav + "\n<main>", 1).replace("</main>", "</main>\n" + nav, 1)
    return body


def course_map_href(page: str, text: str) -> str | None:
    """在一页 HTML 里找标题含“课程地图”的锚点，返回 ``页面#锚点``；没有时返回 None。"""
    for anchor in re.findall(r'<h[1-4] id="([^"]+)"', text):
        if "课程地图" in unquote(anchor):
            return f"{page}#{anchor}"
    return None


def index_page(entries: list[tuple[str, str]], font_name: str, map_href: str | None = None) -> str:
    """站点首页：课程简介、章节目录，以及课程地图（在第 0 章里）的链接。entries 是 (文件名, 标题) 列表。"""
    course_map = (
        f'  <p>每章的问题在后面哪一章深入、各章之间怎么衔接，见<a href="{html.escape(map_href)}">课程地图</a>。</p>\n'
        if map_href
        else ""
    )
    items = "\n".join(
        f'      <li><a href="{html.escape(href)}">{html.escape(title)}</a></li>' for href, title in entries
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>禾木优选 · 电商数据分析与挖掘</title>
  {FONT_CSS.replace("{font}", font_name)}
  <style>
    body {{ max-width: 46rem;
           margin: 3rem auto; padding: 0 1rem; line-height: 1.7; color: #222; }}
    h1 {{ font-size: 1.8rem; margin-bottom: .3rem; }}
    .sub {{ color: #666; margin-top: 0; }}
    li {{ margin: .4rem 0; }}
    a {{ color: #1f5fa8; text-decoration: none; }}
    a:hover {{ text-decoration: underline; }}
    footer {{ margin-top: 3rem; color: #888; font-size: .9rem; }}
  </style>
</head>
<body>
  <h1>禾木优选 · 电商数据分析与挖掘</h1>
  <p class="sub">一套离线的 Jupyter 课程：用一家虚构网店两年的数据，学习电商数据分析与挖掘。</p>
  <p>下面每一章都是已经运行好的 notebook，图表和输出都在页面里。想自己动手运行，请下载课程仓库，
     在根目录执行 <code>make lab</code>（Windows：<code>python bootstrap.py lab</code>）。</p>
  <h2>章节</h2>
  <ol start="0">
{items}
  </ol>
{course_map}  <footer>代码以 MIT 许可发布；教学文字与合成数据以 CC BY 4.0 许可发布。</footer>
</body>
</html>
"""


def build_site(notebooks_dir: Path = ROOT / "notebooks", out: Path = DEFAULT_OUT) -> list[Path]:
    """把 notebooks_dir 下的全部 notebook 转成 HTML 写到 out，并生成首页；返回写出的页面（不含字体文件）。"""
    sources = sorted(notebooks_dir.glob("ch*.ipynb"))
    if not sources:
        raise ValueError(f"在 {notebooks_dir} 里没有找到 chNN_*.ipynb，无法生成站点。")
    out.mkdir(parents=True, exist_ok=True)
    font = Path(bundled_font().path)
    (out / FONT_DIR).mkdir(exist_ok=True)
    shutil.copyfile(font, out / FONT_DIR / font.name)
    shutil.copyfile(MARKS_FONT, out / FONT_DIR / MARKS_FONT.name)
    entries = [(f"{src.stem}.html", notebook_title(src)) for src in sources]
    pages, map_href = [], None
    for i, src in enumerate(sources):
        prev = entries[i - 1] if i > 0 else None
        nxt = entries[i + 1] if i + 1 < len(entries) else None
        target = out / entries[i][0]
        text = render_notebook(src, font.name, nav_bar(prev, nxt))
        target.write_text(text, encoding="utf-8")
        pages.append(target)
        map_href = map_href or course_map_href(target.name, text)
    index = out / "index.html"
    index.write_text(index_page(entries, font.name, map_href), encoding="utf-8")
    return [index, *pages]


def main(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    try:
        files = build_site(out=out)
    except ValueError as exc:
        print(exc)
        return 1
    print(
        f"已生成 {len(files)} 个页面（首页 + {len(files) - 1} 章）：{out / 'index.html'}（用浏览器直接打开即可，不需要联网）"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("site", help="把教学 notebook 转成可离线浏览的 HTML 站点")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="输出目录（默认 build/site）")
    p.set_defaults(func=main)
