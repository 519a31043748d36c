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
