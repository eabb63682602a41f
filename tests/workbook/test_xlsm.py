"""The macro workbook (.xlsm): its VBA, buttons and xlwings.conf, checked by independent readers.

Nothing here runs Excel. olevba (oletools) and LibreOffice read the VBA project the way other programs
do; the shipped xlwings_udfs.bas must equal a fresh generation; the committed workbook must be a fresh build.
Regenerate both with `python scripts/regenerate-golden.py` (docs/developer-workbook-build.md).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pytest
import xlwings
from oletools.olevba import VBA_Parser

from xlperf import udfs
from xlperf._open import example_year
from xlperf._udf_wrappers import generate_udf_wrappers
from xlperf.workbook import layout as L
from xlperf.workbook import vba
from xlperf.workbook.build import build_workbook

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = vba.UDF_WRAPPERS_FILE
COMMITTED = ROOT / "workbook" / "绩效自评.xlsm"
REGENERATE = "python scripts/regenerate-golden.py"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"  # VB_Base of ThisWorkbook
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"  # VB_Base of a worksheet's document module
BUTTONS = {"GenerateReport": "生成报告", "CheckWorkbook": "检查填报"}


def _xlperf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, timeout=120, check=False)


@pytest.fixture(scope="module")
def example_xlsm(example_macro_workbook: Path) -> Path:
    return example_macro_workbook


@pytest.fixture(scope="module")
def modules(example_xlsm: Path) -> dict[str, str]:
    """Every VBA module of the example, as olevba extracts it: {name: source}."""
    parser = VBA_Parser(str(example_xlsm))
    try:
        return {stream.rsplit("/", 1)[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _attributes(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', tag))


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """{sheet name: its part}, through the workbook's relationships."""
    targets = {_attributes(t)["Id"]: _attributes(t)["Target"]
               for t in re.findall(r"<Relationship\b[^>]*>", parts["xl/_rels/workbook.xml.rels"].decode())}
    return {a["name"]: f"xl/{targets[a['r:id']]}"
            for a in map(_attributes, re.findall(r"<sheet\b[^>]*>", parts["xl/workbook.xml"].decode()))}


def _code_name(xml: bytes, element: str) -> str:
    found = re.search(rf"<{element}\b[^>]*>", xml.decode("utf-8"))
    return _attributes(found.group()).get("codeName", "") if found else ""


def _vml_of(parts: dict[str, bytes], sheet_part: str) -> str:
    """The VML drawing (where form buttons live) of one sheet, or "" if it has none."""
    path = PurePosixPath(sheet_part)
    rels = parts.get(str(path.parent / "_rels" / f"{path.name}.rels"), b"").decode()
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        attributes = _attributes(tag)
        if attributes["Type"].endswith("/vmlDrawing"):
            target = PurePosixPath(*(path.parent / attributes["Target"]).parts)
            resolved: list[str] = []
            for part in target.parts:
                if part == "..":
                    resolved.pop()
                else:
                    resolved.append(part)
            return parts["/".join(resolved)].decode("utf-8")
    return ""


def _buttons(vml: str) -> list[tuple[str, str, list[int]]]:
    """(macro, caption, anchor) of each form button: anchor is [col, dx, row, dy, col2, dx2, row2, dy2]."""
    found = []
    for shape in re.findall(r"<v:shape\b.*?</v:shape>", vml, re.DOTALL):
        if 'ObjectType="Button"' not in shape:
            continue
        macro = re.search(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape)
        textbox = re.search(r"<v:textbox\b.*?</v:textbox>", shape, re.DOTALL)
        caption = re.sub(r"<[^>]+>", "", textbox.group() if textbox else "")
        anchor = re.search(r"<x:Anchor>(.*?)</x:Anchor>", shape)
        found.append((macro.group(1) if macro else "", caption.strip(),
                      [int(n) for n in anchor.group(1).split(",")] if anchor else []))
    return found


