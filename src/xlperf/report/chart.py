"""The report's chart: each 一级指标's score as a share of its 分值, as a horizontal bar chart.

    png = category_chart_png(card, "得分率.png")      # or a BytesIO; returns None without a CJK font

The chart needs a font with Chinese glyphs. When the machine has none of CJK_FONTS, the function
returns None and writes nothing: the caller leaves the chart out of the report and tells the user
NO_CJK_FONT_NOTICE. A chart of empty boxes ("tofu") is never drawn.

matplotlib is imported only inside the functions: `import xlperf` and `xlperf --help` stay light.
The figure is drawn with the Agg canvas directly (no pyplot, no display, no global state), at a fixed
size and resolution and without the "Software" PNG tag, so the same scorecard gives the same bytes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .._files import atomic_write
from ..core import format_number

if TYPE_CHECKING:
    from ..core.engine import Scorecard

__all__ = ["CJK_FONTS", "NO_CJK_FONT_NOTICE", "TITLE", "category_chart_png", "cjk_font"]

TITLE = "各一级指标得分率"

# Tried in this order; the first one installed that has every character of the chart wins.
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", "SimSun",
    "WenQuanYi Zen Hei",
    # matplotlib < 3.11 (all that Python 3.10 gets) sees only the first face of a .ttc collection, which
    # for Debian's fonts-noto-cjk is the Japanese one: the same characters, a few with Japanese shapes.
    "Noto Sans CJK JP", "Noto Serif CJK JP",
)

NO_CJK_FONT_NOTICE = ("未找到可显示中文的字体（如 Noto Sans CJK SC、微软雅黑、黑体），报告中省略了“各一级指标得分率”图表。"
                      "安装中文字体后重新生成报告即可加入图表")

WIDTH_CM = 15.0  # the body width of an A4 page with the report's 2.8 + 2.6 cm side margins is 15.6 cm
DPI = 200
BAR_COLOUR = "#3D5A80"  # slate blue: prints well in colour and in grey
TRACK_COLOUR = "#E6E8EB"  # the unreached part of each bar, up to 100 %
TEXT_COLOUR = "#262626"
GRID_COLOUR = "#B8BDC4"
MUTED_COLOUR = "#6B6F76"
TITLE_SIZE, NAME_SIZE, LABEL_SIZE, TICK_SIZE = 12, 10.5, 10, 9  # points: 五号 (10.5 pt) for the names
LABEL_HEADER = "得分/分值"


def _font_covers(path: Any, text: str) -> bool:
    from matplotlib import font_manager

    font = font_manager.get_font(path)
    return all(font.get_char_index(ord(ch)) for ch in set(text) if not ch.isspace())


# Where CJK fonts live when fontconfig cannot be asked (Windows, macOS, a minimal Linux): checked in order.
KNOWN_CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/simhei.ttf", "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc", "/Library/Fonts/Arial Unicode.ttf",
)


def _installed_names() -> set[str]:
    from matplotlib import font_manager

    return {entry.name for entry in font_manager.fontManager.ttflist}


def _cjk_font_files() -> list[str]:
    """Font files on this machine that cover Chinese: fontconfig's answer first, then known paths."""
    import shutil
    import subprocess

    files: list[str] = []
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listing = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10,
                                     check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        # "/path/NotoSansCJK-Regular.ttc: " once per face
        files += sorted({line.split(":")[0].strip() for line in listing.splitlines() if line.strip()})
    files += [path for path in KNOWN_CJK_FONT_FILES if path not in files and Path(path).is_file()]
    return files


def _register_cjk_fonts() -> None:
    """Add CJK fonts that are on disk but missing from matplotlib's font cache.

    matplotlib builds its cache (fontlist-*.json) once and never looks again: a font installed after the
    first run (fonts-noto-cjk after `xlperf demo`, a font copied into C:\\Windows\\Fonts) stays invisible.
    Registering the files found by fontconfig or at their known places makes them usable in this process.
    """
    from matplotlib import font_manager

    # no test of whether a file is already listed: a .ttc collection may be listed under one face (say a
    # Mono one) and lack the face the chart needs; adding a face twice does no harm
    for path in _cjk_font_files():
        try:  # every file, bold ones too: the chart's title is bold, and a missing weight is warned about
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font matplotlib understands
            continue


def cjk_font(text: str = TITLE) -> str | None:
    """The first of CJK_FONTS that is installed and has a glyph for every character of `text`, or None.

    Fonts missing from matplotlib's cache but present on disk are registered first (see _register_cjk_fonts).
    """
    from matplotlib import font_manager

    installed = _installed_names()
    if not set(CJK_FONTS) & installed:
        _register_cjk_fonts()
        installed = _installed_names()
    for name in CJK_FONTS:
        if name not in installed:
            continue
        path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        if _font_covers(path, text):
            return name
    return None


