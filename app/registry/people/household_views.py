"""Households (住户): list, create, view, correct; members joining and leaving, a new
head, splits and merges; and the per-grid feed of population changes (动态信息).
Every record is looked up through app.core.scoping; the rules live in services."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import RuleError, saving
from app.core.identity import age_on, normalise_text_digits
from app.core.pagination import paginate
from app.core.rendering import render_page, wants_fragment
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Building, Division
from app.org.ordering import buildings_in_order
from app.org.services import grid_label, visible_grids
from app.registry import bp
from app.registry.people import reference, services
from app.registry.people.changes import correction_summaries
from app.registry.people.household_forms import (
    AddMemberForm,
    BulkHouseholdForm,
    ChangeHeadForm,
    HouseholdEditForm,
    HouseholdForm,
    MemberLeaveForm,
    MergeForm,
    MoveForm,
    SplitForm,
)
from app.registry.people.models import Household, HouseholdMember, PopulationEvent, Resident
from app.registry.search.filters import filter_households
from app.registry.settings import visit_classes

PER_PAGE = 30


def building_choices(grids: list[Division], labelled: bool) -> list[tuple[int, str]]:
    """(0, none) and the buildings of these grids; labelled with their grid when the
    list spans several grids (the page without JS cannot narrow it to one)."""
    names = {g.id: g.name for g in grids}
    buildings = buildings_in_order(db.session.scalars(scoped_select(Building).where(Building.grid_id.in_(list(names)))))
    buildings.sort(key=lambda b: b.grid_id)  # by grid, each grid's buildings 1号楼, 2号楼 … 10号楼
    choices = [(0, _("（无楼栋，填写地址）"))]
    for b in buildings:
        text = f"{b.label} {b.address}".strip()
        choices.append((b.id, f"{names[b.grid_id]} · {text}" if labelled else text))
    return choices


def _values(form) -> services.HouseholdValues:
    return services.HouseholdValues(
        household_number=form.household_number.data or "",
        household_type=form.household_type.data,
        visit_class=form.visit_class.data,
        building_id=form.building_id.data or None,
        unit=form.unit.data or "",
        room=form.room.data or "",
        address_text=form.address_text.data or "",
        note=(form.note.data or "") if hasattr(form, "note") else "",
    )


def _member_choices(members: list[HouseholdMember]) -> list[tuple[int, str]]:
    return [(m.resident_id, f"{m.resident.name} ({m.relation_label})") for m in members]


def _age_text(resident: Resident, today: date) -> str:
    if resident.birth_date is None:
        return "—"
    return _("%(n)d岁（%(y)d年生）", n=age_on(resident.birth_date, today), y=resident.birth_date.year)


def _to_detail(household: Household):
    return redirect(url_for("registry.household_detail", household_id=household.id), code=303)


# --- List, create, detail, edit --------------------------------------------------------


@bp.route("/households/")
@login_required
def household_list():
    """Households the user may see; ?q= matches household number, address or head."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    household_type = request.args.get("type", "")
    visit_class = request.args.get("visit", type=int)
    closed = request.args.get("closed") == "1"
    if household_type not in reference.HOUSEHOLD_TYPES:
        household_type = ""
    if visit_class not in visit_classes.LEVELS:
        visit_class = None
    statement = filter_households(
        scoped_select(Household),
        query=query,
        grid_id=grid_id,
        household_type=household_type,
        visit_class=visit_class,
        closed=closed,
    )
    statement = statement.options(
        selectinload(Household.grid),
        selectinload(Household.building),
        selectinload(Household.head),
        selectinload(Household.memberships),
    )
    page = paginate(statement, per_page=PER_PAGE)
    return render_page(
        "registry/household_list.html",
        fragment="registry/_household_rows.html",
        target_id="household-rows",
        page=page,
        query=query,
        grid_id=grid_id,
        household_type=household_type,
        visit_class=visit_class,
        closed=closed,
        grids=visible_grids(),
        types=reference.HOUSEHOLD_TYPES,
        visit_classes=visit_classes.names(),
    )


BULK_LIMIT = 500  # households on one bulk page: a grid holds 300–1,000


