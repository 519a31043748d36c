"""Moving matters round the loop, and the clock of each stage. Every change after
the report (app.matters.reporting) goes through `take()`, which asks the state
machine (workflow.py) first and writes a timeline step; nothing else sets a
matter's status."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.roles import matter_level
from app.core.forms import RuleError
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reference, workdays, workflow
from app.matters.models import ExtensionRequest, Matter, MatterStep, TimeLimit
from app.org.models import Department, Division

MAX_EXTENSION_DAYS = 30


class MatterError(RuleError):
    """The loop's rules refused a step."""


# --- Time limits ---------------------------------------------------------------------


def time_limits() -> dict[str, int]:
    limits = dict(reference.DEFAULT_TIME_LIMITS)
    limits.update({row.key: row.days for row in db.session.scalars(select(TimeLimit))})
    return limits


def handling_days(matter: Matter, level: str) -> int:
    """The subtype's own limit if it has one, else the level's."""
    if matter.matter_type is not None and matter.matter_type.time_limit_days:
        return matter.matter_type.time_limit_days
    return time_limits()[level]


def light(matter: Matter, now: datetime | None = None, calendar: workdays.Calendar | None = None) -> str | None:
    """The traffic light of the stage the matter is in (None when no clock runs)."""
    if not matter.is_open or matter.due_at is None:
        return None
    calendar = calendar or workdays.load_calendar()
    share = workdays.share_used(calendar, matter.stage_started_at, matter.due_at, now or utcnow())
    return workdays.traffic_light(share)


def stage_days(matter: Matter, days: int) -> int:
    """A stage's working days: a 紧急 or 重大 matter's are capped (urgent_cap, major_cap)."""
    cap_key = reference.URGENCY_CAPS.get(matter.urgency)
    return min(days, time_limits()[cap_key]) if cap_key else days


def start_clock(matter: Matter, days: int, now: datetime) -> None:
    matter.stage_started_at = now
    matter.due_at = workdays.deadline_after(workdays.load_calendar(), now, stage_days(matter, days))


# --- The loop ------------------------------------------------------------------------


def _actor_label(user) -> str:
    if user is None:
        return _("群众")
    return user.display_name or user.username


def record_step(
    matter: Matter,
    action: str,
    from_status: str | None,
    user,
    note: str = "",
    now: datetime | None = None,
    department_id: int | None = None,
    **detail,
) -> MatterStep:
    step = MatterStep(
        matter=matter,
        action=action,
        from_status=from_status,
        to_status=matter.status,
        actor_id=getattr(user, "id", None),
        actor_label=_actor_label(user),
        note=note.strip(),
        at=now or utcnow(),
        department_id=department_id,
        detail=detail,
    )
    db.session.add(step)
    return step


def _require(matter: Matter, action: str, user) -> None:
    if not workflow.may(user, matter, action):
        raise MatterError(_("当前状态下您不能执行“%(action)s”。", action=reference.label(reference.ACTIONS, action)))


def _required_note(note: str, message: str) -> str:
    if not note or not note.strip():
        raise MatterError(message, "note")
    return note.strip()


def take(matter: Matter, action: str, user, *, note: str = "", now: datetime | None = None, **options) -> MatterStep:
    """Take one step of the loop as `user` (None: the public, through their code)."""
    now = now or utcnow()
    if user is not None:
        _require(matter, action, user)
    elif action != "rate":
        raise MatterError(_("请先登录。"))
    before = matter.status
    handler = _HANDLERS[action]
    extra = handler(matter, user, note, now, **options) or {}
    matter.status = workflow.next_status(matter, action) if action in workflow.TRANSITIONS else matter.status
    department_id = extra.pop("department_id", None)
    return record_step(matter, action, before, user, note=note, now=now, department_id=department_id, **extra)


def _verify(matter, user, note, now):
    matter.verified_at = now
    if matter.first_receiver_id is None:
        matter.first_receiver_id = user.id
    start_clock(matter, time_limits()["verify"], now)


def _reject(matter, user, note, now):
    matter.invalid_reason = _required_note(note, _("请写明不予受理的理由。"))
    matter.verified_at = now
    matter.due_at = None


