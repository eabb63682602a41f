"""Cell values from a workbook file, read with calamine (Rust: an xlperf workbook's sheets in 2 ms, 20 times
faster than openpyxl): the values FileSource gives, with openpyxl kept for odd formulas and as the fallback.

The contract is FileSource's: `_safety.read_workbook_file` reads the file once and refuses a hostile or
broken file before anything opens those bytes, what is read is bounded, and the user sees any failure as
one UnsafeFileError.
The parts of the workbook's structure (workbook.xml, its relationships, the content types, styles) are
parsed only when they are plain XML: no DOCTYPE, hence no entity to expand or fetch (_parse).

calamine has two hazards openpyxl has not, so each sheet's XML is scanned before calamine loads it
(regular expressions and finds on its bytes, read whole but bounded, no XML parser, hence no entities;
a pass of C each, with Python only for rows and for the few cells read otherwise, not for every cell):

- calamine loads a sheet into a dense grid from its first to its last cell: cells in A1 and XFD1048576
  make it allocate 512 GB and the process aborts (a Rust abort, not an exception). The scan finds the
  last row and column the cells name; a sheet reaching beyond MAX_CELLS from A1, or with a cell whose
  place it cannot read for certain, is read with openpyxl, whose read-only reader is bounded;
- calamine reads some cells otherwise: errors (#DIV/0!) as "", whole numbers as floats, dates as
  dates, texts trimmed or unescaped where openpyxl keeps them. Values are converted to what openpyxl
  gives (the scan supplies the error cells' text); where that cannot be done exactly (a date format,
  an "_x000D_" escape, "95.0" …) the sheet or the whole workbook is read with openpyxl.

Whatever calamine raises or panics on sends the sheet (or the workbook) to openpyxl too: a broken file
then gets openpyxl's UnsafeFileError, so both readers give the same message.
"""

from __future__ import annotations

import functools
import io
import math
import operator
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..core import field, record
from ..core.values import is_temporal
from . import _file_source
from ._cells import ArrayFormula, column_index
from ._file_source import FileSource, name_reach, read_checked
from ._merges import merged_ranges_in
from ._safety import Kept, forbidden_character

T = TypeVar("T")

#: The most cells (rows × columns from A1) calamine may allocate for one sheet: about 64 MB
MAX_CELLS = 2_000_000
#: A part is read whole; above this it is left to openpyxl (the pre-check allows 10 MB)
MAX_SCAN_BYTES = 16 * 1024 * 1024
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_ID = f"{{{_REL_NS}}}id"
#: workbook-scope names openpyxl keeps for itself (DefinedNameList.by_sheet)
_RESERVED_NAMES = ("_xlnm.Print_Titles", "_xlnm.Print_Area", "_xlnm._FilterDatabase")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")  # relationship ids, as every program writes them
_PLAIN_TARGET = re.compile(r"/?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_UTF8 = (b"utf-8", b"utf8", b"us-ascii", b"ascii")

# Every start tag of a cell or row, up to its r when that is written plainly as the first attribute:
# b'<row r="3"', b'<c r="AB3"', b'<c' (no r) … Joined, they make a short text the checks below read
_TAG_HEAD = re.compile(rb'<(?:c|row)(?=[\s/>])(?: r="[A-Z]{0,3}[0-9]{1,7}")?')
# in that text: a row numbered plainly and its cells, each in that row (\1: the same digits)
_ROW_OF_CELLS = re.compile(rb'<row r="([0-9]{1,7})"(?:<c r="[A-Z]{1,3}\1")*')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')
_SPACES = bytes.maketrans(b"\t\n\r\"'", b"     ")  # what may stand before an attribute's name
# r= after one of them: as many as data.translate(_SPACES).count(b" r="), found without a copy of the part
_R_ATTRIBUTE = re.compile(rb'r=(?<=[\t\n\r "\']r=)')
_SPACED_EQUALS = re.compile(rb"r\s+=")
# <x:c …>: a cell all the same to calamine (which goes by local names). A prefixed row is harmless: it
# only places cells without r, which make the scan refuse the sheet (and <xdr:row> is in every anchor)
_PREFIXED = re.compile(rb":c[\s/>]")
# texts calamine reads otherwise: it decodes an escape like _x000D_ (openpyxl keeps it), and trims the
# spaces around a text not marked xml:space="preserve"
_ODD = re.compile(rb"x[0-9A-Fa-f]{4}_")
_LEADING_SPACE = re.compile(rb"<t(?:\s(?![^<>]*preserve)[^<>]*)?>\s")
_WHITESPACE = bytes.maketrans(b"\t\n\r", b"   ")
_TEXT_SPACE = re.compile(_LEADING_SPACE.pattern + rb"|</t>")  # either: one pass where most parts have neither
# numbers openpyxl reads otherwise: "95.0" and "1E+15" as floats (calamine: 95.0, made 95 like "95"),
# 16 digits and more exactly (calamine: a float), " 12" as 12 (calamine: the text " 12")
# (possessive: a digit or "." given back could never be followed by what comes next, so nothing is
# tried again, and the matches are those of the same pattern without the "+")
_ODD_NUMBER = re.compile(rb"<v>(?:\s|-?(?:[0-9]{16}|[0-9]++\.0*+</v>|[0-9.]++[eE]\+?[0-9]))")
# (No pattern here can run on past the next tag: a hostile part cannot make them take quadratic time.)
_CELL_START = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>]*)>')
# the common cell holding such a number ("95.0", \3): no t, no </c>, the number alone, maybe after a formula;
# _odd_numbers reads it as any other, at less cost
_ODD_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="[0-9]{1,9}")?>(?:<f>[^<]*+</f>)?<v>(-?[0-9]++\.0*+)</v>')
# a cell: r, its other attributes, and what it holds up to </c> (never past the start of another cell)
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>]*?)(?:/>|>([^<]*(?:<(?!c[\s/>]|/c>)[^<]*)*)</c>)')
_FORMULA = re.compile(rb"<f(\s[^<>]*)?>")
_FORMULA_TEXT = re.compile(rb"([^<]*)</f>")
_REF = re.compile(rb'\sref="([A-Z$]{1,4}[0-9$]{1,8}(?::[A-Z$]{1,4}[0-9$]{1,8})?)"')
_SHARED_INDEX = re.compile(rb'\ssi="([0-9]{1,9})"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TYPE = re.compile(rb'\st="([^"]*)"')
_ERROR_TYPE = re.compile(rb'\st="e"')
_STYLE = re.compile(rb'\ss="([0-9]{1,9})"')
_FORMULA_TAG = re.compile(rb"<f[\s/>]")
# a formula right after its cell's start tag, with the range of an array formula written plainly (\3)
# (possessive: what [^<>] gives back is never the ">" that must follow)
_FORMULA_START = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*+><f'
                            rb'(?: t="array" ref="([A-Z$]{1,4}[0-9$]{1,8}(?::[A-Z$]{1,4}[0-9$]{1,8})?)"|[\s/>])')
