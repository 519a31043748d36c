"""The matters loop (事件闭环): report → verify → dispatch → handle → feed back →
check → close → publish → evaluate, on Chinese working-day deadlines."""
from flask import Blueprint

bp = Blueprint("matters", __name__)

from app.matters import dispute_views, hotline_views, indicator_views, settings_views, views  # noqa: E402,F401
from app.matters import reference  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"light_label": lambda code: reference.label(reference.LIGHTS, code),
            "urge_label": lambda code: reference.label(reference.URGE_LEVELS, code),
            "level_label": lambda code: reference.label(reference.LEVELS, code),
            "rating_label": lambda code: reference.label(reference.RATINGS, code),
            "action_label": lambda code: reference.label(reference.ACTIONS, code),
            "dispute_type_label": lambda code: reference.label(reference.DISPUTE_TYPES, code),
            "risk_label": lambda code: reference.label(reference.RISK_LEVELS, code),
            "note_label": lambda code: reference.label(reference.NOTE_LABELS, code) or reference.label(
                reference.NOTE_LABELS, "")}


@bp.app_template_filter("deadline")
def _deadline(due_utc) -> str:
    """A deadline is the end of a working day: shown as "2026-11-23 24:00" rather than
    the next day's 00:00, which reads as a day less."""
    from datetime import timedelta

    from app.core.timeutil import to_local
    if due_utc is None:
        return ""
    local = to_local(due_utc)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")
