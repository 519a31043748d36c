"""上岗公示 and 值班表: the rules behind the grid poster, the public grid page and the
station's duty roster. Plain functions over the session; views and CLI stay thin.

Nothing here reads residents: the poster, the public page and the roster notice show
staff only (name, role, photo, work phone — the public duty number) and the grid."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import segno
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.addresses import public_url
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.org import photos
from app.org.models import Building, Division, StaffMember, StaffRole
from app.org.services import active_assignments, chain_of
from app.printing.pdf import PrintResult, render_pdf
from app.printing.roster_models import DutyRoster, DutyShift

# Who comes first on the poster and the public page.
ROLE_ORDER = [
    StaffRole.TOTAL_CHIEF,
    StaffRole.FIRST_LEVEL_CHIEF,
    StaffRole.SECOND_LEVEL_CHIEF,
    StaffRole.AREA_CHIEF,
    StaffRole.AREA_WORKER,
    StaffRole.GRID_CHIEF,
    StaffRole.FULL_TIME_WORKER,
    StaffRole.PART_TIME_WORKER,
    StaffRole.PARTY_HEAD,
    StaffRole.BUILDING_CHIEF,
    StaffRole.BEAT_POLICE,
    StaffRole.VOLUNTEER,
    StaffRole.OTHER,
]
DUTIES = [
    _l("采集更新网格内人、地、事、物、组织等基础信息"),
    _l("每日巡查走访，及时发现、报告和处置安全隐患与矛盾纠纷"),
    _l("收集群众诉求，能办的当场办，办不了的按流程上报并跟踪反馈"),
    _l("宣传党的政策和法律法规，开展便民代办服务"),
    _l("关心关爱孤寡老人、留守儿童、困难家庭等特殊群体"),
]
DEFAULT_COMPLAINT = _l("对网格员的工作有意见或建议，请向%(town)s或%(community)s反映，也可拨打 12345 政务服务便民热线。")
PERIOD_KINDS = {"week": _l("周值班表"), "month": _l("月值班表")}
# The poster is one A3 sheet: this many staff cards fit on it beside the QR code and the
# complaint channel (tests/printing/test_poster.py prints 16 with photos and long names).
POSTER_CARDS = 16


def poster_density(count: int) -> int:
    """Cards to a row on the poster: big cards for a small team, smaller as it grows."""
    if count <= 4:
        return 2
    if count <= 9:
        return 3
    return 4


@dataclass
class PostedStaff:
    """One line of the poster / public page: a staff member in one role."""

    staff: StaffMember
    role_label: str
    photo_path: object  # pathlib.Path | None


def grid_staff(grid: Division, day: date | None = None) -> list[PostedStaff]:
    """The grid's staff today (active assignments), grid chief first."""
    rank = {role.value: index for index, role in enumerate(ROLE_ORDER)}
    upload_root = current_app.config["UPLOAD_FOLDER"]
    assignments = sorted(
        active_assignments([grid.id], day), key=lambda a: (rank.get(a.role, len(rank)), a.staff.name, a.id)
    )
    return [
        PostedStaff(a.staff, a.role_label, photos.path_of(a.staff.photo_filename, upload_root)) for a in assignments
    ]


def public_grid_url(grid: Division) -> str:
    """The absolute address of the grid's public page, from PUBLIC_BASE_URL (the
    address residents reach, e.g. https://wg.example.gov.cn), never from the request's
    host (app/core/addresses.py)."""
    return public_url("public.grid", grid_code=grid.code)


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg_uri(url: str) -> str:
    """The QR code as an SVG data: URI (vector: sharp at any print size)."""
    return qr_code(url).svg_data_uri(scale=4, border=4)


def complaint_text(grid: Division) -> str:
    """How to complain: the POSTER_COMPLAINT_TEXT setting (may use {town} and
    {community}), else a default naming the town, the community and 12345."""
    community = grid.parent
    town = community.parent if community is not None else None
    names = {"town": town.name if town else "", "community": community.name if community else ""}
    setting = current_app.config.get("POSTER_COMPLAINT_TEXT")
    if setting:
        return setting.format(**names)
    return str(DEFAULT_COMPLAINT % names)


def boundary(grid: Division) -> list[tuple[str, str]]:
    profile = grid.current_profile
    if profile is None:
        return []
    sides = [
        (_("东至"), profile.boundary_east),
        (_("南至"), profile.boundary_south),
        (_("西至"), profile.boundary_west),
        (_("北至"), profile.boundary_north),
    ]
    return [(label, value) for label, value in sides if value]


def poster_pdf(grid: Division) -> tuple[PrintResult, int]:
    """The A3 上岗公示 poster, made from today's data (so it always shows the current
    staff); returns the result and the number of staff on it. One sheet for up to
    POSTER_CARDS staff; the rest are listed on a second sheet."""
    staff = grid_staff(grid)
    url = public_grid_url(grid)
    result = render_pdf(
        "print/poster.html",
        title=_("网格员上岗公示"),
        confidential=False,
        page_size="A3",
        grid=grid,
        community=grid.parent,
        staff=staff[:POSTER_CARDS],
        rest=staff[POSTER_CARDS:],
        density=poster_density(min(len(staff), POSTER_CARDS)),
        boundary=boundary(grid),
        chain=chain_of(grid),
        duties=[str(d) for d in DUTIES],
        complaint=complaint_text(grid),
        public_url=url,
        qr_uri=qr_svg_uri(url),
        today=local_today(),
    )
    return result, len(staff)


