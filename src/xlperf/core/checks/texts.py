"""The department's own texts the report carries over."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import Scorecard
from ..model import TEXT_FIELDS
from . import Hit, check


@check("W401", "text-missing", "“{label}”未填写，报告中这一部分将为空。",
       title="报告文字未填写",
       summary="自评报告要用的文字（部门概况、存在的主要问题等）留空，报告中这一部分就是空的。",
       example={"label": "存在的主要问题"}, example_at="问题与措施!B3")
def text_missing(card: Scorecard) -> Iterator[Hit]:
    for key in card.framework.checks.required_texts:
        if not card.year.texts.get(key, "").strip():
            yield Hit(card.year.where(f"texts.{key}"), {"label": TEXT_FIELDS[key]})


@check("W402", "department-missing", "单位名称未填写。",
       title="单位名称未填写",
       summary="单位名称用于报告标题和财政局的汇总表，不填就分不清是哪个单位的自评。",
       example={}, example_at="基本信息!B3")
def department_missing(card: Scorecard) -> Iterator[Hit]:
    if not card.year.department.strip():
        yield Hit(card.year.where("department"), {})


@check("W403", "data-outside-table", "这一行在表格范围之外，其中的内容不会被读取。请在表格的空行中填写（表格不够时在表格中间插入行）。",
       title="内容填在表格之外",
       summary="填在绩效目标、项目支出表格下方的行不在读取范围内，既不参与计分，也不写入报告。",
       example={}, example_at="绩效目标!B59:J59")
def data_outside_table(card: Scorecard) -> Iterator[Hit]:
    for location in card.year.outside_tables:
        yield Hit(location, {})
