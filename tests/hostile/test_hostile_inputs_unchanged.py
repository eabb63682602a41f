"""Every command leaves its input file's bytes (and modification time) unchanged (issue 5, part 5):
score, check, export, report and new --from, on a workbook, a JSON data file, a
broken and a hostile workbook; and an output naming its input is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hostile_files import CASES, run_commands

from xlperf._open import example_data


def _state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_no_command_changes_its_input(tmp_path: Path, example_workbook: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    book = folder / "book.xlsx"
    shutil.copy(example_workbook, book)
    data = folder / "data.json"
    data.write_text(json.dumps(example_data(), ensure_ascii=False), encoding="utf-8")
    broken = folder / "broken.xlsx"
    broken.write_bytes(example_workbook.read_bytes()[:5000])
    make, _, _ = CASES["laughs-workbook"]
    hostile = make(example_workbook, tmp_path)
    readable, refused = [book, data], [broken, hostile]
    before = {path: _state(path) for path in readable + refused}

    out = tmp_path / "out"

    def commands(path: Path) -> list[list[str]]:
        return [["score", str(path)], ["score", str(path), "--json"], ["check", str(path)],
                ["check", str(path), "--json"], ["export", str(path), "-o", str(out / f"{path.stem}.json")],
                ["report", str(path), "-o", str(out / f"{path.stem}.docx")]]

    runs = [argv for path in readable + refused for argv in commands(path)]
    runs += [["report", str(path)] for path in (book, *refused)]  # the default output: beside the input
    runs += [["new", "-o", str(out / "new.xlsx"), "--from", str(data)],
             ["export", str(book), "-o", str(book), "--force"],  # refused: the output is the input
             ["report", str(book), "-o", str(book), "--force"]]  # refused: not a .docx
    codes = [result["code"] for result in run_commands(runs, timeout=120)]

    for path in readable + refused:
        assert _state(path) == before[path], path.name
    per_input = len(commands(book))
    assert codes[:2 * per_input] == [0] * (2 * per_input)
    assert codes[2 * per_input:4 * per_input] == [2] * (2 * per_input)
    assert codes[4 * per_input:] == [0, 2, 2, 0, 2, 2]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in readable + refused if p.parent == folder] + ["book-自评报告.docx"])
    assert not [p for p in out.iterdir() if p.name.startswith(".xlperf-")]