# a shared-string cell written plainly (\1: the index, "" for <v></v>), and the strings' items
_STRING_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"[^<>]*? t="s"(?:[^<>]*/>|[^<>]*>(?:<f>[^<]*</f>)?(?:<v>([0-9]{0,9})</v>)?</c>)')
# the shared-string cell as spreadsheet programs write it, whole: <c r="B3" s="7" t="s"><v>180</v></c>
_COMMON_STRING_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,9}")? t="s"><v>([0-9]{0,9})</v></c>')
_STRING_ITEM = re.compile(rb"<si[\s/>]")
_SHEET_STATES = ("visible", "hidden", "veryHidden")
_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# openpyxl's date formats (styles.numbers.is_date_format, BUILTIN_FORMATS)
_FORMAT_LITERALS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_FORMAT_DATE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_WORKBOOK_TYPES = ("application/vnd.ms-excel.template.macroEnabled.main+xml",  # openpyxl's order
                   "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_XF_FORMAT = re.compile(rb'<xf [^<>]*?numFmtId="([0-9]{1,9})"')
_NUMBER_FORMAT = re.compile(rb'<numFmt numFmtId="([0-9]{1,9})" formatCode="([^"]*)"')
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_LARGEST_EXACT = 2 ** 53
_MAX_FIXED = 10_000  # cells (or texts) looked at one by one in a sheet; beyond, openpyxl reads it
_NEAR = 4096  # how far back a cell's or text's start tag is looked for


#: the parts the scan reads whole (_part, _sheet_bytes), which the check of the file may keep for it
#: the parts _read_structure reads; with the sheets, what the safety check keeps for the reader (_wanted)
_WORKBOOK, _RELATIONS, _STRINGS, _STYLES, _TYPES = (
    "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/styles.xml", "[Content_Types].xml")
_STRUCTURE_PARTS = frozenset({_WORKBOOK, _RELATIONS, _STRINGS, _STYLES, _TYPES})


def _wanted(name: str) -> bool:
    return name in _STRUCTURE_PARTS or name.startswith("xl/worksheets/")


class _Refuse(Exception):
    """This sheet (or workbook) is read with openpyxl."""


@record(frozen=False)
class _Sheet:
    """A sheet calamine may load: its part, and what the scan found there."""

    part: str
    #: (row, column) -> what openpyxl reads where calamine reads otherwise: "#DIV/0!" (calamine: ""), 95.0
    fixed: dict[tuple[int, int], Any] = field(default_factory=dict)
    formulas: bool = False
    #: the cells holding a formula, where the scan can tell for certain (formula_cells); None otherwise
    formula_cells: frozenset[tuple[int, int]] | None = None
    #: the merged ranges ("B6:C7"), as _merges.merged_ranges reads them
    merges: list[str] = field(default_factory=list)


@record(frozen=False)
class _Structure:
    """What a workbook's structure parts tell (xl/workbook.xml, its relationships, the styles): made by
    _read_workbook, never changed after, so that workbooks with the same parts share one."""

    names: dict[str, str] = field(default_factory=dict)  # workbook-scope names -> what they refer to
    sheet_names: list[str] = field(default_factory=list)  # the sheets openpyxl lists
    all_sheet_names: list[str] = field(default_factory=list)  # every <sheet>, as calamine lists them
    states: dict[str, str] = field(default_factory=dict)  # sheet -> "visible", "hidden" or "veryHidden"
    parts: dict[str, str | None] = field(default_factory=dict)  # sheet -> its part, None when only openpyxl may read it
    date_styles: frozenset[int] = frozenset()
    widths: dict[str, int] = field(default_factory=dict)  # the last column the layout's names reach (name_reach)


#: _Structure by the parts it was read from (and the zip's part names): a batch's workbooks made from one
#: template are read alike, in a worker, once
_STRUCTURES: dict[tuple[Any, ...], _Structure] = {}
_MAX_STRUCTURES = 16
_MAX_STRUCTURE_BYTES = 1024 * 1024


class CalamineSource:
    """An .xlsx/.xlsm file read with calamine: the values Excel saved, as FileSource gives them."""

    saved_values = True

    def __init__(self, path: Path) -> None:
        self.path = path
        # the file is opened once: everything below reads these bytes, or what their check read of them
        self._kept = Kept(_wanted)
        self._data = read_checked(path, self._kept)
        #: why a sheet ("" for the whole workbook, "<sheet>: formulas" for its formulas) is read with
        #: openpyxl instead (for tests and debugging)
        self.fallbacks: dict[str, str] = {}
        self._archive: zipfile.ZipFile | None = None
        self._book: Any = None
        self._openpyxl_source: FileSource | None = None
        self._structure = _Structure()
        self._sheets: dict[str, _Sheet | None] = {}
        self._formula_grids: dict[str, dict[tuple[int, int], str | ArrayFormula] | None] = {}
        self._members: dict[bytes, list[str]] = {}  # part names by calamine's key
        self._strings = 0  # the shared strings there are
        try:
            self._open()
        except BaseException:
            self.close()  # no CalamineSource to close: let go of the file (Windows locks it)
            raise

    # -- CellSource ------------------------------------------------------------------------------

    def defined_names(self) -> dict[str, str]:
        return self._openpyxl().defined_names() if self._whole else dict(self._structure.names)

    def sheet_names(self) -> Sequence[str]:
        return self._openpyxl().sheet_names() if self._whole else list(self._structure.sheet_names)

    def sheet_states(self) -> dict[str, str]:
        return self._openpyxl().sheet_states() if self._whole else dict(self._structure.states)

    def rows(self, sheet: str, last_row: int) -> Sequence[Sequence[Any]]:
        found = self._converted(sheet, last_row, _as_openpyxl)
        return found if found is not None else list(self._openpyxl().rows(sheet, last_row))

    def grid(self, sheet: str, last_row: int) -> dict[tuple[int, int], Any]:
        """The non-empty cells of `rows`, (row, column) -> value, in the same order: made in one pass
        over calamine's values (Cells keeps a sheet so)."""
        found = self._converted(sheet, last_row, _as_openpyxl_grid)
        if found is not None:
            return found
        return {(r, c): value for r, row in enumerate(self._openpyxl().rows(sheet, last_row), start=1)
                for c, value in enumerate(row, start=1) if value is not None}

    def _converted(self, sheet: str, last_row: int, convert: Callable[[list[list[Any]], int, dict[tuple[int, int], Any]], T]) -> T | None:
        """calamine's values of `sheet` made openpyxl's by `convert`; None when openpyxl reads the sheet."""
        plan = self._sheet(sheet)
        if plan is not None:
            try:
                values = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=max(last_row, 1))
                return convert(values, self._width(sheet), plan.fixed)
            except BaseException as exc:
                self._refuse(sheet, exc)
        return None

    def formula_rows(self, sheet: str, last_row: int) -> Sequence[Sequence[Any]]:
        """The formulas of a sheet's cells (_formula_cells): a shared formula in a cell with a saved
        value as written in its group's first cell, as the protocol allows; openpyxl's where the scan
        cannot tell."""
        plan = self._sheet(sheet)
        if plan is not None and not plan.formulas:
            return []
        formulas = self._formulas(sheet, plan) if plan is not None else None
        if formulas is None:
            self.fallbacks.setdefault(f"{sheet}: formulas", "a formula openpyxl must tell")
            return list(self._openpyxl().formula_rows(sheet, last_row))
        width = self._width(sheet)
        grid: list[list[Any]] = []
        for (row, col), formula in formulas.items():
            if row <= last_row and col <= width:
                grid.extend([None] * width for _ in range(row - len(grid)))
                grid[row - 1][col - 1] = formula
        return grid

    def formula_cells(self, sheet: str) -> frozenset[tuple[int, int]] | None:
        """(row, column) of every cell of `sheet` holding a formula, when the scan can tell for certain
        and no array formula fills other cells; None when only reading the formulas tells (formula_rows)."""
        plan = self._sheet(sheet)
        return None if plan is None else plan.formula_cells

    def merged_ranges(self, sheet: str) -> list[str]:
        """The sheet's merged ranges ("B6:C7"), read from its XML as FileSource does."""
        plan = self._sheet(sheet)
        if plan is None:
            return self._openpyxl().merged_ranges(sheet)
        return list(plan.merges)  # found by the scan, in the same bytes

    def close(self) -> None:
        book, archive, fallback = self._book, self._archive, self._openpyxl_source
        self._book = self._archive = self._openpyxl_source = None
        self._kept.close()  # (the zip, when _open did not take it over)
        try:
            if book is not None:
                book.close()
        finally:
            try:
                if archive is not None:
                    archive.close()
            finally:
                if fallback is not None:
                    fallback.close()

    # -- the workbook ----------------------------------------------------------------------------

    @property
    def _whole(self) -> bool:
        return "" in self.fallbacks

    def _openpyxl(self) -> FileSource:
        """The openpyxl reader of the same file, made when first needed (through the module, so that
        tests may replace FileSource)."""
        if self._openpyxl_source is None:
            self._openpyxl_source = _file_source.FileSource(self.path, self._data)
        return self._openpyxl_source

    def _open(self) -> None:
        """Read the workbook's structure as openpyxl would, and open it with calamine; when either is
        in doubt, the whole workbook is read with openpyxl (which then also gives its errors)."""
        import python_calamine

        try:
            archive, self._kept.archive = self._kept.archive, None  # the check's: its directory read once
            self._archive = archive if archive is not None else zipfile.ZipFile(io.BytesIO(self._data))
            self._read_structure()
            try:
                self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            except BaseException as exc:
                _library_failure(exc)
                raise _Refuse(f"calamine cannot open it: {type(exc).__name__}") from exc
            if list(self._book.sheet_names) != self._structure.all_sheet_names:
                raise _Refuse("calamine sees other sheets")
        except _Refuse as exc:
            self.fallbacks[""] = str(exc)
        except Exception as exc:  # noqa: BLE001 - openpyxl judges the file and says what is wrong
            self.fallbacks[""] = f"{type(exc).__name__}: {exc}"[:200]
        if self._whole:
            self._openpyxl()  # its errors come now, when FileSource's would

    def _read_structure(self) -> None:
        assert self._archive is not None
        names = self._archive.namelist()
        if any("\\" in name for name in names):
            raise _Refuse("a part named with a backslash")
        for name in names:
            self._members.setdefault(_ascii_lower(name), []).append(name)
        workbook = self._part(_WORKBOOK)
        relations = self._part(_RELATIONS)
        strings = self._part(_STRINGS, required=False)
        styles = self._part(_STYLES, required=False)
        types = self._part(_TYPES)
        # what follows from these parts alone, read before from the same bytes in this process (a batch's
        # workbooks made from one template): the checks passed then, and give the same now
        key = (tuple(names), workbook, relations, types, styles, bool(strings))
        known = _STRUCTURES.get(key)
        if known is None:
            _manifest(types, has_strings=bool(strings))
            _well_formed(styles)  # openpyxl parses it; the look at its bytes below does not
        if _odd_text(strings) or _trimmed(strings):
            raise _Refuse("shared strings calamine reads otherwise")
        if b":si" in strings or forbidden_character(strings)[0] >= 0:
            raise _Refuse("shared strings prefixed, or with a character XML forbids")  # openpyxl says what is wrong
        self._strings = len(_STRING_ITEM.findall(strings))
        if known is not None:
            self._structure = known
            return
        date_styles = _date_styles(styles)
        if 0 in date_styles:
            raise _Refuse("the default cell style is a date")
        self._structure = self._read_workbook(workbook, _relations(relations), set(names), date_styles)
        if sum(map(len, key[1:5])) <= _MAX_STRUCTURE_BYTES:  # (a template's parts: some ten KB)
            if len(_STRUCTURES) >= _MAX_STRUCTURES:
                _STRUCTURES.clear()
            _STRUCTURES[key] = self._structure

    def _part(self, name: str, *, required: bool = True) -> bytes:
        """A part calamine reads (it finds parts whatever their case), bounded; b"" when absent."""
        assert self._archive is not None
        found = self._members.get(_ascii_lower(name), [])
        if not found and not required:
            return b""
        if found != [name]:
            raise _Refuse(f"{name}: {len(found)} parts")
        data = self._kept.parts.get(name)  # read whole by the check (Kept), else now
        if data is None:
            with self._archive.open(name) as stream:
                data = stream.read(MAX_SCAN_BYTES + 1)
        if len(data) > MAX_SCAN_BYTES or not _plain_xml(data, first=True):
            raise _Refuse(f"{name} is not plain XML")
        return data

    def _read_workbook(self, workbook: bytes, relations: dict[str, dict[str, str]], names: set[str],
                       date_styles: frozenset[int]) -> _Structure:
        """Names and sheets from xl/workbook.xml, as openpyxl reads them; each sheet's part as calamine
        finds it (the r:id attribute by its prefix, the target by a simple rule) must be the one openpyxl
        reads, so that the part scanned is the part calamine loads."""
        found = _Structure(date_styles=date_styles)
        rel = _REL_NS.encode()
        bound = workbook.count(b'xmlns:r="' + rel + b'"')
        if workbook.count(rel) != bound or workbook.count(b"xmlns:r=") != bound:
            raise _Refuse("relationships namespace bound otherwise than to r")
        root = _parse(workbook)
        sheets = [el for el in root if _local(el.tag) == "sheets"]
        defined = [el for el in root if _local(el.tag) == "definedNames"]
        if len(sheets) > 1 or len(defined) > 1:
            raise _Refuse("repeated sheets or definedNames")
        for el in defined[0] if defined else ():
            if _local(el.tag) != "definedName":
                continue
            name, local = el.get("name"), el.get("localSheetId")
            if name is None:
                raise _Refuse("a name without name")
            if local is not None:
                int(local)  # openpyxl refuses the workbook otherwise
                continue
            if name not in _RESERVED_NAMES:
                found.names[name] = el.text or ""
        chosen: dict[str, str | None] = {}  # sheet -> the relationship calamine takes (the first sheet of the name)
        for el in sheets[0] if sheets else ():
            if _local(el.tag) != "sheet":
                continue
            name, rid = el.get("name"), el.get(_REL_ID)
            int(el.get("sheetId") or "")  # openpyxl refuses the workbook otherwise
            if name is None or sum(key.endswith("}id") for key in el.attrib) > 1:
                raise _Refuse("a sheet without name or with two ids")
            state = el.get("state") or "visible"
            if state not in _SHEET_STATES:
                raise _Refuse("a sheet state openpyxl refuses")
            found.all_sheet_names.append(name)
            chosen.setdefault(name, rid)
            if rid is None:
                continue  # openpyxl leaves it out (calamine refuses the workbook)
            if not _PLAIN_NAME.fullmatch(rid) or rid not in relations:
                raise _Refuse("a sheet's relationship id is not plain or not found")
            relation = relations[rid]
            target = _openpyxl_target(relation)
            if target not in names:
                continue  # openpyxl leaves out a sheet whose part is missing
            found.sheet_names.append(name)
            found.states.setdefault(name, state)
            if name in found.parts:
                continue
            part: str | None = target
            raw = relation.get("Target", "")
            calamine_part = _calamine_target(raw)
            if (chosen[name] != rid or "chartsheet" in relation.get("Type", "") or not _PLAIN_TARGET.fullmatch(raw)
                    or self._members.get(_ascii_lower(calamine_part)) != [target]
                    or calamine_part.split("/")[1:2] != ["worksheets"]):
                part = None
            found.parts[name] = part
        found.widths = name_reach(found.names)
        return found

    # -- sheets ----------------------------------------------------------------------------------

    def _sheet(self, sheet: str) -> _Sheet | None:
        """What calamine needs to read `sheet` as openpyxl would; None when openpyxl reads it."""
        if self._whole:
            return None
        if sheet not in self._sheets:
            part = self._structure.parts.get(sheet)
            plan = None
            if part is None:
                self.fallbacks[sheet] = "its part is not the one calamine would read"
            else:
                try:
                    plan = self._scan(part)
                except _Refuse as exc:
                    self.fallbacks[sheet] = str(exc)
                except Exception as exc:  # noqa: BLE001 - a broken part: openpyxl says what is wrong
                    self.fallbacks[sheet] = f"{type(exc).__name__}: {exc}"[:200]
            self._sheets[sheet] = plan
        return self._sheets[sheet]

    def _refuse(self, sheet: str, exc: BaseException) -> None:
        """calamine failed on `sheet`: openpyxl reads it from now on."""
        _library_failure(exc)
        self.fallbacks[sheet] = f"{type(exc).__name__}: {exc}"[:200]
        self._sheets[sheet] = None

    def _scan(self, part: str) -> _Sheet:
        """The cells' extent, error texts, merged ranges and whether any cell holds a formula; _Refuse
        when calamine may not load the sheet or would read it otherwise than openpyxl. Each check is a
        pass of C (a regular expression, a find) over the whole part; Python looks at rows and at the
        few cells read otherwise (errors, odd numbers), not at every cell."""
        data = self._sheet_bytes(part)
        if not _plain_xml(data, first=True) or _PREFIXED.search(data) or _odd_text(data) or _trimmed(data):
            raise _Refuse("markup or texts calamine reads otherwise")
        if forbidden_character(data)[0] >= 0 or not _plain_string_indexes(data, self._strings):
            raise _Refuse("a character XML forbids, or a shared-string index calamine reads otherwise")
        _check_extent(data)
        plan = _Sheet(part, merges=merged_ranges_in(data))
        if b't="e"' in data:
            plan.fixed.update(_errors(data))
        odd = _ODD_NUMBER.search(data)
        if odd:
            plan.fixed.update(_odd_numbers(data, odd.start()))  # (none before the first)
        if self._structure.date_styles and _styled(data, self._structure.date_styles):
            raise _Refuse("a cell styled as a date")
        plan.formulas = _FORMULA_TAG.search(data) is not None
        plan.formula_cells = _formula_positions(data) if plan.formulas else frozenset()
        return plan

    def _sheet_bytes(self, part: str) -> bytes:
        """The whole part, at most MAX_SCAN_BYTES (the safety check allows 10 MB)."""
        assert self._archive is not None
        data = self._kept.parts.get(part)  # read whole by the check (Kept), else now
        if data is None:
            with self._archive.open(part) as stream:
                data = stream.read(MAX_SCAN_BYTES + 1)  # to the end: zipfile checks the CRC there
        if len(data) > MAX_SCAN_BYTES:
            raise _Refuse("part too large to scan")
        return data

    def _formulas(self, sheet: str, plan: _Sheet) -> dict[tuple[int, int], str | ArrayFormula] | None:
        """(row, column) -> "=0.5+0.4" for the formula cells; None when openpyxl must tell (a shared
        formula without a saved value, an odd one)."""
        if sheet not in self._formula_grids:
            found: dict[tuple[int, int], str | ArrayFormula] | None
            try:
                found = _formula_cells(self._sheet_bytes(plan.part))
            except Exception:  # noqa: BLE001 - openpyxl reads what the scan cannot
                found = None
            self._formula_grids[sheet] = found
        return self._formula_grids[sheet]

    def _width(self, sheet: str) -> int:
        return self._structure.widths.get(sheet, 1)


