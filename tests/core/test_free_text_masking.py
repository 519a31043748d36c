"""ID numbers and mobiles typed into free text never come out in full where they
should not: every ledger (PDF, blank, xlsx), the binder, the route sheet, the roster
and poster, every export, the public pages and Open311, and the screens of those
who may not see full numbers (leaders, department handlers). A person's number is
written into every free-text field of the test county, then each output is read
back as a person would read it (the PDF's text, the workbook's cells, the page)."""

from __future__ import annotations

import datetime as dt
import io
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.assessment.models import WarningCard
from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import reporting, services
from app.matters.models import DisputeScreening, Matter, MatterStep, Mediation
from app.org.models import Building, Department, Division, GridProfile, ServiceTeam, StaffMember
from app.patrols.models import ChiefReport, OpinionEntry, Patrol, PatrolFinding
from app.printing import publicity
from app.printing.binder import build_binder
from app.printing.ledgers import all_ledgers
from app.printing.roster_models import DutyRoster
from app.registry.people.models import (
    FollowUp,
    House,
    Household,
    JointDefenceGroup,
    KeyPerson,
    KeyPersonCategory,
    Organisation,
    PopulationEvent,
    Rental,
    Resident,
    Shop,
)
from app.supervision.models import (
    AdmittedItem,
    AssignedTask,
    Inspection,
    Meeting,
    MeetingDecision,
    Recheck,
    Rectification,
    TaskTarget,
    Training,
)
from app.visits.models import Visit
from tests.conftest import text_of
from tests.factories import make_id_number
from tests.test_links import walk

ID_NUMBER = make_id_number("19880816", 77)  # nobody's registered number
MOBILE = "13712345678"  # nor anybody's phone
MASKED_ID, MASKED_MOBILE = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:], "137****5678"
TYPED = f"（身份证{ID_NUMBER}，电话{MOBILE}）"
STAFF_PHONE = "13800000000"  # the test county's staff work phone (tests/factories.py)

# Every free-text field: descriptions, results, notes, minutes, mediation records,
# follow-ups, visit findings and needs, patrol findings, inspection problems, task
# content, addresses typed as text …
FREE_TEXT = {
    AdmittedItem: ("basis",),
    AssignedTask: ("title", "content", "withdrawal_reason"),
    Building: ("address", "note"),
    ChiefReport: ("note",),
    Department: ("address", "duties"),
    DisputeScreening: ("parties", "instability_factors"),
    Division: ("note",),
    FollowUp: ("content",),
    GridProfile: ("boundary_east", "reason"),
    House: ("address_text", "note"),
    Household: ("address_text", "note"),
    Inspection: ("point", "items_checked", "note"),
    JointDefenceGroup: ("note",),
    KeyPerson: ("note",),
    KeyPersonCategory: ("description",),
    Matter: ("address", "description", "involved_text", "result", "rating_note", "invalid_reason"),
    MatterStep: ("note",),
    Mediation: ("mediators", "place", "process", "agreement_text", "follow_up"),
    Meeting: ("place", "minutes"),
    MeetingDecision: ("text",),
    OpinionEntry: ("place", "content", "settled_note"),
    Organisation: ("address", "note"),
    Patrol: ("route", "note"),
    PatrolFinding: ("place", "description", "handling"),
    PopulationEvent: ("note",),
    Recheck: ("note",),
    Rectification: ("problem",),
    Rental: ("note",),
    Resident: ("registered_address", "current_address", "workplace", "note"),
    ServiceTeam: ("note",),
    Shop: ("address", "frontage_duty_note", "note"),
    StaffMember: ("note",),
    TaskTarget: ("completion_note",),
    Training: ("topic", "place", "content"),
    Visit: ("found", "needs", "follow_up"),
    WarningCard: ("reason", "withdrawal_reason"),
}
START, END = date(2024, 1, 1), date(2026, 11, 30)


def _at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return local_to_utc(dt.datetime(2026, month, day, hour))


