"""The inspection binder (迎检包): sections rendered apart and joined, a contents page
whose numbers are the pages the sections really start on, the background job with
its progress page and owner-only download, and the command line. The start form is
filled and sent as rendered (tests/web.py)."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core import jobs
from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import reporting, services
from app.printing import binder_jobs
from app.printing.binder import build_binder
from app.printing.ledgers import all_ledgers
from tests.conftest import fresh, text_of
from tests.printing.helpers import squeezed
from tests.web import choose, forge, form_on, options, press

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def _closed_matter(world):
    with write_transactions():
        worker = world.users["worker_a"]
        matter = reporting.report(
            reporting.MatterValues(class_code="city", description="井盖缺失需更换", grid=world.grid_a),
            reporter=worker,
            now=local_to_utc(dt.datetime(2026, 10, 12, 9)),
        )
        services.take(
            matter, "handle_on_spot", worker, note="已更换井盖", now=local_to_utc(dt.datetime(2026, 10, 12, 10))
        )
        number = matter.number
        db.session.commit()
    return number


def _page_texts(pdf: bytes) -> list[str]:
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_binder_holds_every_section_and_real_page_numbers(app, world):
    number = _closed_matter(world)
    seen = []
    result = build_binder(
        world.grid_a,
        START,
        END,
        world.users["worker_a"],
        progress=lambda done, total, label: seen.append((done, total, label)),
    )
    text = squeezed(result.pdf)
    assert "网格工作台账" in text and world.grid_a.name in text and "2026-10-01—2026-10-31" in text
    assert "员工chief_a" in text  # the grid chief on the cover
    assert "网格长工作职责" in text  # a manual page
    for ledger in all_ledgers():
        assert "".join(str(ledger.title).split()) in text, ledger.title
    assert number in text and "当场办结" in text and "已更换井盖" in text
    assert seen[-1][0] == seen[-1][1] and [s[0] for s in seen] == list(range(1, len(seen) + 1))

    pages = _page_texts(result.pdf)
    assert len(pages) == result.pages
    toc = next(i for i, t in enumerate(pages) if "目录" in t[:40])
    assert toc == 1  # after the one-page cover
    lines = [line.strip() for line in PdfReader(io.BytesIO(result.pdf)).pages[toc].extract_text().splitlines()]
    printed = {}
    for line in lines:
        match = re.fullmatch(r"(.+?)\s*(\d+)", line)
        if match:
            printed["".join(match.group(1).split())] = int(match.group(2))
    for section in result.sections:
        title = "".join(section.title.split())
        assert printed.get(title) == section.start_page, (title, printed)
        # The page the contents names is where the section's title first appears.
        first = next(i for i, t in enumerate(pages) if i > toc and title[-10:] in t)
        assert first + 1 == section.start_page, (title, first + 1)


def test_key_person_ledgers_only_for_those_who_may_see_key_persons(app, world):
    """A county administrator does not browse key persons: forms 7–11 are left out."""
    result = build_binder(world.grid_a, START, END, world.users["admin"])
    titles = [s.title for s in result.sections]
    for ledger in all_ledgers():
        assert (f"{ledger.number}. {ledger.title}" in titles) != ledger.key_persons, ledger.number


def test_web_job_progress_download_and_owner_only(app, world, client_as, web_as):
    _closed_matter(world)
    client = client_as("station_a")
    web = web_as("station_a")
    form = form_on(web.get("/ledgers/").click(href="/binders/new"))
    choose(form, "division_id", "东关一网格")
    form["start"] = "2026-10-01"
    form["end"] = "2026-10-31"
    response = press(form, "生成迎检包")
    assert response.status_int == 303
    location = response.headers["Location"]
    token = location.rsplit("/", 1)[-1]
    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="binder-progress"' in html and "排队等待生成" in text_of(page)
    assert 'hx-trigger="every 2s"' in html  # the queued job's page keeps asking
    assert jobs.run_pending(app) == 1  # what `flask worker` does
    fresh()
    job = binder_jobs.get(token, world.users["station_a"])
    assert job.status == "done", job.error
    fragment = client.get(location, headers={"HX-Request": "true", "HX-Target": "binder-progress"})
    assert "<html" not in fragment.get_data(as_text=True) and "hx-trigger" not in fragment.get_data(as_text=True)
    done_page = client.get(location)
    assert f"/binders/{token}.pdf" in done_page.get_data(as_text=True)
    assert "refresh" not in done_page.get_data(as_text=True)
    download = client.get(f"/binders/{token}.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "网格工作台账" in squeezed(download.data)

    other = client_as("worker_b")
    assert other.get(location).status_code == 404
    assert other.get(f"/binders/{token}.pdf").status_code == 404
    assert client.get("/binders/no-such-token").status_code == 404
    assert client.get("/binders/no-such-token.pdf").status_code == 404
    assert app.test_client().get(location).status_code in (302, 401)

    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "printed").order_by(AuditEvent.id.desc()))
    assert event.actor_name == "station_a" and event.detail["pages"] == job.result["pages"]
    assert event.detail["sections"] >= 16


def test_running_job_page_refreshes_without_js(app, world, client_as):
    client = client_as("station_a")
    with write_transactions():
        job = jobs.enqueue(binder_jobs.KIND, world.users["station_a"].id, "x", {})
        job.status, job.total, job.done, job.label = jobs.RUNNING, 5, 2, "台账 3"
        token = job.token
        db.session.commit()
    html = client.get(f"/binders/{token}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and 'hx-trigger="every 2s"' in html
    assert "2 / 5 · 台账 3" in text_of(client.get(f"/binders/{token}"))
    assert client.get(f"/binders/{token}.pdf").status_code == 404  # not finished


def test_a_failed_binder_says_so_and_stops_asking(app, world, client_as, monkeypatch):
    from app.printing import binder

    def broken(*_args, **_kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(binder, "build_binder", broken)
    with write_transactions():
        token = binder_jobs.start(world.users["station_a"], world.grid_a.id, START, END, "迎检包").token
        db.session.commit()
    assert jobs.run_pending(app) == 1
    page = client_as("station_a").get(f"/binders/{token}")
    assert "生成失败：字体缺失" in text_of(page)
    assert "hx-trigger" not in page.get_data(as_text=True)


def test_forged_binder_for_an_out_of_scope_division_is_refused(app, world, web_as):
    """worker_a's form offers only their own grid: another grid only by a hand-built request."""
    web = web_as("worker_a")
    offered = [value for value, _label in options(form_on(web.get("/binders/new")), "division_id")]
    assert str(world.grid_b.id) not in offered
    response = forge(web, "/binders/new", {"division_id": world.grid_b.id, "start": "2026-10-01", "end": "2026-10-31"})
    assert response.status_int == 400
    assert "Location" not in response.headers


def test_an_end_before_the_start_is_refused_at_the_field(app, world, web_as):
    form = form_on(web_as("worker_a").get("/binders/new"))
    form["start"] = "2026-10-31"
    form["end"] = "2026-10-01"
    response = press(form, "生成迎检包", expect_errors=True)
    assert response.status_int == 400 and "截止日期早于起始日期" in response.text
    assert form_on(response)["start"].value == "2026-10-31"


def test_cli_writes_the_binder(app, world, runner, tmp_path):
    out = tmp_path / "binder.pdf"
    result = runner.invoke(
        args=["print", "binder", "--grid", world.grid_a.code, "--period", "2026-10", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "[1/" in result.output and "页 / pages" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = squeezed(out.read_bytes())
    assert all("".join(str(ledger.title).split()) in text for ledger in all_ledgers())  # key-person ledgers too
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "printed").order_by(AuditEvent.id.desc()))
    assert event.actor_name == "cli"
