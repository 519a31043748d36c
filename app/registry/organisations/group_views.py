"""十户联防 joint-defence groups: about ten neighbouring households with a leader, what
they do together, and the roster printed for the leader."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.decorators import require
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.rendering import pdf_download, render_page
from app.core.scoping import get_visible_or_404, scoped_select
from app.core.timeutil import local_today
from app.extensions import db
from app.org.services import active_assignments, chosen_grid, grid_label, visible_grids
from app.printing.pdf import render_pdf
from app.printing.views import audit_print
from app.registry import bp
from app.registry.organisations import services
from app.registry.organisations.forms import ActivityForm, AddHouseholdsForm, GroupEditForm, GroupForm
from app.registry.organisations.models import JointDefenceActivity, JointDefenceGroup, JointDefenceMember
from app.registry.organisations.views import PER_PAGE
from app.registry.people.models import Household

# The group page lists this many of its latest activities.
ACTIVITIES_SHOWN = 50


@bp.route("/joint-defence/")
@login_required
def group_list():
    """Groups the user may see, per grid, with their household count and leader."""
    query = request.args.get("q", "").strip()
    grid_id = request.args.get("grid", type=int)
    statement = scoped_select(JointDefenceGroup)
    if query:
        statement = statement.where(JointDefenceGroup.name.icontains(query, autoescape=True))
    if grid_id:
        statement = statement.where(JointDefenceGroup.grid_id == grid_id)
    statement = statement.options(
        selectinload(JointDefenceGroup.grid),
        selectinload(JointDefenceGroup.leader),
        selectinload(JointDefenceGroup.members),
    )
    page = db.paginate(
        statement.order_by(JointDefenceGroup.grid_id, JointDefenceGroup.name, JointDefenceGroup.id), per_page=PER_PAGE
    )
    ungrouped = None
    if grid_id:
        ungrouped = db.session.scalar(_ungrouped(grid_id).with_only_columns(func.count(Household.id)))
    return render_page(
        "registry/group_list.html",
        fragment="registry/_group_rows.html",
        target_id="group-rows",
        page=page,
        query=query,
        grid_id=grid_id,
        grids=visible_grids(),
        ungrouped=ungrouped,
        low=services.GROUP_MIN_HOUSEHOLDS,
        high=services.GROUP_MAX_HOUSEHOLDS,
    )


def _ungrouped(grid_id: int):
    """The grid's active households that are in no group yet (scoped)."""
    return scoped_select(Household).where(
        Household.grid_id == grid_id,
        Household.status == "active",
        Household.id.not_in(select(JointDefenceMember.household_id)),
    )


@bp.route("/joint-defence/new", methods=["GET", "POST"])
@login_required
def create_group():
    """A new group in a grid (?grid=ID preselects); households are added on its page."""
    require(Permission.EDIT_REGISTERS)
    grids = visible_grids()
    form = GroupForm()
    form.grid_id.choices = [(g.id, grid_label(g)) for g in grids]
    if request.method == "GET":
        form.grid_id.data = request.args.get("grid", type=int)
    if form.validate_on_submit():
        grid = chosen_grid(grids, form.grid_id.data)
        if grid is None:
            form.grid_id.errors = [_("请选择您管辖范围内的在用网格。")]
        else:
            with saving(form) as saved:
                group = services.create_group(grid, form.name.data, form.note.data or "")
            if saved:
                flash(_("已建立联防组：%(name)s。请添加本组住户。", name=group.name), "success")
                return redirect(url_for("registry.group_detail", group_id=group.id), 303)
    return render_template("registry/group_form.html", form=form, group=None)


def _render_group(
    group: JointDefenceGroup, form: AddHouseholdsForm | None = None, activity_form: ActivityForm | None = None
):
    members = sorted(group.members, key=lambda m: (m.household.household_number, m.id))
    candidates = list(
        db.session.scalars(
            _ungrouped(group.grid_id)
            .options(selectinload(Household.building), selectinload(Household.head))
            .order_by(Household.household_number, Household.id)
        )
    )
    form = form or AddHouseholdsForm()
    form.household_ids.choices = [
        (h.id, " ".join(filter(None, [h.household_number, h.address, h.head.name if h.head else ""])))
        for h in candidates
    ]
    leader_home = None
    if group.leader is not None and group.leader.current_membership is not None:
        leader_home = group.leader.current_membership.household
    if activity_form is None:
        activity_form = ActivityForm(formdata=None)
        activity_form.held_on.data = local_today()
    activities = list(
        db.session.scalars(
            select(JointDefenceActivity)
            .where(JointDefenceActivity.group_id == group.id)
            .order_by(JointDefenceActivity.held_on.desc(), JointDefenceActivity.id.desc())
            .limit(ACTIVITIES_SHOWN)
        )
    )
    return render_template(
        "registry/group_detail.html",
        group=group,
        members=members,
        form=form,
        activity_form=activity_form,
        activities=activities,
        activity_kinds=services.ACTIVITY_KINDS,
        warning=services.size_warning(len(members)),
        leader_home=leader_home,
        can_edit=current_user.can(Permission.EDIT_REGISTERS),
    )


