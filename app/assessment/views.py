"""The scoreboards (考核排名): monthly or annual, per grid or per grid worker, for the
user's scope; each row opens its breakdown, every deduction and bonus linked to the
record behind it; the board as xlsx (audited). A grid worker sees their own grid's
row and their own; another grid's or another worker's breakdown is a 404."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app.assessment import accountability, bp, reference, scoring
from app.auth import audit
from app.auth.roles import Permission
from app.core.rendering import xlsx_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Division, StaffMember
from app.org.services import grid_label


def _period() -> scoring.Period:
    return scoring.Period.parse(request.args.get("period"), local_today())


def period_choices(today: date) -> list[tuple[str, str]]:
    """The last twelve months, then this year and the two before (annual boards)."""
    choices = []
    year, month = today.year, today.month
    for _i in range(12):
        period = scoring.Period(year, month)
        choices.append((period.param, period.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    choices += [(str(y), scoring.Period(y).label) for y in (today.year, today.year - 1, today.year - 2)]
    return choices


def _units() -> list[Division]:
    return list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level.in_(("town", "community", "grid")), Division.status == "active")
            .order_by(Division.code)
        )
    )


def _picked_unit() -> Division | None:
    division_id = request.args.get("division_id", type=int)
    return get_visible_or_404(Division, division_id) if division_id else None


def _grids(unit: Division | None, period: scoring.Period) -> list[Division]:
    """The grids that existed during the period: a grid retired by a split or merge is
    scored for the months it was there, its new grids from the day they began."""
    statement = scoped_select(Division).where(
        Division.level == "grid",
        Division.valid_from <= period.last,
        or_(Division.valid_to.is_(None), Division.valid_to >= period.first),
    )
    if unit is not None:
        statement = statement.where(Division.code.startswith(unit.code, autoescape=True))
    return list(db.session.scalars(statement.order_by(Division.code)))


def own_staff_ids() -> list[int] | None:
    """A grid worker's own staff records (their row only); None for everyone who sees
    their colleagues' rows too."""
    if current_user.can(Permission.SEE_COLLEAGUES_ROWS):
        return None
    return list(db.session.scalars(select(StaffMember.id).where(StaffMember.user_id == current_user.id)))


def _rows(kind: str, period: scoring.Period, unit: Division | None) -> list[scoring.ScoreRow]:
    grids = _grids(unit, period)
    if kind == "worker":
        return scoring.worker_board(grids, period, staff_ids=own_staff_ids())
    return scoring.grid_board(grids, period)


def _kind() -> str:
    return "worker" if request.args.get("kind") == "worker" else "grid"


def breakdown_url(row: scoring.ScoreRow, period: scoring.Period) -> str:
    if row.kind == "grid":
        return url_for("assessment.grid_breakdown", division_id=row.subject.id, period=period.param)
    return url_for("assessment.worker_breakdown", staff_id=row.subject.id, period=period.param)


@bp.route("/assessment/")
@login_required
def board():
    """The monthly or annual scoreboard of the user's grids or grid workers."""
    kind, period, unit = _kind(), _period(), _picked_unit()
    in_use = reference.in_use_from()
    counted_from = period.counted_from(in_use)
    # A period wholly before the in-use date is not assessed: no board at all, rather
    # than a row of 100s that reads like a result.
    rows = sorted(_rows(kind, period, unit), key=lambda r: (-r.score, r.label)) if counted_from else []
    flagged = [(reference.FLAG_LABELS[code], sum(1 for r in rows if r.flag == code)) for code in reference.FLAG_ORDER]
    chiefs_flagged = {}
    if period.is_year and kind == "grid" and rows:
        chiefs_flagged = accountability.flagged_grids([r.subject for r in rows], period.year)
    return render_template(
        "assessment/board.html",
        rows=rows,
        in_use=in_use,
        counted_from=counted_from,
        chiefs_flagged=chiefs_flagged,
        flagged=[(label, n) for label, n in flagged if n],
        kind=kind,
        period=period,
        unit=unit,
        units=_units(),
        periods=period_choices(local_today()),
        breakdown_url=breakdown_url,
        thresholds=reference.thresholds(),
        grid_label=grid_label,
    )


def board_columns(kind: str) -> list[Column]:
    return [
        Column(lambda r: r[0], _("名次"), 6, "int"),
        Column(lambda r: r[1].label, str(reference.KINDS[kind]), 24),
        Column(lambda r: r[1].grid_names, _("所在网格"), 20),
        Column(lambda r: r[1].deducted, _("扣分"), 8, "int"),
        Column(lambda r: r[1].added, _("加分"), 8, "int"),
        Column(lambda r: r[1].score, _("得分"), 8, "int"),
        Column(lambda r: r[1].flag_label, _("处理"), 10),
        Column(lambda r: _("；").join(r[1].survey_flags), _("满意率低于要求"), 24),
        Column(lambda r: _("；").join(r[1].public_surveys), _("网上评价（另列）"), 40),
        Column(
            lambda r: _("；").join(f"{line.rule.name} {line.points}" for line in r[1].lines if line.entries),
            _("扣分、加分明细"),
            60,
        ),
    ]


@bp.route("/assessment/board.xlsx")
@login_required
def export_board():
    """The same board as xlsx, audited like every export."""
    kind, period, unit = _kind(), _period(), _picked_unit()
    rows = sorted(_rows(kind, period, unit), key=lambda r: (-r.score, r.label))
    scope = unit.name if unit else _("全部（我的管辖范围）")
    title = _("%(period)s%(kind)s考核得分（%(scope)s）", period=period.label, kind=reference.KINDS[kind], scope=scope)
    payload = write_table(board_columns(kind), list(enumerate(rows, 1)), title=title, sheet_name=_("考核得分"))
    audit.record_now(
        "assessment_exported",
        summary=title,
        detail={"period": period.param, "kind": kind, "division": unit.code if unit else None, "rows": len(rows)},
    )
    return xlsx_download(payload, _("考核得分"))


def _render_breakdown(row: scoring.ScoreRow, period: scoring.Period, grids: list[Division]):
    in_use = reference.in_use_from()
    return render_template(
        "assessment/breakdown.html",
        row=row,
        period=period,
        in_use=in_use,
        counted_from=period.counted_from(in_use),
        periods=period_choices(local_today()),
        thresholds=reference.thresholds(),
        withdrawn=scoring.withdrawn_cards(row, period, [g.id for g in grids]),
        colours=reference.CARD_COLOURS,
    )


@bp.route("/assessment/grids/<int:division_id>")
@login_required
def grid_breakdown(division_id: int):
    """A grid's score: each deduction and bonus with the record behind it."""
    grid = get_visible_or_404(Division, division_id)
    if grid.level != "grid":
        abort(404)
    period = _period()
    return _render_breakdown(scoring.grid_board([grid], period)[0], period, [grid])


@bp.route("/assessment/workers/<int:staff_id>")
@login_required
def worker_breakdown(staff_id: int):
    """A grid worker's score (a grid worker sees only their own)."""
    staff = get_visible_or_404(StaffMember, staff_id)
    own = own_staff_ids()
    if own is not None and staff.id not in own:
        abort(404)
    period = _period()
    grids = _grids(None, period)
    rows = scoring.worker_board(grids, period, staff_ids=[staff.id])
    if not rows:
        abort(404)
    return _render_breakdown(rows[0], period, grids)
