"""Key and special persons (重点人员/特殊人群): the scoped list with its overdue flag and
xlsx export, listing a resident under a category (with the category's own fields),
the detail page with its follow-up log, corrections and closing.

Only grid workers, stations and town staff with the 综治 duty see these records
(app.core.scoping); everyone else gets 404 on every URL here, as if none existed.
Every look at a person's page is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import audit
from app.auth.decorators import require
from app.auth.roles import Permission, may_see_key_persons
from app.core.forms import saving
from app.core.identity import normalise_text_digits
from app.core.rendering import render_page, xlsx_download
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.org.models import StaffMember
from app.org.ordering import people_in_order
from app.org.services import visible_grids
from app.registry import bp
from app.registry.keypersons import services as rules
from app.registry.keypersons.forms import CloseForm, FollowUpForm, detail_values, key_person_form
from app.registry.keypersons.models import FollowUp, KeyPerson, KeyPersonCategory
from app.registry.people.models import Resident

PER_PAGE = 30


def _require_access() -> None:
    if not may_see_key_persons(current_user):
        abort(404)


def _to_detail(key_person: KeyPerson, anchor: str | None = None):
    return redirect(url_for("registry.key_person_detail", key_person_id=key_person.id, _anchor=anchor), code=303)


# --- List and export -------------------------------------------------------------------


@dataclass
class Filters:
    query: str = ""
    category_id: int | None = None
    grid_id: int | None = None
    status: str = "active"
    risk: str = ""
    overdue: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        status = args.get("status", "active")
        risk = args.get("risk", "")
        return cls(
            query=args.get("q", "").strip()[:64],
            category_id=args.get("category", type=int),
            grid_id=args.get("grid", type=int),
            status=status if status in (*rules.STATUSES, "all") else "active",
            risk=risk if risk in rules.RISK_LEVELS else "",
            overdue=args.get("overdue") == "1",
        )

    def url_args(self) -> dict:
        """Query arguments that reproduce these filters (for the pager and the export)."""
        return {
            "q": self.query or None,
            "category": self.category_id,
            "grid": self.grid_id,
            "status": None if self.status == "active" else self.status,
            "risk": self.risk or None,
            "overdue": "1" if self.overdue else None,
        }

    @property
    def narrowed(self) -> bool:
        return bool(
            self.query or self.category_id or self.grid_id or self.risk or self.overdue or self.status != "active"
        )


def _filtered(filters: Filters):
    statement = scoped_select(KeyPerson).join(Resident, Resident.id == KeyPerson.resident_id)
    if filters.query:
        statement = statement.where(Resident.name.icontains(filters.query, autoescape=True))
    if filters.category_id:
        statement = statement.where(KeyPerson.category_id == filters.category_id)
    if filters.grid_id:
        statement = statement.where(KeyPerson.grid_id == filters.grid_id)
    if filters.status != "all":
        statement = statement.where(KeyPerson.status == filters.status)
    if filters.risk:
        statement = statement.where(KeyPerson.risk_level == filters.risk)
    if filters.overdue:
        statement = statement.where(rules.overdue_condition(local_today()))
    return statement.options(
        selectinload(KeyPerson.resident),
        selectinload(KeyPerson.category),
        selectinload(KeyPerson.grid),
        selectinload(KeyPerson.follow_ups),
        selectinload(KeyPerson.responsible_staff),
    ).order_by(KeyPerson.grid_id, Resident.name_pinyin, Resident.name, KeyPerson.id)  # pinyin: app.org.ordering


def _all_categories() -> list[KeyPersonCategory]:
    return list(db.session.scalars(select(KeyPersonCategory).order_by(KeyPersonCategory.id)))


@bp.route("/key-persons/")
@login_required
def key_person_list():
    """Key persons in the user's grids, with when each is next due and who is overdue."""
    _require_access()
    filters = Filters.from_args(request.args)
    page = db.paginate(_filtered(filters), per_page=PER_PAGE)
    # Every sight of key persons is audited, once per page (or htmx fragment): who
    # were on it, by record number only.
    audit.record_now(
        "key_persons_listed",
        summary=_("第 %(page)d 页，%(n)d 人", page=page.page, n=len(page.items)),
        detail={"key_person_ids": [k.id for k in page.items]},
    )
    return render_page(
        "registry/keyperson_list.html",
        fragment="registry/_keyperson_rows.html",
        target_id="key-person-rows",
        page=page,
        filters=filters,
        rules=rules,
        categories=_all_categories(),
        grids=visible_grids(),
        today=local_today(),
    )


