"""Grid staff (people who work the grids): list, create, edit, photo, and their
assignments to grids. Rules live in app.org.staff_services and app.org.photos."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.models import User
from app.auth.roles import Permission
from app.core.forms import attach_error, saving
from app.core.rendering import private_photo
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org import bp, photos
from app.org import staff_services as rules
from app.org.models import Division, GridArea, Level, StaffAssignment, StaffMember, StaffRole, TeamMembership
from app.org.services import OrgError, division_choices
from app.org.staff_forms import AssignmentForm, EndAssignmentForm, StaffForm

PER_PAGE = 30


def visible_division(division_id: int | None) -> Division | None:
    """The division if the user may see it, else None (the rules then refuse it)."""
    if not division_id:
        return None
    return db.session.scalar(scoped_select(Division).where(Division.id == division_id))


def active_divisions(levels) -> list[Division]:
    return list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level.in_(levels), Division.status == "active")
            .order_by(Division.code)
        )
    )


def _upload_root() -> str:
    return current_app.config["UPLOAD_FOLDER"]


# --- List and detail -----------------------------------------------------------------


def _current_posts(staff_ids: list[int]) -> dict[int, list[StaffAssignment]]:
    today = local_today()
    posts: dict[int, list[StaffAssignment]] = {sid: [] for sid in staff_ids}
    if not staff_ids:
        return posts
    for assignment in db.session.scalars(
        scoped_select(StaffAssignment)
        .where(
            StaffAssignment.staff_id.in_(staff_ids),
            StaffAssignment.start_date <= today,
            or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= today),
        )
        .options(selectinload(StaffAssignment.division))
        .order_by(StaffAssignment.start_date)
    ):
        posts[assignment.staff_id].append(assignment)
    return posts


@bp.route("/staff/")
@login_required
def staff_list():
    """Staff the user may see; ?q= searches name or phone, ?role= a current post."""
    query = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    statement = scoped_select(StaffMember)
    if query:
        statement = statement.where(
            or_(StaffMember.name.icontains(query, autoescape=True), StaffMember.phone.icontains(query, autoescape=True))
        )
    if role in {r.value for r in StaffRole}:
        today = local_today()
        holders = (
            scoped_select(StaffAssignment)
            .with_only_columns(StaffAssignment.staff_id)
            .where(
                StaffAssignment.role == role,
                StaffAssignment.start_date <= today,
                or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= today),
            )
        )
        statement = statement.where(StaffMember.id.in_(holders))
    else:
        role = ""
    page = db.paginate(
        statement.options(selectinload(StaffMember.home_division)).order_by(StaffMember.name, StaffMember.id),
        per_page=PER_PAGE,
    )
    return render_template(
        "org/staff_list.html",
        page=page,
        query=query,
        role=role,
        roles=list(StaffRole),
        posts=_current_posts([s.id for s in page.items]),
    )


def place_choices(form: AssignmentForm) -> None:
    """Where a post may be held: the towns, communities and grids in scope, each
    community followed by its 片区 ("area:ID")."""
    divisions = active_divisions([Level.TOWN.value, Level.COMMUNITY.value, Level.GRID.value])
    areas: dict[int, list[GridArea]] = {}
    for area in db.session.scalars(
        scoped_select(GridArea).where(GridArea.is_active).order_by(GridArea.community_id, GridArea.name)
    ):
        areas.setdefault(area.community_id, []).append(area)
    choices: list[tuple[str, str]] = [("", _("（请选择）"))]
    for value, label in division_choices(divisions):
        choices.append((str(value), label))
        for area in areas.get(value, []):
            choices.append((f"area:{area.id}", "\u00a0" * 6 + _("%(name)s（片区）", name=area.name)))
    form.division_id.choices = choices


def chosen_place(value: str | None) -> tuple[Division | None, GridArea | None]:
    """The division or the 片区 a form chose, if the user may see it."""
    value = value or ""
    if value.startswith("area:"):
        number = value.partition(":")[2]
        area = (
            db.session.scalar(scoped_select(GridArea).where(GridArea.id == int(number))) if number.isdigit() else None
        )
        return (area.community if area is not None else None), area
    return (visible_division(int(value)) if value.isdigit() else None), None


def _detail_page(
    staff: StaffMember,
    assignment_form: AssignmentForm | None = None,
    end_errors: dict[int, str] | None = None,
    end_values: dict[int, str] | None = None,
):
    assignments = list(
        db.session.scalars(
            scoped_select(StaffAssignment)
            .where(StaffAssignment.staff_id == staff.id)
            .order_by(
                StaffAssignment.end_date.is_not(None), StaffAssignment.start_date.desc(), StaffAssignment.id.desc()
            )
        )
    )
    memberships = list(
        db.session.scalars(
            scoped_select(TeamMembership).where(TeamMembership.staff_id == staff.id).order_by(TeamMembership.id)
        )
    )
    can_edit = current_user.can(Permission.EDIT_GRID_DATA)
    if can_edit and assignment_form is None:
        assignment_form = AssignmentForm(formdata=None)
        place_choices(assignment_form)
        assignment_form.start_date.data = local_today()
        if staff.home_division.is_grid:
            assignment_form.division_id.data = str(staff.home_division_id)
    return render_template(
        "org/staff_detail.html",
        staff=staff,
        assignments=assignments,
        memberships=memberships,
        can_edit=can_edit,
        form=assignment_form,
        end_errors=end_errors or {},
        end_values=end_values or {},
        today=local_today(),
    )


@bp.route("/staff/<int:staff_id>")
@login_required
def staff_detail(staff_id: int):
    staff = get_visible_or_404(StaffMember, staff_id)
    return _detail_page(staff)


@bp.route("/staff/<int:staff_id>/photo")
@login_required
def staff_photo(staff_id: int):
    """The photo, after the same scoping check as the record."""
    staff = get_visible_or_404(StaffMember, staff_id)
    return private_photo(photos.path_of(staff.photo_filename, _upload_root()))


# --- Create and edit -----------------------------------------------------------------


def _prepare(form: StaffForm, staff: StaffMember | None) -> None:
    divisions = active_divisions(rules.HOME_LEVELS)
    if staff is not None and staff.home_division not in divisions:
        divisions.append(staff.home_division)  # keep the current unit selectable
    form.home_division_id.choices = [(0, _("（请选择）"))] + division_choices(divisions)
    form.photo.description = _(
        "JPEG 或 PNG，不超过 %(mb)s MB；保存时自动缩小并去除拍摄信息。",
        mb=photos.megabytes(current_app.config["PHOTO_MAX_BYTES"]),
    )
    if staff is None or not staff.photo_filename:
        del form.remove_photo
    if not current_user.can(Permission.EDIT_COUNTY_SETTINGS):
        del form.user_id
        return
    labels = {}
    for user in rules.linkable_users(staff):
        labels[user.id] = _(
            "%(username)s（%(name)s，%(role)s）",
            username=user.username,
            name=user.display_name,
            role=user.role_enum.label,
        )
    form.user_id.choices = [(0, _("（不关联账号）"))] + list(labels.items())


def _values(form: StaffForm, staff: StaffMember | None) -> rules.StaffValues:
    chosen = form.home_division_id.data
    if staff is not None and chosen == staff.home_division_id:
        home = staff.home_division
    else:
        home = visible_division(chosen)
    return rules.StaffValues(
        name=form.name.data or "", phone=form.phone.data or "", home_division=home, note=form.note.data or ""
    )


def _chosen_user(form: StaffForm) -> User | None:
    if not form.user_id.data:
        return None
    allowed = {value for value, _label in form.user_id.choices}
    if form.user_id.data not in allowed:
        raise OrgError(_("该账号不可选（可能已关联其他人员）。"), "user_id")
    return db.session.get(User, form.user_id.data)  # one of the choices offered above


def _save_staff(form: StaffForm, staff: StaffMember | None):
    """Apply the form; returns the saved record, or None with errors on the form."""
    errors: list[OrgError] = []
    jpeg = None
    try:
        data = photos.read_upload(form.photo.data, current_app.config["PHOTO_MAX_BYTES"])
        jpeg = photos.normalise(data) if data is not None else None
    except OrgError as error:
        errors.append(error)
    try:
        values = _values(form, staff)
        if staff is None:
            staff = rules.create_staff(values)
        else:
            rules.update_staff(staff, values)
        if form.user_id is not None:
            rules.link_user(staff, _chosen_user(form))
    except OrgError as error:
        errors.append(error)
    if errors:
        db.session.rollback()
        for error in errors:
            attach_error(form, error)
        if jpeg is not None:
            form.photo.errors = list(form.photo.errors) + [_("表单未保存，请重新选择照片。")]
        return None
    new_file, old_file = None, None
    if jpeg is not None:
        new_file = photos.save(jpeg, _upload_root())
        old_file = rules.set_photo(staff, new_file)
    elif form.remove_photo is not None and form.remove_photo.data:
        old_file = rules.set_photo(staff, None)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        photos.delete(new_file, _upload_root())
        raise
    photos.delete(old_file, _upload_root())
    return staff


@bp.route("/staff/new", methods=["GET", "POST"])
@login_required
def create_staff():
    """A new staff member; ?division=ID preselects the home unit."""
    require(Permission.EDIT_GRID_DATA)
    form = StaffForm()
    _prepare(form, None)
    if request.method == "GET":
        preselect = request.args.get("division", type=int)
        if preselect in dict(form.home_division_id.choices):
            form.home_division_id.data = preselect
    if form.validate_on_submit():
        staff = _save_staff(form, None)
        if staff is not None:
            flash(_("已新建人员：%(name)s。", name=staff.name), "success")
            return redirect(url_for("org.staff_detail", staff_id=staff.id), code=303)
    return render_template("org/staff_form.html", form=form, staff=None)


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@login_required
def edit_staff(staff_id: int):
    staff = get_visible_or_404(StaffMember, staff_id)
    require(Permission.EDIT_GRID_DATA)
    form = StaffForm(obj=staff)
    _prepare(form, staff)
    if request.method == "GET" and form.user_id is not None:
        form.user_id.data = staff.user_id or 0
    if form.validate_on_submit() and _save_staff(form, staff) is not None:
        flash(_("已保存。"), "success")
        return redirect(url_for("org.staff_detail", staff_id=staff.id), code=303)
    return render_template("org/staff_form.html", form=form, staff=staff)


# --- Assignments ---------------------------------------------------------------------


@bp.route("/staff/<int:staff_id>/assignments", methods=["POST"])
@login_required
def add_assignment(staff_id: int):
    """A post in a grid, 片区, community or town, from the form on the staff page."""
    staff = get_visible_or_404(StaffMember, staff_id)
    require(Permission.EDIT_GRID_DATA)
    form = AssignmentForm()
    place_choices(form)
    if form.validate_on_submit():
        division, area = chosen_place(form.division_id.data)
        with saving(form) as saved:
            rules.add_assignment(
                staff,
                division=division,
                area=area,
                role=form.role.data,
                role_note=form.role_note.data or "",
                start_date=form.start_date.data,
                end_date=form.end_date.data,
            )
        if saved:
            flash(_("岗位已添加。"), "success")
            return redirect(url_for("org.staff_detail", staff_id=staff.id, _anchor="assignments"), code=303)
    return _detail_page(staff, assignment_form=form)


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
@login_required
def end_assignment(assignment_id: int):
    """Close a post on the date given (the last day in post)."""
    assignment = get_visible_or_404(StaffAssignment, assignment_id)
    require(Permission.EDIT_GRID_DATA)
    form = EndAssignmentForm()
    message = None
    from app.adjustments import handover  # above org: a handover moves the registers' caseload

    if handover.needs_handover(assignment) and request.form.get("without_handover") != "1":
        # A grid's worker or chief leaves with a handover: successor, pack, caseload.
        return redirect(url_for("adjustments.handover_page", assignment_id=assignment.id), code=303)
    from app.adjustments import succession

    if succession.needs_succession(assignment) and request.form.get("without_handover") != "1":
        # A post above the grids is handed to a successor, so the chain has no gap.
        return redirect(url_for("adjustments.succession_page", assignment_id=assignment.id), code=303)
    if form.validate_on_submit():
        try:
            rules.end_assignment(assignment, form.end_date.data)
        except OrgError as error:
            db.session.rollback()
            message = str(error)
        else:
            db.session.commit()
            flash(_("岗位已结束。"), "success")
            return redirect(url_for("org.staff_detail", staff_id=assignment.staff_id, _anchor="assignments"), code=303)
    else:
        message = (form.end_date.errors or [_("页面已过期，请刷新后重新提交。")])[0]
    return _detail_page(
        assignment.staff,
        end_errors={assignment.id: str(message)},
        end_values={assignment.id: request.form.get("end_date", "")},
    )
