"""Supervision and work from above: meetings and trainings, tasks on the admission
list (准入事项), inspections with rectifications and re-checks (督查/回头看), and the
supervision ledger (form 15)."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)

from app.supervision import (  # noqa: E402  # noqa: E402,F401
    inspection_change_views,
    inspection_views,
    meeting_views,
    models,
    task_change_views,
    task_views,
)