@bp.route("/key-persons/export.xlsx")
@login_required
def export_key_persons():
    """The filtered list as a workbook; ID numbers masked; the export is audited."""
    _require_access()
    filters = Filters.from_args(request.args)
    today = local_today()
    rows = list(db.session.scalars(_filtered(filters)))

    def details_text(key_person):
        return _("；").join(
            _("%(label)s：%(value)s", label=label, value=value)
            for label, value in rules.details_for_display(key_person)
            if value
        )

    columns = [
        Column(lambda k: k.resident.name, _("姓名"), 10),
        Column(lambda k: k.resident.masked_id, _("证件号码"), 20),
        Column(lambda k: k.category.name, _("类别"), 16),
        Column(lambda k: k.grid.name, _("网格"), 14),
        Column(lambda k: rules.label(rules.RISK_LEVELS, k.risk_level), _("风险等级"), 8),
        Column("start_date", _("列管日期"), 12, kind="date"),
        Column(lambda k: rules.label(rules.STATUSES, k.status), _("状态"), 8),
        Column(lambda k: getattr(rules.latest_follow_up(k), "follow_up_date", None), _("最近跟进"), 12, kind="date"),
        Column(rules.due_date, _("下次跟进"), 12, kind="date"),
        Column(lambda k: _("已逾期") if rules.is_overdue(k, today) else "", _("逾期"), 8),
        Column(lambda k: k.responsible_staff.name if k.responsible_staff else "", _("责任人"), 10),
        Column(details_text, _("类别信息"), 40),
        Column("note", _("备注"), 30),
    ]
    payload = write_table(columns, rows, title=_("重点人员登记表"))
    audit.record_now(
        "key_persons_exported",
        summary=str(len(rows)),
        detail={key: value for key, value in filters.url_args().items() if value is not None},
    )
    return xlsx_download(payload, _("重点人员登记表"))


# --- Listing a person ------------------------------------------------------------------


def _staff_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    staff = people_in_order(db.session.scalars(scoped_select(StaffMember)))
    if current_id and current_id not in {s.id for s in staff}:
        kept = db.session.get(StaffMember, current_id)
        if kept is not None:
            staff.append(kept)
    return [(0, _("（无）"))] + [(s.id, s.name) for s in staff]


def _check_staff(form) -> bool:
    if form.responsible_staff_id.data not in {value for value, _text in form.responsible_staff_id.choices}:
        form.responsible_staff_id.errors = list(form.responsible_staff_id.errors) + [_("请从列表中选择。")]
        return False
    return True


def _values(form, category) -> rules.KeyPersonValues:
    return rules.KeyPersonValues(
        risk_level=form.risk_level.data,
        start_date=form.start_date.data,
        responsible_staff_id=form.responsible_staff_id.data or None,
        note=form.note.data or "",
        details=detail_values(form, category),
    )


def _find_resident(form) -> Resident | None:
    """The resident typed by full ID number, looked up only within the user's scope."""
    number = normalise_text_digits(form.id_number.data, upper=True)
    if not number:
        form.id_number.errors = list(form.id_number.errors) + [_("此项为必填项。")]
        return None
    resident = db.session.scalar(scoped_select(Resident).where(Resident.id_number == number))
    if resident is None:
        # Elsewhere looks exactly like "not registered".
        form.id_number.errors = list(form.id_number.errors) + [_("在您的管辖范围内未找到该证件号码的人员。")]
    return resident


