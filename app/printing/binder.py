"""The grid handbook / inspection binder (迎检包): one PDF per grid or community for a
period — cover, table of contents, grid basics and staff, the work-manual pages,
every ledger filled, and the matters closed in the period with their timelines.

Each section is a separate WeasyPrint run (layout memory grows with the pages of one
run, FACTS.md), its pages counted; the table of contents is rendered last, knowing
where each section starts, and the parts are joined with pypdf. Each part keeps its
own "第 x 页 / 共 y 页" footer; the table of contents gives the binder's page numbers."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from flask_babel import gettext as _
from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.scoping import may_see_key_persons
from app.core.timeutil import local_day_start_utc, local_today
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division, StaffAssignment, StaffRole
from app.printing.ledgers import LedgerScope, all_ledgers, ledger_pdf
from app.printing.manual import manual_pdf, ordered_pages
from app.printing.pdf import PrintResult, render_pdf

Progress = Callable[[int, int, str], None]


@dataclass
class BinderSection:
    title: str
    pages: int
    records: int
    start_page: int = 0


@dataclass
class BinderResult:
    pdf: bytes
    pages: int
    sections: list[BinderSection]
    records: int
    missing_glyphs: list[dict] = field(default_factory=list)


def grid_chiefs(division: Division, start: date, end: date) -> list[str]:
    """Names of the grid chiefs of the grid (or of the community's grids) in the period."""
    scope = LedgerScope(division, start, end)
    rows = db.session.scalars(select(StaffAssignment).options(selectinload(StaffAssignment.staff)).where(
        StaffAssignment.role == StaffRole.GRID_CHIEF.value, StaffAssignment.division_id.in_(scope.grid_ids()),
        StaffAssignment.start_date <= end,
        (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= start)))
    return list(dict.fromkeys(a.staff.name for a in rows))


def staff_of(division: Division, start: date, end: date) -> list[StaffAssignment]:
    """Staff assigned to the division or its grids during the period."""
    ids = select(Division.id).where(Division.code.startswith(division.code, autoescape=True))
    return list(db.session.scalars(select(StaffAssignment).options(
        selectinload(StaffAssignment.staff), selectinload(StaffAssignment.division)).where(
        StaffAssignment.division_id.in_(ids), StaffAssignment.start_date <= end,
        (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= start)).order_by(
        StaffAssignment.division_id, StaffAssignment.role, StaffAssignment.id)))


def closed_matters(division: Division, start: date, end: date) -> list[Matter]:
    """Matters of the grid (or the community's grids) closed in the period, local days."""
    scope = LedgerScope(division, start, end)
    return list(db.session.scalars(select(Matter).options(selectinload(Matter.steps), selectinload(Matter.grid)).where(
        Matter.grid_id.in_(scope.grid_ids()), Matter.closed_at.is_not(None),
        Matter.closed_at >= local_day_start_utc(start),
        Matter.closed_at < local_day_start_utc(end + timedelta(days=1))).order_by(Matter.closed_at, Matter.id)))


def _grids_of(division: Division) -> list[Division]:
    if division.level == "grid":
        return [division]
    return list(db.session.scalars(select(Division).where(
        Division.level == "grid", Division.code.startswith(division.code, autoescape=True)).order_by(Division.code)))


def _names(division: Division) -> dict[str, str]:
    chain = {d.level: d.name for d in [*division.ancestors(), division]}
    return {level: chain.get(level, "") for level in ("county", "town", "community", "grid")}


def build_binder(division: Division, start: date, end: date, user=None,
                 progress: Progress | None = None) -> BinderResult:
    """The binder of `division` for start–end. `user` None (the command line) gets
    every ledger; otherwise key-person ledgers only for those who may see them.
    progress(done, total, label) is called after each section."""
    scope = LedgerScope(division, start, end)
    period = scope.period_label
    ledgers = [ledger for ledger in all_ledgers()
               if user is None or not ledger.key_persons or may_see_key_persons(user)]
    total = 3 + len(ledgers) + 2  # basics, manual, ledgers, matters, then cover and contents
    done = 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    parts: list[tuple[BinderSection, PrintResult]] = []

    def add(title: str, result: PrintResult, records: int) -> None:
        parts.append((BinderSection(title, result.pages, records), result))
        step(title)

    title = _("网格基本情况和工作力量")
    staff = staff_of(division, start, end)
    add(title, render_pdf("print/binder_basics.html", title=title, division=division, grids=_grids_of(division),
                          staff=staff, period=period), len(staff))

    pages = ordered_pages()
    add(_("工作手册"), manual_pdf(pages), len(pages))

    for ledger in ledgers:
        result, count = ledger_pdf(ledger, scope)
        add(f"{ledger.number}. {ledger.title}", result, count)

    title = _("本期办结事项")
    matters = closed_matters(division, start, end)
    add(title, render_pdf("print/binder_matters.html", title=title, division=division, matters=matters,
                          period=period), len(matters))

    names = _names(division)
    cover = render_pdf("print/binder_cover.html", title=_("网格工作台账（迎检包）"), division=division,
                       names=names, period=period, chiefs=grid_chiefs(division, start, end),
                       printed_on=local_today())
    step(_("封面"))

    # The contents' own length moves every section: render until it stops changing.
    toc_pages, toc = 1, None
    for _attempt in range(4):
        page = cover.pages + toc_pages + 1
        for section, result in parts:
            section.start_page = page
            page += result.pages
        toc = render_pdf("print/binder_toc.html", title=_("目录"), sections=[s for s, _r in parts],
                         division=division, period=period)
        if toc.pages == toc_pages:
            break
        toc_pages = toc.pages
    step(_("目录"))

    writer = PdfWriter()
    for result in [cover, toc, *(r for _s, r in parts)]:
        writer.append(io.BytesIO(result.pdf))
    out = io.BytesIO()
    writer.write(out)
    writer.close()
    glyphs = [g for result in [cover, toc, *(r for _s, r in parts)] for g in result.missing_glyphs]
    sections = [s for s, _r in parts]
    return BinderResult(out.getvalue(), cover.pages + toc.pages + sum(s.pages for s in sections), sections,
                        sum(s.records for s in sections), glyphs)