@bp.route("/households/bulk", methods=["GET", "POST"])
@login_required
def bulk_households():
    """批量调整: the households of one grid found by building, search text or visit class,
    ticked (all by default), then moved to another grid of the community (网格调整:
    town staff and county administrators) or given another visit class — each with the
    events and audit of doing it one at a time."""
    from app.adjustments import bulk  # above the registers: it moves their records

    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    grid = next((g for g in grids if g.id == request.args.get("grid", type=int)), None)
    buildings = (
        buildings_in_order(db.session.scalars(select(Building).where(Building.grid_id == grid.id)))
        if grid is not None
        else []
    )
    building_id = request.args.get("building", type=int)
    query = request.args.get("q", "").strip()
    visit_class = request.args.get("visit", type=int)
    households: list[Household] = []
    if grid is not None:
        statement = filter_households(
            scoped_select(Household),
            query=query,
            grid_id=grid.id,
            visit_class=visit_class if visit_class in visit_classes.LEVELS else None,
        ).options(selectinload(Household.building), selectinload(Household.head))
        if building_id:
            statement = statement.where(Household.building_id == building_id)
        households = list(db.session.scalars(statement.limit(BULK_LIMIT + 1)))
    may_move = current_user.can(Permission.EDIT_STRUCTURE)
    form = BulkHouseholdForm()
    targets = [g for g in grids if grid is not None and g.parent_id == grid.parent_id and g.id != grid.id]
    form.to_grid.choices = [(0, _("请选择"))] + [(g.id, grid_label(g)) for g in targets]
    ticked = {int(v) for v in request.form.getlist("household") if v.isdigit()} if request.method == "POST" else None
    if form.validate_on_submit() and (form.move.data or form.reclassify.data):
        chosen = [h for h in households if h.id in (ticked or set())]
        if not chosen:
            form.form_errors.append(_("请至少选择一户。"))
        elif form.move.data:
            if not may_move:
                abort(403)
            target = next((g for g in targets if g.id == form.to_grid.data), None)
            if target is None:
                form.to_grid.errors = [_("请选择本社区（村）的另一网格。")]
            elif form.day.data is None:
                form.day.errors = [_("请输入有效日期，格式为 YYYY-MM-DD。")]
            elif not (form.reason.data or "").strip():
                form.reason.errors = [_("此项为必填项。")]
            else:
                with saving(form) as saved:
                    moved = bulk.move_households(chosen, target, form.day.data, form.reason.data.strip(), current_user)
                if saved:
                    flash(_("已将 %(n)d 户调整到 %(grid)s。", n=moved, grid=target.name), "success")
                    return redirect(url_for("registry.bulk_households", grid=target.id), code=303)
        else:
            if form.visit_class.data not in visit_classes.LEVELS:
                form.visit_class.errors = [_("请选择走访分类。")]
            else:
                with saving(form) as saved:
                    changed = 0
                    for household in chosen:
                        if household.visit_class != form.visit_class.data:
                            services.update_household(
                                household, _household_values(household, form.visit_class.data), user=current_user
                            )
                            changed += 1
                if saved:
                    flash(_("已更改 %(n)d 户的走访分类。", n=changed), "success")
                    return redirect(request.full_path, code=303)
    return render_template(
        "registry/household_bulk.html",
        form=form,
        grids=grids,
        grid=grid,
        buildings=buildings,
        building_id=building_id,
        query=query,
        visit_class=visit_class,
        visit_classes=visit_classes.names(),
        households=households[:BULK_LIMIT],
        more=len(households) > BULK_LIMIT,
        ticked=ticked,
        may_move=may_move and bool(targets),
    )


def _household_values(household: Household, visit_class: int) -> services.HouseholdValues:
    """The household as registered, with another visit class (what the edit form sends)."""
    return services.HouseholdValues(
        household_number=household.household_number,
        household_type=household.household_type,
        visit_class=visit_class,
        building_id=household.building_id,
        unit=household.unit,
        room=household.room,
        address_text=household.address_text,
        note=household.note,
    )


