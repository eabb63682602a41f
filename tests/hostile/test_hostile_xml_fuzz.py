"""A bounded fuzz run of the real command over damaged workbooks (issue 12).

The example workbook's XML parts are mutated: bytes flipped, parts cut off, elements duplicated or
removed, attributes swapped for hostile values (a hidden sheet, a huge range, a string index of -1),
control characters and character references XML forbids inserted, numbers made huge, formulas drawing
on outside sources put in cells, parts added under a name differing only in case. Each file is given to
`xlperf score` and `xlperf check` in a subprocess of its own (its own session, a private temporary
folder, an address-space limit, a timeout), and:

- the exit code is 0, 1 or 2, with no traceback and no 内部错误, within the timeout;
- the file is unchanged, nothing else is left in its folder or in the temporary folder;
- no process of the session is left.

Hypothesis draws the mutations with a fixed seed (derandomize) and a fixed number of examples, so a
CI run is reproducible and bounded (some 20-30 s). Marker `fuzz`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlperf

POSIX = os.name == "posix"  # sessions and address-space limits (CI runs on Linux)
if POSIX:
    import resource

EXAMPLES = 25
TIMEOUT = 60  # seconds for both commands on one file (each takes well under a second)
MEMORY = 1536 * 1024 * 1024  # address space of the process: a blow-up ends in MemoryError or an abort

#: the parts mutated, sheets and shared strings more often (most mutations of the others end the reading)
PARTS = ("xl/workbook.xml", "xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
         "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet5.xml",
         "xl/worksheets/sheet6.xml", "xl/worksheets/sheet7.xml", "xl/sharedStrings.xml", "xl/sharedStrings.xml",
         "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels")
KINDS = ("flip", "cut", "duplicate", "remove", "attribute", "attribute", "value", "value", "value", "formula",
         "formula", "formula", "twin")
#: elements duplicated or removed whole
ELEMENTS = re.compile(rb"<c r=[^>]*?(?:/>|>.*?</c>)|<row [^>]*?(?:/>|>.*?</row>)|<definedName [^>]*>[^<]*</definedName>"
                      rb"|<sheet [^>]*/>|<si>.*?</si>|<Relationship [^>]*/>|<Override [^>]*/>|<mergeCell [^>]*/>"
                      rb"|<xf [^>]*?(?:/>|>.*?</xf>)", re.S)
ATTRIBUTE = re.compile(rb'(?<=\s)([A-Za-z:]+)="([^"]*)"')
VALUE = re.compile(rb"(?<=<v>)[^<]*(?=</v>)|(?<=<t>)[^<]*(?=</t>)|(?<=<t xml:space=\"preserve\">)[^<]*(?=</t>)"
                   rb"|(?<=\">)[^<]{1,80}(?=</definedName>)")
NASTY_ATTRIBUTES = (b"veryHidden", b"hidden", b"s", b"e", b"str", b"inlineStr", b"array", b"shared", b"-1", b"0",
                    b"4294967296", b"A1:XFD1048576", b"XFD1048576", b"'\xe8\xaf\x84\xe5\x88\x86\xe8\xa1\xa8 '!$G$9",
                    b"&#x1B;", b"&#0;", b"\xe2\x80\xae", b"", b"x" * 300, b"../../../etc/passwd", b"/xl/workbook.xml")
NASTY_VALUES = (b"-1", b"99999999", b"1e400", b"-1e999", b"9" * 400, b"NaN", b"&#x1B;]0;pwned&#x7;", b"&#0;",
                b"&#xD800;", b"\x1b[2J", b"\x00", b"\xc2\x9b2J", b"\xe2\x80\xae", b"&#13;", b"\r", b"=cmd|' /C calc'!A0",
                b"#DIV/0!", b"\xef\xbf\xbe", b"1E+308", b"0.1" * 100)
FORMULAS = (b"<f>cmd|' /C calc'!A0</f>", b"<f>[1]Sheet1!A1</f>", b'<f>_xlfn.WEBSERVICE("http://x.invalid/")</f>',
            b'<f t="array" ref="A1:XFD1048576">RTD("a",,"b")</f>', b'<f t="shared" si="0"/>', b"<f>1/0</f>")

_DRIVER = r"""
import contextlib, io, json, sys
from xlperf.cli import main
results = []
for argv in (["score", sys.argv[1]], ["check", sys.argv[1]]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    results.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results, ensure_ascii=True))
"""


def _example_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _input_cells(parts: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """(part, cell) of every input cell a name of the layout points at: where formulas are looked at."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
    found = re.findall(r"<definedName name=\"XP_(?:[FT]_[^\"]+|I_[^\"]+_(?:VALUE|REASON|NAME)|DEPARTMENT|YEAR)\">"
                       r"'([^']+)'!\$([A-Z]+)\$(\d+)</definedName>", workbook)
    return sorted({(f"xl/worksheets/sheet{sheets.index(sheet) + 1}.xml", f"{column}{row}".encode())
                   for sheet, column, row in found})


