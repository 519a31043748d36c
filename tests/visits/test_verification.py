"""入户核实 (002 篇四): a check of a household by someone other than its grid's staff —
the 片区 (the community's other grids) or the 工作站 — with a verdict on the grid's
records; the grid marks corrected what was found wrong; the community's yearly check.
Forms filled as rendered."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import AuditEvent
from app.extensions import db
from app.org.models import StaffAssignment, StaffMember, StaffRole
from app.visits.models import Visit
from tests.conftest import fresh
from tests.factories import START
from tests.web import forge, form_on, press, visible_text


def _station_clerk(world, name="站员"):
    clerk = StaffMember(home_division=world.community_a, name=name)
    db.session.add_all(
        [
            clerk,
            StaffAssignment(
                staff=clerk,
                division=world.community_a,
                role=StaffRole.OTHER.value,
                role_note="工作站",
                start_date=START,
            ),
        ]
    )
    db.session.commit()
    return clerk


def _verify_form(web, household):
    page = web.get(f"/visits/households/{household.id}/visits").click(description="入户核实")
    return form_on(page, button="保存核实")


def _check(form, staff_name):
    for box in form.fields["visitor_ids"]:
        if box._value == str(staff_name):
            box.checked = True


def test_a_station_verifies_and_the_grid_corrects(world, web_as):
    clerk = _station_clerk(world)
    household = world.households["a"]
    web = web_as("station_a")
    form = _verify_form(web, household)
    offered = [box._value for box in form.fields["visitor_ids"]]
    # The grid's own chief and worker are not offered: 核实 is by someone else.
    assert str(clerk.id) in offered
    assert str(world.staff["worker_a"].id) not in offered and str(world.staff["chief_a"].id) not in offered
    form["visited_on"] = "2026-11-20"
    _check(form, clerk.id)
    form["found"] = "户主在家，核对了人口和联系电话"
    form["record_check"] = "to_correct"
    # 需更正 without saying what: refused at the field, what was typed kept.
    refused = press(form, "保存核实", status=400)
    assert "请写明哪些信息需要更正。" in visible_text(refused)
    form = form_on(refused, button="保存核实")
    assert form["found"].value == "户主在家，核对了人口和联系电话"
    form["correction"] = "户主手机号已更换"
    detail = press(form, "保存核实").follow()
    text = visible_text(detail)
    assert "已保存核实记录。" in text and "核实走访" in text and "需更正：户主手机号已更换" in text
    assert "待网格更正" in text
    fresh()
    visit = db.session.scalar(select(Visit).where(Visit.household_id == household.id, Visit.record_check != ""))
    assert (visit.visit_type, visit.record_check, [s.name for s in visit.visitors]) == (
        "verification",
        "to_correct",
        ["站员"],
    )
    # The grid sees what to correct on its due page, and marks it done.
    worker = web_as("worker_a")
    due = worker.get(f"/visits/grids/{world.grid_a.id}")
    assert "户主手机号已更换" in visible_text(due.html.select_one("#corrections"))
    page = worker.get(f"/visits/{visit.id}")
    done = press(form_on(page, action=f"/visits/{visit.id}/corrected"), "信息已按核实更正").follow()
    assert "已标记为已更正。" in visible_text(done) and "待网格更正" not in visible_text(done)
    assert "没有待更正的信息。" in visible_text(worker.get(f"/visits/grids/{world.grid_a.id}"))
    fresh()
    assert db.session.get(Visit, visit.id).corrected_by_name
    assert db.session.query(AuditEvent).filter_by(action="visit_record_corrected", target_id=visit.id).count() == 1
    # Once corrected, the verdict stays.
    form = form_on(web.get(f"/visits/{visit.id}/edit"), button="保存核实")
    form["record_check"] = "accurate"
    refused = press(form, "保存核实", status=400)
    assert "网格已按这次核实更正了信息，核实结果不能再改。" in visible_text(refused)


def test_the_grids_own_staff_cannot_verify(world, web_as):
    household = world.households["a"]
    web = web_as("worker_a")
    form = _verify_form(web, household)
    # Nobody else is on duty in the community: the form says so instead of offering the grid's own.
    assert "本社区工作站和其他网格还没有在岗人员，无法登记核实。" in visible_text(form.response)
    response = forge(
        web,
        f"/visits/households/{household.id}/verify",
        {
            "visited_on": "2026-11-20",
            "visit_type": "verification",
            "visitor_ids": [world.staff["worker_a"].id],
            "found": "自己核实自己",
            "record_check": "accurate",
        },
    )
    assert response.status_int == 400
    assert "核实人员须为本社区工作站或其他网格当日在岗的人员，不能是本网格的人员。" in visible_text(response)
    # The ordinary visit form no longer offers 核实走访.
    page = web.get(f"/visits/households/{household.id}/new")
    assert "核实走访" not in visible_text(page.html.select_one('select[name="visit_type"]'))


def test_the_yearly_check_shows_on_the_rates(world, web_as):
    clerk = _station_clerk(world)
    household = world.households["a"]
    web = web_as("station_a")
    form = _verify_form(web, household)
    form["visit_type"] = "annual_check"
    _check(form, clerk.id)
    form["found"] = "逐人核对入户信息"
    form["record_check"] = "accurate"
    press(form, "保存核实")
    fresh()
    text = visible_text(web.get(f"/visits/grids/{world.grid_a.id}").html.select_one("#annual-check"))
    # grid_a holds one household (the factory's A001): checked, so all are.
    assert "已核实 1 户，共 1 户。" in text and "已全部核实" in text
    # Another grid cannot reach the household's verification form.
    other = web_as("worker_b")
    assert other.get(f"/visits/households/{household.id}/verify", expect_errors=True).status_int == 404