def _check_extent(data: bytes) -> None:
    """_Refuse when the cells of a sheet reach beyond MAX_CELLS from A1, or unless each cell and row
    names its place plainly and once, as its first attribute (calamine places a cell by its r, openpyxl
    by the row it is in; calamine takes the last r of a tag, the scan the first), and rows come in
    order (openpyxl skips a row out of order, calamine reads it)."""
    heads = _TAG_HEAD.findall(data)
    if len(_R_ATTRIBUTE.findall(data)) != len(heads) or _SPACED_EQUALS.search(data):
        raise _Refuse("a cell or row with more than one r, or without")  # (or the next check refuses it)
    tags = b"".join(heads)
    # what _ROW_OF_CELLS leaves (a cell or row without r, a cell outside its row), and each row's number
    # between: a row's tag always starts a match, so these are all the rows
    pieces = _ROW_OF_CELLS.split(tags)
    if any(pieces[0::2]):
        raise _Refuse("a cell without r or outside its row, or a row without r")
    rows = list(map(int, pieces[1::2]))
    if rows and (rows[0] < 1 or not all(map(operator.lt, rows, rows[1:]))):
        raise _Refuse("a row out of order")
    last_row = rows[-1] if rows else 0
    if last_row * _column(b"ZZZ") > MAX_CELLS:  # (else any column will do: no need to find the last)
        last_column = max(map(_column, set(_CELL_COLUMN.findall(tags))), default=0)
        if last_row * last_column > MAX_CELLS:
            raise _Refuse(f"cells reach {last_row} rows × {last_column} columns")


