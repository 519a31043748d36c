"""The admission list (准入事项, county administrators keep it; everyone reads it),
tasks from above (assigned by town staff and county administrators, or from a
meeting's decision), their targets' completion reports, and the lists of tasks
given and received. Records are looked up through app.core.scoping first, so
another grid's task or target is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import admin_required
from app.auth.roles import Permission
from app.core.forms import saving
from app.core.pagination import paginate
from app.core.scoping import get_visible_or_404, scoped_select, visible_division_ids
from app.core.timeutil import local_today
from app.extensions import db
from app.org.models import Department, Division
from app.org.services import grid_label
from app.supervision import access, bp
from app.supervision import tasks as services
from app.supervision.forms import CompletionForm, DecisionTaskForm, ItemForm, TaskForm
from app.supervision.models import AdmittedItem, AssignedTask, MeetingDecision, TaskTarget

PER_PAGE = 30


def _labels() -> dict:
    return {
        "source_label": services.source_label,
        "status_labels": services.STATUS_LABELS,
        "target_status": services.target_status,
        "today": local_today(),
    }


# --- The admission list ----------------------------------------------------------------------


@bp.route("/admitted-items/")
@login_required
def admitted_items():
    """The county's admission list: what may be handed down to grids."""
    items = list(
        db.session.scalars(
            scoped_select(AdmittedItem)
            .options(selectinload(AdmittedItem.department))
            .order_by(AdmittedItem.is_active.desc(), AdmittedItem.name)
        )
    )
    return render_template(
        "supervision/admitted_items.html", items=items, may_edit=access.may_keep_admission_list(current_user)
    )


def _item_form(item: AdmittedItem | None) -> ItemForm:
    form = ItemForm(obj=item)
    form.department_id.choices = [(0, _("（请选择）"))] + [
        (d.id, d.name)
        for d in db.session.scalars(select(Department).where(Department.is_active).order_by(Department.name))
    ]
    return form


def _item_values(form: ItemForm) -> services.ItemValues:
    return services.ItemValues(
        name=form.name.data or "",
        department_id=form.department_id.data or None,
        basis=form.basis.data or "",
        is_active=form.is_active.data,
    )


@bp.route("/admitted-items/new", methods=["GET", "POST"])
@admin_required
def create_admitted_item():
    form = _item_form(None)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.add_item(_item_values(form), current_user)
        if saved:
            flash(_("已加入准入事项清单。"), "success")
            return redirect(url_for("supervision.admitted_items"), 303)
    return render_template("supervision/admitted_item_form.html", form=form, item=None)


