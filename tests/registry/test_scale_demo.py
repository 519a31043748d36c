"""The county-scale demo loader (bulk, bypassing the services) must leave the search
indexes as complete as the pages do."""

import pytest
from sqlalchemy import func, select

from app.core.database import write_transactions
from app.demo.scale_county import load_county_demo
from app.extensions import db
from app.registry.people.models import Resident
from tests.conftest import text_of


def test_a_small_county_load_is_searchable_by_name_and_id_fragment(app, client):
    with write_transactions():
        report = load_county_demo(7, households=3000, residents=9000)
    assert report.counts["residents"] == db.session.scalar(select(func.count()).select_from(Resident))
    someone = db.session.scalar(select(Resident).order_by(Resident.id.desc()))
    from tests.conftest import login

    password = next(p for user, _label, p in report.accounts if user == "admin")
    login(client, "admin", password)
    page = text_of(client.get("/residents/", query_string={"q": someone.name, "status": ""}))
    assert someone.masked_id in page
    page = text_of(client.get("/residents/", query_string={"q": someone.id_number[-4:], "status": ""}))
    assert someone.name in page


def test_records_added_after_a_county_load_get_new_ids(app):
    """The loader inserts rows with their ids given; on PostgreSQL the id sequences must
    follow, or the first resident added afterwards takes an id in use (a 500)."""
    from app.org.models import Division
    from app.registry.people import services
    from tests.factories import make_id_number

    with write_transactions():
        load_county_demo(7, households=3000, residents=9000)
    largest = db.session.scalar(select(func.max(Resident.id)))
    grid = db.session.scalar(select(Division).where(Division.level == "grid").order_by(Division.code))
    with write_transactions():
        added = services.register_resident(
            services.ResidentValues(name="新来的", id_number=make_id_number("19900101", 77)), grid
        )
        db.session.commit()
        assert added.id == largest + 1


@pytest.mark.slow  # a county load and a year of field work (about half a minute)
def test_a_year_of_field_work_goes_on_a_county_load_once(app):
    """`seed-demo --scale county --fieldwork`'s second half: matters, visits and patrols
    for the pages that count them; a second run adds nothing."""
    from app.demo.fieldwork import load_fieldwork
    from app.matters.models import Matter
    from app.patrols.models import Patrol
    from app.visits.models import Visit

    with write_transactions():
        load_county_demo(7, households=3000, residents=9000)
        db.session.commit()
    with write_transactions():
        counts = load_fieldwork(progress=lambda _line: None)
    assert counts is not None
    for model in (Matter, Visit, Patrol):
        assert db.session.scalar(select(func.count()).select_from(model)) > 100, model.__name__
    with write_transactions():
        assert load_fieldwork(progress=lambda _line: None) is None
