"""The `xlperf` command: build, score, check and export department-year workbooks.

Thin by design: each command parses its arguments, calls inward (core, workbook adapters) and
formats the result. Errors print one Chinese line and exit 2; `check` and `check-report` exit 1 on any
错误. Ctrl-C exits 130; SIGTERM and SIGHUP are handled as Ctrl-C is (children stopped, nothing
half-written) and exit 128 + the signal's number.
Heavy modules (openpyxl, XlsxWriter) are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import builtins
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _argparse_zh
from .core.errors import XlperfError

if TYPE_CHECKING:
    from .core.checks import Finding
    from .core.engine import Scorecard

DEFAULT_FRAMEWORK = "gz-baiyun-2022"
DEFAULT_MACRO_WORKBOOK = "workbook/绩效自评.xlsm"  # the file committed in the repository


#: when the command started (main): what `batch` reports as 用时
_started = time.perf_counter()


def main(argv: Sequence[str] | None = None) -> int:
    global _started
    _started = time.perf_counter()
    _argparse_zh.install()
    for stream in (sys.stdout, sys.stderr):
        # a Windows console or a redirect in GBK cannot show every character: never crash on that
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        with _stopped_like_ctrl_c():
            return int(args.run(args))
    except XlperfError as exc:
        _say_error(str(exc))
        return 2
    except Terminated as exc:
        try:
            _say_error(f"已终止（收到 {exc.name}），未写入任何不完整的文件。")
        except OSError:  # the terminal that was closed (SIGHUP) is gone
            pass
        return 128 + exc.signum
    except KeyboardInterrupt:
        _say_error("已中断，未写入任何不完整的文件。")
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the user sees one line, the developer gets the log
        from ._errorlog import log_current_exception

        _say_error(f"内部错误{log_current_exception()}。请把该文件发给维护人员。")
        return 2


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (SIGBREAK on Windows): stopped from outside — `timeout`, a task manager, a
    closed terminal, the program that started us. Raised as a KeyboardInterrupt so that every path that
    cleans up after Ctrl-C (children stopped, temporary files removed) does so here too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        import signal

        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"信号 {self.signum}"


#: signals that stop xlperf as Ctrl-C does (those this system has); exit code 128 + the signal's number
STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGBREAK")


@contextmanager
def _stopped_like_ctrl_c() -> Iterator[None]:
    """Within the block, STOP_SIGNALS raise Terminated (once: a second signal must not cut the cleanup
    short). A signal ignored when we start (`nohup`) stays ignored; outside the main thread, where
    Python cannot set handlers, nothing changes."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop(signum: int, frame: object) -> None:
        for number in previous:
            signal.signal(number, signal.SIG_IGN)
        raise Terminated(signum)

    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is None or signal.getsignal(number) == signal.SIG_IGN:
            continue
        previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _say_error(message: str) -> None:
    line = " ".join(message.splitlines())  # one line, whatever a hostile file put in a name the message quotes
    print(f"xlperf：错误：{line}", file=sys.stderr)


def print(*values: Any, sep: str = " ", end: str = "\n", file: Any = None, flush: bool = False) -> None:  # noqa: A001
    """Every line this module prints: workbook text (names, messages quoting cells, file names found in
    a folder) may hold terminal control sequences, shown here, never acted on (_table.printable)."""
    from ._table import printable

    builtins.print(printable(sep.join(map(str, values))), end=end, file=file, flush=flush)