def _plain_string_indexes(data: bytes, strings: int) -> bool:
    """Whether every shared-string cell is written plainly and names a string: calamine reads "-1" or
    "abc" as the first string, where openpyxl (and _safety.check_part) refuse them."""
    count = data.count(b't="s"')
    if not count:
        return True
    # Most sheets have only common string cells: when they hold every t="s", _STRING_CELL finds just
    # them, with the same index (each is a match of it, and a match holds one t="s"), and tries each
    # cell at far less cost; otherwise it is asked itself
    found = _COMMON_STRING_CELL.findall(data)
    if len(found) != count:
        found = _STRING_CELL.findall(data)
    return len(found) == count and max(map(int, filter(None, found)), default=-1) < strings


def _as_openpyxl(rows: list[list[Any]], width: int, fixed: dict[tuple[int, int], Any]) -> list[list[Any]]:
    """calamine's values as openpyxl gives them, row by row (each row as long as calamine's, at most
    `width`): the cells of _as_openpyxl_grid, None elsewhere."""
    out: list[list[Any]] = [[None] * min(len(cells), width) for cells in rows]
    for (row, col), value in _as_openpyxl_grid(rows, width, fixed).items():
        out[row - 1][col - 1] = value
    return out


def _as_openpyxl_grid(rows: list[list[Any]], width: int, fixed: dict[tuple[int, int], Any]) -> dict[tuple[int, int], Any]:
    """calamine's values as openpyxl gives them, (row, column) -> value for the cells that are not None,
    row by row: whole numbers as int, and the `fixed` cells. _Refuse on a date or time (openpyxl decides
    by its own reading of the number format, and reads serial numbers out of range as "#VALUE!") and on
    NaN or infinity ("NaN" or "inf" in the file, which openpyxl refuses; "1e400", its infinity, is fixed)."""
    grid: dict[tuple[int, int], Any] = {}
    for row, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells[:width], start=1):
            kind = type(value)
            if kind is str:
                value = value or None
            elif kind is float:
                if not math.isfinite(value) and (row, col) not in fixed:
                    raise _Refuse("a number that is not finite")
                value = int(value) if value.is_integer() and abs(value) < _LARGEST_EXACT else value
            elif kind is not int and kind is not bool and is_temporal(value):
                raise _Refuse("a date or time")
            if fixed and (row, col) in fixed:
                value = fixed[(row, col)]
            if value is not None:
                grid[(row, col)] = value
    return grid


