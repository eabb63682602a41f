"""The workbook layout: sheet names, columns and the defined names every input is reached by.

Readers find inputs only through defined names (`XP_F_carryover` -> 收支情况!$C$12), so a clerk may
insert rows or move tables without breaking anything. docs/workbook-layout.md describes the same
contract for users; `LAYOUT_VERSION` changes when it changes incompatibly.
"""

from __future__ import annotations

from ..core import record

LAYOUT_VERSION = "xlperf-layout-2"
LAYOUT_NAME = "XP_LAYOUT"  # a defined name holding the version as a constant

INFO_SHEET = "基本信息"
FACTS_SHEET = "收支情况"
TARGETS_SHEET = "绩效目标"
SCORESHEET = "评分表"
PROJECTS_SHEET = "项目支出"
ISSUES_SHEET = "问题与措施"
SHEETS = (INFO_SHEET, FACTS_SHEET, TARGETS_SHEET, SCORESHEET, PROJECTS_SHEET, ISSUES_SHEET)

# Both editions open on 使用说明 and the macro workbook (.xlsm) ends with xlwings.conf; readers need neither
GUIDE_SHEET = "使用说明"  # first: which edition is for whom, what to install, what each sheet (and button) is for
CONFIG_SHEET = "xlwings.conf"  # last: xlwings reads its settings from a sheet of exactly this name
MACRO_SHEETS = (GUIDE_SHEET, *SHEETS, CONFIG_SHEET)

#: Which sheet each free text lives on (keys of core.model.TEXT_FIELDS).
TEXT_SHEETS = {
    "overview": INFO_SHEET, "goals": INFO_SHEET, "annual_work": INFO_SHEET, "key_tasks": INFO_SHEET,
    "performance_goals": INFO_SHEET, "budget_outcomes": INFO_SHEET, "management": INFO_SHEET,
    "conclusion": ISSUES_SHEET, "achievements": ISSUES_SHEET, "problems": ISSUES_SHEET, "measures": ISSUES_SHEET,
}
#: texts added to the layout after workbooks were made with it: a workbook without their cell reads them as
#: blank (so a clerk's workbook of an earlier xlperf still reads)
ADDED_TEXTS = frozenset({"budget_outcomes"})

DEPARTMENT = "XP_DEPARTMENT"
YEAR = "XP_YEAR"
FRAMEWORK = "XP_FRAMEWORK"
FRAMEWORK_DIGEST = "XP_FRAMEWORK_DIGEST"  # a constant: the fingerprint of the rules the workbook was made with
TARGETS = "XP_TARGETS"  # the data rows of the 绩效目标 table
PROJECTS = "XP_PROJECTS"  # the data rows of the 项目支出 table
TOTAL = "XP_TOTAL"
GRADE = "XP_GRADE"

# Ranges the UDF formulas take as arguments (whole columns of the 收支情况 and 评分表 tables)
FACT_KEYS = "XP_FACT_KEYS"  # 收支情况: the (hidden) 数据项编号 column
FACT_VALUES = "XP_FACT_VALUES"  # 收支情况: the 数值 column
CODES = "XP_CODES"  # 评分表: 指标代码
VALUES = "XP_VALUES"  # 评分表: 填报值
NAMES = "XP_NAMES"  # 评分表: 指标 (an editable name is read from here)
REASONS = "XP_REASONS"  # 评分表: 扣分原因／情况说明 (the optional last argument of PERF_CHECK)
SCORES = "XP_SCORES"  # 评分表: the 自评得分 | 扣分 | 评分说明 block the array formula fills
CATEGORY_SCORES = "XP_CATEGORY_SCORES"  # 评分表: 一级指标小计 scores


def text_name(key: str) -> str:
    return f"XP_T_{key}"


def fact_name(key: str) -> str:
    return f"XP_F_{key}"


def target_column_name(key: str) -> str:
    """One column of the 绩效目标 table (XP_TARGET_DIRECTION …), as the native formulas read it."""
    return f"XP_TARGET_{key.upper()}"


def indicator_name(code: str, part: str) -> str:
    """part: VALUE (填报值), REASON (扣分原因), NAME (指标名称), SCORE (自评得分)."""
    return f"XP_I_{code}_{part}"


@record
class Column:
    key: str
    header: str
    width: float


TARGET_COLUMNS = (
    Column("kind", "类别（产出/效益）", 12),
    Column("name", "指标名称", 30),
    Column("direction", "方向（≥/≤/=/定性）", 12),
    Column("target", "目标值", 12),
    Column("actual", "实际值", 12),
    Column("unit", "单位", 9),
    Column("weight", "权重（可空，空为等权）", 12),
    Column("result", "定性完成情况（达成/部分达成/未达成）", 16),
    Column("note", "说明", 34),
)

PROJECT_COLUMNS = (
    Column("name", "项目名称", 24),
    Column("budget", "预算数（万元）", 14),
    Column("actual", "决算数（万元）", 14),
    Column("outputs", "产出完成情况", 40),
    Column("benefits", "效益", 32),
    Column("satisfaction", "满意度", 28),
)

#: Widths (characters) chosen for print too: a sheet prints one A4 page wide, shrunk until its columns
#: fit, so their sum sets the printed type size (workbook/_print.py; 9 pt or more on landscape A4).
SCORE_COLUMNS = (
    Column("category", "一级指标", 9),
    Column("code", "指标代码", 6),
    Column("name", "指标", 18),
    Column("points", "分值", 7),
    Column("explanation", "指标解释", 20),
    Column("criteria", "评分标准", 27),
    Column("value", "填报值", 9),
    Column("score", "自评得分", 7),
    Column("deduction", "扣分", 6),
    Column("sentence", "评分说明（自动生成）", 25),
    Column("reason", "扣分原因／情况说明", 22),
)

#: Empty rows offered below the example's targets and projects, for the department to fill.
SPARE_TARGET_ROWS = 30
SPARE_PROJECT_ROWS = 10