def _parser() -> argparse.ArgumentParser:
    parser = _argparse_zh.ArgumentParser(
        prog="xlperf", description="部门整体支出绩效自评：生成评分表工作簿、计分、检查填报、生成自评报告，"
                                   "以及财政局汇总各单位的工作簿。",
        epilog="先试一试：xlperf demo（内置示例）。自己填报：xlperf new -o 绩效自评.xlsx，填好后 "
               "xlperf check 绩效自评.xlsx，再 xlperf report 绩效自评.xlsx。各命令的用法：xlperf 命令 --help")
    sub = parser.add_subparsers(title="命令", metavar="命令")

    demo = sub.add_parser("demo", help="用内置的 2022 年白云区科协示例生成工作簿，计分并检查")
    demo.add_argument("-o", "--output", default="xlperf-demo", metavar="文件夹", help="输出文件夹（默认 xlperf-demo）")
    demo.add_argument("--force", action="store_true", help="覆盖文件夹中上次生成的示例文件")
    demo.set_defaults(run=cmd_demo)

    new = sub.add_parser("new", help="生成一个新的绩效自评工作簿（空白，或由 JSON 数据填好）")
    new.add_argument("-o", "--output", required=True, metavar="文件",
                     help="输出文件：.xlsx 为公式版（Excel 自带公式计分，WPS、无 Python 的 Excel 均可用）；"
                          ".xlsm 为宏版（Python 计分，带按钮，Windows 版 Excel 使用）")
    new.add_argument("--framework", metavar="编号或路径", help=f"评分框架（默认 {DEFAULT_FRAMEWORK}，或 JSON 中写明的框架）")
    new.add_argument("--from", dest="data", metavar="数据.json", help="用 JSON 数据填写工作簿")
    new.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    new.set_defaults(run=cmd_new)

    build = sub.add_parser("build-workbook", help="重新生成空白的宏工作簿（.xlsm，内置宏、公式和按钮）")
    build.add_argument("-o", "--output", metavar="文件",
                       help=f"输出的 .xlsm 文件（默认：在 xlperf 仓库目录中为 {DEFAULT_MACRO_WORKBOOK}，"
                            "其他地方为当前文件夹中的 绩效自评.xlsm）")
    build.add_argument("--framework", metavar="编号或路径", help=f"评分框架（默认 {DEFAULT_FRAMEWORK}）")
    build.add_argument("--force", action="store_true", help="覆盖已存在的文件（仓库中的 workbook/绩效自评.xlsm 总是重新生成）")
    build.set_defaults(run=cmd_build_workbook)

    for name, helptext, func in (("score", "计算工作簿（或 JSON）的各项得分、总分和等级", cmd_score),
                                 ("check", "检查填报问题（有“错误”时退出码为 1）", cmd_check)):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("file", metavar="文件", help=".xlsx/.xlsm 工作簿或 .json 数据")
        cmd.add_argument("--json", action="store_true", help="以 JSON 输出")
        cmd.add_argument("--framework", metavar="编号或路径", help="改用指定的评分框架")
        cmd.set_defaults(run=func)

    lint = sub.add_parser("check-report", help="核对自评报告（Word 或从 PDF 复制的文字）与工作簿是否一致（有“错误”时退出码为 1）",
                          description="逐项核对报告中写的指标分值和得分、一级指标小计、总分、等级、完成率等比率和金额是否与工作簿"
                                      "一致，有无漏写或多写的指标，以及报告自己的加总（各项得分之和等于总分、分值之和等于满分）。"
                                      "报告可以是 xlperf 生成后改过的，也可以是手写的；PDF 请先复制正文存为 .txt。")
    lint.add_argument("report", metavar="报告", help="自评报告：.docx，或从 PDF 复制出的纯文本 .txt")
    lint.add_argument("file", metavar="工作簿", help="报告所依据的 .xlsx/.xlsm 工作簿或 .json 数据")
    lint.add_argument("--json", action="store_true", help="以 JSON 输出")
    lint.add_argument("--framework", metavar="编号或路径", help="改用指定的评分框架")
    lint.set_defaults(run=cmd_check_report)

    report = sub.add_parser("report", help="生成自评报告（Word，可另存 PDF）；有“错误”时拒绝生成，除非加 --force")
    report.add_argument("file", metavar="文件", help=".xlsx/.xlsm 工作簿或 .json 数据")
    report.add_argument("-o", "--output", metavar="报告.docx", help="输出文件（默认：输入文件旁的“…-自评报告.docx”）")
    report.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 转换为 PDF")
    report.add_argument("--template", metavar="模板.docx", help="改用自己的报告模板（先检查其中的标签）")
    report.add_argument("--framework", metavar="编号或路径", help="改用指定的评分框架")
    report.add_argument("--force", action="store_true",
                        help="覆盖已存在的文件；有“错误”时仍然生成，并在报告首页列出待核实的问题")
    report.set_defaults(run=cmd_report)

    export = sub.add_parser("export", help="把工作簿导出为 JSON 数据")
    export.add_argument("file", metavar="文件", help=".xlsx/.xlsm 工作簿")
    export.add_argument("-o", "--output", required=True, metavar="数据.json", help="输出的 JSON 文件")
    export.add_argument("--framework", metavar="编号或路径", help="改用指定的评分框架")
    export.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    export.set_defaults(run=cmd_export)

    batch = sub.add_parser("batch", help="财政局用：检查、评分、汇总一个文件夹中各单位的工作簿，生成汇总表",
                           description="查找文件夹（含子文件夹）中的全部 .xlsx/.xlsm 工作簿，并行读取、检查、计分，"
                                       "写出一个汇总表：汇总（排名）、指标明细、问题清单、风险提示、说明。"
                                       "无法读取的文件列入问题清单，不影响其他文件。")
    batch.add_argument("folder", metavar="文件夹", help="各单位提交的工作簿所在的文件夹")
    batch.add_argument("-o", "--output", metavar="汇总.xlsx", help="汇总表（默认：文件夹旁的“文件夹名-汇总.xlsx”）")
    batch.add_argument("--reports", metavar="文件夹",
                       help="同时为每个单位生成自评报告（Word），放在该文件夹；有“错误”的单位，报告首页列出待核实的问题")
    batch.add_argument("--jobs", type=int, default=0, metavar="N", help="同时处理的进程数（默认：CPU 核数）")
    # the defaults are batch._worker.FILE_SECONDS and FILE_MEMORY_MB (not imported here: --help stays quick)
    batch.add_argument("--file-seconds", type=float, metavar="秒",
                       help="每个文件最多处理多少秒，超过的停止处理、列入问题清单（默认 60）")
    batch.add_argument("--file-memory", type=int, metavar="MB",
                       help="每个文件最多使用多少 MB 内存，超过的停止处理、列入问题清单（默认 2048；只在 Linux 上限制）")
    batch.add_argument("--framework", metavar="编号或路径", help="一律按指定的评分框架计分（默认：各工作簿写明的框架）")
    batch.add_argument("--previous", metavar="上年汇总.xlsx", help="上一年的汇总表：比较各单位总分的变动")
    batch.add_argument("--template", metavar="模板.docx", help="自评报告改用自己的模板（与 --reports 同用）")
    batch.add_argument("--force", action="store_true", help="覆盖已存在的汇总表和报告")
    batch.add_argument("--reader", choices=("calamine", "openpyxl"), default="calamine", help=argparse.SUPPRESS)
    batch.set_defaults(run=cmd_batch)

    checks = sub.add_parser("checks", help="列出全部检查项目（编号、级别、说明、示例）")
    checks.add_argument("--markdown", action="store_true", help="以 Markdown 输出（即 docs/checks.md）")
    checks.add_argument("--json", action="store_true", help="以 JSON 输出（含英文代号和消息模板，供开发者使用）")
    checks.set_defaults(run=cmd_checks)

    frameworks = sub.add_parser("frameworks", help="列出内置评分框架，或显示一个框架的全部指标和规则")
    frameworks.add_argument("framework", nargs="?", metavar="编号或路径", help="要显示的框架")
    frameworks.set_defaults(run=cmd_frameworks)
    return parser


