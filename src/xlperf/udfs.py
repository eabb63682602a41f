"""Excel functions (xlwings UDFs) for the 评分表: thin, like xlwings' own udfs.py beside its engine.

Each function converts what Excel hands over (floats, None, strings, nested lists for ranges,
error values as "#DIV/0!" text), calls the same engine as the command line, and returns numbers or
a short Chinese message, never a traceback. One array call (`PERF_SCORES`) scores the whole 评分表:
every UDF call is a round trip through COM, so 26 calls would cost 26 trips.

The decorators only annotate on Linux, so every function is a plain callable in tests; the VBA
wrappers are generated from these annotations (xlperf.workbook.vba). Docstrings are what Excel's
function wizard shows, hence Chinese.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import xlwings as xw

from . import __version__
from .core.errors import XlperfError

log = logging.getLogger(__name__)
CATEGORY = "xlperf 绩效自评"
T = TypeVar("T")
Cell = Any  # what Excel passes for one cell: float, str, bool, None, or an error as "#N/A" text

_RANGE_DOCS = {
    "framework": "评分框架编号，如 gz-baiyun-2022（基本信息!评分框架）",
    "codes": "评分表的“指标代码”列",
    "values": "评分表的“填报值”列",
    "names": "评分表的“指标”列",
    "fact_keys": "收支情况的“数据项编号”列（隐藏列）",
    "fact_values": "收支情况的“数值”列",
    "targets": "绩效目标表（类别、指标名称、方向、目标值、实际值、单位、权重、定性完成情况、说明）",
}
_REASONS_DOC = "评分表的“扣分原因／情况说明”列（与指标代码列同行；可省略，省略时不检查扣分原因）"


def _guard(body: Callable[[], T], name: str) -> T | str:
    """Run a UDF body; an XlperfError becomes its Chinese message, anything else a short note + log.

    A plain call, not a decorator: xlwings reads each UDF's own signature to write its VBA wrapper."""
    try:
        return body()
    except XlperfError as exc:
        return f"错误：{exc}"
    except Exception:  # noqa: BLE001 - a cell must never show a traceback
        from ._errorlog import log_current_exception

        log.exception("xlperf UDF %s failed", name)
        return f"内部错误{log_current_exception()}，请发给维护人员"


def _column(values: Any) -> list[Cell]:
    """A one-column (or one-row) range as a flat list; a single cell as a list of one."""
    if not isinstance(values, (list, tuple)):
        return [values]
    flat: list[Cell] = []
    for row in values:
        flat.extend(row if isinstance(row, (list, tuple)) else [row])
    return flat


def _rows(values: Any) -> list[list[Cell]]:
    if not isinstance(values, (list, tuple)):
        return [[values]]
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in values]


def _key(values: Any) -> Any:
    """A hashable copy of a UDF argument, so that the scorecard of identical inputs is computed once."""
    if isinstance(values, (list, tuple)):
        if all(type(v) is list for v in values):  # a range, as xlwings passes it: a list of rows of values
            rows = tuple(map(tuple, values))
            try:
                hash(rows)  # (in C: no Python call per cell)
                return rows
            except TypeError:
                pass  # something nested deeper
        return tuple(_key(v) for v in values)
    return values


@functools.lru_cache(maxsize=16)
def _evaluated(framework: Any, codes: Any, values: Any, names: Any, fact_keys: Any, fact_values: Any,
               targets: Any, reasons: Any = None) -> Any:
    # PERF_SCORES, PERF_TOTAL and PERF_CATEGORY_SCORES take the same inputs in one recalculation: the
    # use case runs once for all three, and the checks (computed when first asked) once for every PERF_CHECK
    from .evaluate import evaluate_year
    from .workbook.read import year_from_ranges

    fw = _shipped(framework)
    year = year_from_ranges(fw, _column(codes), _column(values), _column(names), _column(fact_keys),
                            _column(fact_values), _rows(targets), None if reasons is None else _column(reasons))
    # without the 扣分原因 column, a deduction would look unexplained: those checks are left out
    return evaluate_year(year, fw, reasons=reasons is not None)


