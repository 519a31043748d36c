"""First-run setup, sign-in, sign-out and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import accounts, audit, bp, signin
from app.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from app.auth.roles import Role
from app.auth.setup_token import discard_setup_token, issue_setup_token, setup_token_matches
from app.core.forms import saving
from app.core.settings import setting
from app.extensions import db
from app.org import services as org_services


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce people to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first administrator and the county, once."""
    if accounts.any_user_exists():
        abort(404)
    issue_setup_token(current_app)
    form = SetupForm()
    if form.validate_on_submit():
        if not setup_token_matches(current_app, form.token.data):
            form.token.errors.append(_("设置口令不正确，请查看服务器控制台输出。"))
        else:
            with saving(form) as saved:
                county = org_services.create_county(code=form.county_code.data, name=form.county_name.data.strip())
                org_services.ensure_default_departments()
                accounts.create_user(
                    username=form.username.data,
                    display_name=form.display_name.data,
                    role=Role.COUNTY_ADMIN,
                    password=form.password.data,
                    confirm=form.confirm.data,
                    division=county,
                    must_change_password=False,
                )
                administrators = accounts.create_administrators(
                    {
                        Role.SYSTEM_ADMIN: form.system_username.data,
                        Role.SECURITY_ADMIN: form.security_username.data,
                        Role.AUDIT_ADMIN: form.audit_username.data,
                    },
                )
            if saved:
                discard_setup_token(current_app)
                return render_template(
                    "auth/setup_done.html", administrators=administrators, county_admin=form.username.data
                )
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = signin.authenticate(form.username.data, form.password.data, address=request.remote_addr)
        if result.user is None:
            db.session.commit()  # the failure count and the audit entry must stay
            form.password.errors.append(result.error)
        else:
            session.clear()
            signin.start_session(result.user, request.remote_addr, request.headers.get("User-Agent"))
            db.session.commit()
            login_user(result.user)
            session.permanent = True
            if result.user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template(
        "auth/login.html",
        form=form,
        max_failures=setting("LOGIN_MAX_FAILURES"),
        lock_minutes=int(current_app.config["LOGIN_LOCK_DURATION"].total_seconds() // 60),
    )


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    signin.end_session(current_user.login_session_token, "logout")
    audit.record("logout", target=current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("您已安全退出。"), "info")
    response = redirect(url_for("auth.login"))
    # The phone's kept pages and entries (docs/phone.md, "No signal, no loss"); not the
    # cookies: the session is ended above, the language cookie stays.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with saving(form) as saved:
            signin.change_password(
                user,
                form.current_password.data,
                form.password.data,
                form.confirm.data,
                keep_token=user.login_session_token,
            )
        if saved:
            flash(_("密码已修改。"), "success")
            return redirect(url_for("home.index"))
    user = current_user._get_current_object()
    # Why the change is asked for: the password's age (PASSWORD_MAX_AGE_DAYS), or a reset.
    expired_after_days = signin.password_max_age_days() if signin.password_expired(user) else None
    return render_template("auth/change_password.html", form=form, expired_after_days=expired_after_days)