def _rows(card: Scorecard) -> list[tuple[str, float, str]]:
    """(一级指标, share 0–1, "得分/分值") per category, in the framework's order."""
    rows = []
    for category in card.categories:
        if category.points:
            share = min(max(category.share, Decimal(0)), Decimal(1))
            label = f"{format_number(category.score)}/{format_number(category.points)}"
            if any(r.score is None for r in card.results if r.indicator.category == category.name):
                label += " 待补"  # an indicator not yet scorable counts 0 here, as in the subtotal
        else:  # every indicator of the category dropped as 不适用 under the "rescale" policy
            share, label = Decimal(0), "不计分"
        rows.append((category.name, float(share), label))
    return rows


def category_chart_png(card: Scorecard,
                       path_or_buffer: str | Path | IO[bytes]) -> str | Path | IO[bytes] | None:
    """Draw the 得分率 chart of `card` as a PNG into a file path (written atomically) or a binary buffer.

    Returns `path_or_buffer`, or None (and writes nothing) when no installed font can show the chart's
    Chinese text: then leave the chart out and show NO_CJK_FONT_NOTICE. Indicators that cannot be
    scored yet count 0, as in the 评分表's subtotals, and their category's label says "待补".
    """
    rows = _rows(card)
    font = cjk_font(TITLE + LABEL_HEADER + "".join(name + label for name, _, label in rows) + "0123456789%./")
    if font is None:
        return None

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import FixedLocator, PercentFormatter

    names, labels = [name for name, _, _ in rows], [label for _, _, label in rows]
    width, height = WIDTH_CM / 2.54, 0.85 + 0.32 * len(rows)
    with matplotlib.rc_context({"font.family": [font], "axes.unicode_minus": False, "text.color": TEXT_COLOUR,
                                "xtick.color": TEXT_COLOUR, "ytick.color": TEXT_COLOUR}):
        fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
        canvas = FigureCanvasAgg(fig)
        # a fixed layout from the measured text (faster than a layout engine, and the same every time)
        renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]

        def text_width(texts: list[str], size: float) -> float:  # inches
            prop = FontProperties(family=font, size=size)
            widths = [renderer.get_text_width_height_descent(t, prop, ismath=False)[0] for t in texts]
            return float(max(widths)) / DPI

        left = (4 + 6) / 72 + text_width(names, NAME_SIZE)
        right = (6 + 6) / 72 + text_width(labels + [LABEL_HEADER], LABEL_SIZE)
        top, bottom = (TITLE_SIZE * 1.3 + 8 + LABEL_SIZE * 1.3 + 2) / 72, (TICK_SIZE * 1.3 + 4 + 3) / 72
        ax = fig.add_axes((left / width, bottom / height,
                           1 - (left + right) / width, 1 - (top + bottom) / height))
        positions = range(len(rows))
        ax.barh(positions, [1.0] * len(rows), height=0.55, color=TRACK_COLOUR, zorder=1)
        ax.barh(positions, [share for _, share, _ in rows], height=0.55, color=BAR_COLOUR, zorder=2)
        for y, label in zip(positions, labels):
            ax.annotate(label, (1.0, y), xytext=(6, 0), textcoords="offset points", ha="left", va="center",
                        fontsize=LABEL_SIZE, annotation_clip=False)
        ax.annotate(LABEL_HEADER, (1.0, -0.55), xytext=(6, 2), textcoords="offset points", ha="left",
                    va="bottom", fontsize=LABEL_SIZE, color=MUTED_COLOUR, annotation_clip=False)
        ax.set_yticks(list(positions), names, fontsize=NAME_SIZE)
        ax.set_ylim(len(rows) - 0.45, -0.55)  # first category on top
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.tick_params(axis="y", length=0, pad=6)
        ax.tick_params(axis="x", length=0, labelsize=TICK_SIZE, pad=4)
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.6, linestyle=(0, (2, 2)), zorder=0)
        ax.set_axisbelow(True)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.text(0.5, 1 - 4 / 72 / height, TITLE, ha="center", va="top", fontsize=TITLE_SIZE,
                 fontweight="bold")

        def save(target: Any) -> None:
            # no "Software" tag (it names the matplotlib version): the same scorecard gives the same bytes
            fig.savefig(target, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})

        if isinstance(path_or_buffer, (str, Path)):
            atomic_write(Path(path_or_buffer), save, suffixes=(".png",))
        else:
            save(path_or_buffer)
    return path_or_buffer