def _merge(matter, user, note, now, into: Matter | None = None):
    if into is None or into.id == matter.id or into.status in ("invalid", "merged"):
        raise MatterError(_("请选择要合并到的事件。"), "merge_into")
    if into.grid_id != matter.grid_id:
        raise MatterError(_("只能合并到同一网格的事件。"), "merge_into")
    matter.merged_into_id = into.id
    matter.verified_at = now
    matter.due_at = None
    return {"into": into.number}


def _handle_on_spot(matter, user, note, now):
    matter.result = _required_note(note, _("请写明处置结果。"))
    matter.handler_level, matter.handler_division_id = "grid", matter.grid_id
    matter.verified_at = matter.verified_at or now
    matter.fed_back_at = matter.closed_at = now
    matter.closed_on_time = True
    matter.due_at = None
    if matter.first_receiver_id is None:
        matter.first_receiver_id = user.id


def dispatch_targets(user, matter: Matter) -> list[tuple[str, Division | Department]]:
    """Where this owner may send the matter: its grid, its community, the town, the
    county's departments (from town level up), ordered lowest first."""
    targets: list[tuple[str, Division | Department]] = []
    level = matter_level(user)
    rank = -1 if level is None else workflow.RANK.get(level, -1)
    grid = matter.grid
    chain = [("grid", grid)]
    community = grid.parent
    if community is not None:
        chain.append(("community", community))
        if community.parent is not None:
            chain.append(("town", community.parent))
    for target_level, division in chain:
        if workflow.RANK[target_level] <= rank and workflow.covers(user, division):
            targets.append((target_level, division))
    if rank >= workflow.RANK["town"]:
        targets.extend(
            ("department", department)
            for department in db.session.scalars(
                select(Department).where(Department.is_active).order_by(Department.name)
            )
        )
    return targets


def _dispatch(
    matter, user, note, now, level: str = "", division_id: int | None = None, department_id: int | None = None
):
    allowed = dispatch_targets(user, matter)
    chosen = next(
        (
            target
            for lvl, target in allowed
            if lvl == level
            and (
                (lvl == "department" and target.id == department_id)
                or (lvl != "department" and target.id == division_id)
            )
        ),
        None,
    )
    if chosen is None:
        raise MatterError(_("请选择可以派往的处置单位。"), "target")
    matter.handler_level = level
    matter.handler_division_id = None if level == "department" else chosen.id
    matter.handler_department_id = chosen.id if level == "department" else None
    matter.dispatcher_id = user.id
    matter.dispatched_at = now
    days = handling_days(matter, level)
    start_clock(matter, days, now)
    _keep_hotline_limit(matter)
    matter.handle_due_at = matter.due_at
    return {
        "to": chosen.name,
        "level": level,
        "days": days,
        "department_id": chosen.id if level == "department" else None,
    }


def _keep_hotline_limit(matter: Matter) -> None:
    """A 12345 work order carries the hotline's own 办结时限: the handling deadline
    never runs past it (an approved extension still may)."""
    if matter.hotline_due_at is not None and matter.due_at is not None and matter.hotline_due_at < matter.due_at:
        matter.due_at = max(matter.hotline_due_at, matter.stage_started_at)


def _escalate(matter, user, note, now):
    _required_note(note, _("请写明上报的理由。"))
    upper = reference.ESCALATION[matter.owner_level]
    division = matter.owner_division
    if matter.owner_level == "grid":
        division = matter.grid.parent or matter.grid
    elif division.parent is not None:
        division = division.parent
    matter.owner_level, matter.owner_division_id = upper, division.id
    matter.owner_division = division
    if matter.status == "reported":
        matter.verified_at = now
        if matter.first_receiver_id is None:
            matter.first_receiver_id = user.id
    limits = time_limits()
    start_clock(matter, limits["escalate_to_county"] if upper == "county" else limits["verify"], now)
    return {"to": division.name, "level": upper}


def _progress(matter, user, note, now):
    _required_note(note, _("请填写处置进展。"))


def _request_extension(matter, user, note, now, days: int | None = None):
    reason = _required_note(note, _("请写明延期理由。"))
    if not days or days < 1 or days > MAX_EXTENSION_DAYS:
        raise MatterError(_("延期天数须为 1 到 %(n)d 个工作日。", n=MAX_EXTENSION_DAYS), "days")
    # decision set here, not left to the column default: the pending request must be
    # seen before the session flushes (approving in the same session).
    db.session.add(
        ExtensionRequest(
            matter=matter, days=days, reason=reason, requested_by_id=user.id, decision="pending", requested_at=now
        )
    )
    return {"days": days}


