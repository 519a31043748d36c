"""Fixtures: a migrated template database copied fresh for every test (SQLite, or
PostgreSQL when GRIDBOOK_TEST_DATABASE_URL names a server: tests/databases.py), one
app per test process lent to each test, clients signed in per role, and a small county
(tests/factories.py) built once and kept between runs."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import os
import pickle
import re
import sys
import tempfile
import threading
from collections.abc import Mapping
from contextlib import contextmanager, suppress
from datetime import date, datetime, time
from pathlib import Path

import pytest
import time_machine
from flask.globals import _cv_app
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import event
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.orm import make_transient_to_detached

from app import create_app
from app.core.database import write_transactions
from app.core.timeutil import LOCAL_ZONE
from app.extensions import db
from tests import databases
from tests.factories import PASSWORD, World, build_world


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="YYYY-MM-DD[THH:MM]",
        help="run the whole suite as if it were that local day (9:00 unless a time is "
        "given), the clock ticking on: finds tests that pass only on some days "
        "(a quarter's first day, New Year, a holiday, a month's end)",
    )


def pytest_configure(config):
    """--clock moves the clock of every process (xdist workers configure too) before
    the test modules are imported, so their module-level dates agree with it."""
    option = config.getoption("--clock", default=None)
    if option:
        moment = (
            datetime.fromisoformat(option)
            if "T" in option
            else datetime.combine(date.fromisoformat(option), time(9, 0))
        )
        config._session_clock = time_machine.travel(moment.replace(tzinfo=LOCAL_ZONE), tick=True)
        config._session_clock.start()


# Tests marked slow (`pytest -m "not slow"` is the fast lane a developer runs while
# working; scripts/test.sh and CI run both): every browser test, and these modules —
# walks of every page and form of the demo county, whole binders and long prints,
# loading the demo county.
SLOW_MODULES = (
    "tests/test_links.py",
    "tests/core/test_unmasking.py",
    "tests/core/test_audited_sights.py",
    "tests/core/test_free_text_masking.py",
    "tests/printing/test_binder.py",
    "tests/printing/test_assembly.py",
    "tests/test_cli.py",
    "tests/visits/test_demo.py",
    "tests/supervision/test_demo.py",
    "tests/assessment/test_demo.py",
    "tests/registry/test_scale_demo.py",
    "tests/auth/test_permission_walk.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if databases.ON_POSTGRESQL and item.get_closest_marker("sqlite_only") is not None:
            item.add_marker(pytest.mark.skip(reason="SQLite's own machinery; PostgreSQL has its own test"))
        path = item.path.relative_to(config.rootpath).as_posix()
        if path in SLOW_MODULES or item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


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


ROOT = Path(__file__).resolve().parents[1]
# The migrated database and the test county, kept between runs (per checkout) under a
# name made of everything that could change them: the code, the migrations, the test
# county, the installed packages and today's date (the county's records are dated
# from it). Building them cost every test process three seconds of the fast lane.
PREBUILT = Path(tempfile.gettempdir()) / "gridbook-test-databases"


def _prebuilt_key() -> str:
    today = datetime.now(LOCAL_ZONE).date()  # the county's day, as the app reckons it
    digest = hashlib.sha256(f"{ROOT}|{today.isoformat()}|{sys.version}".encode())
    sources = sorted(
        [*ROOT.glob("app/**/*.py"), *ROOT.glob("app/**/*.txt"), *ROOT.glob("migrations/**/*.py")]
        + [*ROOT.glob("requirements*.txt")]
        + [ROOT / "tests/factories.py", ROOT / "tests/conftest.py"]
    )
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for distribution in sorted(f"{d.name}=={d.version}" for d in importlib.metadata.distributions()):
        digest.update(distribution.encode())
    return digest.hexdigest()[:20]


def _prebuilt(name: str, build):
    """The template `name` — its URL, and what `build(url)` returned — built once: for
    SQLite a file in the cache, several test processes building at once and the last
    one's file kept (each moved into place whole); for PostgreSQL a database on the
    server, built by one process while the others wait."""
    PREBUILT.mkdir(exist_ok=True)
    key = f"{_prebuilt_key()}-{name}"
    extra = PREBUILT / f"{key}-{databases.ENGINE_NAME}.pickle"
    if databases.ON_POSTGRESQL:
        url = databases.server_template_url(f"gb-{key}")
        with databases.building_lock():
            if not (databases.exists(url) and extra.exists()):
                extra.write_bytes(pickle.dumps(build(url)))
        return url, pickle.loads(extra.read_bytes())
    path = PREBUILT / f"{key}.sqlite3"
    if path.exists() and extra.exists():
        return f"sqlite:///{path}", pickle.loads(extra.read_bytes())
    with tempfile.TemporaryDirectory(dir=PREBUILT) as folder:
        built = Path(folder) / "built.sqlite3"
        value = build(f"sqlite:///{built}")
        (Path(folder) / "built.pickle").write_bytes(pickle.dumps(value))
        os.replace(built, path)
        os.replace(Path(folder) / "built.pickle", extra)
    for stale in PREBUILT.glob("*.*"):  # what earlier versions of the code built
        with suppress(FileNotFoundError):  # (another process may be removing it too)
            if stale.stat().st_mtime < path.stat().st_mtime - 24 * 3600:
                stale.unlink()
    return f"sqlite:///{path}", value


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Run the Alembic migrations once (kept between runs); each test gets a copy.
    The database's URL (tests/databases.py)."""

    def build(url):
        databases.create_empty(url)
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url},
            instance_path=str(tmp_path_factory.mktemp("migrating") / "instance"),
        )
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            db.engine.dispose()

    return _prebuilt("migrated", build)[0]


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


