"""Several processes serving one county, as a county deployment runs it: two `flask
serve --no-worker` processes and one `flask worker`, on the same database (SQLite or
PostgreSQL, whichever the suite runs on). A binder started through one server is
queued while no worker runs, survives that server's restart, is built by the worker
once it starts, and is followed and downloaded through the other server. A person's
sign-in holds on both servers, and the sign-in throttle counts wrong passwords sent to
either. And one `flask serve --processes 2`: both processes answer on the one port,
one killed is replaced, SIGTERM stops them all. Real processes over real HTTP; forms as
rendered (WebTest over the network)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from webtest import TestApp

from app import ROOT
from tests.web import choose, form_on, press, sign_in, visible_text

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    def __init__(self, app, *arguments: str, log: Path):
        environment = dict(
            os.environ,
            GRIDBOOK_INSTANCE=app.instance_path,
            GRIDBOOK_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            GRIDBOOK_SECRET_KEY=app.config["SECRET_KEY"],
        )
        self.log = log
        self.handle = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *arguments],
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.handle.poll() is None:
            self.handle.send_signal(signal.SIGTERM)
            try:
                self.handle.wait(30)
            except subprocess.TimeoutExpired:
                self.handle.kill()
                self.handle.wait()


class Server(Process):
    def __init__(self, app, log: Path, *options: str):
        self.port = _free_port()
        super().__init__(app, "serve", "--no-worker", "--port", str(self.port), "--threads", "4", *options, log=log)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.handle.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)


def _browser(url: str) -> TestApp:
    # The Host header (and so the cookie jar's domain) must be the server's own.
    host = url.split("://", 1)[1]
    return TestApp(url, lint=False, parser_features="lxml", extra_environ={"HTTP_HOST": host})


def _with_cookies_of(source: TestApp, url: str) -> TestApp:
    """The same browser sending to the other server (the cookie jar ignores ports)."""
    other = _browser(url)
    for cookie in source.cookiejar:
        other.set_cookie(cookie.name, cookie.value)
    return other


def test_two_servers_and_a_worker_share_jobs_sign_ins_and_the_throttle(app, world, tmp_path):
    with ExitStack() as running:
        first = Server(app, tmp_path / "first.log")
        running.callback(first.stop)
        second = Server(app, tmp_path / "second.log")
        running.callback(second.stop)

        browser = _browser(first.url)
        assert sign_in(browser, "station_a").status_int == 302
        form = form_on(browser.get("/ledgers/").click(href="/binders/new"))
        choose(form, "division_id", "东关一网格")
        form["start"], form["end"] = "2026-10-01", "2026-10-31"
        started = press(form, "生成迎检包")
        assert started.status_int == 303
        job_path = started.headers["Location"].replace(first.url, "")

        # No worker yet: the job waits in the database, whichever server is asked.
        on_second = _with_cookies_of(browser, second.url)
        assert "排队等待生成" in visible_text(on_second.get(job_path))
        first.stop()  # a restart of the server that took the request loses nothing
        first = Server(app, tmp_path / "first-again.log")
        running.callback(first.stop)
        assert "排队等待生成" in visible_text(_with_cookies_of(browser, first.url).get(job_path))

        worker = Process(app, "worker", "--poll", "0.2", log=tmp_path / "worker.log")
        running.callback(worker.stop)
        deadline = time.monotonic() + 180
        while "已生成" not in (page := visible_text(on_second.get(job_path))):
            assert "生成失败" not in page, page
            assert worker.handle.poll() is None, (tmp_path / "worker.log").read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, page
            time.sleep(0.5)
        download = on_second.get(job_path + ".pdf")
        assert download.status_int == 200 and download.body.startswith(b"%PDF")
        # Someone else, signed in on the other server, cannot see it.
        stranger = _browser(first.url)
        assert sign_in(stranger, "worker_b").status_int == 302
        assert stranger.get(job_path, status=404).status_int == 404

        # Wrong passwords spread over both servers lock the account all the same.
        for attempt in range(app.config["LOGIN_MAX_FAILURES"]):
            target = first.url if attempt % 2 else second.url
            sign_in(_browser(target), "worker_a", "not-the-password")
        refused = sign_in(_browser(first.url), "worker_a")
        assert refused.status_int != 302 and "锁定" in visible_text(refused)

        worker.stop()
        assert worker.handle.returncode == 0  # stopped cleanly on SIGTERM


def _children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def test_one_serve_in_two_processes_shares_its_port_replaces_a_lost_one_and_stops_as_one(app, world, tmp_path):
    server = Server(app, tmp_path / "serve.log", "--processes", "2")
    try:
        serving = _children(server.handle.pid)
        assert len(serving) == 2
        browser = _browser(server.url)
        assert sign_in(browser, "station_a").status_int == 302
        for _ in range(10):  # whichever process answers, the session holds
            assert "东关社区" in visible_text(browser.get("/"))

        lost = next(iter(serving))
        os.kill(lost, signal.SIGKILL)  # the kernel's OOM killer, say
        deadline = time.monotonic() + 20
        while len(_children(server.handle.pid) - {lost}) < 2:
            assert time.monotonic() < deadline, "the lost process was not replaced"
            time.sleep(0.2)
        assert "东关社区" in visible_text(browser.get("/"))
    finally:
        server.stop()
    assert server.handle.returncode == 0
    for pid in serving:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
