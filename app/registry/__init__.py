"""The registers of 人、地、事、物、组织: residents and households with their changes,
key persons, housing, organisations and 十户联防 groups, Excel in and out."""
from flask import Blueprint

bp = Blueprint("registry", __name__)

from app.registry import (change_views, group_views, household_views, housing_views,  # noqa: E402,F401
                          hub_views, io_views, keyperson_category_views, keyperson_views, locating,
                          organisation_views, rental_views, resident_views, search_views, shop_views, tag_views,
                          visit_class_views)
from app.registry import reference  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"event_label": lambda kind: reference.label(reference.EVENT_KINDS, kind)}
