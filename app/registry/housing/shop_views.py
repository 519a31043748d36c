"""商铺: shops with their licence, operator and 门前三包 duty, and their moves (搬迁)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.identity import normalise_text_digits
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column
from app.extensions import db
from app.org.models import Division
from app.org.services import chosen_grid, grid_label, visible_grids
from app.registry import bp
from app.registry.housing import services, shop_moves, shop_services
from app.registry.housing.forms import ShopEditForm, ShopForm, ShopMoveForm, keep_linked_person_help
from app.registry.housing.house_views import (
    PER_PAGE,
    buildings_matching,
    in_house_order,
    person_values,
    register_workbook,
    residents_named,
    text_matches,
)
from app.registry.housing.models import House, Shop
from app.registry.people.changes import correction_summaries
from app.registry.people.models import PopulationEvent

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
        houses = (
            scoped_select(House)
            .with_only_columns(House.id)
            .where(or_(text_matches(query, House.address_text), House.building_id.in_(buildings_matching(query))))
        )
        statement = statement.where(
            or_(
                text_matches(query, Shop.name, Shop.address, Shop.operator_name),
                Shop.licence_number.icontains(normalise_text_digits(query, upper=True), autoescape=True),
                Shop.house_id.in_(houses),
                Shop.operator_resident_id.in_(residents_named(query)),
            )
        )
    if grid_id:
        statement = statement.where(Shop.grid_id == grid_id)
    if status not in shop_services.SHOP_STATUSES:
        status = ""
    if status:
        statement = statement.where(Shop.status == status)
    if duty not in DUTY_FILTERS:
        duty = ""
    if duty:
        statement = statement.where(Shop.frontage_duty_signed.is_(duty == "signed"))
    if business_type not in shop_services.BUSINESS_TYPES:
        business_type = ""
    if business_type:
        statement = statement.where(Shop.business_type == business_type)
    statement = statement.options(
        selectinload(Shop.grid), selectinload(Shop.operator), selectinload(Shop.house).selectinload(House.building)
    )
    return {
        "query": query,
        "grid_id": grid_id,
        "status": status,
        "duty": duty,
        "business_type": business_type,
    }, statement


@bp.route("/shops/")
@login_required
def shop_list():
    """Shops the user may see; ?q= matches name, licence, operator or address."""
    filters, statement = _shop_filters()
    page = db.paginate(statement.order_by(*SHOP_ORDER), per_page=PER_PAGE)
    return render_page(
        "registry/shop_list.html",
        fragment="registry/_shop_rows.html",
        target_id="shop-rows",
        page=page,
        grids=visible_grids(),
        statuses=shop_services.SHOP_STATUSES,
        types=shop_services.BUSINESS_TYPES,
        **filters,
    )


@bp.route("/shops/export.xlsx")
@login_required
def export_shops():
    """The filtered list of shops; operators' phones masked."""
    _filters, statement = _shop_filters()
    rows = [shop_services.shop_row(s) for s in db.session.scalars(statement.order_by(*SHOP_ORDER))]
    columns = [
        Column("grid", _("网格"), 16),
        Column("name", _("商铺名称"), 24),
        Column("business_type", _("经营类别"), 10),
        Column("licence", _("营业执照号"), 22, not_personal=True),
        Column("operator", _("经营者"), 12),
        Column("operator_phone", _("经营者电话"), 15),
        Column("address", _("经营地址"), 30),
        Column("duty", _("门前三包"), 10),
        Column("duty_note", _("门前三包说明"), 24),
        Column("status", _("经营状态"), 10),
    ]
    return register_workbook(_("商铺"), columns, rows, _("商铺台账"))


def _house_choices(grids: list[Division], labelled: bool) -> list[tuple[int, str]]:
    """(0, none) and the houses of these grids, labelled with their grid when the
    list spans several grids. With no grid chosen among several, only (0, none):
    the list would be the whole town's houses."""
    choices = [(0, _("（不关联房屋，填写经营地址）"))]
    if labelled and len(grids) > 1:
        return choices
    names = {g.id: g.name for g in grids}
    houses = db.session.scalars(
        in_house_order(scoped_select(House).where(House.grid_id.in_(list(names))).options(selectinload(House.building)))
    )
    for h in houses:
        text = services.house_address(h)
        choices.append((h.id, f"{names[h.grid_id]} · {text}" if labelled else text))
    return choices


def _shop_values(form) -> shop_services.ShopValues:
    return shop_services.ShopValues(
        name=form.name.data or "",
        business_type=form.business_type.data or "",
        licence_number=form.licence_number.data or "",
        operator=person_values(form, "operator"),
        house_id=form.house_id.data or None,
        address=form.address.data or "",
        frontage_duty_signed=bool(form.frontage_duty_signed.data),
        frontage_duty_note=form.frontage_duty_note.data or "",
        status=form.status.data or "",
        note=form.note.data or "",
    )