@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def create_household():
    """A new household in a grid (?grid=ID preselects); then go to its page."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = HouseholdForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    # With htmx, choosing a grid narrows the building list to that grid.
    form.grid_id.render_kw = {
        "hx-get": url_for("registry.create_household"),
        "hx-target": "#building-field",
        "hx-trigger": "change",
    }
    chosen = request.args.get("grid_id", type=int) or request.args.get("grid", type=int)
    if request.method == "GET":
        form.grid_id.data = chosen
        form.household_type.data = "permanent"
        form.visit_class.data = 3
    narrowed = [g for g in grids if g.id == chosen] if wants_fragment("building-field") else []
    form.building_id.choices = building_choices(narrowed or grids, labelled=not narrowed)
    if form.validate_on_submit():
        grid = next((g for g in grids if g.id == form.grid_id.data), None)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                household = services.create_household(_values(form), grid, user=current_user)
            if saved:
                flash(_("已立户：%(number)s", number=household.household_number), "success")
                return _to_detail(household)
    return render_page(
        "registry/household_form.html",
        fragment="registry/_household_building_field.html",
        target_id="building-field",
        form=form,
        household=None,
    )


@bp.route("/households/<int:household_id>")
@login_required
def household_detail(household_id: int):
    household = get_visible_or_404(Household, household_id)
    today = local_today()
    members = household.current_members
    former = sorted(
        (m for m in household.memberships if m.end_date is not None), key=lambda m: (m.end_date, m.id), reverse=True
    )
    events = list(
        db.session.scalars(
            scoped_select(PopulationEvent)
            .where(PopulationEvent.household_id == household.id)
            .options(selectinload(PopulationEvent.resident), selectinload(PopulationEvent.recorded_by))
            .order_by(PopulationEvent.occurred_on.desc(), PopulationEvent.id.desc())
        )
    )
    return render_template(
        "registry/household_detail.html",
        household=household,
        members=members,
        former=former,
        events=events,
        summaries=correction_summaries(events),
        kinds=reference.EVENT_KINDS,
        ages={m.resident_id: _age_text(m.resident, today) for m in members},
        can_edit=current_user.can(Permission.EDIT_REGISTERS) and household.status == "active",
    )


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit_household(household_id: int):
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    form = HouseholdEditForm(obj=household)
    form.building_id.choices = building_choices([household.grid], labelled=False)
    if request.method == "GET":
        form.building_id.data = household.building_id or 0
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_household(household, _values(form), user=current_user)
        if saved:
            flash(_("已保存。"), "success")
            return _to_detail(household)
    return render_template("registry/household_form.html", form=form, household=household)


@bp.route("/households/<int:household_id>/move", methods=["GET", "POST"])
@login_required
def move_household(household_id: int):
    """住户搬迁: a new address for the household and its members, in any grid in scope."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = MoveForm(obj=household)
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    form.building_id.choices = building_choices(grids, labelled=True)
    if request.method == "GET":
        form.building_id.data = 0
        form.unit.data = form.room.data = form.address_text.data = ""
    if form.validate_on_submit():
        grid = next((g for g in grids if g.id == form.grid_id.data), None)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            values = services.HouseholdValues(
                household_number=form.household_number.data,
                household_type=household.household_type,
                visit_class=household.visit_class,
                building_id=form.building_id.data or None,
                unit=form.unit.data or "",
                room=form.room.data or "",
                address_text=form.address_text.data or "",
            )
            with saving(form) as saved:
                services.move_household(household, grid, values, form.day.data, user=current_user)
            if saved:
                flash(_("已登记住户搬迁。"), "success")
                return _to_detail(household)
    return render_template("registry/household_move.html", form=form, household=household)


# --- Members -------------------------------------------------------------------------


