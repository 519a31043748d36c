"""Load test over real HTTP: 50 signed-in clients against `flask serve` at county
scale, mixed reads and writes, beside a minimal Flask app served the same way.

    .venv/bin/python bench/load.py FOLDER [--reuse] [--clients 50] [--duration 60] [--warmup 10]
                                   [--threads 4] [--queue 64] [--queue-timeout 15] [--think 0]
                                   [--no-baseline] [--no-fieldwork]
    .venv/bin/python bench/load.py FOLDER --engine postgresql --processes 2 [--database-url URL]

FOLDER is the instance folder of the test (made if missing; never the real one).
Unless --reuse finds the county already there, it runs `flask db upgrade` and `flask
seed-demo --scale county` into it (about 30 s on SQLite), then adds a year of field
work (app/demo/fieldwork.py: matters, visits, 民情日志; --no-fieldwork skips it, and
the matter pages then have little to show). With --engine postgresql and no
--database-url the database is a throwaway cluster (scripts/pg-cluster.sh) that is
stopped and removed at the end, so it is loaded on every run; to reuse one, start a
cluster yourself and pass its URL with --reuse.

Accounts: bench_load_g01… grid workers of --grid-accounts grids spread over the
county (each linked to its grid's worker, as a real account is), and bench_load_t01…
(town staff) and bench_load_c01… (county administrators), all with fresh random
passwords that are never shown. The clients are --admins administrator sessions
(town first, then county) and grid-worker sessions over the grid accounts in turn,
so an account may have two sessions, as on a phone and a station PC. Each client
signs in through the login form (GET the page, send its hidden fields back), then
repeats, with no think time unless --think (mean seconds, uniform 0…2×), a mix of
actions, each on records of its own scope picked at start-up:

    reads   home (/: 今日工作, counts, gaps) 14 · resident list 12 · resident search by name 10 ·
            search box (name or last four ID digits) 6 · a resident 10 ·
            a household 14 · matter inbox 10 · a matter 10
    writes  民情日志 quick entry 7 (GET /opinions/, fill, POST; 15 % 限期协办, which
            opens a matter) · a household visit record 7 (GET the form, POST)

Administrators (town and county) do the reads only. A write is its form page (a
read), the POST, and the page the redirect leads to (a read), as in a browser; the
POST is an error unless it redirects (not to the login page) or answers 200 with no
field or form error. A read is an error unless it answers 200: a redirect (to the
login page or anywhere) counts as one. Any status ≥ 400 and any exception (timeout,
reset connection) are errors. Static files are not requested: browsers keep them a day.

The server: `flask --app app serve --threads N` as a subprocess (SQLite: one
process; --processes N starts N on their own ports and the clients are dealt
round-robin over them, no proxy). Its output goes to FOLDER/load-logs/. The
baseline (bench/hello_app.py: one route, waitress, the same threads and processes)
is measured with the same client in the same run, before Gridbook. Each target
gets --warmup seconds, then --duration seconds measured: every request started in
that window counts. The clients run in this process (threads, http.client
keep-alive connections), sharing the machine's cores with the server.

Prints one JSON object per line (name, value, unit): load_prepared, load_accounts,
load_login (the clients signing in at once, before the clock starts); for each target
(load_baseline, load_gridbook) its throughput with p50/p95/p99/max in ms, requests,
errors with a breakdown and example URLs, the servers' peak RSS (VmHWM), their CPU
time per request, and which share of the machine's cores the servers, PostgreSQL's
backends (a local cluster), the clients and everything else used while measuring
(the machine may be shared: "other" says how much); then the same latencies per
kind (read, write), per role and per page. Failures in the server logs are printed
to stderr, counted. Stops what it started (servers, the PostgreSQL cluster) on
Ctrl-C or SIGTERM too."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
TARGET_P99_MS = 200
USER_AGENT = "Mozilla/5.0 (gridbook bench/load.py)"
# Field and form errors as templates/_macros.html renders them.
FORM_ERROR = re.compile(rb'class="flash flash-error|aria-invalid="true"')
ERROR_TEXT = re.compile(
    r'<span class="error"[^>]*>([^<]+)</span>|<div class="flash flash-error[^"]*"[^>]*>\s*(?:<p>)?([^<]+)'
)

READS = {
    "home": 14,
    "resident_list": 12,
    "resident_search": 10,
    "search_box": 6,
    "resident": 10,
    "household": 14,
    "matter_inbox": 10,
    "matter": 10,
}
WRITES = {"opinion_entry": 7, "visit": 7}


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


def note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- the instance --------------------------------------------------------------------------


@dataclass
class Account:
    username: str
    password: str
    role: str  # grid_worker, town_staff, county_admin
    grid_id: int | None  # the grid a grid worker writes in
    households: list[int]
    residents: list[int]
    names: list[str]  # residents' names in scope, for the searches
    id_tails: list[str]  # last four ID digits in scope
    matters: list[int]

    @property
    def writes(self) -> bool:
        return self.role == "grid_worker"


def server_env(instance: Path, database_url: str | None) -> dict:
    env = dict(os.environ, GRIDBOOK_INSTANCE=str(instance), PYTHONUNBUFFERED="1")
    env.pop("GRIDBOOK_SQLALCHEMY_DATABASE_URI", None)
    if database_url:
        env["GRIDBOOK_SQLALCHEMY_DATABASE_URI"] = database_url
    return env


def flask_cli(env: dict, *args: str) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        note(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"flask {' '.join(args)} failed ({result.returncode})")
    note(f"flask {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def county_loaded(app) -> bool:
    from sqlalchemy import inspect, select

    from app.extensions import db
    from app.org.models import Division

    with app.app_context():
        if not inspect(db.engine).has_table("division"):
            return False
        return db.session.scalar(select(Division.id).where(Division.level == "county").limit(1)) is not None


def prepare_instance(args, instance: Path, database_url: str | None) -> None:
    """Migrate and load the county (and a year of field work) unless --reuse finds it."""
    env = server_env(instance, database_url)
    # This process opens the database too (field work, accounts): the same settings.
    os.environ.pop("GRIDBOOK_SQLALCHEMY_DATABASE_URI", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("GRIDBOOK_")})
    from app import create_app

    started = time.perf_counter()
    app = create_app(instance_path=str(instance))
    loaded = county_loaded(app)
    if loaded and not args.reuse:
        raise SystemExit(f"{instance} already holds a county: pass --reuse, or give an empty folder")
    flask_cli(env, "db", "upgrade")
    if not loaded:
        flask_cli(env, "seed-demo", "--scale", "county")
    from app.core.database import write_transactions

    with app.app_context(), write_transactions():
        if not args.no_fieldwork:
            from app.demo.fieldwork import load_fieldwork

            field_started = time.perf_counter()
            counts = load_fieldwork(progress=note)
            if counts is not None:
                note(f"field work loaded: {time.perf_counter() - field_started:.1f} s")
    emit("load_prepared", round(time.perf_counter() - started, 1), "s", reused=loaded)


def spread(items: list, count: int) -> list:
    """`count` items evenly over the list (in code order: over every town)."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def make_accounts(args, instance: Path) -> list[Account]:
    """Create or refresh the benchmark accounts with new random passwords and pick, for
    each, records of its own scope to open."""
    from run import bench_account  # bench/run.py: the register benchmark's accounts, made the same way
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.models import User
    from app.auth.roles import Role
    from app.core.database import write_transactions
    from app.extensions import db
    from app.matters.models import Matter
    from app.org.models import GRID_WORKER_ROLES, Division, StaffAssignment, StaffMember
    from app.registry.people.models import Household, Resident

    rng = random.Random(11)
    app = create_app(instance_path=str(instance))
    accounts = []
    with app.app_context(), write_transactions():
        grids = list(
            db.session.scalars(
                select(Division).where(Division.level == "grid", Division.status == "active").order_by(Division.code)
            )
        )
        towns = list(
            db.session.scalars(
                select(Division).where(Division.level == "town", Division.status == "active").order_by(Division.code)
            )
        )
        county = db.session.scalar(select(Division).where(Division.level == "county"))
        # Administrators: town staff for the larger half, county administrators the rest.
        town_count = min(len(towns), (args.admins + 1) // 2)
        plan = [
            (f"bench_load_g{i + 1:02d}", Role.GRID_WORKER, grid)
            for i, grid in enumerate(spread(grids, args.grid_accounts))
        ]
        plan += [
            (f"bench_load_t{i + 1:02d}", Role.TOWN_STAFF, town) for i, town in enumerate(spread(towns, town_count))
        ]
        plan += [
            (f"bench_load_c{i + 1:02d}", Role.COUNTY_ADMIN, county) for i in range(max(0, args.admins - town_count))
        ]

        for username, role, scope in plan:
            password = bench_account(username, role, scope)
            user = db.session.scalar(select(User).where(User.username == username))
            db.session.flush()
            if role is Role.GRID_WORKER:
                # The grid's own worker, so that the visit form names them, as it does
                # for a real grid worker's account.
                linked = db.session.scalar(select(StaffMember).where(StaffMember.user_id == user.id))
                if linked is None:
                    worker = db.session.scalar(
                        select(StaffMember)
                        .join(StaffAssignment, StaffAssignment.staff_id == StaffMember.id)
                        .where(
                            StaffAssignment.division_id == scope.id,
                            StaffAssignment.role.in_(GRID_WORKER_ROLES),
                            StaffAssignment.end_date.is_(None),
                            StaffMember.user_id.is_(None),
                        )
                        .limit(1)
                    )
                    if worker is not None:
                        worker.user = user
                        user.display_name = worker.name
                grid_ids = [scope.id]
            elif role is Role.TOWN_STAFF:
                grid_ids = [g.id for g in grids if g.code.startswith(scope.code)]
            else:
                grid_ids = [g.id for g in grids]
            sample_grids = rng.sample(grid_ids, min(8, len(grid_ids)))

            def pick(statement, count=20):
                rows = list(db.session.execute(statement.limit(400)))
                return rng.sample(rows, min(count, len(rows)))

            residents = pick(
                select(Resident.id, Resident.name, Resident.id_number).where(
                    Resident.grid_id.in_(sample_grids), Resident.status == "active"
                )
            )
            households = pick(
                select(Household.id).where(Household.grid_id.in_(sample_grids), Household.status == "active")
            )
            matters = pick(select(Matter.id).where(Matter.grid_id.in_(sample_grids)).order_by(Matter.id.desc()))
            accounts.append(
                Account(
                    username=username,
                    password=password,
                    role=role.value,
                    grid_id=scope.id if role is Role.GRID_WORKER else None,
                    households=[row.id for row in households],
                    residents=[row.id for row in residents],
                    names=[row.name for row in residents],
                    id_tails=[row.id_number[-4:] for row in residents if row.id_number],
                    matters=[row.id for row in matters],
                )
            )
        db.session.commit()
        sizes = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("residents", Resident), ("households", Household), ("matters", Matter))
        }
    roles = Counter(a.role for a in accounts)
    emit("load_accounts", len(accounts), "accounts", **roles, **sizes)
    if any(not a.households or not a.residents for a in accounts):
        raise SystemExit("an account found no households or residents in its scope: is the county loaded?")
    return accounts


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    label: str
    port: int
    process: subprocess.Popen
    log: Path

    def status_value(self, key: str) -> int | None:
        """A kB figure from /proc/PID/status (VmHWM: the peak resident set)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float:
        return process_cpu(self.process.pid)


def _stat_fields(pid: int) -> list[str]:
    # After the command name, which may hold spaces: state, ppid, … utime (11), stime (12).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu(pid: int) -> float:
    try:
        fields = _stat_fields(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def children_cpu(parent: int | None) -> float:
    """CPU seconds of a process's children now alive (PostgreSQL's backends)."""
    if parent is None:
        return 0.0
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == parent:
                    total += process_cpu(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def start_server(label: str, command: list[str], env: dict, port: int, logs: Path) -> Server:
    log = logs / f"{label}-{port}.log"
    handle = log.open("ab")
    # A session of its own: Ctrl-C reaches this script only, which then stops the
    # server in order (and the server's log does not fill with KeyboardInterrupt).
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return Server(label, port, process, log)


def wait_until_up(server: Server, path: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"{server.label} on port {server.port} exited ({server.process.returncode}): see {server.log}"
            )
        try:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{server.label} on port {server.port} did not answer in {timeout:.0f} s: see {server.log}")


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def server_log_problems(servers: list[Server], since: dict[Path, int]) -> Counter:
    """Lines of the servers' logs written during the run that tell of a failure, counted."""
    lines: Counter = Counter()
    for server in servers:
        with server.log.open("rb") as handle:
            handle.seek(since.get(server.log, 0))
            text = handle.read().decode("utf-8", "replace")
        for line in text.splitlines():
            if re.search(r"Traceback|Error|ERROR|Exception|exceeded|connection limit", line):
                lines[line.strip()] += 1
    return lines


