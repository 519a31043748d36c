"""Visit pages: the grids, a grid's due and overdue households with its quarter's
figures, verification rates for any division, the visit lists, and one visit
(record, view, correct, delete, report its follow-up as a matter). Records are looked
up through app.core.scoping; the rules live in services, schedule and rates."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission, may_see_key_persons
from app.core import location
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, is_visible, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import visible_grids
from app.registry.people.models import Household
from app.visits import bp, rates, reference, schedule, services
from app.visits.forms import NewVisitForm, OpenMatterForm, OrganisationVisitForm, VisitForm, type_choices
from app.visits.models import Visit

PER_PAGE = 50


def visible_grid_or_404(division_id: int) -> Division:
    grid = get_visible_or_404(Division, division_id)
    if not grid.is_grid:
        abort(404)
    return grid


def grid_households(grid: Division) -> list[Household]:
    return list(
        db.session.scalars(
            scoped_select(Household)
            .where(Household.grid_id == grid.id, Household.status == "active")
            .options(selectinload(Household.building), selectinload(Household.head))
        )
    )


@dataclass
class ListPage:
    """A page of an in-memory list, shaped for the pager macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def list_page(items: list) -> ListPage:
    number = max(1, request.args.get("page", 1, type=int))
    return ListPage(items[(number - 1) * PER_PAGE : number * PER_PAGE], number, PER_PAGE, len(items))


@bp.app_context_processor
def _household_visits():
    """For the household page's small include (its last visits) and the matter page
    (the visit a matter came from), both in the user's scope."""

    def household_visits(household, limit=5):
        return list(
            db.session.scalars(
                scoped_select(Visit)
                .where(Visit.household_id == household.id)
                .order_by(Visit.visited_on.desc(), Visit.id.desc())
                .limit(limit)
            )
        )

    def visit_origins(matter) -> list[tuple[str, str]]:
        """The visit a matter was opened from, as (label, url), when the user may see it."""
        visit = db.session.scalar(scoped_select(Visit).where(Visit.matter_id == matter.id))
        if visit is None:
            return []
        return [
            (
                _("入户走访（%(day)s）", day=visit.visited_on.isoformat()),
                url_for("visits.visit_detail", visit_id=visit.id),
            )
        ]

    return {"household_visits": household_visits, "visit_origins": visit_origins}


@bp.route("/")
@login_required
def index():
    """The grids the user may see, and the divisions whose rates they may read."""
    grids = visible_grids()
    tops = list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level.in_(("county", "town", "community")), Division.status == "active")
            .order_by(Division.code)
        )
    )
    if not grids and not tops:
        abort(404)
    return render_template("visits/index.html", grids=grids, tops=tops)


