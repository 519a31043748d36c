"""入户走访: visits to households, who is due and overdue, verification rates, the
printed route sheet and its back-entry screen."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")

from app.visits import entry_views, views  # noqa: E402
