"""Organisations (组织) and 十户联防 joint-defence groups: scoped lists with filters
(htmx fragments), create, view, edit, an xlsx export with masked phones, and the
households of a group. Records are looked up through app.core.scoping before any
permission check, so another grid's record is a 404; the rules live in
app.registry.organisations.services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.identity import normalise_text_digits
from app.core.masking import mask_phone
from app.core.rendering import render_page, xlsx_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Division
from app.org.services import chosen_grid, grid_label, visible_grids
from app.registry import bp
from app.registry.organisations import services
from app.registry.organisations.forms import OrganisationForm
from app.registry.organisations.models import Organisation

# The organisation's page lists this many of its latest visits.
VISITS_SHOWN = 30
PER_PAGE = 30


# --- Organisations ---------------------------------------------------------------------


def _organisation_filters() -> tuple[dict, object]:
    """The list's filters from the query string, and the scoped statement they give."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    org_type = request.args.get("type", "")
    statement = scoped_select(Organisation)
    if query:
        code = normalise_text_digits(query, upper=True)
        statement = statement.where(
            or_(
                Organisation.name.icontains(query, autoescape=True),
                Organisation.credit_code.icontains(code, autoescape=True),
            )
        )
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
    page = db.paginate(
        statement.options(selectinload(Organisation.grid)).order_by(
            Organisation.grid_id, Organisation.name, Organisation.id
        ),
        per_page=PER_PAGE,
    )
    return render_page(
        "registry/organisation_list.html",
        fragment="registry/_organisation_rows.html",
        target_id="organisation-rows",
        page=page,
        grids=visible_grids(),
        types=services.ORG_TYPES,
        type_label=services.org_type_label,
        **filters,
    )


@bp.route("/organisations/export.xlsx")
@login_required
def export_organisations():
    """The filtered list as a workbook; contact phones masked; the export is audited."""
    filters, statement = _organisation_filters()
    rows = list(
        db.session.scalars(
            statement.options(selectinload(Organisation.grid)).order_by(
                Organisation.grid_id, Organisation.name, Organisation.id
            )
        )
    )
    columns = [
        Column(lambda o: o.grid.full_name, _("网格"), 24),
        Column("name", _("名称"), 30),
        Column(lambda o: services.org_type_label(o.org_type), _("类型"), 10),
        Column(lambda o: o.credit_code or "", _("统一社会信用代码"), 22, not_personal=True),
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
    audit.record_now(
        "register_exported",
        summary=_("组织 %(n)d 条", n=len(rows)),
        detail={"register": "organisation", "rows": len(rows), "filters": {k: v for k, v in filters.items() if v}},
    )
    return xlsx_download(data, _("组织台账"))


def _organisation_values(form: OrganisationForm) -> services.OrganisationValues:
    return services.OrganisationValues(
        name=form.name.data or "",
        org_type=form.org_type.data or "",
        credit_code=form.credit_code.data or "",
        address=form.address.data or "",
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
        party_organisation=form.party_organisation.data or "",
        party_member_count=form.party_member_count.data,
        employee_count=form.employee_count.data,
        note=form.note.data or "",
    )


def _organisation_form(grids: list[Division], organisation: Organisation | None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    if organisation is not None and chosen_grid(grids, organisation.grid_id) is None:
        # A grid since closed keeps its organisations until someone moves them.
        form.grid_id.choices.insert(0, (organisation.grid_id, grid_label(organisation.grid)))
        grids.append(organisation.grid)
    return form


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def create_organisation():
    """A new organisation in a grid (?grid=ID preselects)."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = _organisation_form(grids, None)
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int)
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
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
    from app.supervision.inspections import inspections_of_place  # here: supervision imports registry models
    from app.visits.models import OrganisationVisit  # here: visits imports registry models

    visits = list(
        db.session.scalars(
            scoped_select(OrganisationVisit)
            .where(OrganisationVisit.organisation_id == organisation.id)
            .order_by(OrganisationVisit.visited_on.desc(), OrganisationVisit.id.desc())
            .limit(VISITS_SHOWN)
        )
    )
    return render_template(
        "registry/organisation_detail.html",
        organisation=organisation,
        visits=visits,
        inspections=inspections_of_place(organisation, current_user),
        type_label=services.org_type_label(organisation.org_type),
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    organisation = get_visible_or_404(Organisation, organisation_id)
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = _organisation_form(grids, organisation)
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                services.update_organisation(organisation, _organisation_values(form), grid)
            if saved:
                flash(_("已保存。"), "success")
                return redirect(url_for("registry.organisation_detail", organisation_id=organisation.id), 303)
    return render_template("registry/organisation_form.html", form=form, organisation=organisation)