@bp.route("/grids/<int:division_id>")
@login_required
def grid_due(division_id: int):
    """Who is due and overdue in a grid, with the quarter's verification rates and
    the key-group quota."""
    grid = visible_grid_or_404(division_id)
    today = local_today()
    state = request.args.get("state", "")
    found = [s for s in schedule.statuses(grid_households(grid), today) if s.state != "done"]
    counts = {"overdue": sum(s.is_overdue for s in found), "due": sum(not s.is_overdue for s in found)}
    if state in counts:
        found = [s for s in found if s.state == state]
    found.sort(key=lambda s: (not s.is_overdue, s.due_by, schedule.walking_order(s.household)))
    start, end = rates.quarter_of(today)
    quota = rates.key_group_quota([grid.id], start, end)[grid.id] if may_see_key_persons(current_user) else None
    page = list_page(found)
    last = schedule.last_visits([s.household.id for s in page.items])
    return render_template(
        "visits/grid.html",
        grid=grid,
        page=page,
        last=last,
        counts=counts,
        state=state,
        rate_rows=rates.verification_rates([grid.id], start, end, today),
        quarter=rates.quarter_label(start),
        quota=quota,
        tiers=reference.TIERS,
        annual=rates.annual_checks([grid.id], today.year, today)[grid.id],
        year=today.year,
        annual_until=today,
        corrections=rates.corrections_due([grid.id]),
        may_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/divisions/<int:division_id>/rates")
@login_required
def division_rates(division_id: int):
    """核实率 by class for a grid, community, town or the county, for a quarter."""
    division = get_visible_or_404(Division, division_id)
    today = local_today()
    start, end = rates.parse_quarter(request.args.get("quarter"), today)
    grid_ids = [g.id for g in rates.grids_under(division, start, end)]
    children = list(
        db.session.scalars(
            # The parts that existed in the quarter: a grid retired by a later split is
            # still listed for the quarters it was there, its new grids from theirs.
            scoped_select(Division)
            .where(
                Division.parent_id == division.id,
                Division.valid_from <= end,
                or_(Division.valid_to.is_(None), Division.valid_to >= start),
            )
            .order_by(Division.code)
        )
    )
    return render_template(
        "visits/rates.html",
        division=division,
        quarter=rates.quarter_label(start),
        start=start,
        end=end,
        rate_rows=rates.verification_rates(grid_ids, start, end, today),
        organisation_rows=services.organisation_visit_counts(grid_ids, start, end),
        organisation_kinds=reference.ORGANISATION_KINDS,
        tiers=reference.TIERS,
        annual=rates.annual_total(rates.annual_checks(grid_ids, end.year, min(end, today))),
        year=end.year,
        annual_until=min(end, today),
        corrections_count=rates.count_corrections_due(grid_ids),
        children=children,
        grid_count=len(grid_ids),
        parent_visible=division.parent is not None and is_visible(division.parent),
    )


@bp.route("/grids/<int:division_id>/visits")
@login_required
def grid_visits(division_id: int):
    """The visits recorded in a grid, newest first."""
    grid = visible_grid_or_404(division_id)
    page = paginate(
        scoped_select(Visit)
        .where(Visit.grid_id == grid.id)
        # The household's address reads its building: loaded with the page.
        .options(selectinload(Visit.household).selectinload(Household.building), selectinload(Visit.visitors))
        .order_by(Visit.visited_on.desc(), Visit.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template("visits/list.html", grid=grid, household=None, page=page)


@bp.route("/households/<int:household_id>/visits")
@login_required
def household_visit_list(household_id: int):
    """Every visit of one household."""
    household = get_visible_or_404(Household, household_id)
    page = paginate(
        scoped_select(Visit)
        .where(Visit.household_id == household.id)
        .options(selectinload(Visit.visitors))
        .order_by(Visit.visited_on.desc(), Visit.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template("visits/list.html", grid=household.grid, household=household, page=page)


def visit_values(form) -> services.VisitValues:
    return services.VisitValues(
        visited_on=form.visited_on.data,
        visit_type=form.visit_type.data or "",
        visitor_ids=list(form.visitor_ids.data or []),
        found=form.found.data or "",
        needs=form.needs.data or "",
        follow_up=form.follow_up.data or "",
    )


def _visitor_choices(form, grid: Division) -> None:
    form.visitor_ids.choices = [(s.id, s.name) for s in services.visitor_choices(grid)]


def own_staff_ids() -> list[int]:
    staff = getattr(current_user, "staff_member", None)
    if staff is None:
        from app.org.models import StaffMember

        staff = db.session.scalar(select(StaffMember).where(StaffMember.user_id == current_user.id))
    return [staff.id] if staff is not None else []


@bp.route("/households/<int:household_id>/new", methods=["GET", "POST"])
@login_required
def new_visit(household_id: int):
    """Record a visit; its follow-up may be reported as a matter in the same step."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    if household.status != "active":
        abort(404)
    form = NewVisitForm()
    _visitor_choices(form, household.grid)
    if request.method == "GET":
        form.visited_on.data = local_today()
        form.visit_type.data = "routine"
        form.visitor_ids.data = [i for i in own_staff_ids() if i in dict(form.visitor_ids.choices)]
    if form.validate_on_submit():
        matter = None
        if form.open_matter.data:
            matter = services.MatterRequest(form.matter_class.data or "", form.matter_description.data or "")
        values = visit_values(form)
        values.position = location.from_form(form)
        with saving(form) as saved:
            visit = services.record_visit(household, values, user=current_user, matter=matter)
        if saved:
            flash(
                _("已保存走访记录。")
                if visit.matter is None
                else _("已保存走访记录，并上报事件 %(number)s。", number=visit.matter.number),
                "success",
            )
            return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)
    return render_template("visits/form.html", form=form, household=household, visit=None)


@bp.route("/organisations/<int:organisation_id>/new", methods=["GET", "POST"])
@login_required
def new_organisation_visit(organisation_id: int):
    """A visit to a party organisation, an owners' committee or another organisation of
    the grid; back to the organisation's page, which lists its visits."""
    from app.registry.organisations.models import Organisation

    organisation = get_visible_or_404(Organisation, organisation_id)
    require(Permission.EDIT_REGISTERS)
    form = OrganisationVisitForm()
    _visitor_choices(form, organisation.grid)
    if request.method == "GET":
        form.visited_on.data = local_today()
        form.visitor_ids.data = [i for i in own_staff_ids() if i in dict(form.visitor_ids.choices)]
    if form.validate_on_submit():
        values = services.OrganisationVisitValues(
            form.visited_on.data,
            list(form.visitor_ids.data or []),
            form.found.data or "",
            form.needs.data or "",
            form.follow_up.data or "",
        )
        with saving(form) as saved:
            services.record_organisation_visit(organisation, values, current_user, local_today())
        if saved:
            flash(_("已保存走访记录。"), "success")
            return redirect(url_for("registry.organisation_detail", organisation_id=organisation.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("visits/organisation_form.html", form=form, organisation=organisation), status


@bp.route("/<int:visit_id>")
@login_required
def visit_detail(visit_id: int):
    visit = get_visible_or_404(Visit, visit_id)
    form = OpenMatterForm() if visit.matter_id is None else None
    return render_template(
        "visits/detail.html", visit=visit, form=form, may_edit=current_user.can(Permission.EDIT_REGISTERS)
    )


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_visit(visit_id: int):
    visit = get_visible_or_404(Visit, visit_id)
    require(Permission.EDIT_REGISTERS)
    if visit.record_check:  # recorded on the 入户核实表
        from app.visits.verification_views import edit_verification

        return edit_verification(visit)
    form = VisitForm(obj=visit)
    form.visit_type.choices = type_choices(visit.visit_type)
    _visitor_choices(form, visit.grid)
    known = dict(form.visitor_ids.choices)
    # A visitor who has since left the grid stays choosable on their own visit.
    form.visitor_ids.choices += [(s.id, s.name) for s in visit.visitors if s.id not in known]
    if request.method == "GET":
        form.visitor_ids.data = [s.id for s in visit.visitors]
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_visit(visit, visit_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)
    return render_template("visits/form.html", form=form, household=visit.household, visit=visit)


@bp.route("/<int:visit_id>/delete", methods=["POST"])
@login_required
def delete_visit(visit_id: int):
    visit = get_visible_or_404(Visit, visit_id)
    require(Permission.EDIT_REGISTERS)
    household_id = visit.household_id
    try:
        services.delete_visit(visit, user=current_user)
    except services.VisitError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("visits.visit_detail", visit_id=visit_id), code=303)
    db.session.commit()
    flash(_("已删除走访记录。"), "success")
    return redirect(url_for("visits.household_visit_list", household_id=household_id), code=303)


@bp.route("/<int:visit_id>/matter", methods=["POST"])
@login_required
def open_visit_matter(visit_id: int):
    """Report the follow-up of an already saved visit as a matter."""
    visit = get_visible_or_404(Visit, visit_id)
    require(Permission.EDIT_REGISTERS)
    form = OpenMatterForm()
    if form.validate_on_submit():
        request_ = services.MatterRequest(form.matter_class.data or "", form.matter_description.data or "")
        with saving(form) as saved:
            matter = services.open_matter(visit, request_, user=current_user)
        if saved:
            flash(_("已上报事件 %(number)s。", number=matter.number), "success")
            return redirect(url_for("visits.visit_detail", visit_id=visit.id), code=303)
    return render_template(
        "visits/detail.html", visit=visit, form=form, may_edit=current_user.can(Permission.EDIT_REGISTERS)
    ), 200
