"""How the workbook's sheets print: A4, one page wide, repeated table headers, page numbers, and page
breaks that keep the 评分表's groups (and its totals) together.

Excel and LibreOffice shrink a sheet printed "1 page wide" until its columns fit, so the printed type
size is the font size times (printable width / width of the columns). The column widths in layout.py
are chosen to keep that at 9 pt or more; `fit_scale` computes it the way Excel does, from the widths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

from ..core.frameworks import PrintRules

A4 = 9  # Excel's paper size code
A4_WIDTH, A4_HEIGHT = 595.3, 841.9  # points
#: the papers a framework may ask for ([print] paper): Excel's code, width and height in points
PAPERS = {"A4": (A4, A4_WIDTH, A4_HEIGHT), "A3": (8, 841.9, 1190.6)}
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.75}  # inches
HEADER_MARGIN = FOOTER_MARGIN = 0.3  # inches: where the page header and footer sit
FONT_SIZE = 11  # points: the size of the sheets' text (build._Formats)
#: The width of one character unit of an Excel column in pixels: the widest digit of the workbook's
#: default font (Calibri 11), and the padding Excel adds to every column (XlsxWriter writes widths so)
CHAR_PIXELS, PADDING_PIXELS = 7, 5
#: Pages are filled to this share of their estimated height: the printer's own rounding of widths can
#: make Excel's scale a little larger than estimated, and a row pushed past a manual break would be
#: printed alone on a page of its own
FILL = 0.92


def page_setup(ws: Worksheet, rules: PrintRules, *, repeat_row: int | None = None, title: str = "",
               landscape: bool | None = None) -> None:
    """The framework's paper (A4), as wide as one page and as long as needed, landscape for the sheets
    the framework names (or as `landscape` says), `repeat_row` printed atop every page, the workbook's
    title and the sheet name in the page header, the framework's footer (第 N 页，共 M 页)."""
    ws.set_paper(PAPERS[rules.paper][0])
    if landscape is None:
        landscape = ws.name in rules.landscape
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS)
    ws.center_horizontally()
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    ws.set_header(f"&L{_escape(title)}&R&A" if title else "&R&A", {"margin": HEADER_MARGIN})
    ws.set_footer(rules.footer, {"margin": FOOTER_MARGIN})


def _escape(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a code in a header


def column_points(width: float) -> float:
    """The width in points of a column `width` characters wide (as Excel draws it)."""
    return (int(width * CHAR_PIXELS + 0.5) + PADDING_PIXELS) * 0.75


def printable_width(landscape: bool, paper: str = "A4") -> float:
    _, width, height = PAPERS[paper]
    return (height if landscape else width) - (MARGINS["left"] + MARGINS["right"]) * 72


def printable_height(landscape: bool, paper: str = "A4") -> float:
    _, width, height = PAPERS[paper]
    return (width if landscape else height) - (MARGINS["top"] + MARGINS["bottom"]) * 72


def fit_scale(widths: Sequence[float], landscape: bool, paper: str = "A4") -> float:
    """The scale Excel prints columns of these widths at, fitted to one page wide: a whole percent,
    never above 100 %."""
    natural = sum(column_points(w) for w in widths)
    return min(100, math.floor(100 * printable_width(landscape, paper) / natural)) / 100


def page_breaks(heights: dict[int, float], groups: Sequence[Sequence[Sequence[int]]], *, first_page: float,
                page: float) -> list[int]:
    """The rows a new page starts at, so that each group prints on one page when it fits on one.

    `groups` are lists of atoms, atoms lists of rows (consecutive, in order); an atom is never split
    from its rows, a group only when it is longer than a page. `first_page` and `page` are the heights
    (points, unscaled) the rows of the first and of the following pages have room for."""
    breaks: list[int] = []
    room, empty = first_page, True

    def new_page(row: int) -> None:
        nonlocal room, empty
        breaks.append(row)
        room, empty = page, True

    for group in groups:
        size = sum(heights[r] for atom in group for r in atom)
        if size > room and not empty and size <= page:
            new_page(group[0][0])
        for atom in group:
            size = sum(heights[r] for r in atom)
            if size > room and not empty:
                new_page(atom[0])
            room -= size
            empty = False
    return breaks
