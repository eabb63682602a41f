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


def recalculated(workbooks: list[Path], out_dir: Path, timeout: float = 300) -> list[Path]:
    """Open each workbook in headless LibreOffice with recalculation on load forced, save it as .xlsx into
    `out_dir`, and return the saved copies (read their values with openpyxl data_only=True). One
    LibreOffice process for all, with a throwaway profile of its own."""
    _soffice_convert(workbooks, out_dir, _RECALC_ON_LOAD, _SAVE_FILTERS[".xlsx"], timeout)
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
