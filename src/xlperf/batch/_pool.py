"""Run the files of a batch in worker processes, so that no file can stop or corrupt the rest.

A file is processed in a worker; results come back as plain records. If a worker dies (a reader
library aborting on a hostile file, the system killing it for memory) or takes longer than
FILE_SECONDS on one file (it is then stopped), the pool breaks: the files the workers had in hand
are retried one by one in a pool of their own, so the culprit is found and recorded, and every
other file is processed as usual.

Each worker writes the index of the file it is on, and when it began, into shared arrays before
starting it: that is how the files in hand are known after a break, and how a file that hangs is
seen. Workers ignore Ctrl-C; the parent stops them and raises KeyboardInterrupt to its caller, which
has written nothing yet.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import _worker
from ._record import FileRecord
from ._worker import Job, relative_name, unreadable

Progress = Callable[[int], None]  # called with the number of files just finished
MAX_CHUNK = 8  # files sent to a worker at once: fewer round trips, yet a fine-grained progress bar
NOT_STARTED = -1
#: a file taking longer than this is stopped (reading is bounded far below; a report takes seconds)
FILE_SECONDS = 300.0
WATCH_SECONDS = 2.0  # how often the parent looks for a file past its time

_slots: Any = None  # this worker's view of the shared arrays of files in hand and their start times
_started: Any = None
_slot = 0


def process_files(paths: Sequence[str], job: Job, workers: int, progress: Progress,
                  preload: Sequence[str] = ()) -> list[FileRecord]:
    """The record of every file, in the order of `paths`, whatever the files do to the workers.
    `preload`: modules the caller needs afterwards, imported while the workers work."""
    records: dict[int, FileRecord] = {}
    todo = list(range(len(paths)))
    loader = _Preloader(preload)
    while todo:
        before = len(records)
        suspects, overdue = _run(paths, todo, job, workers, records, progress, loader)
        if not suspects and len(records) == before:  # the workers cannot even start: say so per file
            for index in todo:
                records[index] = unreadable(_name(paths[index], job), "无法启动处理文件的工作进程",
                                            "请关闭其他程序后重试；仍不行请把情况告诉维护人员")
            progress(len(todo))
            break
        for index in suspects:  # the files in hand when a worker died: one at a time, alone
            again, late = _run(paths, [index], job, 1, records, progress, loader)
            if not again:
                continue
            why = (f"处理该文件超过 {FILE_SECONDS:.0f} 秒仍未完成，已停止" if index in overdue | late
                   else "处理该文件时读取程序异常退出")
            records[index] = unreadable(_name(paths[index], job), f"{why}，可能是严重损坏或恶意构造的文件，已跳过",
                                        "请用 Excel 或 WPS 打开并另存后重新提交")
            progress(1)
        todo = [i for i in todo if i not in records]
    loader.wait()
    return [records[i] for i in range(len(paths))]


class _Preloader:
    """Imports modules in a thread of the parent while the workers work (pandas alone takes half a second).
    Started only once the workers exist and finished before any new ones start: a process must never
    be forked while another thread is importing."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules, self.thread = list(modules), None

    def start(self) -> None:
        if self.modules and self.thread is None:
            import importlib
            import threading

            self.thread = threading.Thread(target=lambda: [importlib.import_module(m) for m in self.modules],
                                           daemon=True)
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _name(path: str, job: Job) -> str:
    return relative_name(Path(path), Path(job.root))


def _context() -> Any:
    # fork where there is one (Linux): a worker starts in milliseconds with xlperf already imported;
    # Windows has only spawn, where each worker imports xlperf once (about half a second)
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _run(paths: Sequence[str], indexes: list[int], job: Job, workers: int, records: dict[int, FileRecord],
         progress: Progress, loader: _Preloader) -> tuple[list[int], set[int]]:
    """Process `indexes` into `records`. Returns the files in hand if the pool broke (else []), and those
    of them that were stopped for taking too long."""
    context = _context()
    slots = context.Array("i", [NOT_STARTED] * workers, lock=False)
    started = context.Array("d", [0.0] * workers, lock=False)
    counter = context.Value("i", 0)
    size = max(1, min(MAX_CHUNK, math.ceil(len(indexes) / (workers * 4))))
    chunks = [[(i, paths[i]) for i in indexes[at:at + size]] for at in range(0, len(indexes), size)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                               initargs=(job, slots, started, counter))
    overdue: set[int] = set()
    loader.wait()
    try:
        with _no_ctrl_c_for_children():
            pending: set[Future[list[tuple[int, FileRecord]]]] = {pool.submit(_process_chunk, c) for c in chunks}
        loader.start()  # all workers exist now: forked at the first submit, or spawned as submitted
        while pending:
            done, pending = wait(pending, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    got = future.result()
                except BrokenProcessPool:
                    return [i for i in slots if i != NOT_STARTED and i not in records], overdue
                for index, record in got:
                    records[index] = record
                progress(len(got))
            late = [slots[s] for s in range(workers) if slots[s] != NOT_STARTED
                    and time.monotonic() - started[s] > FILE_SECONDS]
            if late:
                overdue.update(late)
                _stop_workers()  # the pool breaks; the next wait reports it
        return [], overdue
    except BaseException:  # Ctrl-C above all: stop now, never wait for a file in hand
        _stop_workers()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _no_ctrl_c_for_children() -> Iterator[None]:
    """Workers start with Ctrl-C blocked (they inherit the mask), so one pressed while they start
    cannot interrupt their start-up; the parent gets it as soon as they are started."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: workers ignore it once set up
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_workers() -> None:
    for child in multiprocessing.active_children():
        child.terminate()


def _init(job: Job, slots: Any, started: Any, counter: Any) -> None:
    global _slots, _started, _slot
    _worker.init_worker(job)
    with counter.get_lock():
        _slot = counter.value
        counter.value += 1
    _slots, _started = slots, started


def _process_chunk(chunk: list[tuple[int, str]]) -> list[tuple[int, FileRecord]]:
    out = []
    for index, path in chunk:
        _started[_slot] = time.monotonic()
        _slots[_slot] = index
        out.append((index, _worker.process_file(path, _worker.current_job())))
    _slots[_slot] = NOT_STARTED
    return out
