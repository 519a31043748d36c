"""Gridbook (网格通): grid management for counties, towns and villages."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=instance_path or os.environ.get("GRIDBOOK_INSTANCE") or str(ROOT / "instance"),
        instance_relative_config=True,
    )
    from app.core.text import CleanedRequest
    app.request_class = CleanedRequest
    app.config.from_object("app.config.DefaultConfig")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("GRIDBOOK")
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _fill_instance_defaults(app)

    from app import extensions
    from app.core import database, errors, i18n, once, rendering, security

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"),
                                render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    i18n.init_app(app)
    with app.app_context():
        database.configure_engine(extensions.db.engine)
    security.init_app(app)
    once.init_app(app)  # after security: its before_request marks write transactions
    from app.auth import kept_forms
    kept_forms.init_app(app)
    rendering.init_app(app)
    errors.init_app(app)

    from app import auth, cli, home, matters, org, printing, public, registry
    from app import supervision
    app.register_blueprint(auth.bp)
    app.register_blueprint(auth.admin_bp)
    app.register_blueprint(org.bp)
    app.register_blueprint(registry.bp)
    app.register_blueprint(matters.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(supervision.bp)
    from app import patrols
    app.register_blueprint(patrols.bp)
    from app import visits
    app.register_blueprint(visits.bp)
    from app import dashboard
    app.register_blueprint(dashboard.bp)
    from app import assessment
    app.register_blueprint(assessment.bp)
    cli.init_app(app)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """A database in instance/ and a secret key generated once and kept there."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + str(Path(app.instance_path) / "gridbook.sqlite3"))
    if not app.config.get("SECRET_KEY"):
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            os.chmod(key_file, 0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    # Durations may be given in minutes (instance/config.py, GRIDBOOK_* variables).
    for key in ("IDLE_TIMEOUT", "LOGIN_FAILURE_WINDOW", "LOGIN_LOCK_DURATION"):
        if isinstance(app.config[key], (int, float)):
            app.config[key] = timedelta(minutes=app.config[key])
