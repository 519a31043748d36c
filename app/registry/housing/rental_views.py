"""出租房屋: rentals with their term, 治安责任书 and tenants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column
from app.extensions import db
from app.org.services import visible_grids
from app.registry import bp
from app.registry.housing import services
from app.registry.housing.forms import RentalForm, TenantForm, keep_linked_person_help
from app.registry.housing.house_views import (
    PER_PAGE,
    buildings_matching,
    person_values,
    register_workbook,
    residents_named,
    text_matches,
)
from app.registry.housing.models import House, Rental, RentalTenant

RENTAL_ORDER = (Rental.grid_id, Rental.start_date.desc(), Rental.id.desc())
AGREEMENT_FILTERS = ("signed", "unsigned")
TERM_FILTERS = ("current", "expired")


def _rental_filters():
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    agreement = request.args.get("agreement", "")
    term = request.args.get("term", "")
    today = local_today()
    statement = scoped_select(Rental)
    if query:
        houses = (
            scoped_select(House)
            .with_only_columns(House.id)
            .where(
                or_(
                    text_matches(query, House.address_text, House.room),
                    House.building_id.in_(buildings_matching(query)),
                )
            )
        )
        statement = statement.where(
            or_(
                text_matches(query, Rental.landlord_name),
                Rental.house_id.in_(houses),
                Rental.landlord_resident_id.in_(residents_named(query)),
            )
        )
    if grid_id:
        statement = statement.where(Rental.grid_id == grid_id)
    if agreement not in AGREEMENT_FILTERS:
        agreement = ""
    if agreement:
        statement = statement.where(Rental.agreement_signed.is_(agreement == "signed"))
    if term not in TERM_FILTERS:
        term = ""
    if term == "expired":
        statement = statement.where(Rental.end_date < today)
    elif term == "current":
        statement = statement.where(or_(Rental.end_date.is_(None), Rental.end_date >= today))
    statement = statement.options(
        selectinload(Rental.house).selectinload(House.building),
        selectinload(Rental.house).selectinload(House.grid),
        selectinload(Rental.landlord),
        selectinload(Rental.tenants).selectinload(RentalTenant.resident),
    )
    return {"query": query, "grid_id": grid_id, "agreement": agreement, "term": term}, statement


@bp.route("/rentals/")
@login_required
def rental_list():
    """Rentals the user may see; filters for an unsigned 治安责任书 and an ended term."""
    filters, statement = _rental_filters()
    page = paginate(statement.order_by(*RENTAL_ORDER), per_page=PER_PAGE)
    return render_page(
        "registry/rental_list.html",
        fragment="registry/_rental_rows.html",
        target_id="rental-rows",
        page=page,
        grids=visible_grids(),
        today=local_today(),
        **filters,
    )


@bp.route("/rentals/export.xlsx")
@login_required
def export_rentals():
    """The filtered list of rentals; landlords' phones and tenants' ID numbers masked."""
    _filters, statement = _rental_filters()
    today = local_today()
    rows = [services.rental_row(r, today) for r in db.session.scalars(statement.order_by(*RENTAL_ORDER))]
    columns = [
        Column("grid", _("网格"), 16),
        Column("address", _("房屋地址"), 30),
        Column("landlord", _("出租人"), 12),
        Column("landlord_phone", _("出租人电话"), 15),
        Column("start", _("起租日期"), 12, kind="date"),
        Column("end", _("到期日期"), 12, kind="date"),
        Column("term", _("租期状态"), 10),
        Column("agreement", _("治安责任书"), 10),
        Column("agreement_date", _("签订日期"), 12, kind="date"),
        Column("tenant_count", _("租户人数"), 9, kind="int"),
        Column("tenants", _("租户"), 50),
    ]
    return register_workbook(_("出租房屋"), columns, rows, _("出租房屋台账"))


def _rental_values(form: RentalForm) -> services.RentalValues:
    return services.RentalValues(
        landlord=person_values(form, "landlord"),
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        agreement_signed=bool(form.agreement_signed.data),
        agreement_date=form.agreement_date.data,
        note=form.note.data or "",
    )


def _to_rental(rental: Rental):
    return redirect(url_for("registry.rental_detail", rental_id=rental.id), code=303)


@bp.route("/houses/<int:house_id>/rentals/new", methods=["GET", "POST"])
@login_required
def create_rental(house_id: int):
    """Let a house: the landlord defaults to its owner; the house's use becomes 出租."""
    house = get_visible_or_404(House, house_id)
    require(Permission.EDIT_REGISTERS)
    form = RentalForm()
    if house.owner_resident_id:
        keep_linked_person_help(form.landlord_id_number, owner_is_landlord=True)
    if request.method == "GET":
        form.landlord_name.data = house.owner_name
        form.landlord_phone.data = house.owner_phone
        form.start_date.data = local_today()
    if form.validate_on_submit():
        with saving(form) as saved:
            rental = services.create_rental(house, _rental_values(form), user=current_user)
        if saved:
            flash(_("已登记出租房屋。"), "success")
            return _to_rental(rental)
    return render_template("registry/rental_form.html", form=form, house=house, rental=None)


def _rental_detail(rental: Rental, tenant_form: TenantForm | None = None, status: int = 200):
    return render_template(
        "registry/rental_detail.html",
        rental=rental,
        house=rental.house,
        tenant_form=tenant_form or TenantForm(formdata=None),
        today=local_today(),
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    ), status


@bp.route("/rentals/<int:rental_id>")
@login_required
def rental_detail(rental_id: int):
    return _rental_detail(get_visible_or_404(Rental, rental_id))


@bp.route("/rentals/<int:rental_id>/edit", methods=["GET", "POST"])
@login_required
def edit_rental(rental_id: int):
    rental = get_visible_or_404(Rental, rental_id)
    require(Permission.EDIT_REGISTERS)
    form = RentalForm(obj=rental)
    if rental.landlord_resident_id:
        keep_linked_person_help(form.landlord_id_number)
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_rental(rental, _rental_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_rental(rental)
    return render_template("registry/rental_form.html", form=form, house=rental.house, rental=rental)


@bp.route("/rentals/<int:rental_id>/tenants", methods=["GET", "POST"])
@login_required
def add_rental_tenant(rental_id: int):
    """Add a tenant already in the register, found by their full ID number in scope."""
    rental = get_visible_or_404(Rental, rental_id)
    require(Permission.EDIT_REGISTERS)
    form = TenantForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            tenant = services.add_tenant(rental, form.id_number.data, user=current_user)
        if saved:
            flash(_("%(name)s 已登记为租户。", name=tenant.resident.name), "success")
            return _to_rental(rental)
    return render_template("registry/rental_tenant_form.html", form=form, rental=rental, house=rental.house)


@bp.route("/rentals/<int:rental_id>/tenants/<int:tenant_id>/remove", methods=["POST"])
@login_required
def remove_rental_tenant(rental_id: int, tenant_id: int):
    """A tenant moves out of this rental; the person stays in the register."""
    rental = get_visible_or_404(Rental, rental_id)
    tenant = db.session.scalar(
        scoped_select(RentalTenant).where(RentalTenant.id == tenant_id, RentalTenant.rental_id == rental.id)
    )
    if tenant is None:
        abort(404)
    require(Permission.EDIT_REGISTERS)
    name = tenant.resident.name
    services.remove_tenant(tenant, user=current_user)
    db.session.commit()
    flash(_("%(name)s 已不再是本出租房屋的租户。", name=name), "success")
    return _to_rental(rental)
