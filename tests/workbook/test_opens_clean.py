"""The macro workbook opens clean: what Excel, WPS and a preview see before any code runs.

Read back with the zip itself, olefile and oletools (not with the pyOpenVBA that wrote it):

- a current calculation engine (calcId >= 191029) and no forced full recalculation on load, so Excel keeps
  the saved results and does not ask to save a file nobody changed;
- every formula's saved result is what the UDFs (the engine) give for the inputs the file holds, in the
  example and in the blank workbook, where a score that cannot be computed is saved as its Chinese
  message, never as a number; an empty result is saved as text, as Excel saves it;
- the VBA project as [MS-OVBA] tells a writer to write it: the 7-byte _VBA_PROJECT stream (version
  0xFFFF, no performance cache), module streams holding only their compressed source (MODULEOFFSET 0,
  no compiled p-code), cookies 0xFFFF; olevba still extracts every module;
- the xlwings.conf sheet hidden, and the workbook still read and scored by xlperf.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import olefile
import openpyxl
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from xlperf import udfs
from xlperf.workbook import layout as L

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "workbook" / "绩效自评.xlsm"  # the blank macro workbook (a fresh build, see test_xlsm.py)
CURRENT_CALC_ID = 191029  # Excel 2019 / Microsoft 365
UDF_INPUTS = (L.FRAMEWORK, L.CODES, L.VALUES, L.NAMES, L.FACT_KEYS, L.FACT_VALUES, L.TARGETS)
PROJECT_STREAM = bytes.fromhex("cc61ffff000100")  # 0x61CC, version 0xFFFF, 0x00, Reserved3 0x0001


@pytest.fixture(scope="module", params=["example", "blank"])
def macro_workbook(request: pytest.FixtureRequest, example_macro_workbook: Path) -> Path:
    return example_macro_workbook if request.param == "example" else COMMITTED


def _workbook_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("xl/workbook.xml").decode("utf-8")


def _project(path: Path) -> olefile.OleFileIO:
    with zipfile.ZipFile(path) as package:
        return olefile.OleFileIO(io.BytesIO(package.read("xl/vbaProject.bin")))


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed dir stream ([MS-OVBA] 2.3.4.2): (id, data) in order."""
    records, at = [], 0
    while at + 6 <= len(data):
        record_id, size = struct.unpack_from("<HI", data, at)
        at += 6
        if record_id == 0x0009:  # PROJECTVERSION: its Reserved says 4, then 6 bytes of version follow
            size = 6
        records.append((record_id, data[at:at + size]))
        at += size
        if record_id == 0x0010:  # the dir stream's terminator
            break
    return records


def _modules(path: Path) -> list[dict[str, Any]]:
    """Each module of the dir stream: its stream name, MODULEOFFSET and cookie."""
    ole = _project(path)
    try:
        records = _dir_records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
    finally:
        ole.close()
    modules: list[dict[str, Any]] = []
    for record_id, data in records:
        if record_id == 0x0019:  # MODULENAME starts a module
            modules.append({"name": data.decode("latin-1")})
        elif record_id == 0x001A:
            modules[-1]["stream"] = data.decode("latin-1")
        elif record_id == 0x0031:
            modules[-1]["offset"] = struct.unpack("<I", data)[0]
        elif record_id == 0x002C:
            modules[-1]["cookie"] = struct.unpack("<H", data)[0]
    return modules


