"""The VBA of the macro workbook: module sources (ASCII, CRLF) and the vbaProject.bin made of them.

Four modules besides the document modules (ThisWorkbook, Sheet1..N):

- `xlwings`: the installed (pinned) xlwings package's own `xlwings.bas`, so the workbook is standalone;
- `Dictionary`: the class module xlwings ships in its `quickstart_standalone.xlsm` (used on macOS);
- `xlwings_udfs`: the wrappers of the `xlperf.udfs` functions, written by xlwings' own generator
  (`xlwings.udfs.generate_vba_wrapper`), run here on Linux with stand-ins for the Windows COM modules;
- `xlperf_macros`: the two buttons, each a `RunPython` call into `xlperf.macros`.

Excel reads VBA source in the project's code page (1252): any other character becomes "?", so every
module is checked to be ASCII. `vba_project_bin` turns a first-pass workbook into the vbaProject.bin of
the second pass (see docs/developer-workbook-build.md). Run `python scripts/regenerate-golden.py`
after changing the UDFs.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
import tempfile
import types
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

UDF_MODULE = "xlperf.udfs"
UDF_WRAPPERS = "xlwings_udfs"  # the module name xlwings' "Import Functions" gives its wrappers
MACROS = "xlperf_macros"
GENERATE_REPORT = "GenerateReport"
CHECK_WORKBOOK = "CheckWorkbook"
#: The VBA modules of the workbook besides the document modules, in the order they are added
MODULES = ("xlwings", "Dictionary", UDF_WRAPPERS, MACROS)

_COM_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")
_DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "sub": "xlsub"}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def check_ascii(name: str, source: str) -> str:
    """`source`, if it is ASCII; else a ValueError naming the module, line and character."""
    for number, line in enumerate(source.splitlines(), start=1):
        bad = next((ch for ch in line if ord(ch) > 127), None)
        if bad is not None:
            raise ValueError(f"VBA module {name} line {number} has the non-ASCII character {bad!r} "
                             f"(Excel would show '?'): {line.strip()}")
    return source


# --- the xlwings module and its Dictionary class ------------------------------------------------------


def _xlwings_dir() -> Path:
    spec = importlib.util.find_spec("xlwings")
    assert spec is not None and spec.origin is not None, "xlwings is a dependency of xlperf"
    return Path(spec.origin).parent


def xlwings_bas() -> str:
    """The installed xlwings' `xlwings.bas` (the VBA side of exactly this xlwings version), CRLF."""
    text = (_xlwings_dir() / "xlwings.bas").read_bytes().decode("latin-1")  # check_ascii names any stray byte
    return check_ascii("xlwings", _crlf(text))


def xlwings_vba_version(source: str | None = None) -> str:
    """The XLWINGS_VERSION constant of the xlwings module (the DLL version the VBA asks for)."""
    found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', source if source is not None else xlwings_bas())
    if found is None:
        raise ValueError("xlwings.bas has no XLWINGS_VERSION constant")
    return found.group(1)


def dictionary_cls() -> str:
    """The `Dictionary` class module, as stored in xlwings' own standalone quickstart workbook."""
    from pyopenvba import ExcelFile

    with ExcelFile(_xlwings_dir() / "quickstart_standalone.xlsm") as book:
        return check_ascii("Dictionary", _crlf(book.get_module("Dictionary")))


# --- the UDF wrappers ----------------------------------------------------------------------------------


@contextmanager
def _xlwings_udfs_on_linux() -> Iterator[types.ModuleType]:
    """xlwings.udfs imported with stand-ins for pythoncom, pywintypes and win32com, and xw.func/arg/ret/sub
    pointing at its recording decorators; sys.modules and xlwings are put back as they were afterwards."""
    import xlwings

    names = (*_COM_MODULES, "xlwings.udfs")
    saved_modules = {name: sys.modules.get(name) for name in names}
    saved_attrs = {name: getattr(xlwings, name, None) for name in (*_DECORATORS, "udfs")}
    had_udfs = hasattr(xlwings, "udfs")

    class ComError(Exception):
        pass

    stubs = {name: types.ModuleType(name) for name in _COM_MODULES}
    stubs["pythoncom"].CoInitialize = lambda: None  # type: ignore[attr-defined]
    stubs["pywintypes"].com_error = ComError  # type: ignore[attr-defined]
    stubs["win32com.client"].Dispatch = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    stubs["win32com"].client = stubs["win32com.client"]  # type: ignore[attr-defined]
    try:
        sys.modules.update(stubs)
        sys.modules.pop("xlwings.udfs", None)
        udfs = importlib.import_module("xlwings.udfs")
        for public, recording in _DECORATORS.items():
            setattr(xlwings, public, getattr(udfs, recording))
        yield udfs
    finally:
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for name, value in saved_attrs.items():
            if name == "udfs" and not had_udfs:
                if hasattr(xlwings, "udfs"):
                    delattr(xlwings, "udfs")
            else:
                setattr(xlwings, name, value)


