"""The 回单: what became of the 12345 work orders, sent back to the hotline as xlsx in
its columns (工单编号, 办理单位, 办理结果, 办结时间, 办理状态, 满意度 …).

Which work orders: matters with a hotline number in the user's scope whose call
(来电时间, the matter's reported time) falls in the chosen days, optionally under one
division and optionally only those closed. No personal data leaves: not the
caller's name or phone (the hotline has them), not the rating note.

"超时限" compares with the hotline's own 办结时限 when the work order carried one:
closed after it, or still open past it; without one, with the loop's handling
deadline (a matter closed late, or open past its current deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.core.scoping import scoped_select
from app.core.timeutil import local_day_start_utc, local_today, to_local, utcnow
from app.core.xlsx import Column, write_table
from app.extensions import db
from app.matters import reference
from app.matters.models import Matter
from app.org.models import Division
from app.org.services import grid_label


@dataclass
class ReceiptFilter:
    first_day: date
    last_day: date
    within: Division | None = None  # a division in the user's scope, or all of it
    closed_only: bool = False


def receipt_statement(user, chosen: ReceiptFilter) -> Select:
    """The work orders of the 回单, oldest call first."""
    statement = scoped_select(Matter, user).where(
        Matter.hotline_number.is_not(None),
        Matter.created_at >= local_day_start_utc(chosen.first_day),
        Matter.created_at < local_day_start_utc(chosen.last_day + timedelta(days=1)),
    )
    if chosen.within is not None:
        statement = statement.where(
            Matter.grid_id.in_(select(Division.id).where(Division.code.startswith(chosen.within.code, autoescape=True)))
        )
    if chosen.closed_only:
        statement = statement.where(Matter.status == "closed")
    return statement.order_by(Matter.created_at, Matter.hotline_number)


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_local(moment).replace(tzinfo=None)


def handling_unit(matter: Matter) -> str:
    """Who handled it (a department, or a division); before dispatch, who holds it."""
    if matter.handler_department is not None:
        return matter.handler_department.name
    division = matter.handler_division or matter.owner_division
    if division is None:
        return ""
    return grid_label(division) if division.is_grid else division.name


def handling_result(matter: Matter) -> str:
    if matter.status == "invalid":
        return _("不予受理：%(reason)s", reason=matter.invalid_reason)
    if matter.status == "merged" and matter.merged_into is not None:
        return _(
            "与工单 %(number)s 为同一事项，已合并办理。",
            number=matter.merged_into.hotline_number or matter.merged_into.number,
        )
    return matter.result or ""


def over_limit(matter: Matter, now: datetime) -> bool | None:
    """True: past the limit; False: within it; None: still open within it, or no limit."""
    if matter.status in ("invalid", "merged"):
        return None
    limit = matter.hotline_due_at
    if limit is None:
        if matter.status == "closed":
            return matter.closed_on_time is False
        return True if matter.due_at is not None and matter.due_at < now else None
    if matter.status == "closed":
        return matter.closed_at is not None and matter.closed_at > limit
    return True if now > limit else None


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("是") if value else _("否"))


def receipt_columns(now: datetime) -> list[Column]:
    return [
        Column("hotline_number", _("工单编号"), 20, not_personal=True),
        Column(lambda m: _local(m.created_at), _("来电时间"), 17, "datetime"),
        Column(lambda m: _local(m.hotline_due_at), _("办结时限"), 17, "datetime"),
        Column(handling_unit, _("办理单位"), 20),
        Column(lambda m: m.status_label, _("办理状态"), 10),
        Column(handling_result, _("办理结果"), 40),
        Column(lambda m: _local(m.closed_at), _("办结时间"), 17, "datetime"),
        Column(lambda m: _yes_no(over_limit(m, now)), _("是否超时限"), 10),
        Column(lambda m: reference.label(reference.RATINGS, m.rating), _("满意度"), 10),
        Column("number", _("系统事件编号"), 16),
    ]


def receipt_rows(statement: Select) -> list[Matter]:
    return list(
        db.session.scalars(
            statement.options(
                selectinload(Matter.handler_department),
                selectinload(Matter.handler_division),
                selectinload(Matter.owner_division),
                selectinload(Matter.merged_into),
            )
        )
    )


def receipt_bytes(matters: list[Matter], chosen: ReceiptFilter, now: datetime | None = None) -> bytes:
    title = _(
        "12345热线工单回单（来电 %(first)s 至 %(last)s，共 %(n)d 件，%(day)s 导出）",
        first=chosen.first_day.isoformat(),
        last=chosen.last_day.isoformat(),
        n=len(matters),
        day=local_today().isoformat(),
    )
    return write_table(receipt_columns(now or utcnow()), matters, title=title, sheet_name=_("回单"))