@pytest.fixture(scope="module")
def blank_plain_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blank .xlsx, as `xlperf new -o X.xlsx` writes it."""
    from xlperf.core.frameworks import load_framework
    from xlperf.workbook.build import build_workbook

    folder = tmp_path_factory.mktemp("blank-xlsx")
    return build_workbook(folder / "blank.xlsx", load_framework("gz-baiyun-2022"))


class TestCalculation:
    @pytest.mark.parametrize("workbook", ["example_macro_workbook", "committed", "example_workbook",
                                          "blank_plain_workbook"])
    def test_current_engine_and_no_full_recalculation(self, workbook: str,
                                                      request: pytest.FixtureRequest) -> None:
        """calcPr names Excel 2019/365's engine and does not force a full recalculation on load: both
        editions, filled and blank."""
        path = COMMITTED if workbook == "committed" else request.getfixturevalue(workbook)
        found = re.findall(r"<calcPr\b[^>]*>", _workbook_xml(path))
        assert len(found) == 1, found
        calc_id = re.search(r'calcId="(\d+)"', found[0])
        assert calc_id and int(calc_id.group(1)) >= CURRENT_CALC_ID, found[0]
        assert "fullCalcOnLoad" not in found[0] and "calcMode" not in found[0], found[0]


def _range(book: Any, name: str) -> list[list[Any]]:
    """The values of a defined name's cells, as xlwings hands a range to a UDF (rows of cells)."""
    (sheet, ref), = book.defined_names[name].destinations
    cells = book[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [[cells.value]]
    return [[cell.value for cell in row] for row in cells]


def _same(saved: Any, computed: Any) -> bool:
    """A saved result equals the UDF's: numbers exactly, text as text, "" and an empty cell alike."""
    if computed == "" or computed is None:
        return saved in ("", None)
    if isinstance(computed, float):
        return isinstance(saved, (int, float)) and not isinstance(saved, bool) and float(saved) == computed
    return saved == computed


class TestCachedValues:
    def test_every_formula_has_the_result_the_engine_gives(self, macro_workbook: Path) -> None:
        """Each formula cell of every sheet (every cell of an array block) saves what the UDFs return
        for the inputs the file holds; no formula goes unchecked."""
        formulas = openpyxl.load_workbook(macro_workbook)
        saved = openpyxl.load_workbook(macro_workbook, data_only=True)
        inputs = [_range(formulas, name) for name in UDF_INPUTS]
        expected: dict[tuple[str, str], Any] = {}
        status = "" if udfs.PERF_STATUS().startswith("xlperf") else "hint"
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    text = getattr(value, "text", value)
                    if not (isinstance(text, str) and text.startswith("=")):
                        continue
                    if "PERF_STATUS()" in text:
                        expected[(ws.title, cell.coordinate)] = status
                        continue
                    found = re.fullmatch(r"=(PERF_SCORES|PERF_TOTAL|PERF_CATEGORY_SCORES)\((.*)\)", text)
                    assert found, f"{ws.title}!{cell.coordinate} has a formula this test does not know: {text}"
                    assert [a.strip() for a in found.group(2).split(",")] == list(UDF_INPUTS)
                    block = getattr(value, "ref", cell.coordinate)
                    result = getattr(udfs, found.group(1))(*inputs)
                    cells = ws[block] if ":" in block else ((ws[block],),)
                    assert len(cells) == len(result) and all(len(r) == len(v) for r, v in zip(cells, result)), block
                    for cells_row, values in zip(cells, result):
                        for target, computed in zip(cells_row, values):
                            expected[(ws.title, target.coordinate)] = computed
        assert {sheet for sheet, _ in expected} == {L.SCORESHEET}
        assert len(expected) > 3 * 20  # the 评分表's block, total, grade, subtotals and the hint
        wrong = {place: (saved[place[0]][place[1]].value, computed) for place, computed in expected.items()
                 if not _same(saved[place[0]][place[1]].value, computed)}
        assert wrong == {}

    def test_blank_workbook_shows_no_number_as_a_score(self) -> None:
        """In the blank workbook every 自评得分 and the 总分 are saved as the Chinese message saying why
        they cannot be scored, and the 等级 is empty."""
        ws = openpyxl.load_workbook(COMMITTED, data_only=True)[L.SCORESHEET]
        scores = [row[0].value for row in ws[_range_ref(COMMITTED, L.SCORES)]]
        assert scores and all(isinstance(s, str) and s.startswith("错误：") for s in scores), scores
        total = ws[_range_ref(COMMITTED, L.TOTAL)].value
        assert isinstance(total, str) and total.endswith("项指标无法计分"), total
        assert ws[_range_ref(COMMITTED, L.GRADE)].value in ("", None)

    def test_empty_results_are_saved_as_text(self, macro_workbook: Path) -> None:
        """A formula whose result is "" carries t="str", as Excel writes it: an untyped empty result is a
        number still to be calculated, which Excel recalculates on open."""
        with zipfile.ZipFile(macro_workbook) as package:
            for name in package.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    xml = package.read(name).decode("utf-8")
                    cells = re.findall(r"<c\b[^>]*><f\b[^>]*>[^<]*</f><v></v></c>", xml)
                    assert all('t="str"' in c for c in cells), (name, [c for c in cells if 't="str"' not in c])


def _range_ref(path: Path, name: str) -> str:
    book = openpyxl.load_workbook(path)
    (_, ref), = book.defined_names[name].destinations
    return ref.replace("$", "")


class TestVbaProject:
    def test_vba_project_stream_is_the_seven_bytes_a_writer_writes(self, macro_workbook: Path) -> None:
        """_VBA_PROJECT is 0x61CC, version 0xFFFF, 0x00 and two reserved bytes: no performance cache."""
        ole = _project(macro_workbook)
        try:
            stream = ole.openstream("VBA/_VBA_PROJECT").read()
        finally:
            ole.close()
        assert stream == PROJECT_STREAM
        assert struct.unpack_from("<H", stream, 2)[0] == 0xFFFF

    def test_no_module_carries_compiled_code(self, macro_workbook: Path) -> None:
        """Every module's MODULEOFFSET is 0 and its stream is nothing but its compressed source, which
        decompresses to exactly what olevba extracts; cookies are 0xFFFF; no SRP stream is left."""
        modules = _modules(macro_workbook)
        parser = VBA_Parser(str(macro_workbook))
        try:
            extracted = {stream.rsplit("/", 1)[-1]: code for _, stream, _, code in parser.extract_macros()}
        finally:
            parser.close()
        assert {m["name"] for m in modules} == set(extracted)
        ole = _project(macro_workbook)
        try:
            assert not [e for e in ole.listdir() if e[-1].startswith("__SRP_")]
            for module in modules:
                assert module["offset"] == 0 and module["cookie"] == 0xFFFF, module
                data = ole.openstream(f"VBA/{module['stream']}").read()
                source = bytes(decompress_stream(bytearray(data))).decode("latin-1")
                assert source.replace("\r\n", "\n").rstrip("\n") == \
                    extracted[module["name"]].replace("\r\n", "\n").rstrip("\n"), module["name"]
                assert source.startswith(f'Attribute VB_Name = "{module["name"]}"'), module["name"]
        finally:
            ole.close()

    def test_project_cookie_is_ffff(self, macro_workbook: Path) -> None:
        """PROJECTCOOKIE, like every MODULECOOKIE, is written as 0xFFFF."""
        ole = _project(macro_workbook)
        try:
            records = _dir_records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
        finally:
            ole.close()
        assert [struct.unpack("<H", data)[0] for rid, data in records if rid == 0x0013] == [0xFFFF]


class TestConfigSheet:
    def test_xlwings_conf_is_hidden_and_only_it(self, macro_workbook: Path) -> None:
        """xlwings.conf is state="hidden"; every other sheet is visible; no layout name points at it."""
        sheets = re.findall(r"<sheet\b[^>]*>", _workbook_xml(macro_workbook))
        hidden = [s for s in sheets if 'state="hidden"' in s or 'state="veryHidden"' in s]
        assert hidden == [s for s in sheets if f'name="{L.CONFIG_SHEET}"' in s] and len(hidden) == 1
        assert 'state="hidden"' in hidden[0]
        book = openpyxl.load_workbook(macro_workbook)
        assert book[L.CONFIG_SHEET].sheet_state == "hidden"
        assert book.active.title == L.GUIDE_SHEET
        pointing = [name for name, defined in book.defined_names.items()
                    if any(sheet == L.CONFIG_SHEET for sheet, _ in defined.destinations)]
        assert pointing == []

    def test_the_workbook_is_still_read_and_checked(self, macro_workbook: Path) -> None:
        """xlperf check reads the workbook with its hidden sheet like any other (no layout error)."""
        result = subprocess.run([sys.executable, "-m", "xlperf", "check", str(macro_workbook)], capture_output=True,
                                text=True, encoding="utf-8", timeout=120, check=False)
        assert "Traceback" not in result.stderr
        assert "隐藏" not in result.stdout + result.stderr, result.stdout + result.stderr
        assert result.returncode in (0, 1), result.stdout + result.stderr