def _records_of_every_kind(world) -> dict:
    """Beyond the test county's records: a dispute with its screening and mediation,
    key persons of the other categories with follow-ups, a matter closed on the spot
    and published (a 12345 work order), one sent to the department with an extension
    asked for, a recheck, a withdrawn card and this week's roster with a note."""
    worker, station, town, dept = (world.users[n] for n in ("worker_a", "station_a", "town_a", "dept"))
    dispute = reporting.report(
        reporting.MatterValues(class_code="dispute", description="楼上漏水纠纷", grid=world.grid_a, source="visit"),
        now=_at(10, 5),
    )
    db.session.add(
        DisputeScreening(
            matter=dispute,
            parties="王五、赵六",
            dispute_type="neighbour",
            risk_level="medium",
            instability_factors="双方情绪激动",
            screened_on=date(2026, 10, 5),
        )
    )
    db.session.add(
        Mediation(
            matter=dispute,
            held_on=date(2026, 10, 8),
            mediators="员工chief_a",
            place="调解室",
            process="分别听取双方意见",
            agreed=True,
            agreement_text="楼上负责维修",
            follow_up="一周后回访",
        )
    )
    for code, details in (
        ("correction", {"correction_type": "缓刑"}),
        ("drug", {"measure": "社区康复"}),
        ("youth", {"youth_type": "闲散青少年", "school_or_work": "在汽修厂学徒"}),
    ):
        category = db.session.scalar(select(KeyPersonCategory).where(KeyPersonCategory.code == code))
        person = KeyPerson(
            resident_id=world.residents["a"].id,
            category=category,
            grid_id=world.grid_a.id,
            start_date=date(2026, 1, 1),
            details=details,
        )
        person.follow_ups.append(
            FollowUp(
                follow_up_date=date(2026, 10, 9), kind="assistance", performed_by="员工chief", content=f"{code}走访"
            )
        )
        db.session.add(person)
    closed = reporting.report(
        reporting.MatterValues(
            class_code="city", description="井盖缺失需更换", grid=world.grid_a, hotline_number="2026101200001"
        ),
        reporter=worker,
        now=_at(10, 12),
    )
    services.take(closed, "handle_on_spot", worker, note="已更换井盖", now=_at(10, 12, 10))
    services.take(closed, "publish", station, now=_at(10, 12, 11))
    sent = reporting.report(
        reporting.MatterValues(class_code="city", description="道路塌陷", grid=world.grid_a),
        reporter=worker,
        now=_at(11, 2),
    )
    services.take(sent, "verify", station, now=_at(11, 2, 10))
    services.take(sent, "dispatch", town, now=_at(11, 2, 11), level="department", department_id=world.department.id)
    services.take(sent, "request_extension", dept, note="需要采购材料", days=2, now=_at(11, 3))
    db.session.add(
        Recheck(
            rectification=world.records["a"]["rectification"],
            checked_on=date(2024, 1, 5),
            passed=False,
            note="仍未整改",
        )
    )
    db.session.add(
        WarningCard(
            grid_id=world.grid_a.id,
            staff_id=world.staff["worker_a"].id,
            colour="yellow",
            issued_on=date(2026, 11, 2),
            reason="巡查次数不足",
            issuer_name="town",
            withdrawn_at=_at(11, 3),
            withdrawn_by_name="town",
            withdrawal_reason="申诉成立",
        )
    )
    world.residents["a"].population_type = "floating"  # on form 6 too
    monday = publicity.period_bounds("week", date(2026, 11, 20))[0]
    publicity.save_roster(
        world.community_a, "week", monday, {monday: {world.staff["worker_a"].id}}, {monday: "节假日值班"}
    )
    db.session.flush()
    return {"closed": closed, "sent": sent, "monday": monday}


def _type_numbers_into_free_text() -> None:
    for model, columns in FREE_TEXT.items():
        for record in db.session.scalars(select(model)):
            for column in columns:
                setattr(record, column, (getattr(record, column) or "") + TYPED)
    for person in db.session.scalars(select(KeyPerson)):
        person.details = {
            key: (value + TYPED if isinstance(value, str) else value) for key, value in (person.details or {}).items()
        }
    for roster in db.session.scalars(select(DutyRoster)):
        roster.day_notes = {day: note + TYPED for day, note in (roster.day_notes or {}).items()}


