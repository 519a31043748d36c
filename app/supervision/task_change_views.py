"""Correcting and withdrawing (撤回) a task, by the level that gave it: the role that
gives such tasks with the issuing division in scope. Another grid's task is a 404
(app.core.scoping); a task seen but given by another level is a 403."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.forms import saving
from app.core.scoping import get_visible_or_404
from app.core.timeutil import local_today
from app.org.services import grid_label
from app.supervision import bp, task_changes
from app.supervision.forms import DecisionTaskForm, TaskForm, WithdrawForm
from app.supervision.models import AssignedTask
from app.supervision.task_views import chosen_targets, item_choices, may_change_task, target_choices, task_values_from


def _managed_task_or_404(task_id: int) -> AssignedTask:
    task = get_visible_or_404(AssignedTask, task_id)
    if not may_change_task(task):
        abort(403)
    return task


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit_task(task_id: int):
    """Correct a task given by the user's level: its text, deadline, source and targets
    (those that reported stay)."""
    task = _managed_task_or_404(task_id)
    if task.is_withdrawn:
        flash(_("该任务已撤回，不能再修改。"), "error")
        return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    form = (DecisionTaskForm if task.source == "meeting" else TaskForm)(obj=task)
    if task.source != "meeting":
        item_choices(form, task.admitted_item_id)
    offered = target_choices(form, task.issuing_division)
    kept = [t.division for t in task.targets if t.division_id not in offered]
    form.target_ids.choices += [(d.id, grid_label(d) if d.is_grid else d.name) for d in kept]
    offered.update({d.id: d for d in kept})
    reported = {t.division_id for t in task.targets if t.completed_on is not None}
    if request.method == "GET":
        form.target_ids.data = [t.division_id for t in task.targets]
    form.target_ids.description = _("已报告完成的承办单位不能撤下。") if reported else ""
    form.submit.label.text = _("保存")
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = task_changes.update_task(
                task, task_values_from(form), chosen_targets(form, offered), current_user, local_today()
            )
        if saved:
            flash(_("已保存任务。") if changed else _("没有修改。"), "success")
            return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    return render_template(
        "supervision/task_form.html",
        form=form,
        issuing=task.issuing_division,
        decision=task.meeting_decision,
        task=task,
    )


@bp.route("/tasks/<int:task_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_task(task_id: int):
    """撤回 a task with its reason; it stays visible, marked withdrawn."""
    task = _managed_task_or_404(task_id)
    if task.is_withdrawn:
        flash(_("该任务已撤回，不能再修改。"), "error")
        return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    form = WithdrawForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            task_changes.withdraw_task(task, form.reason.data or "", current_user)
        if saved:
            flash(_("已撤回任务：%(title)s", title=task.title), "success")
            return redirect(url_for("supervision.task_detail", task_id=task.id), 303)
    pending = sum(t.completed_on is None for t in task.targets)
    return render_template("supervision/task_withdraw.html", form=form, task=task, pending=pending)