class TestGeneratedVba:
    def test_wrappers_equal_the_golden_file(self) -> None:
        """The xlwings_udfs module generated from xlperf.udfs is the reviewed one the workbook embeds."""
        assert generate_udf_wrappers().encode("ascii") == GOLDEN.read_bytes() == vba.udf_wrappers_vba().encode(), (
            f"{GOLDEN.relative_to(ROOT)} is stale: the UDFs (or the pinned xlwings) changed. "
            f"Regenerate it and the workbook with `{REGENERATE}`, review the .bas diff, commit both.")

    def test_every_udf_has_a_wrapper_with_ascii_arguments(self) -> None:
        """Each function of xlperf.udfs.__all__ has a VBA Function, and its argument names are ASCII."""
        source = vba.udf_wrappers_vba()
        functions = re.findall(r"^Function (\w+)\(([^)]*)\)", source, re.MULTILINE)
        assert sorted(name for name, _ in functions) == sorted(udfs.__all__)
        assert all(args.isascii() for _, args in functions)
        assert 'XLPy.CallUDF("xlperf.udfs", "PERF_SCORES", Array(framework, codes' in source

    def test_generation_leaves_xlwings_and_the_udf_module_untouched(self) -> None:
        """After generating, no COM stand-in stays in sys.modules and xlperf.udfs is not decorated."""
        before = {name: sys.modules.get(name) for name in ("pythoncom", "pywintypes", "win32com", "xlwings.udfs")}
        decorators = (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub)
        generate_udf_wrappers()
        assert {name: sys.modules.get(name) for name in before} == before
        assert (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub) == decorators
        assert sys.modules["xlperf.udfs"] is udfs and not hasattr(udfs.PERF_SCORES, "__xlfunc__")

    def test_every_module_is_ascii_with_crlf(self) -> None:
        """Every module we embed is ASCII (Excel shows anything else as '?') with CRLF line ends."""
        for name, source in vba.module_sources().items():
            assert source.isascii(), name
            assert "\n" not in source.replace("\r\n", ""), name

    def test_non_ascii_source_is_refused_by_name(self) -> None:
        """A module with a Chinese character is refused, naming module, line and character."""
        with pytest.raises(ValueError, match=r"xlperf_macros line 2 .*'生'"):
            vba.check_ascii("xlperf_macros", "Sub A()\r\n  MsgBox \"生成\"\r\nEnd Sub\r\n")

    def test_macros_hand_over_to_xlperf_macros(self) -> None:
        """Each button's Sub is one RunPython line calling xlperf.macros."""
        source = vba.macros_vba()
        assert re.search(r'Sub GenerateReport\(\)\r\n\s+RunPython "import xlperf.macros; '
                         r'xlperf.macros.generate_report\(\)"\r\nEnd Sub', source)
        assert re.search(r'Sub CheckWorkbook\(\)\r\n\s+RunPython "import xlperf.macros; '
                         r'xlperf.macros.check_workbook\(\)"\r\nEnd Sub', source)


class TestReproducible:
    def test_committed_workbook_is_a_fresh_build(self, tmp_path: Path) -> None:
        """workbook/绩效自评.xlsm equals what `xlperf build-workbook` writes now, byte for byte."""
        result = _xlperf("build-workbook", "-o", str(tmp_path / "绩效自评.xlsm"))
        assert result.returncode == 0, result.stderr
        assert COMMITTED.is_file(), f"{COMMITTED.relative_to(ROOT)} is missing: run `{REGENERATE}`"
        assert (tmp_path / "绩效自评.xlsm").read_bytes() == COMMITTED.read_bytes(), (
            f"{COMMITTED.relative_to(ROOT)} is stale: regenerate it with `{REGENERATE}` and commit it.")

    def test_two_builds_are_byte_identical(self, tmp_path: Path, example_xlsm: Path) -> None:
        """Building the example again gives the same bytes (VBA project included)."""
        year, fw = example_year()
        assert build_workbook(tmp_path / "again.xlsm", fw, year).read_bytes() == example_xlsm.read_bytes()


