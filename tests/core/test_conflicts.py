"""Saves that meet at the same moment, and saves the database refuses, as people see
them (app/core/conflicts.py, app/core/errors.py) — on SQLite and PostgreSQL alike.

To make two requests really meet, the rule's check is followed by a barrier: each
request waits (up to a moment) for the other to have checked too, so both have read
"not there yet" before either writes. On PostgreSQL both then write and the unique
constraint (or the lock taken before the check) must settle it; on SQLite the second
cannot even begin before the first commits. Either way: one saved, the others told
why at the field, no error page, nothing twice."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.patrols import services as patrol_services
from app.patrols.models import Patrol
from app.registry.people import services as people_services
from app.registry.people.models import Household
from tests.conftest import at_once, fresh
from tests.registry.test_household_views import household_typed, new_household_form
from tests.web import form_on, htmx_submit, press, visible_text

DAY = date(2026, 11, 3)


def _after_check_wait_for(parties: int, monkeypatch, module, name: str) -> None:
    """Make `module.name` (a rule's check) wait, once per thread, until `parties`
    requests have all run it — or a moment passes (SQLite: the others cannot start)."""
    barrier = threading.Barrier(parties)
    waited = threading.local()
    original = getattr(module, name)

    def checked_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                barrier.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass
        return result

    monkeypatch.setattr(module, name, checked_then_wait)


def test_two_households_with_one_number_saved_at_once(web_as, world, monkeypatch):
    _after_check_wait_for(2, monkeypatch, people_services, "_clean_household")
    forms = []
    for _ in range(2):
        form = new_household_form(web_as("station_a"), world.grid_a)
        household_typed(form, household_number="C900")
        forms.append(form)

    answers = at_once([lambda form=form: press(form, "保存", expect_errors=True) for form in forms])

    statuses = sorted(answer.status_int for answer in answers)
    assert statuses == [303, 400] or statuses == [200, 303], [str(a)[:300] for a in answers]
    refused = next(answer for answer in answers if answer.status_int != 303)
    assert "本网格已有该户号。" in refused.text and "household_number-error" in refused.text
    assert 'value="C900"' in refused.text  # what was typed is still there
    fresh()
    assert db.session.scalar(select(func.count(Household.id)).where(Household.household_number == "C900")) == 1


def test_six_identical_patrols_sent_at_once_save_one(web_as, world, monkeypatch):
    _after_check_wait_for(6, monkeypatch, patrol_services, "check_no_overlap")
    forms = []
    for _ in range(6):
        web = web_as("worker_a")
        form = form_on(web.get("/patrols/").click(description="登记巡查"), button="保存")
        form["patrol_date"], form["start_time"], form["end_time"] = DAY.isoformat(), "08:30", "10:00"
        form["route"] = "东关路—菜市场"
        forms.append(form)

    answers = at_once([lambda form=form: press(form, "保存", expect_errors=True) for form in forms])

    assert all(not isinstance(answer, BaseException) for answer in answers), answers
    assert sorted(answer.status_int for answer in answers).count(303) == 1
    for answer in answers:
        if answer.status_int != 303:
            assert answer.status_int < 500
            assert "此人这段时间已登记了一次巡查，巡查时间不能重叠。" in answer.text
    fresh()
    assert db.session.scalar(select(func.count(Patrol.id)).where(Patrol.patrol_date == DAY)) == 1


def _raising(error):
    def fail(*_args, **_kwargs):
        raise error

    return fail


def _household_form(web_as, world):
    form = new_household_form(web_as("station_a"), world.grid_a)
    household_typed(form, household_number="C901")
    return form


def test_a_save_that_cannot_get_the_database_in_time_says_busy_not_500(web_as, world, monkeypatch):
    form = _household_form(web_as, world)
    locked = OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
    monkeypatch.setattr(people_services, "create_household", _raising(locked))
    response = press(form, "保存", expect_errors=True)
    assert response.status_int == 503 and response.headers["Retry-After"] == "5"
    assert "系统繁忙，未保存" in visible_text(response) and "已填写的内容仍在" in visible_text(response)
    assert "网格通" in visible_text(response)  # the site's frame, with its navigation

    quick = htmx_submit(_household_form(web_as, world), expect_errors=True)
    assert quick.status_int == 503
    from urllib.parse import unquote

    assert unquote(quick.headers["X-Error-Message"]).startswith("系统繁忙，未保存：")


def test_a_full_disk_says_so_for_the_database_and_for_files(web_as, world, monkeypatch):
    full = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    monkeypatch.setattr(people_services, "create_household", _raising(full))
    response = press(_household_form(web_as, world), "保存", expect_errors=True)
    assert response.status_int == 503 and "磁盘空间不足，未保存" in visible_text(response)

    monkeypatch.setattr(people_services, "create_household", _raising(OSError(28, "No space left on device")))
    response = press(_household_form(web_as, world), "保存", expect_errors=True)
    assert response.status_int == 503 and "磁盘空间不足，未保存" in visible_text(response)


def test_a_conflict_that_happens_again_on_the_replay_is_a_409_page(web_as, world, monkeypatch):
    calls = []
    clash = IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed: household.x"))

    def always_clashing(*_args, **_kwargs):
        calls.append(1)
        raise clash

    monkeypatch.setattr(people_services, "create_household", always_clashing)
    response = press(_household_form(web_as, world), "保存", expect_errors=True)
    assert len(calls) == 2  # run once more, then given up
    assert response.status_int == 409 and "同时保存冲突，未保存" in visible_text(response)


def test_an_error_that_is_not_busy_full_or_a_clash_is_still_a_bug(web_as, world, monkeypatch, app):
    broken = OperationalError("SELECT …", {}, sqlite3.OperationalError("no such column: x"))
    monkeypatch.setattr(people_services, "create_household", _raising(broken))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = press(_household_form(web_as, world), "保存", expect_errors=True)
    assert response.status_int == 500 and "服务器出错" in visible_text(response)


def test_serve_starts_read_only_when_the_database_cannot_be_written(app, monkeypatch):
    from app.core import serving

    served = []
    monkeypatch.setattr("waitress.serve", lambda *args, **kwargs: served.append(kwargs))
    monkeypatch.setattr(serving, "upgrade", lambda: None)
    monkeypatch.setattr(serving, "freeze_start_up_objects", lambda: None)  # not the test process's heap
    full = OperationalError("ANALYZE", {}, sqlite3.OperationalError("database or disk is full"))
    monkeypatch.setattr(serving, "refresh_query_statistics", _raising(full))
    result = app.test_cli_runner().invoke(args=["serve", "--no-worker", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert "以只读方式启动" in result.output and served and served[0]["port"] == 5999
