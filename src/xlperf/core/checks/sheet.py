"""The workbook against itself: the scores its 评分表 shows against the scores the rules give.

xlperf never scores from the score cells; a difference means the sheet a reader sees is not what the rules
give: a formula overwritten by a typed number, a file saved before it was recalculated, or a workbook filled
where nothing calculates its scores (WPS, Excel without Python). The bureau's batch lists such departments
under 风险提示 too (R04, core/review.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .._rounding import excel_round, format_number
from ..engine import UNSCORED_CELL, Scorecard
from ..model import Shown
from . import Hit, check


def shown_text(shown: Shown) -> str:
    """What a score cell shows, as a sentence names it: " 1 分" (a space before a number), "“#NAME?”", "空白"."""
    if shown is None:
        return "空白"
    return f" {format_number(shown)} 分" if isinstance(shown, Decimal) else f"“{str(shown)[:40]}”"


def differs(shown: Shown, score: Decimal | None, digits: int) -> bool:
    """Does a score cell disagree with the engine? A number is compared at the 评分表's decimals; a text
    (an error value, a worksheet function's message) disagrees only with a score the rules do give."""
    if isinstance(shown, Decimal):
        return score is None or excel_round(shown, digits) != excel_round(score, digits)
    return score is not None  # blank, or a text, where the rules give a score


def sheet_differences(card: Scorecard) -> list[tuple[str, Shown, Decimal | None]]:
    """(code or "total", what the sheet shows, what the rules give) wherever they disagree."""
    sheet = card.year.sheet
    if sheet is None:
        return []
    digits = card.framework.scoring.score_digits
    found = [(r.code, sheet.scores.get(r.code), r.score) for r in card.results
             if r.code in sheet.scores and differs(sheet.scores.get(r.code), r.score, digits)]
    total = card.total if card.complete else None
    if "total" in sheet.places and differs(sheet.total, total, digits):
        found.append(("total", sheet.total, total))
    return found


@check("W601", "sheet-score-differs",
       "评分表上{what}显示{shown}，按评分规则应为{score}。{why}请以 xlperf 计算的得分为准：核对后在 Excel 中重新计算"
       "（或重新生成工作簿），不要手工改写得分。",
       title="评分表得分与规则不符",
       summary="评分表的得分单元格显示的数与按规则计算的不同：公式被改成了手填的数，或文件保存前没有重新计算。"
               "报告和汇总都按规则重新计算，但打印出的评分表会与报告不一致。",
       example={"what": "“采购政策效能”", "shown": " 1 分", "score": " 0.65 分",
                "why": "得分单元格可能被改成了手填的数字，或文件保存时尚未重新计算。"},
       example_at="评分表!H19")
def sheet_score_differs(card: Scorecard) -> Iterator[Hit]:
    sheet = card.year.sheet
    differences = sheet_differences(card)
    if sheet is None or not differences:
        return
    if sheet.empty:  # nothing calculated at all: one finding, not one per row
        total = card.total_text if card.complete else "（尚不能计算）"
        yield Hit(sheet.places.get("total"), {
            "what": "", "shown": "不出任何得分", "score": f"总分 {total}",
            "why": "工作簿是在不能计算得分的环境中填写的（如 WPS 或未启用 Python 的 Excel）。"}, ())
        return
    for code, shown, score in differences:
        is_total = code == "total"
        yield Hit(sheet.places.get(code), {
            "what": "总分" if is_total else f"“{card.result(code).name}”",
            "shown": shown_text(shown),
            "score": " " + (f"{format_number(score)} 分" if score is not None else "无法计分"),
            "why": _why(shown, score, is_total)},
            () if is_total else (code,))


def _why(shown: Shown, score: Decimal | None, is_total: bool) -> str:
    if shown == UNSCORED_CELL and score is not None:
        # the .xlsx edition's formula refused an input the reader takes by tolerance
        return ("公式版的公式只按规范填写的内容计分：直接填写的数字（不带单位、百分号、空格，不是文字格式或日期）、"
                "下拉列表中的选项、≥ ≤ = 定性等方向。请把本指标用到的单元格改为规范填写，表中即显示得分。")
    if is_total and isinstance(shown, str) and shown.startswith("有 ") and score is not None:
        return "有指标的得分单元格显示“无法计分”（见上）。"
    return "得分单元格可能被改成了手填的数字，或文件保存时尚未重新计算。"
