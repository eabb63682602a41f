"""Open a department-year from any supported file: a workbook (.xlsx/.xlsm) or the JSON form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core import read_limited
from .core.errors import InputError, Location, WorkbookError, at
from .core.frameworks import Framework, load_framework, shipped_frameworks
from .core.model import DepartmentYear

if TYPE_CHECKING:
    from .workbook import Reader

EXAMPLE = "baiyun-kexie-2022"
MAX_JSON_BYTES = 20 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


def open_year(path: str | Path, framework: Framework | str | Path | None = None, *,
              reader: Reader = "calamine") -> tuple[DepartmentYear, Framework]:
    """Open a workbook (.xlsx/.xlsm) or a JSON department-year once: the department-year and the framework
    it was read with (loaded once). `framework` (a Framework, an id or a .toml path) overrides the one the
    file names. A workbook's year carries what its 评分表 shows (DepartmentYear.sheet)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = read_json(path)
        if not isinstance(data, dict):
            raise InputError("JSON 顶层应为对象 { … }，而不是列表或单个值", location=Location(path="$", file=path.name))
        # a data file is untrusted like a workbook: it may name a shipped framework, never a file to open
        fw = framework_of(framework) if framework is not None else load_framework(_shipped_id(data, path))
        from .core.jsonform import year_from_dict

        with at(Location(file=path.name)):
            return year_from_dict(data, fw, source=path.name), fw
    if path.suffix.lower() in (".xlsx", ".xlsm") or not path.suffix:
        from .workbook import open_cells, read_year

        with at(Location(file=path.name)), open_cells(path, reader) as cells:
            return read_year(cells, framework)
    raise WorkbookError(f"不支持的文件类型“{path.suffix}”", location=Location(file=path.name),
                        fix="请给出 .xlsx、.xlsm 工作簿或 .json 数据文件（旧版 .xls 请先另存为 .xlsx）")


def framework_of(framework: Framework | str | Path) -> Framework:
    """A Framework as given, or loaded from a shipped id or a .toml path."""
    return framework if isinstance(framework, Framework) else load_framework(framework)


def read_json(path: Path) -> Any:
    """The parsed JSON of a department-year file: a regular file of at most MAX_JSON_BYTES, in UTF-8, whose
    texts can all be saved (no lone surrogate such as "\\ud800", which no workbook or report can hold)."""
    where = Location(file=path.name)
    # a regular file only, read with a bound: a FIFO or /dev/zero named x.json is refused as such
    data = read_limited(path, MAX_JSON_BYTES, "数据文件（.json）", InputError)
    import json  # (here: opening a workbook needs no JSON)

    try:
        # utf-8-sig: Windows Notepad puts a byte-order mark in front of UTF-8 files
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError("JSON 文件不是 UTF-8 编码", location=where, fix="请另存为 UTF-8 编码后重试") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有误）", location=where,
                         fix="请检查引号、逗号和括号") from exc
    except RecursionError as exc:
        raise InputError("JSON 的括号嵌套层数过多，不像是 xlperf 的数据文件", location=where) from exc
    except ValueError as exc:  # an integer of more than 4300 digits
        raise InputError("JSON 中有位数过多、无法读取的数字", location=where, fix="金额请以万元为单位填写，如 332.21") from exc
    bad = _unsavable_text(parsed)
    if bad is not None:
        raise InputError("文字中有无效的字符（单独的 UTF-16 代理码元，如 \\ud800），无法写入工作簿或报告",
                         location=Location(path=bad or "$", file=path.name), fix="请删除或改正这段文字中的乱码后重试")
    return parsed


def _unsavable_text(data: Any, path: str = "") -> str | None:
    """The JSON path of the first text (or key) with a lone surrogate, which UTF-8 cannot encode; else None.
    Walked without recursion: the parser allows nesting deeper than Python's stack."""
    todo: list[tuple[Any, str]] = [(data, path)]
    while todo:
        value, where = todo.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if _SURROGATE.search(key):
                    return where
                todo.append((item, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            todo.extend((item, f"{where}[{i}]") for i, item in reversed(list(enumerate(value))))
    return None


def _shipped_id(data: dict[str, Any], path: Path) -> str:
    framework = data.get("framework")
    if not isinstance(framework, str) or not framework:
        raise InputError("JSON 中没有写明评分框架（framework）", location=Location(path="framework", file=path.name),
                         fix="请加上 \"framework\": \"gz-baiyun-2022\"，或用 --framework 指定")
    if framework not in shipped_frameworks():
        raise InputError(f"JSON 使用的评分框架“{framework}”不是内置框架", location=Location(path="framework", file=path.name),
                         fix="请用 --framework 指定该框架的 .toml 文件")
    return framework


def example_data() -> Any:
    """The shipped 2022 example (白云区科协) in the JSON form."""
    text = (Path(__file__).resolve().parent / "examples" / f"{EXAMPLE}.json").read_text(encoding="utf-8")
    import json

    return json.loads(text)


def example_year() -> tuple[DepartmentYear, Framework]:
    from .core.jsonform import year_from_dict

    data = example_data()
    fw = load_framework(data["framework"])
    return year_from_dict(data, fw, source=f"{EXAMPLE}.json"), fw