# --- the client ----------------------------------------------------------------------------


class Stop(Exception):
    """The measured window is over: the action in progress is dropped."""


@dataclass
class Sample:
    started: float
    ms: float
    kind: str  # read, write
    page: str
    error: str | None
    role: str = ""
    where: str = ""  # method and path, kept for errors only


# A client signing in that is answered 503 (the server full) tries again this often.
LOGIN_ATTEMPTS = 20


class Browser:
    """One keep-alive connection with its cookies, as one browser tab."""

    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list | None = None, referer: str | None = None):
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
        if referer:
            headers["Referer"] = f"http://{HOST}:{self.port}{referer}"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except Exception:
            # A fresh connection for the next request, as a browser would open.
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = cookie.partition(";")
            name, _, value = pair.strip().partition("=")
            if "max-age=0" in attributes.lower().replace(" ", "") or "1970" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.headers, content


def form_fields(content: bytes, has_field: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The POST form holding `has_field`: its action ("" for the page itself) and what a
    browser would send untouched (hidden CSRF and one-time tokens, defaults, checked
    boxes); None when the page has no such form."""
    document = lxml.html.fromstring(content)
    for form in document.forms:
        if (form.method or "").lower() != "post":
            continue
        values = form.form_values()
        names = {name for name, _ in values} | set(form.inputs.keys())
        if has_field in names:
            return form.get("action") or "", values
    return None


def with_values(values: list[tuple[str, str]], changes: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in values if k not in changes]
    for key, value in changes.items():
        for item in value if isinstance(value, list) else [value]:
            kept.append((key, item))
    return kept


def error_text(content: bytes) -> str:
    found = ERROR_TEXT.search(content.decode("utf-8", "replace"))
    return " ".join((found.group(1) or found.group(2) or "").split())[:60] if found else "?"


class Client:
    def __init__(self, account: Account, port: int, args, window: dict, seed: int):
        self.account = account
        self.browser = Browser(port, args.timeout)
        self.rng = random.Random(seed)
        self.think = args.think
        self.stop = window["stop"]
        self.samples: list[Sample] = []
        self.login_ms: float | None = None
        self.login_error: str | None = None
        self.login_busy = 0
        reads = list(READS.items())
        writes = list(WRITES.items()) if account.writes else []
        self.actions = [getattr(self, name) for name, _ in reads + writes]
        self.weights = [weight for _, weight in reads + writes]

    # requests, timed one by one

    def _timed(self, kind: str, page: str, method: str, path: str, form=None, referer=None):
        if self.stop.is_set():
            raise Stop
        started = time.monotonic()
        try:
            status, headers, content = self.browser.request(method, path, form, referer)
        except Exception as error:
            self._record(started, kind, page, type(error).__name__, f"{method} {path}")
            return None
        return status, headers, content, started

    def _record(self, started: float, kind: str, page: str, error: str | None, where: str = "") -> None:
        ms = (time.monotonic() - started) * 1000
        self.samples.append(Sample(started, ms, kind, page, error, self.account.role, where if error else ""))

    def get(self, page: str, path: str, kind: str = "read") -> bytes | None:
        answer = self._timed(kind, page, "GET", path)
        if answer is None:
            return None
        status, headers, content, started = answer
        error = None
        if status >= 300 and status < 400:
            location = urlsplit(headers.get("Location", "")).path
            error = "redirect to login" if location.startswith("/login") else f"redirect {status}"
        elif status != 200:
            error = f"status {status}"
        self._record(started, kind, page, error, f"GET {path}")
        return content if error is None else None

    def post(self, page: str, path: str, form: list, referer: str) -> bool:
        answer = self._timed("write", page, "POST", path, form, referer)
        if answer is None:
            return False
        status, headers, content, started = answer
        error = None
        location = None
        if status in (301, 302, 303):
            location = headers.get("Location", "")
            if urlsplit(location).path.startswith("/login"):
                error = "redirect to login"
        elif status == 200:
            if FORM_ERROR.search(content):
                error = f"form refused: {error_text(content)}"
        else:
            error = f"status {status}"
        self._record(started, "write", page, error, f"POST {path}")
        if location and error is None:
            # The browser follows the redirect: the page it leads to is a read.
            parts = urlsplit(location)
            self.get(page + " (after)", parts.path + (f"?{parts.query}" if parts.query else ""))
        return error is None

    # signing in (before the clock starts)

    def login(self) -> None:
        """Sign in through the form; a 503 (the server full: everyone signs in at once)
        is tried again after its Retry-After, as a person presses refresh after
        "系统繁忙，请稍后再试" — up to LOGIN_ATTEMPTS times."""
        started = time.monotonic()
        self.login_busy = 0
        try:
            for _attempt in range(LOGIN_ATTEMPTS):
                status, headers, content = self.browser.request("GET", "/login")
                if status == 503:
                    self.login_busy += 1
                    time.sleep(float(headers.get("Retry-After") or 5))
                    continue
                found = form_fields(content, "password")
                if found is None:
                    raise RuntimeError(f"no login form ({status})")
                form = with_values(found[1], {"username": self.account.username, "password": self.account.password})
                status, headers, content = self.browser.request("POST", "/login", form, referer="/login")
                if status == 503:
                    self.login_busy += 1
                    time.sleep(float(headers.get("Retry-After") or 5))
                    continue
                if status not in (302, 303) or urlsplit(headers.get("Location", "")).path.startswith("/login"):
                    self.login_error = f"login answered {status}: {error_text(content)}"
                break
            else:
                self.login_error = f"login: still 503 after {LOGIN_ATTEMPTS} tries"
        except Exception as error:
            self.login_error = f"login: {type(error).__name__}: {error}"
        self.login_ms = (time.monotonic() - started) * 1000

    def run(self) -> None:
        while not self.stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            try:
                action()
            except Stop:
                return
            if self.think:
                self.stop.wait(self.rng.uniform(0, 2 * self.think))

    # the mix

    def home(self):
        self.get("home", "/")

    def resident_list(self):
        self.get("resident_list", "/residents/")

    def resident_search(self):
        self.get("resident_search", "/residents/?" + urlencode({"q": self.rng.choice(self.account.names)}))

    def search_box(self):
        pool = self.account.names if self.rng.random() < 0.5 or not self.account.id_tails else self.account.id_tails
        self.get("search_box", "/search?" + urlencode({"q": self.rng.choice(pool)}))

    def resident(self):
        self.get("resident", f"/residents/{self.rng.choice(self.account.residents)}")

    def household(self):
        self.get("household", f"/households/{self.rng.choice(self.account.households)}")

    def matter_inbox(self):
        self.get("matter_inbox", "/matters/")

    def matter(self):
        if self.account.matters:
            self.get("matter", f"/matters/{self.rng.choice(self.account.matters)}")
        else:
            self.matter_inbox()

    def _form(self, kind: str, page: str, has_field: str):
        """GET the page of a write and read its form: (page HTML, action, fields), or
        None (the failure is recorded)."""
        content = self.get(f"{kind} form", page)
        if content is None:
            return None
        found = form_fields(content, has_field)
        if found is None:
            self._record(time.monotonic(), "write", kind, "form not found", f"GET {page}")
            return None
        return (content, *found)

    def opinion_entry(self):
        page = f"/opinions/?grid_id={self.account.grid_id}"
        form = self._form("opinion_entry", page, "content")
        if form is None:
            return
        _content, action, values = form
        assisted = self.rng.random() < 0.15
        changes = {
            "category": self.rng.choice(["city", "family_planning", "party", "economy", "other"]),
            "content": f"（压测）群众反映楼道灯坏了 {self.rng.randrange(10**6)}",
            "disposition": "assisted" if assisted else "settled",
            "settled_note": "" if assisted else "当场联系物业修好",
            "resident_name": "",
            "place": "",
        }
        self.post("opinion_entry", action or page, with_values(values, changes), referer=page)

    def visit(self):
        page = f"/visits/households/{self.rng.choice(self.account.households)}/new"
        form = self._form("visit", page, "visited_on")
        if form is None:
            return
        content, action, values = form
        changes: dict = {"found": "（压测）入户走访，家中情况正常，核对了人员信息。", "needs": "", "follow_up": ""}
        if not any(k == "visitor_ids" for k, _ in values):
            # The account is not linked to a staff member: name the first visitor offered.
            offered = lxml.html.fromstring(content).xpath('//input[@name="visitor_ids"]/@value')
            if offered:
                changes["visitor_ids"] = offered[0]
        self.post("visit", action or page, with_values(values, changes), referer=page)


# --- one measured target ----------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def latency(samples: list[Sample]) -> dict:
    ordered = sorted(s.ms for s in samples)
    return {
        "p50": round(percentile(ordered, 0.50), 1),
        "p95": round(percentile(ordered, 0.95), 1),
        "p99": round(percentile(ordered, 0.99), 1),
        "max": round(ordered[-1], 1) if ordered else 0.0,
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.error),
    }


def measure(clients: list, run, servers: list[Server], args, window: dict) -> dict:
    """Start every client's loop, discard the warm-up, measure --duration seconds."""
    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    load_before = os.getloadavg()
    started = time.monotonic()
    window["start"], window["end"] = started + args.warmup, started + args.warmup + args.duration
    for thread in threads:
        thread.start()
    time.sleep(args.warmup)
    # Who used the cores while measuring: the servers, the database, these clients, and
    # everything else on the machine (it may be shared: the figures then say so).
    cpu_before = sum(s.cpu_seconds() for s in servers)
    database_before = children_cpu(window.get("postmaster"))
    client_before = time.process_time()
    machine_before = machine_cpu()
    time.sleep(args.duration)
    machine_after = machine_cpu()
    cpu_after = sum(s.cpu_seconds() for s in servers)
    database_cpu = children_cpu(window.get("postmaster")) - database_before
    client_cpu = time.process_time() - client_before
    machine_busy = machine_after[0] - machine_before[0]
    machine_total = max(1e-9, machine_after[1] - machine_before[1])
    window["stop"].set()
    for thread in threads:
        thread.join(args.timeout + 5)
    samples = [s for c in clients for s in c.samples if window["start"] <= s.started < window["end"]]
    summary = latency(samples)
    errors = Counter(f"{s.page}: {s.error}" for s in samples if s.error)
    examples = list(dict.fromkeys(f"{s.where} → {s.error}" for s in samples if s.error))[:8]
    hwm = [s.status_value("VmHWM") or 0 for s in servers]
    result = {
        **summary,
        "throughput": round(summary["requests"] / args.duration, 1),
        "error_kinds": dict(errors.most_common()),
        "error_examples": examples,
        "rss_peak_mib": round(sum(hwm) / 1024, 1),
        "rss_peak_mib_each": [round(v / 1024, 1) for v in hwm],
        "server_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / max(1, summary["requests"]), 2),
        # Shares of all the machine's cores over the measured window.
        "server_cpu_share": round((cpu_after - cpu_before) / machine_total, 2),
        "database_cpu_share": round(max(0.0, database_cpu) / machine_total, 2),
        "client_cpu_share": round(client_cpu / machine_total, 2),
        "other_cpu_share": round(
            max(0.0, machine_busy - (cpu_after - cpu_before) - database_cpu - client_cpu) / machine_total, 2
        ),
        "idle_cpu_share": round(1 - machine_busy / machine_total, 2),
        "clients": len(clients),
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "load_avg_before": [round(v, 2) for v in load_before],
        "load_avg_after": [round(v, 2) for v in os.getloadavg()],
    }
    return result | {"samples": samples}


class HelloClient:
    """The baseline's client: the same connection handling, one page."""

    def __init__(self, port: int, args, window: dict):
        self.browser = Browser(port, args.timeout)
        self.stop = window["stop"]
        self.think = args.think
        self.rng = random.Random(port)
        self.samples: list[Sample] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status, _, _ = self.browser.request("GET", "/")
                error = None if status == 200 else f"status {status}"
            except Exception as error_:
                error = type(error_).__name__
            self.samples.append(Sample(started, (time.monotonic() - started) * 1000, "read", "hello", error))
            if self.think:
                self.stop.wait(self.rng.uniform(0, 2 * self.think))


def report(label: str, result: dict, common: dict) -> None:
    samples = result.pop("samples")
    meets = result["p99"] <= TARGET_P99_MS and result["errors"] == 0
    emit(f"load_{label}", result.pop("throughput"), "req/s", **result, **common, target_met=meets)
    for kind in ("read", "write"):
        chosen = [s for s in samples if s.kind == kind]
        if chosen:
            stats = latency(chosen)
            emit(f"load_{label}_{kind}", stats.pop("p99"), "ms p99", **stats)
    roles = defaultdict(list)
    for s in samples:
        roles[s.role].append(s)
    if len(roles) > 1:
        for role, chosen in sorted(roles.items()):
            stats = latency(chosen)
            emit(f"load_{label}_role", stats.pop("p99"), "ms p99", role=role, **stats)
    pages = defaultdict(list)
    for s in samples:
        pages[s.page].append(s)
    if len(pages) > 1:
        for page, chosen in sorted(pages.items()):
            stats = latency(chosen)
            emit(f"load_{label}_page", stats.pop("p99"), "ms p99", page=page, **stats)


# --- main ----------------------------------------------------------------------------------


def start_cluster() -> tuple[Path, str]:
    folder = Path(tempfile.mkdtemp(prefix="gridbook-load-pg-"))
    cluster = folder / "cluster"  # (pg-cluster.sh opens the parent folder to postgres)
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg-cluster.sh"), "start", str(cluster)], capture_output=True, text=True
    )
    if result.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"scripts/pg-cluster.sh start failed: {result.stderr.strip()}")
    return folder, result.stdout.strip().splitlines()[-1]