def _decide_extension(matter, user, note, now, approve: bool):
    request = matter.pending_extension
    request.decision = "approved" if approve else "refused"
    request.decided_by_id, request.decided_at, request.decision_note = user.id, now, note.strip()
    if approve:
        matter.due_at = workdays.extend_deadline(workdays.load_calendar(), matter.due_at, request.days)
        matter.handle_due_at = matter.due_at
        matter.extension_count += 1
    return {"days": request.days}


def _approve_extension(matter, user, note, now):
    return _decide_extension(matter, user, note, now, True)


def _refuse_extension(matter, user, note, now):
    return _decide_extension(matter, user, note, now, False)


def _send_back(matter, user, note, now):
    _required_note(note, _("请写明退回的理由。"))
    was = matter.handler_label
    matter.handler_level = matter.handler_division_id = matter.handler_department_id = None
    start_clock(matter, time_limits()["verify"], now)
    return {"from": was}


def _feed_back(matter, user, note, now):
    matter.result = _required_note(note, _("请写明办理结果。"))
    matter.fed_back_at = now
    start_clock(matter, time_limits()["verify"], now)


def _pass_check(matter, user, note, now):
    matter.closed_at = now
    matter.closed_on_time = matter.handle_due_at is None or (
        matter.fed_back_at is not None and matter.fed_back_at <= matter.handle_due_at
    )
    matter.due_at = None


def _rework(matter, user, note, now):
    _required_note(note, _("请写明需要返工的原因。"))
    matter.rework_count += 1
    # The handler's deadline stands: work sent back does not buy more time.
    matter.stage_started_at = matter.dispatched_at or now
    matter.due_at = matter.handle_due_at


def _publish(matter, user, note, now):
    matter.published_at = now


def _rate(matter, user, note, now, rating: str = ""):
    if rating not in reference.RATINGS:
        raise MatterError(_("请选择满意程度。"), "rating")
    matter.rating, matter.rating_note, matter.rated_at = rating, note.strip()[:200], now
    return {"rating": rating}


def _reopen(matter, user, note, now):
    matter.reopened = True
    matter.rating = None
    matter.closed_at = None
    matter.closed_on_time = None
    matter.fed_back_at = None
    days = handling_days(matter, matter.handler_level)
    start_clock(matter, days, now)
    _keep_hotline_limit(matter)
    matter.dispatched_at = now
    matter.handle_due_at = matter.due_at


def _urge(matter, user, note, now, level: str = ""):
    if level not in reference.URGE_LEVELS:
        raise MatterError(_("请选择督办等级。"), "level")
    if matter.urge_level != "red":
        matter.urge_level = level
    return {"level": level}


def _chase(matter, user, note, now):
    matter.chased_at = now
    holder = matter.handler_department or matter.handler_division
    return {"to": holder.name if holder else ""}


_HANDLERS = {
    "verify": _verify,
    "reject": _reject,
    "merge": _merge,
    "handle_on_spot": _handle_on_spot,
    "dispatch": _dispatch,
    "escalate": _escalate,
    "progress": _progress,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "send_back": _send_back,
    "feed_back": _feed_back,
    "pass_check": _pass_check,
    "rework": _rework,
    "publish": _publish,
    "rate": _rate,
    "reopen": _reopen,
    "urge": _urge,
    "chase": _chase,
}


def join_on_report(matter: Matter, into: Matter, reporter) -> MatterStep:
    """The reporter saw their report is a duplicate and adds it to `into` (their
    own brand-new report: no verification right is needed for that)."""
    if matter.status != "reported" or matter.reporter_id != getattr(reporter, "id", None):
        raise MatterError(_("只能合并刚上报的事件。"), "merge_into")
    extra = _merge(matter, reporter, "", utcnow(), into=into)
    matter.status = "merged"
    return record_step(matter, "merge", "reported", reporter, note=_("上报时并入已有事件"), **extra)


def rate_by_code(matter: Matter, rating: str, note: str = "", now: datetime | None = None) -> MatterStep:
    """The reporter's own rating, with their tracking code (no account)."""
    if matter.status != "closed" or matter.rating is not None:
        raise MatterError(_("这件事现在不能评价。"), "rating")
    return take(matter, "rate", None, note=note, now=now, rating=rating)
