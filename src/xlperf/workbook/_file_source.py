"""Cell values from a workbook file, read with openpyxl: values only, nothing in the file executed.

The file is untrusted: `_safety.read_workbook_file` reads it once and refuses a hostile or broken file
before openpyxl opens those bytes, the rows read are bounded (rows: the names' reach + ROWS_BELOW_TABLES;
columns: the names' reach), and whatever openpyxl, zipfile or the XML parser raise while reading becomes
an UnsafeFileError.
Each sheet read, and the shared strings, are first looked at whole by `_safety.check_part` (characters
XML 1.0 forbids, shared-string indexes naming no string), as the calamine reader does.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from ..core import os_fix, os_reason
from ..core.errors import Location, UnsafeFileError, WorkbookError, XlperfError
from ._cells import NAME_PREFIX, bounds, parse_reference
from ._safety import (
    MAX_XML_PART_BYTES,
    READ_SECONDS,
    BadStringIndex,
    Kept,
    bad_string_index,
    check_part,
    check_workbook_bytes,
    damage,
    read_workbook_file,
)

_RESAVE = "请用 Excel 或 WPS 打开并另存后重试"
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
STRINGS_PART = "xl/sharedStrings.xml"


class FileSource:
    """An .xlsx/.xlsm file: the values Excel saved (so an input `=120+80` reads as 200)."""

    saved_values = True

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        """`data`: the file's bytes as read_checked gave them (the calamine reader's, when it hands a
        workbook over); read and checked here otherwise. The file itself is opened once."""
        self.path = path
        self._data = data if data is not None else read_checked(path)
        self._files: list[BinaryIO] = []
        self._formula_book: Any = None
        self._formulas: dict[str, bool] = {}  # sheet -> whether its part holds a formula (once checked)
        try:
            self._check_strings()
            self.book = self._load(data_only=True)
        except BaseException:
            for handle in self._files:  # no FileSource to close: let go of the file (Windows locks it)
                handle.close()
            raise
        self._widths: dict[str, int] | None = None
        self._deadline = time.monotonic() + READ_SECONDS

    def defined_names(self) -> dict[str, str]:
        return {name: defined.attr_text or "" for name, defined in self.book.defined_names.items()}

    def sheet_names(self) -> Sequence[str]:
        return list(self.book.sheetnames)

    def sheet_states(self) -> dict[str, str]:
        """Each sheet's state in xl/workbook.xml: "visible", "hidden" or "veryHidden" (the first of a name)."""
        states: dict[str, str] = {}
        for sheet in self.book._sheets:
            states.setdefault(sheet.title, getattr(sheet, "sheet_state", None) or "visible")
        return states

    def rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        return self._rows(self.book, sheet, last_row)

    def formula_rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        with _translated(self.path, sheet):
            if not self._checked(sheet):
                return []  # no formula in the sheet: no second reading of the workbook
        if self._formula_book is None:
            self._formula_book = self._load(data_only=False)
        return self._rows(self._formula_book, sheet, last_row)

    def _rows(self, book: Any, sheet: str, last_row: int) -> Iterator[Sequence[Any]]:
        """Values only, from A1 (read-only openpyxl pads gaps, so positions are row/column numbers), no
        wider than the names reach: a sheet claiming A1:XFD1048576 would otherwise pad every row to
        16 384 cells. Anything raised while the XML is read becomes an UnsafeFileError naming the sheet."""
        with _translated(self.path, sheet):
            self._checked(sheet)
            rows = iter(book[sheet].iter_rows(min_row=1, min_col=1, max_row=last_row, max_col=self._width(sheet),
                                              values_only=True))
            while True:
                if time.monotonic() > self._deadline:
                    raise UnsafeFileError(f"读取工作表“{sheet[:31]}”超过 {READ_SECONDS} 秒，已停止",
                                          location=Location(file=self.path.name), fix=_RESAVE)
                with _quiet():  # row by row: the quieting must not outlast the read of one row
                    row = next(rows, None)
                if row is None:
                    return
                yield row

    def _checked(self, sheet: str) -> bool:
        """Check the part of `sheet` (_safety.check_part) once; whether it holds a formula."""
        if sheet not in self._formulas:
            worksheet = self.book[sheet]
            with worksheet.parent._archive.open(worksheet._worksheet_path) as stream:
                data = stream.read(MAX_XML_PART_BYTES + 1)  # (the check made before opening bounds it)
            check_part(data, Location(sheet=sheet[:31], file=self.path.name), strings=len(worksheet._shared_strings))
            self._formulas[sheet] = _FORMULA_TAG.search(data) is not None
        return self._formulas[sheet]

    def _check_strings(self) -> None:
        """The shared strings (where spreadsheet programs put them), checked before openpyxl reads them."""
        with _translated(self.path), zipfile.ZipFile(io.BytesIO(self._data)) as archive:
            if STRINGS_PART in archive.namelist():
                with archive.open(STRINGS_PART) as stream:
                    check_part(stream.read(MAX_XML_PART_BYTES + 1), Location(file=self.path.name))

    def _width(self, sheet: str) -> int:
        """The last column the layout's names reach on `sheet` (1 when none)."""
        if self._widths is None:
            self._widths = name_reach(self.defined_names())
        return self._widths.get(sheet, 1)

    def merged_ranges(self, sheet: str) -> list[str]:
        """The sheet's merged ranges ("B6:C7"), read from its XML (read-only openpyxl does not give them)."""
        from ._merges import merged_ranges

        with _translated(self.path, sheet):
            worksheet = self.book[sheet]
            return merged_ranges(worksheet.parent._archive, worksheet._worksheet_path)

    def _load(self, *, data_only: bool) -> Any:
        """openpyxl reads the checked bytes (given as a file: it would refuse a path whose suffix it does
        not know, a workbook named "...xlsx" or saved without a suffix)."""
        import openpyxl

        handle = io.BytesIO(self._data)
        self._files.append(handle)  # read-only books read the file until closed
        with _translated(self.path), _quiet():
            book = openpyxl.load_workbook(handle, read_only=True, data_only=data_only, keep_links=False,
                                          keep_vba=False)
        strings = None
        for sheet in book._sheets:  # one list, shared by every sheet openpyxl reads
            if hasattr(sheet, "_shared_strings"):
                strings = strings if strings is not None else _Strings(sheet._shared_strings)
                sheet._shared_strings = strings
        return book

    def close(self) -> None:
        try:
            for book in (self.book, self._formula_book):
                if book is not None:
                    book.close()
        finally:
            for handle in self._files:
                handle.close()


