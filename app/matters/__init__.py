"""The matters loop (事件闭环): report → verify → dispatch → handle → feed back →
check → close → publish → evaluate, on Chinese working-day deadlines."""

from flask import Blueprint

bp = Blueprint("matters", __name__)

from app.matters import (  # noqa: E402
    dispute_views,
    hotline_views,
    indicator_views,
    reference,
    settings_views,
    views,
)


@bp.app_context_processor
def _labels():
    return {
        "light_label": lambda code: reference.label(reference.LIGHTS, code),
        "urge_label": lambda code: reference.label(reference.URGE_LEVELS, code),
        "level_label": lambda code: reference.label(reference.LEVELS, code),
        "rating_label": lambda code: reference.label(reference.RATINGS, code),
        "action_label": lambda code: reference.label(reference.ACTIONS, code),
        "dispute_type_label": lambda code: reference.label(reference.DISPUTE_TYPES, code),
        "risk_label": lambda code: reference.label(reference.RISK_LEVELS, code),
        "note_label": _note_label,
        "calendar_gap_years": _calendar_gap_years,
    }


# The pages that count or show working-day deadlines warn while a year they may fall in
# is not known (base.html); public pages only mark each deadline.
CALENDAR_BLUEPRINTS = frozenset({"matters", "patrols", "dashboard", "assessment", "supervision"})


def _calendar_gap_years() -> list[int]:
    from flask import request

    from app.core.timeutil import local_today
    from app.matters.workdays import calendar_gap_years

    if request.blueprint not in CALENDAR_BLUEPRINTS:
        return []
    return calendar_gap_years(local_today())


def _note_label(action: str) -> str:
    """What the note of a step is called on its form; "说明" for the steps without a
    name of their own (never the action's code)."""
    return str(reference.NOTE_LABELS.get(action) or reference.NOTE_LABELS[""])


@bp.app_template_filter("deadline")
def deadline_text(due_utc) -> str:
    """The one wording of a matter's deadline, on staff pages (inbox, matter page,
    dashboards) and public ones (the tracking page) alike. A deadline is the end of a
    working day: "2026-11-23 24:00", never the next day's "2026-11-24 00:00", which
    reads as a day more."""
    from datetime import timedelta

    from flask_babel import gettext as _

    from app.core.timeutil import to_local
    from app.matters.workdays import year_is_known

    if due_utc is None:
        return ""
    local = to_local(due_utc)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        day = (local - timedelta(days=1)).date()
        text = f"{day.isoformat()} 24:00"
    else:
        day, text = local.date(), local.strftime("%Y-%m-%d %H:%M")
    if not year_is_known(day.year):
        # Counted Monday to Friday: the year's holidays are not confirmed yet.
        text += _("（预计）")
    return text