@st.composite
def mutated(draw: st.DrawFn, parts: dict[str, bytes]) -> bytes:
    """The bytes of a mutated copy of the workbook whose parts are `parts`."""
    inputs = _input_cells(parts)
    parts = dict(parts)
    extra: list[tuple[str, bytes]] = []
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(PARTS))
        data = parts[name]
        kind = draw(st.sampled_from(KINDS))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "cut":
            data = data[:at]
        elif kind in ("duplicate", "remove"):
            found = list(ELEMENTS.finditer(data))
            if found:
                element = found[draw(st.integers(0, len(found) - 1))]
                copy = element.group() * (2 if kind == "duplicate" else 0)
                data = data[:element.start()] + copy + data[element.end():]
        elif kind == "attribute":
            found = list(ATTRIBUTE.finditer(data))
            if found:
                attribute = found[draw(st.integers(0, len(found) - 1))]
                data = data[:attribute.start(2)] + draw(st.sampled_from(NASTY_ATTRIBUTES)) + data[attribute.end(2):]
        elif kind == "value":
            found = list(VALUE.finditer(data))
            if found:
                value = found[draw(st.integers(0, len(found) - 1))]
                data = data[:value.start()] + draw(st.sampled_from(NASTY_VALUES)) + data[value.end():]
        elif kind == "formula":  # in an input cell, where the reader looks at formulas
            name, cell = draw(st.sampled_from(inputs))
            data = parts[name]
            start = re.search(rb'<c r="' + cell + rb'"[^>]*?(/?)>', data)
            if start:
                formula = draw(st.sampled_from(FORMULAS))
                data = (data[:start.start(1)] + b">" + formula + b"</c>" + data[start.end():] if start.group(1)
                        else data[:start.end()] + formula + data[start.end():])
        else:  # the part again, under a name differing only in case
            extra.append((name.upper() if draw(st.booleans()) else name, data))
        parts[name] = data
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of a name written twice: that is meant
        for name, data in [*parts.items(), *extra]:
            archive.writestr(name, data)
    return buffer.getvalue()


def _limits() -> None:
    """In the child: an address-space limit (a runaway allocation fails instead of eating the machine)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _run(path: Path, temp: Path) -> list[dict[str, object]]:
    """score and check on `path` in a new session; the session is ended whatever happens."""
    # the xlperf under test, whatever the working folder (a relative PYTHONPATH would not reach it from there)
    here = str(Path(xlperf.__file__).resolve().parents[1])
    path_list = os.pathsep.join([here, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])
    env = {**os.environ, "PYTHONPATH": path_list, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp),
           "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen([sys.executable, "-c", _DRIVER, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=temp, start_new_session=POSIX, preexec_fn=_limits if POSIX else None)
    try:
        out, err = child.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        if POSIX:
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()
        child.communicate()
        raise AssertionError(f"score and check did not finish within {TIMEOUT} s") from None
    if POSIX:
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            pass  # the session is gone: no process left behind
        else:
            os.killpg(child.pid, signal.SIGKILL)
            raise AssertionError("a process of the command outlived it")
    text = err.decode("utf-8", "replace")
    assert child.returncode == 0, f"the command process ended with {child.returncode}: {text[-2000:]}"
    assert "Traceback" not in text, text[-2000:]
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.fuzz
def test_score_and_check_survive_mutated_xml(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    parts = _example_parts(example_workbook)
    root = tmp_path_factory.mktemp("xml-fuzz")
    count = iter(range(10**6))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated(parts))
    def run(raw: bytes) -> None:
        case = root / f"case{next(count)}"
        folder, temp = case / "in", case / "tmp"
        folder.mkdir(parents=True)
        temp.mkdir()
        path = folder / "book.xlsx"
        path.write_bytes(raw)
        digest = hashlib.sha256(raw).hexdigest()
        for result in _run(path, temp):
            assert result["code"] in (0, 1, 2), result
            said = f"{result['stdout']}{result['stderr']}"
            assert "Traceback" not in said and "内部错误" not in said, said[-2000:]
            if result["code"] == 2:
                assert len(str(result["stderr"]).strip().splitlines()) == 1, result
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert [p.name for p in folder.iterdir()] == ["book.xlsx"]
        assert list(temp.iterdir()) == []

    run()
