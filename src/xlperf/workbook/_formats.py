"""What the sheets of both workbooks share: the cell formats, the title, text cells and row heights.

A module of its own so that the macro workbook's extra sheets (_macro_sheets) and the main build
(build) both use it without importing each other.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..core.frameworks import Fact, Framework


class Formats:
    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.title_fit = wb.add_format({**base, "bold": True, "font_size": 16, "shrink": True})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                                     "align": "center"})
        self.label = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.group = wb.add_format({**base, "bold": True, "bg_color": "#EDEDED", "border": 1})
        self.note = wb.add_format({**base, "font_color": "#595959", "text_wrap": True, "border": 1})
        self.fixed = wb.add_format({**base, "border": 1, "text_wrap": True, "bg_color": "#F2F2F2"})
        self.fixed_num = wb.add_format({**base, "border": 1, "bg_color": "#F2F2F2", "num_format": "0.00"})
        inp = {**base, "border": 1, "bg_color": "#FFF2CC", "locked": False}
        self.input_text = wb.add_format({**inp, "text_wrap": True, "valign": "top"})
        self.input_short = wb.add_format({**inp, "text_wrap": True})
        self.input_amount = wb.add_format({**inp, "num_format": "#,##0.00"})
        self.input_count = wb.add_format({**inp, "num_format": "0"})
        self.input_number = wb.add_format({**inp, "num_format": "General"})
        self.output = wb.add_format({**base, "border": 1, "bg_color": "#E2EFDA", "num_format": "0.00", "bold": True})
        self.output_text = wb.add_format({**base, "border": 1, "bg_color": "#E2EFDA", "text_wrap": True})
        self.warning = wb.add_format({**base, "font_color": "#C00000", "bold": True, "text_wrap": True})

    def for_fact(self, fact: Fact) -> Any:
        if fact.unit in ("万元", "元"):
            return self.input_amount
        return self.input_count if fact.digits == 0 else self.input_number


def title(fw: Framework) -> str:
    """The workbook's title, as in 基本信息!A1 and the page headers."""
    return f"{fw.locality}{fw.year}年度部门整体支出绩效自评"


def text(ws: Worksheet, row: int, col: int, value: str, cell_format: Any) -> None:
    ws.write_string(row, col, value, cell_format)


def height(texts: list[tuple[str, float]], minimum: float = 20) -> float:
    """A row height (points) that shows every (text, column width) without cutting it off."""
    from .._table import width

    lines = 1
    for content, chars in texts:
        per_line = max(int(chars * 0.95), 4)
        lines = max(lines, sum(max(1, -(-width(part) // per_line)) for part in content.split("\n")))
    # 16 pt a line: 宋体 11 pt needs 14.5, the CJK fonts WPS and LibreOffice use in its place (Noto/思源) 16
    return min(max(minimum, lines * 16 + 4), 409)  # 409 pt is Excel's largest row height


#: The widths of the 基本信息 and 问题与措施 sheets: headings, then the texts (one portrait A4 page wide
#: at full size)
HEADING_WIDTH, TEXT_WIDTH = 22, 78
