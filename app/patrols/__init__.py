"""Field work of a grid worker: patrols (巡查) with their findings, the 民情日志
(what residents said, settled on the spot or assisted within a deadline), and the
twice-weekly report of ordinary information to the grid chief."""
from flask import Blueprint

bp = Blueprint("patrols", __name__)

from app.patrols import log_views, models, views  # noqa: E402,F401
from app.patrols import reference  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"opinion_category_label": lambda code: reference.label(reference.CATEGORIES, code),
            "disposition_label": lambda code: reference.label(reference.DISPOSITIONS, code)}
