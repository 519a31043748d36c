"""What `flask serve` sets up around waitress."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import time

from flask import Flask


class QueueDepthSummary(logging.Filter):
    """Under load waitress warns once per request that has to wait ("Task queue depth
    is 3"), hundreds of lines a minute that bury everything else in the log. One line a
    minute with the deepest queue of that minute says the same: the server is busy."""

    def __init__(self, every_seconds: float = 60.0):
        super().__init__()
        self.every_seconds = every_seconds
        self.last_shown = float("-inf")
        self.deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        depth = record.args[0] if isinstance(record.args, tuple) and record.args else 0
        self.deepest = max(self.deepest, depth if isinstance(depth, int) else 0)
        now = time.monotonic()
        if now - self.last_shown < self.every_seconds:
            return False
        record.msg, record.args = "Task queue depth reached %d (the deepest since the last such line)", (self.deepest,)
        self.last_shown, self.deepest = now, 0
        return True


def quiet_queue_warnings() -> None:
    logger = logging.getLogger("waitress.queue")
    if not any(isinstance(f, QueueDepthSummary) for f in logger.filters):
        logger.addFilter(QueueDepthSummary())


def freeze_start_up_objects() -> None:
    """Leave what start-up made out of the garbage collector's full collections.

    Some 440,000 objects exist once the app is loaded (modules, the routes, the models'
    mappings, compiled templates) and none of them is ever garbage, yet every full
    collection walked them all: a 180–220 ms pause of every thread, about every 20th
    request of the county's home page. gc.freeze() moves them to a generation the
    collector does not visit (measured: the pauses gone, docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


def serve_in_processes(app: Flask, host: str, port: int, threads: int, processes: int) -> None:
    """waitress in `processes` processes sharing one listening socket (POSIX fork).

    One process runs Python on one core at a time, so on a machine with two cores one
    `flask serve` process leaves one idle however many threads it has
    (docs/benchmarks.md: bench/load.py). The socket is opened here and each child
    accepts on it (the kernel hands each connection to one of them); a child that dies
    is started again; SIGTERM or Ctrl-C stops them all. On SQLite the processes share
    the database file safely (WAL, BEGIN IMMEDIATE)."""
    from waitress import serve

    from app.extensions import db

    listener = socket.create_server((host, port), backlog=1024)
    with app.app_context():
        db.engine.dispose()  # no connection of this process may be shared with a child

    def start_child() -> int:
        pid = os.fork()
        if pid == 0:  # the child: serve until stopped
            status = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                serve(app, sockets=[listener], threads=threads)
            except BaseException:
                logging.getLogger(__name__).exception("a serving process stopped")
                status = 1
            finally:
                os._exit(status)
        return pid

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    children = {start_child() for _ in range(processes)}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid not in children:
            continue  # another child (the worker) is not ours to restart
        children.discard(pid)
        if not stopping:
            logging.getLogger(__name__).warning("serving process %d ended; starting another", pid)
            time.sleep(1)  # a child that cannot start must not spin
            children.add(start_child())
    listener.close()
