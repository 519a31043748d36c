"""The registers of 人、地、事、物、组织: residents and households with their changes,
key persons, housing, organisations and 十户联防 groups, Excel in and out."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

# Importing the view modules registers their routes on the blueprint.
from app.registry import (  # noqa: E402
    change_views,
    group_views,
    household_views,
    housing_views,
    hub_views,
    io_views,
    keyperson_category_views,
    keyperson_views,
    locating,
    organisation_views,
    reference,
    rental_views,
    resident_views,
    search_views,
    shop_views,
    tag_views,
    visit_class_views,
)


@bp.app_context_processor
def _labels():
    return {"event_label": lambda kind: reference.label(reference.EVENT_KINDS, kind)}
