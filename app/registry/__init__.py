"""The registers of 人、地、事、物、组织, one subpackage each for what they hold:

- `people`: residents and households, their changes (动态信息) and where an ID number lives;
- `housing`: houses, rentals (出租房屋) and shops (商铺);
- `keypersons`: key and special persons and their follow-ups;
- `organisations`: organisations and 十户联防 joint-defence groups;
- `points`: points of responsibility (责任点位) and their monthly supervision;
- `partners`: partner units (结对共建单位, 物业公司) paired with grids and their activities;
- `transfer`: Excel in and out (masked exports, the checked import);
- `search`: the filters of the lists and the full-text search box;
- `settings`: what county administrators set — care tags, visit classes, key-person categories.

All their pages are routes of one blueprint, `registry`."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

# Importing the view modules registers their routes on the blueprint.
from app.registry import hub_views  # noqa: E402
from app.registry.housing import house_views, rental_views, shop_views  # noqa: E402
from app.registry.keypersons import views as keyperson_views  # noqa: E402
from app.registry.organisations import group_views  # noqa: E402
from app.registry.organisations import views as organisation_views  # noqa: E402
from app.registry.partners import views as partner_views  # noqa: E402
from app.registry.people import (  # noqa: E402
    change_views,
    emergency_views,
    household_views,
    locating,
    reference,
    resident_views,
)
from app.registry.points import views as point_views  # noqa: E402
from app.registry.search import views as search_views  # noqa: E402
from app.registry.settings import keyperson_category_views, tag_views, visit_class_views  # noqa: E402
from app.registry.transfer import views as transfer_views  # noqa: E402


@bp.app_context_processor
def _labels():
    return {"event_label": lambda kind: reference.label(reference.EVENT_KINDS, kind)}
