"""Benchmark printing: pages per second and peak memory of a ~200-page ledger and of a
county-scale community's inspection binder.

Run against a county database (the instance folder, or GRIDBOOK_INSTANCE) after

    flask --app app db upgrade && flask --app app seed-demo --scale county
    .venv/bin/python bench/print_bench.py [--pages 200] [--only TEXT]

Measurements (each in a fresh process, so one does not inherit another's memory):
- ledger-naive: the floating-population ledger (form 6) of the community with the
  most rows, cut to about --pages pages, laid out as ONE WeasyPrint document — what
  printing did before parts (docs/benchmarks.md: ~0.15 s and ~5 MB a page).
- ledger-parts: the same ledger through ledgers.ledger_pdf: parts of ROWS_PER_PART rows
  laid out in worker processes on every core, joined, one numbering stamped.
- binder-cold / binder-warm: that community's binder for the last full month (every
  ledger, every section) with an empty print cache, then again with the cache the cold
  run left (nothing changed: every part reused).
Peak memory is the largest sum of the proportional set size (PSS: resident memory,
pages shared between processes divided among them, so the forked workers' shared
libraries count once) of the measuring process and all its descendants (the fork
server and the worker processes), sampled every 20 ms from /proc.

Prints one JSON object per line: name, value, unit, with pages, seconds, peak_mb."""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def emit(name: str, value, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}, ensure_ascii=False), flush=True)


class TreeMemory:
    """Peak of the summed PSS of this process and its descendants."""

    def __init__(self, interval: float = 0.02):
        self.root, self.interval, self.peak = os.getpid(), interval, 0
        self.peak_main = 0  # this process's share at the peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[int, int]:
        parents = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        total = main = 0
        for pid in parents:
            ancestor = pid
            while ancestor not in (self.root, 0, 1) and ancestor in parents:
                ancestor = parents[ancestor]
            if ancestor == self.root:
                size = _pss(pid)
                total += size
                main += size if pid == self.root else 0
        return total, main

    def _record(self) -> None:
        total, main = self._sample()
        if total > self.peak:
            self.peak, self.peak_main = total, main

    def _run(self) -> None:
        while not self._stop.is_set():
            self._record()
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._record()


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def last_full_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def busiest_community(app):
    """The community whose floating-population ledger is longest."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.org.models import Division
    from app.registry.people.models import Resident

    with app.app_context():
        community_of = dict(
            db.session.execute(select(Division.id, Division.parent_id).where(Division.level == "grid")).all()
        )
        counts = db.session.execute(
            select(Resident.grid_id, func.count())
            .where(Resident.population_type.in_(("floating", "overseas")))
            .group_by(Resident.grid_id)
        ).all()
        per_community: dict[int, int] = {}
        for grid_id, count in counts:
            per_community[community_of[grid_id]] = per_community.get(community_of[grid_id], 0) + count
        busiest = max(per_community, key=per_community.get)
        return db.session.get(Division, busiest).code


def run_one(name: str, pages_wanted: int) -> None:
    """One measurement, in this (fresh) process."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.org.models import Division
    from app.printing import ledgers
    from app.printing.binder import build_binder
    from app.printing.pdf import lay_out

    app = create_app()
    code = os.environ["BENCH_COMMUNITY"]
    start, end = last_full_month(date.today())
    with app.app_context(), app.test_request_context():
        community = db.session.scalar(select(Division).where(Division.code == code))
        ledger = ledgers.get_ledger(6)
        scope = ledgers.LedgerScope(community, start, end)
        if name.startswith("ledger"):
            # The ledger's cells (12–28 rows a page as addresses wrap), cut to about the
            # pages wanted, the database rows let go as ledger_pdf would.
            cells = [ledger.cells(row) for row in islice(ledger.rows(scope), pages_wanted * 28)]
            gc.collect()
            columns = [
                ledgers.LedgerColumn(c.header, c.width_mm, lambda row, i=i: row[i])
                for i, c in enumerate(ledger.columns)
            ]
            cut = ledgers.Ledger(ledger.number, ledger.title, columns, lambda _scope: cells)
            rows = cells
            with TreeMemory() as memory:
                began = time.perf_counter()
                if name == "ledger-naive":  # one document of every row, as before parts
                    ledgers.ROWS_PER_PART = len(rows) + 1
                    laid_out = lay_out(ledgers.ledger_jobs(cut, scope)[0][0])
                    pages, size = laid_out.pages, len(laid_out.pdf)
                else:
                    result, _count = ledgers.ledger_pdf(cut, scope)
                    pages, size = result.pages, len(result.pdf)
                seconds = time.perf_counter() - began
        else:
            with TreeMemory() as memory:
                began = time.perf_counter()
                result = build_binder(community, start, end, None)
                seconds = time.perf_counter() - began
            pages, size = result.pages, len(result.pdf)
            emit(f"{name}-parts", result.laid_out_parts, "laid out", reused=result.reused_parts, records=result.records)
    emit(
        name,
        round(pages / seconds, 2),
        "pages/s",
        pages=pages,
        seconds=round(seconds, 1),
        peak_mb=round(memory.peak / 2**20),
        peak_main_mb=round(memory.peak_main / 2**20),
        file_mib=round(size / 2**20, 1),
        workers=app.config.get("PRINT_WORKERS") or os.cpu_count(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--only", default="")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.pages)
        return

    from app import create_app

    app = create_app()
    code = busiest_community(app)
    cache = Path(app.instance_path) / "print-cache"
    env = {**os.environ, "BENCH_COMMUNITY": code}
    emit("community", code, "code", cpus=os.cpu_count())
    for name in ("ledger-naive", "ledger-parts", "binder-cold", "binder-warm"):
        if args.only not in name:
            continue
        if name in ("ledger-parts", "binder-cold"):
            shutil.rmtree(cache, ignore_errors=True)
        subprocess.run([sys.executable, __file__, "--one", name, "--pages", str(args.pages)], env=env, check=True)


if __name__ == "__main__":
    main()