class TestEmbeddedVba:
    def test_modules_are_all_there(self, modules: dict[str, str]) -> None:
        """olevba finds xlwings, Dictionary, xlwings_udfs, xlperf_macros and the document modules."""
        assert set(vba.MODULES) <= set(modules)
        assert set(modules) - set(vba.MODULES) == {"ThisWorkbook", *(f"Sheet{i}" for i in range(1, 9))}

    def test_every_code_name_has_its_document_module(self, example_xlsm: Path, modules: dict[str, str]) -> None:
        """The workbook's and each sheet's code name has a document module of the right kind."""
        parts = _parts(example_xlsm)
        assert f'Attribute VB_Base = "{WORKBOOK_BASE}"' in modules[_code_name(parts["xl/workbook.xml"], "workbookPr")]
        sheets = _sheet_parts(parts)
        assert list(sheets) == list(L.MACRO_SHEETS)
        for sheet, part in sheets.items():
            assert f'Attribute VB_Base = "{SHEET_BASE}"' in modules[_code_name(parts[part], "sheetPr")], sheet

    def test_sources_are_what_we_generated(self, modules: dict[str, str]) -> None:
        """The embedded wrappers and macros are the generated ones, and the wrappers hold PERF_SCORES."""
        assert modules[vba.UDF_WRAPPERS] == vba.udf_wrappers_vba()
        assert modules[vba.MACROS] == vba.macros_vba()
        assert "Function PERF_SCORES(" in modules[vba.UDF_WRAPPERS]
        assert 'RunPython "import xlperf.macros; xlperf.macros.generate_report()"' in modules[vba.MACROS]
        assert 'RunPython "import xlperf.macros; xlperf.macros.check_workbook()"' in modules[vba.MACROS]
        assert "Class Dictionary" not in modules["Dictionary"] and "Public Property Get Count" in modules["Dictionary"]

    def test_xlwings_module_is_the_installed_version(self, modules: dict[str, str]) -> None:
        """XLWINGS_VERSION in the embedded xlwings module is the installed (pinned) xlwings."""
        found = re.search(r'Public Const XLWINGS_VERSION As String = "([^"]+)"', modules["xlwings"])
        assert found and found.group(1) == xlwings.__version__
        assert f"xlwings64-{xlwings.__version__}.dll" in modules["xlwings"]

    def test_every_module_is_ascii(self, modules: dict[str, str]) -> None:
        """Every module in the file, document modules included, is ASCII."""
        assert [name for name, source in modules.items() if not source.isascii()] == []


class TestPackage:
    def test_macro_enabled_content_type(self, example_xlsm: Path) -> None:
        """[Content_Types].xml declares the macro-enabled workbook and the VBA project."""
        types = _parts(example_xlsm)["[Content_Types].xml"].decode()
        assert ('<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>') in types
        assert 'ContentType="application/vnd.ms-office.vbaProject"' in types

    def test_buttons_are_bound_to_the_macros(self, example_xlsm: Path) -> None:
        """使用说明 and 评分表 each have 生成报告 → GenerateReport and 检查填报 → CheckWorkbook."""
        parts = _parts(example_xlsm)
        for sheet, part in _sheet_parts(parts).items():
            found = {(macro, caption) for macro, caption, _ in _buttons(_vml_of(parts, part))}
            expected = {(f"[0]!{macro}", caption) for macro, caption in BUTTONS.items()}
            assert found == (expected if sheet in (L.GUIDE_SHEET, L.SCORESHEET) else set()), sheet

    def test_buttons_cover_no_input_cell(self, example_xlsm: Path) -> None:
        """On the 评分表 the buttons sit in the title row, over cells no clerk types in."""
        parts = _parts(example_xlsm)
        wb = openpyxl.load_workbook(example_xlsm)
        for sheet in (L.GUIDE_SHEET, L.SCORESHEET):
            buttons = _buttons(_vml_of(parts, _sheet_parts(parts)[sheet]))
            assert len(buttons) == len(BUTTONS) and all(len(anchor) == 8 for _, _, anchor in buttons)
            for _, _, anchor in buttons:
                col, _, row, _, col2, _, row2, _ = anchor
                cells = [wb[sheet].cell(r + 1, c + 1) for r in range(row, row2 + 1) for c in range(col, col2 + 1)]
                assert all(c.protection.locked and c.value is None for c in cells), (sheet, anchor)
                if sheet == L.SCORESHEET:
                    assert row == row2 == 0

    def test_xlwings_conf_sets_only_the_udf_module(self, example_xlsm: Path) -> None:
        """xlwings.conf: UDF Modules = xlperf.udfs in A1:B1, then a blank A2 that ends xlwings' key list."""
        ws = openpyxl.load_workbook(example_xlsm)[L.CONFIG_SHEET]
        assert (ws["A1"].value, ws["B1"].value) == ("UDF Modules", "xlperf.udfs")
        assert ws["A2"].value is None and ws["B2"].value is None  # no Interpreter_Win with an empty value
        assert all(ws.cell(r, c).value is None for r in range(2, ws.max_row + 1) for c in (1, 2, 3))
        assert "Interpreter_Win" in ws["D3"].value and "A2" in ws["D3"].value

    def test_guide_names_what_to_install(self, example_xlsm: Path) -> None:
        """使用说明 is first and names Excel, Python, pip install xlperf, the xlwings version and the command."""
        wb = openpyxl.load_workbook(example_xlsm)
        assert wb.sheetnames[0] == L.GUIDE_SHEET
        text = "\n".join(str(c.value) for row in wb[L.GUIDE_SHEET].iter_rows() for c in row if c.value)
        for needed in ("Windows 版桌面 Excel", "Python 3.11", "pip install xlperf", f"xlwings {xlwings.__version__}",
                       "Interpreter_Win", "xlperf check", "生成报告", "检查填报", *L.SHEETS, L.CONFIG_SHEET):
            assert needed in text, needed

    def test_plain_workbook_has_no_macro_parts(self, example_workbook: Path) -> None:
        """The .xlsx edition has no VBA project, no buttons and no xlwings.conf: its 使用说明, then the sheets."""
        parts = _parts(example_workbook)
        assert "xl/vbaProject.bin" not in parts and not any(p.endswith(".vml") for p in parts)
        assert list(_sheet_parts(parts)) == [L.GUIDE_SHEET, *L.SHEETS]


