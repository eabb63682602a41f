"""`xlperf batch`: check, score and compare a whole folder of department workbooks (the finance bureau).

    run_batch(BatchOptions(folder, output, ...)) -> BatchResult

Every workbook is read, scored, checked and reviewed in worker processes (`_pool`, `_worker`); the
results come back as plain records (`_record`) and become one summary workbook (`_summary`). Nothing
is written until every file is done: Ctrl-C (or SIGTERM, SIGHUP) or a failure leaves no half summary. A
file that cannot be read, that crashes its worker, or that goes over its budget of seconds or memory
(`BatchOptions.file_seconds`, `file_memory`), becomes its own row in 问题清单, once, and changes nothing else.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

SUMMARY_SHEET, DETAIL_SHEET, PROBLEM_SHEET, RISK_SHEET = "汇总", "指标明细", "问题清单", "风险提示"
#: batch-level ids of 问题清单 (the checks' catalogue covers what is inside a file)
DUPLICATE_SUBMISSION = "W902"

from ..core import os_fix, os_reason  # noqa: E402
from ..core.errors import XlperfError  # noqa: E402
from ..workbook import Reader  # noqa: E402
from ._record import INCOMPLETE, SCORED, UNREADABLE, FileRecord, Problem, RiskRow  # noqa: E402

if TYPE_CHECKING:
    from ..core.frameworks import Framework
    from ._worker import Job
    from ._previous import PreviousTotals
    from ._summary import Summary


@dataclass(frozen=True)
class BatchOptions:
    folder: Path
    output: Path
    reports: Path | None = None
    jobs: int = 0  # 0: one per processor core
    framework: str | None = None
    previous: Path | None = None
    template: Path | None = None
    force: bool = False
    reader: Reader = "calamine"
    file_seconds: float | None = None  # each file's budget (None: the defaults, _worker.FILE_SECONDS …)
    file_memory: int | None = None  # … and FILE_MEMORY_MB, in megabytes


@dataclass
class BatchResult:
    output: Path
    records: list[FileRecord]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # other files (reports, scans …) and why
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ignored(self) -> int:
        return len(self.skipped)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)


def default_output(folder: Path) -> Path:
    """<folder>-汇总.xlsx beside the folder (never inside it: the next run would read it as a workbook)."""
    folder = folder.resolve()
    if not folder.name:  # a drive or the root: nothing beside it
        raise XlperfError(f"{folder} 是磁盘的根目录，汇总表没有默认的存放位置", fix="请用 -o 给出汇总表的文件名，如 -o 汇总.xlsx")
    return folder.with_name(f"{folder.name}-汇总.xlsx")


#: Windows allows a process pool at most 61 workers; more would not help a batch of small files anyway
MAX_JOBS = 61


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


def run_batch(options: BatchOptions, progress: Callable[[int, int], None] | None = None) -> BatchResult:
    """Process every workbook under `options.folder` and write the summary; `progress(done, total)`."""
    from ._discover import find_workbooks
    from ._pool import process_files
    from ._summary import summary_frames
    from ._worker import FILE_MEMORY_MB, FILE_SECONDS, Job, over_budget, relative_name, unreadable

    start = time.perf_counter()
    fw, previous = _preflight(options)
    root = options.folder.resolve()
    skip = [options.output, *(p for p in (options.reports, options.previous) if p is not None)]
    found = find_workbooks(root, skip=skip)
    if not found.workbooks and not found.others:
        raise XlperfError(f"文件夹 {options.folder} 中没有找到 .xlsx/.xlsm 工作簿或 .json 数据文件",
                          fix="请确认文件夹是否正确（会查找各级子文件夹）")
    total = len(found.workbooks)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    job = Job(str(root), options.framework, str(options.reports.resolve()) if options.reports else None,
              str(options.template) if options.template else None, options.force, options.reader,
              seconds=options.file_seconds or FILE_SECONDS, memory_mb=options.file_memory or FILE_MEMORY_MB)
    jobs = min(options.jobs or default_jobs(), MAX_JOBS)
    try:
        records = process_files([str(p) for p in found.workbooks], job, min(jobs, max(total, 1)), advance,
                                preload=("pandas", "xlsxwriter"))
    finally:
        if options.reports is not None:
            _remove_leftovers(options.reports, start)
    records += [unreadable(relative_name(path, root), f"该文件{why}，不是 .xlsx/.xlsm 工作簿，未处理",
                           "请用 Excel 或 WPS 打开后另存为 .xlsx 再提交") for path, why in found.others]
    records += [unreadable(relative_name(path, root) + "/", f"无法打开这个文件夹（{why}），其中的工作簿没有处理",
                           "请检查文件夹的权限；路径太长时请把文件夹移到上一级或改短文件夹名") for path, why in found.unlisted]
    records = _duplicates(sorted(records, key=lambda r: r.file))
    last_year: dict[str, Decimal | None] | None = None
    if previous is not None:
        records, last_year = _moved(records, previous, fw)
    grades = [g.name for g in fw.grades] if fw else _shipped_grades(records)
    summary = summary_frames(records, previous=last_year, reports=options.reports is not None, grades=grades)
    if previous is not None:
        summary.notes += previous.notes  # names listed twice, totals that are no totals: not compared
    result = BatchResult(options.output, records, [(relative_name(p, root), why) for p, why in found.skipped])
    stopped = sum(over_budget(r) for r in records)
    if stopped:
        result.notes.append(f"{stopped} 个文件超过每个文件的处理时限（{job.seconds:g} 秒）或内存上限（{job.memory_mb} MB），"
                            "已停止处理并列入问题清单（E901），没有重试。确是很大的工作簿时，可把它单独放在一个文件夹中，"
                            "加 --file-seconds 或 --file-memory 放宽后再处理")
    summary.about = _about(options, result, previous.file if previous else "", job)
    result.output = _write_or_keep(options.output, summary, options.force, result.notes)
    result.notes += summary.notes
    result.seconds = time.perf_counter() - start  # the whole run: the summary written too
    return result


def _is_department_workbook(path: Path) -> bool:
    """Does the file carry the layout mark of a department workbook (XP_LAYOUT)? An earlier summary
    may be replaced with --force; a department's workbook never."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 10 * 1024 * 1024:
                return True  # not a summary of ours either: leave it alone
            return b"XP_LAYOUT" in archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return False


