"""Request-level security: who is signed in, first-run redirect, forced password
change, write transactions, and response headers."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from app.core.addresses import public_url, served_over_https
from app.core.database import mark_write_transaction, reset_write_transaction
from app.core.timeutil import utcnow
from app.extensions import db, login_manager

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# last_seen_at is written at most this often, so reading pages is not a write storm.
TOUCH_INTERVAL = timedelta(seconds=60)
OPEN_ENDPOINTS = ("static", "auth.setup", "auth.login", "home.set_language", "home.health")
# Scripts only from the app's own files: no inline <script>, no on…= handlers, no
# hx-on, no eval (htmx runs with allowEval false: templates/_htmx_config.html). Inline
# style= attributes remain in a few templates, hence 'unsafe-inline' for styles only.
# Images also from blob: URLs, which only the page's own script makes: a photo chosen
# on the phone is drawn again smaller from one (static/js/photos.js).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Sent when PUBLIC_BASE_URL is https: browsers then use only https for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class Anonymous(AnonymousUserMixin):
    id = None
    role = None
    username = None
    display_name = ""
    has_admin_duties_only = False
    must_change_password = False

    def can(self, _permission) -> bool:
        return False


@login_manager.user_loader
def _load_user(token: str):
    from app.auth.models import LoginSession
    from app.auth.signin import end_session, load_session_user

    now = utcnow()
    user, state = load_session_user(
        token, current_app.config["IDLE_TIMEOUT"], now, current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    if user is None:
        g.session_end_reason = state
        if state in ("idle", "expired"):
            end_session(token, state)
            db.session.commit()
        return None
    # A short timeout (a test's seconds) is touched more often than once a minute.
    if now - state.last_seen_at > min(TOUCH_INTERVAL, current_app.config["IDLE_TIMEOUT"] / 6):
        if request.method in SAFE_METHODS:
            # A separate short transaction: upgrading this request's read
            # transaction to a write could fail with SQLITE_BUSY. Reading goes on if
            # it cannot be written (a full disk, a long import holding the database):
            # the next request touches the session again.
            try:
                with db.engine.begin() as connection:
                    connection.execute(update(LoginSession).where(LoginSession.id == state.id).values(last_seen_at=now))
            except OperationalError as error:
                log.warning("the session's last-seen time was not saved: %s", error.orig)
        else:
            state.last_seen_at = now
            db.session.commit()
    # For the warning before the session's absolute lifetime ends (static/js/session.js).
    g.login_session_started_at = state.created_at
    return user


def _before_request():
    if request.method not in SAFE_METHODS and "_write_token" not in g:  # not again on a replay
        g._write_token = mark_write_transaction(True)
    endpoint = request.endpoint or ""
    if endpoint in ("static", "home.health"):
        return None
    if not _setup_done():
        if endpoint != "auth.setup":
            return redirect(url_for("auth.setup"))
        return None
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and endpoint not in ("auth.change_password", "auth.logout", "home.set_language")
    ):
        flash(_("请先修改密码后再继续。"), "warning")
        return redirect(url_for("auth.change_password"))
    return None


def _setup_done() -> bool:
    """Once an account exists it always will (accounts are disabled, never deleted),
    so the answer is cached for the life of the process."""
    if current_app.extensions.get("gridbook_setup_done"):
        return True
    from app.auth.accounts import any_user_exists

    done = any_user_exists()
    if done:
        current_app.extensions["gridbook_setup_done"] = True
    return done


def _after_request(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype != "application/pdf":
        # (A PDF runs no script of ours; a policy on it can stop the browser's viewer.)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if served_over_https(current_app.config):
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.endpoint != "static":
        # Pages hold residents' data; shared station PCs must not keep copies.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _teardown(_exc):
    token = g.pop("_write_token", None)
    if token is not None:
        reset_write_transaction(token)


def _unauthorized():
    kept = None
    if request.method == "POST":
        # A form sent after the session ended for inactivity or at its absolute lifetime:
        # keep what was typed for that account, to be put back after it signs in again
        # (app/auth/kept_forms.py).
        from app.auth import kept_forms

        ended = kept_forms.ended_by_time(session.get("_user_id"))
        if ended is not None:
            kept = kept_forms.keep_posted_form(ended[0])
            if kept is not None:
                g.session_end_reason = ended[1]
    reason = g.get("session_end_reason")
    if kept is not None and reason == "expired":
        flash(
            _("您已连续登录超过规定时长，为了安全已自动退出。您填写的内容已保留（未保存），重新登录后可以核对并保存。"),
            "warning",
        )
    elif kept is not None:
        flash(_("由于长时间未操作，您已自动退出。您填写的内容已保留（未保存），重新登录后可以核对并保存。"), "warning")
    elif reason == "idle":
        flash(_("由于长时间未操作，您已自动退出，请重新登录。"), "warning")
    elif reason == "expired":
        flash(_("您已连续登录超过规定时长，为了安全已自动退出，请重新登录。"), "warning")
    else:
        flash(_("请先登录。"), "info")
    next_path: str | None
    if kept is not None:
        next_path = url_for("kept_forms.resume", kept_id=kept.id)
    else:
        next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=next_path)
        return response
    return redirect(url_for("auth.login", next=next_path))


def _apply_https_settings(app: Flask) -> None:
    """PUBLIC_BASE_URL starting with https:// means the county serves over HTTPS:
    cookies are sent over HTTPS only and every response carries HSTS."""
    base = str(app.config.get("PUBLIC_BASE_URL") or "").strip()
    if base and not base.lower().startswith(("http://", "https://")):
        raise ValueError(
            f"PUBLIC_BASE_URL must start with https:// or http:// (got {base!r}), e.g. https://wgt.example.gov.cn"
        )
    if served_over_https(app.config):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def init_app(app: Flask) -> None:
    _apply_https_settings(app)
    app.add_template_global(public_url)  # the address given to outsiders, in templates
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.teardown_request(_teardown)
