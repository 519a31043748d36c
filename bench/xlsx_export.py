"""Benchmark: write a 200,000-row register to xlsx with app.core.xlsx.write_table.

Prints one JSON object per line (name, value, unit): seconds and peak resident
memory. Run: .venv/bin/python bench/xlsx_export.py [rows]"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.core.xlsx import Column, write_table


def main(rows: int) -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        instance_path="/tmp/gridbook-bench-instance",
    )
    columns = [
        Column("name", "姓名"),
        Column("id_number", "身份证号", 22),
        Column("phone", "联系电话", 14),
        Column("born", "出生日期", 12, "date"),
        Column("address", "现住址", 30),
        Column("grid", "网格", 16),
        Column("type", "人口类型", 10),
    ]
    data = (
        {
            "name": f"居民{n}",
            "id_number": f"610102199001{n % 1000000:06d}",
            "phone": f"139{n:08d}",
            "born": dt.date(1990, 1, 1) + dt.timedelta(days=n % 9000),
            "address": f"幸福路{n % 300}号",
            "grid": f"第{n % 300}网格",
            "type": "户籍人口",
        }
        for n in range(rows)
    )
    with app.test_request_context():
        start = time.perf_counter()
        payload = write_table(columns, data, title="实有人口登记表")
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name, value, unit in (
        ("xlsx_export_seconds", round(seconds, 2), "s"),
        ("xlsx_export_rows_per_second", round(rows / seconds), "rows/s"),
        ("xlsx_export_peak_rss", round(peak_mb), "MiB"),
        ("xlsx_export_file_size", round(len(payload) / 1024 / 1024, 1), "MiB"),
    ):
        print(json.dumps({"name": name, "value": value, "unit": unit, "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
