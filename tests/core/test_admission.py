"""Full is a clear answer, not a hang (app/core/admission.py): past the requests that
run and those allowed to wait, a request is answered at once with 503 and a Chinese
page saying to retry; one that waited too long too; files and the health check pass
whatever the load."""

from __future__ import annotations

import threading
import time

from werkzeug.test import Client
from werkzeug.wrappers import Response

from app.core.admission import AdmissionControl


class Held:
    """A WSGI app whose requests to /slow wait until let go."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            self.started.release()
            self.release.wait(10)
        return Response("done")(environ, start_response)


def _in_thread(client, path, results):
    thread = threading.Thread(target=lambda: results.append(client.get(path, buffered=True).status_code))
    thread.start()
    return thread


def test_past_the_running_and_the_waiting_the_answer_is_a_prompt_503():
    held = Held()
    control = AdmissionControl(held, running=1, waiting=1, wait_seconds=10)
    client = Client(control)
    results: list[int] = []
    first = _in_thread(client, "/slow", results)
    assert held.started.acquire(timeout=5)  # running
    second = _in_thread(client, "/fast", results)
    deadline = time.monotonic() + 5
    while control.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert control.waiting == 1  # waiting for the slot
    began = time.monotonic()
    third = client.get("/fast", buffered=True)
    assert time.monotonic() - began < 1  # at once, not after the wait
    assert third.status_code == 503 and third.headers["Retry-After"] == "5"
    text = third.get_data(as_text=True)
    assert "系统繁忙，请稍后再试" in text and "返回上一页再提交一次" in text
    # Files and the health check pass while it is full.
    assert client.get("/static/css/app.css", buffered=True).status_code == 200
    assert client.get("/health", buffered=True).status_code == 200
    held.release.set()
    first.join(5)
    second.join(5)
    assert sorted(results) == [200, 200] and control.refused == 1


def test_a_request_that_waits_too_long_is_told_to_come_back():
    held = Held()
    control = AdmissionControl(held, running=1, waiting=5, wait_seconds=0.2)
    client = Client(control)
    results: list[int] = []
    first = _in_thread(client, "/slow", results)
    assert held.started.acquire(timeout=5)
    began = time.monotonic()
    assert client.get("/fast", buffered=True).status_code == 503
    assert 0.15 < time.monotonic() - began < 2
    held.release.set()
    first.join(5)
    # Free again: the slot was given back when the first answer was sent.
    assert client.get("/fast", buffered=True).status_code == 200


def test_the_log_says_so_once_a_minute(caplog):
    """Quiet logs: however many are refused, one line a minute says how many."""
    control = AdmissionControl(Held(), running=0, waiting=0, wait_seconds=1)  # full from the start
    client = Client(control)
    assert [client.get("/fast", buffered=True).status_code for _ in range(5)] == [503] * 5
    lines = [r.getMessage() for r in caplog.records if r.name == "gridbook.admission"]
    assert len(lines) == 1 and "1 request(s) answered 503" in lines[0]
    control._last_line -= 61  # a minute later
    client.get("/fast", buffered=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "gridbook.admission"]
    assert len(lines) == 2 and "5 request(s) answered 503" in lines[1]
