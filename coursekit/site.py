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

from helpers.notebook import bundled_font

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "site"
FONT_DIR = "fonts"

# 中文一律用随站点附带的 Noto Sans SC（SIL OFL 1.1，允许再分发），用 unicode-range 只管中文字符：
# 读者电脑上没有中文字体（如精简的 Linux）也不会出现方框；西文仍用系统字体。
FONT_CSS = """<style>
@font-face { font-family: "HemuCJK"; src: url("fonts/{font}") format("opentype"); font-display: block;
  unicode-range: U+2E80-2FDF, U+3000-303F, U+3100-312F, U+31C0-31EF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF; }
:root {
  --hemu-sans: "HemuCJK", system-ui, -apple-system, "Segoe UI", sans-serif;
  --hemu-mono: ui-monospace, Menlo, Consolas, "HemuCJK", monospace;
  --jp-content-font-family: var(--hemu-sans); --jp-ui-font-family: var(--hemu-sans); --jp-code-font-family: var(--hemu-mono);
}
body, h1, h2, h3, h4, h5, h6, table, th, td, li, p { font-family: var(--hemu-sans) !important; }
pre, code, .jp-InputArea-editor, .highlight { font-family: var(--hemu-mono) !important; }
</style>
"""


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


def render_notebook(path: Path, font_name: str) -> str:
    """用 nbconvert 把一个 notebook 转成 HTML（图像以 base64 内嵌），并接上站点附带的中文字体。"""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook_title(path)}})
    return body.replace("</head>", FONT_CSS.replace("{font}", font_name) + "</head>", 1)


def index_page(entries: list[tuple[str, str]], font_name: str) -> str:
    """站点首页：课程简介与章节目录。entries 是 (文件名, 标题) 列表。"""
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
  <footer>代码以 MIT 许可发布；教学文字与合成数据以 CC BY 4.0 许可发布。</footer>
</body>
</html>
"""


def build_site(notebooks_dir: Path = ROOT / "notebooks", out: Path = DEFAULT_OUT) -> list[Path]:
    """把 notebooks_dir 下的全部 notebook 转成 HTML 写到 out，并生成首页；返回写出的文件。"""
    sources = sorted(notebooks_dir.glob("ch*.ipynb"))
    if not sources:
        raise ValueError(f"在 {notebooks_dir} 里没有找到 chNN_*.ipynb，无法生成站点。")
    out.mkdir(parents=True, exist_ok=True)
    font = Path(bundled_font().path)
    (out / FONT_DIR).mkdir(exist_ok=True)
    shutil.copyfile(font, out / FONT_DIR / font.name)
    written, entries = [out / FONT_DIR / font.name], []
    for src in sources:
        target = out / f"{src.stem}.html"
        target.write_text(render_notebook(src, font.name), encoding="utf-8")
        written.append(target)
        entries.append((target.name, notebook_title(src)))
    index = out / "index.html"
    index.write_text(index_page(entries, font.name), encoding="utf-8")
    return [index, *written]


def main(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    try:
        files = build_site(out=out)
    except ValueError as exc:
        print(exc)
        return 1
    print(f"已生成 {len(files)} 个页面：{out / 'index.html'}（用浏览器直接打开即可）")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("site", help="把教学 notebook 转成可离线浏览的 HTML 站点")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="输出目录（默认 build/site）")
    p.set_defaults(func=main)
