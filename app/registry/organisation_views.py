"""Organisations (组织) and 十户联防 joint-defence groups: scoped lists with filters
(htmx fragments), create, view, edit, an xlsx export with masked phones, and the
households of a group. Records are looked up through app.core.scoping before any
permission check, so another grid's record is a 404; the rules live in
app.registry.organisation_services."""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth import audit
from app.auth.roles import Permission
from app.core.database import write_transactions
from app.core.forms import saving
from app.core.identity import normalise_text_digits
from app.core.masking import mask_phone
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Division
from app.org.services import visible_grids
from app.registry import bp
from app.registry import organisation_services as services
from app.registry.models import Household
from app.registry.organisation_forms import AddHouseholdsForm, GroupEditForm, GroupForm, OrganisationForm
from app.registry.organisation_models import JointDefenceGroup, JointDefenceMember, Organisation

PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_edit() -> None:
    if not current_user.can(Permission.EDIT_REGISTERS):
        abort(403)


def _grid_label(grid: Division) -> str:
    return f"{grid.parent.name} · {grid.name}" if grid.parent else grid.name


def _chosen_grid(grids: list[Division], grid_id: int | None) -> Division | None:
    return next((g for g in grids if g.id == grid_id), None)


# --- Organisations ---------------------------------------------------------------------

