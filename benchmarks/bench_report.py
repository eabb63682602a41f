"""Benchmarks of issue 4: the 自评报告 of the example, against docxtpl alone rendering the same template.

The baseline is what any docxtpl program pays: load the shipped template, render it with a context
prepared beforehand (report_context and the chart's PNG computed once, outside the timing), save the
.docx. Against it:

  (a) the report as xlperf makes it, in one warm process: read the workbook, score, check, the
      narrative, the chart, render, write atomically (what `xlperf report` does after its imports);
      with the time of each step;
  (b) the chart alone (matplotlib, into memory);
  (c) `xlperf report` as a command (a new Python each time: imports included);
  (d) the PDF conversion of the report (LibreOffice, a fresh profile each time), when installed.

Each figure is a median over --runs runs, the measurements interleaved run by run (a noisy neighbour
hurts all alike), and printed as a ratio to the baseline of the same run.
Run: python benchmarks/bench_report.py [--runs N] [--no-pdf]. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF conversion (slow)")
    args = parser.parse_args()

    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    from xlperf._open import example_year, open_year
    from xlperf.core.checks import run_checks
    from xlperf.core.engine import score_year
    from xlperf.core.narrative import report_context
    from xlperf.report.chart import category_chart_png
    from xlperf.report.pdf import convert_to_pdf, libreoffice_available
    from xlperf.report.render import CHART_WIDTH_MM, DEFAULT_TEMPLATE, render_report
    from xlperf.workbook.build import build_workbook

    example, fw = example_year()
    pdf = libreoffice_available() and not args.no_pdf
    with tempfile.TemporaryDirectory(prefix="xlperf-bench-") as tmp:
        folder = Path(tmp)
        book = build_workbook(folder / "example.xlsx", fw, example)
        year, fw = open_year(book)
        card = score_year(fw, year)
        context = report_context(card)
        context["pending"] = []
        png = io.BytesIO()
        category_chart_png(card, png)
        chart_bytes = png.getvalue()

        def baseline() -> None:
            doc = DocxTemplate(str(DEFAULT_TEMPLATE))
            prepared = dict(context, chart=InlineImage(doc, io.BytesIO(chart_bytes), width=Mm(CHART_WIDTH_MM)))
            doc.render(prepared, autoescape=True)
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
            category_chart_png(card, io.BytesIO())

        def command() -> None:
            subprocess.run([sys.executable, "-m", "xlperf", "report", str(book), "-o", str(folder / "cli.docx"),
                            "--force"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def conversion() -> None:
            convert_to_pdf(folder / "xlperf.docx", folder / "xlperf.pdf")

        measured: dict[str, Callable[[], None]] = {
            "docxtpl baseline": baseline, "(a) xlperf report, warm": xlperf_report, "(b) chart alone": chart,
            "(c) xlperf report command": command}
        if pdf:
            measured["(d) PDF conversion"] = conversion
        for func in measured.values():  # warm up: imports, font caches, the first LibreOffice start
            func()
        for values in steps.values():
            values.clear()
        samples: dict[str, list[float]] = {name: [] for name in measured}
        for _ in range(args.runs):
            for name, func in measured.items():
                samples[name].append(_timed(func))

    t = {name: statistics.median(values) for name, values in samples.items()}
    base = t["docxtpl baseline"]
    print(f"runs: {args.runs} (medians, interleaved); baseline = docxtpl renders the shipped template with a "
          "prepared context and saves it")
    for name, seconds in t.items():
        print(f"  {name:<28} {seconds * 1000:8.1f} ms  {seconds / base:6.2f}x")
        if name.startswith("(a)"):
            for step, values in steps.items():
                print(f"    {step:<26} {statistics.median(values) * 1000:8.1f} ms  "
                      f"{statistics.median(values) / base:6.2f}x")
    if not pdf:
        print("  (d) PDF conversion: not measured" + ("" if args.no_pdf else " (LibreOffice is not installed)"))


if __name__ == "__main__":
    main()
