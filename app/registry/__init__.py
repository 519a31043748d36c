"""The population register: residents, households and population changes."""
from flask import Blueprint

bp = Blueprint("registry", __name__)

from app.registry import (change_views, household_views, housing_views, hub_views, io_views,  # noqa: E402,F401
                          keyperson_views, organisation_views, rental_views, resident_views,
                          shop_views)
from app.registry import reference  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"event_label": lambda kind: reference.label(reference.EVENT_KINDS, kind)}
