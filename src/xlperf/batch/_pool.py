"""Run the files of a batch in worker processes, so that no file can stop or corrupt the rest.

A file is processed in a worker; results come back as plain records. If a worker dies (a reader
library aborting on a hostile file, the system killing it for memory), the pool breaks: the files
the workers had in hand at that moment are retried one by one in a pool of their own, so the
culprit is found and recorded, and every other file is processed as usual.

Each worker writes the index of the file it is on into a shared array before starting it: that is
how the files in hand are known after a break. Ctrl-C stops the pool (workers ignore it: they finish
the file in hand and exit) and is raised again to the caller, which has written nothing yet.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from . import _worker
from ._record import FileRecord
from ._worker import Job, relative_name, unreadable

Progress = Callable[[int], None]  # called with the number of files just finished
MAX_CHUNK = 8  # files sent to a worker at once: fewer round trips, yet a fine-grained progress bar
NOT_STARTED = -1

_slots: Any = None  # this worker's view of the shared array of files in hand
_slot = 0


def process_files(paths: Sequence[str], job: Job, workers: int, progress: Progress) -> list[FileRecord]:
    """The record of every file, in the order of `paths`, whatever the files do to the workers."""
    records: dict[int, FileRecord] = {}
    todo = list(range(len(paths)))
    while todo:
        before = len(records)
        suspects = _run(paths, todo, job, workers, records, progress)
        if not suspects and len(records) == before:
            from ..core.errors import XlperfError

            raise XlperfError("无法启动处理文件的工作进程", fix="请用 --jobs 1 重试；仍不行请把情况告诉维护人员")
        for index in suspects:  # the files in hand when a worker died: one at a time, alone
            if not _run(paths, [index], job, 1, records, progress):
                continue
            name = relative_name(Path(paths[index]), Path(job.root))
            records[index] = unreadable(name, "处理该文件时读取程序异常退出，可能是严重损坏或恶意构造的文件，已跳过",
                                        "请用 Excel 或 WPS 打开并另存后重新提交")
            progress(1)
        todo = [i for i in todo if i not in records]
    return [records[i] for i in range(len(paths))]


def _context() -> Any:
    # fork where there is one (Linux): a worker starts in milliseconds with xlperf already imported;
    # Windows has only spawn, where each worker imports xlperf once (about half a second)
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _run(paths: Sequence[str], indexes: list[int], job: Job, workers: int, records: dict[int, FileRecord],
         progress: Progress) -> list[int]:
    """Process `indexes` into `records`; returns the files in hand if the pool broke, else []."""
    context = _context()
    slots = context.Array("i", [NOT_STARTED] * workers, lock=False)
    counter = context.Value("i", 0)
    size = max(1, min(MAX_CHUNK, math.ceil(len(indexes) / (workers * 4))))
    chunks = [[(i, paths[i]) for i in indexes[at:at + size]] for at in range(0, len(indexes), size)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                               initargs=(job, slots, counter))
    try:
        futures = [pool.submit(_process_chunk, chunk) for chunk in chunks]
        for future in as_completed(futures):
            try:
                got = future.result()
            except BrokenProcessPool:
                return [i for i in slots if i != NOT_STARTED and i not in records]
            for index, record in got:
                records[index] = record
            progress(len(got))
        return []
    finally:  # on Ctrl-C too: queued files are dropped, the files in hand finish, then the workers exit
        pool.shutdown(wait=True, cancel_futures=True)


def _init(job: Job, slots: Any, counter: Any) -> None:
    global _slots, _slot
    _worker.init_worker(job)
    with counter.get_lock():
        _slot = counter.value
        counter.value += 1
    _slots = slots


def _process_chunk(chunk: list[tuple[int, str]]) -> list[tuple[int, FileRecord]]:
    out = []
    for index, path in chunk:
        _slots[_slot] = index
        out.append((index, _worker.process_file(path, _worker.current_job())))
    _slots[_slot] = NOT_STARTED
    return out