# --- Finding one's grid ----------------------------------------------------------------


def community_buildings(community: Division) -> list[Building]:
    """The community's buildings (with their grid), for "which grid is mine"."""
    return list(
        db.session.scalars(
            select(Building).where(Building.community_id == community.id).order_by(Building.number, Building.id)
        )
    )


# --- Duty rosters -------------------------------------------------------------------


class RosterError(ValueError):
    pass


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The week (Monday–Sunday) or the month holding `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == "month":
        start = day.replace(day=1)
        return start, day.replace(day=calendar.monthrange(day.year, day.month)[1])
    raise RosterError(_("值班表的周期只能是周或月。"))


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def roster_for(community: Division, kind: str, start: date) -> DutyRoster | None:
    return db.session.scalar(
        select(DutyRoster).where(
            DutyRoster.community_id == community.id, DutyRoster.period_kind == kind, DutyRoster.period_start == start
        )
    )


def roster_candidates(
    community: Division, day: date | None = None, roster: DutyRoster | None = None
) -> list[StaffMember]:
    """Who may be put on duty: staff of the station (home unit) and staff assigned
    to the community or its grids today — and anyone already on the roster."""
    grid_ids = [g.id for g in community.children if g.status == "active"]
    assigned = {a.staff_id for a in active_assignments([community.id, *grid_ids], day)}
    ids = set(assigned) | set(
        db.session.scalars(select(StaffMember.id).where(StaffMember.home_division_id == community.id))
    )
    if roster is not None:
        ids |= {s.staff_id for s in roster.shifts}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(StaffMember).where(StaffMember.id.in_(ids)).order_by(StaffMember.name, StaffMember.id)
        )
    )


def save_roster(
    community: Division, kind: str, start: date, on_duty: dict[date, set[int]], notes: dict[date, str], user=None
) -> DutyRoster:
    """Replace the period's shifts with `on_duty` (day → staff ids) and its notes (day →
    text): a note is kept whether or not anyone is on duty that day."""
    start, end = period_bounds(kind, start)
    allowed = {s.id for s in roster_candidates(community, start, roster_for(community, kind, start))}
    roster = roster_for(community, kind, start)
    if roster is None:
        roster = DutyRoster(community=community, period_kind=kind, period_start=start, period_end=end)
        db.session.add(roster)
    roster.shifts.clear()
    db.session.flush()
    day_notes = {}
    for day in days_of(start, end):
        note = (notes.get(day) or "").strip()[:100]
        if note:
            day_notes[day.isoformat()] = note
        for staff_id in sorted(on_duty.get(day, set())):
            if staff_id not in allowed:
                raise RosterError(_("只能安排本社区（村）的工作人员值班。"))
            roster.shifts.append(DutyShift(day=day, staff_id=staff_id))
    roster.day_notes = day_notes
    roster.updated_at = utcnow()
    roster.updated_by_id = getattr(user, "id", None)
    return roster


def current_rosters(community: Division, day: date | None = None) -> list[DutyRoster]:
    """The rosters covering `day` (a week roster before a month roster)."""
    day = day or local_today()
    rosters = db.session.scalars(
        select(DutyRoster).where(
            DutyRoster.community_id == community.id, DutyRoster.period_start <= day, DutyRoster.period_end >= day
        )
    )
    return sorted((r for r in rosters if not r.is_empty), key=lambda r: r.period_kind != "week")


@dataclass
class RosterDay:
    day: date
    staff: list[StaffMember]
    note: str


def roster_days(roster: DutyRoster) -> list[RosterDay]:
    by_day = {d: RosterDay(d, [], roster.note_on(d)) for d in days_of(roster.period_start, roster.period_end)}
    for shift in roster.shifts:
        by_day[shift.day].staff.append(shift.staff)
    return list(by_day.values())


def roster_title(roster: DutyRoster) -> str:
    return _(
        "%(community)s值班表（%(start)s 至 %(end)s）",
        community=roster.community.name,
        start=roster.period_start.isoformat(),
        end=roster.period_end.isoformat(),
    )


def roster_weeks(days: list[RosterDay]) -> list[list[RosterDay | None]]:
    """The days as calendar rows, Monday to Sunday; None where a row runs outside."""
    weeks: list[list[RosterDay | None]] = []
    for entry in days:
        if not weeks or entry.day.weekday() == 0:
            weeks.append([None] * 7)
        weeks[-1][entry.day.weekday()] = entry
    return weeks


def roster_pdf(roster: DutyRoster) -> PrintResult:
    """The notice posted at the station: a week on A4 portrait (dates × staff on duty
    with their work phones), a month as a calendar on one A4 landscape sheet."""
    community = roster.community
    town = community.parent
    days = roster_days(roster)
    month = roster.period_kind == "month"
    weeks = roster_weeks(days) if month else []
    return render_pdf(
        "print/roster.html",
        title=roster_title(roster),
        confidential=False,
        page_size="A4 landscape" if month else "A4",
        roster=roster,
        community=community,
        town=town,
        days=days,
        month=month,
        weeks=weeks,
        # Five or six weeks share the sheet's height below the title, above the phones.
        cell_height=110 // max(len(weeks), 1),
        weekday_labels=[str(label) for label in WEEKDAYS],
        staff=sorted({s.staff for s in roster.shifts}, key=lambda s: (s.name, s.id)),
        weekday=weekday_label,
    )


WEEKDAYS = [_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日")]


def weekday_label(day: date) -> str:
    return str(WEEKDAYS[day.weekday()])