def _odd_numbers(chunk: bytes, first: int = 0) -> dict[tuple[int, int], Any]:
    """(row, column) -> the number openpyxl reads (_reader._cast_number) for the number cells whose text
    calamine reads otherwise (_ODD_NUMBER); `first`: where the first may be."""
    found: dict[tuple[int, int], Any] = {}
    for count, match in enumerate(_ODD_NUMBER.finditer(chunk, first)):
        if count >= _MAX_FIXED:
            raise _Refuse("too many numbers openpyxl reads otherwise")
        start = chunk.rfind(b"<c", max(match.start() - _NEAR, 0), match.start())  # the cell holding the <v>
        common = _ODD_CELL.match(chunk, start) if start >= 0 else None
        if common is not None and common.start(3) == match.start() + 3:  # the common cell: read as below
            found[(int(common.group(2)), _column(common.group(1)))] = float(common.group(3).decode("ascii"))
            continue
        cell = _CELL_START.match(chunk, start) if start >= 0 else None
        value = _VALUE.match(chunk, match.start())
        if (cell is None or value is None or cell.group(3).endswith(b"/")
                or chunk.find(b"</c>", start, match.start()) >= 0 or b"&" in value.group(1)):
            raise _Refuse("a number openpyxl reads otherwise")  # or a <v> outside a cell
        kind = _TYPE.search(cell.group(3))
        if kind is not None and kind.group(1) in (b"s", b"b"):
            raise _Refuse("an index or truth value openpyxl reads otherwise")  # " 3": openpyxl 3, calamine 0
        if kind is not None and kind.group(1) != b"n":
            continue  # a text (t="str"): read alike
        text = value.group(1).decode("ascii")
        number = float(text) if "." in text or "e" in text or "E" in text else int(text)
        found[(int(cell.group(2)), _column(cell.group(1)))] = number
    return found


