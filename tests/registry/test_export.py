"""Exporting the resident and household lists to Excel: the list's filters, rows in
the user's scope only, ID and phone numbers masked, every export audited."""

from __future__ import annotations

from io import BytesIO

import openpyxl
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.core.database import write_transactions
from app.extensions import db
from app.registry.people import services
from app.registry.people.models import CareTag
from tests.conftest import fresh
from tests.factories import make_id_number


def cells(data: bytes) -> list[list]:
    """Every row of the first sheet, as values."""
    book = openpyxl.load_workbook(BytesIO(data))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def flat(rows: list[list]) -> str:
    return " ".join(str(v) for row in rows for v in row if v is not None)


def body(rows: list[list], column: str) -> list:
    """The values of one column below the header (row 2; row 1 is the title)."""
    index = rows[1].index(column)
    return [row[index] for row in rows[2:]]


def _add_people(world):
    """A second resident in grid A with a care tag, one who moved away, one in grid A2."""
    with write_transactions():
        tag = db.session.scalar(select(CareTag).where(CareTag.name == "空巢老人"))
        services.register_resident(
            services.ResidentValues(
                name="王芳", id_number=make_id_number("19500505", 31, male=False), phone="13511112222", tag_ids=[tag.id]
            ),
            world.grid_a,
        )
        gone = services.register_resident(
            services.ResidentValues(name="刘强", id_number=make_id_number("19600606", 32)), world.grid_a
        )
        services.end_residence(gone, "move_out", gone.created_at.date())
        services.register_resident(
            services.ResidentValues(name="陈静", id_number=make_id_number("19900707", 33, male=False)), world.grid_a2
        )
        db.session.commit()
        return tag


def test_resident_export_is_masked_and_scoped(client_as, world):
    _add_people(world)
    response = client_as("worker_a").get("/residents/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = cells(response.data)
    assert "脱敏" in rows[0][0]
    assert rows[1][:6] == ["社区（村）", "网格", "网格编码", "户号", "与户主关系", "姓名"]
    assert sorted(body(rows, "姓名")) == sorted(["张伟", "王芳"])  # grid A, in the register
    zhang = world.residents["a"]
    text = flat(rows)
    assert zhang.masked_id in body(rows, "证件号码") and "139****5678" in body(rows, "联系电话")
    assert zhang.id_number not in text and zhang.phone not in text and "13511112222" not in text
    assert all("*" in v for v in body(rows, "证件号码"))
    assert "李娜" not in text and "陈静" not in text and world.residents["b"].masked_id not in text
    assert body(rows, "户号")[body(rows, "姓名").index("张伟")] == "A001"
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register_exported"))
    assert event.summary == "实有人口 2 条" and event.actor_name == "worker_a"


def test_resident_export_follows_the_list_filters(client_as, world):
    tag = _add_people(world)
    client = client_as("station_a")  # the whole community: grids A and A2
    names = lambda url: sorted(body(cells(client.get(url).data), "姓名"))
    assert names("/residents/export.xlsx") == sorted(["张伟", "王芳", "陈静"])
    assert names(f"/residents/export.xlsx?grid={world.grid_a2.id}") == ["陈静"]
    assert names(f"/residents/export.xlsx?tag={tag.id}") == ["王芳"]
    assert names("/residents/export.xlsx?status=moved_out") == ["刘强"]
    assert names("/residents/export.xlsx?q=wf") == ["王芳"]
    assert names(f"/residents/export.xlsx?grid={world.grid_b.id}") == []  # not theirs: nothing


def test_household_export_is_masked_and_scoped(client_as, world):
    response = client_as("worker_b").get("/households/export.xlsx")
    rows = cells(response.data)
    assert body(rows, "户号") == ["B001"]
    head = world.residents["b"]
    assert body(rows, "户主") == ["李娜"] and body(rows, "户主证件号码") == [head.masked_id]
    assert body(rows, "户主联系电话") == ["138****4321"] and body(rows, "人数") == [1]
    assert head.id_number not in flat(rows) and "A001" not in flat(rows)
    admin = cells(client_as("admin").get("/households/export.xlsx?q=滨河").data)
    assert body(admin, "户号") == ["B001"]
    fresh()
    assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "register_exported")) == "住户 1 条"


def test_a_department_handler_exports_nothing(client_as, world):
    assert client_as("dept").get("/residents/export.xlsx").status_code == 403


def test_cli_exports_are_masked(app, runner, world, tmp_path):
    out = tmp_path / "people.xlsx"
    result = runner.invoke(args=["export", "residents", "--grid", world.grid_a.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = cells(out.read_bytes())
    assert body(rows, "姓名") == ["张伟"] and body(rows, "证件号码") == [world.residents["a"].masked_id]
    assert world.residents["a"].id_number not in flat(rows)
    out = tmp_path / "homes.xlsx"
    result = runner.invoke(args=["export", "households", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(body(cells(out.read_bytes()), "户号")) == ["A001", "B001"]
    result = runner.invoke(args=["export", "residents", "--grid", "nope", "--out", str(out)])
    assert result.exit_code != 0 and "没有网格编码" in result.output
    fresh()
    assert db.session.scalar(select(AuditEvent.actor_name).where(AuditEvent.action == "register_exported")) == "cli"


def test_export_link_fragments_carry_the_filters(app, world):
    """The snippets the list pages include: the export link repeats the filters."""
    from flask import render_template

    with app.test_request_context("/residents/"):
        from flask_login import login_user

        login_user(world.users["worker_a"])
        html = render_template(
            "registry/_resident_export_link.html", query="张", grid_id=world.grid_a.id, tag_id=None, status="active"
        )
        assert f"/residents/export.xlsx?q=%E5%BC%A0&amp;grid={world.grid_a.id}&amp;status=active" in html
        assert "/residents/import" in html and "<html" not in html
        html = render_template(
            "registry/_household_export_link.html",
            query="",
            grid_id=None,
            household_type="rental",
            visit_class=1,
            closed=True,
        )
        assert "/households/export.xlsx?type=rental&amp;visit=1&amp;closed=1" in html


def test_an_export_past_the_web_limit_says_what_to_do_and_writes_nothing(app, client_as, world):
    _add_people(world)
    app.config["WEB_EXPORT_MAX_ROWS"] = 1
    client = client_as("admin")
    response = client.get("/residents/export.xlsx?grid=%d" % world.grid_a.id)
    assert response.status_code == 302 and "/residents/" in response.location
    assert f"grid={world.grid_a.id}" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "网页一次最多导出 1 条" in page and "flask --app app export" in page
    response = client.get("/households/export.xlsx")
    assert response.status_code == 302 and "/households/" in response.location
    fresh()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register_exported")) is None
    app.config["WEB_EXPORT_MAX_ROWS"] = 2
    # Grid A2 holds one person: within the limit, the file comes.
    assert client.get("/residents/export.xlsx?grid=%d" % world.grid_a2.id).mimetype.endswith("sheet")
