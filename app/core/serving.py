"""What `flask serve` sets up around waitress."""

from __future__ import annotations

import gc
import logging
import time


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
