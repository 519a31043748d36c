"""What SQLite's synchronous=FULL costs against NORMAL (app/core/database.py).

In WAL mode, NORMAL writes a commit to the WAL file but leaves it to the operating
system to put it on the disk; a power cut can lose the last acknowledged saves (the
database stays intact). FULL waits for the disk (fsync) at every commit. This measures
the commits a second and the time per commit of a typical save, one writer and four
at once, through the app's own engine set-up (WAL, busy timeout, BEGIN IMMEDIATE).

    .venv/bin/python bench/durability.py [--folder DIR] [--saves 300] [--writers 4]

DIR must be on the disk the instance will use (the default: a new folder under
/var/tmp, not /tmp, which may be memory). A save is one transaction inserting two rows
(a record and its audit line, about 300 bytes each), as most of the app's saves are.
Prints one JSON object per line."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from app import create_app
from app.core.database import write_transactions
from app.extensions import db

PAYLOAD = "网格员入户走访，了解家庭情况并登记诉求。" * 8


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


def measure(folder: Path, synchronous: str, saves: int, writers: int) -> None:
    instance = folder / synchronous.lower()
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "SQLITE_SYNCHRONOUS": synchronous},
        instance_path=str(instance),
    )
    with app.app_context(), write_transactions():
        db.session.execute(text("CREATE TABLE record (id INTEGER PRIMARY KEY, body TEXT)"))
        db.session.execute(text("CREATE TABLE audit_line (id INTEGER PRIMARY KEY, body TEXT)"))
        db.session.commit()
        mode = db.session.execute(text("PRAGMA synchronous")).scalar()
        db.session.remove()

    def save_many(count: int, times: list[float]) -> None:
        with app.app_context():
            for _ in range(count):
                started = time.perf_counter()
                with write_transactions():
                    db.session.execute(text("INSERT INTO record (body) VALUES (:b)"), {"b": PAYLOAD})
                    db.session.execute(text("INSERT INTO audit_line (body) VALUES (:b)"), {"b": PAYLOAD})
                    db.session.commit()
                times.append((time.perf_counter() - started) * 1000)
            db.session.remove()

    for label, threads in (("one writer", 1), (f"{writers} writers", writers)):
        times: list[float] = []
        started = time.perf_counter()
        workers = [threading.Thread(target=save_many, args=(saves // threads, times)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        times.sort()
        emit(
            f"saves_{synchronous.lower()}_{threads}",
            round(len(times) / elapsed, 1),
            "saves/s",
            synchronous=synchronous,
            pragma_synchronous=mode,
            writers=label,
            p50_ms=round(statistics.median(times), 2),
            p95_ms=round(times[int(0.95 * (len(times) - 1))], 2),
            max_ms=round(times[-1], 2),
        )
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, help="a folder on the instance's disk (default: under /var/tmp)")
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="gridbook-durability-", dir="/var/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    emit("folder", str(folder), "path")
    for synchronous in ("NORMAL", "FULL"):
        measure(folder, synchronous, args.saves, args.writers)


if __name__ == "__main__":
    main()