def at_once(functions) -> list:
    """Run each function in a thread of its own, all started before any is waited
    for (concurrency tests); what each returned, or the exception it raised, in order."""
    answers: list = [None] * len(functions)

    def run(index: int) -> None:
        try:
            answers[index] = functions[index]()
        except BaseException as error:  # the caller's assertions report it
            answers[index] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return answers


def fresh():
    """End the test's read transaction so it sees what requests committed."""
    db.session.rollback()


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates kept in memory for the whole test process (Jinja checks
    each template's source checksum, so an edited template is compiled again)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = _SharedTemplateCache()

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    # On, as in production: forms are sent as rendered (tests/web.py), with their token.
    "WTF_CSRF_ENABLED": True,
    # Fast hashes: the rules are tested, not the cost (production keeps scrypt).
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


def make_app(tmp_path, template, **overrides):
    """An app of its own on a copy of `template` (a URL), for tests that need other
    settings than the worker's app (`app` fixture) has from the start."""
    url = databases.scratch_url(tmp_path)
    databases.copy(template, url)
    return _app_on(url, tmp_path, **overrides)


def _app_on(url, folder, **overrides):
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        **overrides,
    }
    app = create_app(config, instance_path=str(folder / "instance"))
    app.test_client_class = IsolatedClient
    # Every test makes its own app; compiling the same templates again for each was a
    # good part of the suite's time. The compiled code is shared within the process.
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture(scope="session")
def world_database(tmp_path_factory, migrated_database):
    """The test county (tests/factories.py) built once (kept between runs) on a copy of
    the migrated database: each test that asks for `world` gets a copy of this database
    and the county's records by id (read when first used), instead of building it anew
    (which took most of the suite's time)."""

    def build(url):
        databases.copy(migrated_database, url)
        app = _app_on(url, tmp_path_factory.mktemp("world"))
        with app.app_context():
            with write_transactions():
                ids = _record_ids(build_world())
            db.session.remove()  # (reading the ids began a transaction: the checkpoint would wait for it)
            if not databases.ON_POSTGRESQL:
                with db.engine.connect() as connection:  # one file to copy, nothing left in the WAL
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.engine.dispose()
        return ids

    return _prebuilt("world", build)


