"""Residents (实有人口): list and search, register, view, correct, and record that
someone died or moved away. ID and phone numbers are masked everywhere; the full
values appear only after an audited "show" on the detail page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission, may_see_key_persons
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.rendering import render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Division
from app.org.services import division_choices, visible_grids
from app.registry import bp
from app.registry.people import services
from app.registry.people.models import CareTag, Household, HouseholdMember, KeyPerson, PopulationEvent, Resident
from app.registry.people.resident_forms import LeaveForm, LifeEventForm, NewResidentForm, ResidentForm
from app.registry.search.filters import filter_residents

PER_PAGE = 30
# Permission.REVEAL_NUMBERS (app.auth.roles): who may see a full ID or phone number,
# after an audited "show".


@bp.route("/residents/")
@login_required
def resident_list():
    """Residents the user may see; one search box for names, pinyin, ID and phone."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    tag_id = request.args.get("tag", type=int)
    status = request.args.get("status", "active")
    statement = filter_residents(scoped_select(Resident), query=query, grid_id=grid_id, tag_id=tag_id, status=status)
    statement = statement.options(
        selectinload(Resident.grid),
        selectinload(Resident.tags),
        selectinload(Resident.memberships).selectinload(HouseholdMember.household),
    )
    page = paginate(statement, per_page=PER_PAGE)
    return render_page(
        "registry/resident_list.html",
        fragment="registry/_resident_rows.html",
        target_id="resident-rows",
        page=page,
        query=query,
        grid_id=grid_id,
        tag_id=tag_id,
        status=status,
        grids=visible_grids(),
        tags=list(db.session.scalars(select(CareTag).where(CareTag.is_active).order_by(CareTag.name))),
        today=local_today(),
    )


def _fill_choices(form: ResidentForm) -> None:
    form.tag_ids.choices = [
        (t.id, t.name) for t in db.session.scalars(select(CareTag).where(CareTag.is_active).order_by(CareTag.name))
    ]


def _values(form: ResidentForm) -> services.ResidentValues:
    return services.ResidentValues(
        name=form.name.data,
        id_type=form.id_type.data,
        id_number=form.id_number.data or "",
        sex=form.sex.data or None,
        birth_date=form.birth_date.data,
        ethnicity=form.ethnicity.data,
        phone=form.phone.data or "",
        population_type=form.population_type.data,
        registered_address=form.registered_address.data or "",
        current_address=form.current_address.data or "",
        political_status=form.political_status.data,
        workplace=form.workplace.data or "",
        arrival_date=form.arrival_date.data,
        stay_reason=form.stay_reason.data or "",
        residence_permit_number=form.residence_permit_number.data or "",
        note=form.note.data or "",
        tag_ids=list(form.tag_ids.data or []),
    )


@bp.route("/residents/new", methods=["GET", "POST"])
@login_required
def create_resident():
    """Register a person; ?household=ID&relation=CODE registers them into that household."""
    household = None
    household_id = request.values.get("household", type=int) or request.form.get("household_id", type=int)
    if household_id:
        household = get_visible_or_404(Household, household_id)
    require(Permission.EDIT_REGISTERS)
    form = NewResidentForm()
    _fill_choices(form)
    grid_choices = division_choices(visible_grids())
    if not grid_choices:
        abort(404)
    # The household decides the grid; without one the page asks for a grid and no relation.
    if household is not None:
        del form.grid_id
    else:
        del form.relation
        form.grid_id.choices = grid_choices
    if request.method == "GET":
        if household is not None:
            form.household_id.data = str(household.id)
            form.relation.data = request.args.get("relation") or ("head" if household.head_id is None else "child")
        else:
            form.grid_id.data = request.args.get("grid", type=int)
    if form.validate_on_submit():
        grid = db.session.get(Division, household.grid_id if household else form.grid_id.data)
        if grid is None or grid.id not in {value for value, _label in grid_choices}:
            if household is None:
                form.grid_id.errors = [_("请选择您管辖范围内的网格。")]
            else:
                form.form_errors.append(_("请选择您管辖范围内的网格。"))
        else:
            with saving(form) as saved:
                resident = services.register_resident(
                    _values(form), grid, reason=form.reason.data, occurred_on=form.occurred_on.data, user=current_user
                )
                if household is not None:
                    services.add_member(
                        household,
                        resident,
                        form.relation.data,
                        form.occurred_on.data or local_today(),
                        user=current_user,
                    )
            if saved:
                flash(_("已登记：%(name)s", name=resident.name), "success")
                if household is not None:
                    return redirect(url_for("registry.household_detail", household_id=household.id), code=303)
                return redirect(url_for("registry.resident_detail", resident_id=resident.id), code=303)
    return render_template("registry/resident_form.html", form=form, resident=None, household=household)