# --- commands -------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from ._files import safe_filename
    from ._open import example_year
    from .evaluate import evaluate
    from .report.pdf import libreoffice_available
    from .report.render import render_report
    from .workbook import build_workbook

    example, fw = example_year()
    folder = Path(args.output)
    name = safe_filename(f"{example.department}-{example.year}-绩效自评")
    report = folder / f"{safe_filename(f'{example.department}-{example.year}-自评报告')}.docx"
    outputs = (folder / f"{name}.xlsx", folder / f"{name}.xlsm", report, report.with_suffix(".pdf"))
    _refuse_existing(outputs, folder, args.force)
    path = build_workbook(outputs[0], fw, example)
    macro_path = build_workbook(outputs[1], fw, example)
    evaluation = evaluate(path)  # read back what a clerk would open: the demo exercises the real path
    card, findings = evaluation.scorecard, list(evaluation.findings)
    print(f"已生成示例工作簿（公式版，WPS、无 Python 的 Excel 均可打开计分）：{path}")
    print(f"以及宏版（Python 计分、带按钮，装有 Python 的 Windows 版 Excel 使用）：{macro_path}")
    pdf = libreoffice_available()
    files = render_report(card, report, pdf=pdf, overwrite=True, protect=(path,))
    print(f"已生成自评报告：{files.docx}" + (f"，PDF：{files.pdf}" if files.pdf else "（未安装 LibreOffice，未生成 PDF）"))
    for note in files.notes:
        print(note)
    _print_scorecard(card)
    _print_findings(findings)
    if findings and all(f.id == "W303" for f in findings):
        print("说明：示例照录公开的 2022 年自评报告原文，这几条警告是原报告本身前后说法不一之处（同一满意度、知晓度"
              "一处写 95%、一处写 98%），检查如实指出。警告不影响计分，也不妨碍生成报告；实际填报时请核对改为一致。")
    return 0


