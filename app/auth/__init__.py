"""Accounts: first-run setup, login/logout, password changes, administration, audit log."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.auth import admin_views, audit_views, views  # noqa: E402  (registers routes)
