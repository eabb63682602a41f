"""Benchmarks of issues 3 and 16: the Python side of the UDFs, and the time to build the workbooks.

(a) one PERF_SCORES array call for the whole 评分表 against 26 PERF_SCORE calls, one per indicator,
    per indicator scored. In Excel each call is also a COM round trip (not measurable here, and far
    dearer than the Python side), so the array call's real advantage is larger than printed.
(b) PERF_SCORES uncached, per call (a recalculation with new inputs: the ranges become a department-year,
    which is scored): median and minimum, target <= 1 ms; and its two parts, year_from_ranges and
    score_year. The cache of the previous call is cleared outside the timed call (freeing it is the
    previous recalculation's cost).
(c) building workbook/绩效自评.xlsm (two passes and the VBA project) against the plain .xlsx build.
Run: python benchmarks/bench_udfs.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "udfs"))
from udf_ranges import ARG_NAMES, range_values  # noqa: E402

from xlperf import udfs  # noqa: E402
from xlperf._open import example_year  # noqa: E402
from xlperf.core.engine import score_year  # noqa: E402
from xlperf.workbook.build import build_workbook  # noqa: E402
from xlperf.workbook.read import year_from_ranges  # noqa: E402


def _median(fn: Callable[[], Any], repeat: int) -> float:
    return statistics.median(_times(fn, repeat))


def _times(fn: Callable[[], Any], repeat: int, before: Callable[[], Any] = lambda: None) -> list[float]:
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    year, fw = example_year()
    with tempfile.TemporaryDirectory() as tmp:
        book = build_workbook(Path(tmp) / "x.xlsx", fw, year)
        wb = openpyxl.load_workbook(book)
        udf_args = [range_values(wb, name) for name in ARG_NAMES]
        codes = [ind.code for ind in fw.indicators]

        def array_call() -> None:
            udfs._evaluated.cache_clear()  # a new recalculation: inputs changed
            udfs.PERF_SCORES(*udf_args)

        def per_cell_cached() -> None:
            udfs._evaluated.cache_clear()
            for code in codes:  # one recalculation: the first call scores, the others hit the cache
                udfs.PERF_SCORE(code, *udf_args)

        def per_cell_uncached() -> None:
            for code in codes:  # as if every call had to score the department again
                udfs._evaluated.cache_clear()
                udfs.PERF_SCORE(code, *udf_args)

        array = _median(array_call, args.repeat)
        cached = _median(per_cell_cached, args.repeat)
        uncached = _median(per_cell_uncached, args.repeat)
        n = len(codes)
        print(f"(a) Python side per indicator scored ({n} indicators, medians of {args.repeat}):")
        print(f"    PERF_SCORES, one call:             {array / n * 1e6:8.0f} us  (1.00x)")
        print(f"    PERF_SCORE x{n}, shared cache:      {cached / n * 1e6:8.0f} us  ({cached / array:.2f}x)")
        print(f"    PERF_SCORE x{n}, no cache:          {uncached / n * 1e6:8.0f} us  ({uncached / array:.2f}x)")
        print(f"    plus, in Excel, {n} COM round trips instead of 1")

        calls = max(args.repeat * 25, 200)
        column = udfs._column
        ranges = [column(a) for a in udf_args[1:6]] + [udfs._rows(udf_args[6])]
        fresh = year_from_ranges(fw, *ranges)
        for name, fn, clear in (
                ("PERF_SCORES, uncached", lambda: udfs.PERF_SCORES(*udf_args), udfs._evaluated.cache_clear),
                ("  year_from_ranges", lambda: year_from_ranges(fw, *ranges), lambda: None),
                ("  score_year", lambda: score_year(fw, fresh), lambda: None)):
            _times(fn, 20, clear)  # warm
            times = _times(fn, calls, clear)
            target = "  (target <= 1 ms)" if name.startswith("PERF") else ""
            print(f"(b) {name:<22} per call: median {statistics.median(times) * 1000:.3f} ms, "
                  f"min {min(times) * 1000:.3f} ms ({calls} calls){target}")

        xlsx = _median(lambda: build_workbook(Path(tmp) / "b.xlsx", fw, year), max(args.repeat // 4, 3))
        xlsm = _median(lambda: build_workbook(Path(tmp) / "b.xlsm", fw, year), max(args.repeat // 4, 3))
        print(f"(c) build: plain .xlsx {xlsx * 1000:.0f} ms; macro .xlsm {xlsm * 1000:.0f} ms ({xlsm / xlsx:.2f}x the .xlsx)")


if __name__ == "__main__":
    main()
