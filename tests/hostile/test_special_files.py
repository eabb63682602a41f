"""Files that are not regular files, and files too large, named where xlperf reads a file (issue 12,
point 3): the framework (.toml), a department-year (.json), a workbook (.xlsx), a report template
(.docx), last year's summary (--previous). A FIFO must not hang a command, /dev/zero must not grow it to
GBs, and neither may be called "文件是空的" (stat() gives 0 bytes for both).

Every command runs in a child process with a time and a memory limit (guarded.py): exit 2, one Chinese
line naming the kind of file, no traceback, nothing written.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from guarded import Run, run_guarded

from xlperf._open import example_data

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "mkfifo"),
                                reason="FIFOs and /dev/zero are POSIX")

#: how a kind of file is named in the message
KINDS = {"fifo": "命名管道（FIFO）", "zero": "设备文件（字符设备）", "link-to-zero": "设备文件（字符设备）",
         "folder": "文件夹"}

#: where a file is read -> its suffix and the commands that read it ({f}: the file; {wb}, {json}: good
#: inputs; {folder}: a folder with one good workbook; {out}: an empty folder for outputs)
READERS = {
    "framework": (".toml", [["frameworks", "{f}"], ["score", "{wb}", "--framework", "{f}"],
                            ["new", "-o", "{out}/x.xlsx", "--framework", "{f}"],
                            ["build-workbook", "-o", "{out}/x.xlsm", "--framework", "{f}"],
                            ["batch", "{folder}", "-o", "{out}/s.xlsx", "--framework", "{f}"]]),
    "json": (".json", [["score", "{f}"], ["check", "{f}"], ["report", "{f}", "-o", "{out}/r.docx"],
                       ["new", "-o", "{out}/x.xlsx", "--from", "{f}"]]),
    "workbook": (".xlsx", [["score", "{f}"], ["check", "{f}"], ["export", "{f}", "-o", "{out}/x.json"],
                           ["report", "{f}", "-o", "{out}/r.docx"]]),
    "template": (".docx", [["report", "{wb}", "-o", "{out}/r.docx", "--template", "{f}"],
                           ["batch", "{folder}", "-o", "{out}/s.xlsx", "--reports", "{out}/r", "--template", "{f}"]]),
    "previous": (".xlsx", [["batch", "{folder}", "-o", "{out}/s.xlsx", "--previous", "{f}"]]),
}


def _make(kind: str, folder: Path, suffix: str) -> Path:
    if kind == "zero":
        return Path("/dev/zero")
    path = folder / f"x{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link-to-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    data = folder / "data.json"
    data.write_text(json.dumps(example_data(), ensure_ascii=False), encoding="utf-8")
    batch = folder / "submissions"
    batch.mkdir()
    shutil.copy(example_workbook, batch / "a.xlsx")
    return {"wb": example_workbook, "json": data, "folder": batch}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> dict[tuple[str, str, int], dict]:
    """(kind, reader, command number) -> what the command did; every command of every case in one child."""
    runs, keys, outs = [], [], []
    for kind in KINDS:
        for reader, (suffix, commands) in READERS.items():
            folder = tmp_path_factory.mktemp(f"{kind}-{reader}")
            special = _make(kind, folder, suffix)
            for number, argv in enumerate(commands):
                out = folder / f"out{number}"
                out.mkdir()
                names = {"f": str(special), "out": str(out), **{k: str(v) for k, v in inputs.items()}}
                runs.append(Run([arg.format(**names) for arg in argv]))
                keys.append((kind, reader, number))
                outs.append(out)
    done = run_guarded(runs, tmp_path_factory.mktemp("tmpdir"), timeout=120)
    for result, out in zip(done, outs):
        result["written"] = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    return dict(zip(keys, done))


CASES = [(kind, reader, number) for kind in KINDS for reader, (_, commands) in READERS.items()
         for number in range(len(commands))]


@pytest.mark.parametrize(("kind", "reader", "number"), CASES)
def test_refused_as_what_it_is(kind: str, reader: str, number: int,
                               results: dict[tuple[str, str, int], dict]) -> None:
    """Exit 2 with one line naming the kind of file, in bounded time (the child's limit) and memory (its
    address space), no traceback, nothing written, nothing left in TMPDIR."""
    result = results[(kind, reader, number)]
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2, result
    assert len(lines) == 1 and lines[0].startswith("xlperf：错误："), result["stderr"]
    if (kind, reader, number) == ("zero", "json", 3):  # /dev/zero has no .json: `new --from` refuses the name
        assert "--from 应给出 .json 数据文件" in lines[0]
    else:
        assert KINDS[kind] in lines[0], lines[0]
        assert kind == "folder" or "不是普通文件" in lines[0]
    assert "文件是空的" not in lines[0] and "内部错误" not in lines[0] and "Traceback" not in result["stderr"]
    assert result["written"] in ([], ["r"]), result["written"]  # (batch makes --reports before reading the template)
    assert result["tmp"] == []


def test_a_link_says_where_it_leads(results: dict[tuple[str, str, int], dict]) -> None:
    """A link named x.toml that leads to /dev/zero says both."""
    line = results[("link-to-zero", "framework", 0)]["stderr"]
    assert "x.toml 是快捷方式（符号链接），指向的 /dev/zero 是设备文件（字符设备）" in line


class TestTooLarge:
    """A regular file over the limit of its kind is refused before it is read: a sparse file claims the
    size without using the disk."""

    @pytest.mark.parametrize(("reader", "size", "words"), [
        ("framework", 1024 * 1024 + 1, "过大（超过 1 MB）"),
        ("json", 20 * 1024 * 1024 + 1, "过大（超过 20 MB）"),
        ("template", 50 * 1024 * 1024 + 1, "过大（超过 50 MB）"),
        ("workbook", 50 * 1024 * 1024 + 1, "文件过大"),
    ])
    def test_refused_by_size(self, reader: str, size: int, words: str, tmp_path: Path,
                             inputs: dict[str, Path]) -> None:
        suffix, commands = READERS[reader]
        big = tmp_path / f"big{suffix}"
        with big.open("wb") as handle:
            handle.truncate(size)
        out = tmp_path / "out"
        out.mkdir()
        names = {"f": str(big), "out": str(out), **{k: str(v) for k, v in inputs.items()}}
        (result,) = run_guarded([Run([arg.format(**names) for arg in commands[0]])], tmp_path / "tmp")
        assert result["code"] == 2 and words in result["stderr"], result
        assert len(result["stderr"].strip().splitlines()) == 1
        assert list(out.iterdir()) == []


def test_a_batch_skips_special_files_in_its_folder(tmp_path: Path, example_workbook: Path) -> None:
    """A FIFO named like a workbook and a link to /dev/zero named like a JSON department-year, in the folder
    a batch reads: listed as not processed, never opened; the good workbook is scored."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(example_workbook, folder / "good.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "zero.json").symlink_to("/dev/zero")
    (result,) = run_guarded([Run(["batch", str(folder), "-o", str(tmp_path / "s.xlsx"), "--jobs", "1"])],
                            tmp_path / "tmp")
    assert result["code"] in (0, 1), result
    assert "pipe.xlsx" in result["stdout"] and "zero.json" in result["stdout"]
    assert "共 1 个工作簿" in result["stdout"] and (tmp_path / "s.xlsx").exists()
