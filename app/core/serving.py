"""`flask serve` and `flask worker`, and what serve sets up around waitress."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError

from app import ROOT
from app.core import conflicts
from app.core.database import refresh_query_statistics, write_transactions
from app.extensions import db

# waitress threads kept for answering 503 when the running and the waiting are full.
BUSY_ANSWER_THREADS = 4


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


def serve_in_processes(app: Flask, wsgi, host: str, port: int, processes: int, **waitress_options) -> None:
    """waitress in `processes` processes sharing one listening socket (POSIX fork).

    One process runs Python on one core at a time, so on a machine with two cores one
    `flask serve` process leaves one idle however many threads it has
    (docs/benchmarks.md: bench/load.py). The socket is opened here and each child
    accepts on it (the kernel hands each connection to one of them); a child that dies
    is started again; SIGTERM or Ctrl-C stops them all. On SQLite the processes share
    the database file safely (WAL, BEGIN IMMEDIATE)."""
    from waitress import serve

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
                serve(wsgi, sockets=[listener], **waitress_options)
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


# --- The commands ---------------------------------------------------------------------


def _this_app() -> Flask:
    """The app behind the current_app proxy (a thread or a fork must not get the proxy)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 256),
    help="同时处理的请求数 / requests run at once (per process)",
)
@click.option(
    "--queue",
    default=64,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="可排队等待的请求数，再多即答“系统繁忙” / requests that may wait for a thread; past that, 503 at once",
)
@click.option(
    "--queue-timeout",
    default=15.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="排队最多等待的秒数 / seconds a request may wait before it is answered 503",
)
@click.option(
    "--connection-limit",
    default=1000,
    show_default=True,
    type=click.IntRange(10, 100_000),
    help="最多同时打开的连接数（每个浏览器约 2 个）/ open connections accepted (a browser keeps about 2)",
)
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="服务进程数（建议与 CPU 核数相同）/ serving processes sharing the port (about one per core; POSIX)",
)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=True,
    show_default=True,
    help="同时启动后台任务进程 / also start `flask worker` (one machine); --no-worker where it runs on its own",
)
def serve(
    host: str,
    port: int,
    threads: int,
    queue: int,
    queue_timeout: float,
    connection_limit: int,
    processes: int,
    with_worker: bool,
) -> None:
    """Upgrade the database and serve the app with waitress (and, unless told not to,
    a `flask worker` process beside it for the binders). Each process runs `threads`
    requests at once, lets `queue` more wait up to `queue_timeout` seconds, and answers
    anything past that with a prompt 503 (app/core/admission.py)."""
    from waitress import serve as waitress_serve

    from app.auth.accounts import any_user_exists
    from app.auth.setup_token import issue_setup_token
    from app.core import addresses

    upgrade()
    try:
        with write_transactions():
            refresh_query_statistics(db.session)
            db.session.commit()
        if not any_user_exists():
            issue_setup_token(current_app, announce=True)
    except (OperationalError, OSError) as error:
        # A full disk (or a database held by a long write) must not keep the county
        # from reading its registers: serve; saves answer "磁盘空间不足，未保存".
        if not (conflicts.is_disk_full(error) or conflicts.is_busy(error)):
            raise
        db.session.rollback()
        click.echo(
            f"注意：数据库暂时不能写入（{error}），以只读方式启动：查看正常，保存会提示“磁盘空间不足”或“系统繁忙”。"
            f" / The database cannot be written to now; serving anyway: reading works, saves are refused "
            f"with a message until there is room again.",
            err=True,
        )
    click.echo(f"网格通 Gridbook: http://{host}:{port}/")
    if addresses.configured_base_url() is None:
        click.echo(
            f"注意：PUBLIC_BASE_URL 未设置，查询链接、Open311 回复和海报二维码中的地址是 "
            f"{addresses.DEVELOPMENT_BASE_URL}，只适合本机试用 / PUBLIC_BASE_URL is not set: "
            f"tracking links, Open311 replies and poster QR codes point to "
            f"{addresses.DEVELOPMENT_BASE_URL} (this machine only). Set GRIDBOOK_PUBLIC_BASE_URL "
            f"(docs/operations.md: Serving over HTTPS).",
            err=True,
        )
    from app.core.serving import freeze_start_up_objects, quiet_queue_warnings, serve_in_processes

    quiet_queue_warnings()
    freeze_start_up_objects()
    if processes > 1 and not hasattr(os, "fork"):
        click.echo("注意：本系统不支持多进程，以单进程运行 / no fork() here: serving in one process.", err=True)
        processes = 1
    worker_process = _start_worker() if with_worker else None
    from app.core.admission import AdmissionControl

    app = _this_app()
    wsgi = AdmissionControl(app, running=threads, waiting=queue, wait_seconds=queue_timeout)
    waitress_options = {
        # The running, the waiting, and a few more to say 503 while both are full.
        "threads": threads + queue + BUSY_ANSWER_THREADS,
        "connection_limit": connection_limit,
        # A connection silent this long is closed (a station PC switched off mid-page).
        "channel_timeout": 60,
    }
    try:
        if processes > 1:
            serve_in_processes(app, wsgi, host, port, processes, **waitress_options)
        else:
            waitress_serve(wsgi, host=host, port=port, **waitress_options)
    finally:
        if worker_process is not None:
            worker_process.terminate()
            try:
                worker_process.wait(10)
            except subprocess.TimeoutExpired:
                worker_process.kill()


def _start_worker() -> subprocess.Popen[bytes]:
    """`flask worker` as a process of its own: a binder's layout then uses the other
    core instead of taking the server's threads' turn at the interpreter. It stops
    with this process (--parent-pid: also when this one is killed outright)."""
    environment = dict(os.environ, GRIDBOOK_INSTANCE=current_app.instance_path)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--parent-pid", str(os.getpid())],
        cwd=str(ROOT),
        env=environment,
    )


@click.command("worker")
@click.option("--poll", default=2.0, show_default=True, type=float, help="空闲时查看间隔（秒）/ seconds between looks")
@click.option("--once", is_flag=True, help="运行完排队的任务即退出 / run what is queued, then stop")
@click.option("--parent-pid", type=int, hidden=True)
def worker(poll: float, once: bool, parent_pid: int | None) -> None:
    """Run background jobs (the binders) queued in the database, until stopped."""
    import logging

    from app.core import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _this_app()
    if once:
        click.echo(f"{jobs.run_pending(app)} job(s) run.")
        return
    jobs.work(app, poll_seconds=poll, parent_pid=parent_pid, stopping=jobs.stop_on_signals())
