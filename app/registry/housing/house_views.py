"""Housing registers (房屋): houses with their owner and use, rentals (出租房屋) with
their landlord, term, 治安责任书 and tenants, shops (商铺) with their licence and
门前三包 duty; scoped lists with filters (htmx fragments) and masked xlsx exports.
Every record is looked up through app.core.scoping before any permission check, so
another grid's record is a 404; the rules live in app.registry.housing.services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import aliased, selectinload

from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.rendering import render_page, wants_fragment, xlsx_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import Building
from app.org.ordering import natural_order
from app.org.services import chosen_grid, grid_label, visible_grids
from app.registry import bp
from app.registry.housing import services, shop_services
from app.registry.housing.forms import HouseEditForm, HouseForm, keep_linked_person_help
from app.registry.housing.models import House, Rental, Shop
from app.registry.people.household_views import building_choices
from app.registry.people.models import Resident

PER_PAGE = 30


@bp.app_context_processor
def _housing_helpers():
    return {
        "house_address": services.house_address,
        "shop_address": shop_services.shop_address,
        "person_name": services.person_name,
        "person_phone": services.person_phone,
        "rental_expired": services.rental_expired,
        "house_use_label": lambda code: services.label(services.HOUSE_USES, code),
        "shop_status_label": lambda code: services.label(shop_services.SHOP_STATUSES, code),
        "business_type_label": lambda code: services.label(shop_services.BUSINESS_TYPES, code),
    }


def person_values(form, prefix: str) -> services.PersonValues:
    return services.PersonValues(
        id_number=getattr(form, f"{prefix}_id_number").data or "",
        name=getattr(form, f"{prefix}_name").data or "",
        phone=getattr(form, f"{prefix}_phone").data or "",
    )


def register_workbook(what: str, columns: list[Column], rows: list, filename: str):
    """The rows as a workbook download; the export (what, how many) is audited."""
    today = local_today()
    data = write_table(
        columns, rows, title=_("%(what)s台账（%(day)s）", what=what, day=today.isoformat()), sheet_name=what
    )
    audit.record_now("register_exported", summary=f"{what} {len(rows)}")
    return xlsx_download(data, filename)


def text_matches(query: str, *columns):
    return or_(*[column.icontains(query, autoescape=True) for column in columns])


def buildings_matching(query: str):
    return (
        scoped_select(Building)
        .with_only_columns(Building.id)
        .where(text_matches(query, Building.address, Building.number, Building.name))
    )


def residents_named(query: str):
    return scoped_select(Resident).with_only_columns(Resident.id).where(text_matches(query, Resident.name))


# --- Houses ----------------------------------------------------------------------------


def in_house_order(statement):
    """Houses by grid, then building, unit and room with their numbers in order
    (1号楼, 2号楼 … 10号楼; 101, 102 … 1001), houses without a building after them.
    The lists are paged by the database and nothing sort-ready is stored for these
    numbers, so app.org.ordering.natural_order: length, then text."""
    building = aliased(Building, name="house_building")  # not the one the search subqueries read
    return statement.outerjoin(building, building.id == House.building_id).order_by(
        House.grid_id,
        House.building_id.is_(None),
        *natural_order(building.number),
        House.building_id,
        *natural_order(House.unit),
        *natural_order(House.room),
        House.address_text,
        House.id,
    )


def _house_filters():
    """The list's filters from the query string, and the scoped statement they give."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    use = request.args.get("use", "")
    building_id = request.args.get("building", type=int)
    statement = scoped_select(House)
    if query:
        statement = statement.where(
            or_(
                text_matches(query, House.address_text, House.owner_name, House.room),
                House.building_id.in_(buildings_matching(query)),
                House.owner_resident_id.in_(residents_named(query)),
            )
        )
    if grid_id:
        statement = statement.where(House.grid_id == grid_id)
    if use not in services.HOUSE_USES:
        use = ""
    if use:
        statement = statement.where(House.use == use)
    if building_id:
        statement = statement.where(House.building_id == building_id)
    statement = statement.options(
        selectinload(House.grid), selectinload(House.building), selectinload(House.owner), selectinload(House.rentals)
    )
    return {"query": query, "grid_id": grid_id, "use": use, "building_id": building_id}, statement