def _refuse_existing(outputs: Sequence[Path], folder: Path, force: bool) -> None:
    """The demo writes several files into one folder: refuse before writing any, naming those that exist."""
    if folder.exists() and not folder.is_dir():
        raise XlperfError(f"{folder} 是一个文件，不是文件夹", fix="请用 -o 指定一个文件夹")
    existing = [p.name for p in outputs if p.exists()]
    if existing and not force:
        raise XlperfError(f"文件夹 {folder} 中已有 {len(existing)} 个示例文件：{'、'.join(existing)}",
                          fix="加 --force 覆盖这些文件，或用 -o 指定另一个文件夹")


def cmd_new(args: argparse.Namespace) -> int:
    from ._open import open_year
    from .core.frameworks import load_framework
    from .workbook.build import build_workbook

    year = None
    if args.data:
        if Path(args.data).suffix.lower() != ".json":
            raise XlperfError(f"--from 应给出 .json 数据文件，收到 {args.data}")
        year, fw = open_year(Path(args.data), args.framework)
    else:
        fw = load_framework(args.framework or DEFAULT_FRAMEWORK)
    path = build_workbook(Path(args.output), fw, year, overwrite=args.force)
    print(f"已生成工作簿：{path}（评分框架 {fw.id}）")
    return 0


def cmd_build_workbook(args: argparse.Namespace) -> int:
    from .core.frameworks import load_framework
    from .workbook.build import build_workbook

    committed = _repository_workbook(Path.cwd())
    output = Path(args.output) if args.output else committed or Path(Path(DEFAULT_MACRO_WORKBOOK).name)
    if output.suffix.lower() != ".xlsm":
        raise XlperfError(f"build-workbook 生成宏工作簿，输出文件 {output.name} 的扩展名应为 .xlsm",
                          fix=f"请改为 {output.with_suffix('.xlsm').name}，或用 xlperf new 生成 .xlsx")
    fw = load_framework(args.framework or DEFAULT_FRAMEWORK)
    before = output.read_bytes() if output.is_file() else None
    # the repository's own file is regenerated freely; anywhere else an existing .xlsm may be a filled-in one
    regenerating = committed is not None and output.resolve() == committed.resolve()
    path = build_workbook(output, fw, overwrite=args.force or regenerating)
    state = "未变化" if before == path.read_bytes() else "已生成"
    print(f"{state}：{path.resolve()}（评分框架 {fw.id}）")
    return 0


