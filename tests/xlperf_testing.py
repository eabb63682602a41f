"""Helpers shared by test folders (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_xlperf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)


def _load_settings(recalc_mode: int) -> str:
    """A LibreOffice profile's settings for loading .xlsx/.xlsm (OOXMLRecalcMode) and .ods files:
    0 recalculates every formula on load, 1 never does (the saved results are kept)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>{recalc_mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>{recalc_mode}</value></prop></item>
</oor:items>
"""


#: recalculate every formula of an .xlsx on load (the default keeps the cached values a writer stored,
#: which would prove nothing about the formulas)
_RECALC_ON_LOAD = _load_settings(0)
#: keep the saved results, as Excel keeps those of a file saved by its current calculation engine
_KEEP_ON_LOAD = _load_settings(1)
#: the LibreOffice export filter that writes each suffix: .xlsm keeps its VBA project
_SAVE_FILTERS = {".xlsx": "xlsx:Calc MS Excel 2007 XML", ".xlsm": "xlsm:Calc MS Excel 2007 VBA XML"}


def _soffice_convert(workbooks: list[Path], out_dir: Path, settings: str, target: str,
                     timeout: float) -> None:
    """One headless LibreOffice process converting `workbooks` with `--convert-to target` into `out_dir`,
    with a throwaway profile of its own holding `settings`."""
    import shutil
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed (scripts/test.sh installs libreoffice-calc-nogui)"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(settings, encoding="utf-8")
        subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", target, "--outdir", str(out_dir), *[str(p) for p in workbooks]],
                       capture_output=True, timeout=timeout, check=True)


def _converted(workbooks: list[Path], out_dir: Path, suffix: str | None = None) -> list[Path]:
    saved = [out_dir / (p.stem + (suffix or p.suffix)) for p in workbooks]
    missing = [p.name for p in saved if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return saved


def recalculated(workbooks: list[Path], out_dir: Path, timeout: float = 300, processes: int = 1) -> list[Path]:
    """Open each workbook in headless LibreOffice with recalculation on load forced, save it as .xlsx into
    `out_dir`, and return the saved copies (read their values with openpyxl data_only=True). One
    LibreOffice process per share of the workbooks (`processes`, run side by side), each with a
    throwaway profile of its own."""
    from concurrent.futures import ThreadPoolExecutor

    shares = [share for share in (workbooks[i::processes] for i in range(max(processes, 1))) if share]
    with ThreadPoolExecutor(len(shares)) as pool:
        list(pool.map(lambda share: _soffice_convert(share, out_dir, _RECALC_ON_LOAD, _SAVE_FILTERS[".xlsx"],
                                                     timeout), shares))
    return _converted(workbooks, out_dir, ".xlsx")


def resaved(workbooks: list[Path], out_dir: Path, timeout: float = 300) -> list[Path]:
    """Open each workbook in headless LibreOffice keeping its saved results and save it again in its own
    format (an .xlsm with its VBA project) into `out_dir`: a file written back by another spreadsheet
    program, the stand-in for one saved in Excel. Returns the copies, in the order given.

    LibreOffice keeps the saved result of an ordinary formula, but recalculates every array formula on
    load whatever the setting (its importer, ScDocumentImport::setMatrixCells, marks them dirty), and every
    formula calling a VBA function of the file; it does not run the file's macros, so such cells come back
    as errors. One LibreOffice process per format, each with a throwaway profile."""
    by_suffix: dict[str, list[Path]] = {}
    for path in workbooks:
        by_suffix.setdefault(path.suffix.lower(), []).append(path)
    for suffix, paths in by_suffix.items():
        _soffice_convert(paths, out_dir, _KEEP_ON_LOAD, _SAVE_FILTERS[suffix], timeout)
    return _converted(workbooks, out_dir)


def typed_over(source: Path, target: Path, cells: dict[str, object]) -> Path:
    """A copy of `source` with cells typed over (as a clerk types without the workbook recalculating):
    each key a defined name or "sheet!A1", each value a number, a text or None (cleared). The part's XML is
    edited in place, so every other cell keeps its formula and its saved result (openpyxl would drop
    every saved result, and the file would show no score at all)."""
    import html
    import re
    import zipfile

    with zipfile.ZipFile(source) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    parts = {info.filename: data for info, data in entries}
    book = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = dict(re.findall(r'<Relationship Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    sheet_parts = {html.unescape(name): "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
                   for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="([^"]+)"', book)}
    names = {name: html.unescape(ref) for name, ref in re.findall(r'<definedName name="([^"]+)"[^>]*>([^<]+)<', book)}
    for where, value in cells.items():
        sheet, ref = names.get(where, where).lstrip("=").rsplit("!", 1)
        sheet, ref = sheet.strip("'"), ref.replace("$", "")
        part = sheet_parts[sheet]
        xml = parts[part].decode("utf-8")
        found = re.search(rf'<c r="{ref}"((?: [a-z]+="[^"]*")*)(?:/>|>.*?</c>)', xml)
        style = re.search(r' s="\d+"', found.group(1)) if found else None
        attributes = f'r="{ref}"{style.group(0) if style else ""}'
        if value is None:
            cell = f"<c {attributes}/>"
        elif isinstance(value, (int, float)):
            cell = f"<c {attributes}><v>{value!r}</v></c>"
        else:
            cell = f'<c {attributes} t="inlineStr"><is><t>{html.escape(str(value), quote=False)}</t></is></c>'
        if found:
            xml = xml[:found.start()] + cell + xml[found.end():]
        else:
            xml = _with_new_cell(xml, ref, cell)
        parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for info, _ in entries:
            package.writestr(info, parts[info.filename])
    return target


def _with_new_cell(xml: str, ref: str, cell: str) -> str:
    """Insert a cell the sheet does not have yet, in row and column order (creating its row if needed)."""
    import re

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    column, number = coordinate_from_string(ref)
    row = re.search(rf'<row r="{number}"[^>]*?(?:/>|>(.*?)</row>)', xml, re.S)
    if row is None:
        later = next((m for m in re.finditer(r'<row r="(\d+)"', xml) if int(m.group(1)) > number), None)
        at = later.start() if later else xml.index("</sheetData>")
        return xml[:at] + f'<row r="{number}">{cell}</row>' + xml[at:]
    if row.group(0).endswith("/>"):
        opened = row.group(0)[:-2] + ">"
        return xml[:row.start()] + opened + cell + "</row>" + xml[row.end():]
    for existing in re.finditer(r'<c r="([A-Z]+)\d+"', row.group(0)):
        if column_index_from_string(existing.group(1)) > column_index_from_string(column):
            at = row.start() + existing.start()
            return xml[:at] + cell + xml[at:]
    at = row.end() - len("</row>")
    return xml[:at] + cell + xml[at:]
