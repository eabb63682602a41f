"""core/ is typed strictly (style.md section 1): mypy --strict must pass on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_passes_mypy_strict() -> None:
    """`mypy --strict src/xlperf/core` reports no issue."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "src/xlperf/core"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