def postmaster_pid(database_url: str | None) -> int | None:
    """The local PostgreSQL server behind the URL, whose backends' CPU time is counted:
    the postgres process started with that port (as scripts/pg-cluster.sh starts it).
    None for SQLite, a remote server, or a service whose port is in its config file."""
    if not database_url:
        return None
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.host not in (None, "127.0.0.1", "localhost"):
        return None
    wanted = ["-p", str(url.port or 5432)]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        started_as_postgres = bool(argv) and Path(argv[0]).name in ("postgres", "postmaster")
        if started_as_postgres and any(argv[i : i + 2] == wanted for i in range(len(argv) - 1)):
            return int(entry.name)
    return None


def stop_cluster(folder: Path) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "pg-cluster.sh"), "stop", str(folder / "cluster")], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="instance folder of the test (made if missing)")
    parser.add_argument("--reuse", action="store_true", help="use the county already loaded there")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", help="an existing PostgreSQL database instead of a throwaway cluster")
    parser.add_argument("--processes", type=int, default=1, help="server processes (each on its own port)")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads per process (flask serve --threads)")
    parser.add_argument("--queue", type=int, default=64, help="requests that may wait (flask serve --queue)")
    parser.add_argument(
        "--queue-timeout", type=float, default=15, help="seconds one may wait (flask serve --queue-timeout)"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--grid-accounts", type=int, default=30, help="grid-worker accounts the clients share")
    parser.add_argument(
        "--admins", type=int, default=5, help="clients signed in as town staff or county administrators"
    )
    parser.add_argument("--duration", type=float, default=60, help="measured seconds per target")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring")
    parser.add_argument("--think", type=float, default=0, help="mean think time between actions, seconds")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as failed")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-fieldwork", action="store_true", help="do not add a year of matters, visits, logs")
    args = parser.parse_args()
    if args.database_url and args.engine != "postgresql":
        parser.error("--database-url goes with --engine postgresql")
    if args.clients <= args.admins:
        parser.error("--clients must be more than --admins")

    # SIGTERM stops the run as Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, _interrupt)
    instance = args.folder.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    logs = instance / "load-logs"
    logs.mkdir(exist_ok=True)
    cluster = None
    servers: list[Server] = []
    try:
        database_url = args.database_url
        if args.engine == "postgresql" and not database_url:
            cluster, database_url = start_cluster()
            note(f"PostgreSQL cluster in {cluster}")
        prepare_instance(args, instance, database_url)
        accounts = make_accounts(args, instance)
        env = server_env(instance, database_url)
        common = {
            "engine": args.engine,
            "processes": args.processes,
            "threads": args.threads,
            "think_s": args.think,
            "date": date.today().isoformat(),
        }

        if not args.no_baseline:
            ports = [free_port() for _ in range(args.processes)]
            hello = [
                start_server(
                    "baseline",
                    [sys.executable, str(BENCH / "hello_app.py"), "--port", str(p), "--threads", str(args.threads)],
                    env,
                    p,
                    logs,
                )
                for p in ports
            ]
            servers += hello
            for server in hello:
                wait_until_up(server, "/")
            window = {"stop": threading.Event(), "postmaster": postmaster_pid(database_url)}
            clients = [HelloClient(ports[i % len(ports)], args, window) for i in range(args.clients)]
            note(f"baseline: {args.clients} clients, {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured")
            result = measure(clients, HelloClient.run, hello, args, window)
            stop_servers(hello)
            report("baseline", result, common)

        ports = [free_port() for _ in range(args.processes)]
        gridbook = []
        for port in ports:
            server = start_server(
                "gridbook",
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "app",
                    "serve",
                    "--no-worker",  # no binders in the mix: the worker would only poll
                    "--port",
                    str(port),
                    "--threads",
                    str(args.threads),
                    "--queue",
                    str(args.queue),
                    "--queue-timeout",
                    str(args.queue_timeout),
                ],
                env,
                port,
                logs,
            )
            servers.append(server)
            gridbook.append(server)
            # One at a time: each runs the migrations and the planner statistics at start.
            wait_until_up(server, "/healthz")
        log_marks = {s.log: s.log.stat().st_size for s in gridbook}

        window = {"stop": threading.Event(), "postmaster": postmaster_pid(database_url)}
        admins = [a for a in accounts if a.role != "grid_worker"]
        workers = [a for a in accounts if a.role == "grid_worker"]
        chosen = admins[: args.admins] + [
            workers[i % len(workers)] for i in range(args.clients - len(admins[: args.admins]))
        ]
        clients = [Client(a, ports[i % len(ports)], args, window, seed=i) for i, a in enumerate(chosen)]
        note(f"gridbook: signing in {len(clients)} clients")
        login_threads = [threading.Thread(target=c.login) for c in clients]
        for thread in login_threads:
            thread.start()
        for thread in login_threads:
            thread.join()
        failed = [f"{c.account.username}: {c.login_error}" for c in clients if c.login_error]
        logins = sorted(c.login_ms for c in clients)
        emit(
            "load_login",
            round(percentile(logins, 0.5), 1),
            "ms p50",
            p95=round(percentile(logins, 0.95), 1),
            max=round(logins[-1], 1),
            clients=len(clients),
            errors=len(failed),
            busy_retries=sum(c.login_busy for c in clients),
        )
        if failed:
            raise SystemExit("sign-in failed:\n" + "\n".join(failed[:10]))
        note(f"gridbook: {len(clients)} clients, {args.warmup:.0f} s warm-up, {args.duration:.0f} s measured")
        result = measure(clients, Client.run, gridbook, args, window)
        problems = server_log_problems(gridbook, log_marks)
        result["server_log_problems"] = sum(problems.values())
        report(
            "gridbook", result, common | {"grid_accounts": len(workers), "admin_clients": len(admins[: args.admins])}
        )
        if problems:
            note(f"failures in the server logs ({logs}):")
        for line, count in problems.most_common(30):
            note(f"{count:6d} × {line}")
    except KeyboardInterrupt:
        note("interrupted: stopping what was started")
        raise SystemExit(130) from None
    finally:
        stop_servers(servers)
        if cluster is not None:
            stop_cluster(cluster)


if __name__ == "__main__":
    main()
