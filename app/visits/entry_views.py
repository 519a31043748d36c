"""The printed route sheet (入户走访路线单) and its back-entry screen.

Both list the same households — due or overdue, the next visit due within the
chosen number of days — in the same walking order (building, unit, room). The
back-entry screen is one plain form: one submit saves every filled row. With htmx,
Enter in a row posts that row alone and the row comes back saved (or with its
errors), so the rest of the sheet is not touched."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.identity import age_on
from app.core.rendering import pdf_download
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.extensions import db
from app.printing.pdf import render_pdf
from app.printing.views import audit_print
from app.registry.people.models import Household, HouseholdMember, Resident
from app.visits import bp, schedule, services
from app.visits.forms import EntryCommonForm, type_choices
from app.visits.models import Visit
from app.visits.views import grid_households, own_staff_ids, visible_grid_or_404

WITHIN_CHOICES = (7, 14, 31)
DEFAULT_WITHIN = 14


def _within() -> int | None:
    """Days ahead to include; 0 means every household that is due."""
    days = request.values.get("days", DEFAULT_WITHIN, type=int)
    if days == 0:
        return None
    return days if days in WITHIN_CHOICES else DEFAULT_WITHIN


@dataclass
class EntryRow:
    status: schedule.DueStatus
    values: dict = field(default_factory=lambda: {"type": "routine", "found": "", "needs": ""})
    errors: dict = field(default_factory=dict)
    visit: Visit | None = None

    @property
    def household(self) -> Household:
        return self.status.household

    @property
    def filled(self) -> bool:
        return bool(self.values["found"].strip() or self.values["needs"].strip())


def _read_row(row: EntryRow) -> EntryRow:
    hid = row.household.id
    row.values = {
        "type": request.form.get(f"type-{hid}", "routine"),
        "found": request.form.get(f"found-{hid}", ""),
        "needs": request.form.get(f"needs-{hid}", ""),
    }
    return row


def _common_form(grid) -> EntryCommonForm:
    form = EntryCommonForm()
    form.visitor_ids.choices = [(s.id, s.name) for s in services.visitor_choices(grid)]
    if request.method == "GET":
        form.visited_on.data = local_today()
        form.visitor_ids.data = [i for i in own_staff_ids() if i in dict(form.visitor_ids.choices)]
    return form


def _save_row(row: EntryRow, form: EntryCommonForm) -> None:
    """Save one filled row inside a savepoint; a refusal stays at the row's field."""
    values = services.VisitValues(
        visited_on=form.visited_on.data,
        visit_type=row.values["type"],
        visitor_ids=list(form.visitor_ids.data or []),
        found=row.values["found"],
        needs=row.values["needs"],
    )
    savepoint = db.session.begin_nested()
    try:
        row.visit = services.record_visit(row.household, values, user=current_user)
        savepoint.commit()
    except services.VisitError as error:
        savepoint.rollback()
        if error.field in ("visited_on", "visitor_ids"):
            getattr(form, error.field).errors = [str(error)]
            row.errors["row"] = _("请先填写上方的走访日期和走访人员。")
        else:
            row.errors[error.field or "row"] = str(error)


def _common_ok(form: EntryCommonForm) -> bool:
    ok = form.validate()
    if ok and not form.visitor_ids.data:
        form.visitor_ids.errors = [_("请选择走访人员。")]
        ok = False
    return ok


@bp.route("/grids/<int:division_id>/entry", methods=["GET", "POST"])
@login_required
def back_entry(division_id: int):
    """回填: the route sheet's households as rows to type the visits back in."""
    grid = visible_grid_or_404(division_id)
    require(Permission.EDIT_REGISTERS)
    within = _within()
    form = _common_form(grid)
    if request.method == "GET":
        rows = [EntryRow(s) for s in schedule.due_for_route(grid_households(grid), local_today(), within)]
        return render_template(
            "visits/entry.html",
            visit_form_kinds=VISIT_FORMS,
            grid=grid,
            form=form,
            rows=rows,
            within=within,
            choices=WITHIN_CHOICES,
            types=type_choices(),
        )
    # The rows as they were shown (posted ids, in their order), not recomputed.
    wanted = [int(i) for i in request.form.getlist("row") if i.isdigit()]
    by_id = {h.id: h for h in grid_households(grid) if h.id in set(wanted)}
    known = {s.household.id: s for s in schedule.statuses(list(by_id.values()), local_today())}
    rows = [_read_row(EntryRow(known[i])) for i in wanted if i in known]
    filled = [row for row in rows if row.filled]
    if _common_ok(form):
        for row in filled:
            _save_row(row, form)
    else:
        for row in filled:
            row.errors["row"] = _("请先填写上方的走访日期和走访人员。")
    saved = [row for row in filled if row.visit is not None]
    db.session.commit()
    if not filled:
        form.form_errors.append(_("没有填写任何走访记录。"))
    elif len(saved) == len(filled):
        flash(_("已保存 %(n)d 条走访记录。", n=len(saved)), "success")
        return redirect(url_for("visits.back_entry", division_id=grid.id, days=within or 0), code=303)
    return render_template(
        "visits/entry.html",
        visit_form_kinds=VISIT_FORMS,
        grid=grid,
        form=form,
        rows=rows,
        within=within,
        choices=WITHIN_CHOICES,
        types=type_choices(),
        saved_count=len(saved),
    )


