"""Fixtures: a migrated SQLite template database copied fresh for every test,
the app, clients signed in per role, and a small county (tests/factories.py)."""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from datetime import date, datetime, time

import pytest
import time_machine
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event

from app import create_app
from app.core.database import write_transactions
from app.core.timeutil import LOCAL_ZONE
from app.extensions import db
from tests.factories import PASSWORD, World, build_world


def pytest_addoption(parser):
    parser.addoption("--clock", metavar="YYYY-MM-DD[THH:MM]",
                     help="run the whole suite as if it were that local day (9:00 unless a time is "
                          "given), the clock ticking on: finds tests that pass only on some days "
                          "(a quarter's first day, New Year, a holiday, a month's end)")


def pytest_configure(config):
    """--clock moves the clock of every process (xdist workers configure too) before
    the test modules are imported, so their module-level dates agree with it."""
    option = config.getoption("--clock", default=None)
    if option:
        moment = datetime.fromisoformat(option) if "T" in option else datetime.combine(
            date.fromisoformat(option), time(9, 0))
        config._session_clock = time_machine.travel(moment.replace(tzinfo=LOCAL_ZONE), tick=True)
        config._session_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_session_clock", None)
    if clock is not None:
        clock.stop()


@pytest.fixture()
def on_2026_11_20():
    """The whole test — fixtures after this one, a live server's thread and the test
    itself — runs from 10:00 on Friday 20 November 2026 (Asia/Shanghai), the clock
    ticking on from there: for tests whose expectations depend on the calendar
    (which visits fall due within 14 days, what was reported this month). List it
    first among the test's fixtures (or in usefixtures) so that the world is built on
    that day."""
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_ZONE), tick=True):
        yield


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Run the Alembic migrations once; each test gets a copy of the result."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"},
                     instance_path=str(folder / "instance"))
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, even though the
    test itself holds one open: otherwise `g` (and the signed-in user cached in it)
    and the database session would leak from one request into the next."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def fresh():
    """End the test's read transaction so it sees what requests committed."""
    db.session.rollback()


def make_app(tmp_path, template, **overrides):
    path = tmp_path / "test.sqlite3"
    shutil.copy(template, path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        # On, as in production: forms are sent as rendered (tests/web.py), with their token.
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # Fast hashes: the rules are tested, not the cost (production keeps scrypt).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture()
def app(tmp_path, migrated_database):
    app = make_app(tmp_path, migrated_database)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def world(app) -> World:
    with write_transactions():
        return build_world()


def login(client, username: str, password: str = PASSWORD, follow: bool = False):
    """Sign a Flask test client in through the login page as rendered: the page is
    read, its form must offer username and password, and its hidden fields (the CSRF
    token) are sent back with what a person types."""
    from tests.web import rendered_form_fields
    page = client.get("/login")
    fields = rendered_form_fields(page.get_data(as_text=True), action="/login")
    assert "username" in fields and "password" in fields, fields
    fields.update(username=username, password=password)
    return client.post("/login", data=fields, follow_redirects=follow)


@pytest.fixture()
def client_as(app, world):
    """client_as("worker_a") → a test client signed in as that account."""
    def make(username: str):
        c = app.test_client()
        response = login(c, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c
    return make


@pytest.fixture()
def web(app):
    """An anonymous browser-like client that reads forms from pages (tests/web.py)."""
    from tests.web import Web
    return Web(app)


@pytest.fixture()
def web_as(app, world):
    """web_as("worker_a") → a browser-like client signed in through the login form."""
    from tests.web import Web

    def make(username: str):
        browser = Web(app)
        response = browser.sign_in(username)
        assert response.status_int == 302, response.text[:500]
        return browser
    return make


def text_of(response) -> str:
    """Visible text of an HTML response, tags stripped, for asserting what people read."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@contextmanager
def counting_statements():
    """The SQL statements run inside the block, one entry each: for tests that a page
    or a ledger costs a fixed number of queries, not one per row."""
    seen: list[int] = []

    def count(*_args):
        seen.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_of(client, url: str) -> int:
    """How many SQL statements one GET of `url` takes (it must answer 200)."""
    with counting_statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen)