def _remove_leftovers(reports: Path, since: float) -> None:
    """Temporary files of reports a stopped worker was writing (a killed process cannot clean up)."""
    started = time.time() - (time.perf_counter() - since)
    for tmp in reports.rglob(".xlperf-*") if reports.is_dir() else ():
        try:
            if tmp.is_file() and tmp.stat().st_mtime >= started - 1:
                tmp.unlink()
        except OSError:
            pass


def _write_or_keep(output: Path, summary: Summary, force: bool, notes: list[str]) -> Path:
    """Write the summary; if the file was opened in Excel during the run, keep the work under another
    name rather than lose an hour of processing."""
    from ._summary import write_summary

    try:
        return write_summary(output, summary, overwrite=force)
    except XlperfError as exc:
        if not isinstance(exc.__cause__, PermissionError):
            raise
        other = output.with_name(f"{output.stem}-{time.strftime('%H%M%S')}{output.suffix}")
        written = write_summary(other, summary, overwrite=False)
        notes.append(f"{output.name} 正在 Excel 或 WPS 中打开，无法替换，汇总表另存为 {written.name}")
        return written


def _preflight(options: BatchOptions) -> tuple[Framework | None, PreviousTotals | None]:
    """Everything that can be wrong before the first file is read: found now, not after an hour's work."""
    from ..core.frameworks import load_framework

    folder = options.folder
    if not folder.exists():
        raise XlperfError(f"找不到文件夹：{folder}")
    if not folder.is_dir():
        raise XlperfError(f"{folder} 不是文件夹", fix="xlperf batch 处理一个文件夹中的全部工作簿；单个文件请用 xlperf check")
    output = options.output
    if output.is_dir():
        raise XlperfError(f"-o 给出的是文件夹：{output}", fix="请给出文件名，如 -o 汇总.xlsx")
    if output.suffix.lower() != ".xlsx":
        raise XlperfError(f"汇总表 {output.name} 的扩展名应为 .xlsx", fix=f"请改为 {output.with_suffix('.xlsx').name}")
    if options.previous is not None and output.exists() and output.resolve() == options.previous.resolve():
        raise XlperfError("汇总表与 --previous 给出的上年汇总表是同一个文件，不能覆盖", fix="请用 -o 另给一个文件名")
    if output.exists() and _is_department_workbook(output):  # --force does not change that
        raise XlperfError(f"-o 给出的 {output.name} 是一个单位的绩效自评工作簿，汇总表不能写在它上面",
                          fix="请用 -o 另给一个汇总表文件名，最好放在文件夹之外，如 -o 汇总.xlsx")
    if output.exists() and not options.force:
        raise XlperfError(f"汇总表已存在：{output}", fix="请换一个文件名（-o），或加 --force 覆盖")
    if output.exists():
        try:  # Excel locks a workbook it has open (Windows): say so now, not after the whole batch
            with output.open("r+b"):
                pass
        except PermissionError:
            raise XlperfError(f"汇总表 {output.name} 正在 Excel 或 WPS 中打开，或没有写入权限", fix="请关闭该文件后重试") from None
    _writable(output.parent if str(output.parent) else Path("."), "汇总表")
    if options.reports is not None:
        if options.reports.exists() and not options.reports.is_dir():
            raise XlperfError(f"--reports 应为文件夹，{options.reports} 是文件")
        try:
            options.reports.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XlperfError(f"无法建立报告文件夹 {options.reports}（{os_reason(exc)}）", fix=os_fix(exc)) from exc
        _writable(options.reports, "报告")
    if options.jobs < 0:
        raise XlperfError(f"--jobs 应为正整数，收到 {options.jobs}")
    if options.file_seconds is not None and not 0 < options.file_seconds < float("inf"):
        raise XlperfError(f"--file-seconds 应为正数（秒），收到 {options.file_seconds:g}")
    if options.file_memory is not None and options.file_memory < 100:
        raise XlperfError(f"--file-memory 应为不小于 100 的整数（MB），收到 {options.file_memory}",
                          fix="一个单位的工作簿处理时约用 30 MB，最大的约 700 MB")
    if options.template is not None:
        from ..report import check_user_template

        check_user_template(options.template)
    fw = load_framework(options.framework) if options.framework else None
    previous = None
    if options.previous is not None:
        from ._previous import read_previous

        previous = read_previous(options.previous)
    return fw, previous