@bp.route("/houses/")
@login_required
def house_list():
    """Houses the user may see; ?q= matches the address or the owner's name."""
    filters, statement = _house_filters()
    page = paginate(in_house_order(statement), per_page=PER_PAGE)
    grids = visible_grids()
    chosen = chosen_grid(grids, filters["grid_id"])
    return render_page(
        "registry/house_list.html",
        fragment="registry/_house_rows.html",
        target_id="house-rows",
        page=page,
        grids=grids,
        uses=services.HOUSE_USES,
        buildings=building_choices([chosen] if chosen else grids, labelled=chosen is None)[1:],
        **filters,
    )


@bp.route("/houses/export.xlsx")
@login_required
def export_houses():
    """The filtered list of houses; owners' phones masked."""
    _filters, statement = _house_filters()
    rows = [services.house_row(h) for h in db.session.scalars(in_house_order(statement))]
    columns = [
        Column("grid", _("网格"), 16),
        Column("address", _("地址"), 30),
        Column("use", _("房屋用途"), 10),
        Column("owner", _("房主"), 12),
        Column("owner_phone", _("房主电话"), 15),
        Column("area", _("面积（平方米）"), 12, kind="int"),
        Column("rentals", _("在租数"), 8, kind="int"),
        Column("note", _("备注"), 30),
    ]
    return register_workbook(_("房屋"), columns, rows, _("房屋台账"))


def _house_values(form) -> services.HouseValues:
    return services.HouseValues(
        building_id=form.building_id.data or None,
        unit=form.unit.data or "",
        room=form.room.data or "",
        address_text=form.address_text.data or "",
        use=form.use.data or "",
        owner=person_values(form, "owner"),
        area_m2=form.area_m2.data,
        note=form.note.data or "",
    )


def _to_house(house: House):
    return redirect(url_for("registry.house_detail", house_id=house.id), code=303)


@bp.route("/houses/new", methods=["GET", "POST"])
@login_required
def create_house():
    """A new house in a grid (?grid=ID&building=ID preselect); then go to its page."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = HouseForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    # With htmx, choosing a grid narrows the building list to that grid.
    form.grid_id.render_kw = {
        "hx-get": url_for("registry.create_house"),
        "hx-target": "#building-field",
        "hx-trigger": "change",
    }
    chosen = request.args.get("grid_id", type=int) or request.args.get("grid", type=int)
    if request.method == "GET":
        form.grid_id.data = chosen
        form.building_id.data = request.args.get("building", type=int) or 0
        form.use.data = "own"
    narrowed = [g for g in grids if g.id == chosen] if wants_fragment("building-field") else []
    form.building_id.choices = building_choices(narrowed or grids, labelled=not narrowed)
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                house = services.create_house(_house_values(form), grid, user=current_user)
            if saved:
                flash(_("已登记房屋：%(address)s", address=services.house_address(house)), "success")
                return _to_house(house)
    return render_page(
        "registry/house_form.html",
        fragment="registry/_house_building_field.html",
        target_id="building-field",
        form=form,
        house=None,
    )


@bp.route("/houses/<int:house_id>")
@login_required
def house_detail(house_id: int):
    house = get_visible_or_404(House, house_id)
    shops = list(db.session.scalars(scoped_select(Shop).where(Shop.house_id == house.id).order_by(Shop.name)))
    rentals = list(
        db.session.scalars(
            scoped_select(Rental)
            .where(Rental.house_id == house.id)
            .options(selectinload(Rental.tenants), selectinload(Rental.landlord))
            .order_by(Rental.start_date.desc(), Rental.id.desc())
        )
    )
    return render_template(
        "registry/house_detail.html",
        house=house,
        rentals=rentals,
        shops=shops,
        today=local_today(),
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/houses/<int:house_id>/edit", methods=["GET", "POST"])
@login_required
def edit_house(house_id: int):
    house = get_visible_or_404(House, house_id)
    require(Permission.EDIT_REGISTERS)
    form = HouseEditForm(obj=house)
    form.building_id.choices = building_choices([house.grid], labelled=False)
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
