"""Who may do what in supervision. Seeing a record is decided by app.core.scoping;
these say which roles may write, once the record was found in scope — each by a
permission of app/auth/roles.py.

- Meetings and trainings: anyone who works in the divisions (not leaders, who only
  read, nor departments) records them for a division in their scope.
- The admission list: county administrators keep it.
- Tasks: town staff assign to the grids and communities of their town, county
  administrators anywhere; a station may turn its own community meeting's decision
  into a task for the community's grids. The same level corrects or withdraws what
  it gave. The targets (their grid workers and stations) report completion; town
  staff and county administrators may report for a target in their scope (代报).
- Inspections and re-checks: town and county staff (the supervision group); the
  inspected grid's station and workers see them.
"""

from __future__ import annotations

from app.auth.roles import Permission, holds


def may_record_meetings(user) -> bool:
    return holds(user, Permission.RECORD_MEETINGS)


def may_keep_admission_list(user) -> bool:
    return holds(user, Permission.EDIT_COUNTY_SETTINGS)


def may_assign_tasks(user) -> bool:
    return holds(user, Permission.ASSIGN_TASKS)


def may_task_from_meeting(user) -> bool:
    return holds(user, Permission.TASK_FROM_MEETINGS)


def may_report_target(user) -> bool:
    return holds(user, Permission.REPORT_TASK_TARGETS)


def may_manage_task(user, task) -> bool:
    """The role that gives such a task; the view checks the issuing division is in scope."""
    return may_task_from_meeting(user) if task.source == "meeting" else may_assign_tasks(user)


def may_report_on_behalf(user) -> bool:
    return holds(user, Permission.REPORT_FOR_TARGETS)


def may_supervise(user) -> bool:
    return holds(user, Permission.INSPECT)
