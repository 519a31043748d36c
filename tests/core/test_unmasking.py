"""Masks that cannot be undone: for every demo account, everything it can fetch
without the audited 显示完整 — every page and fragment the walk reaches, the exports,
the search box asked for the hidden digits one run at a time — must not give back a
resident's full ID number or phone number, nor the birth date that fills an ID
number's hidden digits."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.registry.people.models import Resident
from tests.conftest import login
from tests.test_links import demo_accounts, walk  # noqa: F401  (demo_accounts: a fixture)

EXPORTS = ("/residents/export.xlsx", "/households/export.xlsx", "/key-persons/export.xlsx")


def _date_forms(day) -> set[str]:
    return {
        day.isoformat(),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y/%m/%d"),
        f"{day.year}.{day.month:02d}.{day.day:02d}",
    }


def _fetched(client) -> list[tuple[str, str]]:
    """(where, text) of everything the account can fetch by following links, plus its exports."""
    pages: list[tuple[str, str]] = []
    walk(client, pages)
    for url in EXPORTS:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype.endswith("sheet"):
            book = openpyxl.load_workbook(BytesIO(response.data), read_only=True)
            for row in book.worksheets[0].iter_rows(values_only=True):
                pages.append((url, " ".join(str(v) for v in row if v is not None)))
    return pages


@pytest.mark.parametrize("username", ["leader", "dept", "station", "grid"])
def test_no_account_can_rebuild_a_masked_number(app, demo_accounts, username):  # noqa: F811
    password = next(p for u, _r, p in demo_accounts if u == username)
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    fetched = _fetched(client)
    residents = list(db.session.scalars(select(Resident)))
    assert len(residents) > 600
    problems = []
    for resident in residents:
        births = _date_forms(resident.birth_date) if resident.birth_date else set()
        for where, text in fetched:
            if resident.id_number and resident.id_number in text:
                problems.append(f"{resident.name}: full ID number on {where}")
            if resident.phone and len(resident.phone) == 11 and resident.phone in text:
                problems.append(f"{resident.name}: full phone on {where}")
            # A page (or export row) that shows the masked number must not show the date
            # that fills its hidden digits.
            if resident.masked_id and resident.masked_id in text and any(b in text for b in births):
                problems.append(f"{resident.name}: masked ID beside the birth date on {where}")
    assert not problems, "\n".join(sorted(set(problems))[:20])


@pytest.mark.parametrize("username", ["leader", "station"])
def test_the_search_box_answers_no_hidden_digits(app, demo_accounts, username):  # noqa: F811
    """Asked for any run of the digits a mask hides, the search finds nobody; asked
    for the visible last four or a whole number, it finds the person."""
    password = next(p for u, _r, p in demo_accounts if u == username)
    client = app.test_client()
    login(client, username, password)
    residents = list(db.session.scalars(select(Resident).where(Resident.phone.is_not(None)).limit(5)))
    for resident in residents:
        number, phone = resident.id_number, resident.phone
        hidden = [number[6:14], number[8:14], number[10:16], number[-6:], number[-5:]]
        if phone and len(phone) == 11:
            hidden += [phone[3:7], phone[2:8], phone[-6:], phone[-5:], phone[:7]]
        for query in hidden:
            page = client.get(f"/residents/?q={query}").get_data(as_text=True)
            assert resident.masked_id not in page, (username, resident.name, query)
        for query in (number[-4:], number):
            page = client.get(f"/residents/?q={query}").get_data(as_text=True)
            assert resident.masked_id in page or "超过" in page, (username, resident.name, query)
