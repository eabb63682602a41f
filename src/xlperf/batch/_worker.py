"""One workbook of a batch, in a worker process: read, score, check, review and, when asked, report.

Nothing a file does may stop the batch: every failure becomes the file's own E901 row in 问题清单.
Each file has a budget of seconds (the parent stops the worker past it, `_pool`) and of memory
(enforced here, where the system allows). Workers ignore Ctrl-C, and die with the parent: only the
parent decides what happens, and writes nothing half-done.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..core.checks import Finding
from ..core.errors import Location, XlperfError
from ..core.frameworks import Framework
from ..workbook import Reader
from ._record import FileRecord, IndicatorRow, Problem, RiskRow

if TYPE_CHECKING:
    from ..evaluate import Evaluation

#: id of a file that could not be read (or processed) at all; documented in docs/batch.md
FILE_UNREADABLE = "E901"

#: Each file's default budget (docs/batch.md; `xlperf batch --file-seconds/--file-memory`). Measured on a
#: 2-core machine: a department's workbook takes 10-20 ms and 30 MB; the largest the layout allows
#: (10 000 targets and projects) takes 2 s to read and score and 7 s more for its report, at 650 MB.
FILE_SECONDS = 60.0
FILE_MEMORY_MB = 2048
MB = 1024 * 1024

_RESAVE = "请用 Excel 或 WPS 打开并另存后重新提交"
_HOSTILE = "可能是严重损坏或恶意构造的文件，已跳过"


@dataclass(frozen=True)
class Job:
    """What every file of the batch is processed with (sent to each worker once)."""

    root: str
    framework: str | None = None  # id or .toml path given with --framework
    reports: str | None = None  # folder for the reports, when asked
    template: str | None = None
    force: bool = False  # overwrite reports left by an earlier run
    reader: Reader = "calamine"
    seconds: float = FILE_SECONDS  # each file's budget: wall-clock seconds …
    memory_mb: int = FILE_MEMORY_MB  # … and megabytes of address space above the worker's own


OVER_BUDGET = "处理该文件超过"  # how the E901 text of a file past its budget begins


def over_time(seconds: float) -> str:
    """The E901 text of a file stopped for time."""
    return f"{OVER_BUDGET} {seconds:g} 秒仍未完成，已停止，{_HOSTILE}。{_RESAVE}"


def over_memory(megabytes: int) -> str:
    """The E901 text of a file stopped for memory."""
    return f"{OVER_BUDGET}内存上限（{megabytes} MB），已停止，{_HOSTILE}。{_RESAVE}"


def over_budget(record: FileRecord) -> bool:
    """Was the file stopped for going over its budget of seconds or memory?"""
    return record.unreadable and any(p.id == FILE_UNREADABLE and p.message.startswith(OVER_BUDGET)
                                     for p in record.problems)


def crashed(signal_number: int | None = None) -> str:
    """The E901 text of a file whose worker died (`signal_number`: the signal that ended it, if any)."""
    if signal_number == getattr(signal, "SIGKILL", None):  # not ours: the system, out of memory
        return f"处理该文件时内存不足，工作进程被系统终止，{_HOSTILE}。{_RESAVE}"
    return f"处理该文件时读取程序异常退出，{_HOSTILE}。{_RESAVE}"


def init_worker(job: Job, parent: int) -> None:
    """Set up a worker process: signals, dying with `parent` (its process id), one thread for numeric
    libraries (a worker does one file at a time; their thread pools would only eat the memory budget)."""
    # Ctrl-C reaches the whole process group: only the parent decides what happens (nothing half-written).
    # A forked worker inherits the parent's handlers, which turn SIGTERM and SIGHUP into KeyboardInterrupt:
    # a worker must simply end on them (the parent stops its workers so). One the parent ignores (nohup)
    # the worker ignores too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ended = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    for number in ended:
        if signal.getsignal(number) != signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # the parent blocked them while starting us (_pool)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, ended)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    _die_with(parent)


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this worker when `parent` ends, however it ends (even killed with SIGKILL, when it cannot stop
    its workers itself). Linux: the kernel does it (PR_SET_PDEATHSIG), whatever the worker is doing.
    Elsewhere a thread watches the parent (it needs the worker to let Python threads run; a worker
    stuck in a native library without releasing them ends with its file's time budget instead)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:  # it ended before the request took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    import threading

    threading.Thread(target=_watch_parent, args=(parent,), name="xlperf-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    if sys.platform == "win32":  # a handle on the parent process, signalled when it ends
        import multiprocessing
        from multiprocessing.connection import wait

        watched = multiprocessing.parent_process()
        if watched is None:
            return
        wait([watched.sentinel])
    else:  # an orphan is adopted by another process
        while os.getppid() == parent:
            time.sleep(1)
    os._exit(1)


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


def process_file(path_text: str, job: Job) -> tuple[FileRecord, bool]:
    """The file's record, and whether it went over its memory budget (the worker then ends: a new one,
    with nothing left over from that file, takes the next)."""
    start = time.perf_counter()
    path = Path(path_text)
    name = relative_name(path, Path(job.root))
    over = False
    try:
        with memory_budget(job.memory_mb):
            record = _process(path, name, job)
    except MemoryError:
        record, over = unreadable(name, over_memory(job.memory_mb)), True
    except XlperfError as exc:
        if _out_of_memory(exc):  # the reader translates a MemoryError into its own words
            record, over = unreadable(name, over_memory(job.memory_mb)), True
        else:
            record = unreadable(name, exc.message, exc.fix, exc.location)
    except RecursionError:
        record = unreadable(name, "文件结构嵌套过深，无法处理", "请用 Excel 或 WPS 打开并另存后重试")
    except BaseException:  # noqa: BLE001 - one file's surprise (even a SystemExit) must not stop the batch
        from .._errorlog import log_current_exception

        record = unreadable(name, f"处理该文件时发生内部错误{log_current_exception()}", "请把该文件和日志发给维护人员")
    return _timed(record, time.perf_counter() - start), over


def _out_of_memory(exc: BaseException) -> bool:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MemoryError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


@contextmanager
def memory_budget(megabytes: int) -> Iterator[None]:
    """Within the block, this process may use `megabytes` more address space than it does now (Linux:
    RLIMIT_AS; a larger allocation raises MemoryError, or ends a native library, and so the worker). Other
    systems have no such limit that their allocators respect: there the file runs unbounded in memory."""
    if not sys.platform.startswith("linux"):
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + megabytes * MB
    for bound in (soft, hard):  # a limit set by whoever started us stays in force
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def unreadable(name: str, message: str, fix: str = "", location: Location | None = None) -> FileRecord:
    text = f"{message}{'。' if fix and not message.endswith('。') else ''}{fix}"
    sheet, cell = (location.sheet or location.path, location.cell) if location else ("", "")
    return FileRecord(name, unreadable=True, problems=(Problem(FILE_UNREADABLE, "错误", sheet, cell, text),))


def _timed(record: FileRecord, seconds: float) -> FileRecord:
    from dataclasses import replace

    return replace(record, seconds=seconds)


def _process(path: Path, name: str, job: Job) -> FileRecord:
    from ..evaluate import evaluate

    # a workbook or a department-year in xlperf's JSON form, read as `xlperf score` reads it
    evaluation = evaluate(path, _framework(job.framework) if job.framework else None, reader=job.reader)
    year, fw, card = evaluation.year, evaluation.framework, evaluation.scorecard
    report, note = _report(evaluation, path, job) if job.reports else ("", "")
    return FileRecord(
        name, department=year.department, year=year.year, framework=fw.id,
        total=card.total if card.complete else None, grade=card.grade if card.complete else "",
        categories=tuple((c.name, c.points, c.score) for c in card.categories),
        execution_rate=card.execution_rate,
        indicators=tuple(IndicatorRow(r.code, r.indicator.category, r.name, r.points, r.score, r.sentence, r.reason,
                                      r.deduction)
                         for r in card.results),
        problems=tuple(_problem(f) for f in evaluation.findings),
        risks=tuple(RiskRow(r.id, r.title, r.message, r.indicators) for r in evaluation.risks),
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
    """reports/<the file's folders>/<its name>-自评报告.docx (evaluate.report_path, mirrored below the
    reports folder, named as the summary names the file)."""
    from ..evaluate import report_path as report_path_of

    return report_path_of(source, folder=reports, below=Path(relative_name(source, root)))


def _report(evaluation: Evaluation, path: Path, job: Job) -> tuple[str, str]:
    from ..report.render import render_report

    assert job.reports is not None
    # the one report gate (evaluate): with errors, a report only with --force, its first page listing
    # them as 待核实, as `xlperf report --force` does
    decision = evaluation.report_decision(force=job.force)
    if not decision.allowed:
        return "", f"未生成报告：{decision.reason}（加 --force 仍生成，首页列出待核实的问题）"
    out = report_path(Path(job.reports), path, Path(job.root))
    try:
        render_report(evaluation.scorecard, out, template=Path(job.template) if job.template else None,
                      overwrite=job.force, pending=list(decision.pending), protect=(path,))
    except XlperfError as exc:
        return "", f"未生成报告：{exc}"
    pending = len(decision.pending)
    return relative_name(out, Path(job.reports)), (f"首页列出了 {pending} 条待核实的问题" if pending else "")
