"""Folding text in the terminal's tables as Chinese is typeset: no line starts with a closing mark or ends
with an opening one, and no line is wider than its column."""

from __future__ import annotations

import pytest

from xlperf._table import _CLOSING, _OPENING, width, wrap

MESSAGE = ("“部门整体绩效目标产出指标完成情况”无法计分：“绩效目标”表中没有“产出”类目标，无法计算完成情况。"
           "请至少填写一项产出指标（见 绩效目标!B5:J5）。")


@pytest.mark.parametrize("limit", range(12, 61))
def test_no_closing_mark_starts_a_line_and_every_line_fits(limit: int) -> None:
    lines = wrap(MESSAGE, limit)
    assert "".join(lines).replace(" ", "") == MESSAGE.replace(" ", "")  # nothing lost or doubled
    assert all(width(line) <= limit for line in lines)
    assert not [line for line in lines[1:] if line[:1] in _CLOSING]
    assert not [line for line in lines[:-1] if line[-1:] in _OPENING]


def test_numbers_and_latin_words_stay_whole() -> None:
    assert wrap("执行率 89.9996% 低于 90%", 9) == ["执行率", "89.9996%", "低于 90%"]
