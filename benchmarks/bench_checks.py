"""Benchmark of issue 12, point 1: the checks on big tables, against scoring the same input.

For 100, 1 000 and 10 000 rows in both the 绩效目标 and the 项目支出 table (the example grown by
xlperf._samples.large_data; 10 000 means the tables fill the names to their limit, spare rows included):
(a) `xlperf check` against `xlperf score` on the same workbook, as commands (reading included);
(b) run_checks against score_year on the same loaded department-year, in one process, with the checks'
    cost per row: if it stays flat from 1 000 to 10 000 rows, the checks are linear.
Before issue 12, W303 compared every text with every target: `check` took 74 s at 1 500 rows and more than
200 s at 10 000, where `score` took 1.4 s.
Run: python benchmarks/bench_checks.py [--runs N] [--rows 100 1000 10000]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlperf._samples import large_data
from xlperf.core.checks import run_checks
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.workbook import layout as L
from xlperf.workbook._cells import MAX_NAMED_ROWS
from xlperf.workbook.build import build_workbook


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _interleaved(jobs: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Medians, alternating the jobs run by run, so a noisy neighbour hurts all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            samples[name].append(_seconds(job))
    return {name: statistics.median(values) for name, values in samples.items()}


def _command(*args: str) -> Callable[[], Any]:
    cmd = [sys.executable, "-m", "xlperf", *args]
    return functools.partial(subprocess.run, cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    fw = load_framework("gz-baiyun-2022")
    print(f"runs: {args.runs} (medians, interleaved)")
    print(f"{'rows':>6} | {'score cmd':>9} {'check cmd':>9} {'ratio':>6} | {'score_year':>10} {'run_checks':>10} "
          f"{'ratio':>7} {'per row':>9}")
    per_row: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            # the builder adds spare rows below each table; a name covers at most MAX_NAMED_ROWS
            targets = min(rows, MAX_NAMED_ROWS - L.SPARE_TARGET_ROWS)
            projects = min(rows, MAX_NAMED_ROWS - L.SPARE_PROJECT_ROWS)
            year = year_from_dict(large_data(targets, projects), fw)
            book = build_workbook(Path(tmp) / f"rows-{rows}.xlsx", fw, year)
            commands = _interleaved({"score": _command("score", str(book)), "check": _command("check", str(book))},
                                    args.runs)
            card = score_year(fw, year)
            core = _interleaved({"score_year": functools.partial(score_year, fw, year),
                                 "run_checks": functools.partial(run_checks, card)}, args.runs)
            per_row[rows] = core["run_checks"] / (targets + projects)
            print(f"{rows:>6} | {commands['score']:>8.2f}s {commands['check']:>8.2f}s "
                  f"{commands['check'] / commands['score']:>5.2f}x | {core['score_year'] * 1000:>8.1f}ms "
                  f"{core['run_checks'] * 1000:>8.1f}ms {core['run_checks'] / core['score_year']:>6.1f}x "
                  f"{per_row[rows] * 1e6:>7.1f}us")
    print("targets: check / score as commands <= 2x at every size; run_checks per row flat (the largest size "
          "within 1.5x of the next smaller)")
    sizes = sorted(per_row)
    if len(sizes) >= 2:
        growth = per_row[sizes[-1]] / per_row[sizes[-2]]
        print(f"run_checks per row, {sizes[-1]} rows / {sizes[-2]} rows = {growth:.2f}x")


if __name__ == "__main__":
    main()
