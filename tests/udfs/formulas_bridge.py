"""Evaluate a workbook's own formulas without Excel: the `formulas` engine with our UDFs registered.

This proves the 评分表's formulas point at the right cells: if an argument named the wrong range, the
evaluated scores would differ from `xlperf score`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import formulas
import numpy as np
import schedula as sh
from formulas.functions import wrap_func

from xlperf import udfs

UDFS = ("PERF_SCORES", "PERF_TOTAL", "PERF_CATEGORY_SCORES", "PERF_SCORE", "PERF_RULE", "PERF_RATE", "PERF_GRADE",
        "PERF_STATUS")


def _plain(value: Any) -> Any:
    """A value as xlwings would pass it: blanks None, errors as their text ("#DIV/0!")."""
    if value is sh.EMPTY:
        return None
    if isinstance(value, formulas.tokens.operand.XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value


def _bridge(fn: Any) -> Any:
    def call(*args: Any) -> Any:
        converted = []
        for arg in args:
            array = np.asarray(arg, dtype=object)
            converted.append([[_plain(v) for v in row] for row in array.reshape(array.shape[0], -1).tolist()]
                             if array.ndim else _plain(arg))
        result = fn(*converted)
        return np.asarray(result if isinstance(result, list) else [[result]], dtype=object)

    return wrap_func(call)


def evaluate(path: Path) -> dict[str, Any]:
    """Every formula cell of the workbook, calculated: {"评分表!H3:J28": [[…]], …} (sheet!range keys)."""
    functions = formulas.get_functions()
    for name in UDFS:
        functions[name] = _bridge(getattr(udfs, name))
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    values = {}
    for key, value in solution.items():
        # keys look like "'[book.xlsx]评分表'!H3:J28"
        sheet_part, _, ref = key.rpartition("!")
        sheet = sheet_part.strip("'").split("]", 1)[-1]
        values[f"{sheet}!{ref}"] = getattr(value, "value", value)
    return values
