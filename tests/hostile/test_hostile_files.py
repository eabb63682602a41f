"""Hostile and broken workbooks: each is refused with one Chinese line naming the file, exit code 2,
in bounded time, and leaves nothing behind (issue 5, part 4).

Every file is made by the tests (hostile_files.py). Each case is read in-process (the exact class of
the error) and through the command line: score, check, export and report, run in one subprocess
bounded by a timeout, each command timed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import openpyxl.xml
import pytest
from hostile_files import CASES, COMMANDS, run_commands

import xlperf
from xlperf._open import open_year

#: a generous ceiling for one command on one hostile file (each takes well under a second)
SECONDS = 20


@pytest.fixture(scope="module")
def cases(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile file, each alone in its own folder."""
    made = {}
    for case, (make, _, _) in CASES.items():
        folder = tmp_path_factory.mktemp(case)
        made[case] = make(example_workbook, folder)
    return made


@pytest.fixture(scope="module")
def cli_results(cases: dict[str, Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """(case, command) -> what the command printed and returned, for every case and command."""
    runs, keys = [], []
    for case, path in cases.items():
        for command, argv in COMMANDS.items():
            runs.append([arg.format(file=path, folder=path.parent) for arg in argv])
            keys.append((case, command))
    return dict(zip(keys, run_commands(runs, timeout=60)))


def test_openpyxl_parses_with_defusedxml() -> None:
    """openpyxl uses defusedxml when it is installed (a dependency of xlperf): entities are refused by
    the parser too, behind the check made before opening."""
    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize("case", CASES)
def test_refused_with_the_right_error(case: str, cases: dict[str, Path]) -> None:
    """Reading raises the error class of the case, whose message names the file and says what is wrong."""
    _, error, words = CASES[case]
    path = cases[case]
    start = time.monotonic()
    with pytest.raises(xlperf.XlperfError) as caught:
        open_year(path)
    assert time.monotonic() - start < SECONDS
    assert type(caught.value).__name__ == error
    message = str(caught.value)
    assert message.startswith(f"{path.name}：") and words in message
    assert "Traceback" not in message


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_every_command_says_one_line_and_exits_two(case: str, command: str, cases: dict[str, Path],
                                                   cli_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """score, check, export and report: exit 2, one line on stderr naming the file, nothing on stdout
    that looks like a result, no traceback, and no output or temporary file left beside the input."""
    result = cli_results[(case, command)]
    path = cases[case]
    _, _, words = CASES[case]
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2, result
    assert len(lines) == 1, result["stderr"]
    assert lines[0].startswith(f"xlperf：错误：{path.name}：") and words in lines[0]
    assert "Traceback" not in result["stderr"] + result["stdout"]
    assert result["seconds"] < SECONDS
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no out.json, no report, no .xlperf-*