def name_reach(names: dict[str, str]) -> dict[str, int]:
    """The last column the layout's names reach on each sheet: no wider is read, so a sheet claiming
    A1:XFD1048576 is not padded to 16 384 columns."""
    widths: dict[str, int] = {}
    for name, refers_to in names.items():
        target = parse_reference(refers_to) if name.startswith(NAME_PREFIX) else None
        if target is None:
            continue
        try:
            (_, _), (last, _) = bounds(target[1])
        except WorkbookError:
            continue  # Cells reports a name it cannot read when the name is used
        widths[target[0]] = max(widths.get(target[0], 1), last)
    return widths


def read_checked(path: Path, keep: Kept | None = None) -> bytes:
    """The bytes of a workbook file, read once and refused unless they may be opened safely (_safety);
    `keep` receives what the check read that the reader may take over (_safety.Kept)."""
    if not path.exists():
        raise WorkbookError(f"找不到文件：{path}", location=None)
    if path.is_dir():
        raise WorkbookError(f"{path} 是文件夹，不是工作簿")
    try:
        data = read_workbook_file(path)
        check_workbook_bytes(data, Location(file=path.name), keep)
        return data
    except OSError as exc:
        raise WorkbookError(f"无法读取文件 {path.name}（{os_reason(exc)}）", fix=os_fix(exc)) from exc


@contextmanager
def _quiet() -> Iterator[None]:
    """openpyxl warns (UserWarning, in English) about oddities of a file and prints to stdout on a bad
    style index: neither may reach the user, whose error is one Chinese line, or the JSON of --json."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _translated(path: Path, sheet: str = "") -> Iterator[None]:
    """Whatever openpyxl, zipfile or the XML parser raise on a malformed file, as one UnsafeFileError."""
    where = Location(sheet=sheet[:31], file=path.name)
    try:
        yield
    except XlperfError:
        raise
    except MemoryError as exc:
        raise UnsafeFileError("文件内容过大，内存不足，已停止读取", location=where, fix=_RESAVE) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on malformed XML
        raise _translation(exc, where) from exc


class _Strings(list[str]):
    """The shared strings, refusing an index that names none: openpyxl would read -1 as the last."""

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(self):
            raise BadStringIndex(str(index), len(self))
        return super().__getitem__(index)


def _translation(exc: Exception, where: Location) -> UnsafeFileError:
    if isinstance(exc, BadStringIndex):
        return bad_string_index(where, exc.index, exc.count)
    if _is_defused(exc):
        return UnsafeFileError("工作簿的 XML 中含有 DOCTYPE 或实体声明（可用于“实体炸弹”或读取外部文件），"
                               "Excel 不会生成这样的文件，可能是恶意构造的", location=where, fix=_RESAVE)
    if isinstance(exc, (zipfile.BadZipFile, KeyError, EOFError, OSError)) or type(exc).__module__ == "zlib":
        return UnsafeFileError(f"工作簿已损坏，无法读取（{damage(exc)}）", location=where, fix=_RESAVE)
    return UnsafeFileError("工作簿内容无法解析（不符合 Excel 的文件格式）", location=where, fix=_RESAVE)


def _is_defused(exc: BaseException) -> bool:
    """Did defusedxml (sheets, shared strings: EntitiesForbidden, DTDForbidden …) or lxml (workbook.xml,
    where openpyxl does not expand entities) refuse entities? openpyxl wraps what it catches in a
    ValueError, so the chain is followed."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        kind = type(seen)
        if kind.__module__.startswith("defusedxml") or (kind.__name__ == "XMLSyntaxError" and "entit" in str(seen).lower()):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
