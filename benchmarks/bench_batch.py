"""Benchmark of issue 6: `xlperf batch` over N varied department workbooks (500 by default).

Measured in one run, each in a fresh process so that its memory peak is its own:

    baseline      the naive loop: for each file, openpyxl reads it (xlperf's openpyxl reader), then
                  score and check — what a script calling `xlperf check` logic file by file does
    parse only    python-calamine loading every sheet of every file: the floor, no xlperf at all
    read only     xlperf's reader (calamine) turning each file into its model: safety checks, names,
                  parsing, locations — the "reading cost alone"
    batch -j1/-j2 the real command, `python -m xlperf batch DIR -o … --jobs N` (start-up, workers,
                  summary workbook included)

Printed: seconds, ms per workbook, workbooks per second, speed against the baseline, the memory peak
of the largest process, and the targets of the issue: batch --jobs 2 at least 4x the baseline, and its
per-file cost within 30% of the reading cost alone (xlperf's reader on one core); the same comparison
for --jobs 1 is printed too.

Run: python benchmarks/bench_batch.py [-n 500] [--repeat 1] [--folder DIR (kept, reused when it holds N)]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _write_range(args: tuple[str, int, int]) -> int:
    folder, start, stop = args
    from xlperf._samples import sample_data
    from xlperf.core.frameworks import load_framework
    from xlperf.core.jsonform import year_from_dict
    from xlperf.workbook.build import build_workbook

    for index in range(start, stop):
        data = sample_data(index)
        fw = load_framework(data["framework"])
        build_workbook(Path(folder) / f"{index + 1:04d}-{data['department']}.xlsx", fw, year_from_dict(data, fw),
                       overwrite=True)
    return stop - start


def generate(folder: Path, count: int) -> list[Path]:
    existing = sorted(folder.glob("*.xlsx"))
    if len(existing) == count:
        return existing
    folder.mkdir(parents=True, exist_ok=True)
    for old in existing:
        old.unlink()
    step = 25
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_write_range, [(str(folder), i, min(i + step, count)) for i in range(0, count, step)]))
    return sorted(folder.glob("*.xlsx"))


# --- phases, each run in its own process ----------------------------------------------------------


def phase(name: str, folder: Path) -> dict[str, float]:
    paths = sorted(folder.glob("*.xlsx"))
    start = time.perf_counter()
    if name == "baseline":
        from xlperf.core.checks import run_checks
        from xlperf.core.engine import score_year
        from xlperf.core.frameworks import load_framework
        from xlperf.workbook.read import read_workbook

        for path in paths:
            year = read_workbook(path, reader="openpyxl")
            run_checks(score_year(load_framework(year.framework_id), year))
    elif name == "parse":
        import python_calamine

        for path in paths:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            for sheet in book.sheet_names:
                book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            book.close()
    elif name == "read":
        from xlperf.workbook.read import read_workbook

        for path in paths:
            read_workbook(path, reader="calamine")
    else:
        raise SystemExit(f"unknown phase {name}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # kilobytes on Linux


def run_phase(name: str, folder: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--phase", name, "--folder", str(folder)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_batch(folder: Path, jobs: int, output: Path) -> dict[str, float]:
    script = ("import resource, subprocess, sys, time, json\n"
              "start = time.perf_counter()\n"
              "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
              "seconds = time.perf_counter() - start\n"
              "assert done.returncode in (0, 1), done.returncode\n"
              "print(json.dumps({'seconds': seconds, "
              "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n")
    command = [sys.executable, "-m", "xlperf", "batch", str(folder), "-o", str(output), "--jobs", str(jobs), "--force"]
    done = subprocess.run([sys.executable, "-c", script, *command], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="workbooks (default 500)")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs of every measurement (median)")
    parser.add_argument("--folder", help="where the workbooks are generated (kept; reused when it holds N)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.folder))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "workbooks"
        start = time.perf_counter()
        paths = generate(folder, args.n)
        print(f"{len(paths)} workbooks in {folder} ({time.perf_counter() - start:.1f} s to generate; "
              f"{sum(p.stat().st_size for p in paths) / len(paths) / 1024:.0f} KB each)")
        measurements = {
            "baseline (openpyxl loop + score + checks)": lambda: run_phase("baseline", folder),
            "parse only (python-calamine, all sheets)": lambda: run_phase("parse", folder),
            "read only (xlperf reader, calamine)": lambda: run_phase("read", folder),
            "xlperf batch --jobs 1": lambda: run_batch(folder, 1, Path(tmp) / "summary-1.xlsx"),
            "xlperf batch --jobs 2": lambda: run_batch(folder, 2, Path(tmp) / "summary-2.xlsx"),
        }
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in measurements}
        for _ in range(args.repeat):  # interleaved: a noisy neighbour hurts every measurement alike
            for name, measure in measurements.items():
                samples[name].append(measure())
    n = len(paths)
    figures = {name: (statistics.median(s["seconds"] for s in runs), max(s["peak_mb"] for s in runs))
               for name, runs in samples.items()}
    base = figures["baseline (openpyxl loop + score + checks)"][0]
    print(f"\n{'measurement':44} {'seconds':>8} {'ms/file':>8} {'files/s':>8} {'speed':>7} {'peak MB':>8}")
    for name, (seconds, peak) in figures.items():
        print(f"{name:44} {seconds:8.2f} {seconds / n * 1000:8.2f} {n / seconds:8.1f} {base / seconds:6.2f}x {peak:8.0f}")
    j1, j2 = figures["xlperf batch --jobs 1"][0], figures["xlperf batch --jobs 2"][0]
    read = figures["read only (xlperf reader, calamine)"][0]
    parse = figures["parse only (python-calamine, all sheets)"][0]
    print(f"\ntarget: batch --jobs 2 at least 4x the baseline: {base / j2:.2f}x "
          f"({'met' if base / j2 >= 4 else 'NOT met'})")
    overhead = (j2 - read) / read
    print(f"target: per-file cost of batch --jobs 2 above reading alone (one core) under 30%: {overhead:.0%} "
          f"({'met' if overhead < 0.3 else 'NOT met'})")
    print(f"  for reference, with --jobs 1 (reading + scoring + checks + summary on one core): {(j1 - read) / read:.0%}"
          f" above reading alone, {(j1 - parse) / parse:.0%} above python-calamine parsing alone")
    print(f"jobs 2 against jobs 1: {j1 / j2:.2f}x on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
