"""交接: ending a grid worker's assignment hands the grid over — the pack printed for
signing, the caseload moved, the leaver's account dealt with — and the handover is kept
with its pack."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

from app.adjustments.models import Handover
from app.auth.models import AuditEvent, User
from app.extensions import db
from app.org.models import StaffAssignment
from app.registry.keypersons.models import KeyPerson
from tests.conftest import fresh, login
from tests.printing.helpers import squeezed
from tests.web import form_on, options, press, visible_text


def _worker_assignment(world) -> StaffAssignment:
    return next(a for a in world.staff["worker_a"].assignments if a.division_id == world.grid_a.id)


def _handover_form(web, world):
    """On worker_a's staff page, 结束岗位 leads to the handover page."""
    page = web.get(f"/staff/{world.staff['worker_a'].id}")
    assignment = _worker_assignment(world)
    ended = press(form_on(page, action=f"/assignments/{assignment.id}/end"), "结束岗位")
    assert ended.status_int == 303 and ended.headers["Location"].endswith(f"/assignments/{assignment.id}/handover")
    return form_on(ended.follow(), field="successor")


def _caseload(world):
    """worker_a is responsible for grid A's key person; the rental has no 治安责任书."""
    key_person = world.records["a"]["key_person"]
    key_person.responsible_staff_id = world.staff["worker_a"].id
    db.session.commit()
    return key_person


def test_the_pack_lists_what_the_successor_takes_over_masked(web_as, world):
    key_person = _caseload(world)
    form = _handover_form(web_as("station_a"), world)
    offered = [text for value, text in options(form, "successor") if value != "0"]
    assert offered[0] == "员工chief_a"  # the grid chief first, as caretaker
    form["successor"] = str(world.staff["chief_a"].id)
    response = press(form, "打印交接清单")
    assert response.content_type == "application/pdf"
    text = squeezed(response.body)
    resident = key_person.resident
    for expected in (
        "网格交接清单",
        "东关一网格",
        "移交人：员工worker_a",
        "接收人：员工chief_a",
        world.households["a"].household_number,  # households with visits due
        resident.name,  # key persons with their next follow-up
        resident.masked_id.replace(" ", ""),
        world.records["a"]["matter"].number,  # open matters
        world.records["a"]["rectification"].problem,  # open rectifications
        world.records["a"]["task"].title,  # open tasks
        "未签",  # the rental without a 治安责任书
        "移交人（签字）",
        "接收人（签字）",
        "网格长（签字）",
    ):
        assert expected in text, expected
    assert resident.id_number not in text
    fresh()
    assert _worker_assignment(world).end_date is None  # printing saves nothing


def test_confirming_hands_over_the_caseload_and_ends_the_leavers_session(app, web_as, world):
    key_person = _caseload(world)
    leaver = app.test_client()
    assert login(leaver, "worker_a").status_code == 302
    assert leaver.get("/").status_code == 200
    form = _handover_form(web_as("station_a"), world)
    form["successor"] = str(world.staff["chief_a"].id)
    form["end_date"] = date.today().isoformat()
    assert form["account"].value == "disabled"
    # The person prints the pack for signing first, then confirms on the same page.
    assert press(form, "打印交接清单").content_type == "application/pdf"
    done = press(form, "确认交接")
    assert done.status_int == 303 and done.headers["Location"].endswith(f"/grids/{world.grid_a.id}/history")
    history = done.follow()
    assert "已交接：员工worker_a 的岗位已结束，1 名重点人员的责任人改为 员工chief_a" in visible_text(history)
    assert "人员交接" in visible_text(history) and "员工worker_a 员工chief_a" in visible_text(history)
    fresh()
    assert _worker_assignment(world).end_date == date.today()
    assert db.session.get(KeyPerson, key_person.id).responsible_staff_id == world.staff["chief_a"].id
    assert db.session.get(User, world.users["worker_a"].id).is_enabled is False
    disabled = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_disabled"))
    assert disabled.target_id == world.users["worker_a"].id and disabled.actor_name == "station_a"
    # The leaver's open session stops working at once.
    assert leaver.get("/").headers.get("Location", "").split("?")[0].endswith("/login")
    # The pack kept with the handover is the one printed for signing, byte for byte.
    record = db.session.scalar(select(Handover))
    again = history.click(description="打印存档清单")
    assert again.body == record.pack_pdf and hashlib.sha256(again.body).hexdigest() == record.pack_sha256
    assert "员工chief_a" in squeezed(again.body)


def test_a_successor_must_be_chosen_and_what_was_typed_is_kept(web_as, world):
    form = _handover_form(web_as("station_a"), world)
    form["end_date"] = "2026-01-05"
    page = press(form, "确认交接")
    assert page.status_int == 200 and "请选择接收人" in visible_text(page)
    assert form_on(page)["end_date"].value == "2026-01-05"
    fresh()
    assert _worker_assignment(world).end_date is None and db.session.scalar(select(Handover)) is None


def test_another_grids_assignment_cannot_be_handed_over(web_as, world):
    web = web_as("station_a")
    other = world.staff["worker_b"].assignments[0]
    assert web.get(f"/assignments/{other.id}/handover", expect_errors=True).status_int == 404


def test_with_nobody_to_take_over_the_post_can_still_be_ended(web_as, world):
    chief = next(a for a in world.staff["chief_a"].assignments if a.division_id == world.grid_a.id)
    chief.end_date = date(2025, 1, 1)  # the grid chief left earlier; nobody else is in post
    for assignment in db.session.scalars(select(StaffAssignment).where(StaffAssignment.end_date.is_(None))):
        if assignment.staff_id != world.staff["worker_a"].id and assignment.role in (
            "grid_chief",
            "full_time_worker",
            "part_time_worker",
        ):
            assignment.end_date = date(2025, 1, 1)
    db.session.commit()
    page = _handover_form(web_as("station_a"), world).response
    assert "没有其他在岗的网格长或网格员可以接收" in visible_text(page)
    done = press(form_on(page, button="不交接，直接结束岗位"), "不交接，直接结束岗位")
    assert done.status_int == 303
    fresh()
    assert _worker_assignment(world).end_date is not None and db.session.scalar(select(Handover)) is None
