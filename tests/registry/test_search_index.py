"""The full-text indexes behind the search box (FTS5 tables kept by triggers) and
the capped count of county-wide lists."""

import pytest
from sqlalchemy import select, text

from app.core.database import write_transactions
from app.core.pagination import paginate
from app.extensions import db
from app.registry.people import services as registry
from app.registry.people.models import Resident
from tests.conftest import text_of
from tests.factories import make_id_number


def _register(world, name: str, sequence: int, phone: str = "", grid=None) -> Resident:
    with write_transactions():
        resident = registry.register_resident(
            registry.ResidentValues(name=name, id_number=make_id_number("19900101", sequence), phone=phone),
            grid or world.grid_a,
        )
        db.session.commit()
        return resident


@pytest.mark.sqlite_only
def test_the_triggers_that_keep_the_indexes_exist_at_head(app):
    names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    assert {"resident_search_insert", "resident_search_update", "resident_search_delete"} <= names


def test_any_run_of_characters_of_a_name_finds_the_person(client_as, world):
    _register(world, "欧阳小明", 31)
    client = client_as("worker_a")
    for query in ("小明", "欧阳", "阳小", "欧阳小明", "明"):
        assert "欧阳小明" in text_of(client.get(f"/residents/?q={query}")), query
    assert "欧阳小明" not in text_of(client.get("/residents/?q=小红"))


def test_id_and_phone_fragments_are_found_within_scope_only(client_as, world):
    resident = _register(world, "赵敏", 32, phone="13755501234")
    client = client_as("worker_a")
    assert "赵敏" in text_of(client.get(f"/residents/?q={resident.id_number[-4:]}"))
    assert "赵敏" in text_of(client.get("/residents/?q=1234"))  # a phone's visible last four
    assert "赵敏" in text_of(client.get("/residents/?q=13755501234"))  # or the whole number
    assert "赵敏" not in text_of(client.get("/residents/?q=55501"))  # never digits a mask hides
    other = client_as("worker_b")
    assert "赵敏" not in text_of(other.get("/residents/?q=13755501234"))


def test_a_renamed_person_is_found_by_the_new_name_only(client_as, world, app):
    resident = _register(world, "钱多多", 33, phone="13600001111")
    with write_transactions():
        db.session.execute(
            text("UPDATE resident SET name = '钱少少', phone = '13622223333' WHERE id = :id"), {"id": resident.id}
        )
        db.session.commit()
    client = client_as("worker_a")
    assert "钱少少" in text_of(client.get("/residents/?q=少少"))
    assert "钱少少" not in text_of(client.get("/residents/?q=多多"))
    assert "钱少少" in text_of(client.get("/residents/?q=3333"))
    assert "钱少少" not in text_of(client.get("/residents/?q=1111"))


@pytest.mark.sqlite_only
def test_a_deleted_row_leaves_the_index(app, world):
    resident_id = _register(world, "孙悟空", 34).id
    with write_transactions():
        db.session.execute(text("DELETE FROM population_event WHERE resident_id = :id"), {"id": resident_id})
        db.session.execute(text("DELETE FROM resident WHERE id = :id"), {"id": resident_id})
        db.session.commit()
    hits = db.session.scalars(text("SELECT rowid FROM resident_name_fts WHERE resident_name_fts MATCH '\"悟 空\"'"))
    assert resident_id not in set(hits)


def test_foreign_names_are_found_by_their_letters(client_as, world):
    with write_transactions():
        registry.register_resident(
            registry.ResidentValues(name="JOHN SMITH", id_type="passport", id_number="E12345678"), world.grid_a
        )
        db.session.commit()
    assert "JOHN SMITH" in text_of(client_as("worker_a").get("/residents/?q=smith"))


def test_search_syntax_typed_into_the_box_is_only_text(client_as, world):
    client = client_as("worker_a")
    for query in ('"张', "张 OR 李", "NEAR(张 伟)", "*", "张伟*", '123"4'):
        assert client.get("/residents/", query_string={"q": query}).status_code == 200, query
        assert client.get("/search", query_string={"q": query}).status_code == 200, query


def test_household_search_finds_the_household_by_its_heads_pinyin(client_as, world):
    page = text_of(client_as("worker_a").get("/households/?q=zw"))
    assert "A001" in page


def test_county_wide_lists_stop_counting_at_the_cap(app, world):
    for sequence in range(40, 46):
        _register(world, f"测试{sequence}", sequence)
    statement = select(Resident).order_by(Resident.id)
    with app.test_request_context("/?page=1"):
        page = paginate(statement, per_page=2, count_cap=4)
        assert not page.total_is_exact and page.total == 4 and page.has_next and len(page.items) == 2
    with app.test_request_context("/?page=3"):
        page = paginate(statement, per_page=2, count_cap=4)
        assert not page.total_is_exact and page.has_next
    with app.test_request_context("/?page=1"):
        page = paginate(statement, per_page=2, count_cap=100)
        total = db.session.scalar(select(db.func.count()).select_from(Resident))
        assert page.total_is_exact and page.total == total and page.pages == (total + 1) // 2


def test_the_pager_says_more_than_instead_of_a_total_past_the_cap(client_as, world, monkeypatch):
    import app.core.pagination as pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    import app.registry.people.resident_views as views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    _register(world, "周一", 50)
    page = text_of(client_as("worker_a").get("/residents/"))
    assert "超过 1 条" in page and "下一页" in page


def test_a_household_is_found_by_its_heads_id_fragment(client_as, world):
    fragment = world.residents["a"].id_number[-4:]
    page = text_of(client_as("worker_a").get(f"/households/?q={fragment}"))
    assert "A001" in page
    assert "A001" not in text_of(client_as("worker_a").get("/households/?q=999999"))
