"""Tasks from above (上级交办) and the admission list (准入事项).

A higher level may hand a grid or community only work that is on the county's
admission list. Anything else needs a recorded approval (who approved, the approval
document and its date) and is marked "清单外" wherever it shows.

A decision of a meeting is the third source. When a town's scheduling meeting or a
community's regular meeting decides something and turns it into a task for its own
grids (or communities), that is the level organising its own work, not a department
pushing work down, so it neither uses an admission-list item nor needs the approval:
it is marked "会议决定" and carries the meeting as its basis. It is only allowed for
targets under the division that held the meeting.

Deadlines are local calendar dates: a target is overdue from the day after its
deadline while it has not reported completion. A withdrawn task (撤回, see
app.supervision.task_changes) has no deadline any more: its targets are neither
overdue nor late, and no longer report. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select

from app.auth import audit
from app.auth.models import shown_name
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Department, Division
from app.supervision.models import AdmittedItem, AssignedTask, MeetingDecision, TaskTarget
from app.supervision.rules import SupervisionError, past_or_today, required_text

SOURCES = {"admitted": _l("准入事项"), "approved": _l("清单外（已审批）"), "meeting": _l("会议决定")}
TARGET_LEVELS = ("community", "grid")
STATUS_LABELS = {
    "open": _l("办理中"),
    "overdue": _l("逾期未完成"),
    "done": _l("已完成"),
    "done_late": _l("逾期完成"),
    "withdrawn": _l("已撤回"),
}


def source_label(code: str) -> str:
    return str(SOURCES.get(code, code))


# --- The admission list ----------------------------------------------------------------


@dataclass
class ItemValues:
    name: str
    department_id: int | None
    basis: str
    is_active: bool = True


def _clean_item(values: ItemValues, existing_id: int | None) -> dict:
    name = required_text(values.name, "name")
    taken = db.session.scalar(select(AdmittedItem.id).where(AdmittedItem.name == name))
    if taken is not None and taken != existing_id:
        raise SupervisionError(_("清单中已有同名事项。"), "name")
    if values.department_id is None or db.session.get(Department, values.department_id) is None:
        raise SupervisionError(_("请从列表中选择。"), "department_id")
    return {
        "name": name,
        "department_id": values.department_id,
        "basis": required_text(values.basis, "basis", _("请填写准入依据。")),
        "is_active": bool(values.is_active),
    }


def add_item(values: ItemValues, user) -> AdmittedItem:
    item = AdmittedItem(**_clean_item(values, None))
    db.session.add(item)
    db.session.flush()
    audit.record("admitted_item_created", target=item, actor=user, summary=item.name)
    return item


def update_item(item: AdmittedItem, values: ItemValues, user) -> None:
    cleaned = _clean_item(values, item.id)
    changed = [key for key, value in cleaned.items() if getattr(item, key) != value]
    for key, value in cleaned.items():
        setattr(item, key, value)
    if changed:
        db.session.flush()
        audit.record("admitted_item_updated", target=item, actor=user, summary=item.name, detail={"changed": changed})


def active_items() -> list[AdmittedItem]:
    return list(db.session.scalars(select(AdmittedItem).where(AdmittedItem.is_active).order_by(AdmittedItem.name)))


# --- Assigning ---------------------------------------------------------------------------


@dataclass
class TaskValues:
    title: str
    content: str
    deadline: date | None
    source: str
    admitted_item_id: int | None = None
    approved_by: str = ""
    approval_document: str = ""
    approved_on: date | None = None


def check_targets(targets: list[Division], under: Division) -> list[Division]:
    if not targets:
        raise SupervisionError(_("请选择下达的网格或社区。"), "target_ids")
    for target in targets:
        if (
            target.level not in TARGET_LEVELS
            or not target.is_active
            or target.id == under.id
            or not target.code.startswith(under.code)
        ):
            raise SupervisionError(_("只能下达给%(unit)s所辖的在用网格或社区。", unit=under.name), "target_ids")
    return targets


def source_fields_of(values: TaskValues, today: date) -> dict:
    if values.source == "admitted":
        item = db.session.get(AdmittedItem, values.admitted_item_id) if values.admitted_item_id else None
        if item is None or not item.is_active:
            raise SupervisionError(_("请从准入事项清单中选择。"), "admitted_item_id")
        return {"admitted_item_id": item.id}
    if values.source == "approved":
        message = _("准入清单外的事项须有审批记录，请填写此项。")
        return {
            "approved_by": required_text(values.approved_by, "approved_by", message),
            "approval_document": required_text(values.approval_document, "approval_document", message),
            "approved_on": past_or_today(values.approved_on, today, "approved_on"),
        }
    raise SupervisionError(_("请选择任务来源。"), "source")


def _deadline(values: TaskValues, today: date) -> date:
    if values.deadline is None:
        raise SupervisionError(_("请按 2024-01-05 的格式填写日期。"), "deadline")
    if values.deadline < today:
        raise SupervisionError(_("完成期限不能早于今天。"), "deadline")
    return values.deadline


def _create(
    values: TaskValues, issuing: Division, targets: list[Division], user, source_fields: dict, deadline: date
) -> AssignedTask:
    task = AssignedTask(
        issuing_division_id=issuing.id,
        title=required_text(values.title, "title"),
        content=values.content or "",
        source=values.source,
        deadline=deadline,
        created_by_id=getattr(user, "id", None),
        **source_fields,
    )
    task.targets = [TaskTarget(division_id=target.id) for target in targets]
    db.session.add(task)
    db.session.flush()
    audit.record(
        "task_assigned",
        target=task,
        actor=user,
        summary=task.title,
        detail={
            "source": task.source,
            "deadline": deadline.isoformat(),
            "targets": [t.id for t in targets],
            "outside_list": task.outside_list,
        },
    )
    return task


def assign_task(values: TaskValues, issuing: Division, targets: list[Division], user, today: date) -> AssignedTask:
    """A task from the admission list, or outside it with its approval."""
    source_fields = source_fields_of(values, today)
    deadline = _deadline(values, today)
    return _create(values, issuing, check_targets(targets, issuing), user, source_fields, deadline)


def task_from_decision(
    decision: MeetingDecision, values: TaskValues, targets: list[Division], user, today: date
) -> AssignedTask:
    """A meeting's decision handed to grids or communities under the meeting's division."""
    meeting_division = decision.meeting.division
    values.source = "meeting"
    deadline = _deadline(values, today)
    return _create(
        values,
        meeting_division,
        check_targets(targets, meeting_division),
        user,
        {"meeting_decision_id": decision.id},
        deadline,
    )


# --- Reporting and status ------------------------------------------------------------------


def report_completion(
    target: TaskTarget, completed_on: date | None, note: str, user, today: date, on_behalf: bool = False
) -> None:
    """The target's completion report, or a correction of it. `on_behalf`: a town or
    the county reports for the grid or community (代报). A correction keeps what it
    replaced in the audit log, which is the report's history."""
    if target.task.is_withdrawn:
        raise SupervisionError(_("该任务已撤回，不再接受完成报告。"))
    before = _report_snapshot(target) if target.completed_on is not None else None
    target.completed_on = past_or_today(completed_on, today, "completed_on")
    target.completion_note = required_text(note, "completion_note", _("请填写完成情况。"))
    target.reported_by_id = getattr(user, "id", None)
    target.reported_by_name = shown_name(user) or ""
    target.reported_on_behalf = on_behalf
    target.reported_at = utcnow()
    db.session.flush()
    detail = {
        "task_id": target.task_id,
        "division_id": target.division_id,
        "completed_on": target.completed_on.isoformat(),
        "on_behalf": on_behalf,
    }
    if before is None:
        audit.record("task_target_reported", target=target, actor=user, summary=target.task.title, detail=detail)
        return
    after = _report_snapshot(target)
    changed = [key for key in ("completed_on", "completion_note") if before[key] != after[key]]
    audit.record(
        "task_target_report_corrected",
        target=target,
        actor=user,
        summary=target.task.title,
        detail={**detail, "changed": changed, "before": before, "after": after},
    )