def _to_shop(shop: Shop):
    return redirect(url_for("registry.shop_detail", shop_id=shop.id), code=303)


@bp.route("/shops/new", methods=["GET", "POST"])
@login_required
def create_shop():
    """A new shop in a grid (?grid=ID, or ?house=ID from a house's page)."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = ShopForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.grid_id.render_kw = {
        "hx-get": url_for("registry.create_shop"),
        "hx-target": "#house-field",
        "hx-trigger": "change",
    }
    house = None
    house_id = request.args.get("house", type=int)
    if house_id:
        house = get_visible_or_404(House, house_id)
    chosen = (
        (request.form.get("grid_id", type=int) if request.method == "POST" else None)
        or request.args.get("grid_id", type=int)
        or request.args.get("grid", type=int)
        or (house.grid_id if house else None)
    )
    grid = chosen_grid(grids, chosen) or (grids[0] if len(grids) == 1 else None)
    if request.method == "GET":
        form.grid_id.data = grid.id if grid else None
        form.house_id.data = house.id if house else 0
        form.status.data = "open"
        form.business_type.data = "retail"
    form.house_id.choices = _house_choices([grid] if grid else grids, labelled=grid is None)
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                shop = shop_services.create_shop(_shop_values(form), grid, user=current_user)
            if saved:
                flash(_("已登记商铺：%(name)s", name=shop.name), "success")
                return _to_shop(shop)
    return render_page(
        "registry/shop_form.html",
        fragment="registry/_shop_house_field.html",
        target_id="house-field",
        form=form,
        shop=None,
    )


@bp.route("/shops/<int:shop_id>")
@login_required
def shop_detail(shop_id: int):
    """The shop, and its moves (those in the user's grids)."""
    shop = get_visible_or_404(Shop, shop_id)
    moves = list(
        db.session.scalars(
            scoped_select(PopulationEvent)
            .where(PopulationEvent.shop_id == shop.id)
            .options(selectinload(PopulationEvent.recorded_by))
            .order_by(PopulationEvent.occurred_on.desc(), PopulationEvent.id.desc())
        )
    )
    from app.supervision.inspections import inspections_of_place  # here: supervision imports registry models

    return render_template(
        "registry/shop_detail.html",
        shop=shop,
        moves=moves,
        summaries=correction_summaries(moves),
        inspections=inspections_of_place(shop, current_user),
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/shops/<int:shop_id>/edit", methods=["GET", "POST"])
@login_required
def edit_shop(shop_id: int):
    shop = get_visible_or_404(Shop, shop_id)
    require(Permission.EDIT_REGISTERS)
    form = ShopEditForm(obj=shop)
    form.house_id.choices = _house_choices([shop.grid], labelled=False)
    if shop.operator_resident_id:
        keep_linked_person_help(form.operator_id_number)
    if request.method == "GET":
        form.house_id.data = shop.house_id or 0
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = shop_services.update_shop(shop, _shop_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_shop(shop)
    return render_template("registry/shop_form.html", form=form, shop=shop)


@bp.route("/shops/<int:shop_id>/move", methods=["GET", "POST"])
@login_required
def move_shop(shop_id: int):
    """商铺搬迁: a new address in any grid in scope; recorded as a population change.
    Choosing another grid refreshes the houses offered (htmx); without JS, saving
    with a house of another grid shows the chosen grid's houses with the error."""
    shop = get_visible_or_404(Shop, shop_id)
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = ShopMoveForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.grid_id.render_kw = {
        "hx-get": url_for("registry.move_shop", shop_id=shop.id),
        "hx-target": "#house-field",
        "hx-trigger": "change",
    }
    chosen = (
        request.form.get("grid_id", type=int) if request.method == "POST" else request.args.get("grid_id", type=int)
    ) or shop.grid_id
    grid = chosen_grid(grids, chosen)
    if request.method == "GET":
        form.grid_id.data = grid.id if grid else None
        form.house_id.data = 0
        form.day.data = local_today()
    form.house_id.choices = _house_choices([grid] if grid else grids, labelled=grid is None)
    if form.validate_on_submit():
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            values = shop_moves.ShopMoveValues(
                house_id=form.house_id.data or None,
                address=form.address.data or "",
                day=form.day.data,
                note=form.note.data or "",
            )
            with saving(form) as saved:
                shop_moves.move_shop(shop, grid, values, user=current_user)
            if saved:
                flash(_("已登记商铺搬迁。"), "success")
                return _to_shop(shop)
    return render_page(
        "registry/shop_move.html",
        fragment="registry/_shop_house_field.html",
        target_id="house-field",
        form=form,
        shop=shop,
    )
