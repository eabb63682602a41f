"""Benchmarks of issue 2: start-up, `xlperf score` against a bare openpyxl load, the engine per call.

Figures are ratios against a baseline measured in the same run, because machines here are noisy.
Run: python benchmarks/bench_core.py [--runs N]. Nothing is asserted; targets are printed beside.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Alternate the commands run by run, so a noisy neighbour hurts all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(_median_seconds(cmd, 1))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    from xlperf._open import example_year
    from xlperf.core.engine import score_year
    from xlperf.workbook.build import build_workbook

    year, fw = example_year()
    with tempfile.TemporaryDirectory() as tmp:
        book = build_workbook(Path(tmp) / "example.xlsx", fw, year)
        load_only = ("import openpyxl, sys\n"
                     "wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)\n"
                     "[list(ws.iter_rows(values_only=True)) for ws in wb.worksheets]\nwb.close()")
        t = _interleaved({
            "python -c pass": [py, "-c", "pass"],
            "xlperf --help": [py, "-m", "xlperf", "--help"],
            "openpyxl load only": [py, "-c", load_only, str(book)],
            "xlperf score": [py, "-m", "xlperf", "score", str(book)],
            "xlperf score --json": [py, "-m", "xlperf", "score", str(book), "--json"],
        }, args.runs)

    calls = 200
    score_year(fw, year)
    start = time.perf_counter()
    for _ in range(calls):
        score_year(fw, year)
    per_call = (time.perf_counter() - start) / calls

    print(f"runs per command: {args.runs} (medians, interleaved)")
    for name, seconds in t.items():
        print(f"  {name:<22} {seconds * 1000:8.1f} ms")
    print(f"(a) xlperf --help / python -c pass        = {t['xlperf --help'] / t['python -c pass']:.2f}x  (target <= 3x)")
    print(f"(b) xlperf score / openpyxl load only     = {t['xlperf score'] / t['openpyxl load only']:.2f}x  (target <= 1.3x)")
    print(f"    xlperf score --json / openpyxl load   = {t['xlperf score --json'] / t['openpyxl load only']:.2f}x")
    print(f"(c) score_year, whole framework ({len(fw.indicators)} indicators): {per_call * 1e6:.0f} us per call, "
          f"{per_call / len(fw.indicators) * 1e6:.1f} us per indicator")


if __name__ == "__main__":
    main()
