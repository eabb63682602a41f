"""The parent's share of a batch: records sent from the workers in their plain form (`_record.plain`) and
rebuilt compacted, and the summary's tables streamed column by column, held to the ways they replace."""

from __future__ import annotations

import pickle
import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from batch_folders import SAMPLES

from xlperf.batch import _pool, _record, _summary, _worker
from xlperf.batch._record import Compact, FileRecord, IndicatorRow, Problem, RiskRow, plain


def exact(record: FileRecord) -> str:
    """Everything a record holds, types and Decimals' exponents too (== takes Decimal("2.00") for 2)."""
    return repr(record)


def tricky(file: str = "a.xlsx", **changes: Any) -> FileRecord:
    record = FileRecord(
        file, department="某单位", year=2022, framework="gz-baiyun-2022", total=Decimal("90.50"), grade="优",
        categories=(("整体效能", Decimal("50"), Decimal("49.5")), ("其他", Decimal("1"), Decimal("-0"))),
        execution_rate=Decimal("0.9512"),
        indicators=(IndicatorRow("ZX01", "整体效能", "指标一", Decimal("2.00"), Decimal("2"), "满分", "", Decimal("0")),
                    IndicatorRow("ZX02", "整体效能", "指标二", Decimal("2"), None, "无法计分", "  有空格 ", None),
                    IndicatorRow("ZX03", "整体效能", "指标三", Decimal("1E+1"), Decimal("-0.0"), "", "=1+1",
                                 Decimal("10.00"))),
        problems=(Problem("W303", "警告", "评分表", "F2", "说明", ("ZX01", "ZX02")), Problem("E101", "错误", "", "", "错")),
        risks=(RiskRow("R01", "执行率低", "说明", ("ZX01",)),), report="a-自评报告.docx", report_note="注", seconds=0.25)
    return replace(record, **changes)