def _errors(data: bytes) -> dict[tuple[int, int], str]:
    """(row, column) -> "#DIV/0!" for the error cells (t="e") of a sheet: each t="e" is looked at, in
    the cell whose start tag holds it (none, when it stands in a text or another element)."""
    found = {}
    start, cell = -1, None
    for count, match in enumerate(_ERROR_TYPE.finditer(data)):
        if count >= _MAX_FIXED:
            raise _Refuse("too many error cells")
        at = match.start()
        near = data.rfind(b"<c", max(at - _NEAR, 0), at)  # the tag holding it: a tag holds no "<"
        if near < 0:
            raise _Refuse("an error cell openpyxl reads otherwise")
        if near != start:  # (a cell is matched once, however many t="e" it holds)
            start, cell = near, _CELL.match(data, near)
        if cell is None or not cell.start(3) <= at < cell.end(3):
            continue  # not a cell's attribute (a text, a <cfRule>, a broken cell, which _CELL skips too)
        kind = _TYPE.search(cell.group(3))
        if kind is None or kind.group(1) != b"e":
            continue
        value = _VALUE.search(cell.group(4) or b"")
        text = value.group(1) if value else b""
        if b"&" in text:
            raise _Refuse("an error cell with an entity")
        if text:
            found[(int(cell.group(2)), _column(cell.group(1)))] = text.decode("utf-8")
    return found


def _formula_positions(data: bytes) -> frozenset[tuple[int, int]] | None:
    """The cells holding a formula, found where a formula begins right after a cell's start tag (as
    spreadsheet programs write it); None unless that accounts for every formula of the sheet and every
    array formula fills only its own cell (one filling others gives them a formula too): a formula's text
    is read only when asked for, and no score formula of the 评分表 is read to learn that an input has none."""
    found = _FORMULA_START.findall(data)  # (one pass over the cells finds both)
    arrays = data.count(b"array")
    if arrays:  # only array formulas of one cell each, its own (as the .xlsx edition's 评分表 has them)
        own = [(letters + row, ref) for letters, row, ref in found if ref]
        if len(own) != arrays or any(ref.replace(b"$", b"").split(b":")[0] != cell or
                                     len(set(ref.replace(b"$", b"").split(b":"))) != 1 for cell, ref in own):
            return None
    if len(found) != len(_FORMULA_TAG.findall(data)):
        return None
    return frozenset((int(row), _column(letters)) for letters, row, _ in found)


