"""Full is a clear answer, not a hang: admission control in front of the app.

waitress runs requests on a fixed set of threads; what it cannot start yet waits in
its queue, and past its connection limit new connections wait in the kernel unanswered
— a station PC sees a page that never comes. In front of the app, AdmissionControl
lets `running` requests run at once; up to `waiting` more wait (each at most
`wait_seconds`) for one of them to finish; any request beyond that, or one that waited
too long, is answered at once with 503 and a short Chinese page saying to try again in
a moment (`Retry-After`). `flask serve` gives waitress enough threads for the running
and the waiting and a few to say 503, and a connection limit well above the browsers
it serves, so nothing is left hanging (docs/operations.md, "How many stations one
process serves").

Static files and the health check are let through: they take no database time, and a
health check must answer even when the app is full."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from werkzeug.wsgi import ClosingIterator

# Let through whatever the load: files, and the health check a monitor polls.
UNCOUNTED_PREFIXES = ("/static/", "/health", "/favicon.ico")
RETRY_AFTER_SECONDS = 5
# At most one log line this often about the requests answered 503, however many.
LOG_EVERY_SECONDS = 60.0
logger = logging.getLogger("gridbook.admission")

BUSY_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>系统繁忙 · 网格通</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em;">
<h1>系统繁忙，请稍后再试</h1>
<p>现在使用的人很多，这一次没有处理。请等几秒钟后刷新页面；刚才提交的表格请返回上一页再提交一次。</p>
<p lang="en">The system is busy. Please try again in a few seconds; to send a form again,
go back and submit it once more.</p>
</body></html>
""".encode()


class AdmissionControl:
    def __init__(self, app: Callable, running: int, waiting: int, wait_seconds: float):
        self.app = app
        self.running = running
        self.max_waiting = waiting
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self.waiting = 0
        # Counted for the log and the load test: how many were told to come back.
        self.refused = 0
        self._refused_since_line = 0
        self._last_line = float("-inf")

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") or "").startswith(UNCOUNTED_PREFIXES):
            return self.app(environ, start_response)
        if not self._slots.acquire(blocking=False) and not self._wait_for_slot():
            return self._busy(start_response)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._slots.release()
            raise
        # The slot is given back when the answer has been sent (a streamed print or
        # export runs until then).
        return ClosingIterator(result, [self._slots.release])

    def _wait_for_slot(self) -> bool:
        with self._lock:
            if self.waiting >= self.max_waiting:
                return False
            self.waiting += 1
        try:
            return self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._lock:
                self.waiting -= 1

    def _busy(self, start_response: Callable) -> Iterable[bytes]:
        with self._lock:
            self.refused += 1
            self._refused_since_line += 1
            now = time.monotonic()
            if now - self._last_line >= LOG_EVERY_SECONDS:
                count, self._refused_since_line, self._last_line = self._refused_since_line, 0, now
                logger.warning(
                    "busy: %d request(s) answered 503 since the last such line (%d running, %d waiting at most)",
                    count,
                    self.running,
                    self.max_waiting,
                )
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(BUSY_PAGE))),
                ("Retry-After", str(RETRY_AFTER_SECONDS)),
                ("Cache-Control", "no-store"),
            ],
        )
        return [BUSY_PAGE]
