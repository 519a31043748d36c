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
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.roles import may_see_key_persons
from app.core.private_files import private_folder, write_private
from app.core.timeutil import local_day_start_utc, local_today, to_local, utcnow
from app.extensions import db
from app.matters.models import Matter
from app.org.models import Division, StaffAssignment, StaffRole
from app.printing.assembly import join_and_number, lay_out_parts, part_key, print_cache, print_folder
from app.printing.ledger_forms_area import grid_statistics
from app.printing.ledgers import LedgerScope, all_ledgers, ledger_jobs
from app.printing.manual import community_of, manual_job, ordered_pages
from app.printing.pdf import PrintJob, job_missing_glyphs, lay_out, prepare_print, printed_by, share_fonts
from app.supervision.meetings import HOLDING_LEVELS, MEETING_KINDS
from app.supervision.models import Meeting, Training

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
    # Only what changed: the binder page numbers its pages take, and how many it had.
    replaces: list[str] = field(default_factory=list)
    old_pages: int = 0

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


def meetings_and_trainings(division: Division, start: date, end: date) -> tuple[list[Meeting], list[Training]]:
    """The meetings and trainings of the period held by the unit, by the units above it
    (the town's 调度会 that set the grid's work) and by those under it."""
    above = [d.id for d in division.ancestors() if d.level in HOLDING_LEVELS]
    under = select(Division.id).where(Division.code.startswith(division.code, autoescape=True))

    def held(model):
        return list(
            db.session.scalars(
                select(model)
                .where(
                    model.held_on.between(start, end),
                    or_(model.division_id.in_(under), model.division_id.in_(above)),
                )
                .options(selectinload(model.attendees), selectinload(model.division))
                .order_by(model.held_on, model.id)
            )
        )

    return held(Meeting), held(Training)


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
    # Each grid's registered households and residents (form 1's counts) beside the
    # estimates of its profile, labelled as estimates: the binder agrees with itself.
    registered = {row.grid.id: row for row in grid_statistics(scope)}
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
                    grids=[(grid, registered.get(grid.id)) for grid in _grids_of(division)],
                    staff=staff,
                    period=period,
                )
            ],
        )
    )
    # The county's pages, then the community's own (楼栋长职责, 文明卫生公约 …).
    pages = ordered_pages(community_of(division))
    sections.append(BinderSection("manual", _("工作手册"), len(pages), [manual_job(pages, numbered=False)]))
    for ledger in all_ledgers():
        if user is not None and ledger.key_persons and not may_see_key_persons(user):
            continue
        jobs, count = ledger_jobs(ledger, scope, numbered=False)
        sections.append(BinderSection(f"ledger-{ledger.number}", f"{ledger.number}. {ledger.title}", count, jobs))
    title = _("会议和培训记录")
    meetings, trainings = meetings_and_trainings(division, start, end)
    sections.append(
        BinderSection(
            "meetings",
            title,
            len(meetings) + len(trainings),
            [
                prepare_print(
                    "print/binder_meetings.html",
                    title=title,
                    numbered=False,
                    division=division,
                    meetings=meetings,
                    trainings=trainings,
                    meeting_kinds=MEETING_KINDS,
                    period=period,
                )
            ],
        )
    )
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
    """What the last binder of a unit and period held: each section's digest and, from
    the last whole binder, where its pages are (first page, how many) and how many
    pages the binder has — so "only what changed" can number its pages as the binder
    pages they replace. (An older manifest held digests alone.)"""

    def __init__(self, division: Division, start: date, end: date):
        folder = print_folder() / "binders" / "manifests"
        self.path = folder / f"{division.code}_{start:%Y%m%d}_{end:%Y%m%d}.json"

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {"digests": {}, "places": {}, "total": 0}
        if "digests" not in data:  # the older form: {key: digest}
            return {"digests": data, "places": {}, "total": 0}
        return data

    def read(self) -> dict[str, str]:
        return self._load()["digests"]

    def places(self) -> tuple[dict[str, list[int]], int]:
        """key → [first page, pages] in the last whole binder, and its page count."""
        data = self._load()
        return data.get("places", {}), int(data.get("total", 0))

    def remember(self, sections: list[BinderSection], total: int | None = None) -> None:
        """Keep the digests of the sections printed; with `total` (a whole binder),
        where each section's pages are."""
        data = self._load()
        data["digests"].update({s.key: s.digest for s in sections if s.included})
        if total is not None:
            data["places"] = {s.key: [s.start_page, s.pages] for s in sections}
            data["total"] = total
        private_folder(self.path.parent)
        partial = self.path.with_suffix(".part")
        write_private(partial, json.dumps(data, ensure_ascii=False))
        partial.replace(self.path)


def replacement_labels(section: BinderSection, place: list[int]) -> list[str]:
    """The binder page numbers a changed section's pages take: its old pages in turn;
    pages beyond them numbered after its last one (20-1, 20-2) to be inserted there."""
    first, count = place
    last = first + count - 1
    return [str(first + n) if n < count else f"{last}-{n - count + 1}" for n in range(section.pages)]


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

    outcomes = lay_out_parts(share_fonts([job for _s, job in jobs]), cache=print_cache(), on_done=part_done)
    for (section, _job), outcome in zip(jobs, outcomes):
        section.pages += outcome.laid_out.pages

    scope = LedgerScope(division, start, end)
    places, binder_total = manifest.places()
    # Only what changed, with the pages of the last whole binder known: the changed
    # pages take the numbers of the pages they replace, after a list of which to swap.
    swapping = only_changed and binder_total > 0 and all(s.key in places for s in included)
    binder_title = _("网格工作台账（迎检包）")
    if swapping:
        for section in included:
            section.start_page = places[section.key][0]
            section.replaces = replacement_labels(section, places[section.key])
            section.old_pages = places[section.key][1]
        toc_job = prepare_print(
            "print/binder_swap.html",
            title=_("换页清单"),
            numbered=False,
            sections=included,
            division=division,
            period=scope.period_label,
            binder_total=binder_total,
        )
        front, front_jobs = [lay_out(toc_job)], [toc_job]
    else:
        cover_job = prepare_print(
            "print/binder_cover.html",
            title=binder_title,
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
        front, front_jobs = [cover, toc], [cover_job, toc_job]
    done += 1
    if progress is not None:
        progress(done, total, _("封面和目录"))

    printed_at = to_local(utcnow())
    labels = None
    if swapping:
        list_pages = front[0].pages
        pattern = _("第 {page} 页 / 共 {pages} 页")
        labels = [_("换页清单 第 %(n)d 页", n=n) for n in range(1, list_pages + 1)]
        labels += [pattern.format(page=label, pages=binder_total) for s in included for label in s.replaces]
    pdf, pages = join_and_number(
        [*(part.pdf for part in front), *(o.laid_out.pdf for o in outcomes)],
        binder_title,
        printed_at,
        printed_by(user),
        page_labels=labels,
    )
    manifest.remember(sections, total=None if only_changed else pages)
    done += 1
    if progress is not None:
        progress(done, total, _("装订"))
    glyphs = [g for job in [*front_jobs, *(j for _s, j in jobs)] for g in job_missing_glyphs(job)]
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
