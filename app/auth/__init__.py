"""Accounts: first-run setup, login/logout, password changes, administration, audit log."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.auth import views, admin_views  # noqa: E402,F401  (registers routes)
