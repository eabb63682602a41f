"""The department's own texts the report carries over."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import Scorecard
from ..model import TEXT_FIELDS
from . import Hit, check


@check("W401", "text-missing", "“{label}”未填写，报告中这一部分将为空。")
def text_missing(card: Scorecard) -> Iterator[Hit]:
    for key in card.framework.checks.required_texts:
        if not card.year.texts.get(key, "").strip():
            yield Hit(card.year.where(f"texts.{key}"), {"label": TEXT_FIELDS[key]})


@check("W402", "department-missing", "单位名称未填写。")
def department_missing(card: Scorecard) -> Iterator[Hit]:
    if not card.year.department.strip():
        yield Hit(card.year.where("department"), {})


@check("W403", "data-outside-table", "这一行在表格范围之外，其中的内容不会被读取。请在表格的空行中填写（表格不够时在表格中间插入行）。")
def data_outside_table(card: Scorecard) -> Iterator[Hit]:
    for location in card.year.outside_tables:
        yield Hit(location, {})
