"""Helpers shared by test folders (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_xlperf(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)
