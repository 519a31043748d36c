"""Prints made of parts: a long ledger laid out in worker processes and joined with
one page numbering; parts reused from the print cache while their data is unchanged;
the binder printing only what changed; old files pruned."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time

from pypdf import PdfReader

from app.core.database import write_transactions
from app.core.timeutil import local_to_utc
from app.extensions import db
from app.matters import reporting, services
from app.printing import assembly, binder_jobs, ledgers
from app.printing.binder import build_binder
from app.printing.ledgers import Ledger, LedgerColumn, LedgerScope
from tests.printing.helpers import squeezed

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def _page_texts(pdf: bytes) -> list[str]:
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _long_ledger(rows: int) -> Ledger:
    return Ledger(
        number=99,
        title="测试长台账",
        columns=[LedgerColumn("姓名", 40, lambda row: row[0]), LedgerColumn("住址", 80, lambda row: row[1])],
        rows=lambda scope: [(f"居民{i:04d}", f"东关路{i}号") for i in range(1, rows + 1)],
    )


def test_a_long_ledger_is_laid_out_in_parts_with_one_numbering(app, world, monkeypatch):
    monkeypatch.setattr(ledgers, "ROWS_PER_PART", 25)
    monkeypatch.setattr(assembly, "STAMP_PAGES_PER_PART", 2)  # the page stamps in parts too
    app.config["PRINT_WORKERS"] = 2
    laid_out_in = []
    real = assembly.lay_out_parts

    def spy(jobs, **kwargs):
        laid_out_in.append(len(jobs))
        return real(jobs, **kwargs)

    monkeypatch.setattr(assembly, "lay_out_parts", spy)
    result, count = ledgers.ledger_pdf(_long_ledger(90), LedgerScope(world.grid_a, START, END))
    assert count == 90 and laid_out_in[0] == 4  # 25 + 25 + 25 + 15 rows, then the stamps
    pages = _page_texts(result.pdf)
    assert len(pages) == result.pages >= 4
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页/共{len(pages)}页" in text, (number, text[-40:])
        assert "打印时间：" in text and "内部资料注意保密" in text
    text = squeezed(result.pdf)
    assert text.count("测试长台账") == 1 + len(pages)  # the title once, the running header on each page
    assert text.count("填报单位（盖章）") == 1  # the seal block once, at the end
    numbers = [int(serial) for serial, _name in re.findall(r"(\d+)居民(\d{4})", text)]
    assert numbers == list(range(1, 91))  # the 序号 continues across the parts
    assert "居民0090" in text and "东关路90号" in text


def test_a_short_ledger_stays_one_layout_with_its_own_footer(app, world):
    result, count = ledgers.ledger_pdf(_long_ledger(5), LedgerScope(world.grid_a, START, END))
    assert count == 5 and result.pages == 1
    assert "第1页/共1页" in _page_texts(result.pdf)[0]


def _close_a_matter(world, description: str, day: int) -> None:
    with write_transactions():
        worker = world.users["worker_a"]
        matter = reporting.report(
            reporting.MatterValues(class_code="city", description=description, grid=world.grid_a),
            reporter=worker,
            now=local_to_utc(dt.datetime(2026, 10, day, 9)),
        )
        services.take(matter, "handle_on_spot", worker, note="已处理", now=local_to_utc(dt.datetime(2026, 10, day, 10)))
        db.session.commit()


def test_unchanged_sections_are_reused_and_only_changes_can_be_printed(app, world):
    app.config["PRINT_WORKERS"] = 2
    _close_a_matter(world, "井盖缺失需更换", 12)
    first = build_binder(world.grid_a, START, END, world.users["worker_a"])
    assert first.reused_parts == 0 and first.laid_out_parts > 10
    pages = _page_texts(first.pdf)
    # One numbering over the whole binder: the one its contents give.
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页/共{len(pages)}页" in text

    again = build_binder(world.grid_a, START, END, world.users["worker_a"])
    assert again.laid_out_parts == 0 and again.reused_parts == first.laid_out_parts
    assert again.pages == first.pages

    _close_a_matter(world, "路灯不亮需维修", 20)
    changed = build_binder(world.grid_a, START, END, world.users["worker_a"], only_changed=True)
    assert [s.key for s in changed.sections if s.changed] == ["matters"]
    assert [s.key for s in changed.included] == ["matters"]
    text = squeezed(changed.pdf)
    assert "路灯不亮需维修" in text and "井盖缺失需更换" in text
    assert "网格长工作职责" not in text  # the manual has not changed: not printed
    assert changed.pages < first.pages
    # The changed pages carry the numbers of the binder pages they replace, after a
    # list saying which pages to take out.
    matters = next(s for s in first.sections if s.key == "matters")
    replaced = _page_texts(changed.pdf)
    assert "换页清单" in replaced[0] and "本期办结事项" in replaced[0]
    assert f"第{matters.start_page}页" in replaced[0]
    assert f"第{matters.start_page}页/共{first.pages}页" in replaced[1]

    nothing = build_binder(world.grid_a, START, END, world.users["worker_a"], only_changed=True)
    assert nothing.included == [] and "换页清单" in squeezed(nothing.pdf)


def test_a_grown_section_numbers_its_extra_pages_after_its_last(app, world):
    from app.printing.binder import BinderSection, replacement_labels

    grown = BinderSection("matters", "本期办结事项", 3, pages=3)
    assert replacement_labels(grown, [30, 1]) == ["30", "30-1", "30-2"]
    shrunk = BinderSection("matters", "本期办结事项", 1, pages=1)
    assert replacement_labels(shrunk, [28, 3]) == ["28"]


def test_old_binders_and_unused_cached_parts_are_pruned(app):
    folder = binder_jobs.binder_folder(app)
    cache = assembly.PrintCache(folder.parent / "print-cache")
    old_binder, new_binder = folder / "old.pdf", folder / "new.pdf"
    old_part, used_part = cache.folder / "a.1.pdf", cache.folder / "b.1.pdf"
    for path in (old_binder, new_binder, old_part, used_part):
        path.write_bytes(b"%PDF-1.7")
    now = time.time()
    long_ago = now - 90 * 86400
    os.utime(new_binder, (now, now))
    os.utime(old_binder, (long_ago, long_ago))
    os.utime(old_part, (long_ago, long_ago))
    os.utime(used_part, (long_ago, long_ago))
    assert cache.get("b") is not None  # a part reused now is kept
    binder_jobs.prune_old_files(app)
    assert not old_binder.exists() and new_binder.exists()
    assert not old_part.exists() and used_part.exists()
