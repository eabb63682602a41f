"""Helpers shared by test folders (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_xlperf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)


#: a LibreOffice profile setting that makes it recalculate every formula of an .xlsx on load (the default
#: keeps the cached values a writer stored, which would prove nothing about the formulas)
_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def recalculated(workbooks: list[Path], out_dir: Path, timeout: float = 300) -> list[Path]:
    """Open each workbook in headless LibreOffice with recalculation on load forced, save it as .xlsx into
    `out_dir`, and return the saved copies (read their values with openpyxl data_only=True). One
    LibreOffice process for all, with a throwaway profile of its own."""
    import shutil
    import tempfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed (scripts/test.sh installs libreoffice-calc-nogui)"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
        subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir),
                        *[str(p) for p in workbooks]],
                       capture_output=True, timeout=timeout, check=True)
    saved = [out_dir / (p.stem + ".xlsx") for p in workbooks]
    missing = [p.name for p in saved if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return saved
