"""Benchmark the field-work pages at county scale: the dashboard (month, year, big
screen), the assessment scoreboards, a grid's visit page, the county's visit
verification rates and patrol compliance — the pages that count a year of matters,
visits and patrols.

On the county demo database (instance folder or GRIDBOOK_INSTANCE):

    flask --app app db upgrade && flask --app app seed-demo --scale county
    .venv/bin/python bench/fieldwork_bench.py [--requests 20] [--warmup 3] [--only TEXT]
                                              [--profile NAME] [--sql NAME]

First it adds a year of field work (app/demo/fieldwork.py: ~36,000 matters with
their timelines, ~120,000 visits, ~37,000 patrols, 民情日志 entries, reports to the
grid chief, cards and surveys) unless it is there already — one transaction, about
a minute. Then, as bench/run.py does (its helpers are reused): the accounts
bench_admin (county administrator) and bench_grid (grid worker of the demo grid
worker's grid), Flask's test client (server time only), a warm-up, N timed
requests per page, p50/p95/mean and SQL statements per request, one JSON object
per line. Every response must be 200 (a 404 stops the run).

--only runs the measurements whose name contains TEXT; --profile NAME prints a
cProfile of five requests of that measurement to stderr; --sql NAME prints that
measurement's ten slowest SQL statements of one request, with SQLite's query plan."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as base
from sqlalchemy import event, func, select

from app import create_app
from app.core.database import write_transactions
from app.extensions import db

emit = base.emit


def load(app) -> None:
    from app.demo.fieldwork import load_fieldwork

    with app.app_context(), write_transactions():
        started = time.perf_counter()
        counts = load_fieldwork(progress=lambda line: print(line, file=sys.stderr))
        if counts is not None:
            emit("fieldwork_loaded", round(time.perf_counter() - started, 1), "s", **counts)


def dataset(app) -> dict:
    """What the requests need: the county, a town, its largest community, the demo grid,
    and the sizes of what the pages count."""
    from app.matters.models import Matter
    from app.org.models import Division
    from app.patrols.models import Patrol
    from app.visits.models import Visit

    with app.app_context():
        county = db.session.scalar(select(Division).where(Division.level == "county"))
        town = db.session.scalar(select(Division).where(Division.level == "town").order_by(Division.code))
        grid_counts = func.count(Division.id)
        community_id = db.session.execute(
            select(Division.parent_id, grid_counts)
            .where(Division.level == "grid", Division.code.startswith(town.code))
            .group_by(Division.parent_id)
            .order_by(grid_counts.desc(), Division.parent_id)
            .limit(1)
        ).first()[0]
        sizes = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("matters", Matter), ("visits", Visit), ("patrols", Patrol))
        }
        return {"county_id": county.id, "town_id": town.id, "community_id": community_id, **sizes}


class SqlTimer:
    """Each statement's time and text, while switched on (for --sql)."""

    def __init__(self, engine):
        self.on, self.statements, self.engine = False, [], engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append((time.perf_counter() - conn.info.pop("bench_started"), statement, parameters))

    def report(self, app, label: str) -> None:
        print(
            f"--- slowest SQL: {label} ({len(self.statements)} statements, "
            f"{sum(s[0] for s in self.statements) * 1000:.0f} ms in all)",
            file=sys.stderr,
        )
        with app.app_context():
            connection = db.session.connection()
            # SQLite does most of a query's work while its rows are fetched, after the
            # cursor event: each statement is run again alone, rows and all.
            timed = []
            for _seconds, statement, parameters in self.statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                started = time.perf_counter()
                connection.exec_driver_sql(statement, parameters).all()
                timed.append((time.perf_counter() - started, statement, parameters))
            print(f"    run again with their rows: {sum(t[0] for t in timed) * 1000:.0f} ms in all", file=sys.stderr)
            for seconds, statement, parameters in sorted(timed, key=lambda s: -s[0])[:10]:
                print(f"{seconds * 1000:8.1f} ms  {' '.join(statement.split())[:600]}", file=sys.stderr)
                plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                for row in plan:
                    print(f"             {row[-1]}", file=sys.stderr)


