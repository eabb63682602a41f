"""How the inputs were read: cells hidden under merged cells, and values read tolerantly."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine import Scorecard
from . import Hit, check, indicators_of, label_of


@check("E003", "merged-over-inputs",
       "{range} 是合并单元格，盖住了{what}，被盖住的单元格读不到内容。请取消合并（开始 > 合并后居中），把内容填回各自的单元格。")
def merged_over_inputs(card: Scorecard) -> Iterator[Hit]:
    for where, keys in card.year.merged_inputs.items():
        codes = tuple(dict.fromkeys(code for key in keys for code in indicators_of(card, key)))
        yield Hit(where, {"range": where.cell, "what": "、".join(label_of(card, key) for key in keys)}, codes)


@check("I501", "number-read-tolerantly", "{what}填写的{note}。")
def number_read_tolerantly(card: Scorecard) -> Iterator[Hit]:
    for key, note in card.year.notices.items():
        yield Hit(card.year.where(key), {"what": label_of(card, key), "note": note}, indicators_of(card, key))
