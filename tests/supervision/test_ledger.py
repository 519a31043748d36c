"""Ledger 15, 督导台帐: printed from the inspections of the scope and period, one row
per problem with its deadline, last re-check and status; blank and xlsx too."""

from datetime import date
from io import BytesIO

import openpyxl

from app.core.database import write_transactions
from app.core.timeutil import local_today
from app.extensions import db
from app.printing.ledgers import get_ledger
from app.supervision import inspections as services
from tests.printing.helpers import squeezed


def _get(client, world, **args):
    query = {
        "number": 15,
        "division_id": world.community_a.id,
        "start": "2026-11-01",
        "end": "2026-11-30",
        "output": "pdf",
        **args,
    }
    return client.get("/ledgers/", query_string=query)


def _inspect(world):
    with write_transactions():
        town = world.users["town_a"]
        found = services.record_inspection(
            services.InspectionValues(
                inspected_on=date(2026, 11, 10),
                inspectors="镇督查组",
                items_checked="民情日志",
                problems="日志记录不全",
                deadline=date(2026, 11, 15),
                point="东关菜市场",
            ),
            world.grid_a,
            town,
            today=date(2026, 11, 20),
        )
        services.record_recheck(
            found.rectifications[0],
            date(2026, 11, 16),
            False,
            "仍缺三天",
            date(2026, 11, 30),
            town,
            today=date(2026, 11, 20),
        )
        services.record_inspection(
            services.InspectionValues(inspected_on=date(2026, 11, 12), inspectors="镇督查组", items_checked="巡查记录"),
            world.grid_a2,
            town,
            today=date(2026, 11, 20),
        )
        services.record_inspection(
            services.InspectionValues(
                inspected_on=date(2026, 11, 12),
                inspectors="区督查组",
                items_checked="台账",
                problems="滨河问题",
                deadline=date(2026, 11, 20),
            ),
            world.grid_b,
            world.users["admin"],
            today=date(2026, 11, 20),
        )
        db.session.commit()


def test_the_supervision_ledger_prints_the_scopes_inspections(client_as, world):
    _inspect(world)
    client = client_as("station_a")
    response = _get(client, world)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squeezed(response.data)
    assert "督导台帐" in text and "回头看" in text and "东关菜市场" in text
    assert "日志记录不全" in text and "2026-11-30" in text and "缺三天" in text and "未通过" in text
    # Open until its new deadline (2026-11-30), overdue from the day after (that
    # label wraps in its cell, so only its start is whole in the extracted text).
    assert ("整改中" if local_today() <= date(2026, 11, 30) else "逾期未整") in text
    assert "未发现问题" in text and "东关二网格" in text
    assert "滨河问题" not in text and "台账不全a" not in text  # another town; the world's 2024 inspection


def test_blank_and_xlsx(client_as, world):
    _inspect(world)
    client = client_as("town_a")
    blank = squeezed(_get(client, world, output="blank").data)
    assert "督导台帐" in blank and "日志记录不全" not in blank and "发现问题" in blank
    workbook = openpyxl.load_workbook(BytesIO(_get(client, world, output="xlsx").data))
    cells = {cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row or ()}
    assert {"日志记录不全", "东关菜市场", "未发现问题"} <= cells
    assert get_ledger(15).title == "督导台帐"


def test_listed_on_the_ledgers_page(client_as, world):
    assert "督导台帐" in client_as("worker_a").get("/ledgers/").get_data(as_text=True)
