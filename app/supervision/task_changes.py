"""Changing a task after it was given: the assigning level corrects it (title,
requirements, deadline, its source, targets added or taken off) or withdraws it
(撤回). A target that already reported stays: its report is the grid's record.
A withdrawn task is kept and shown as such, and can no longer change. Both are
audited. The caller commits."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.auth import audit
from app.auth.models import shown_name
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Division
from app.supervision.models import AssignedTask, TaskTarget
from app.supervision.rules import SupervisionError, required_text
from app.supervision.tasks import TaskValues, check_targets, source_fields_of

SOURCE_FIELDS = ("source", "admitted_item_id", "approved_by", "approval_document", "approved_on")


def _not_withdrawn(task: AssignedTask) -> None:
    if task.is_withdrawn:
        raise SupervisionError(_("该任务已撤回，不能再修改。"))


def _source(task: AssignedTask, values: TaskValues, today: date) -> dict:
    """The source fields after the change; a meeting's task keeps its meeting. An item
    taken off the list since may stay on a task that already used it."""
    if task.source == "meeting":
        return {}
    if values.source == "admitted" and task.source == "admitted" and values.admitted_item_id == task.admitted_item_id:
        fields = {"admitted_item_id": task.admitted_item_id}
    else:
        fields = source_fields_of(values, today)
    empty = {"admitted_item_id": None, "approved_by": "", "approval_document": "", "approved_on": None}
    return {"source": values.source, **empty, **fields}


def _deadline(task: AssignedTask, values: TaskValues, today: date) -> date:
    if values.deadline is None:
        raise SupervisionError(_("请按 2024-01-05 的格式填写日期。"), "deadline")
    if values.deadline != task.deadline and values.deadline < today:
        raise SupervisionError(_("完成期限不能早于今天。"), "deadline")
    return values.deadline


def update_task(task: AssignedTask, values: TaskValues, targets: list[Division], user, today: date) -> bool:
    """Correct the task; `targets` is the whole new list. True if anything changed."""
    _not_withdrawn(task)
    title = required_text(values.title, "title")
    source = _source(task, values, today)
    cleaned = {"title": title, "content": values.content or "", "deadline": _deadline(task, values, today), **source}
    if not targets:
        raise SupervisionError(_("请选择下达的网格或社区。"), "target_ids")
    current = {t.division_id: t for t in task.targets}
    wanted = {d.id: d for d in targets}
    added = [d for division_id, d in wanted.items() if division_id not in current]
    removed = [t for division_id, t in current.items() if division_id not in wanted]
    if added:
        check_targets(added, task.issuing_division)
    for target in removed:
        if target.completed_on is not None:
            raise SupervisionError(_("%(unit)s已报告完成，不能撤下。", unit=target.division.name), "target_ids")
    changed = [key for key, value in cleaned.items() if getattr(task, key) != value]
    for key in changed:
        setattr(task, key, cleaned[key])
    for target in removed:
        task.targets.remove(target)
    for division in added:
        task.targets.append(TaskTarget(division_id=division.id))
    if not changed and not added and not removed:
        return False
    db.session.flush()
    audit.record(
        "task_updated",
        target=task,
        actor=user,
        summary=task.title,
        detail={
            "changed": changed + (["targets"] if added or removed else []),
            "added_targets": [d.id for d in added],
            "removed_targets": [t.division_id for t in removed],
        },
    )
    return True


def withdraw_task(task: AssignedTask, reason: str, user) -> None:
    """撤回: the task stays, marked withdrawn with who, when and why."""
    _not_withdrawn(task)
    task.withdrawal_reason = required_text(reason, "reason", _("请写明撤回原因。"))
    task.withdrawn_at = utcnow()
    task.withdrawn_by_id = getattr(user, "id", None)
    task.withdrawn_by_name = shown_name(user) or ""
    db.session.flush()
    audit.record(
        "task_withdrawn",
        target=task,
        actor=user,
        summary=task.title,
        detail={
            "reason": task.withdrawal_reason,
            "pending_targets": [t.division_id for t in task.targets if t.completed_on is None],
        },
    )