def _formula_cells(data: bytes) -> dict[tuple[int, int], str | ArrayFormula] | None:
    """The formula cells of a sheet, as openpyxl gives their formulas ("=" + the text; an ArrayFormula
    in the first cell of an array formula); None when openpyxl must tell. A shared formula in a cell
    with a saved value is given as written in the group's first cell (untranslated: only the functions
    and workbooks it draws on are asked of it); in a cell without one, openpyxl translates it. Each <f>
    is looked at in the cell holding it (a cell's body holds no <c r=", so the last before the <f>
    starts it), not every cell."""
    found: dict[tuple[int, int], str | ArrayFormula] = {}
    shared: dict[bytes, str] = {}  # si -> the text of the group's first cell
    start = -1
    for tag in _FORMULA_TAG.finditer(data):
        at = tag.start()
        near = data.rfind(b'<c r="', max(at - _NEAR, 0), at)
        if near < 0:
            return None  # far from the start of its cell, or in none
        if near == start:
            continue  # in a cell already looked at (its first <f> counts)
        start = near
        match = _CELL.match(data, near)
        body = match.group(4) if match is not None else None
        if match is None or body is None or not match.start(4) <= at < match.end(4):
            continue  # in no cell's body
        kind = _TYPE.search(match.group(3))
        value = _VALUE.search(body)
        saved = bool(value and value.group(1).strip() and b"&" not in value.group(1)
                     and (kind is None or kind.group(1) not in (b"s", b"inlineStr")))  # read, never blank
        formula = _FORMULA.search(body)
        if formula is None:
            return None
        attributes = formula.group(1) or b""
        formula_kind = _TYPE.search(attributes)
        if formula_kind is not None and formula_kind.group(1) == b"dataTable":
            continue  # openpyxl gives an object, not a text: no formula is reported
        if attributes.endswith(b"/"):
            text: str | None = ""  # <f/>: openpyxl gives "="
        else:
            content = _FORMULA_TEXT.match(body, formula.end())
            text = _xml_text(content.group(1)) if content is not None else None
        if text is None:
            return None
        cell = (int(match.group(2)), _column(match.group(1)))
        if formula_kind is not None and formula_kind.group(1) == b"array":
            ref = _REF.search(attributes)
            found[cell] = ArrayFormula(ref.group(1).decode("ascii") if ref else match.group(1).decode("ascii")
                                       + match.group(2).decode("ascii"), "=" + text)
            continue
        if formula_kind is not None and formula_kind.group(1) != b"normal":
            si = _SHARED_INDEX.search(attributes)
            if formula_kind.group(1) != b"shared" or not saved or si is None:
                return None  # openpyxl translates the formula to the cell
            if text:
                shared[si.group(1)] = text
            elif si.group(1) in shared:
                text = shared[si.group(1)]
            else:
                return None
        found[cell] = "=" + text
    return found


def _xml_text(raw: bytes) -> str | None:
    """The text of an element as an XML parser gives it; None for what only a parser can tell."""
    text = raw.decode("utf-8")
    if "\r" in text or "&" in _ENTITY.sub("", text):
        return None  # a parser turns line ends into "\n"; other entities are not XML's

    def character(match: re.Match[str]) -> str:
        hex_code, code, name = match.groups()
        return _ENTITIES[name] if name else chr(int(hex_code, 16) if hex_code else int(code))

    return _ENTITY.sub(character, text)


def _relations(data: bytes) -> dict[str, dict[str, str]]:
    """The workbook's relationships by id (the last of an id wins, as in both readers)."""
    if b"&" in data:
        raise _Refuse("an entity in the relationships")  # calamine does not unescape them
    found = {}
    for el in _parse(data):
        if _local(el.tag) == "Relationship":
            rid = el.get("Id") or ""
            if not _PLAIN_NAME.fullmatch(rid):
                raise _Refuse("a relationship id that is not plain")
            found[rid] = dict(el.attrib)
    return found


def _manifest(data: bytes, *, has_strings: bool) -> None:
    """[Content_Types].xml, which openpyxl reads to find the workbook part and the shared strings
    (reader.excel.ExcelReader.read_manifest, _find_workbook_part, read_strings) and calamine does not:
    _Refuse unless both readers then read the same parts."""
    overrides: dict[str, str] = {}  # content type -> the first part of that type
    defaults = set()
    for el in _parse(data):
        if _local(el.tag) == "Override":
            overrides.setdefault(el.get("ContentType") or "", el.get("PartName") or "")
        elif _local(el.tag) == "Default":
            defaults.add(el.get("ContentType") or "")
    workbook = next((overrides[kind] for kind in _WORKBOOK_TYPES if overrides.get(kind)), None)
    if workbook is None and defaults & set(_WORKBOOK_TYPES):
        workbook = "/xl/workbook.xml"
    strings = overrides.get(_STRINGS_TYPE)
    if workbook != "/xl/workbook.xml" or (strings != "/xl/sharedStrings.xml" if strings is not None else has_strings):
        raise _Refuse("the content types name other parts than calamine reads")


class _Element:
    """An element as ElementTree gives it (tag and attribute names "{namespace}local"), with only what
    the reading of the workbook's structure uses: tag, attrib, get, text, its children in order."""

    __slots__ = ("tag", "attrib", "text", "children")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag, self.attrib, self.text = tag, attrib, None
        self.children: list[_Element] = []

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)

    def __iter__(self) -> Iterator[_Element]:
        return iter(self.children)


def _parse(data: bytes) -> _Element:
    """The root element of a part `_part` read (plain XML: no DOCTYPE, hence no entity declared, none
    to expand or fetch), with expat in C as ElementTree would parse it (ElementTree itself costs 2 ms to
    import); defusedxml's parser (in Python, which refuses DOCTYPEs as it parses) costs twice as much on
    xl/workbook.xml, and has nothing left to refuse."""
    from xml.parsers import expat

    if not _plain_xml(data, first=True):
        raise _Refuse("not plain XML")  # never: _part refused it (checked again here, it is cheap)
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[_Element] = []
    found: list[_Element] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        element = _Element(_qualified(name), {_qualified(k): v for k, v in attributes.items()})
        (stack[-1].children if stack else found).append(element)
        stack.append(element)

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        element = stack[-1]
        if not element.children:  # the text before its first child (what follows a child is its tail)
            element.text = (element.text or "") + data

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.Parse(data, True)
    return found[0]


