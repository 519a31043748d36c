"""Gridbook (网格通): grid management for counties, towns and villages."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    from app.core.conflicts import ReplayingFlask

    app = ReplayingFlask(
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
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    from app.core import private_files

    private_files.private_folder(app.instance_path)
    private_files.tighten(app.instance_path)
    _fill_instance_defaults(app)

    from app import extensions
    from app.core import database, errors, i18n, once, rendering, security

    # First: Flask runs after_request hooks last-registered first, so compression comes
    # after every hook that reads or rewrites a page (app/auth/kept_forms.py).
    extensions.compress.init_app(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    i18n.init_app(app)
    with app.app_context():
        database.configure_engine(extensions.db.engine, app.config["SQLITE_SYNCHRONOUS"])
    security.init_app(app)
    once.init_app(app)  # after security: its before_request marks write transactions
    from app.core import offline

    offline.init_app(app)
    from app.auth import duties

    duties.init_app(app)  # after security: the forced password change comes first
    from app.auth import kept_forms

    kept_forms.init_app(app)
    rendering.init_app(app)
    from app.core import rare_chars

    rare_chars.init_app(app)  # after compression's hook is registered: runs before it
    from app.core import static_files

    static_files.init_app(app)
    from app.core import sessions

    sessions.init_app(app)
    errors.init_app(app)

    from app import auth, cli, home, matters, org, printing, public, registry, supervision

    app.register_blueprint(auth.bp)
    app.register_blueprint(auth.admin_bp)
    app.register_blueprint(org.bp)
    app.register_blueprint(registry.bp)
    app.register_blueprint(matters.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(home.bp)
    from app import pwa

    app.register_blueprint(pwa.bp)
    app.register_blueprint(supervision.bp)
    from app import patrols

    app.register_blueprint(patrols.bp)
    from app import visits

    app.register_blueprint(visits.bp)
    from app import dashboard

    app.register_blueprint(dashboard.bp)
    from app import assessment

    app.register_blueprint(assessment.bp)
    from app import adjustments

    app.register_blueprint(adjustments.bp)
    cli.init_app(app)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """A database in instance/ and a secret key generated once and kept there, both
    readable by the server's account only (app/core/private_files.py)."""
    from app.core import private_files

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "gridbook.sqlite3")
    _create_sqlite_file(app)
    if not app.config.get("SECRET_KEY"):
        key_file = Path(app.instance_path) / "secret_key"
        private_files.create_private(key_file, secrets.token_hex(32))
        private_files.tighten(key_file)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    private_files.private_folder(app.config["UPLOAD_FOLDER"])
    private_files.tighten(app.config["UPLOAD_FOLDER"])
    # Durations may be given in minutes (instance/config.py, GRIDBOOK_* variables).
    for key in (
        "IDLE_TIMEOUT",
        "SESSION_ABSOLUTE_TIMEOUT",
        "LOGIN_FAILURE_WINDOW",
        "LOGIN_LOCK_DURATION",
        "LOGIN_ADDRESS_LOCK_DURATION",
    ):
        if isinstance(app.config[key], (int, float)):
            app.config[key] = timedelta(minutes=app.config[key])


def _create_sqlite_file(app: Flask) -> None:
    """SQLite creates its database on the first connection with the umask's mode
    (often readable by everyone), and its -wal and -shm files take the mode of the
    database: an empty file made 0600 beforehand is taken as a new database."""
    from sqlalchemy.engine import make_url

    from app.core import private_files

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return
    path = Path(name)
    if not path.is_absolute():
        path = Path(app.instance_path) / path  # as Flask-SQLAlchemy resolves it
    if path.parent.is_dir():
        private_files.create_private(path, b"")
