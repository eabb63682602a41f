"""Benchmark of issues 6 and 16: `xlperf batch` over N varied department workbooks (1 000 by default).

Measured in one run, each in a fresh process so that its memory peak is its own (the processes run with
Python's bytecode cache on, as an installed package has it):

    baseline      the naive loop: for each file, openpyxl reads it (xlperf's openpyxl reader), then
                  score and check — what a script calling `xlperf check` logic file by file does
    parse only    python-calamine loading every sheet of every file: the floor, no xlperf at all
    read only     xlperf's reader (calamine) turning each file into its model: safety checks, names,
                  parsing, locations — the "reading cost alone"
    batch -j1/-j2 the real command, `python -m xlperf batch DIR -o … --jobs N` (start-up, workers,
                  summary workbook included), timed from outside; its own printed 用时 is read too

Printed: seconds, ms per workbook, workbooks per second, speed against the baseline, the memory peak
of the largest process, and the targets of issue 16:
    batch --jobs 2 at least 5x the naive loop;
    its per-file cost (seconds / N) at most 1.3x python-calamine's parse of the same sheets (per file,
    one process);
    the 用时 it prints covers the whole run (用时 / wall time of the process, near 1);
    with 10 000 workbooks (-n 1000 --copies 10 --no-baseline): under 60 s and 300 MB.
`--breakdown` adds what one file costs, step by step (CPU time in one process, over 200 files).

Run: python benchmarks/bench_batch.py [-n 1000] [--copies K] [--repeat R] [--no-baseline] [--breakdown]
     [--folder DIR (kept, reused when it holds the workbooks)] [--other-src PATH (an earlier checkout's src:
     its `batch --jobs 2` timed too, interleaved)]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _environment(src: Path = SRC) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH", "")]))
    return env


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


def generate(folder: Path, count: int, copies: int = 1) -> list[Path]:
    """`count` distinct workbooks in `folder`; with `copies` > 1 they are in folder/0 and folder/1 … hold
    copies of them (a city's 10 000 as ten districts of the same 1 000: each department then counts as
    submitted ten times, W902). Reused when the folder holds them already."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "0" if copies > 1 else folder
    for stale in ([p for p in folder.glob("*.xlsx")] if copies > 1 else []) + \
            [p for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and (copies == 1 or int(p.name) >= copies)]:
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    existing = sorted(first.glob("*.xlsx"))
    if len(existing) != count:
        first.mkdir(parents=True, exist_ok=True)
        for old in existing:
            old.unlink()
        step = 25
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_write_range, [(str(first), i, min(i + step, count)) for i in range(0, count, step)]))
    for copy in range(1, copies):
        target = folder / str(copy)
        if len(list(target.glob("*.xlsx"))) != count:
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(first, target)
    return sorted(folder.rglob("*.xlsx"))


# --- phases, each run in its own process ----------------------------------------------------------


