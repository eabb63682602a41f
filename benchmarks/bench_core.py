"""Benchmarks of issues 2 and 16: start-up, `xlperf score` against a bare openpyxl load, the engine per call.

Every command is a whole process, timed from outside (subprocess), several times, interleaved (a noisy
neighbour hurts every command alike); medians and minimums are printed, and ratios against a baseline of
the same run, because machines here are noisy. The processes run with Python's bytecode cache on, as an
installed package has it (a PYTHONDONTWRITEBYTECODE in the environment is dropped for them), and each
command runs once before the timed runs (bytecode and the framework cache written).

(a) `xlperf --help` against `python -c pass`                                         target <= 3x
(b) `xlperf score` on the example workbook against `python -c "import openpyxl;
    openpyxl.load_workbook(p)"` (a bare load of the same file, as openpyxl's users do) target <= 0.4x
    also: `score --json`, and `score` without the framework cache (its folder unwritable), to show what
    the cache buys
(c) `score_year` over the whole framework, from a loaded model: µs per call and per indicator
(d) where the time of `xlperf score` goes: `python -X importtime`, the slowest imports (minimum of the runs)

Run: python benchmarks/bench_core.py [--runs N] [--other-src PATH]  (--other-src: also time the xlperf found
there, e.g. an earlier checkout's src, interleaved with this one: before and after in one run)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _environment(src: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    env.update(extra)
    return env


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def _interleaved(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, list[float]]:
    """Each command once to warm up, then `runs` rounds of all of them in turn."""
    for cmd, env in commands.values():
        _time(cmd, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            samples[name].append(_time(cmd, env))
    return samples


def _imports(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, list[tuple[float, str]]]:
    """(total of the top-level imports, the slowest modules by cumulative time), minimums over `runs`."""
    best: dict[tuple[int, str], float] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True)
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(.*)", line)
            if match:
                key = (len(match.group(2)), match.group(3))
                best[key] = min(best.get(key, float("inf")), int(match.group(1)) / 1000)
    top = {name: ms for (depth, name), ms in best.items() if depth == 1}
    ours = sorted(((ms, name) for name, ms in top.items() if name not in ("site", "encodings")), reverse=True)
    return sum(ms for ms, _ in ours), ours[:8]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--other-src", type=Path, help="also time the xlperf of this src folder (interleaved)")
    args = parser.parse_args()
    py = sys.executable
    sys.path.insert(0, str(SRC))
    from xlperf._open import example_year
    from xlperf.core.engine import score_year
    from xlperf.workbook.build import build_workbook

    year, fw = example_year()
    with tempfile.TemporaryDirectory() as tmp:
        book = str(build_workbook(Path(tmp) / "example.xlsx", fw, year))
        blocked = Path(tmp) / "no-cache"
        blocked.write_text("a file where the cache folder would be", encoding="utf-8")
        env = _environment(SRC)
        commands = {
            "python -c pass": ([py, "-c", "pass"], env),
            "xlperf --help": ([py, "-m", "xlperf", "--help"], env),
            "openpyxl.load_workbook": ([py, "-c", "import openpyxl, sys; openpyxl.load_workbook(sys.argv[1])", book], env),
            "xlperf score": ([py, "-m", "xlperf", "score", book], env),
            "xlperf score --json": ([py, "-m", "xlperf", "score", book, "--json"], env),
            "xlperf score, no cache": ([py, "-m", "xlperf", "score", book], _environment(SRC, XDG_CACHE_HOME=str(blocked))),
        }
        if args.other_src:
            commands["other: xlperf score"] = ([py, "-m", "xlperf", "score", book], _environment(args.other_src))
        t = _interleaved(commands, args.runs)
        imports, slowest = _imports([py, "-m", "xlperf", "score", book], env, max(args.runs // 3, 3))

    calls = 200
    score_year(fw, year)
    start = time.perf_counter()
    for _ in range(calls):
        score_year(fw, year)
    per_call = (time.perf_counter() - start) / calls

    median = {name: statistics.median(values) for name, values in t.items()}
    least = {name: min(values) for name, values in t.items()}
    print(f"{args.runs} runs of each command, interleaved; whole processes")
    print(f"  {'command':<26} {'median':>9} {'min':>9}")
    for name in t:
        print(f"  {name:<26} {median[name] * 1000:7.1f}ms {least[name] * 1000:7.1f}ms")

    def ratio(name: str, base: str) -> str:
        return f"{median[name] / median[base]:.2f}x (min {least[name] / least[base]:.2f}x)"

    print(f"(a) xlperf --help / python -c pass            = {ratio('xlperf --help', 'python -c pass')}  target <= 3x")
    print(f"(b) xlperf score / openpyxl.load_workbook     = {ratio('xlperf score', 'openpyxl.load_workbook')}  "
          "target <= 0.4x")
    print(f"    xlperf score --json / openpyxl            = {ratio('xlperf score --json', 'openpyxl.load_workbook')}")
    print(f"    xlperf score without the framework cache  = {ratio('xlperf score, no cache', 'openpyxl.load_workbook')}")
    if args.other_src:
        print(f"    other src: xlperf score / openpyxl        = {ratio('other: xlperf score', 'openpyxl.load_workbook')}")
    print(f"(c) score_year, whole framework ({len(fw.indicators)} indicators): {per_call * 1e6:.0f} us per call, "
          f"{per_call / len(fw.indicators) * 1e6:.1f} us per indicator")
    load = os.getloadavg()
    print(f"    load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other work on the machine)")
    print(f"(d) imports of xlperf score (python -X importtime, minimum of runs): {imports:.1f} ms in all; slowest:")
    for ms, name in slowest:
        print(f"      {ms:6.1f} ms  {name}")


if __name__ == "__main__":
    main()
