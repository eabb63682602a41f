"""The 评分表's UDF arguments as Excel passes them (with ndim=2: a list of rows)."""

from __future__ import annotations

from typing import Any

from xlperf.workbook import layout as L

ARG_NAMES = (L.FRAMEWORK, L.CODES, L.VALUES, L.NAMES, L.FACT_KEYS, L.FACT_VALUES, L.TARGETS)


def range_values(wb: Any, name: str) -> Any:
    """A named range's values the way xlwings hands them to a UDF with ndim=2: a list of rows."""
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        cells = ((cells,),)
    return [[c.value for c in row] for row in cells]


def with_fact(args: list[Any], key: str, value: Any) -> list[Any]:
    """A copy of the arguments with one 收支情况 value replaced (as if the clerk typed it)."""
    keys = [row[0] for row in args[4]]
    values = [list(row) for row in args[5]]
    values[keys.index(key)][0] = value
    return [*args[:5], values, args[6]]
