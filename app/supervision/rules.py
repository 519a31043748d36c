"""What the supervision services share: their refusal, and the checks of a date
someone typed (deadlines and overdue flags compare local calendar dates)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.core.forms import RuleError


class SupervisionError(RuleError):
    """A supervision rule refused a change; `field` names the form field."""


def past_or_today(day: date | None, today: date, field: str, required: bool = True) -> date | None:
    if day is None:
        if required:
            raise SupervisionError(_("请按 2024-01-05 的格式填写日期。"), field)
        return None
    if day > today:
        raise SupervisionError(_("日期不能晚于今天。"), field)
    return day


def required_text(value: str | None, field: str, message: str | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise SupervisionError(message or _("此项为必填项。"), field)
    return text


def lines(value: str | None) -> list[str]:
    """One entry per non-empty line (decisions of a meeting, problems found)."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]
