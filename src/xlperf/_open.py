"""Open a department-year from any supported file: a workbook (.xlsx/.xlsm) or the JSON form."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .core.errors import InputError, Location, WorkbookError
from .core.frameworks import Framework, load_framework
from .core.jsonform import year_from_dict
from .core.model import DepartmentYear

EXAMPLE = "baiyun-kexie-2022"
MAX_JSON_BYTES = 20 * 1024 * 1024


def open_year(path: str | Path, framework: str | Path | None = None) -> tuple[DepartmentYear, Framework]:
    """Read a department-year; `framework` (id or .toml path) overrides the one the file names."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        data = read_json(path)
        fw = load_framework(framework or _framework_id(data, path))
        return year_from_dict(data, fw, source=path.name), fw
    if path.suffix.lower() in (".xlsx", ".xlsm") or not path.suffix:
        from .workbook.read import read_workbook

        fw_override = load_framework(framework) if framework else None
        year = read_workbook(path, fw_override)
        return year, fw_override or load_framework(year.framework_id)
    raise WorkbookError(f"不支持的文件类型“{path.suffix}”", location=Location(file=path.name),
                        fix="请给出 .xlsx、.xlsm 工作簿或 .json 数据文件（旧版 .xls 请先另存为 .xlsx）")


def read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise InputError("JSON 文件过大（超过 20 MB）", location=Location(file=path.name))
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbookError(f"找不到文件：{path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"不是有效的 UTF-8 JSON 文件（{exc}）", location=Location(file=path.name)) from exc


def _framework_id(data: Any, path: Path) -> str:
    framework = data.get("framework") if isinstance(data, dict) else None
    if not isinstance(framework, str) or not framework:
        raise InputError("JSON 中没有写明评分框架（framework）", location=Location(path="framework", file=path.name),
                         fix="请加上 \"framework\": \"gz-baiyun-2022\"，或用 --framework 指定")
    return framework


def example_data() -> Any:
    """The shipped 2022 example (白云区科协) in the JSON form."""
    text = (resources.files("xlperf") / "examples" / f"{EXAMPLE}.json").read_text(encoding="utf-8")
    return json.loads(text)


def example_year() -> tuple[DepartmentYear, Framework]:
    data = example_data()
    fw = load_framework(data["framework"])
    return year_from_dict(data, fw, source=f"{EXAMPLE}.json"), fw
