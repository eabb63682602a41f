"""Where an unexpected failure goes: a log file the user can send, never a traceback on screen."""

from __future__ import annotations

import tempfile
import traceback


def log_current_exception() -> str:
    """Write the exception being handled to a new temp file; returns "，详情已写入 <file>" or ""."""
    try:
        handle, name = tempfile.mkstemp(prefix="xlperf-error-", suffix=".log")
        with open(handle, "w", encoding="utf-8") as log:
            log.write(traceback.format_exc())
    except OSError:
        return ""
    return f"，详情已写入 {name}"