@pytest.mark.libreoffice
class TestLibreOffice:
    def test_libreoffice_sees_the_modules_and_the_buttons(self, tmp_path: Path, example_xlsm: Path) -> None:
        """LibreOffice imports every module with its kind and binds both buttons to xlperf_macros."""
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            pytest.fail("LibreOffice (soffice) is not installed, so the workbook cannot be opened by a second "
                        "reader. Install the Debian package libreoffice-calc-nogui (scripts/test.sh does).")
        result = subprocess.run([soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                                 "--convert-to", "ods", "--outdir", str(tmp_path), str(example_xlsm)],
                                capture_output=True, text=True, timeout=180, check=False)
        ods = tmp_path / "example.ods"
        assert ods.is_file(), result.stdout + result.stderr
        parts = _parts(ods)
        kinds = {}
        for name, data in parts.items():
            if name.startswith("Basic/VBAProject/") and not name.endswith("script-lb.xml"):
                found = re.search(r'script:moduleType="(\w+)"', data.decode())
                kinds[PurePosixPath(name).stem] = found.group(1) if found else ""
        assert kinds == {"xlwings": "normal", "Dictionary": "class", vba.UDF_WRAPPERS: "normal",
                         vba.MACROS: "normal", "ThisWorkbook": "document",
                         **{f"Sheet{i}": "document" for i in range(1, 9)}}
        assert "Function PERF_SCORES(" in parts[f"Basic/VBAProject/{vba.UDF_WRAPPERS}.xml"].decode()
        content = parts["content.xml"].decode()
        for macro in BUTTONS:
            assert content.count(f"vnd.sun.star.script:VBAProject.{vba.MACROS}.{macro}?") == 2, macro


class TestCommands:
    def test_score_reads_the_macro_workbook(self, example_xlsm: Path) -> None:
        """`xlperf score` on the example .xlsm gives 99.15 and 优."""
        result = _xlperf("score", str(example_xlsm), "--json")
        assert result.returncode == 0, result.stderr
        card = json.loads(result.stdout)
        assert (card["total"], card["grade"]) == (99.15, "优")

    def test_new_writes_a_macro_workbook_for_xlsm(self, tmp_path: Path) -> None:
        """`xlperf new -o x.xlsm` writes the macro workbook; it reads back like the .xlsx."""
        result = _xlperf("new", "-o", str(tmp_path / "x.xlsm"))
        assert result.returncode == 0, result.stderr
        assert "xl/vbaProject.bin" in _parts(tmp_path / "x.xlsm")

    def test_demo_writes_both_workbooks_and_the_report(self, tmp_path: Path) -> None:
        """`xlperf demo` writes the example as .xlsx and .xlsm side by side, and its report (.docx and .pdf)."""
        assert _xlperf("demo", "-o", str(tmp_path)).returncode == 0
        assert {p.suffix for p in tmp_path.iterdir()} == {".xlsx", ".xlsm", ".docx", ".pdf"}

    def test_build_workbook_refuses_xlsx(self, tmp_path: Path) -> None:
        """build-workbook writes macro workbooks only: an .xlsx output is refused in one Chinese line."""
        result = _xlperf("build-workbook", "-o", str(tmp_path / "x.xlsx"))
        assert result.returncode == 2 and ".xlsm" in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "x.xlsx").exists()
