"""One workbook of a batch, in a worker process: read, score, check, review and, when asked, report.

Nothing a file does may stop the batch: every failure becomes the file's own E901 row in 问题清单.
Workers ignore Ctrl-C: the parent stops the pool and writes nothing half-done.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.checks import Finding
from ..core.engine import Scorecard
from ..core.errors import Location, XlperfError
from ..core.frameworks import Framework
from ..workbook._file_source import Reader
from ._record import FileRecord, IndicatorRow, Problem, RiskRow

#: id of a file that could not be read (or processed) at all; documented in docs/batch.md
FILE_UNREADABLE = "E901"


@dataclass(frozen=True)
class Job:
    """What every file of the batch is processed with (sent to each worker once)."""

    root: str
    framework: str | None = None  # id or .toml path given with --framework
    reports: str | None = None  # folder for the reports, when asked
    template: str | None = None
    force: bool = False  # overwrite reports left by an earlier run
    reader: Reader = "calamine"


_job: Job | None = None


def init_worker(job: Job) -> None:
    global _job
    # Ctrl-C reaches the whole process group: only the parent decides what happens (nothing half-written)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _job = job


def current_job() -> Job:
    """The job of this worker process (set by `init_worker`)."""
    assert _job is not None, "init_worker was not called"
    return _job


def relative_name(path: Path, root: Path) -> str:
    """How the summary names a file: its path below the batch folder, always printable. A zip made on
    Windows and unpacked on Linux leaves names in GBK, which Python holds as undecodable escapes."""
    try:
        name = path.relative_to(root).as_posix()
    except ValueError:
        name = path.name
    raw = name.encode("utf-8", "surrogateescape")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")  # pragma: no cover - gb18030 decodes any byte string


def process_file(path_text: str, job: Job) -> FileRecord:
    start = time.perf_counter()
    path = Path(path_text)
    name = relative_name(path, Path(job.root))
    try:
        record = _process(path, name, job)
    except XlperfError as exc:
        record = unreadable(name, exc.message, exc.fix, exc.location)
    except MemoryError:
        record = unreadable(name, "文件内容过大，处理时内存不足", "请用 Excel 或 WPS 打开并另存后重试")
    except RecursionError:
        record = unreadable(name, "文件结构嵌套过深，无法处理", "请用 Excel 或 WPS 打开并另存后重试")
    except BaseException:  # noqa: BLE001 - one file's surprise (even a SystemExit) must not stop the batch
        from .._errorlog import log_current_exception

        record = unreadable(name, f"处理该文件时发生内部错误{log_current_exception()}", "请把该文件和日志发给维护人员")
    return _timed(record, time.perf_counter() - start)


def unreadable(name: str, message: str, fix: str = "", location: Location | None = None) -> FileRecord:
    text = f"{message}{'。' if fix and not message.endswith('。') else ''}{fix}"
    sheet, cell = (location.sheet or location.path, location.cell) if location else ("", "")
    return FileRecord(name, unreadable=True, problems=(Problem(FILE_UNREADABLE, "错误", sheet, cell, text),))


def _timed(record: FileRecord, seconds: float) -> FileRecord:
    from dataclasses import replace

    return replace(record, seconds=seconds)


def _process(path: Path, name: str, job: Job) -> FileRecord:
    from ..core.checks import run_checks
    from ..core.engine import score_year
    from ..core.frameworks import load_framework
    from ..core.review import review_card
    from ..workbook.read import read_workbook

    override = _framework(job.framework) if job.framework else None
    if path.suffix.lower() == ".json":  # a department-year in xlperf's JSON form, read as `xlperf score` does
        from .._open import open_year

        year, fw = open_year(path, job.framework)
    else:
        year = read_workbook(path, override, reader=job.reader)
        fw = override or load_framework(year.framework_id)
    card = score_year(fw, year)
    findings = run_checks(card)
    report, note = _report(card, findings, path, job) if job.reports else ("", "")
    return FileRecord(
        name, department=year.department, year=year.year, framework=fw.id,
        total=card.total if card.complete else None, grade=card.grade if card.complete else "",
        categories=tuple((c.name, c.points, c.score) for c in card.categories),
        execution_rate=card.execution_rate,
        indicators=tuple(IndicatorRow(r.code, r.indicator.category, r.name, r.points, r.score, r.sentence, r.reason,
                                      r.deduction)
                         for r in card.results),
        problems=tuple(_problem(f) for f in findings),
        risks=tuple(RiskRow(r.id, r.title, r.message, r.indicators) for r in review_card(card)),
        report=report, report_note=note)


_loaded: dict[str, Framework] = {}


def _framework(id_or_path: str) -> Framework:
    """The --framework of the batch, read once per worker (a .toml file is parsed and checked each load)."""
    from ..core.frameworks import load_framework

    if id_or_path not in _loaded:
        _loaded[id_or_path] = load_framework(id_or_path)
    return _loaded[id_or_path]


def _problem(finding: Finding) -> Problem:
    where = finding.location
    sheet, cell = (where.sheet or where.path, where.cell) if where else ("", "")
    return Problem(finding.id, finding.severity, sheet, cell, finding.message, finding.indicators)


def report_path(reports: Path, source: Path, root: Path) -> Path:
    """reports/<the file's folders>/<its name>-自评报告.docx. When a.xlsx and a.xlsm (or a.json) lie side by side,
    each report keeps its workbook's suffix (a.xlsm-自评报告.docx): never two reports on one name."""
    relative = Path(relative_name(source, root))
    twins = [source.with_suffix(s) for s in (".xlsx", ".xlsm", ".json", ".XLSX", ".XLSM", ".JSON")
             if s != source.suffix]
    stem = relative.name if any(t.exists() for t in twins) else relative.stem
    return reports / relative.parent / f"{stem}-自评报告.docx"


def _report(card: Scorecard, findings: list[Finding], path: Path, job: Job) -> tuple[str, str]:
    from ..report.render import render_report

    assert job.reports is not None
    # every department gets its report; where the checks found errors, its first page lists them as
    # 待核实 (as `xlperf report --force` does), so the bureau reads it knowing what is still wrong
    errors = [f for f in findings if f.is_error]
    out = report_path(Path(job.reports), path, Path(job.root))
    try:
        render_report(card, out, template=Path(job.template) if job.template else None,
                      overwrite=job.force, pending=errors, protect=(path,))
    except XlperfError as exc:
        return "", f"未生成报告：{exc}"
    return relative_name(out, Path(job.reports)), (f"首页列出了 {len(errors)} 条待核实的问题" if errors else "")
