"""Benchmarks of the 自评报告 (issues 4 and 15): xlperf's report against docxtpl alone rendering the same template.

Two baselines, each measured in the same run as what is compared with it:

  command baseline: a new Python that imports docxtpl, renders the shipped template with the example's
      context (report_context, prepared beforehand and read from a JSON file; no chart) and saves the
      .docx: what any docxtpl program pays, imports included. Against it:
      (c) `xlperf report` as a command on the example workbook (a new Python: imports, reading the
          workbook, score, checks, narrative, the native chart, render, atomic write). Target ≤ 1.5×.
      Both commands run with bytecode caching on (as an installed package has its .pyc files), and the
      peak memory (maximum resident set) of each process is printed beside its time.

  warm baseline: the same render in this process, docxtpl already imported. Against it:
      (a) the report as xlperf makes it in a warm process, with the time of each step;
      (b) the chart alone (its XML and its embedded workbook);
      (d) the PDF conversion of the report (LibreOffice, a fresh profile each time), when installed;
          measured after the rest, not interleaved with it.

Each figure is a median over --runs runs, the measurements interleaved run by run (a noisy neighbour
hurts all alike), and printed as a ratio to its baseline.
Run: python benchmarks/bench_report.py [--runs N] [--no-pdf]. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# the baseline command: docxtpl alone, nothing of xlperf imported
BARE_RENDER = """\
import json, sys
from docxtpl import DocxTemplate
with open(sys.argv[2], encoding="utf-8") as f:
    context = json.load(f)
doc = DocxTemplate(sys.argv[1])
doc.render(context, autoescape=True)
doc.save(sys.argv[3])
"""


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _command(args: list[str], env: dict[str, str]) -> float:
    """Run a command; its time in seconds."""
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


# The peak memory of a command, measured apart from its time: a small Python starts it and reports the
# largest resident set of its children (a process's own figure would include what a fork copied of the
# benchmark, 50 MB). Linux and macOS; None elsewhere.
PEAK = """\
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024))
"""


def _peak_mib(args: list[str], env: dict[str, str]) -> float | None:
    if sys.platform == "win32":
        return None
    out = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF conversion (slow)")
    args = parser.parse_args()

    from docxtpl import DocxTemplate

    from xlperf._open import example_year, open_year
    from xlperf.core.checks import run_checks
    from xlperf.core.engine import score_year
    from xlperf.core.narrative import report_context
    from xlperf.report.chart import chart_rows, chart_size, chart_xml, data_workbook
    from xlperf.report.pdf import convert_to_pdf, libreoffice_available
    from xlperf.report.render import DEFAULT_TEMPLATE, render_report
    from xlperf.workbook.build import build_workbook

    example, fw = example_year()
    pdf = libreoffice_available() and not args.no_pdf
    # the commands may write their .pyc files (an installed xlperf has them): not doing so would charge
    # xlperf, not docxtpl, with compiling its modules on every run
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="xlperf-bench-") as tmp:
        folder = Path(tmp)
        book = build_workbook(folder / "example.xlsx", fw, example)
        year, fw = open_year(book)
        card = score_year(fw, year)
        context = report_context(card)
        context["pending"] = []
        context["chart"] = ""
        (folder / "context.json").write_text(json.dumps(context, ensure_ascii=False), encoding="utf-8")
        (folder / "bare_render.py").write_text(BARE_RENDER, encoding="utf-8")

        # --- commands, each in a new Python
        commands = {
            "docxtpl baseline (command)": [sys.executable, str(folder / "bare_render.py"), str(DEFAULT_TEMPLATE),
                                           str(folder / "context.json"), str(folder / "bare.docx")],
            "(c) xlperf report command": [sys.executable, "-m", "xlperf", "report", str(book), "-o",
                                          str(folder / "cli.docx"), "--force"],
        }

        # --- in this process
        def baseline() -> None:
            doc = DocxTemplate(str(DEFAULT_TEMPLATE))
            doc.render(dict(context), autoescape=True)
            doc.save(str(folder / "baseline.docx"))

        steps: dict[str, list[float]] = {"read workbook": [], "score + checks": [], "render_report": []}

        def xlperf_report() -> None:
            start = time.perf_counter()
            y, f = open_year(book)
            read = time.perf_counter()
            c = score_year(f, y)
            run_checks(c)
            scored = time.perf_counter()
            render_report(c, folder / "xlperf.docx", overwrite=True, protect=(book,))
            done = time.perf_counter()
            for name, seconds in zip(steps, (read - start, scored - read, done - scored)):
                steps[name].append(seconds)

        def chart() -> None:
            rows = chart_rows(card)
            chart_xml(rows, *chart_size(rows, 150 * 36000))
            data_workbook(rows)

        def conversion() -> None:
            convert_to_pdf(folder / "xlperf.docx", folder / "xlperf.pdf")

        measured: dict[str, Callable[[], None]] = {
            "warm docxtpl baseline": baseline, "(a) xlperf report, warm": xlperf_report, "(b) chart alone": chart}
        # warm up: imports, .pyc files, font caches
        for func in measured.values():
            func()
        for command in commands.values():
            _command(command, env)
        for values in steps.values():
            values.clear()
        samples: dict[str, list[float]] = {name: [] for name in [*commands, *measured]}
        for _ in range(args.runs):
            for name, command in commands.items():
                samples[name].append(_command(command, env))
            for name, func in measured.items():
                samples[name].append(_timed(func))
        peaks = {name: _peak_mib(command, env) for name, command in commands.items()}
        if pdf:
            # on their own, after the rest: LibreOffice keeps both cores busy for a while after it returns,
            # which would slow whichever command ran next
            measured["(d) PDF conversion"] = conversion
            conversion()  # the first LibreOffice start
            samples["(d) PDF conversion"] = [_timed(conversion) for _ in range(args.runs)]

    t = {name: statistics.median(values) for name, values in samples.items()}
    print(f"runs: {args.runs} (medians, interleaved)")
    base = t["docxtpl baseline (command)"]
    print("commands; baseline = a new Python renders the shipped template with docxtpl and saves it (target ≤ 1.5×)")
    for name in commands:
        peak = "" if peaks[name] is None else f"   peak memory {peaks[name]:5.1f} MiB"
        print(f"  {name:<30} {t[name] * 1000:8.1f} ms  {t[name] / base:6.2f}x{peak}")
    base = t["warm docxtpl baseline"]
    print("in this process; baseline = docxtpl renders the same template with a prepared context and saves it")
    for name in measured:
        print(f"  {name:<30} {t[name] * 1000:8.1f} ms  {t[name] / base:6.2f}x")
        if name.startswith("(a)"):
            for step, values in steps.items():
                print(f"    {step:<28} {statistics.median(values) * 1000:8.1f} ms  "
                      f"{statistics.median(values) / base:6.2f}x")
    if not pdf:
        print("  (d) PDF conversion: not measured" + ("" if args.no_pdf else " (LibreOffice is not installed)"))


if __name__ == "__main__":
    main()