@bp.route("/grids/<int:division_id>/entry/<int:household_id>", methods=["POST"])
@login_required
def back_entry_row(division_id: int, household_id: int):
    """One row of the back-entry sheet (htmx, Enter): the row comes back saved or
    with its errors."""
    grid = visible_grid_or_404(division_id)
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    if household.grid_id != grid.id or household.status != "active":
        return ("", 404)
    form = _common_form(grid)
    status = schedule.statuses([household], local_today())
    row = _read_row(EntryRow(status[0] if status else _unrequired(household)))
    if not row.filled:
        row.errors["found"] = _("请填写走访情况。")
    elif _common_ok(form):
        _save_row(row, form)
    else:
        row.errors["row"] = _("请先填写上方的走访日期和走访人员。")
    db.session.commit()
    return render_template("visits/_entry_row.html", row=row, grid=grid, types=type_choices())


def _unrequired(household: Household) -> schedule.DueStatus:
    """A household whose class asks for no visits still gets its row back."""
    from app.registry.settings.visit_classes import visit_class

    today = local_today()
    return schedule.DueStatus(
        household, household.visit_class, visit_class(household.visit_class), today, today, today, 0, None, None, "done"
    )


@bp.route("/grids/<int:division_id>/route.pdf")
@login_required
def route_sheet(division_id: int):
    """入户走访路线单 (A4): the households due, building by building in walking order,
    with tick boxes and a notes column; phones masked. Audited as a print."""
    grid = visible_grid_or_404(division_id)
    within = _within()
    today = local_today()
    found = schedule.due_for_route(grid_households(grid), today, within)
    groups: list[tuple[str, list]] = []
    for status in found:
        building = status.household.building
        label = f"{building.number} {building.address}".strip() if building else _("无楼栋住户")
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(status)
    title = _("入户走访路线单")
    result = render_pdf(
        "visits/route_sheet.html",
        title=title,
        grid=grid,
        groups=groups,
        today=today,
        within=within,
        worker=current_user.display_name,
        count=len(found),
    )
    audit_print(title, grid.full_name, len(found), result)
    return pdf_download(result.pdf, f"{_('走访路线单')}-{grid.name}")


# --- The manual's forms at the door (002 篇四, 004) ----------------------------------------

VISIT_FORMS = {
    "survey": _l("入户调查表"),
    "verify": _l("入户核实表"),
    "collect": _l("网格员信息采集一张表"),
}


@bp.route("/grids/<int:division_id>/visit-forms")
@login_required
def visit_form_choice(division_id: int):
    """Which form to print: each kind blank or filled in for the households due."""
    grid = visible_grid_or_404(division_id)
    return render_template(
        "visits/visit_forms_choice.html",
        grid=grid,
        kinds=VISIT_FORMS,
        choices=WITHIN_CHOICES,
        within=_within(),
        may_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/grids/<int:division_id>/visit-forms.pdf")
@login_required
def visit_forms(division_id: int):
    """The forms filled at the door, one household a page: the 入户调查表 of its visit
    class, the 入户核实表 (what the register holds, to tick or correct) or the 信息采集
    一张表 (人、地、事、物、组织). Pre-filled for the route sheet's households in its
    walking order (so the back-entry screen takes them back in the same order), or
    `blank=1`: one empty form of each visit class to copy. Numbers masked; audited as a
    print."""
    grid = visible_grid_or_404(division_id)
    kind = request.args.get("form", "survey")
    if kind not in VISIT_FORMS:
        kind = "survey"
    blank = request.args.get("blank") == "1"
    within = _within()
    today = local_today()
    from app.registry.settings.visit_classes import visit_classes

    if blank:
        # One empty sheet a class for the survey (its questions differ); one for the others.
        sheets = [(None, info) for info in (visit_classes() if kind == "survey" else visit_classes()[:1])]
    else:
        found = schedule.due_for_route(grid_households(grid), today, within)
        sheets = [(status.household, status.class_info) for status in found]
        # Members, their tags: loaded together, not household by household.
        db.session.scalars(
            select(Household)
            .where(Household.id.in_([household.id for household, _info in sheets]))
            .options(
                selectinload(Household.memberships).selectinload(HouseholdMember.resident).selectinload(Resident.tags)
            )
        ).all()
    title = str(VISIT_FORMS[kind])
    result = render_pdf(
        "visits/visit_forms.html",
        title=title,
        page_size="A4",
        kind=kind,
        grid=grid,
        sheets=sheets,
        blank=blank,
        today=today,
        worker=current_user.display_name,
        age_on=age_on,
    )
    audit_print(title, grid.full_name, 0 if blank else len(sheets), result)
    return pdf_download(result.pdf, f"{title}-{grid.name}")