@bp.route("/joint-defence/<int:group_id>")
@login_required
def group_detail(group_id: int):
    return _render_group(get_visible_or_404(JointDefenceGroup, group_id))


@bp.route("/joint-defence/<int:group_id>/activities", methods=["POST"])
@login_required
def record_group_activity(group_id: int):
    """A joint patrol, mutual help, an alert passed round, a meeting."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    require(Permission.EDIT_REGISTERS)
    form = ActivityForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            services.record_activity(
                group,
                form.held_on.data,
                form.kind.data,
                form.content.data or "",
                form.participants.data or "",
                current_user,
                local_today(),
            )
        if saved:
            return _to_group(group, _("已记录联防活动。"))
    return _render_group(group, activity_form=form), 400


@bp.route("/joint-defence/<int:group_id>/roster.pdf")
@login_required
def group_roster(group_id: int):
    """The group's roster for its leader: the households with their heads and places,
    a column for the leader to write phone numbers in (none printed: a resident's copy),
    and the grid staff's work phones. Audited as a print."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    members = sorted(group.members, key=lambda m: (m.household.household_number, m.id))
    members = [m for m in members if m.household.status == "active"]
    title = _("十户联防组名册")
    result = render_pdf(
        "registry/group_roster.html",
        title=title,
        group=group,
        members=members,
        staff=active_assignments([group.grid_id]),
        today=local_today(),
    )
    audit_print(title, f"{group.grid.full_name} {group.name}", len(members), result)
    return pdf_download(result.pdf, f"{title}-{group.name}")


def _to_group(group: JointDefenceGroup, message: str):
    """Back to the group's page, which warns when the group is far from ten households."""
    flash(message, "success")
    return redirect(url_for("registry.group_detail", group_id=group.id), 303)


@bp.route("/joint-defence/<int:group_id>/members", methods=["POST"])
@login_required
def add_group_members(group_id: int):
    """Ticked households of the grid join the group."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    require(Permission.EDIT_REGISTERS)
    form = AddHouseholdsForm()
    if form.validate_on_submit():
        wanted = list(dict.fromkeys(form.household_ids.data or []))
        households = list(db.session.scalars(scoped_select(Household).where(Household.id.in_(wanted))))
        if len(households) != len(wanted):
            form.household_ids.errors = [_("请选择本网格的住户。")]
        else:
            with saving(form) as saved:
                services.add_households(group, households)
            if saved:
                return _to_group(group, _("已加入 %(n)d 户。", n=len(households)))
    return _render_group(group, form)


@bp.route("/joint-defence/<int:group_id>/members/<int:group_member_id>/remove", methods=["POST"])
@login_required
def remove_group_member(group_id: int, group_member_id: int):
    """The household leaves the group (it stays in the register)."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    member = db.session.scalar(
        scoped_select(JointDefenceMember).where(
            JointDefenceMember.id == group_member_id, JointDefenceMember.group_id == group.id
        )
    )
    if member is None:
        abort(404)
    require(Permission.EDIT_REGISTERS)
    number = member.household.household_number
    services.remove_member(member)
    db.session.commit()
    return _to_group(group, _("户号 %(number)s 已移出本组。", number=number))


@bp.route("/joint-defence/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int):
    """Name, leader and note of a group."""
    group = get_visible_or_404(JointDefenceGroup, group_id)
    require(Permission.EDIT_REGISTERS)
    candidates = services.leader_candidates(group)
    if group.leader is not None and group.leader not in candidates:
        # Kept visible, so saving does not drop them unseen; the rule refuses them.
        candidates.append(group.leader)
    in_group = set()
    for member in group.members:
        in_group.update(m.resident_id for m in member.household.current_members)
    form = GroupEditForm(obj=group)
    form.leader_resident_id.choices = [(0, _("（暂不指定）"))] + [
        (r.id, _("%(name)s（本组住户）", name=r.name) if r.id in in_group else r.name) for r in candidates
    ]
    if request.method == "GET":
        form.leader_resident_id.data = group.leader_resident_id or 0
    if form.validate_on_submit():
        chosen = form.leader_resident_id.data
        leader = next((r for r in candidates if r.id == chosen), None)
        if chosen and leader is None:
            form.leader_resident_id.errors = [_("组长须是本组住户的成员或本网格的在册人员。")]
        else:
            with saving(form) as saved:
                services.update_group(group, form.name.data, leader, form.note.data or "")
            if saved:
                flash(_("已保存。"), "success")
                return redirect(url_for("registry.group_detail", group_id=group.id), 303)
    return render_template("registry/group_form.html", form=form, group=group)
