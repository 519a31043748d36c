"""Housing registers (房屋): houses with their owner and use, rentals (出租房屋) with
their landlord, term, 治安责任书 and tenants, shops (商铺) with their licence and
门前三包 duty; scoped lists with filters (htmx fragments) and masked xlsx exports.
Every record is looked up through app.core.scoping before any permission check, so
another grid's record is a 404; the rules live in app.registry.housing_services."""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.auth.roles import Permission
from app.core.forms import saving
from app.core.identity import normalise_text_digits
from app.core.rendering import render_page, wants_fragment
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Building, Division
from app.org.services import visible_grids
from app.registry import bp
from app.registry import housing_services as services
from app.registry.household_views import _building_choices, _grid_label
from app.registry.housing_forms import (HouseEditForm, HouseForm, RentalForm, ShopEditForm, ShopForm,
                                        TenantForm, keep_linked_person_help)
from app.registry.housing_models import House, Rental, RentalTenant, Shop
from app.registry.models import Resident

PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _housing_helpers():
    return {"house_address": services.house_address, "shop_address": services.shop_address,
            "person_name": services.person_name, "person_phone": services.person_phone,
            "rental_expired": services.rental_expired, "house_use_label":
                lambda code: services.label(services.HOUSE_USES, code),
            "shop_status_label": lambda code: services.label(services.SHOP_STATUSES, code),
            "business_type_label": lambda code: services.label(services.BUSINESS_TYPES, code)}


def _require_edit() -> None:
    if not current_user.can(Permission.EDIT_REGISTERS):
        abort(403)


def _chosen(grids: list[Division], grid_id: int | None) -> Division | None:
    return next((g for g in grids if g.id == grid_id), None)


def _person(form, prefix: str) -> services.PersonValues:
    return services.PersonValues(id_number=getattr(form, f"{prefix}_id_number").data or "",
                                 name=getattr(form, f"{prefix}_name").data or "",
                                 phone=getattr(form, f"{prefix}_phone").data or "")


def _workbook(what: str, columns: list[Column], rows: list, filename: str):
    """The rows as a workbook download; the export (what, how many) is audited."""
    today = local_today()
    data = write_table(columns, rows, title=_("%(what)s台账（%(day)s）", what=what, day=today.isoformat()),
                       sheet_name=what)
    services.record_export(what, len(rows), user=current_user)
    db.session.commit()
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, max_age=0,
                     download_name=f"{filename}-{today.strftime('%Y%m%d')}.xlsx")


def _matching(query: str, *columns):
    return or_(*[column.contains(query, autoescape=True) for column in columns])


def _buildings_matching(query: str):
    return scoped_select(Building).with_only_columns(Building.id).where(
        _matching(query, Building.address, Building.number, Building.name))


def _residents_named(query: str):
    return scoped_select(Resident).with_only_columns(Resident.id).where(_matching(query, Resident.name))


# --- Houses ----------------------------------------------------------------------------

HOUSE_ORDER = (House.grid_id, House.building_id, House.unit, House.room, House.address_text, House.id)


def _house_filters():
    """The list's filters from the query string, and the scoped statement they give."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    use = request.args.get("use", "")
    building_id = request.args.get("building", type=int)
    statement = scoped_select(House)
    if query:
        statement = statement.where(or_(_matching(query, House.address_text, House.owner_name, House.room),
                                        House.building_id.in_(_buildings_matching(query)),
                                        House.owner_resident_id.in_(_residents_named(query))))
    if grid_id:
        statement = statement.where(House.grid_id == grid_id)
    if use not in services.HOUSE_USES:
        use = ""
    if use:
        statement = statement.where(House.use == use)
    if building_id:
        statement = statement.where(House.building_id == building_id)
    statement = statement.options(selectinload(House.grid), selectinload(House.building),
                                  selectinload(House.owner), selectinload(House.rentals))
    return {"query": query, "grid_id": grid_id, "use": use, "building_id": building_id}, statement


@bp.route("/houses/")
@login_required
def house_list():
    """Houses the user may see; ?q= matches the address or the owner's name."""
    filters, statement = _house_filters()
    page = db.paginate(statement.order_by(*HOUSE_ORDER), per_page=PER_PAGE)
    grids = visible_grids()
    chosen = _chosen(grids, filters["grid_id"])
    return render_page("registry/house_list.html", fragment="registry/_house_rows.html", target_id="house-rows",
                       page=page, grids=grids, uses=services.HOUSE_USES,
                       buildings=_building_choices([chosen] if chosen else grids, labelled=chosen is None)[1:],
                       **filters)