def _qualified(name: str) -> str:
    """expat's "namespace}local" as ElementTree writes it: "{namespace}local"."""
    return "{" + name if "}" in name else name


def _well_formed(data: bytes) -> None:
    """Raise on XML openpyxl's parser refuses (calamine's is lenient)."""
    if data:
        from xml.parsers import expat

        expat.ParserCreate().Parse(data, True)  # no DOCTYPE (_plain_xml): nothing to expand


def _openpyxl_target(relation: dict[str, str]) -> str:
    """The part openpyxl reads for a relationship of xl/workbook.xml (packaging.relationship.get_dependents)."""
    target = relation.get("Target", "")
    if relation.get("TargetMode") == "External":
        return target
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join("xl", target))


def _calamine_target(target: str) -> str:
    """The part calamine reads for a sheet's target (xlsx::Xlsx::read_workbook)."""
    if target.startswith("/xl/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return f"xl/{target}"


def _date_styles(styles: bytes) -> frozenset[int]:
    """The cell styles (indexes of cellXfs) openpyxl reads numbers of as dates, times or durations
    (styles.stylesheet.Stylesheet._normalise_numbers). Most workbooks use no date format at all, which
    a look at the bytes tells (parsing styles.xml costs half a millisecond)."""
    if not styles or not _may_have_dates(styles):
        return frozenset()
    root = _parse(styles)
    custom: dict[int, str] = {}
    formats: list[int] = []
    for group in root:
        if _local(group.tag) == "numFmts":
            for el in group:
                if _local(el.tag) == "numFmt":
                    custom[int(el.get("numFmtId") or "")] = el.get("formatCode") or ""
        elif _local(group.tag) == "cellXfs":
            formats = [int(el.get("numFmtId") or 0) for el in group if _local(el.tag) == "xf"]
    return frozenset(i for i, number in enumerate(formats)
                     if (is_date_format(custom[number]) if number in custom else number in _BUILTIN_DATES))


def _styled(data: bytes, styles: frozenset[int]) -> bool:
    """Whether a cell (or row) of a sheet has one of `styles` (s="14", as int() reads s="014")."""
    if len(styles) > 100:
        return not styles.isdisjoint(int(style) for style in set(_STYLE.findall(data)))
    return _style_pattern(styles).search(data) is not None


@functools.lru_cache(maxsize=64)
def _style_pattern(styles: frozenset[int]) -> re.Pattern[bytes]:
    """s="14" or s="014" … for a few styles: one pass, where gathering every cell's s costs 5 times more."""
    return re.compile(rb'\ss="0*(?:%s)"' % b"|".join(b"%d" % style for style in sorted(styles)))


def _may_have_dates(styles: bytes) -> bool:
    """False when no style can be a date: no format of any <xf> is a built-in date format or a custom
    format that may be one (or the bytes are written unlike <xf numFmtId="3"…>, <numFmt numFmtId="164"
    formatCode="0.00"/>)."""
    if styles.count(b"<xf ") != styles.count(b"<xf") or styles.count(b"<numFmt ") != len(_NUMBER_FORMAT.findall(styles)):
        return True
    used = {int(number) for number in _XF_FORMAT.findall(styles)}
    if used & _BUILTIN_DATES:
        return True
    for number, code in _NUMBER_FORMAT.findall(styles):
        text = _xml_text(code)
        if int(number) in used and (text is None or is_date_format(text)):
            return True
    return False


def is_date_format(code: str) -> bool:
    """openpyxl's styles.numbers.is_date_format (copied: importing openpyxl costs a tenth of a second)."""
    return _FORMAT_DATE.search(_FORMAT_LITERALS.sub("", code.split(";")[0])) is not None


def _odd_text(data: bytes) -> bool:
    """Whether there is an escape like _x000D_ (the "_" looked for first: a byte is found fastest)."""
    return b"_" in data and _ODD.search(data) is not None


def _trimmed(data: bytes) -> bool:
    """Whether a text (<t>) starts or ends with spaces and is not marked xml:space="preserve": calamine
    trims those spaces, openpyxl keeps them. (Texts ending with a space are looked at one by one: a
    single regular expression would backtrack over every text.)"""
    if _TEXT_SPACE.search(data) is None:
        return False
    if _LEADING_SPACE.search(data):
        return True
    looked = 0
    spaced = data.translate(_WHITESPACE)  # the four spaces at once, in the same places
    end = spaced.find(b" </t>")
    while end >= 0:
        start = data.rfind(b"<t", max(end - _NEAR, 0), end)  # the text's own tag: a text holds no "<"
        close = data.find(b">", start, end) if start >= 0 else -1
        looked += 1
        if close < 0 or looked > _MAX_FIXED or b"preserve" not in data[start:close]:
            return True
        end = spaced.find(b" </t>", end + 1)
    return False


def _plain_xml(data: bytes, *, first: bool) -> bool:
    """UTF-8 without DOCTYPE, comments or CDATA: what spreadsheet programs write, and what a scan of
    the bytes sees through (UTF-16 would hide every tag from it; NUL never occurs in UTF-8 XML)."""
    if b"\0" in data or (b"!" in data and b"<!" in data):  # (a byte is found faster than two)
        return False
    if first:
        declared = _ENCODING.match(data)
        if declared and declared.group(1).lower() not in _UTF8:
            return False
    return True


def _library_failure(exc: BaseException) -> None:
    """Re-raise what is not a failure of calamine on this file (Ctrl+C …). A Rust panic arrives as
    pyo3's PanicException, a BaseException."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


@functools.lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    """b"AB" -> 28 (cached: a sheet names the same few columns in every row)."""
    return column_index(letters.decode("ascii"))


def _ascii_lower(name: str) -> bytes:
    """The key calamine compares part names by (Rust's eq_ignore_ascii_case)."""
    return name.encode("utf-8", "surrogateescape").lower()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