def _organisation_filters() -> tuple[dict, object]:
    """The list's filters from the query string, and the scoped statement they give."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    org_type = request.args.get("type", "")
    statement = scoped_select(Organisation)
    if query:
        code = normalise_text_digits(query, upper=True)
        statement = statement.where(or_(Organisation.name.contains(query, autoescape=True),
                                        Organisation.credit_code.contains(code, autoescape=True)))
    if grid_id:
        statement = statement.where(Organisation.grid_id == grid_id)
    if org_type not in services.ORG_TYPES:
        org_type = ""
    if org_type:
        statement = statement.where(Organisation.org_type == org_type)
    return {"query": query, "grid_id": grid_id, "org_type": org_type}, statement


@bp.route("/organisations/")
@login_required
def organisation_list():
    """Organisations the user may see; ?q= matches the name or part of the credit code."""
    filters, statement = _organisation_filters()
    page = db.paginate(statement.options(selectinload(Organisation.grid))
                       .order_by(Organisation.grid_id, Organisation.name, Organisation.id), per_page=PER_PAGE)
    return render_page("registry/organisation_list.html", fragment="registry/_organisation_rows.html",
                       target_id="organisation-rows", page=page, grids=visible_grids(),
                       types=services.ORG_TYPES, type_label=services.org_type_label, **filters)


@bp.route("/organisations/export.xlsx")
@login_required
def export_organisations():
    """The filtered list as a workbook; contact phones masked; the export is audited."""
    filters, statement = _organisation_filters()
    rows = list(db.session.scalars(statement.options(selectinload(Organisation.grid))
                                   .order_by(Organisation.grid_id, Organisation.name, Organisation.id)))
    columns = [
        Column(lambda o: o.grid.full_name, _("网格"), 24),
        Column("name", _("名称"), 30),
        Column(lambda o: services.org_type_label(o.org_type), _("类型"), 10),
        Column(lambda o: o.credit_code or "", _("统一社会信用代码"), 22),
        Column("address", _("地址"), 30),
        Column("contact_name", _("联系人"), 10),
        Column(lambda o: mask_phone(o.contact_phone), _("联系电话"), 15),
        Column("party_organisation", _("党组织名称"), 24),
        Column("party_member_count", _("党员人数"), 9, kind="int"),
        Column("employee_count", _("从业人数"), 9, kind="int"),
        Column("note", _("备注"), 30),
    ]
    title = _("组织台账（%(day)s）", day=local_today().isoformat())
    data = write_table(columns, rows, title=title, sheet_name=_("组织"))
    # A GET reads in a deferred transaction: the audit entry gets one of its own that
    # takes the write lock at BEGIN.
    db.session.commit()
    with write_transactions():
        audit.record("register_exported", summary=_("组织 %(n)d 条", n=len(rows)),
                     detail={"register": "organisation", "rows": len(rows),
                             "filters": {k: v for k, v in filters.items() if v}})
        db.session.commit()
    filename = _("组织台账-%(day)s.xlsx", day=local_today().strftime("%Y%m%d"))
    response = send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _organisation_values(form: OrganisationForm) -> services.OrganisationValues:
    return services.OrganisationValues(
        name=form.name.data or "", org_type=form.org_type.data or "", credit_code=form.credit_code.data or "",
        address=form.address.data or "", contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "", party_organisation=form.party_organisation.data or "",
        party_member_count=form.party_member_count.data, employee_count=form.employee_count.data,
        note=form.note.data or "")


def _organisation_form(grids: list[Division], organisation: Organisation | None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    form.grid_id.choices = [(g.id, _grid_label(g)) for g in grids]
    if organisation is not None and _chosen_grid(grids, organisation.grid_id) is None:
        # A grid since closed keeps its organisations until someone moves them.
        form.grid_id.choices.insert(0, (organisation.grid_id, _grid_label(organisation.grid)))
        grids.append(organisation.grid)
    return form


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def create_organisation():
    """A new organisation in a grid (?grid=ID preselects)."""
    _require_edit()
    grids = visible_grids()
    form = _organisation_form(grids, None)
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int)
    if form.validate_on_submit():
        grid = _chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                organisation = services.create_organisation(_organisation_values(form), grid)
            if saved:
                flash(_("已登记组织：%(name)s", name=organisation.name), "success")
                return redirect(url_for("registry.organisation_detail", organisation_id=organisation.id), 303)
    return render_template("registry/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>")
@login_required
def organisation_detail(organisation_id: int):
    organisation = get_visible_or_404(Organisation, organisation_id)
    return render_template("registry/organisation_detail.html", organisation=organisation,
                           type_label=services.org_type_label(organisation.org_type),
                           can_edit=current_user.can(Permission.EDIT_REGISTERS))


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    organisation = get_visible_or_404(Organisation, organisation_id)
    _require_edit()
    grids = visible_grids()
    form = _organisation_form(grids, organisation)
    if form.validate_on_submit():
        grid = _chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                services.update_organisation(organisation, _organisation_values(form), grid)
            if saved:
                flash(_("已保存。"), "success")
                return redirect(url_for("registry.organisation_detail", organisation_id=organisation.id), 303)
    return render_template("registry/organisation_form.html", form=form, organisation=organisation)


# --- 十户联防 groups -------------------------------------------------------------------

@bp.route("/joint-defence/")
@login_required
def group_list():
    """Groups the user may see, per grid, with their household count and leader."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    statement = scoped_select(JointDefenceGroup)
    if query:
        statement = statement.where(JointDefenceGroup.name.contains(query, autoescape=True))
    if grid_id:
        statement = statement.where(JointDefenceGroup.grid_id == grid_id)
    statement = statement.options(selectinload(JointDefenceGroup.grid), selectinload(JointDefenceGroup.leader),
                                  selectinload(JointDefenceGroup.members))
    page = db.paginate(statement.order_by(JointDefenceGroup.grid_id, JointDefenceGroup.name, JointDefenceGroup.id),
                       per_page=PER_PAGE)
    ungrouped = None
    if grid_id:
        ungrouped = db.session.scalar(_ungrouped(grid_id).with_only_columns(func.count(Household.id)))
    return render_page("registry/group_list.html", fragment="registry/_group_rows.html",
                       target_id="group-rows", page=page, query=query, grid_id=grid_id, grids=visible_grids(),
                       ungrouped=ungrouped, low=services.GROUP_MIN_HOUSEHOLDS, high=services.GROUP_MAX_HOUSEHOLDS)


def _ungrouped(grid_id: int):
    """The grid's active households that are in no group yet (scoped)."""
    return scoped_select(Household).where(
        Household.grid_id == grid_id, Household.status == "active",
        Household.id.not_in(select(JointDefenceMember.household_id)))


@bp.route("/joint-defence/new", methods=["GET", "POST"])
@login_required
def create_group():
    """A new group in a grid (?grid=ID preselects); households are added on its page."""
    _require_edit()
    grids = visible_grids()
    form = GroupForm()
    form.grid_id.choices = [(g.id, _grid_label(g)) for g in grids]
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int)
    if form.validate_on_submit():
        grid = _chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                group = services.create_group(grid, form.name.data, form.note.data or "")
            if saved:
                flash(_("已建立联防组：%(name)s。请添加本组住户。", name=group.name), "success")
                return redirect(url_for("registry.group_detail", group_id=group.id), 303)
    return render_template("registry/group_form.html", form=form, group=None)


