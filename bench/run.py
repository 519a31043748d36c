"""Benchmark Gridbook at county scale: server time of the register pages and
searches, and the throughput of the Excel import check.

Run against the database of the instance folder (or GRIDBOOK_INSTANCE) after

    flask --app app db upgrade && flask --app app seed-demo --scale county
    .venv/bin/python bench/run.py [--requests 200] [--import-rows 10000] [--only TEXT] [--profile NAME]

--only runs the measurements whose name contains TEXT; --profile NAME prints a
cProfile of that measurement to stderr (sorted by BENCH_SORT, default cumulative).

Pages are requested through Flask's test client (no network, no server threads):
the time is the app's own work per request — routing, session and scope checks,
queries and templates. Two accounts are created or refreshed for it, bench_admin
(county administrator: county-wide lists, the worst case) and bench_grid (grid
worker of the demo grid worker's grid), with random passwords that are never shown.
The import builds a workbook with openpyxl from app.registry.transfer.xlsx_import's
columns for a new grid made inside a transaction that is rolled back, and runs
run_import(dry_run=True): every row goes through the register's checks, nothing is
kept (the target). Then, in the same transaction, the import is written and the same
file checked again (every row now found in the register), both timed.

Prints one JSON object per line: name, value, unit; request timings also carry
p50/p95/mean in ms and the number of SQL statements per request."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import secrets
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl
from sqlalchemy import event, func, select

from app import create_app
from app.core.database import write_transactions
from app.core.identity import id_check_char
from app.extensions import db

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


# --- set-up ----------------------------------------------------------------------------


def bench_account(username: str, role, scope) -> str:
    """Create or refresh a benchmark account (enabled, unlocked) with a fresh random
    password, never shown; the password. The caller commits."""
    from app.auth.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=username, role=role.value)
        db.session.add(user)
    user.role, user.scope_division, user.scope_department = role.value, scope, None
    user.is_enabled, user.must_change_password = True, False
    user.failed_login_count, user.first_failed_login_at, user.locked_until = 0, None, None
    password = secrets.token_urlsafe(18) + "9a!"
    user.set_password(password)
    return password


def new_grid(name: str):
    """A new grid in the first rural community, for an import to fill; the caller
    commits it or rolls it back."""
    from app.org import boundaries
    from app.org import services as org
    from app.org.models import Division, Level

    community = db.session.scalar(
        select(Division).where(Division.level == "community", Division.kind == "rural").order_by(Division.code)
    )
    return boundaries.create_grid(
        community,
        code_segment=org.next_free_segment(community, Level.GRID),
        name=name,
        kind=community.kind,
        values=boundaries.ProfileValues("东", "南", "西", "北", 3000, 10000, 5),
    )


def prepare(app) -> dict:
    """Benchmark accounts (fresh random passwords) and the records the requests use."""
    from app.auth.models import User
    from app.auth.roles import Role
    from app.org.models import Division
    from app.registry.people.models import Household, Resident

    with app.app_context(), write_transactions():
        county = db.session.scalar(select(Division).where(Division.level == "county"))
        demo_worker = db.session.scalar(select(User).where(User.username == "grid"))
        grid = (
            demo_worker.scope_division
            if demo_worker and demo_worker.scope_division
            else db.session.scalar(select(Division).where(Division.level == "grid").order_by(Division.code))
        )
        residents = db.session.scalar(select(func.count()).select_from(Resident))
        if county is None or grid is None or residents < 1000:
            sys.exit("Load the county first: flask --app app seed-demo --scale county")
        passwords = {}
        for username, role, scope in (
            ("bench_admin", Role.COUNTY_ADMIN, county),
            ("bench_grid", Role.GRID_WORKER, grid),
        ):
            passwords[username] = bench_account(username, role, scope)
        db.session.commit()

        rng = random.Random(7)
        in_grid = list(
            db.session.execute(
                select(Resident.id, Resident.id_number).where(Resident.grid_id == grid.id, Resident.status == "active")
            )
        )
        resident_id, id_number = rng.choice(in_grid)
        household_id = rng.choice(
            list(
                db.session.scalars(
                    select(Household.id).where(Household.grid_id == grid.id, Household.status == "active")
                )
            )
        )
        # The most common two-character name in the county (张伟, 王芳 …).
        name, name_count = db.session.execute(
            select(Resident.name, func.count())
            .where(func.length(Resident.name) == 2)
            .group_by(Resident.name)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        return {
            "passwords": passwords,
            "grid_id": grid.id,
            "grid_code": grid.code,
            "resident_id": resident_id,
            "id_fragment": id_number[-4:],
            "household_id": household_id,
            "name": name,
            "name_count": name_count,
            "residents": residents,
        }


def login(app, username: str, password: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data)
    if response.status_code != 302:
        sys.exit(f"login as {username} failed ({response.status_code})")
    return client


# --- requests ----------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._tick)

    def _tick(self, *_args):
        self.count += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_requests(client, url: str, requests: int, counter: QueryCounter, warmup: int = 20) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url}: {response.status_code}")
    before = counter.count
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"GET {url}: {response.status_code}")
    return {
        "p50": round(percentile(times, 0.50), 1),
        "p95": round(percentile(times, 0.95), 1),
        "max": round(max(times), 1),
        "mean": round(statistics.fmean(times), 1),
        "queries": round((counter.count - before) / requests, 1),
    }


def profile(label: str, action) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
    print(f"--- profile: {label}\n{out.getvalue()}", file=sys.stderr)


# --- import ------------------------------------------------------------------------------


def import_workbook(rows: int, grid_code: str, taken: set[str]) -> bytes:
    """`rows` people in households of one to five, every cell as a station writes it."""
    from app.registry.people import reference
    from app.registry.transfer.xlsx_import import import_columns

    rng = random.Random(11)
    columns = import_columns()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.header for c in columns])
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    relation = {code: str(label) for code, label in reference.RELATIONS.items()}
    written, household = 0, 0
    while written < rows:
        household += 1
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5)), rows - written)
        family = rng.choice(surnames)
        for position in range(size):
            while True:
                born = f"{rng.randint(1940, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                first17 = f"650102{born}{rng.randrange(1000):03d}"
                number = first17 + id_check_char(first17)
                if number not in taken:
                    taken.add(number)
                    break
            role = "head" if position == 0 else "spouse" if position == 1 else "child"
            values = {
                "grid_code": grid_code,
                "household_number": f"B{household:05d}",
                "relation": relation[role],
                "name": family + "".join(rng.sample(given, rng.choice((1, 2)))),
                "id_number": number,
                "ethnicity": "汉族",
                "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else "",
                "population_type": str(reference.POPULATION_TYPES["registered"]),
                "household_type": str(reference.HOUSEHOLD_TYPES["permanent"]) if position == 0 else "",
                "visit_class": "三类" if position == 0 else "",
                "address": f"基准村{household // 40 + 1}组{household}号" if position == 0 else "",
                "political_status": str(reference.POLITICAL_STATUSES["masses"]),
            }
            # Blank cells are left out, as in a sheet people fill in.
            sheet.append([values.get(c.key) or None for c in columns])
            written += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bench_import(app, rows: int, profile_it: bool) -> None:
    from app.core.xlsx import read_table
    from app.registry.people.models import Resident
    from app.registry.transfer.xlsx_import import ImportScope, import_columns, run_import

    with app.app_context(), write_transactions():
        # A fresh grid, in this transaction only: it is rolled back with the dry run.
        grid = new_grid("基准测试网格")
        db.session.flush()
        taken = set(db.session.scalars(select(Resident.id_number).where(Resident.id_number.like("650102%"))))
        data = import_workbook(rows, grid.code, taken)
        start = time.perf_counter()
        table = read_table(data, import_columns())
        read_seconds = time.perf_counter() - start
        assert len(table.rows) == rows and not table.problems, table.problems[:3]
        scope = ImportScope({grid.code: grid}, grid)
        start = time.perf_counter()
        report = run_import(data, scope, dry_run=True)
        seconds = time.perf_counter() - start
        if not report.ok:
            sys.exit(f"import refused rows: {report.problems[:3]}")
        if profile_it:
            profile("import", lambda: run_import(data, scope, dry_run=True))
        # Then written (inside this transaction, rolled back below), and the same file
        # checked again: now every row finds its person and household in the register.
        start = time.perf_counter()
        written = run_import(data, scope, dry_run=False)
        write_seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = run_import(data, scope, dry_run=True)
        again_seconds = time.perf_counter() - start
        if not (written.ok and again.ok and again.residents.unchanged == rows):
            sys.exit(f"import not written as checked: {written.summary()} / {again.summary()}")
        db.session.rollback()
    emit(
        "import_validated_rows_per_second",
        round(rows / seconds),
        "rows/s",
        rows=rows,
        seconds=round(seconds, 2),
        read_seconds=round(read_seconds, 2),
        file_kib=round(len(data) / 1024),
        created=report.residents.created,
        households=report.households.created,
        target=2000,
    )
    emit(
        "import_written_rows_per_second",
        round(rows / write_seconds),
        "rows/s",
        rows=rows,
        seconds=round(write_seconds, 2),
    )
    emit(
        "import_revalidated_rows_per_second",
        round(rows / again_seconds),
        "rows/s",
        rows=rows,
        seconds=round(again_seconds, 2),
        unchanged=again.residents.unchanged,
    )


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--profile", default="", help="name of one measurement to profile (to stderr)")
    parser.add_argument("--only", default="", help="run only the measurements whose name contains this")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        engine = db.engine
        version_query = "select sqlite_version()" if engine.dialect.name == "sqlite" else "show server_version"
        engine_version = db.session.connection().exec_driver_sql(version_query).scalar()
        db.session.remove()
    emit(
        "machine",
        os.cpu_count(),
        "cpus",
        python=platform.python_version(),
        engine=engine.dialect.name,
        engine_version=engine_version,
        sqlite_module=sqlite3.sqlite_version,
        database=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    setup = prepare(app)
    emit(
        "dataset",
        setup["residents"],
        "residents",
        grid=setup["grid_code"],
        common_name=setup["name"],
        name_matches_in_county=setup["name_count"],
    )
    counter = QueryCounter(engine)
    clients = {
        "admin": login(app, "bench_admin", setup["passwords"]["bench_admin"]),
        "grid": login(app, "bench_grid", setup["passwords"]["bench_grid"]),
    }
    pages = [
        # 今日工作 and, for an administrator, the county's coverage gaps: every sign-in lands here.
        ("home", "/", 100),
        ("resident_list", "/residents/", 30),
        ("resident_detail", f"/residents/{setup['resident_id']}", 30),
        ("household_detail", f"/households/{setup['household_id']}", 30),
        ("search_two_char_name", f"/residents/?q={setup['name']}", 50),
        ("search_id_fragment", f"/residents/?q={setup['id_fragment']}", 50),
        ("search_pinyin_initials", "/residents/?q=zw", 50),
        # The one search box: residents, households (by head, number, address) and organisations.
        ("search_box_two_char_name", f"/search?q={setup['name']}", 50),
        ("search_box_id_fragment", f"/search?q={setup['id_fragment']}", 50),
        ("search_box_pinyin_initials", "/search?q=zw", 50),
    ]
    for who, client in clients.items():
        for label, url, target in pages:
            name = f"{label}_{who}"
            if args.only and args.only not in name:
                continue
            result = time_requests(client, url, args.requests, counter)
            emit(name, result["p95"], "ms", **result, target_p95=target)
            if args.profile == name:
                profile(name, lambda client=client, url=url: [client.get(url) for _ in range(50)])
    if not args.only or args.only in "import_validated_rows_per_second":
        bench_import(app, args.import_rows, args.profile == "import")


if __name__ == "__main__":
    main()