def _shipped(framework: Any) -> Any:
    """The shipped framework a cell names. A workbook is untrusted: a cell never names a file to load."""
    from .core.frameworks import load_framework, shipped_frameworks

    first = _column(framework)[0] if _column(framework) else None  # a one-cell range arrives as [[value]]
    framework_id = str(first or "").strip()
    if framework_id not in shipped_frameworks():
        raise XlperfError(f"评分框架“{framework_id[:40]}”不是内置框架", fix="请检查基本信息中的“评分框架”")
    return load_framework(framework_id)


def _evaluation(*args: Any) -> Any:
    return _evaluated(*(_key(a) for a in args))


def _card(*args: Any) -> Any:
    return _evaluation(*args).scorecard


def _score_or_message(result: Any) -> float | str:
    if result.score is None:
        return f"错误：{result.error}" if result.error else "错误：无法计分"
    return float(result.score)


def _doc_args(fn: Callable[..., Any]) -> Callable[..., Any]:
    for name, doc in _RANGE_DOCS.items():
        fn = xw.arg(name, doc=doc, ndim=2, err_to_str=True)(fn)
    return fn


@xw.func(category=CATEGORY)
@_doc_args
def PERF_SCORES(framework, codes, values, names, fact_keys, fact_values, targets):  # noqa: N802,N803 - names Excel shows
    """一次算出评分表全部指标的自评得分、扣分和评分说明（返回每个指标一行、三列）。"""

    def body() -> list[list[Any]]:
        card = _card(framework, codes, values, names, fact_keys, fact_values, targets)
        rows = []
        for r in card.results:
            deduction = r.deduction  # (a property: computed once)
            rows.append([_score_or_message(r), "" if deduction is None else float(deduction), r.sentence])
        return rows

    result = _guard(body, "PERF_SCORES")
    if isinstance(result, str):  # fill the whole block, so no cell keeps a stale score
        return [[result, "", ""]] * max(len(_column(codes)), 1)
    return result


@xw.func(category=CATEGORY)
@_doc_args
def PERF_TOTAL(framework, codes, values, names, fact_keys, fact_values, targets):  # noqa: N802,N803
    """总分和等级（返回两行：总分在上，等级在下）。有指标无法计分时给出提示。"""
    def body() -> list[list[Any]]:
        card = _card(framework, codes, values, names, fact_keys, fact_values, targets)
        if not card.complete:
            return [[card.total_shown], [""]]
        return [[float(card.total)], [card.grade]]

    return _guard(body, "PERF_TOTAL")


@xw.func(category=CATEGORY)
@_doc_args
def PERF_CATEGORY_SCORES(framework, codes, values, names, fact_keys, fact_values, targets):  # noqa: N802,N803
    """各一级指标的得分小计（按评分框架中一级指标的顺序，每个一行）；有指标无法计分时给出提示。"""
    def body() -> list[list[Any]]:
        card = _card(framework, codes, values, names, fact_keys, fact_values, targets)
        # a partial sum is not a subtotal: while an indicator is unscored, say so instead of a number
        return [[c.shown if isinstance(c.shown, str) else float(c.shown)] for c in card.categories]

    return _guard(body, "PERF_CATEGORY_SCORES")


@xw.func(category=CATEGORY)
@xw.arg("indicator", doc="指标代码（如 ZX03）或指标名称")
@_doc_args
def PERF_SCORE(indicator, framework, codes, values, names, fact_keys, fact_values, targets):  # noqa: N802,N803
    """一个指标的自评得分（按代码或名称）。填报有误时返回说明。"""
    return _guard(lambda: _score_or_message(_result(_card(framework, codes, values, names, fact_keys, fact_values, targets),
                                                     indicator)), "PERF_SCORE")


@xw.func(category=CATEGORY)
@xw.arg("indicator", doc="指标代码（如 ZX03）或指标名称")
@_doc_args
def PERF_RULE(indicator, framework, codes, values, names, fact_keys, fact_values, targets):  # noqa: N802,N803
    """一个指标的评分说明（如“结转结余率为 0.27%，≤10%，得 2 分。”），或填报有误时的说明。"""
    def body() -> str:
        result = _result(_card(framework, codes, values, names, fact_keys, fact_values, targets), indicator)
        return f"错误：{result.error}" if result.error else result.sentence

    return _guard(body, "PERF_RULE")