def _render_group(group: JointDefenceGroup, form: AddHouseholdsForm | None = None):
    members = sorted(group.members, key=lambda m: (m.household.household_number, m.id))
    candidates = list(db.session.scalars(_ungrouped(group.grid_id).options(
        selectinload(Household.building), selectinload(Household.head))
        .order_by(Household.household_number, Household.id)))
    form = form or AddHouseholdsForm()
    form.household_ids.choices = [
        (h.id, " ".join(filter(None, [h.household_number, h.address, h.head.name if h.head else ""])))
        for h in candidates]
    leader_home = None
    if group.leader is not None and group.leader.current_membership is not None:
        leader_home = group.leader.current_membership.household
    return render_template("registry/group_detail.html", group=group, members=members, form=form,
                           warning=services.size_warning(len(members)), leader_home=leader_home,
                           can_edit=current_user.can(Permission.EDIT_REGISTERS))


@bp.route("/joint-defence/<int:group_id>")
@login_required
def group_detail(group_id: int):
    return _render_group(get_visible_or_404(JointDefenceGroup, group_id))


def _to_group(group: JointDefenceGroup, message: str):
    """Back to the group's page, which warns when the group is far from ten households."""
    flash(message, "success")
    return redirect(url_for("registry.group_detail", group_id=group.id), 303)


@bp.route("/joint-defence/<int:group_id>/members", methods=["POST"])
@login_required
def add_group_members(group_id: int):
    """Ticked households of the grid join the group."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    _require_edit()
    form = AddHouseholdsForm()
    if form.validate_on_submit():
        wanted = list(dict.fromkeys(form.household_ids.data or []))
        households = list(db.session.scalars(scoped_select(Household).where(Household.id.in_(wanted))))
        if len(households) != len(wanted):
            form.household_ids.errors = [_("请选择本网格的住户。")]
        else:
            with saving(form) as saved:
                services.add_households(group, households)
            if saved:
                return _to_group(group, _("已加入 %(n)d 户。", n=len(households)))
    return _render_group(group, form)


@bp.route("/joint-defence/<int:group_id>/members/<int:group_member_id>/remove", methods=["POST"])
@login_required
def remove_group_member(group_id: int, group_member_id: int):
    """The household leaves the group (it stays in the register)."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    member = db.session.scalar(scoped_select(JointDefenceMember).where(
        JointDefenceMember.id == group_member_id, JointDefenceMember.group_id == group.id))
    if member is None:
        abort(404)
    _require_edit()
    number = member.household.household_number
    services.remove_member(member)
    db.session.commit()
    return _to_group(group, _("户号 %(number)s 已移出本组。", number=number))


@bp.route("/joint-defence/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int):
    """Name, leader and note of a group."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    _require_edit()
    candidates = services.leader_candidates(group)
    if group.leader is not None and group.leader not in candidates:
        # Kept visible, so saving does not drop them unseen; the rule refuses them.
        candidates.append(group.leader)
    in_group = set()
    for member in group.members:
        in_group.update(m.resident_id for m in member.household.current_members)
    form = GroupEditForm(obj=group)
    form.leader_resident_id.choices = [(0, _("（暂不指定）"))] + [
        (r.id, _("%(name)s（本组住户）", name=r.name) if r.id in in_group else r.name) for r in candidates]
    if request.method == "GET":
        form.leader_resident_id.data = group.leader_resident_id or 0
    if form.validate_on_submit():
        chosen = form.leader_resident_id.data
        leader = next((r for r in candidates if r.id == chosen), None)
        if chosen and leader is None:
            form.leader_resident_id.errors = [_("组长须是本组住户的成员或本网格的在册人员。")]
        else:
            with saving(form) as saved:
                services.update_group(group, form.name.data, leader, form.note.data or "")
            if saved:
                flash(_("已保存。"), "success")
                return redirect(url_for("registry.group_detail", group_id=group.id), 303)
    return render_template("registry/group_form.html", form=form, group=group)