class TestPlainRecords:
    def test_a_record_sent_plain_is_rebuilt_as_it_was_and_compacted(self) -> None:
        records = [tricky(f"{i}.xlsx", department=f"单位{i}") for i in range(3)]
        records.append(tricky("u.xlsx", unreadable=True, total=None, grade="", categories=(), indicators=(), risks=()))
        compact, reference = Compact(), Compact()
        rebuilt = [compact.unplain(pickle.loads(pickle.dumps(plain(r), protocol=pickle.HIGHEST_PROTOCOL)))
                   for r in records]
        assert [exact(r) for r in rebuilt] == [exact(r) for r in records] == [exact(reference.record(r)) for r in records]
        first, second = rebuilt[0], rebuilt[1]
        # what repeats is one object; Decimal("2.00") and Decimal("2") stay two, each as written
        assert first.indicators[0] is second.indicators[0] and first.problems[0] is second.problems[0]
        assert first.indicators[0].score is second.indicators[1].points  # Decimal("2") in two rows
        assert first.indicators[0].points is not first.indicators[1].points  # "2.00" and "2"
        assert str(first.indicators[0].points) == "2.00" and str(first.indicators[1].points) == "2"
        assert first.indicators[0].category is second.indicators[2].category
        assert first.categories[1] is second.categories[1] and str(first.categories[1][2]) == "-0"

    def test_the_plain_form_has_every_field(self) -> None:
        """plain and Compact.unplain name the fields one by one: a field added to a record must be added to
        them (and set in `tricky`), or it would arrive in the parent as its default."""
        from dataclasses import fields

        assert [f.name for f in fields(FileRecord)] == [
            "file", "department", "year", "framework", "total", "grade", "categories", "execution_rate", "indicators",
            "problems", "risks", "report", "report_note", "unreadable", "seconds"]
        assert [f.name for f in fields(IndicatorRow)] == [
            "code", "category", "name", "points", "score", "rule", "reason", "deduction"]
        assert [f.name for f in fields(Problem)] == ["id", "severity", "sheet", "cell", "message", "indicators"]
        form = plain(tricky(unreadable=True))
        assert form is not None and len(form) == len(fields(FileRecord))
        assert len(form[8][0]) == len(fields(IndicatorRow)) and len(form[9][0]) == len(fields(Problem))

    def test_as_written_decimals_stay_apart(self) -> None:
        a = tricky("a.xlsx")
        b = tricky("b.xlsx", indicators=(replace(a.indicators[0], points=Decimal("2")),))
        compact = Compact()
        ra, rb = (compact.unplain(plain(r)) for r in (a, b))  # type: ignore[arg-type]
        assert str(ra.indicators[0].points) == "2.00" and str(rb.indicators[0].points) == "2"
        assert ra.indicators[0] is not rb.indicators[0]

    def test_past_the_shared_rows_each_row_is_its_own_and_alike(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_record, "SHARED_ROWS", 2)
        compact = Compact()
        records = [tricky(f"{i}.xlsx") for i in range(3)]
        rebuilt = [compact.unplain(plain(r)) for r in records]  # type: ignore[arg-type]
        assert [exact(r) for r in rebuilt] == [exact(r) for r in records]
        assert len(compact._rows) == 2

    @pytest.mark.parametrize("changes", [
        {"total": 90.5}, {"execution_rate": 1}, {"framework": 1}, {"grade": True},
        {"categories": (("整体效能", 50, Decimal("49.5")),)},
        {"indicators": (IndicatorRow("ZX01", "整体效能", "指标", 2, Decimal("2"), "", "", Decimal("0")),)},
        {"indicators": (IndicatorRow("ZX01", "整体效能", "指标", Decimal("2"), Decimal("2"), "", 1, None),)},  # type: ignore[arg-type]
        {"problems": (Problem("W303", "警告", "评分表", "F2", "说明", (1,)),)},  # type: ignore[arg-type]
    ])
    def test_a_value_of_another_type_sends_the_record_as_it_is(self, changes: dict[str, Any]) -> None:
        record = tricky(**changes)
        assert plain(record) is None

    def test_records_from_the_workers_are_those_the_files_make(self, folder: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
        paths = sorted(str(p) for p in folder.rglob("*.xlsx"))
        job = _worker.Job(str(folder))
        unplained: list[int] = []
        real = Compact.unplain
        monkeypatch.setattr(Compact, "unplain", lambda self, form: (unplained.append(1), real(self, form))[1])
        records = _pool.process_files(paths, job, 2, lambda n: None)
        assert len(unplained) == len(paths) == SAMPLES
        assert [exact(replace(r, seconds=0.0)) for r in records] == [
            exact(replace(_worker.process_file(p, job)[0], seconds=0.0)) for p in paths]

    def test_a_record_without_a_plain_form_arrives_as_it_is(self, folder: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
        # the workers are forked from this process, so they run the patched function
        odd = tricky(total=90.5, indicators=(IndicatorRow("ZX01", "整体效能", "指标", 2, 1.5, "", "", None),))

        def odd_record(path: Path, name: str, job: _worker.Job) -> FileRecord:
            return replace(odd, file=name)

        monkeypatch.setattr(_worker, "_process", odd_record)
        paths = sorted(str(p) for p in folder.rglob("*.xlsx"))[:3]
        records = _pool.process_files(paths, _worker.Job(str(folder)), 2, lambda n: None)
        assert [exact(replace(r, file="", seconds=0.0)) for r in records] == [exact(replace(odd, file="", seconds=0.0))] * 3
        assert type(records[0].indicators[0].points) is int and type(records[0].total) is float


def reference_write(self: Any, frame: pd.DataFrame) -> None:
    """How the rows were streamed before they were written column by column: row by row, cell by cell."""
    sheet = self.sheet
    sheet._write_single_row(1)
    out = sheet.row_data_fh
    letters, wrapped = self.letters, self.wrapped
    text, quoted, decimal, integer = self.text, self.quoted, self.decimal, self.integer
    last = 0
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        number = str(r + 1)
        lines = max((len(values[c]) // per_line + 1 for c, per_line in wrapped if type(values[c]) is str), default=1)
        if lines > 1:
            pixels = int(_summary.LINE_HEIGHT * min(lines, _summary.MAX_LINES) * 4.0 / 3.0 + 0.5)
            cells = [f'<row r="{number}" ht="{pixels * 0.75:.16g}" customHeight="1">']
        else:
            cells = [f'<row r="{number}">']
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if value:
                    cells.append(reference_inline(letters[c] + number, quoted[c] if value.startswith(
                        _summary.FORMULA_STARTS) else text[c], value))
            elif kind is Decimal or kind is float:
                if value == value:
                    cells.append(f'<c r="{letters[c]}{number}"{decimal[c]}><v>{float(value):.16G}</v></c>')
            elif kind is int:
                cells.append(f'<c r="{letters[c]}{number}"{integer[c]}><v>{value:.16G}</v></c>')
            elif value is not None:
                cells.append(self._other(letters[c] + number, c, value))
        cells.append("</row>")
        out.write("".join(cells))
        last = r
    sheet._check_dimensions(last, len(letters) - 1)
    sheet.previous_row = last + 1


def reference_inline(ref: str, style: str, value: str) -> str:
    if len(value) > _summary._STRING_MAX // 2:
        value = _summary._utf16_cut(value, _summary._STRING_MAX)
    if "_x" in value:
        value = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", value)
    value = re.sub(r"([\x00-\x08\x0b-\x1f])", lambda match: f"_x{ord(match.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    keep = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{keep}>{escaped}</t></is></c>'


class TestStreamedColumns:
    def test_rows_written_column_by_column_are_those_written_cell_by_cell(self, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        """Byte for byte, whatever the values and however they repeat: across blocks of rows, with caches
        cleared and long texts not kept, equal values of other types (2, 2.0, Decimal 2, True) and zeros of
        either sign (written "0" and "-0")."""
        texts = ["代码", "", "=1+1", "a & b <c>", "_x0041_ \x01", " 空格 ", "长" * 30, "\uffff", "换\n行", "代码"]
        numbers: list[Any] = [Decimal("2.00"), Decimal("2"), 2, 2.0, True, 1, Decimal("1"), Decimal("0"), Decimal("-0"), -0.0, 0.0, 0,
                              None, float("nan"), Decimal("NaN"), False, Decimal("-0.00"), 1.5, "2", "", Decimal("1E+1")]
        rows = 61
        details = pd.DataFrame({
            "单位": [texts[i % len(texts)] for i in range(rows)],
            "年度": [2022 + i % 2 for i in range(rows)],  # int64
            "文件": [f"{i}.xlsx" for i in range(rows)],
            "分值": [numbers[i % len(numbers)] for i in range(rows)],  # object, every type
            "得分": [numbers[(i * 7) % len(numbers)] for i in range(rows)],
            "扣分": [float(i % 3) if i % 5 else float("nan") for i in range(rows)],  # float64 with blanks
            "评分说明": [texts[(i * 3) % len(texts)] if i % 4 else None for i in range(rows)],  # str, blanks
            "扣分原因": ["长" * (i * 13) for i in range(rows)],  # heights
            "执行率": [Decimal("0.95") if i % 2 else 0.5 for i in range(rows)],
            "错误": [i % 2 == 0 for i in range(rows)],  # bool
            # texts as both kinds of column, whichever pandas makes of the others: object (pandas 2) ...
            "一级指标": pd.Series([texts[(i * 5) % len(texts)] if i % 6 else None for i in range(rows)], dtype=object),
            # ... and pandas' string dtype (pandas 3), with its blanks
            "指标": pd.Series([texts[(i * 2) % len(texts)] if i % 6 else None for i in range(rows)], dtype="string"),
        })
        overview = pd.DataFrame({"排名": [1], "单位": ["甲"], "总分": [Decimal("90")], "等级": ["优"], "错误": [0],
                                 "风险": [0], "状态": ["已评分"], "文件": ["a.xlsx"]})
        empty = pd.DataFrame(columns=["编号", "文件"])
        summary = _summary.Summary(overview, details, empty, empty, about=[("说明", "")])
        monkeypatch.setattr(_summary, "_statistics", lambda book, summary: None)  # (its own values: not these)
        monkeypatch.setattr(_summary, "_BLOCK_ROWS", 7)
        monkeypatch.setattr(_summary, "_CACHE_SIZE", 3)
        monkeypatch.setattr(_summary, "_CACHE_TEXT", 10)
        streamed: list[int] = []
        write = _summary._StreamedRows.write
        monkeypatch.setattr(_summary._StreamedRows, "write", lambda self, frame: (streamed.append(len(frame)),
                                                                                 write(self, frame))[1])
        ways: set[str] = set()  # how texts were written: as a column of texts, or among other values
        texts_of, tails_of = _summary._StreamedRows._texts, _summary._StreamedRows._tails
        monkeypatch.setattr(_summary._StreamedRows, "_texts", lambda self, c, values, caches: (
            ways.add("texts"), texts_of(self, c, values, caches))[1])
        monkeypatch.setattr(_summary._StreamedRows, "_tails", lambda self, c, values, caches: (
            ways.update({"tails"} if any(type(v) is str and v for v in values) else ()), tails_of(self, c, values, caches))[1])
        columns = _summary.write_summary(tmp_path / "columns.xlsx", summary, overwrite=True)
        assert streamed == [1, rows]
        assert ways == {"texts", "tails"}  # both ways were taken, and are held to the reference below
        monkeypatch.setattr(_summary._StreamedRows, "write", reference_write)
        cells = _summary.write_summary(tmp_path / "cells.xlsx", summary, overwrite=True)
        with zipfile.ZipFile(columns) as a, zipfile.ZipFile(cells) as b:
            assert a.namelist() == b.namelist()
            for name in a.namelist():
                if name != "docProps/core.xml":  # the time it was written
                    assert a.read(name) == b.read(name), name
