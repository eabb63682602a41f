"""Which files of a folder a batch processes, and which it lists as not processable.

The folder is what departments sent: besides workbooks it holds Word reports, scans, lock files
Excel left behind and the occasional .xls or WPS file. Only regular files are looked at (a symbolic
link could point anywhere on the machine); hidden files and folders are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..core import os_reason

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: the department-year in xlperf's JSON form (xlperf export), read like a workbook
DATA_SUFFIXES = (".json",)
#: spreadsheets that are not .xlsx/.xlsm: listed in 问题清单 with what to do, never opened
OTHER_SPREADSHEETS = {
    ".xls": "是旧版 .xls 格式",
    ".et": "是 WPS 表格格式（.et）",
    ".ods": "是 OpenDocument 表格（.ods）",
    ".xlsb": "是 Excel 二进制工作簿（.xlsb）",
    ".csv": "是 CSV 文本",
}


@dataclass
class Found:
    workbooks: list[Path] = field(default_factory=list)  # .xlsx/.xlsm workbooks and .json department-years
    others: list[tuple[Path, str]] = field(default_factory=list)  # spreadsheets in another format, and why
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # other files (reports, scans …) and why
    unlisted: list[tuple[Path, str]] = field(default_factory=list)  # folders that could not be read, and why

    @property
    def ignored(self) -> int:
        return len(self.skipped)


def find_workbooks(root: Path, skip: Collection[Path] = ()) -> Found:
    """Every .xlsx/.xlsm workbook and .json department-year under `root`, sorted by path; `skip` are
    folders and files of our own output. Everything else is listed in `skipped` with the reason."""
    skipped = {p.resolve() for p in skip}
    found = Found()
    def unreadable(error: OSError) -> None:  # a folder without permission, or a path too long for Windows
        where = Path(error.filename) if error.filename else root
        found.unlisted.append((where, os_reason(error)))

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skipped)
        for name in sorted(files):
            path = here / name
            suffix = path.suffix.lower()
            why = _skip_reason(path, name, skipped)
            if why:
                found.skipped.append((path, why))
            elif suffix in WORKBOOK_SUFFIXES or suffix in DATA_SUFFIXES:
                found.workbooks.append(path)
            elif suffix in OTHER_SPREADSHEETS:
                found.others.append((path, OTHER_SPREADSHEETS[suffix]))
            else:
                found.skipped.append((path, f"不是工作簿（{suffix or '无扩展名'}）"))
    return found


def _skip_reason(path: Path, name: str, own_output: set[Path]) -> str:
    """Why a file is not looked at, or "" when it is."""
    if name.startswith("~$"):
        return "Excel 的临时锁定文件（有人正打开对应的工作簿）"
    if name.startswith("."):
        return "隐藏文件"
    if path.is_symlink():
        return "快捷方式（符号链接），不跟随"
    if not path.is_file():
        return "不是普通文件"
    if path.resolve() in own_output:
        return "xlperf 的输出文件"
    return ""
