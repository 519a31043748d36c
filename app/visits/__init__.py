"""入户走访: visits to households, who is due and overdue, verification (入户核实) by
someone other than the grid's staff and its rates, the printed route sheet and its
back-entry screen."""

from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")

from app.visits import entry_views, verification_views, views  # noqa: E402