@pytest.fixture()
def typed(on_2026_11_20, app, world):
    """The test county with a number typed into every free-text field."""
    with write_transactions():
        made = _records_of_every_kind(world)
        _type_numbers_into_free_text()
        made["tracking_code"] = made["closed"].tracking_code
        made["closed_number"], made["sent_id"] = made["closed"].number, made["sent"].id
        db.session.commit()
    return made


def full_numbers(text: str) -> list[str]:
    """The full numbers found in `text`, whitespace ignored (a PDF breaks long runs)."""
    squeezed = "".join(text.split())
    return [number for number in (ID_NUMBER, MOBILE) if number in squeezed]


def pdf_text(data: bytes) -> str:
    """The PDF's text in the order it was laid out (a table cell's lines together)."""
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(BytesIO(data))
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def test_free_text_is_masked_in_one_pass():
    from app.core.masking import mask_numbers

    assert mask_numbers(TYPED) == f"（身份证{MASKED_ID}，电话{MASKED_MOBILE}）"
    spaced = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}；+86 137-1234-5678；１３７１２３４５６７８"
    assert mask_numbers(spaced) == f"{MASKED_ID}；{MASKED_MOBILE}；１３７****５６７８"
    # Grid codes, matter numbers, dates and what is already masked stay as they are.
    for kept in ("990101001001001", "20261122-0007", "2026-11-22", MASKED_ID, "13712345678901"):
        assert mask_numbers(kept) == kept


def test_the_xlsx_layer_masks_every_text_cell_but_numbers_that_are_not_personal(app):
    from app.core.xlsx import Column, write_table

    data = write_table(
        [Column("note", "备注"), Column("licence", "营业执照号", not_personal=True)],
        [{"note": f"户主{TYPED}", "licence": "916101027099000001"}],
    )
    assert xlsx_text(data).split("\n")[2:] == [f"户主（身份证{MASKED_ID}，电话{MASKED_MOBILE}）", "916101027099000001"]


def test_every_ledger_pdf_blank_and_xlsx(typed, client_as, world):
    client = client_as("worker_a")  # the grid's worker, who may see key persons (forms 7–11)
    shown = set()
    for ledger in all_ledgers():
        for output in ("pdf", "blank", "xlsx"):
            response = client.get(
                "/ledgers/",
                query_string={
                    "number": ledger.number,
                    "division_id": world.grid_a.id,
                    "start": START.isoformat(),
                    "end": END.isoformat(),
                    "output": output,
                },
            )
            assert response.status_code == 200, (ledger.number, output)
            text = xlsx_text(response.data) if output == "xlsx" else pdf_text(response.data)
            assert full_numbers(text) == [], (ledger.number, output)
            if MASKED_MOBILE in "".join(text.split()):
                shown.add(ledger.number)
    # Each ledger that holds free text printed it (masked): 2 boundaries, 4 the 民情日志,
    # 5 addresses, 6 workplaces, 7–11 key persons, 12–13 disputes, 14 work log, 15
    # supervision (1 holds counts, 3 the standard duties of each post).
    assert shown == set(range(2, 16)) - {3}, shown


def test_the_binder(typed, app, world):
    result = build_binder(world.grid_a, START, END, world.users["worker_a"])
    text = pdf_text(result.pdf)
    assert full_numbers(text) == []
    squeezed = "".join(text.split())
    assert typed["closed_number"] in squeezed and MASKED_MOBILE in squeezed and MASKED_ID in squeezed


def test_route_sheet_roster_and_poster(typed, client_as, world):
    route = client_as("worker_a").get(f"/visits/grids/{world.grid_a.id}/route.pdf")
    assert route.status_code == 200 and full_numbers(pdf_text(route.data)) == []
    roster = client_as("station_a").get(
        f"/communities/{world.community_a.id}/roster.pdf",
        query_string={"kind": "week", "start": typed["monday"].isoformat()},
    )
    text = "".join(pdf_text(roster.data).split())
    assert full_numbers(text) == [] and f"节假日值班（身份证{MASKED_ID}，电话{MASKED_MOBILE}）" in text
    assert STAFF_PHONE in text  # the staff on duty with their work phones, as posted
    poster = client_as("worker_a").get(f"/grids/{world.grid_a.id}/poster.pdf")
    assert poster.status_code == 200 and STAFF_PHONE in "".join(pdf_text(poster.data).split())