def phase(name: str, folder: Path) -> dict[str, float]:
    paths = sorted(folder.rglob("*.xlsx"))
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
    elif name == "breakdown":
        return breakdown(paths[:200])
    else:
        raise SystemExit(f"unknown phase {name}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb()}


def breakdown(paths: list[Path]) -> dict[str, float]:
    """CPU milliseconds per file of each step of a worker's work and of the parent's, in one process."""
    import pickle
    from functools import wraps

    from xlperf.batch import _record, _summary
    from xlperf.batch._worker import Job, process_file
    from xlperf.workbook import _calamine_source, read

    spent: dict[str, float] = {}

    def timed(owner: object, name: str, label: str) -> None:
        real = getattr(owner, name)

        @wraps(real)
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start

        setattr(owner, name, wrapper)

    timed(_calamine_source, "read_checked", "read: the file read once and its safety checks")
    timed(_calamine_source.CalamineSource, "_read_structure", "read: the workbook's structure (names, sheets, strings)")
    timed(_calamine_source.CalamineSource, "_scan", "read: each sheet's scan before calamine loads it")
    timed(_calamine_source.CalamineSource, "_formulas", "read: the formulas of the input sheets")
    timed(_calamine_source, "_as_openpyxl_grid", "read: calamine's values made openpyxl's")
    job = Job(str(paths[0].parent))
    process_file(str(paths[0]), job)  # warm: imports, the framework; the parent imports these meanwhile
    import pandas  # noqa: F401
    import python_calamine
    import xlsxwriter  # noqa: F401

    totals: dict[str, float] = {"python-calamine parse alone (for comparison)": 0.0}
    for path in paths:
        start = time.process_time()
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for sheet in book.sheet_names:
            book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        book.close()
        totals["python-calamine parse alone (for comparison)"] += time.process_time() - start
    spent.clear()
    start = time.process_time()
    for path in paths:
        read.read_workbook(path)
    totals["worker: reading, in all"] = time.process_time() - start
    parts = dict(spent)
    records = []
    start = time.process_time()
    for path in paths:
        records.append(process_file(str(path), job)[0])
    totals["worker: the whole file (read, score, checks, review, record)"] = time.process_time() - start
    compact = _record.Compact()

    def sent(record: _record.FileRecord) -> _record.FileRecord:  # as the pool sends it and keeps it
        form = pickle.loads(pickle.dumps(_record.plain(record) or record))
        return compact.record(form) if isinstance(form, _record.FileRecord) else compact.unplain(form)

    start = time.process_time()
    records = [sent(r) for r in records]
    totals["worker and parent: the record sent in its plain form, received, compacted"] = time.process_time() - start
    start = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        summary = _summary.summary_frames(records, grades=["优", "良", "中", "差"])
        _summary.write_summary(Path(tmp) / "汇总.xlsx", summary, overwrite=True)
    totals["parent: the summary (tables and the streamed workbook)"] = time.process_time() - start
    n = len(paths)
    return {label: seconds / n * 1000 for label, seconds in {**totals, **parts}.items()}


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # kilobytes on Linux


def run_phase(name: str, folder: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--phase", name, "--folder", str(folder)], check=True,
                          capture_output=True, text=True, env=_environment())
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_batch(folder: Path, jobs: int, output: Path, src: Path = SRC) -> dict[str, float]:
    script = ("import resource, subprocess, sys, time, json\n"
              "start = time.perf_counter()\n"
              "done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)\n"
              "seconds = time.perf_counter() - start\n"
              "assert done.returncode in (0, 1), done.returncode\n"
              "print(json.dumps({'seconds': seconds, 'stdout': done.stdout, "
              "'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n")
    command = [sys.executable, "-m", "xlperf", "batch", str(folder), "-o", str(output), "--jobs", str(jobs), "--force"]
    done = subprocess.run([sys.executable, "-c", script, *command], check=True, capture_output=True, text=True,
                          env=_environment(src))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    said = re.search(r"用时 (?:([0-9.]+) 秒|([0-9]+) 分 ([0-9]+) 秒)", result.pop("stdout"))
    if said:
        result["said"] = float(said.group(1)) if said.group(1) else int(said.group(2)) * 60 + int(said.group(3))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="distinct workbooks (default 1000)")
    parser.add_argument("--copies", type=int, default=1, help="copies of them in the folder (10: 10 000 files)")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs of every measurement (median)")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the naive loop (10 000 files)")
    parser.add_argument("--breakdown", action="store_true", help="also what one file costs, step by step")
    parser.add_argument("--folder", help="where the workbooks are generated (kept; reused when it holds them)")
    parser.add_argument("--other-src", type=Path, help="also time `batch --jobs 2` of the xlperf in this src folder")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.folder))))
        return
    sys.path.insert(0, str(SRC))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "workbooks"
        start = time.perf_counter()
        paths = generate(folder, args.n, args.copies)
        print(f"{len(paths)} workbooks in {folder} ({time.perf_counter() - start:.1f} s to prepare; "
              f"{sum(p.stat().st_size for p in paths[:args.n]) / args.n / 1024:.0f} KB each)")
        measurements = {
            "baseline (openpyxl loop + score + checks)": lambda: run_phase("baseline", folder),
            "parse only (python-calamine, all sheets)": lambda: run_phase("parse", folder),
            "read only (xlperf reader, calamine)": lambda: run_phase("read", folder),
            "xlperf batch --jobs 1": lambda: run_batch(folder, 1, Path(tmp) / "summary-1.xlsx"),
            "xlperf batch --jobs 2": lambda: run_batch(folder, 2, Path(tmp) / "summary-2.xlsx"),
        }
        if args.other_src:
            measurements["other src: xlperf batch --jobs 2"] = lambda: run_batch(
                folder, 2, Path(tmp) / "summary-other.xlsx", args.other_src)
        if args.no_baseline:
            del measurements["baseline (openpyxl loop + score + checks)"]
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in measurements}
        for _ in range(args.repeat):  # interleaved: a noisy neighbour hurts every measurement alike
            for name, measure in measurements.items():
                samples[name].append(measure())
        steps = run_phase("breakdown", folder) if args.breakdown else {}
    n = len(paths)
    figures = {name: (statistics.median(s["seconds"] for s in runs), min(s["seconds"] for s in runs),
                      max(s["peak_mb"] for s in runs)) for name, runs in samples.items()}
    base = figures.get("baseline (openpyxl loop + score + checks)", (0.0, 0.0, 0.0))[0]
    print(f"\n{'measurement (median of ' + str(args.repeat) + ')':44} {'seconds':>8} {'min':>7} {'ms/file':>8} "
          f"{'files/s':>8} {'speed':>7} {'peak MB':>8}")
    for name, (seconds, least, peak) in figures.items():
        speed = f"{base / seconds:6.2f}x" if base else "      -"
        print(f"{name:44} {seconds:8.2f} {least:7.2f} {seconds / n * 1000:8.2f} {n / seconds:8.1f} {speed} {peak:8.0f}")
    j1, j2 = figures["xlperf batch --jobs 1"][0], figures["xlperf batch --jobs 2"][0]
    read = figures["read only (xlperf reader, calamine)"][0]
    parse = figures["parse only (python-calamine, all sheets)"][0]
    print()
    if base:
        print(f"target: batch --jobs 2 at least 5x the naive loop: {base / j2:.2f}x ({'met' if base / j2 >= 5 else 'NOT met'})")
    per_file = j2 / parse
    print(f"target: per-file cost of batch --jobs 2 at most 1.3x a python-calamine parse: {per_file:.2f}x "
          f"({j2 / n * 1000:.2f} ms against {parse / n * 1000:.2f} ms; {'met' if per_file <= 1.3 else 'NOT met'})")
    said = [s["said"] / s["seconds"] for s in samples["xlperf batch --jobs 2"] if "said" in s]
    if said:
        print(f"target: 用时 printed / wall time of the process (--jobs 2): {statistics.median(said):.2f} "
              "(the process's start-up before main() is the rest)")
    if n >= 10_000:
        peak = figures["xlperf batch --jobs 2"][2]
        print(f"target: {n} workbooks under 60 s and 300 MB: {j2:.1f} s, {peak:.0f} MB "
              f"({'met' if j2 < 60 and peak < 300 else 'NOT met'})")
    if args.other_src:
        other = figures["other src: xlperf batch --jobs 2"][0]
        print(f"  the other src's batch --jobs 2: {other:.2f} s" + (f", {base / other:.2f}x the naive loop" if base else ""))
    load = os.getloadavg()
    print(f"  load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other work on the machine)")
    print(f"  for reference: --jobs 2 costs {j2 / read:.2f}x xlperf's reader alone on one core; --jobs 1 costs "
          f"{j1 / read:.2f}x it; jobs 2 against jobs 1: {j1 / j2:.2f}x on {os.cpu_count()} cores")
    if steps:
        print("\nwhat one file costs (CPU ms per file, 200 files in one process; the read's parts are inside "
              "its total):")
        for label, ms in steps.items():
            print(f"  {ms:7.2f}  {label}")


if __name__ == "__main__":
    main()
