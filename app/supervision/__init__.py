"""Supervision and work from above: meetings and trainings, tasks on the admission
list (准入事项), inspections with rectifications and re-checks (督查/回头看), and the
supervision ledger (form 15)."""
from flask import Blueprint

bp = Blueprint("supervision", __name__)

from app.supervision import models  # noqa: E402,F401
from app.supervision import inspection_views, meeting_views, task_views  # noqa: E402,F401
from app.supervision import inspection_change_views, task_change_views  # noqa: E402,F401