def pages(setup: dict, today: date) -> list[tuple[str, str, str]]:
    """(name, account, url). The month boards and the dashboard's month view take the
    last whole month; the annual ones this calendar year."""
    last_month = today.replace(day=1) - timedelta(days=1)
    month, year = f"{last_month:%Y-%m}", f"{today.year}"
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    grid = setup["grid_id"]
    return [
        ("dashboard_month_admin", "admin", f"/dashboard/?period=month&month={month}"),
        ("dashboard_year_admin", "admin", f"/dashboard/?period=year&month={today:%Y-%m}"),
        ("dashboard_screen_admin", "admin", "/dashboard/screen"),
        ("dashboard_month_grid", "grid", f"/dashboard/?period=month&month={month}"),
        ("assessment_grid_month_admin", "admin", f"/assessment/?kind=grid&period={month}"),
        ("assessment_grid_year_admin", "admin", f"/assessment/?kind=grid&period={year}"),
        ("assessment_worker_month_admin", "admin", f"/assessment/?kind=worker&period={month}"),
        ("assessment_worker_year_admin", "admin", f"/assessment/?kind=worker&period={year}"),
        ("assessment_grid_month_grid", "grid", f"/assessment/?kind=grid&period={month}"),
        ("visits_grid_page_admin", "admin", f"/visits/grids/{grid}"),
        ("visits_grid_page_grid", "grid", f"/visits/grids/{grid}"),
        ("visits_grid_list_grid", "grid", f"/visits/grids/{grid}/visits"),
        ("visit_rates_county_admin", "admin", f"/visits/divisions/{setup['county_id']}/rates?quarter={quarter}"),
        ("patrol_compliance_town_admin", "admin", f"/patrols/compliance?division_id={setup['town_id']}"),
        ("patrol_compliance_community_admin", "admin", f"/patrols/compliance?division_id={setup['community_id']}"),
        ("patrol_compliance_grid", "grid", "/patrols/compliance"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="run only the measurements whose name contains this")
    parser.add_argument("--profile", default="", help="name of one measurement to profile (to stderr)")
    parser.add_argument("--sql", default="", help="name of one measurement whose slowest SQL to print")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        engine = db.engine
        db.session.remove()
    load(app)
    setup = base.prepare(app)
    setup.update(dataset(app))
    emit(
        "dataset",
        setup["matters"],
        "matters",
        visits=setup["visits"],
        patrols=setup["patrols"],
        residents=setup["residents"],
        grid=setup["grid_code"],
        database=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    counter, timer = base.QueryCounter(engine), SqlTimer(engine)
    clients = {
        "admin": base.login(app, "bench_admin", setup["passwords"]["bench_admin"]),
        "grid": base.login(app, "bench_grid", setup["passwords"]["bench_grid"]),
    }
    from app.core.timeutil import local_today

    for name, who, url in pages(setup, local_today()):
        if args.only and args.only not in name:
            continue
        client = clients[who]
        if name == "patrol_compliance_town_admin" and client.get(url).status_code == 404:
            # The compliance page takes a community or a grid; a town is refused.
            emit(name, None, "ms", skipped="404: the page takes a community or a grid, not a town", url=url)
            continue
        result = base.time_requests(client, url, args.requests, counter, warmup=args.warmup)
        emit(name, result["p95"], "ms", **result, requests=args.requests, url=url)
        if args.profile == name:
            base.profile(name, lambda client=client, url=url: [client.get(url) for _ in range(5)])
        if args.sql == name:
            timer.statements, timer.on = [], True
            client.get(url)
            timer.on = False
            timer.report(app, name)


if __name__ == "__main__":
    main()
