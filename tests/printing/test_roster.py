"""Duty rosters: edited as a plain form (checkboxes, no JavaScript), saved, shown
on the public grid page, printed as an A4 notice; scoped to the station."""
import io
from datetime import date, timedelta

from pypdf import PdfReader

from app.core.timeutil import local_today
from app.extensions import db
from app.printing import publicity
from app.printing.roster_models import DutyRoster
from tests.conftest import fresh, text_of
from tests.printing.helpers import squeezed


def monday() -> date:
    return publicity.period_bounds("week", local_today())[0]


def test_period_bounds():
    assert publicity.period_bounds("week", date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert publicity.period_bounds("month", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_roster_plain_form_saves_and_shows(app, client_as, world):
    anonymous = app.test_client()
    client = client_as("station_a")
    start = monday()
    url = f"/communities/{world.community_a.id}/roster"
    page = client.get(url + f"?kind=week&start={start.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="checkbox" name="duty"' in html and "员工worker_a" in html and "<script" not in html.split("<main")[-1]
    worker, chief = world.staff["worker_a"].id, world.staff["chief_a"].id
    data = {"kind": "week", "start": start.isoformat(),
            "duty": [f"{start.isoformat()}:{worker}", f"{(start + timedelta(days=1)).isoformat()}:{chief}"],
            f"note-{start.isoformat()}": "节假日值班"}
    response = client.post(url, data=data)
    assert response.status_code == 303
    fresh()
    roster = db.session.query(DutyRoster).one()
    assert {(s.day, s.staff_id) for s in roster.shifts} == {(start, worker), (start + timedelta(days=1), chief)}
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{start.isoformat()}:{worker}" id="d-{start.isoformat()}-{worker}"' in again
    assert "节假日值班" in again
    # Saving again replaces the shifts (unticking works).
    client.post(url, data={"kind": "week", "start": start.isoformat(), "duty": [f"{start.isoformat()}:{chief}"]})
    fresh()
    assert [(s.day, s.staff_id) for s in db.session.query(DutyRoster).one().shifts] == [(start, chief)]
    public = text_of(anonymous.get(f"/public/grids/{world.grid_a.code}/"))
    assert "员工chief_a" in public


def test_roster_rejects_outside_staff(client_as, world):
    start = monday()
    response = client_as("station_a").post(f"/communities/{world.community_a.id}/roster", data={
        "kind": "week", "start": start.isoformat(), "duty": [f"{start.isoformat()}:{world.staff['worker_b'].id}"]})
    assert response.status_code == 400
    fresh()
    assert db.session.query(DutyRoster).count() == 0


def test_roster_scope_and_permissions(client_as, world):
    station = client_as("station_a")
    assert station.get(f"/communities/{world.community_b.id}/roster").status_code == 404
    assert station.get(f"/communities/{world.grid_a.id}/roster").status_code == 404
    assert client_as("worker_a").get(f"/communities/{world.community_a.id}/roster").status_code == 404
    leader = client_as("leader_a")
    assert leader.get(f"/communities/{world.community_a.id}/roster").status_code == 200
    assert leader.post(f"/communities/{world.community_a.id}/roster", data={"kind": "week"}).status_code == 403
    assert client_as("town_a").get(f"/communities/{world.community_a.id}/roster").status_code == 200


def test_roster_pdf_a4_and_cli(client_as, world, runner, tmp_path):
    start = monday()
    publicity.save_roster(world.community_a, "week", start, {start: {world.staff["worker_a"].id}}, {})
    db.session.commit()
    response = client_as("station_a").get(
        f"/communities/{world.community_a.id}/roster.pdf?kind=week&start={start.isoformat()}")
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
