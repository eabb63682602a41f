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

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
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
    workbooks: list[Path] = field(default_factory=list)
    others: list[tuple[Path, str]] = field(default_factory=list)  # spreadsheets in another format, and why
    ignored: int = 0  # other files (reports, scans …), links, lock files
    unlisted: list[tuple[Path, str]] = field(default_factory=list)  # folders that could not be read, and why


def find_workbooks(root: Path, skip: Collection[Path] = ()) -> Found:
    """Every .xlsx/.xlsm under `root`, sorted by path; `skip` are folders and files of our own output."""
    skipped = {p.resolve() for p in skip}
    found = Found()
    def unreadable(error: OSError) -> None:  # a folder without permission, or a path too long for Windows
        where = Path(error.filename) if error.filename else root
        found.unlisted.append((where, error.strerror or type(error).__name__))

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skipped)
        for name in sorted(files):
            path = here / name
            suffix = path.suffix.lower()
            if name.startswith((".", "~$")) or path.is_symlink() or not path.is_file() or path.resolve() in skipped:
                found.ignored += 1  # ~$ files are Excel's lock files of a workbook someone has open
            elif suffix in WORKBOOK_SUFFIXES:
                found.workbooks.append(path)
            elif suffix in OTHER_SPREADSHEETS:
                found.others.append((path, OTHER_SPREADSHEETS[suffix]))
            else:
                found.ignored += 1
    return found