@bp.route("/key-persons/new", methods=["GET", "POST"])
@login_required
def create_key_person():
    """List a resident (?resident=ID from their page, or by ID number) under a category.
    Changing the category re-renders its fields: htmx swaps them, without JS the
    "更新字段" button (or saving with another category) re-renders the form."""
    _require_access()
    resident_id = request.values.get("resident", type=int) or request.form.get("resident_id", type=int)
    resident = get_visible_or_404(Resident, resident_id) if resident_id else None
    require(Permission.EDIT_REGISTERS)
    categories = rules.active_categories()
    chosen_id = request.values.get("category_id", type=int) or request.args.get("category", type=int)
    category = next((c for c in categories if c.id == chosen_id), None)
    form = key_person_form(category)
    form.category_id.choices = [(0, _("（请选择）"))] + [(c.id, c.name) for c in categories]
    form.category_id.render_kw = {
        "hx-get": url_for("registry.create_key_person"),
        "hx-target": "#category-fields",
        "hx-trigger": "change",
    }
    form.responsible_staff_id.choices = _staff_choices()
    if request.method == "GET":
        form.category_id.data = category.id if category else 0
        form.start_date.data = local_today()
        form.responsible_staff_id.data = 0
        if resident is not None:
            form.resident_id.data = str(resident.id)
    refreshed = False
    if request.method == "POST":
        shown = request.form.get("shown_category_id", type=int)
        if form.refresh.data or shown != (category.id if category else None):
            # Another category's fields were on the page: show this one's, save nothing.
            refreshed = not form.refresh.data
        else:
            # Check everything at once, so every mistake shows at its field together.
            valid = form.validate_on_submit()
            valid = _check_staff(form) and valid
            if category is None:
                form.category_id.errors = list(form.category_id.errors) + [_("请从列表中选择。")]
            if resident is None:
                resident = _find_resident(form)
            if valid and resident is not None and category is not None:
                with saving(form) as saved:
                    key_person = rules.create_key_person(resident, category, _values(form, category), user=current_user)
                if saved:
                    flash(
                        _("已列入重点人员：%(name)s（%(category)s）", name=resident.name, category=category.name),
                        "success",
                    )
                    return _to_detail(key_person)
    return render_page(
        "registry/keyperson_form.html",
        fragment="registry/_keyperson_fields.html",
        target_id="category-fields",
        form=form,
        category=category,
        resident=resident,
        key_person=None,
        refreshed=refreshed,
    )


