"""What residents see without logging in: the intake form per grid, the tracking
page for a code (with the satisfaction rating), the results board (公示栏) per
community, and the Open311 GeoReport v2 API at /open311/v2/ — plus the county
administrators' page for the API keys that let Open311 clients submit."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import api_keys, grid_views, open311, views  # noqa: E402
