"""统计研判: the dashboard of the user's scope and the town command centre's big screen,
with server-drawn SVG charts."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from app.dashboard import views  # noqa: E402


@bp.app_template_filter("rate_percent")
def _rate_percent(value) -> str:
    """A rate as the indicators write it: "66.7%", or "—" with nothing to divide by."""
    from app.matters.indicators import percent

    return percent(value)