EXPORTS = [
    ("worker_a", "/residents/export.xlsx", {}),
    ("worker_a", "/households/export.xlsx", {}),
    ("worker_a", "/houses/export.xlsx", {}),
    ("worker_a", "/rentals/export.xlsx", {}),
    ("worker_a", "/shops/export.xlsx", {}),
    ("worker_a", "/organisations/export.xlsx", {}),
    ("worker_a", "/key-persons/export.xlsx", {}),
    ("town_a", "/matters/hotline/receipts.xlsx", {"date_from": "2026-10-01", "date_to": "2026-11-30"}),
    ("town_a", "/matters/indicators.xlsx", {"date_from": "2026-10-01", "date_to": "2026-11-30", "level": "grid"}),
    ("admin", "/assessment/board.xlsx", {"period": "2026"}),
]


@pytest.mark.parametrize("username, url, args", EXPORTS)
def test_every_export(typed, client_as, username, url, args):
    response = client_as(username).get(url, query_string=args)
    assert response.status_code == 200, text_of(response)[:300]
    text = xlsx_text(response.data)
    assert full_numbers(text) == []
    if "indicators" not in url and "board" not in url:  # (those two hold no free text)
        assert MASKED_MOBILE in text


def test_a_receipt_keeps_its_work_order_number_and_masks_the_result(typed, client_as):
    response = client_as("town_a").get(
        "/matters/hotline/receipts.xlsx", query_string={"date_from": "2026-10-01", "date_to": "2026-11-30"}
    )
    rows = list(openpyxl.load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    row = next(r for r in rows if r[0] == "2026101200001")
    assert row[5] == f"已更换井盖（身份证{MASKED_ID}，电话{MASKED_MOBILE}）"


def test_public_pages_and_open311(typed, app, world):
    anonymous = app.test_client()
    pages = {
        "grid": anonymous.get(f"/public/grids/{world.grid_a.code}/"),
        "board": anonymous.get(f"/public/communities/{world.community_a.code}/board"),
        "track": anonymous.get("/public/track", query_string={"code": typed["tracking_code"]}),
        "requests.json": anonymous.get("/open311/v2/requests.json"),
        "requests.xml": anonymous.get("/open311/v2/requests.xml"),
        "request.json": anonymous.get(f"/open311/v2/requests/{typed['closed_number']}.json"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert full_numbers(response.get_data(as_text=True)) == [], name
    grid_page = pages["grid"].get_data(as_text=True)
    assert f"节假日值班（身份证{MASKED_ID}，电话{MASKED_MOBILE}）" in grid_page  # the roster's note
    assert f'href="tel:{STAFF_PHONE}"' in grid_page  # staff work phones stay whole
    assert MASKED_MOBILE in pages["board"].get_data(as_text=True)
    assert MASKED_MOBILE in pages["request.json"].get_data(as_text=True)


@pytest.mark.parametrize("username", ["leader_a", "dept"])
def test_screens_of_those_who_may_not_see_full_numbers(typed, client_as, username):
    client = client_as(username)
    pages: list[tuple[str, str]] = []
    _count, problems = walk(client, pages)
    assert problems == []
    leaking = [url for url, html in pages if full_numbers(html)]
    assert leaking == []
    assert any(MASKED_MOBILE in html for _url, html in pages)
    matter = text_of(client.get(f"/matters/{typed['sent_id']}"))
    assert f"道路塌陷（身份证{MASKED_ID}，电话{MASKED_MOBILE}）" in matter
    assert f"需要采购材料（身份证{MASKED_ID}，电话{MASKED_MOBILE}）" in matter  # the extension's reason


def test_those_who_may_reveal_read_free_text_as_written(typed, client_as):
    """The grid's worker (and station, town, county staff) work with the person: their
    screens keep the text as it was taken; their prints and exports do not."""
    page = text_of(client_as("worker_a").get(f"/matters/{typed['sent_id']}"))
    assert f"道路塌陷{TYPED}" in page