@bp.route("/houses/export.xlsx")
@login_required
def export_houses():
    """The filtered list of houses; owners' phones masked."""
    _filters, statement = _house_filters()
    rows = [services.house_row(h) for h in db.session.scalars(statement.order_by(*HOUSE_ORDER))]
    columns = [Column("grid", _("网格"), 16), Column("address", _("地址"), 30), Column("use", _("房屋用途"), 10),
               Column("owner", _("房主"), 12), Column("owner_phone", _("房主电话"), 15),
               Column("area", _("面积（平方米）"), 12, kind="int"), Column("rentals", _("在租数"), 8, kind="int"),
               Column("note", _("备注"), 30)]
    return _workbook(_("房屋"), columns, rows, _("房屋台账"))


def _house_values(form) -> services.HouseValues:
    return services.HouseValues(
        building_id=form.building_id.data or None, unit=form.unit.data or "", room=form.room.data or "",
        address_text=form.address_text.data or "", use=form.use.data or "", owner=_person(form, "owner"),
        area_m2=form.area_m2.data, note=form.note.data or "")


def _to_house(house: House):
    return redirect(url_for("registry.house_detail", house_id=house.id), code=303)


@bp.route("/houses/new", methods=["GET", "POST"])
@login_required
def create_house():
    """A new house in a grid (?grid=ID&building=ID preselect); then go to its page."""
    _require_edit()
    grids = visible_grids()
    form = HouseForm()
    form.grid_id.choices = [(g.id, _grid_label(g)) for g in grids]
    # With htmx, choosing a grid narrows the building list to that grid.
    form.grid_id.render_kw = {"hx-get": url_for("registry.create_house"), "hx-target": "#building-field",
                              "hx-trigger": "change"}
    chosen = request.args.get("grid_id", type=int) or request.args.get("grid", type=int)
    if request.method == "GET":
        form.grid_id.data = chosen
        form.building_id.data = request.args.get("building", type=int) or 0
        form.use.data = "own"
    narrowed = [g for g in grids if g.id == chosen] if wants_fragment("building-field") else []
    form.building_id.choices = _building_choices(narrowed or grids, labelled=not narrowed)
    if form.validate_on_submit():
        grid = _chosen(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                house = services.create_house(_house_values(form), grid, user=current_user)
            if saved:
                flash(_("已登记房屋：%(address)s", address=services.house_address(house)), "success")
                return _to_house(house)
    return render_page("registry/house_form.html", fragment="registry/_house_building_field.html",
                       target_id="building-field", form=form, house=None)


@bp.route("/houses/<int:house_id>")
@login_required
def house_detail(house_id: int):
    house = get_visible_or_404(House, house_id)
    shops = list(db.session.scalars(scoped_select(Shop).where(Shop.house_id == house.id).order_by(Shop.name)))
    rentals = list(db.session.scalars(scoped_select(Rental).where(Rental.house_id == house.id)
                                      .options(selectinload(Rental.tenants), selectinload(Rental.landlord))
                                      .order_by(Rental.start_date.desc(), Rental.id.desc())))
    return render_template("registry/house_detail.html", house=house, rentals=rentals, shops=shops,
                           today=local_today(), can_edit=current_user.can(Permission.EDIT_REGISTERS))


@bp.route("/houses/<int:house_id>/edit", methods=["GET", "POST"])
@login_required
def edit_house(house_id: int):
    house = get_visible_or_404(House, house_id)
    _require_edit()
    form = HouseEditForm(obj=house)
    form.building_id.choices = _building_choices([house.grid], labelled=False)
    if house.owner_resident_id:
        keep_linked_person_help(form.owner_id_number)
    if request.method == "GET":
        form.building_id.data = house.building_id or 0
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_house(house, _house_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_house(house)
    return render_template("registry/house_form.html", form=form, house=house)


# --- Rentals ---------------------------------------------------------------------------

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
        houses = scoped_select(House).with_only_columns(House.id).where(or_(
            _matching(query, House.address_text, House.room), House.building_id.in_(_buildings_matching(query))))
        statement = statement.where(or_(_matching(query, Rental.landlord_name), Rental.house_id.in_(houses),
                                        Rental.landlord_resident_id.in_(_residents_named(query))))
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
        selectinload(Rental.house).selectinload(House.building), selectinload(Rental.house).selectinload(House.grid),
        selectinload(Rental.landlord), selectinload(Rental.tenants).selectinload(RentalTenant.resident))
    return {"query": query, "grid_id": grid_id, "agreement": agreement, "term": term}, statement


@bp.route("/rentals/")
@login_required
def rental_list():
    """Rentals the user may see; filters for an unsigned 治安责任书 and an ended term."""
    filters, statement = _rental_filters()
    page = db.paginate(statement.order_by(*RENTAL_ORDER), per_page=PER_PAGE)
    return render_page("registry/rental_list.html", fragment="registry/_rental_rows.html",
                       target_id="rental-rows", page=page, grids=visible_grids(), today=local_today(), **filters)


@bp.route("/rentals/export.xlsx")
@login_required
def export_rentals():
    """The filtered list of rentals; landlords' phones and tenants' ID numbers masked."""
    _filters, statement = _rental_filters()
    today = local_today()
    rows = [services.rental_row(r, today) for r in db.session.scalars(statement.order_by(*RENTAL_ORDER))]
    columns = [Column("grid", _("网格"), 16), Column("address", _("房屋地址"), 30),
               Column("landlord", _("出租人"), 12), Column("landlord_phone", _("出租人电话"), 15),
               Column("start", _("起租日期"), 12, kind="date"), Column("end", _("到期日期"), 12, kind="date"),
               Column("term", _("租期状态"), 10), Column("agreement", _("治安责任书"), 10),
               Column("agreement_date", _("签订日期"), 12, kind="date"),
               Column("tenant_count", _("租户人数"), 9, kind="int"), Column("tenants", _("租户"), 50)]
    return _workbook(_("出租房屋"), columns, rows, _("出租房屋台账"))


def _rental_values(form: RentalForm) -> services.RentalValues:
    return services.RentalValues(
        landlord=_person(form, "landlord"), start_date=form.start_date.data, end_date=form.end_date.data,
        agreement_signed=bool(form.agreement_signed.data), agreement_date=form.agreement_date.data,
        note=form.note.data or "")


def _to_rental(rental: Rental):
    return redirect(url_for("registry.rental_detail", rental_id=rental.id), code=303)


@bp.route("/houses/<int:house_id>/rentals/new", methods=["GET", "POST"])
@login_required
def create_rental(house_id: int):
    """Let a house: the landlord defaults to its owner; the house's use becomes 出租."""
    house = get_visible_or_404(House, house_id)
    _require_edit()
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
    return render_template("registry/rental_detail.html", rental=rental, house=rental.house,
                           tenant_form=tenant_form or TenantForm(formdata=None), today=local_today(),
                           can_edit=current_user.can(Permission.EDIT_REGISTERS)), status


@bp.route("/rentals/<int:rental_id>")
@login_required
def rental_detail(rental_id: int):
    return _rental_detail(get_visible_or_404(Rental, rental_id))


@bp.route("/rentals/<int:rental_id>/edit", methods=["GET", "POST"])
@login_required
def edit_rental(rental_id: int):
    rental = get_visible_or_404(Rental, rental_id)
    _require_edit()
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
    _require_edit()
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
    tenant = db.session.scalar(scoped_select(RentalTenant).where(
        RentalTenant.id == tenant_id, RentalTenant.rental_id == rental.id))
    if tenant is None:
        abort(404)
    _require_edit()
    name = tenant.resident.name
    services.remove_tenant(tenant, user=current_user)
    db.session.commit()
    flash(_("%(name)s 已不再是本出租房屋的租户。", name=name), "success")
    return _to_rental(rental)


# --- Shops -----------------------------------------------------------------------------

SHOP_ORDER = (Shop.grid_id, Shop.name, Shop.id)
DUTY_FILTERS = ("signed", "unsigned")


def _shop_filters():
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    status = request.args.get("status", "")
    duty = request.args.get("duty", "")
    business_type = request.args.get("type", "")
    statement = scoped_select(Shop)
    if query:
        houses = scoped_select(House).with_only_columns(House.id).where(or_(
            _matching(query, House.address_text), House.building_id.in_(_buildings_matching(query))))
        statement = statement.where(or_(
            _matching(query, Shop.name, Shop.address, Shop.operator_name),
            Shop.licence_number.contains(normalise_text_digits(query, upper=True), autoescape=True),
            Shop.house_id.in_(houses), Shop.operator_resident_id.in_(_residents_named(query))))
    if grid_id:
        statement = statement.where(Shop.grid_id == grid_id)
    if status not in services.SHOP_STATUSES:
        status = ""
    if status:
        statement = statement.where(Shop.status == status)
    if duty not in DUTY_FILTERS:
        duty = ""
    if duty:
        statement = statement.where(Shop.frontage_duty_signed.is_(duty == "signed"))
    if business_type not in services.BUSINESS_TYPES:
        business_type = ""
    if business_type:
        statement = statement.where(Shop.business_type == business_type)
    statement = statement.options(selectinload(Shop.grid), selectinload(Shop.operator),
                                  selectinload(Shop.house).selectinload(House.building))
    return {"query": query, "grid_id": grid_id, "status": status, "duty": duty,
            "business_type": business_type}, statement


@bp.route("/shops/")
@login_required
def shop_list():
    """Shops the user may see; ?q= matches name, licence, operator or address."""
    filters, statement = _shop_filters()
    page = db.paginate(statement.order_by(*SHOP_ORDER), per_page=PER_PAGE)
    return render_page("registry/shop_list.html", fragment="registry/_shop_rows.html", target_id="shop-rows",
                       page=page, grids=visible_grids(), statuses=services.SHOP_STATUSES,
                       types=services.BUSINESS_TYPES, **filters)


@bp.route("/shops/export.xlsx")
@login_required
def export_shops():
    """The filtered list of shops; operators' phones masked."""
    _filters, statement = _shop_filters()
    rows = [services.shop_row(s) for s in db.session.scalars(statement.order_by(*SHOP_ORDER))]
    columns = [Column("grid", _("网格"), 16), Column("name", _("商铺名称"), 24),
               Column("business_type", _("经营类别"), 10), Column("licence", _("营业执照号"), 22),
               Column("operator", _("经营者"), 12), Column("operator_phone", _("经营者电话"), 15),
               Column("address", _("经营地址"), 30), Column("duty", _("门前三包"), 10),
               Column("duty_note", _("门前三包说明"), 24), Column("status", _("经营状态"), 10)]
    return _workbook(_("商铺"), columns, rows, _("商铺台账"))


def _house_choices(grids: list[Division], labelled: bool) -> list[tuple[int, str]]:
    """(0, none) and the houses of these grids, labelled with their grid when the
    list spans several grids. With no grid chosen among several, only (0, none):
    the list would be the whole town's houses."""
    choices = [(0, _("（不关联房屋，填写经营地址）"))]
    if labelled and len(grids) > 1:
        return choices
    names = {g.id: g.name for g in grids}
    houses = db.session.scalars(scoped_select(House).where(House.grid_id.in_(list(names)))
                                .options(selectinload(House.building)).order_by(*HOUSE_ORDER))
    for h in houses:
        text = services.house_address(h)
        choices.append((h.id, f"{names[h.grid_id]} · {text}" if labelled else text))
    return choices


def _shop_values(form) -> services.ShopValues:
    return services.ShopValues(
        name=form.name.data or "", business_type=form.business_type.data or "",
        licence_number=form.licence_number.data or "", operator=_person(form, "operator"),
        house_id=form.house_id.data or None, address=form.address.data or "",
        frontage_duty_signed=bool(form.frontage_duty_signed.data),
        frontage_duty_note=form.frontage_duty_note.data or "", status=form.status.data or "",
        note=form.note.data or "")


def _to_shop(shop: Shop):
    return redirect(url_for("registry.shop_detail", shop_id=shop.id), code=303)


@bp.route("/shops/new", methods=["GET", "POST"])
@login_required
def create_shop():
    """A new shop in a grid (?grid=ID, or ?house=ID from a house's page)."""
    _require_edit()
    grids = visible_grids()
    form = ShopForm()
    form.grid_id.choices = [(g.id, _grid_label(g)) for g in grids]
    form.grid_id.render_kw = {"hx-get": url_for("registry.create_shop"), "hx-target": "#house-field",
                              "hx-trigger": "change"}
    house = None
    house_id = request.args.get("house", type=int)
    if house_id:
        house = get_visible_or_404(House, house_id)
    chosen = (request.form.get("grid_id", type=int) if request.method == "POST" else None) or \
        request.args.get("grid_id", type=int) or request.args.get("grid", type=int) or \
        (house.grid_id if house else None)
    grid = _chosen(grids, chosen) or (grids[0] if len(grids) == 1 else None)
    if request.method == "GET":
        form.grid_id.data = grid.id if grid else None
        form.house_id.data = house.id if house else 0
        form.status.data = "open"
        form.business_type.data = "retail"
    form.house_id.choices = _house_choices([grid] if grid else grids, labelled=grid is None)
    if form.validate_on_submit():
        grid = _chosen(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                shop = services.create_shop(_shop_values(form), grid, user=current_user)
            if saved:
                flash(_("已登记商铺：%(name)s", name=shop.name), "success")
                return _to_shop(shop)
    return render_page("registry/shop_form.html", fragment="registry/_shop_house_field.html",
                       target_id="house-field", form=form, shop=None)


@bp.route("/shops/<int:shop_id>")
@login_required
def shop_detail(shop_id: int):
    shop = get_visible_or_404(Shop, shop_id)
    return render_template("registry/shop_detail.html", shop=shop,
                           can_edit=current_user.can(Permission.EDIT_REGISTERS))


@bp.route("/shops/<int:shop_id>/edit", methods=["GET", "POST"])
@login_required
def edit_shop(shop_id: int):
    shop = get_visible_or_404(Shop, shop_id)
    _require_edit()
    form = ShopEditForm(obj=shop)
    form.house_id.choices = _house_choices([shop.grid], labelled=False)
    if shop.operator_resident_id:
        keep_linked_person_help(form.operator_id_number)
    if request.method == "GET":
        form.house_id.data = shop.house_id or 0
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = services.update_shop(shop, _shop_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_shop(shop)
    return render_template("registry/shop_form.html", form=form, shop=shop)
