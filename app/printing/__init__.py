"""Print and publish: the work-manual ledgers and the one PDF helper behind every
printed page (pdf.py)."""

from flask import Blueprint

bp = Blueprint("printing", __name__)

from app.printing import binder_views, manual_views, poster_views, views  # noqa: E402
