"""Service teams at community or town level and their members; functional
departments (county-wide reference data, edited by county administrators only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.scoping import get_visible_or_404, scoped_select
from app.extensions import db
from app.org import bp
from app.org import staff_services as rules
from app.org.models import Department, Division, ServiceTeam, StaffAssignment, StaffMember, TeamMembership
from app.org.ordering import people_in_order, sort_key
from app.org.services import division_choices
from app.org.staff_forms import DepartmentForm, MemberForm, TeamForm
from app.org.staff_views import active_divisions, visible_division

PER_PAGE = 30


# --- Service teams -------------------------------------------------------------------


@bp.route("/teams/")
@login_required
def team_list():
    """Teams in the user's scope, with how many members each has."""
    page = db.paginate(
        scoped_select(ServiceTeam)
        .join(Division, Division.id == ServiceTeam.division_id)
        .options(selectinload(ServiceTeam.division))
        .order_by(Division.code, ServiceTeam.name, ServiceTeam.id),
        per_page=PER_PAGE,
    )
    ids = [team.id for team in page.items]
    counts = (
        dict(
            db.session.execute(
                scoped_select(TeamMembership)
                .with_only_columns(TeamMembership.team_id, func.count())
                .where(TeamMembership.team_id.in_(ids))
                .group_by(TeamMembership.team_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "org/team_list.html", page=page, counts=counts, can_edit=current_user.can(Permission.EDIT_GRID_DATA)
    )


def _team_choices(form: TeamForm, team: ServiceTeam | None) -> None:
    divisions = active_divisions(rules.TEAM_LEVELS)
    if team is not None and team.division not in divisions:
        divisions.append(team.division)
    form.division_id.choices = [(0, _("（请选择）"))] + division_choices(divisions)


def _team_values(form: TeamForm, team: ServiceTeam | None) -> rules.TeamValues:
    chosen = form.division_id.data
    division = team.division if team is not None and chosen == team.division_id else visible_division(chosen)
    return rules.TeamValues(
        division=division,
        team_type=form.team_type.data or "",
        custom_type=form.custom_type.data or "",
        name=form.name.data or "",
        note=form.note.data or "",
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@login_required
def create_team():
    """A new team; ?division=ID preselects the community or town."""
    require(Permission.EDIT_GRID_DATA)
    form = TeamForm()
    _team_choices(form, None)
    if request.method == "GET":
        preselect = request.args.get("division", type=int)
        if preselect in dict(form.division_id.choices):
            form.division_id.data = preselect
    if form.validate_on_submit():
        with saving(form) as saved:
            team = rules.create_team(_team_values(form, None))
        if saved:
            flash(_("已新建服务团队：%(name)s。", name=team.name), "success")
            return redirect(url_for("org.team_detail", team_id=team.id), code=303)
    return render_template("org/team_form.html", form=form, team=None)


def _member_choices(form: MemberForm, team: ServiceTeam) -> None:
    """Visible staff who are not members yet and work under the team's division
    (home unit or a post there) or are managed above it (town staff for a
    community team). Any visible staff member may still be added by id."""
    under = select(Division.id).where(Division.code.startswith(team.division.code, autoescape=True))
    above = [a.id for a in team.division.ancestors()]
    posted = select(StaffAssignment.staff_id).where(StaffAssignment.division_id.in_(under))
    members = select(TeamMembership.staff_id).where(TeamMembership.team_id == team.id)
    candidates = people_in_order(
        db.session.scalars(
            scoped_select(StaffMember).where(
                or_(
                    StaffMember.home_division_id.in_(under),
                    StaffMember.home_division_id.in_(above),
                    StaffMember.id.in_(posted),
                ),
                StaffMember.id.not_in(members),
            )
        )
    )
    form.staff_id.choices = [(0, _("（请选择）"))] + [(s.id, f"{s.name} {s.phone}".strip()) for s in candidates]


def _team_page(team: ServiceTeam, member_form: MemberForm | None = None):
    memberships = sorted(
        db.session.scalars(
            scoped_select(TeamMembership)
            .where(TeamMembership.team_id == team.id)
            .options(selectinload(TeamMembership.staff))
        ),
        key=lambda m: (sort_key(m.staff.name), m.id),
    )
    can_edit = current_user.can(Permission.EDIT_GRID_DATA)
    if can_edit and member_form is None:
        member_form = MemberForm(formdata=None)
        _member_choices(member_form, team)
    return render_template(
        "org/team_detail.html", team=team, memberships=memberships, can_edit=can_edit, form=member_form
    )


@bp.route("/teams/<int:team_id>")
@login_required
def team_detail(team_id: int):
    return _team_page(get_visible_or_404(ServiceTeam, team_id))


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@login_required
def edit_team(team_id: int):
    team = get_visible_or_404(ServiceTeam, team_id)
    require(Permission.EDIT_GRID_DATA)
    form = TeamForm(obj=team)
    _team_choices(form, team)
    if form.validate_on_submit():
        with saving(form) as saved:
            rules.update_team(team, _team_values(form, team))
        if saved:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.team_detail", team_id=team.id), code=303)
    return render_template("org/team_form.html", form=form, team=team)


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@login_required
def add_team_member(team_id: int):
    team = get_visible_or_404(ServiceTeam, team_id)
    require(Permission.EDIT_GRID_DATA)
    form = MemberForm()
    _member_choices(form, team)
    if form.validate_on_submit():
        chosen = form.staff_id.data
        staff = db.session.scalar(scoped_select(StaffMember).where(StaffMember.id == chosen)) if chosen else None
        with saving(form) as saved:
            membership = rules.add_member(team, staff, form.duty.data or "")
        if saved:
            flash(_("%(name)s 已加入团队。", name=membership.staff.name), "success")
            return redirect(url_for("org.team_detail", team_id=team.id, _anchor="members"), code=303)
    return _team_page(team, member_form=form)


@bp.route("/teams/<int:team_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_team_member(team_id: int, membership_id: int):
    membership = get_visible_or_404(TeamMembership, membership_id)
    if membership.team_id != team_id:
        abort(404)
    require(Permission.EDIT_GRID_DATA)
    name = membership.staff.name
    rules.remove_member(membership)
    db.session.commit()
    flash(_("%(name)s 已移出团队。", name=name), "success")
    return redirect(url_for("org.team_detail", team_id=team_id, _anchor="members"), code=303)


# --- Functional departments ----------------------------------------------------------


def _department_values(form: DepartmentForm) -> rules.DepartmentValues:
    return rules.DepartmentValues(
        name=form.name.data or "",
        short_name=form.short_name.data or "",
        contact_name=form.contact_name.data or "",
        phone=form.phone.data or "",
        address=form.address.data or "",
        duties=form.duties.data or "",
    )


@bp.route("/departments/")
@login_required
def department_list():
    """Every signed-in user may read the departments and their duty numbers."""
    departments = db.session.scalars(scoped_select(Department).order_by(Department.is_active.desc(), Department.name))
    return render_template(
        "org/department_list.html",
        departments=list(departments),
        can_manage=current_user.can(Permission.MANAGE_DEPARTMENTS),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@login_required
def create_department():
    require(Permission.MANAGE_DEPARTMENTS)
    form = DepartmentForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            department = rules.create_department(_department_values(form))
        if saved:
            flash(_("已新建职能部门：%(name)s。", name=department.name), "success")
            return redirect(url_for("org.department_detail", department_id=department.id), code=303)
    return render_template("org/department_form.html", form=form, department=None)


@bp.route("/departments/<int:department_id>")
@login_required
def department_detail(department_id: int):
    department = get_visible_or_404(Department, department_id)
    return render_template(
        "org/department_detail.html", department=department, can_manage=current_user.can(Permission.MANAGE_DEPARTMENTS)
    )


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@login_required
def edit_department(department_id: int):
    department = get_visible_or_404(Department, department_id)
    require(Permission.MANAGE_DEPARTMENTS)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        with saving(form) as saved:
            rules.update_department(department, _department_values(form))
        if saved:
            flash(_("已保存。"), "success")
            return redirect(url_for("org.department_detail", department_id=department.id), code=303)
    return render_template("org/department_form.html", form=form, department=department)


@bp.route("/departments/<int:department_id>/deactivate", methods=["POST"])
@login_required
def deactivate_department(department_id: int):
    """Stop offering a department for dispatch; its record and history stay."""
    department = get_visible_or_404(Department, department_id)
    require(Permission.MANAGE_DEPARTMENTS)
    if rules.set_department_active(department, False):
        db.session.commit()
        flash(_("已停用：%(name)s。", name=department.name), "success")
    return redirect(url_for("org.department_detail", department_id=department.id), code=303)


@bp.route("/departments/<int:department_id>/activate", methods=["POST"])
@login_required
def activate_department(department_id: int):
    department = get_visible_or_404(Department, department_id)
    require(Permission.MANAGE_DEPARTMENTS)
    if rules.set_department_active(department, True):
        db.session.commit()
        flash(_("已重新启用：%(name)s。", name=department.name), "success")
    return redirect(url_for("org.department_detail", department_id=department.id), code=303)
