"""The grid handbook / inspection binder (迎检包): one PDF per grid or community for a
period — cover, table of contents, grid basics and staff, the work-manual pages,
every ledger filled, and the matters closed in the period with their timelines.

Each section is printed as one or more parts (long ledgers and matter lists are cut,
so no layout grows past a few dozen pages); the parts are laid out on every core and
kept in the print cache, so a section whose data did not change since the last print
is not laid out again (app/printing/assembly.py). The cover and the contents come
last, knowing where each section starts; the joined binder gets one page numbering,
the one the contents give.

A station may print only what changed: sections whose content differs from the last
binder printed for the same unit and period (the manifest kept beside the binders);
the contents then list every section and mark those left out as unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.roles import may_see_key_persons
from app.core.private_files import private_folder, write_private
from app.core.timeutil import local_day_start_utc, local_today, to_local, utcnow
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division, StaffAssignment, StaffRole
from app.printing.assembly import join_and_number, lay_out_parts, part_key, print_cache, print_folder
from app.printing.ledgers import LedgerScope, all_ledgers, ledger_jobs
from app.printing.manual import manual_job, ordered_pages
from app.printing.pdf import PrintJob, job_missing_glyphs, lay_out, prepare_print, printed_by

Progress = Callable[[int, int, str], None]
MATTERS_PER_PART = 40


@dataclass
class BinderSection:
    key: str  # stable across languages: "basics", "manual", "ledger-7", "matters"
    title: str
    records: int
    jobs: list[PrintJob] = field(default_factory=list, repr=False)
    pages: int = 0
    start_page: int = 0
    changed: bool = True
    included: bool = True

    @property
    def digest(self) -> str:
        return hashlib.sha256("".join(part_key(job) for job in self.jobs).encode()).hexdigest()[:40]


@dataclass
class BinderResult:
    pdf: bytes
    pages: int
    sections: list[BinderSection]
    records: int
    missing_glyphs: list[dict] = field(default_factory=list)
    reused_parts: int = 0
    laid_out_parts: int = 0

    @property
    def included(self) -> list[BinderSection]:
        return [s for s in self.sections if s.included]


def grid_chiefs(division: Division, start: date, end: date) -> list[str]:
    """Names of the grid chiefs of the grid (or of the community's grids) in the period."""
    scope = LedgerScope(division, start, end)
    rows = db.session.scalars(
        select(StaffAssignment)
        .options(selectinload(StaffAssignment.staff))
        .where(
            StaffAssignment.role == StaffRole.GRID_CHIEF.value,
            StaffAssignment.division_id.in_(scope.grid_ids()),
            StaffAssignment.start_date <= end,
            (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= start),
        )
    )
    return list(dict.fromkeys(a.staff.name for a in rows))


def staff_of(division: Division, start: date, end: date) -> list[StaffAssignment]:
    """Staff assigned to the division or its grids during the period."""
    ids = select(Division.id).where(Division.code.startswith(division.code, autoescape=True))
    return list(
        db.session.scalars(
            select(StaffAssignment)
            .options(selectinload(StaffAssignment.staff), selectinload(StaffAssignment.division))
            .where(
                StaffAssignment.division_id.in_(ids),
                StaffAssignment.start_date <= end,
                (StaffAssignment.end_date.is_(None)) | (StaffAssignment.end_date >= start),
            )
            .order_by(StaffAssignment.division_id, StaffAssignment.role, StaffAssignment.id)
        )
    )


def closed_matters(division: Division, start: date, end: date) -> list[Matter]:
    """Matters of the grid (or the community's grids) closed in the period, local days."""
    scope = LedgerScope(division, start, end)
    return list(
        db.session.scalars(
            select(Matter)
            .options(selectinload(Matter.steps), selectinload(Matter.grid))
            .where(
                Matter.grid_id.in_(scope.grid_ids()),
                Matter.closed_at.is_not(None),
                Matter.closed_at >= local_day_start_utc(start),
                Matter.closed_at < local_day_start_utc(end + timedelta(days=1)),
            )
            .order_by(Matter.closed_at, Matter.id)
        )
    )


def _grids_of(division: Division) -> list[Division]:
    if division.level == "grid":
        return [division]
    return list(
        db.session.scalars(
            select(Division)
            .where(Division.level == "grid", Division.code.startswith(division.code, autoescape=True))
            .order_by(Division.code)
        )
    )


def _names(division: Division) -> dict[str, str]:
    chain = {d.level: d.name for d in [*division.ancestors(), division]}
    return {level: chain.get(level, "") for level in ("county", "town", "community", "grid")}


def plan_sections(division: Division, start: date, end: date, user=None) -> list[BinderSection]:
    """Every section of the binder as print jobs (no layout yet). `user` None (the
    command line) gets every ledger; otherwise key-person ledgers only for those who
    may see them."""
    scope = LedgerScope(division, start, end)
    period = scope.period_label
    sections = []
    title = _("网格基本情况和工作力量")
    staff = staff_of(division, start, end)
    sections.append(
        BinderSection(
            "basics",
            title,
            len(staff),
            [
                prepare_print(
                    "print/binder_basics.html",
                    title=title,
                    numbered=False,
                    division=division,
                    grids=_grids_of(division),
                    staff=staff,
                    period=period,
                )
            ],
        )
    )
    pages = ordered_pages()
    sections.append(BinderSection("manual", _("工作手册"), len(pages), [manual_job(pages, numbered=False)]))
    for ledger in all_ledgers():
        if user is not None and ledger.key_persons and not may_see_key_persons(user):
            continue
        jobs, count = ledger_jobs(ledger, scope, numbered=False)
        sections.append(BinderSection(f"ledger-{ledger.number}", f"{ledger.number}. {ledger.title}", count, jobs))
    title = _("本期办结事项")
    matters = closed_matters(division, start, end)
    chunks = [matters[i : i + MATTERS_PER_PART] for i in range(0, len(matters), MATTERS_PER_PART)] or [[]]
    sections.append(
        BinderSection(
            "matters",
            title,
            len(matters),
            [
                prepare_print(
                    "print/binder_matters.html",
                    title=title,
                    numbered=False,
                    division=division,
                    matters=chunk,
                    period=period,
                    first_part=index == 0,
                )
                for index, chunk in enumerate(chunks)
            ],
        )
    )
    return sections


class BinderManifest:
    """What the last binder of a unit and period held: section key → digest."""

    def __init__(self, division: Division, start: date, end: date):
        folder = print_folder() / "binders" / "manifests"
        self.path = folder / f"{division.code}_{start:%Y%m%d}_{end:%Y%m%d}.json"

    def read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def remember(self, sections: list[BinderSection]) -> None:
        known = self.read()
        known.update({s.key: s.digest for s in sections if s.included})
        private_folder(self.path.parent)
        partial = self.path.with_suffix(".part")
        write_private(partial, json.dumps(known, ensure_ascii=False))
        partial.replace(self.path)


def build_binder(
    division: Division, start: date, end: date, user=None, progress: Progress | None = None, only_changed: bool = False
) -> BinderResult:
    """The binder of `division` for start–end (see plan_sections for `user`).
    progress(done, total, label) is called as parts finish. only_changed prints only
    the sections that differ from the last binder of this unit and period."""
    sections = plan_sections(division, start, end, user)
    manifest = BinderManifest(division, start, end)
    last = manifest.read()
    for section in sections:
        section.changed = last.get(section.key) != section.digest
        section.included = section.changed or not only_changed
    included = [s for s in sections if s.included]
    jobs = [(section, job) for section in included for job in section.jobs]
    total, done = len(jobs) + 2, 0

    def part_done(index: int, _laid_out, _cached: bool) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, jobs[index][0].title)

    outcomes = lay_out_parts([job for _s, job in jobs], cache=print_cache(), on_done=part_done)
    for (section, _job), outcome in zip(jobs, outcomes):
        section.pages += outcome.laid_out.pages

    scope = LedgerScope(division, start, end)
    cover_job = prepare_print(
        "print/binder_cover.html",
        title=_("网格工作台账（迎检包）"),
        numbered=False,
        division=division,
        names=_names(division),
        period=scope.period_label,
        chiefs=grid_chiefs(division, start, end),
        printed_on=local_today(),
    )
    cover = lay_out(cover_job)
    # The contents' own length moves every section: lay it out until it stops changing.
    toc_pages, toc, toc_job = 1, None, None
    for _attempt in range(4):
        page = cover.pages + toc_pages + 1
        for section in included:
            section.start_page = page
            page += section.pages
        toc_job = prepare_print(
            "print/binder_toc.html",
            title=_("目录"),
            numbered=False,
            sections=sections,
            only_changed=only_changed,
            division=division,
            period=scope.period_label,
        )
        toc = lay_out(toc_job)
        if toc.pages == toc_pages:
            break
        toc_pages = toc.pages
    done += 1
    if progress is not None:
        progress(done, total, _("封面和目录"))

    printed_at = to_local(utcnow())
    pdf, pages = join_and_number(
        [cover.pdf, toc.pdf, *(o.laid_out.pdf for o in outcomes)],
        cover_job.title,
        printed_at,
        printed_by(user),
    )
    manifest.remember(sections)
    done += 1
    if progress is not None:
        progress(done, total, _("装订"))
    glyphs = [g for job in [cover_job, toc_job, *(j for _s, j in jobs)] for g in job_missing_glyphs(job)]
    reused = sum(1 for o in outcomes if o.cached)
    return BinderResult(
        pdf,
        pages,
        sections,
        sum(s.records for s in included),
        glyphs,
        reused_parts=reused,
        laid_out_parts=len(outcomes) - reused,
    )