def _detail(resident: Resident, revealed: bool = False, life_form: LifeEventForm | None = None):
    events = list(
        db.session.scalars(
            scoped_select(PopulationEvent)
            .where(PopulationEvent.resident_id == resident.id)
            .order_by(PopulationEvent.recorded_at.desc())
            .limit(30)
        )
    )
    key_persons = list(
        db.session.scalars(
            scoped_select(KeyPerson).where(KeyPerson.resident_id == resident.id).order_by(KeyPerson.start_date.desc())
        )
    )
    if key_persons and may_see_key_persons(current_user):
        # The page's key-person block is a sight of key persons too: audited.
        audit.record_now(
            "key_persons_listed",
            target=resident,
            summary=_("人员页面上的重点人员 %(n)d 条", n=len(key_persons)),
            detail={"key_person_ids": [k.id for k in key_persons]},
        )
    return render_template(
        "registry/resident_detail.html",
        resident=resident,
        revealed=revealed,
        events=events,
        can_reveal=current_user.can(Permission.REVEAL_NUMBERS),
        key_persons=key_persons,
        may_list_key_person=may_see_key_persons(current_user) and current_user.can(Permission.EDIT_REGISTERS),
        leave_form=LeaveForm(formdata=None, day=local_today()),
        life_form=life_form or LifeEventForm(formdata=None, day=local_today()),
        today=local_today(),
    )


@bp.route("/residents/<int:resident_id>")
@login_required
def resident_detail(resident_id: int):
    return _detail(get_visible_or_404(Resident, resident_id))


@bp.route("/residents/<int:resident_id>/reveal", methods=["POST"])
@login_required
def reveal_resident(resident_id: int):
    """Show the full ID and phone number once; the look is recorded in the audit log."""
    resident = get_visible_or_404(Resident, resident_id)
    if not current_user.can(Permission.REVEAL_NUMBERS):
        abort(403)
    audit.record("personal_data_revealed", target=resident, summary=resident.masked_id)
    db.session.commit()
    return _detail(resident, revealed=True)


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resident(resident_id: int):
    resident = get_visible_or_404(Resident, resident_id)
    require(Permission.EDIT_REGISTERS)
    form = ResidentForm(obj=resident)
    _fill_choices(form)
    _ask_for_numbers_anew(form, resident)
    if request.method == "GET":
        form.tag_ids.data = [t.id for t in resident.tags]
        form.sex.data = resident.sex or ""
    if form.validate_on_submit():
        values = _values(form)
        # Left empty: kept as registered (the page never showed them).
        values.id_number = values.id_number or resident.id_number or ""
        values.phone = values.phone or resident.phone or ""
        values.residence_permit_number = values.residence_permit_number or resident.residence_permit_number or ""
        if values.birth_date is None and values.id_number == resident.id_number:
            values.birth_date = resident.birth_date
        with saving(form) as saved:
            changed = services.update_resident(resident, values, user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return redirect(url_for("registry.resident_detail", resident_id=resident.id), code=303)
    return render_template("registry/resident_form.html", form=form, resident=resident, household=None)


def _ask_for_numbers_anew(form: ResidentForm, resident: Resident) -> None:
    """The edit page shows the ID number, phone and birth date masked, never in full
    (only the audited 显示完整 does): their fields come empty, with the masked value
    beside them, and are kept when left empty. Correcting one means typing it whole."""
    if request.method == "GET":
        form.id_number.data, form.phone.data, form.birth_date.data = "", "", None
        # A 居住证 number is often the ID number itself.
        form.residence_permit_number.data = ""
    keep = _("不修改请留空；更正时请输入完整的新值。")
    form.residence_permit_number.description = _("当前：%(value)s。", value=resident.masked_permit or "—") + keep
    form.id_number.description = _("当前：%(value)s。", value=resident.masked_id or "—") + keep
    form.phone.description = _("当前：%(value)s。", value=resident.masked_phone or "—") + keep
    form.birth_date.description = _("当前：%(value)s。", value=_birth_year_text(resident)) + _(
        "不修改请留空；居民身份证号码已含出生日期。"
    )


def _birth_year_text(resident: Resident) -> str:
    return _("%(year)d年", year=resident.birth_date.year) if resident.birth_date else "—"


@bp.route("/residents/<int:resident_id>/life-events", methods=["POST"])
@login_required
def record_life_event(resident_id: int):
    """结婚 or 怀孕, as the grid worker learned it; a refusal keeps what was typed."""
    resident = get_visible_or_404(Resident, resident_id)
    require(Permission.EDIT_REGISTERS)
    form = LifeEventForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.record_life_event(
                resident, form.kind.data, form.day.data, form.note.data or "", current_user, local_today()
            )
        if saved:
            flash(_("已记录婚育情况。"), "success")
            return redirect(url_for("registry.resident_detail", resident_id=resident.id), code=303)
    return _detail(resident, life_form=form), 400


@bp.route("/residents/<int:resident_id>/leave", methods=["POST"])
@login_required
def resident_leaves(resident_id: int):
    """Death or moving out of the county's register."""
    resident = get_visible_or_404(Resident, resident_id)
    require(Permission.EDIT_REGISTERS)
    form = LeaveForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.end_residence(resident, form.kind.data, form.day.data, form.note.data or "", user=current_user)
        if saved:
            flash(_("已记录人口变动。"), "success")
            return redirect(url_for("registry.resident_detail", resident_id=resident.id), code=303)
    for error in [*form.form_errors, *form.day.errors, *form.kind.errors]:
        flash(str(error), "error")
    return redirect(url_for("registry.resident_detail", resident_id=resident.id), code=303)
