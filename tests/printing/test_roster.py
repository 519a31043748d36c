"""Duty rosters: edited as a plain form (checkboxes, no JavaScript), saved, shown
on the public grid page, printed as an A4 notice; scoped to the station. Forms are
filled and sent as rendered (tests/web.py)."""

import io
import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import StaffMember
from app.printing import publicity
from app.printing.roster_models import DutyRoster
from tests.conftest import fresh, text_of
from tests.printing.helpers import ARTIFACTS, page_png, squeezed
from tests.web import forge, form_on, press, tick, visible_text


def monday() -> date:
    return publicity.period_bounds("week", local_today())[0]


def roster_url(world) -> str:
    return f"/communities/{world.community_a.id}/roster"


def roster_form(web, world, start: date):
    """The roster editor of 东关社区 for the week starting `start`, as rendered."""
    return form_on(web.get(roster_url(world) + f"?kind=week&start={start.isoformat()}"), action="/roster")


def test_period_bounds():
    assert publicity.period_bounds("week", date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert publicity.period_bounds("month", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_roster_plain_form_saves_and_shows(app, web_as, world):
    anonymous = app.test_client()
    web = web_as("station_a")
    start = monday()
    page = web.get(roster_url(world) + f"?kind=week&start={start.isoformat()}")
    assert 'type="checkbox" name="duty"' in page.text and "员工worker_a" in page.text
    assert "<script" not in page.text.split("<main")[-1]
    worker, chief = world.staff["worker_a"].id, world.staff["chief_a"].id
    form = form_on(page, action="/roster")
    tick(form, "duty", f"{start.isoformat()}:{worker}")
    tick(form, "duty", f"{(start + timedelta(days=1)).isoformat()}:{chief}")
    form[f"note-{start.isoformat()}"] = "节假日值班"
    response = press(form, "保存值班表")
    assert response.status_int == 303
    fresh()
    roster = db.session.query(DutyRoster).one()
    assert {(s.day, s.staff_id) for s in roster.shifts} == {(start, worker), (start + timedelta(days=1), chief)}
    again = response.follow()
    assert f'value="{start.isoformat()}:{worker}" id="d-{start.isoformat()}-{worker}"' in again.text
    assert "值班表已保存" in visible_text(again)
    assert form_on(again, action="/roster")[f"note-{start.isoformat()}"].value == "节假日值班"
    # Saving again replaces the shifts (unticking works).
    form = form_on(again, action="/roster")
    tick(form, "duty", f"{start.isoformat()}:{worker}", checked=False)
    tick(form, "duty", f"{(start + timedelta(days=1)).isoformat()}:{chief}", checked=False)
    tick(form, "duty", f"{start.isoformat()}:{chief}")
    assert press(form, "保存值班表").status_int == 303
    fresh()
    assert [(s.day, s.staff_id) for s in db.session.query(DutyRoster).one().shifts] == [(start, chief)]
    public = text_of(anonymous.get(f"/public/grids/{world.grid_a.code}/"))
    assert "员工chief_a" in public


def test_a_note_on_a_day_with_nobody_ticked_is_kept_shown_and_printed(app, web_as, world):
    """Issue #12 item 7: a station writes "节假日值班见镇安排" against a holiday on
    which none of its own staff is on duty. The note is kept — on the editor, on the
    public grid page and on the printed notice — not silently dropped."""
    web = web_as("station_a")
    start = monday()
    holiday = start + timedelta(days=5)
    form = roster_form(web, world, start)
    tick(form, "duty", f"{start.isoformat()}:{world.staff['worker_a'].id}")
    form[f"note-{holiday.isoformat()}"] = "节假日值班见镇安排"
    response = press(form, "保存值班表")
    assert response.status_int == 303
    again = form_on(response.follow(), action="/roster")
    assert again[f"note-{holiday.isoformat()}"].value == "节假日值班见镇安排"
    public = text_of(app.test_client().get(f"/public/grids/{world.grid_a.code}/"))
    assert "节假日值班见镇安排" in public
    pdf = web.get(roster_url(world) + f".pdf?kind=week&start={start.isoformat()}")
    assert "节假日值班见镇安排" in squeezed(pdf.body)


def test_a_roster_of_notes_alone_is_kept_and_published(app, web_as, world):
    """A week in which nobody of the station is on duty at all, only a note."""
    web = web_as("station_a")
    start = monday()
    form = roster_form(web, world, start)
    form[f"note-{start.isoformat()}"] = "本周值班见镇安排"
    response = press(form, "保存值班表")
    assert response.status_int == 303
    page = response.follow()
    assert form_on(page, action="/roster")[f"note-{start.isoformat()}"].value == "本周值班见镇安排"
    assert "本周值班见镇安排" in text_of(app.test_client().get(f"/public/grids/{world.grid_a.code}/"))
    pdf = page.click(description="打印值班公告")
    assert "本周值班见镇安排" in squeezed(pdf.body)


def test_forged_roster_with_outside_staff_is_refused(web_as, world):
    """The editor offers only the station's own staff: another town's worker can only
    be put on duty by a hand-built request."""
    start = monday()
    web = web_as("station_a")
    response = forge(
        web,
        roster_url(world),
        {"kind": "week", "start": start.isoformat(), "duty": [f"{start.isoformat()}:{world.staff['worker_b'].id}"]},
    )
    assert response.status_int == 400
    fresh()
    assert db.session.query(DutyRoster).count() == 0


def test_roster_scope_and_permissions(client_as, web_as, world):
    station = client_as("station_a")
    assert station.get(f"/communities/{world.community_b.id}/roster").status_code == 404
    assert station.get(f"/communities/{world.grid_a.id}/roster").status_code == 404
    assert client_as("worker_a").get(f"/communities/{world.community_a.id}/roster").status_code == 404
    leader = web_as("leader_a")
    page = leader.get(roster_url(world))
    assert "保存值班表" not in visible_text(page)
    assert forge(leader, roster_url(world), {"kind": "week"}).status_int == 403  # forged: no button for leaders
    assert client_as("town_a").get(f"/communities/{world.community_a.id}/roster").status_code == 200


def test_roster_pdf_a4_and_cli(client_as, world, runner, tmp_path):
    start = monday()
    publicity.save_roster(world.community_a, "week", start, {start: {world.staff["worker_a"].id}}, {})
    db.session.commit()
    response = client_as("station_a").get(
        f"/communities/{world.community_a.id}/roster.pdf?kind=week&start={start.isoformat()}"
    )
    assert response.status_code == 200
    text = squeezed(response.data)
    assert "东关社区值班表" in text and "员工worker_a" in text and "13800000000" in text
    assert "张伟" not in text and "内部资料" not in text
    from tests.printing.helpers import ARTIFACTS, page_png

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "roster-page1.png").write_bytes(page_png(response.data))
    box = PdfReader(io.BytesIO(response.data)).pages[0].mediabox
    assert abs(float(box.width) - 595) < 2 and abs(float(box.height) - 842) < 2
    out = tmp_path / "roster.pdf"
    result = runner.invoke(args=["print", "roster", "--grid", world.grid_a.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "员工worker_a" in squeezed(out.read_bytes())
    result = runner.invoke(args=["print", "roster", "--grid", world.grid_b.code, "--out", str(out)])
    assert result.exit_code != 0


@pytest.mark.slow
def test_a_month_roster_is_one_a4_landscape_sheet(app, world):
    """August 2026 spans six calendar weeks; twelve staff, three on each day, notes on
    the weekends: one landscape sheet with every day, name and work phone."""
    staff = []
    for number in range(12):
        member = StaffMember(home_division=world.community_a, name=f"值班员{number:02d}", phone=f"1370000{number:04d}")
        db.session.add(member)
        staff.append(member)
    db.session.flush()
    start, end = publicity.period_bounds("month", date(2026, 8, 1))
    days = publicity.days_of(start, end)
    on_duty = {day: {staff[(n + k) % 12].id for k in range(3)} for n, day in enumerate(days)}
    notes = {day: "防汛值守，夜间带班" for day in days if day.weekday() >= 5}
    roster = publicity.save_roster(world.community_a, "month", start, on_duty, notes)
    db.session.commit()
    result = publicity.roster_pdf(roster)
    assert result.pages == 1
    box = PdfReader(io.BytesIO(result.pdf)).pages[0].mediabox
    assert abs(float(box.width) - 842) < 2 and abs(float(box.height) - 595) < 2
    text = squeezed(result.pdf)
    for member in staff:
        assert member.name in text and member.phone in text
    assert "星期日" in text and "31" in text and "防汛值守" in text
    (ARTIFACTS / "pdf").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "pdf" / "roster-month.png").write_bytes(page_png(result.pdf))


def test_the_migration_moves_saved_notes_to_the_roster_and_back(tmp_path):
    """Revision 20c0c85cbe61: the notes saved on shifts become the roster's day notes;
    downgrading puts them back on the day's shifts."""
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from app import create_app

    revision = "20c0c85cbe61"
    path = tmp_path / "old.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"},
        instance_path=str(tmp_path / "instance"),
    )
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        previous = ScriptDirectory.from_config(config).get_revision(revision).down_revision
        upgrade(revision=previous)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO division (id, level, code, name, kind, status, valid_from, note, created_at) "
                    "VALUES (1, 'community', '990101001001', '老社区', 'urban', 'active', '2024-01-01', '', "
                    "'2024-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO staff_member (id, home_division_id, name, phone, note, created_at) VALUES "
                    "(1, 1, '甲', '', '', '2024-01-01 00:00:00'), (2, 1, '乙', '', '', '2024-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO duty_roster (id, community_id, period_kind, period_start, period_end, updated_at) "
                    "VALUES (1, 1, 'week', '2026-11-23', '2026-11-29', '2026-11-20 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO duty_shift (roster_id, day, staff_id, note) VALUES "
                    "(1, '2026-11-23', 1, '带班'), (1, '2026-11-23', 2, '带班'), (1, '2026-11-24', 1, '')"
                )
            )
        upgrade(revision=revision)
        with db.engine.connect() as connection:
            notes = connection.execute(text("SELECT day_notes FROM duty_roster WHERE id = 1")).scalar()
            assert json.loads(notes) == {"2026-11-23": "带班"}
            assert connection.execute(text("SELECT count(*) FROM duty_shift")).scalar() == 3
        assert "note" not in {c["name"] for c in inspect(db.engine).get_columns("duty_shift")}
        downgrade(revision=previous)
        with db.engine.connect() as connection:
            shifts = connection.execute(text("SELECT day, staff_id, note FROM duty_shift ORDER BY day, staff_id"))
            assert [tuple(s) for s in shifts] == [
                ("2026-11-23", 1, "带班"),
                ("2026-11-23", 2, "带班"),
                ("2026-11-24", 1, ""),
            ]
        assert "day_notes" not in {c["name"] for c in inspect(db.engine).get_columns("duty_roster")}
        db.engine.dispose()
