"""Cell values from a workbook file, read with openpyxl: values only, nothing in the file executed."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..core.errors import Location, UnsafeFileError, WorkbookError, XlperfError
from ._cells import Cells

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileSource:
    """An .xlsx/.xlsm file: the values Excel saved (so an input `=120+80` reads as 200)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book = _load(path, data_only=True)
        self._formula_book: Any = None

    def defined_names(self) -> dict[str, str]:
        return {name: defined.attr_text or "" for name, defined in self.book.defined_names.items()}

    def sheet_names(self) -> Sequence[str]:
        return list(self.book.sheetnames)

    def rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        # values only, from A1: read-only openpyxl pads gaps, so positions are row/column numbers
        return self.book[sheet].iter_rows(min_row=1, min_col=1, max_row=last_row, values_only=True)

    def formula_rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        if self._formula_book is None:
            self._formula_book = _load(self.path, data_only=False)
        return self._formula_book[sheet].iter_rows(min_row=1, min_col=1, max_row=last_row, values_only=True)

    def close(self) -> None:
        self.book.close()
        if self._formula_book is not None:
            self._formula_book.close()


@contextmanager
def open_cells(path: Path) -> Iterator[Cells]:
    """The cells of a workbook file; the file is closed whatever happens."""
    source = FileSource(path)
    try:
        yield Cells(source, path.name)
    finally:
        source.close()


def _load(path: Path, *, data_only: bool) -> Any:
    where = Location(file=path.name)
    if not path.exists():
        raise WorkbookError(f"找不到文件：{path}", location=None)
    if path.is_dir():
        raise WorkbookError(f"{path} 是文件夹，不是工作簿")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:
        raise UnsafeFileError("文件已加密，或是旧版 .xls 格式", location=where,
                              fix="请在 Excel 中取消密码，或另存为 .xlsx/.xlsm 后重试")
    if not zipfile.is_zipfile(path):
        raise UnsafeFileError("不是 Excel 工作簿（.xlsx/.xlsm 文件应为 zip 格式）", location=where,
                              fix="请确认文件没有损坏，并用 Excel 另存为 .xlsx")
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only, keep_links=False, keep_vba=False)
    except XlperfError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise UnsafeFileError(f"工作簿已损坏，无法读取（{type(exc).__name__}）", location=where,
                              fix="请用 Excel 打开并另存后重试") from exc
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        raise UnsafeFileError(f"工作簿内容无法解析（{type(exc).__name__}）", location=where,
                              fix="请用 Excel 打开并另存后重试") from exc