def _writable(folder: Path, what: str) -> None:
    """Can files be written in `folder`? Found out before the batch, not when its results are due."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=".xlperf-", dir=folder):
            pass
    except OSError as exc:
        raise XlperfError(f"无法在文件夹 {folder} 中写入{what}（{os_reason(exc)}）",
                          fix=f"{os_fix(exc)}；或用 -o、--reports 换一个位置") from exc


def _duplicates(records: list[FileRecord]) -> list[FileRecord]:
    """W902: the same department and year in more than one file (a resubmission beside the old one)."""
    from ._previous import department_key

    groups: dict[tuple[str, int | None], list[str]] = {}
    for r in records:
        if r.department and not r.unreadable:
            groups.setdefault((department_key(r.department), r.year), []).append(r.file)
    out = []
    for r in records:
        files = groups.get((department_key(r.department), r.year), []) if r.department and not r.unreadable else []
        if len(files) > 1:
            others = [f for f in files if f != r.file]
            listed = "、".join(others[:3]) + (f" 等 {len(others)} 份" if len(others) > 3 else "")
            message = (f"“{r.department}”{r.year or ''}年度还有{'另一份' if len(others) == 1 else '其他'}工作簿：{listed}。"
                       "汇总中都列出，请确认哪一份是最终版本，删除或移走其余的后重新汇总")
            r = replace(r, problems=r.problems + (Problem(DUPLICATE_SUBMISSION, "警告", "", "", message),))
        out.append(r)
    return out


def _moved(records: list[FileRecord], previous: PreviousTotals,
           fw: Framework | None) -> tuple[list[FileRecord], dict[str, Decimal | None]]:
    """Last year's total of each department (matched by name), and R03 where it moved too much."""
    from ..core.frameworks import load_framework
    from ..core.review import total_moved

    last_year: dict[str, Decimal | None] = {}
    out = []
    for r in records:
        last = previous.total_of(r.department) if r.department else None
        last_year[r.file] = last
        if last is not None and r.total is not None:
            rules = (fw or load_framework(r.framework)).review
            risk = total_moved(r.total, last, rules)
            if risk is not None:
                r = replace(r, risks=r.risks + (RiskRow(risk.id, risk.title, risk.message),))
        out.append(r)
    return out, last_year


def _shipped_grades(records: list[FileRecord]) -> list[str]:
    from ..core.frameworks import load_framework, shipped_frameworks

    for r in records:
        if r.framework in shipped_frameworks():
            return [g.name for g in load_framework(r.framework).grades]
    return []


