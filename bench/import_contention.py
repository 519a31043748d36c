"""A big import on the web while other people save: how long their saves wait.

On a copy of a county instance (never the instance itself: the import is kept), a
county administrator uploads a sheet of --rows people into a new grid through
/residents/import (the preview) and presses 确认导入 (the confirmation), through
Flask's test client, while --writers other people each save a small record (an audit
line, a transaction of its own, as a page's save is) one after another. Printed, one
JSON line each: how long the preview and the confirmation took, and for the saves
made during each, how many, their p50/p95/max wait and how many failed (on SQLite a
save fails when it waits past the 15 s busy timeout).

    .venv/bin/python bench/import_contention.py --from INSTANCE [--rows 49000] [--writers 4]

INSTANCE holds a county (`flask seed-demo --scale county`, e.g. the folder of
bench/load.py); its SQLite database is copied to a temporary folder first."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from app import create_app
from app.auth import audit
from app.core.database import write_transactions
from app.extensions import db
from bench import run as registers_bench

CSRF = registers_bench.CSRF
ONCE = re.compile(r'name="_once" value="([^"]+)"')
TOKEN = re.compile(r'name="token" (?:type="hidden" )?value="([^"]+)"')


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


class OtherPeople:
    """Threads saving small records one after another until stopped; each save's wait."""

    def __init__(self, app, writers: int):
        self.app, self.stopping = app, threading.Event()
        self.saves: list[tuple[float, float]] = []  # (started at, seconds)
        self.failures: list[tuple[float, str]] = []
        self.threads = [threading.Thread(target=self._save, daemon=True) for _ in range(writers)]

    def _save(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                started = time.perf_counter()
                try:
                    with write_transactions():
                        audit.record("printed", summary="基准：其他人的保存")
                        db.session.commit()
                    self.saves.append((started, time.perf_counter() - started))
                except Exception as error:  # counted: a save the person saw fail
                    db.session.rollback()
                    self.failures.append((started, type(error).__name__))
                time.sleep(0.2)
            db.session.remove()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def report(self, name: str, begin: float, end: float) -> None:
        waits = sorted(s for at, s in self.saves if begin <= at <= end)
        failed = [kind for at, kind in self.failures if begin <= at <= end]
        emit(
            name,
            round(max(waits) * 1000, 1) if waits else None,
            "ms max wait of other saves",
            saves=len(waits),
            p50_ms=round(statistics.median(waits) * 1000, 1) if waits else None,
            p95_ms=round(waits[int(0.95 * (len(waits) - 1))] * 1000, 1) if waits else None,
            failed=len(failed),
            failures=sorted(set(failed)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a county instance folder")
    parser.add_argument("--rows", type=int, default=49_000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="gridbook-import-contention-"))
    for name in ("gridbook.sqlite3", "secret_key"):
        shutil.copy2(args.source / name, instance / name)
    app = create_app(instance_path=str(instance))
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024  # the sheet, not the limit, is measured
    setup = registers_bench.prepare(app)
    from app.registry.people.models import Resident

    with app.app_context(), write_transactions():
        grid = registers_bench.new_grid("导入基准网格")
        db.session.commit()
        grid_id, grid_code = grid.id, grid.code
        taken = set(db.session.scalars(select(Resident.id_number).where(Resident.id_number.like("650102%"))))
        data = registers_bench.import_workbook(args.rows, grid_code, taken)
    emit("sheet", args.rows, "rows", kib=round(len(data) / 1024))
    client = registers_bench.login(app, "bench_admin", setup["passwords"]["bench_admin"])

    page = client.get("/residents/import").get_data(as_text=True)
    form = {"csrf_token": CSRF.search(page).group(1), "_once": ONCE.search(page).group(1), "grid_id": str(grid_id)}
    from io import BytesIO

    with OtherPeople(app, args.writers) as others:
        time.sleep(2)  # the others' saves alone, first
        quiet_end = time.perf_counter()
        begin = time.perf_counter()
        preview = client.post(
            "/residents/import",
            data={**form, "file": (BytesIO(data), "people.xlsx"), "submit": "上传并检查"},
            content_type="multipart/form-data",
        )
        preview_end = time.perf_counter()
        html = preview.get_data(as_text=True)
        token = TOKEN.search(html)
        if preview.status_code != 200 or token is None:
            sys.exit(f"the preview offers no confirmation ({preview.status_code}): {html[:500]}")
        confirm = {
            "csrf_token": CSRF.search(html).group(1),
            "_once": ONCE.search(html.split('action="/residents/import/confirm"', 1)[1]).group(1),
            "token": token.group(1),
            "grid_id": str(grid_id),
        }
        confirm_begin = time.perf_counter()
        confirmed = client.post("/residents/import/confirm", data=confirm)
        confirm_end = time.perf_counter()
        time.sleep(1)
    if confirmed.status_code != 303:
        sys.exit(f"the confirmation failed ({confirmed.status_code}): {confirmed.get_data(as_text=True)[:500]}")
    emit("preview", round(preview_end - begin, 2), "s", rows=args.rows)
    emit("confirmation", round(confirm_end - confirm_begin, 2), "s", rows=args.rows)
    others.report("others_alone", quiet_end - 2, quiet_end)
    others.report("others_during_preview", begin, preview_end)
    others.report("others_during_confirmation", confirm_begin, confirm_end)
    shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