@bp.route("/households/<int:household_id>/members", methods=["GET", "POST"])
@login_required
def add_household_member(household_id: int):
    """Add a resident already in the register, found by their full ID number."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    form = AddMemberForm()
    if request.method == "GET":
        form.relation.data = request.args.get("relation") or ("head" if household.head_id is None else "child")
    if form.validate_on_submit():
        number = normalise_text_digits(form.id_number.data, upper=True)
        # Only inside the user's scope; elsewhere looks exactly like "not registered".
        resident = db.session.scalar(scoped_select(Resident).where(Resident.id_number == number))
        if resident is None:
            form.id_number.errors.append(_("在您的管辖范围内未找到该证件号码的人员。"))
        else:
            with saving(form) as saved:
                try:
                    services.add_member(
                        household, resident, form.relation.data, form.start_date.data, user=current_user
                    )
                except RuleError as error:
                    if error.field == "resident_id":
                        error.field = "id_number"
                    raise
            if saved:
                flash(_("%(name)s 已加入本户。", name=resident.name), "success")
                return _to_detail(household)
    return render_template("registry/household_member_form.html", form=form, household=household)


@bp.route("/households/<int:household_id>/members/<int:member_id>/leave", methods=["GET", "POST"])
@login_required
def remove_household_member(household_id: int, member_id: int):
    """离户: the membership ends on a date; the person stays in the register."""
    household = get_visible_or_404(Household, household_id)
    membership = db.session.scalar(
        scoped_select(HouseholdMember).where(
            HouseholdMember.id == member_id, HouseholdMember.household_id == household.id
        )
    )
    if membership is None:
        abort(404)
    require(Permission.EDIT_REGISTERS)
    form = MemberLeaveForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.remove_member(membership, form.day.data, note=(form.note.data or "").strip(), user=current_user)
        if saved:
            flash(_("%(name)s 已离开本户。", name=membership.resident.name), "success")
            return _to_detail(household)
    return render_template("registry/household_leave.html", form=form, household=household, membership=membership)


@bp.route("/households/<int:household_id>/head", methods=["GET", "POST"])
@login_required
def change_household_head(household_id: int):
    """变更户主: a new head among the members, and everyone's relation to them."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    candidates = [m for m in household.current_members if m.resident_id != household.head_id]
    form = ChangeHeadForm()
    form.new_head_id.choices = [(0, _("（请选择）"))] + _member_choices(candidates)
    relations = {m.resident_id: request.form.get(f"relation-{m.resident_id}", m.relation) for m in candidates}
    if form.validate_on_submit():
        new_head = next((m.resident for m in candidates if m.resident_id == form.new_head_id.data), None)
        others = {rid: rel for rid, rel in relations.items() if new_head is None or rid != new_head.id}
        if new_head is None:
            form.new_head_id.errors = [_("新户主须是本户现有成员。")]
        elif any(rel not in reference.RELATIONS or rel == "head" for rel in others.values()):
            form.form_errors.append(_("请为每位成员选择与新户主的关系。"))
        else:
            with saving(form) as saved:
                services.change_head(
                    household, new_head, form.day.data, form.old_head_relation.data, others, user=current_user
                )
            if saved:
                flash(_("户主已变更为 %(name)s。", name=new_head.name), "success")
                return _to_detail(household)
    return render_template(
        "registry/household_head.html",
        form=form,
        household=household,
        candidates=candidates,
        relations=relations,
        relation_choices=[(k, str(v)) for k, v in reference.RELATIONS.items() if k != "head"],
    )


@bp.route("/households/<int:household_id>/split", methods=["GET", "POST"])
@login_required
def split_household(household_id: int):
    """分户: ticked members leave to form a new household in the same grid."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    candidates = [m for m in household.current_members if m.resident_id != household.head_id]
    form = SplitForm()
    form.members.choices = _member_choices(candidates)
    form.new_head_id.choices = [(0, _("（请选择）"))] + _member_choices(candidates)
    form.building_id.choices = building_choices([household.grid], labelled=False)
    if request.method == "GET":
        form.building_id.data = household.building_id or 0
        form.unit.data = household.unit
        form.address_text.data = household.address_text
        form.household_type.data = household.household_type
        form.visit_class.data = household.visit_class
    if form.validate_on_submit():
        with saving(form) as saved:
            new_household = services.split_household(
                household,
                list(form.members.data or []),
                _values(form),
                form.new_head_id.data,
                form.day.data,
                user=current_user,
            )
        if saved:
            flash(_("已分户：新户号 %(number)s。", number=new_household.household_number), "success")
            return _to_detail(new_household)
    return render_template("registry/household_split.html", form=form, household=household, candidates=candidates)


@bp.route("/households/<int:household_id>/merge", methods=["GET", "POST"])
@login_required
def merge_households(household_id: int):
    """并户: another household of the same grid joins this one and is closed; a
    second step shows who would join before anything changes."""
    household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    form = MergeForm()
    other = None
    if form.validate_on_submit():
        other = db.session.scalar(
            scoped_select(Household).where(
                Household.grid_id == household.grid_id,
                Household.status == "active",
                Household.household_number == form.other_number.data.strip(),
            )
        )
        if other is None:
            form.other_number.errors.append(_("本网格中没有该户号的在册住户。"))
        elif other.id == household.id:
            form.other_number.errors.append(_("不能与本户合并。"))
            other = None
        elif request.form.get("confirm") == "1":
            with saving(form) as saved:
                services.merge_households(household, other, form.day.data, user=current_user)
            if saved:
                flash(_("户号 %(number)s 已并入本户并销户。", number=other.household_number), "success")
                return _to_detail(household)
    return render_template("registry/household_merge.html", form=form, household=household, other=other)