def _about(options: BatchOptions, result: BatchResult, previous: str, job: Job) -> list[tuple[str, str]]:
    from .. import __version__
    from ._record import INCOMPLETE, SCORED, UNREADABLE

    frameworks = sorted({r.framework for r in result.records if r.framework})
    return [
        ("汇总说明", ""),
        ("生成时间", time.strftime("%Y-%m-%d %H:%M")),
        ("生成程序", f"xlperf {__version__}（xlperf batch）"),
        ("文件夹", options.folder.resolve().name),
        ("评分框架", "、".join(frameworks) or "（无）"),
        ("工作簿", f"共 {len(result.records)} 个：已评分 {result.count(SCORED)} 个，不完整 {result.count(INCOMPLETE)} 个，"
                   f"未能读取 {result.count(UNREADABLE)} 个（见“问题清单”）；另有 {result.ignored} 个其他文件未处理"),
        ("上年汇总", previous or "未提供（加 --previous 上年汇总表.xlsx 可比较总分变动）"),
        ("每个文件的限额", f"处理时间 {job.seconds:g} 秒，内存 {job.memory_mb} MB"
                          f"{'' if sys.platform.startswith('linux') else '（本系统不限内存）'}；超过的停止处理，记为 E901，不重试"),
        ("", ""),
        ("各表内容", ""),
        (SUMMARY_SHEET, "每个单位一行，按总分从高到低排名（总分相同并列）。总分、小计都由 xlperf 按评分规则重新计算，"
                        "不采用单位自填的分数。“不完整”表示有指标无法计分，不给总分和排名；“未能读取”表示文件本身有问题。"
                        "右侧为总分分段和等级的统计及分布图。"),
        (DETAIL_SHEET, "每个单位每项指标一行（长表），可用筛选或数据透视表按指标比较各单位。"),
        (PROBLEM_SHEET, "每个文件的每条检查结果，注明工作表和单元格，可按“文件”筛选后退回单位修改。编号说明见 xlperf "
                        "checks；E901 为文件无法读取，W902 为同一单位同一年度提交了多份工作簿。"),
        (RISK_SHEET, "审核时宜优先查看的情形（不是错误）：R01 执行率低于阈值而产出指标满分；R02 由单位自行判断的指标"
                     "全部满分且没有任何说明；R03 总分比上年变动超过阈值（需 --previous）；R04 工作簿评分表上显示的"
                     "得分与按规则计算的不同（被改写或未重新计算）。阈值见评分框架的 [review]。"),
        ("统计", "总分分段和等级的单位数（“汇总”右侧分布图的数据），以及各指标的平均扣分、扣分单位数和平均得分率，"
                 "从扣分最多的指标排起。"),
        ("安全", "单位填写的文字一律按文本写入，以 = + - @ 开头的内容不会成为公式。"),
    ]


def progress_printer(stream: TextIO | None = None, *, clock: Callable[[], float] = time.monotonic
                     ) -> Callable[[int, int], None]:
    """A progress bar on a terminal (tqdm), or a line every tenth of the way in a log; both say how many
    files a second are done and about how long the rest will take (pace)."""
    import shutil

    out = stream or sys.stderr
    started = clock()
    # a terminal that reports no width (some remote shells) would get an empty bar: plain lines then
    if out.isatty() and shutil.get_terminal_size((0, 0)).columns >= 40:
        from tqdm import tqdm

        class Bar(tqdm):  # type: ignore[type-arg,misc]
            pace = ""  # {pace} in the bar's format

            @property
            def format_dict(self) -> dict[str, Any]:
                return {**super().format_dict, "pace": self.pace}

        tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked after the bar exists
        bar: list[Any] = []

        def on_tty(done: int, total: int) -> None:
            if not bar:
                bar.append(Bar(total=total, desc="检查评分", unit="个", file=out, dynamic_ncols=True,
                               bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {pace}"))
            shown = bar[0]
            shown.pace = pace(done, total, clock() - started)
            shown.update(done - shown.n)
            if done >= total:
                shown.close()

        return on_tty
    last = [-1]

    def on_log(done: int, total: int) -> None:
        step = done * 10 // max(total, 1)
        if step != last[0]:
            last[0] = step
            print(f"进度：{done}/{total}（{done * 100 // max(total, 1)}%），{pace(done, total, clock() - started)}",
                  file=out, flush=True)

    return on_log


def pace(done: int, total: int, seconds: float) -> str:
    """每秒 25 个，还需约 40 秒: files a second so far and the time the rest will take at that pace."""
    if done <= 0 or seconds <= 0:
        return "正在开始"
    rate = done / seconds
    speed = f"每秒 {rate:.0f} 个" if rate >= 10 else f"每秒 {rate:.1f} 个"
    if done >= total:
        return f"{speed}，已完成"
    return f"{speed}，还需约{_duration((total - done) / rate)}"


def _duration(seconds: float) -> str:
    """A time left, as a person would say it: 约 8 秒, 约 3 分钟, 约 1 小时 20 分钟."""
    if seconds < 90:
        return f" {max(1, round(seconds))} 秒"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f" {minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    return f" {hours} 小时" + (f" {minutes} 分钟" if minutes else "")


__all__ = ["DETAIL_SHEET", "INCOMPLETE", "PROBLEM_SHEET", "RISK_SHEET", "SCORED", "SUMMARY_SHEET", "UNREADABLE",
           "BatchOptions", "BatchResult", "default_jobs", "default_output", "pace", "progress_printer", "run_batch"]