@bp.route("/key-persons/<int:key_person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_key_person(key_person_id: int):
    """Correct a listing; its category and person stay (close it and list again instead)."""
    key_person = get_visible_or_404(KeyPerson, key_person_id)
    require(Permission.EDIT_REGISTERS)
    form = key_person_form(key_person.category, obj=key_person, details=key_person.details)
    form.category_id.choices = [(key_person.category_id, key_person.category.name)]
    form.responsible_staff_id.choices = _staff_choices(key_person.responsible_staff_id)
    if request.method == "GET":
        form.responsible_staff_id.data = key_person.responsible_staff_id or 0
    if form.validate_on_submit() and _check_staff(form):
        with saving(form) as saved:
            changed = rules.update_key_person(key_person, _values(form, key_person.category), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_detail(key_person)
    _audit_sight(key_person)
    return render_template(
        "registry/keyperson_form.html",
        form=form,
        category=key_person.category,
        resident=key_person.resident,
        key_person=key_person,
        refreshed=False,
    )


# --- Detail, follow-ups, closing -------------------------------------------------------


def _audit_sight(key_person: KeyPerson) -> None:
    """A page showing this key person was seen. The entry names the listing by its
    number and category only: no name, no ID digits, so that reading the audit log
    (which those without access to key persons may) identifies nobody."""
    audit.record_now("key_person_viewed", target=key_person, summary=key_person.category.name)


def _new_follow_up_form(key_person: KeyPerson) -> FollowUpForm:
    today = local_today()
    return FollowUpForm(
        formdata=None,
        follow_up_date=today,
        kind=next(iter(rules.FOLLOW_UP_KINDS)),
        performed_by=current_user.display_name,
        next_due_date=rules.default_next_due(key_person, today),
    )


def _detail(key_person: KeyPerson, follow_up_form: FollowUpForm | None = None, close_form: CloseForm | None = None):
    """The page; every showing of it is audited (personal data of a special group)."""
    _audit_sight(key_person)
    today = local_today()
    others = list(
        db.session.scalars(
            scoped_select(KeyPerson)
            .where(KeyPerson.resident_id == key_person.resident_id, KeyPerson.id != key_person.id)
            .order_by(KeyPerson.start_date.desc())
        )
    )
    return render_template(
        "registry/keyperson_detail.html",
        key_person=key_person,
        resident=key_person.resident,
        rules=rules,
        details=rules.details_for_display(key_person),
        due=rules.due_date(key_person),
        overdue=rules.is_overdue(key_person, today),
        marks=rules.follow_up_timeliness(key_person, today),
        others=others,
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
        follow_up_form=follow_up_form or _new_follow_up_form(key_person),
        close_form=close_form or CloseForm(formdata=None, end_date=today),
        today=today,
    )


@bp.route("/key-persons/<int:key_person_id>")
@login_required
def key_person_detail(key_person_id: int):
    return _detail(get_visible_or_404(KeyPerson, key_person_id))


def _follow_up_values(form: FollowUpForm) -> rules.FollowUpValues:
    return rules.FollowUpValues(
        follow_up_date=form.follow_up_date.data,
        kind=form.kind.data,
        performed_by=form.performed_by.data or "",
        content=form.content.data or "",
        next_due_date=form.next_due_date.data,
    )


@bp.route("/key-persons/<int:key_person_id>/follow-ups", methods=["POST"])
@login_required
def add_follow_up(key_person_id: int):
    """Record one 帮教/帮扶/管控 contact; an empty next due date takes the category's interval."""
    key_person = get_visible_or_404(KeyPerson, key_person_id)
    require(Permission.EDIT_REGISTERS)
    form = FollowUpForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            rules.add_follow_up(key_person, _follow_up_values(form), user=current_user)
        if saved:
            flash(_("已添加跟进记录。"), "success")
            return _to_detail(key_person, "follow-ups")
    return _detail(key_person, follow_up_form=form)


@bp.route("/follow-ups/<int:follow_up_id>/edit", methods=["GET", "POST"])
@login_required
def edit_follow_up(follow_up_id: int):
    follow_up = get_visible_or_404(FollowUp, follow_up_id)
    require(Permission.EDIT_REGISTERS)
    key_person = follow_up.key_person
    form = FollowUpForm(obj=follow_up)
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = rules.update_follow_up(follow_up, _follow_up_values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_detail(key_person, "follow-ups")
    _audit_sight(key_person)
    return render_template(
        "registry/keyperson_follow_up_form.html", form=form, follow_up=follow_up, key_person=key_person, rules=rules
    )


@bp.route("/key-persons/<int:key_person_id>/close", methods=["POST"])
@login_required
def close_key_person(key_person_id: int):
    """解除列管 on a date not before the start; the record and its log stay."""
    key_person = get_visible_or_404(KeyPerson, key_person_id)
    require(Permission.EDIT_REGISTERS)
    form = CloseForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            rules.close_key_person(key_person, form.end_date.data, form.reason.data or "", user=current_user)
        if saved:
            flash(_("已解除列管。"), "success")
            return _to_detail(key_person)
    return _detail(key_person, close_form=form)