def _fresh_udf_module() -> types.ModuleType:
    """A private copy of xlperf.udfs, decorated by xlwings' recording decorators (never put in sys.modules)."""
    spec = importlib.util.find_spec(UDF_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Workbook:
    """What generate_vba_wrapper asks of the Excel workbook: its name (an .xlam uses ActiveWorkbook)."""

    Name = "xlperf.xlsm"


def udf_wrappers_vba() -> str:
    """The `xlwings_udfs` module: what xlwings' "Import Functions" writes for xlperf.udfs, made on Linux.

    The three header lines are those of xlwings' `import_udfs`; the functions are written by its
    `generate_vba_wrapper`. The functions' Chinese docstrings and argument docs are not part of the
    VBA: xlwings gives them to Excel through Application.MacroOptions after importing, which a
    pre-generated module does not do (docs/developer-workbook-build.md).
    """
    with _xlwings_udfs_on_linux() as udfs:
        module = _fresh_udf_module()
        out = io.StringIO()
        udfs.generate_vba_wrapper(UDF_MODULE, module, out, _Workbook())
    header = (f'Attribute VB_Name = "{UDF_WRAPPERS}"\n'
              "'Autogenerated code by xlwings - changes will be lost with next import!\n"
              """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel\n"""
              f"'Generated from {UDF_MODULE} by xlperf.workbook.vba: rebuild the workbook, do not edit.\n")
    return check_ascii(UDF_WRAPPERS, _crlf(header + out.getvalue()))


# --- our macros -----------------------------------------------------------------------------------------


def _run_python(function: str) -> str:
    return f'RunPython "import xlperf.macros; xlperf.macros.{function}()"'


def macros_vba() -> str:
    """The `xlperf_macros` module: one Sub per button, each handing over to xlperf.macros."""
    return check_ascii(MACROS, _crlf(f"""Attribute VB_Name = "{MACROS}"
' The buttons of the xlperf workbook. Each hands over to Python (xlperf.macros).
' Generated by xlperf.workbook.vba: rebuild the workbook, do not edit.
Option Explicit

Public Sub {GENERATE_REPORT}()
    {_run_python("generate_report")}
End Sub

Public Sub {CHECK_WORKBOOK}()
    {_run_python("check_workbook")}
End Sub
"""))


# --- the project ----------------------------------------------------------------------------------------


def module_sources() -> dict[str, str]:
    """Every module besides the document modules, by name, in the order they are added."""
    return {"xlwings": xlwings_bas(), "Dictionary": dictionary_cls(), UDF_WRAPPERS: udf_wrappers_vba(),
            MACROS: macros_vba()}


def vba_project_bin(first_pass: Path) -> bytes:
    """The vbaProject.bin for a workbook whose sheets are those of `first_pass` (an .xlsm without VBA).

    pyOpenVBA gives the workbook a project as Excel does (ThisWorkbook and one document module per
    sheet, named after the code names in the file), the modules are added, and the project is saved;
    its `xl/vbaProject.bin` is what the second pass embeds. Deterministic for the same input.
    """
    from pyopenvba import ExcelFile, VBAModuleKind

    kinds: dict[str, Any] = {"Dictionary": VBAModuleKind.other}
    with tempfile.TemporaryDirectory(prefix="xlperf-vba-") as folder:
        saved = Path(folder) / "with-vba.xlsm"
        with ExcelFile(first_pass) as book:
            project = book.add_vba_project()
            for name, source in module_sources().items():
                project.add_module(name, source, kind=kinds.get(name, VBAModuleKind.standard))
            book.save(saved)
        with ExcelFile(saved) as book:
            problems = book.validate()
        if problems:
            raise ValueError("pyOpenVBA finds the VBA project inconsistent: " + "; ".join(problems))
        with zipfile.ZipFile(saved) as package:
            return package.read("xl/vbaProject.bin")