def _repository_workbook(here: Path) -> Path | None:
    """workbook/绩效自评.xlsm when `here` is an xlperf checkout (the committed, generated file), else None:
    elsewhere build-workbook writes 绩效自评.xlsm into the current folder and never creates workbook/."""
    committed = here / DEFAULT_MACRO_WORKBOOK
    pyproject = here / "pyproject.toml"
    try:
        is_checkout = committed.parent.is_dir() and pyproject.is_file() and \
            'name = "xlperf"' in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        is_checkout = False
    return committed if is_checkout else None


def cmd_score(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    evaluation = evaluate(args.file, args.framework)
    year, card = evaluation.year, evaluation.scorecard
    if args.json:
        _print_json(card.to_dict())
    else:
        if year.is_blank:
            print(BLANK_NOTICE.format(what=_what(Path(args.file))) + "填好后再计分。")
        _print_scorecard(card)
    return 0 if card.complete else 1  # some indicator could not be scored: the total is not final


def cmd_check(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    evaluation = evaluate(args.file, args.framework)
    year, findings = evaluation.year, list(evaluation.findings)
    if args.json:
        _print_json({"file": year.source, "blank": year.is_blank, "errors": sum(f.is_error for f in findings),
                     "findings": [f.to_dict() for f in findings]})
    else:
        _print_findings(findings, blank=year.is_blank, what=_what(Path(args.file)))
    return 1 if any(f.is_error for f in findings) else 0


def cmd_check_report(args: argparse.Namespace) -> int:
    from ._table import render
    from .core.reportcheck import check_report
    from .evaluate import evaluate
    from .report.read import read_report

    report = Path(args.report)
    blocks = read_report(report)  # first: a workbook given in its place is named as such
    evaluation = evaluate(args.file, args.framework)
    if evaluation.year.is_blank:
        raise XlperfError(f"{_what(Path(args.file))} {Path(args.file).name} 还没有填写，无法核对报告",
                          fix="请给出报告所依据的、已填好的工作簿")
    result = check_report(evaluation.scorecard, blocks)
    findings = result.findings
    if args.json:
        _print_json({"report": report.name, "file": evaluation.year.source, "errors": result.errors,
                     "checked": result.checked, "notes": list(result.notes),
                     "findings": [f.to_dict() for f in findings]})
        return 1 if result.errors else 0
    if findings:
        rows = [(f.id, f.severity, f.place, f.message) for f in findings]
        print(render(("编号", "级别", "位置", "问题和修改建议"), rows,
                     title=f"报告核对结果：{report.name}（对照 {Path(args.file).name}）"))
    for note in result.notes:
        print(note)
    print("已核对：" + ("、".join(f"{what} {count} 处" for what, count in result.checked.items()) or "没有找到可核对的内容") + "。")
    if not findings:
        print("核对通过：报告中的得分、总分、等级、比率和金额与工作簿一致，加总无误。" if not result.notes
              else "已核对的内容与工作簿一致，未发现问题；未核对的见上。")
    else:
        print(f"共 {len(findings)} 条，其中错误 {result.errors} 条。" + ("有错误时请先改正报告再提交。" if result.errors else ""))
    return 1 if result.errors else 0


def cmd_report(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, report_path
    from .report.render import render_report

    source = Path(args.file)
    evaluation = evaluate(source, args.framework)
    decision = evaluation.report_decision(force=args.force)
    if not decision.allowed:
        _print_findings(list(evaluation.errors), blank=evaluation.year.is_blank, what=_what(source))
        raise XlperfError(decision.reason, fix=decision.fix)
    errors = decision.pending
    out = Path(args.output) if args.output else report_path(source)
    files = render_report(evaluation.scorecard, out, template=Path(args.template) if args.template else None,
                          pdf=args.pdf, overwrite=args.force, pending=list(errors), protect=(source,))
    print(f"已生成报告：{files.docx}" + (f"，PDF：{files.pdf}" if files.pdf else ""))
    for note in files.notes:
        print(note)
    if errors:
        print(f"注意：报告首页列出了 {len(errors)} 条待核实的问题。")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ._files import atomic_write
    from .core.jsonform import year_to_dict
    from .evaluate import evaluate

    evaluation = evaluate(args.file, args.framework)
    year, fw = evaluation.year, evaluation.framework
    if year.unreadable:
        first = next(iter(year.unreadable.values()))
        raise XlperfError(f"工作簿中有 {len(year.unreadable)} 处数据无法读取，导出会丢失这些数据（第一处：{first}）",
                          fix="请先运行 xlperf check 查看并修改")
    import json

    text = json.dumps(year_to_dict(year, fw), ensure_ascii=False, indent=2) + "\n"
    path = atomic_write(Path(args.output), lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite=args.force,
                        suffixes=(".json",), protect=(Path(args.file),))
    print(f"已导出：{path}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import BatchOptions, default_output, progress_printer, run_batch
    from .batch import INCOMPLETE, SCORED, UNREADABLE

    folder = Path(args.folder)
    if args.template and not args.reports:
        raise XlperfError("--template 须与 --reports 同用", fix="请加上 --reports 报告文件夹")
    options = BatchOptions(folder, Path(args.output) if args.output else default_output(folder),
                           reports=Path(args.reports) if args.reports else None, jobs=args.jobs,
                           framework=args.framework, previous=Path(args.previous) if args.previous else None,
                           template=Path(args.template) if args.template else None, force=args.force,
                           reader=args.reader, file_seconds=args.file_seconds, file_memory=args.file_memory)
    result = run_batch(options, progress_printer())
    records = result.records
    for note in result.notes:
        print(note)
    if result.skipped:
        print(_skipped_files(result.skipped))
    print(f"已生成汇总表：{result.output}")
    print(f"共 {len(records)} 个工作簿：已评分 {result.count(SCORED)} 个，不完整 {result.count(INCOMPLETE)} 个，"
          f"未能读取 {result.count(UNREADABLE)} 个；用时 {_elapsed(max(result.seconds, time.perf_counter() - _started))}。")
    errors = sum(r.errors > 0 for r in records)
    risks = sum(len(r.risks) > 0 for r in records)
    if errors:
        print(f"{errors} 个文件有“错误”，见“问题清单”（可按文件筛选后退回修改）。")
    if risks:
        print(f"{risks} 个单位有风险提示，见“风险提示”。")
    if args.reports:
        made = [r for r in records if r.report]
        pending = sum(bool(r.errors) for r in made)
        print(f"已生成自评报告 {len(made)} 份：{args.reports}" + (f"，其中 {pending} 份首页列出了待核实的问题" if pending else "")
              + ("" if len(made) == len(records) else "；未生成的原因见汇总表的“报告”列"))
    return 1 if errors or result.count(UNREADABLE) else 0


def _elapsed(seconds: float) -> str:
    """The whole run, from the command's start to the summary written: 12.3 秒, 2 分 05 秒."""
    if seconds < 120:
        return f"{seconds:.1f} 秒"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} 分 {rest:02d} 秒"


def _skipped_files(skipped: list[tuple[str, str]], shown: int = 5) -> str:
    """One line per reason: 未处理 3 个文件（不是工作簿（.docx））：a.docx、b.docx、c.docx"""
    by_reason: dict[str, list[str]] = {}
    for name, why in skipped:
        by_reason.setdefault(why, []).append(name)
    lines = [f"未处理 {len(skipped)} 个其他文件："]
    for why, names in by_reason.items():
        listed = "、".join(names[:shown]) + (f" 等 {len(names)} 个" if len(names) > shown else "")
        lines.append(f"  {why}：{listed}")
    return "\n".join(lines)


def cmd_checks(args: argparse.Namespace) -> int:
    import shutil

    from ._table import wrap
    from .core.checks import catalogue, catalogue_markdown

    if args.markdown:
        sys.stdout.write(catalogue_markdown())
        return 0
    checks = catalogue()
    if args.json:
        _print_json([c.to_dict() for c in checks])
        return 0
    # a block per check: as a table, the example column would fold every row into many short lines
    columns = min(max(shutil.get_terminal_size((100, 24)).columns, 60), 120)
    print(f"共 {len(checks)} 项检查。E 为错误（报告不能提交），W 为警告（请核实），I 为提示。")
    print("示例按白云区科协 2022 年示例工作簿写成，实际消息写您工作簿中的数字和单元格。")
    for c in checks:
        print(f"\n{c.id}  {c.severity}  {c.title}")
        for label, text in (("说明", c.summary), ("示例", "\n".join(filter(None, (c.example_at, c.example_message))))):
            lines: list[str] = []
            for line in wrap(text, columns - 14):
                # as Chinese is typeset: a closing mark hangs at the end of the line before, an opening
                # mark moves to the next line
                closing = len(line) - len(line.lstrip("，。、；：）」”？！ "))
                if lines and closing:
                    lines[-1], line = lines[-1] + line[:closing].rstrip(), line[closing:]
                if lines and lines[-1].endswith(("“", "（", "「")) and len(lines[-1]) > 1:
                    lines[-1], line = lines[-1][:-1], lines[-1][-1] + line
                if line:
                    lines.append(line)
            print(f"    {label}：{lines[0]}", *(" " * 10 + line for line in lines[1:]), sep="\n")
    return 0


def cmd_frameworks(args: argparse.Namespace) -> int:
    from ._table import render
    from .core.frameworks import load_framework, shipped_frameworks

    if args.framework:
        fw = load_framework(args.framework)
        sources = {"seed": "报告载明", "default": "默认规则", "seed+default": "报告载明+默认"}
        rows = [(ind.code, ind.category, ind.name, _num(ind.points), ind.criteria, sources[ind.source])
                for ind in fw.indicators]
        print(render(("代码", "一级指标", "指标", "分值", "评分标准", "来源"), rows, right=(3,),
                     title=f"{fw.id}：{fw.locality}{fw.year}年 {fw.title}"))
        return 0
    rows = []
    for fw_id in shipped_frameworks():
        fw = load_framework(fw_id)
        rows.append((fw.id, fw.locality, str(fw.year), fw.title, str(len(fw.indicators))))
    print(render(("编号", "地区", "年度", "名称", "指标数"), rows, title="内置评分框架"))
    print("用 xlperf frameworks 编号 查看全部指标和评分规则；也可用 --framework 指定自己的 .toml 文件。")
    return 0


# --- shared formatting ----------------------------------------------------------------------------


def _num(value: Any) -> str:
    from .core import format_number

    return format_number(value)


def _print_json(data: Any) -> None:
    import json

    from ._table import json_printable

    print(json_printable(json.dumps(data, ensure_ascii=False, indent=2)))


def _print_scorecard(card: Scorecard) -> None:
    from ._table import render

    year = card.year
    title = f"{year.department or '（未填单位名称）'} {year.year or ''}年度 整体绩效自评评分表（{card.framework.id}）"
    rows: list[tuple[str, ...] | None] = [
        (r.code, r.indicator.category, r.name, _num(r.points), r.score_text if r.score is not None else "无法计分",
         r.sentence) for r in card.results]
    rows.append(None)
    rows += [("", c.name, "小计", _num(c.points), _num(c.score), "") for c in card.categories]
    rows.append(None)
    if card.complete:
        rows.append(("", "", "总分", _num(card.framework.scoring.total_points), card.total_text, f"等级：{card.grade}"))
    else:
        rows.append(("", "", "总分", _num(card.framework.scoring.total_points), "不完整", "有指标无法计分"))
    print(render(("代码", "一级指标", "指标", "分值", "得分", "评分说明"), rows, right=(3, 4), title=title))
    for note in card.notes:
        print(note)
    if not card.complete:
        print(f"有 {len(card.errors)} 项指标无法计分，总分不完整。运行 xlperf check 查看需要修改的单元格。")
    else:
        print(f"总分 {card.total_text} 分，等级 {card.grade}。")


BLANK_NOTICE = ("这个{what}还没有填写：单位名称、收支数据、绩效目标和评分表都是空的。请从“基本信息”表填起（单位名称、"
                "年度），再依次填写“收支情况”“绩效目标”“评分表”。")


def _print_findings(findings: list[Finding], *, blank: bool = False, what: str = "工作簿") -> None:
    """The findings as one table per sheet, in the workbook's sheet order. `blank`: the department has
    entered nothing yet; lead with where to start and fold each sheet's findings of one kind into a row."""
    from ._table import render
    from .core.checks import findings_summary

    if findings:
        print(BLANK_NOTICE.format(what=what) + "下面按工作表列出要填写的内容，同类的合并为一行。" if blank
              else "填报检查结果（按工作表）")
    for sheet, group in _by_sheet(findings):
        rows = _folded(group) if blank else [(f.id, f.severity, _place(f), f.message) for f in group]
        errors = sum(f.is_error for f in group)
        title = f"{sheet}：{len(group)} 条" + (f"（错误 {errors} 条）" if errors else "")
        print(render(("编号", "级别", "位置", "问题和修改建议"), rows, title=title))
    print(findings_summary(findings))


def _what(source: Path) -> str:
    return "数据文件" if source.suffix.lower() == ".json" else "工作簿"


def _by_sheet(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by the sheet they point at: the workbook's sheets in order, then the rest."""
    from .workbook.layout import SHEETS

    groups: dict[str, list[Finding]] = {}
    for f in findings:
        sheet = f.location.sheet if f.location and f.location.sheet else "其他"
        groups.setdefault(sheet, []).append(f)
    order = {name: i for i, name in enumerate(SHEETS)}
    severity = {"E": 0, "W": 1, "I": 2}

    def reading_order(f: Finding) -> tuple[int, int, int]:  # errors first, then top to bottom, left to right
        import re

        cell = re.match(r"([A-Z]+)(\d+)", f.location.cell if f.location else "")
        row, column = (int(cell[2]), len(cell[1]) * 100 + ord(cell[1][-1])) if cell else (0, 0)
        return severity[f.id[0]], row, column

    return [(sheet, sorted(group, key=reading_order))
            for sheet, group in sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))]


def _place(f: Finding, first: bool = True) -> str:
    """Where a finding points, as Excel's Go To (Ctrl+G) takes it: 收支情况!C10; after the first of a
    folded row, only the cell."""
    if not first and f.location and f.location.sheet and f.location.cell:
        return f.location.cell
    return f.where


def _folded(group: list[Finding], most: int = 3) -> list[tuple[str, ...]]:
    """One row per check id where a sheet has more than `most` of it: the places, the first message."""
    by_id: dict[str, list[Finding]] = {}
    for f in group:
        by_id.setdefault(f.id, []).append(f)
    rows: list[tuple[str, ...]] = []
    for same in by_id.values():
        if len(same) <= most:
            rows += [(f.id, f.severity, _place(f), f.message) for f in same]
            continue
        places = "、".join(_place(f, i == 0) for i, f in enumerate(same[:most])) + f" 等 {len(same)} 处"
        rows.append((same[0].id, same[0].severity, places, f"{same[0].message}（同类共 {len(same)} 处）"))
    return rows