def _report_snapshot(target: TaskTarget) -> dict:
    return {
        "completed_on": target.completed_on.isoformat() if target.completed_on else None,
        "completion_note": target.completion_note,
        "reported_by": target.reported_by_name,
        "on_behalf": target.reported_on_behalf,
        "reported_at": target.reported_at.isoformat() if target.reported_at else None,
    }


def target_status(target: TaskTarget, today: date) -> str:
    """open, overdue, done or done_late; for a withdrawn task, done if it was
    reported (the deadline no longer applies) and withdrawn otherwise."""
    deadline = target.task.deadline
    if target.task.is_withdrawn:
        return "done" if target.completed_on is not None else "withdrawn"
    if target.completed_on is not None:
        return "done_late" if target.completed_on > deadline else "done"
    return "overdue" if deadline < today else "open"


def is_overdue(target: TaskTarget, today: date) -> bool:
    return target_status(target, today) == "overdue"


@dataclass
class Completion:
    done: int
    total: int
    overdue: int
    # Targets of a withdrawn task that had not reported: not counted in total.
    withdrawn: int = 0

    @property
    def rate(self) -> float | None:
        """Completed targets as a percentage (None without targets)."""
        return None if not self.total else round(100 * self.done / self.total, 1)


def completion(targets: list[TaskTarget], today: date) -> Completion:
    statuses = [target_status(t, today) for t in targets]
    withdrawn = statuses.count("withdrawn")
    return Completion(
        done=sum(s in ("done", "done_late") for s in statuses),
        total=len(statuses) - withdrawn,
        overdue=statuses.count("overdue"),
        withdrawn=withdrawn,
    )


# --- Queries for the assessment (考核) -------------------------------------------------------


def overdue_targets(today: date, division_ids=None) -> Select:
    """Targets whose deadline has passed (local date) without a completion report,
    of tasks not withdrawn; optionally only those of the given divisions (ids or a
    select of ids)."""
    statement = (
        select(TaskTarget)
        .join(AssignedTask, AssignedTask.id == TaskTarget.task_id)
        .where(TaskTarget.completed_on.is_(None), AssignedTask.deadline < today, AssignedTask.withdrawn_at.is_(None))
    )
    if division_ids is not None:
        statement = statement.where(TaskTarget.division_id.in_(division_ids))
    return statement


def late_targets(start: date, end: date, today: date, division_ids=None) -> Select:
    """Targets due from start to end that missed the deadline: completed after it, or
    not completed although it has passed (as of today). A withdrawn task's targets
    are never late."""
    statement = (
        select(TaskTarget)
        .join(AssignedTask, AssignedTask.id == TaskTarget.task_id)
        .where(
            AssignedTask.deadline.between(start, end),
            AssignedTask.withdrawn_at.is_(None),
            or_(
                TaskTarget.completed_on > AssignedTask.deadline,
                and_(TaskTarget.completed_on.is_(None), AssignedTask.deadline < today),
            ),
        )
    )
    if division_ids is not None:
        statement = statement.where(TaskTarget.division_id.in_(division_ids))
    return statement
