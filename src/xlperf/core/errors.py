"""The one tree of exceptions xlperf raises, each with a Chinese message and a place.

    XlperfError(message, *, location=None, fix="")
    ├── FrameworkError           the framework file is wrong       Location(path="indicators[2].method")
    ├── WorkbookError            the workbook cannot be read       Location(sheet="评分表")
    │   └── UnsafeFileError      not a zip, encrypted, too large
    └── InputError (ValueError)  one value is unusable             Location(sheet="收支情况", cell="C5")

Exceptions mean "cannot go on"; findings of the checks mean "please fix". Pure parsers raise
without a location; the reader stamps the place on them with `at(...)`.
"""

from __future__ import annotations

from types import TracebackType

from ._record import record


@record
class Location:
    """Where a value lives: a workbook cell, a sheet, a file, or a path inside a data file."""

    sheet: str = ""
    cell: str = ""
    path: str = ""  # JSON path or framework path, e.g. "indicators[2].params.denominator"
    file: str = ""

    def __init__(self, sheet: str = "", cell: str = "", path: str = "", file: str = "") -> None:
        # written out: a reader makes a few hundred locations per workbook (record's __init__ is general)
        self.__dict__.update(sheet=sheet, cell=cell, path=path, file=file)

    def __str__(self) -> str:
        if self.sheet and self.cell:
            place = f"{self.sheet}!{self.cell}"
        elif self.sheet:
            place = f"工作表“{self.sheet}”"
        else:
            place = self.path
        if self.file:
            return f"{self.file}：{place}" if place else self.file
        return place


class XlperfError(Exception):
    """Base of every error xlperf raises on purpose; `str()` is the one line a user reads."""

    def __init__(self, message: str, *, location: Location | None = None, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.fix = fix

    def __str__(self) -> str:
        where = f"{self.location}：" if self.location and str(self.location) else ""
        if self.location and str(self.location) == self.location.file and self.location.file in self.message:
            where = ""  # "找不到文件：a.xlsx" needs no "a.xlsx：" in front
        fix = f"{self.fix}" if self.fix else ""
        return f"{where}{self.message}{'。' if fix and not self.message.endswith('。') else ''}{fix}"

    def located(self, location: Location) -> XlperfError:
        """Give the error a place if it has none yet (the innermost place wins)."""
        if self.location is None or not str(self.location):
            self.location = location
        elif location.file and not self.location.file:
            self.location = Location(self.location.sheet, self.location.cell, self.location.path, location.file)
        return self


class FrameworkError(XlperfError):
    """The indicator framework file is missing, malformed or inconsistent."""


class WorkbookError(XlperfError):
    """The workbook cannot be read: wrong format, missing sheet or defined name."""


class UnsafeFileError(WorkbookError):
    """The file is not a workbook we may open safely (not a zip, encrypted, oversized)."""


class InputError(XlperfError, ValueError):
    """One input value cannot be used (text in a number cell, unknown choice, blank)."""


class at:  # noqa: N801 - used as a function: `with at(location):`
    """Stamp `location` on any XlperfError raised inside the block. (A class: a reader enters it a few
    hundred times per workbook, and a generator-based context manager costs five times as much.)"""

    __slots__ = ("location",)

    def __init__(self, location: Location) -> None:
        self.location = location

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if isinstance(exc, XlperfError):
            exc.located(self.location)  # and raised on as it was