def _record_ids(value):
    """The World's records as (model, id), in the same shape (dicts of dicts …)."""
    if isinstance(value, db.Model):
        return (type(value), value.id)
    if isinstance(value, dict):
        return {key: _record_ids(item) for key, item in value.items()}
    if isinstance(value, World):
        return {field.name: _record_ids(getattr(value, field.name)) for field in dataclasses.fields(World)}
    return value


def _records(ids):
    if isinstance(ids, tuple) and len(ids) == 2 and isinstance(ids[0], type):
        return _unread_record(*ids)
    if isinstance(ids, dict):
        return _TakenOnFirstRead(ids)
    return ids


def _unread_record(model, record_id):
    """The record with this id in the test's session, its columns read on first use —
    as the records of a county just built and committed are: looking one up opens no
    transaction, whose old snapshot could not write after the test's requests have."""
    found = db.session.identity_map.get(db.session.identity_key(model, record_id))
    if found is not None:
        return found
    record = sqlalchemy_inspect(model).class_manager.new_instance()
    record.id = record_id
    make_transient_to_detached(record)  # every other column expired
    db.session.add(record)
    return record


class _TakenOnFirstRead(Mapping):
    """One of the World's dicts, its records taken when a test first reads them (most
    tests read a handful of the county's ~90)."""

    def __init__(self, ids):
        self._ids = ids
        self._taken = {}

    def __getitem__(self, key):
        if key not in self._taken:
            self._taken[key] = _records(self._ids[key])
        return self._taken[key]

    def __iter__(self):
        return iter(self._ids)

    def __len__(self):
        return len(self._ids)


class _PrebuiltWorld(World):
    """The World of the prebuilt county, each field taken when first read."""

    def __init__(self, ids):  # (not the dataclass's: nothing is taken yet)
        self.__dict__["_ids"] = ids

    def __getattr__(self, name):
        ids = self.__dict__["_ids"]
        if name not in ids:
            raise AttributeError(name)
        value = self.__dict__[name] = _records(ids[name])
        return value


@pytest.fixture(scope="session")
def worker_app(tmp_path_factory):
    """One app per test process (per xdist worker), reused by every test that needs
    no configuration of its own: building an app compiles its ~250 URL rules, which
    cost more than most tests. Each test swaps in its own copy of the database file,
    instance folder and upload folder, and the configuration is put back after it
    (the `app` fixture)."""
    folder = tmp_path_factory.mktemp("worker")
    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": databases.database_url(folder, "worker")},
        instance_path=str(folder / "instance"),
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    (folder / "instance" / "fonts").mkdir()
    return app


@contextmanager
def _borrowed(app, tmp_path, template):
    """The worker's app with a fresh copy of `template` as its database and empty
    instance and upload folders of this test; afterwards the connections are closed
    and the configuration and extensions are as before (tests change app.config)."""
    config, extensions, instance_path = dict(app.config), dict(app.extensions), app.instance_path
    databases.copy(template, app.config["SQLALCHEMY_DATABASE_URI"])
    app.instance_path = str(tmp_path / "instance")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    for folder in (app.instance_path, app.config["UPLOAD_FOLDER"]):
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    # The fonts prints decompress into the instance folder once (app/printing/pdf.py)
    # are the same for every test: shared within the worker, not made again per print test.
    (Path(app.instance_path) / "fonts").symlink_to(Path(instance_path) / "fonts", target_is_directory=True)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)
        app.instance_path = instance_path


@pytest.fixture()
def app(request, tmp_path, migrated_database, worker_app):
    # A test with the test county starts from the prebuilt copy — unless it runs on a
    # moved clock, where the county must be built on that day (on_2026_11_20).
    template, world_ids = migrated_database, None
    if "world" in request.fixturenames and "on_2026_11_20" not in request.fixturenames:
        template, world_ids = request.getfixturevalue("world_database")
    with _borrowed(worker_app, tmp_path, template) as app:
        app.extensions["test_world_ids"] = world_ids
        yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def world(app) -> World:
    ids = app.extensions.get("test_world_ids")
    if ids is not None:
        return _PrebuiltWorld(ids)
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
