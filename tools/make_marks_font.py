"""生成 ``coursekit/lab_static/HemuMarks.ttf``：练习反馈里四个符号 ✅ ❌ ⚠ ⏳ 的单色字形（维护者用）。

很多 Linux 实验室电脑和 Binder 没有彩色 emoji 字体，``check()`` 的 ✅/❌ 会显示成方框。这个只有四个字形、
约 1 KB 的字体由本脚本用 fontTools（已在锁文件里）画出来，JupyterLab 的 custom.css 和离线站点把它排在字体栈最后：
系统有 emoji 字体时浏览器用系统的，没有时才用它。字形是几何图形，由本项目绘制（MIT）。

    python tools/make_marks_font.py      # 重写字体文件；结果是确定的（tests/test_lab_and_work.py 检查）
"""

from __future__ import annotations

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.misc.timeTools import timestampFromString
from fontTools.pens.ttGlyphPen import TTGlyphPen

OUT = Path(__file__).resolve().parents[1] / "coursekit" / "lab_static" / "HemuMarks.ttf"
UPM, ADVANCE = 1000, 1000
# 字符 → 字形名
MARKS = {0x2705: "check", 0x274C: "cross", 0x26A0: "warn", 0x23F3: "hourglass"}


def _poly(pen: TTGlyphPen, points: list[tuple[int, int]], hole: bool = False) -> None:
    """画一个闭合多边形。TrueType 里外轮廓顺时针、镂空的洞逆时针，这里按面积的正负自动调整方向。"""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))
    clockwise = area < 0
    if clockwise == hole:
        points = points[::-1]
    pen.moveTo(points[0])
    for p in points[1:]:
        pen.lineTo(p)
    pen.closePath()


def _check(pen: TTGlyphPen) -> None:
    """实心方块里挖出一个对勾（外框顺时针，对勾逆时针 = 镂空）。"""
    _poly(pen, [(60, -60), (60, 740), (860, 740), (860, -60)])
    _poly(pen, [(210, 360), (400, 150), (720, 560), (640, 630), (400, 330), (290, 440)], hole=True)


def _cross(pen: TTGlyphPen) -> None:
    """粗的 ×：两条交叉的斜杠。"""
    _poly(
        pen,
        [
            (120, -40),
            (40, 40),
            (380, 340),
            (40, 640),
            (120, 720),
            (460, 420),
            (800, 720),
            (880, 640),
            (540, 340),
            (880, 40),
            (800, -40),
            (460, 260),
        ],
    )


def _warn(pen: TTGlyphPen) -> None:
    """三角形里挖出感叹号。"""
    _poly(pen, [(460, 760), (900, -40), (20, -40)])
    _poly(pen, [(420, 520), (500, 520), (485, 200), (435, 200)], hole=True)
    _poly(pen, [(420, 140), (500, 140), (500, 60), (420, 60)], hole=True)


def _hourglass(pen: TTGlyphPen) -> None:
    """沙漏：上下两个三角形在中间相接。"""
    _poly(pen, [(140, 740), (780, 740), (500, 360), (780, -40), (140, -40), (420, 360)])


DRAW = {"check": _check, "cross": _cross, "warn": _warn, "hourglass": _hourglass}


def build() -> bytes:
    """画出字体，返回 TTF 的字节（同样的代码 → 同样的字节）。"""
    names = [".notdef", "space", *DRAW]
    fb = FontBuilder(UPM, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({0x20: "space", **MARKS})
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if name in DRAW:
            DRAW[name](pen)
        glyphs[name] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({name: (ADVANCE, 40) for name in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "HemuMarks", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    stamp = timestampFromString("Thu Jan  1 00:00:00 2026")  # 固定时间戳，字节才确定
    fb.setupHead(unitsPerEm=UPM, created=stamp, modified=stamp)
    from io import BytesIO

    buf = BytesIO()
    fb.save(buf)
    return buf.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"已写出 {OUT}（{OUT.stat().st_size} 字节）")
