"""How the inputs were read: cells hidden under merged cells, and values read tolerantly."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import Scorecard
from . import Hit, check, indicators_of, label_of


@check("E003", "merged-over-inputs",
       "{range} 是合并单元格，盖住了{what}，被盖住的单元格读不到内容。请取消合并（开始 > 合并后居中），把内容填回各自的单元格。",
       title="合并单元格盖住了填写内容",
       summary="合并单元格只保留左上角的内容，被盖住的单元格读出来是空的，其中的数据和用到它的指标就会漏算。",
       example={"range": "C6:C7", "what": "“基本支出决算数”"}, example_at="收支情况!C6:C7")
def merged_over_inputs(card: Scorecard) -> Iterator[Hit]:
    for where, keys in card.year.merged_inputs.items():
        codes = tuple(dict.fromkeys(code for key in keys for code in indicators_of(card, key)))
        yield Hit(where, {"range": where.cell, "what": "、".join(label_of(card, key) for key in keys)}, codes)


@check("I501", "number-read-tolerantly", "{what}填写的{note}。",
       title="数字按宽容方式读取",
       summary="全角数字、数字前后的空格、千位分隔符照常读取，不影响计分；提示原样和读取结果，建议改为直接填写数字。",
       example={"what": "“整体支出预算数”", "note": "“３３２.２１”按 332.21 读取（全角数字），建议直接填写 332.21"},
       example_at="收支情况!C4")
def number_read_tolerantly(card: Scorecard) -> Iterator[Hit]:
    for key, note in card.year.notices.items():
        yield Hit(card.year.where(key), {"what": label_of(card, key), "note": note}, indicators_of(card, key))