@bp.route("/admitted-items/<int:admitted_item_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_admitted_item(admitted_item_id: int):
    item = get_visible_or_404(AdmittedItem, admitted_item_id)
    form = _item_form(item)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.update_item(item, _item_values(form), current_user)
        if saved:
            flash(_("已保存准入事项。"), "success")
            return redirect(url_for("supervision.admitted_items"), 303)
    return render_template("supervision/admitted_item_form.html", form=form, item=item)


# --- Tasks given and received ----------------------------------------------------------------


@bp.route("/tasks/")
@login_required
def task_list():
    """?view=received: the targets in the user's scope (a grid worker: their grid's) of
    tasks from above; otherwise the tasks assigned by the user's level (or its meetings),
    with completion rates."""
    view = request.args.get("view") or ("given" if access.may_assign_tasks(current_user) else "received")
    ids = visible_division_ids(current_user)
    today = local_today()
    if view == "received":
        page = paginate(
            scoped_select(TaskTarget)
            .join(AssignedTask, AssignedTask.id == TaskTarget.task_id)
            .where(TaskTarget.division_id.in_(ids), AssignedTask.issuing_division_id.not_in(ids))
            .options(selectinload(TaskTarget.task), selectinload(TaskTarget.division))
            .order_by(TaskTarget.completed_on.is_not(None), AssignedTask.deadline, TaskTarget.id),
            per_page=PER_PAGE,
        )
        completions = {}
    else:
        view = "given"
        page = paginate(
            scoped_select(AssignedTask)
            .where(AssignedTask.issuing_division_id.in_(ids))
            .options(
                selectinload(AssignedTask.targets),
                selectinload(AssignedTask.issuing_division),
                selectinload(AssignedTask.admitted_item),
            )
            .order_by(AssignedTask.deadline.desc(), AssignedTask.id.desc()),
            per_page=PER_PAGE,
        )
        completions = {task.id: services.completion(task.targets, today) for task in page.items}
    return render_template(
        "supervision/task_list.html",
        page=page,
        view=view,
        completions=completions,
        may_assign=access.may_assign_tasks(current_user),
        may_give=access.may_task_from_meeting(current_user),
        **_labels(),
    )


def _issuing_division() -> Division:
    division = current_user.scope_division
    if division is None and current_user.can(Permission.SEE_WHOLE_COUNTY):
        division = db.session.scalar(select(Division).where(Division.parent_id.is_(None)).order_by(Division.code))
    if division is None:
        abort(403)
    return division


def target_choices(form, under: Division) -> dict[int, Division]:
    """Active grids and communities under `under` that the user sees."""
    targets = list(
        db.session.scalars(
            scoped_select(Division, current_user)
            .where(
                Division.level.in_(services.TARGET_LEVELS),
                Division.status == "active",
                Division.code.startswith(under.code, autoescape=True),
                Division.id != under.id,
            )
            .options(selectinload(Division.parent))
            .order_by(Division.code)
        )
    )
    form.target_ids.choices = [
        (d.id, grid_label(d) if d.is_grid else _("%(name)s（%(description)s）", name=d.name, description=_("整个社区")))
        for d in targets
    ]
    return {d.id: d for d in targets}


def chosen_targets(form, offered: dict[int, Division]) -> list[Division]:
    return [offered[i] for i in form.target_ids.data or [] if i in offered]


def item_choices(form, keep: int | None = None) -> None:
    """Active admitted items, and the task's own item even if taken off the list since."""
    items = services.active_items()
    if keep and all(item.id != keep for item in items):
        items.append(db.session.get(AdmittedItem, keep))
    form.admitted_item_id.choices = [(0, _("（请选择）"))] + [
        (item.id, _("%(name)s（%(department)s）", name=item.name, department=item.department.name)) for item in items
    ]


def task_values_from(form) -> services.TaskValues:
    values = services.TaskValues(
        title=form.title.data or "", content=form.content.data or "", deadline=form.deadline.data, source="meeting"
    )
    if isinstance(form, TaskForm):
        values.source = form.source.data or ""
        values.admitted_item_id = form.admitted_item_id.data or None
        values.approved_by = form.approved_by.data or ""
        values.approval_document = form.approval_document.data or ""
        values.approved_on = form.approved_on.data
    return values


@bp.route("/tasks/new", methods=["GET", "POST"])
@login_required
def create_task():
    """Assign a task from the admission list (or outside it, with its approval)."""
    if not access.may_assign_tasks(current_user):
        abort(403)
    issuing = _issuing_division()
    form = TaskForm()
    item_choices(form)
    offered = target_choices(form, issuing)
    if form.validate_on_submit():
        with saving(form) as saved:
            task = services.assign_task(
                task_values_from(form), issuing, chosen_targets(form, offered), current_user, local_today()
            )
        if saved:
            flash(_("已下达任务：%(title)s", title=task.title), "success")
            return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    return render_template("supervision/task_form.html", form=form, issuing=issuing, decision=None)


@bp.route("/meeting-decisions/<int:decision_id>/task", methods=["GET", "POST"])
@login_required
def task_from_decision(decision_id: int):
    """Hand a meeting's decision to the grids (or communities) under the meeting's division."""
    decision = get_visible_or_404(MeetingDecision, decision_id)
    meeting_division = decision.meeting.division
    if not access.may_task_from_meeting(current_user) or meeting_division.level not in ("town", "community"):
        abort(403)
    form = DecisionTaskForm()
    if request.method == "GET":
        form.title.data = decision.text[:200]
    offered = target_choices(form, meeting_division)
    if form.validate_on_submit():
        with saving(form) as saved:
            task = services.task_from_decision(
                decision, task_values_from(form), chosen_targets(form, offered), current_user, local_today()
            )
        if saved:
            flash(_("已下达任务：%(title)s", title=task.title), "success")
            return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    return render_template("supervision/task_form.html", form=form, issuing=meeting_division, decision=decision)


def may_change_task(task: AssignedTask) -> bool:
    """The level that gave the task: the role that gives such tasks, with the issuing
    division in scope (a town sees the county's tasks to its grids, but did not give them)."""
    return (
        access.may_manage_task(current_user, task)
        and db.session.scalar(
            select(Division.id).where(
                Division.id == task.issuing_division_id, Division.id.in_(visible_division_ids(current_user))
            )
        )
        is not None
    )


@bp.route("/tasks/<int:task_id>")
@login_required
def task_detail(task_id: int):
    """A task and those of its targets the user sees, with the completion rate."""
    task = get_visible_or_404(AssignedTask, task_id)
    targets = list(
        db.session.scalars(
            scoped_select(TaskTarget)
            .where(TaskTarget.task_id == task.id)
            .options(selectinload(TaskTarget.division))
            .join(Division, Division.id == TaskTarget.division_id)
            .order_by(Division.code)
        )
    )
    return render_template(
        "supervision/task_detail.html",
        task=task,
        targets=targets,
        completion=services.completion(targets, local_today()),
        may_manage=not task.is_withdrawn and may_change_task(task),
        **_labels(),
    )


def _reporter(target: TaskTarget) -> str | None:
    """ "own" for the target's grid workers and station, "on_behalf" for a town or the
    county (代报); None if the user may not report (or the target is out of their scope)."""
    in_scope = (
        db.session.scalar(
            select(Division.id).where(
                Division.id == target.division_id, Division.id.in_(visible_division_ids(current_user))
            )
        )
        is not None
    )
    if not in_scope:
        return None
    if access.may_report_target(current_user):
        return "own"
    if access.may_report_on_behalf(current_user):
        return "on_behalf"
    return None


def _report_mode(target: TaskTarget) -> str | None:
    """How the user reports the target now: as _reporter, and nobody once the task is withdrawn."""
    return None if target.task.is_withdrawn else _reporter(target)


@bp.route("/task-targets/<int:target_id>", methods=["GET", "POST"])
@login_required
def task_target(target_id: int):
    """A target's page: the task, and the completion report of the grid or community
    (or made for it by the town: 代报), which may be corrected."""
    target = get_visible_or_404(TaskTarget, target_id)
    mode = _report_mode(target)
    form = CompletionForm(obj=target)
    if request.method == "GET" and target.completed_on is None:
        form.completed_on.data = local_today()
    if target.completed_on is not None:
        form.submit.label.text = _("保存更正")
    elif mode == "on_behalf":
        form.submit.label.text = _("代为报告完成")
    if request.method == "POST":
        if mode is None and target.task.is_withdrawn and _reporter(target) is not None:
            # The form was opened before the task was withdrawn: say so, not "no permission".
            flash(_("该任务已撤回，不再接受完成报告。"), "error")
            return redirect(url_for("supervision.task_target", target_id=target.id), 303)
        if mode is None:
            abort(403)
        if form.validate_on_submit():
            correcting = target.completed_on is not None
            with saving(form) as saved:
                services.report_completion(
                    target,
                    form.completed_on.data,
                    form.completion_note.data or "",
                    current_user,
                    local_today(),
                    on_behalf=mode == "on_behalf",
                )
            if saved:
                flash(_("已更正完成情况。") if correcting else _("已报告完成。"), "success")
                return redirect(url_for("supervision.task_target", target_id=target.id), 303)
    return render_template(
        "supervision/task_target.html",
        target=target,
        task=target.task,
        form=form,
        may_report=mode is not None,
        on_behalf=mode == "on_behalf",
        **_labels(),
    )