@xw.func(category=CATEGORY)
@xw.arg("indicator", doc="指标代码（如 ZX03）或指标名称")
@_doc_args
@xw.arg("reasons", doc=_REASONS_DOC, ndim=2, err_to_str=True)
def PERF_CHECK(indicator, framework, codes, values, names, fact_keys, fact_values, targets, reasons=None):  # noqa: N802,N803
    """一个指标的填报检查结果：与该指标有关的错误、警告和提示，每条一行；没有问题时为空。"""
    def body() -> str:
        from .core.checks import findings_for

        given = None if _omitted(reasons) else reasons
        evaluation = _evaluation(framework, codes, values, names, fact_keys, fact_values, targets, given)
        code = _result(evaluation.scorecard, indicator).code
        findings = findings_for(list(evaluation.findings), code)
        # the place in words (a UDF knows no cells): 数据项“整体支出预算数”, 绩效目标第 3 行 …
        return "\n".join(f"{f.severity} {f.id}：{f.message}" + (f"（{f.where}）" if f.where else "") for f in findings)

    return _guard(body, "PERF_CHECK")


def _omitted(value: Any) -> bool:
    """An optional range argument left out: xlwings passes None (or an empty cell's value)."""
    return value is None or value == "" or value == [[None]]


@xw.func(category=CATEGORY)
@xw.arg("numerator", doc="如 支出决算数；只给一个参数时，它是一个百分比：95、0.95 或 “95%” 都表示 95%")
@xw.arg("denominator", doc="如 支出预算数（可省略）")
@xw.arg("relative", doc="TRUE 时按 (分子 − 分母)/分母 计算增减率（如 公用经费控制率）")
def PERF_RATE(numerator, denominator=None, relative=False):  # noqa: N802,N803
    """比率：分子/分母（如 支出率、执行率），或 (分子 − 分母)/分母；只给一个数时把百分比统一为小数。"""
    from .core.errors import InputError, Location
    from .core.values import parse_number, parse_percent

    def body() -> float:
        if denominator is None or denominator == "":
            return float(_number(parse_percent, numerator, "百分比"))
        top, bottom = _number(parse_number, numerator, "分子"), _number(parse_number, denominator, "分母")
        if bottom == 0:
            raise InputError("分母为 0，无法计算比率", location=Location(path="分母"))
        return float((top - bottom) / bottom if relative else top / bottom)

    return _guard(body, "PERF_RATE")


@xw.func(category=CATEGORY)
@xw.arg("total", doc="总分（0～100）")
@xw.arg("framework", doc="评分框架编号，如 gz-baiyun-2022")
def PERF_GRADE(total, framework="gz-baiyun-2022"):  # noqa: N802,N803
    """按评分框架的等级划分给出等级（优、良、中、差）。"""
    from .core.values import parse_number

    return _guard(lambda: _shipped(framework).grade(_number(parse_number, total, "总分")), "PERF_GRADE")


@xw.func(category=CATEGORY, volatile=True)  # volatile: the hint above the 评分表 follows every recalculation
def PERF_STATUS():  # noqa: N802
    """xlperf 是否可用：返回“xlperf 版本 已就绪”。评分表用它判断 Python 是否已安装好。"""
    return f"xlperf {__version__} 已就绪"


def _number(parse: Callable[[Any], Decimal | None], raw: Any, what: str) -> Decimal:
    from .core.errors import InputError, Location, at

    with at(Location(path=what)):
        value = parse(raw)
    if value is None:
        raise InputError(f"{what}为空")
    return value


def _result(card: Any, code_or_name: Any) -> Any:
    try:
        return card.result(str(code_or_name or ""))
    except KeyError:
        raise XlperfError(f"没有指标“{code_or_name}”", fix="请填写指标代码（如 ZX03）或完整的指标名称") from None


__all__ = ["PERF_CATEGORY_SCORES", "PERF_CHECK", "PERF_GRADE", "PERF_RATE", "PERF_RULE", "PERF_SCORE", "PERF_SCORES",
           "PERF_STATUS", "PERF_TOTAL"]
