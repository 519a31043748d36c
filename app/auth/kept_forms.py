"""No typing lost to the idle timeout.

The 30-minute timeout stays: it is a security control on shared station PCs. But a
form sent after the session ended for inactivity is not thrown away: what was typed
is kept on the server for that account only (never in the cookie), for KEEP_FOR.
The login page says so; after signing in again, the person is taken back to the page
the form was on, and the same form is filled with what they typed — with a notice
that nothing has been saved yet — to check and save with one click. Nothing is saved
for them. Another account signing in on the same PC never sees it.

The form is filled on the server (lxml), so this works with JavaScript off.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode, urljoin

import lxml.html
from flask import Blueprint, Flask, Response, flash, g, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape
from sqlalchemy import delete, select

from app.auth.models import KeptForm, LoginSession
from app.core.once import FIELD as ONCE_FIELD
from app.core.once import sent_from
from app.core.timeutil import utcnow
from app.extensions import db

KEEP_FOR = timedelta(hours=2)
QUERY_KEY = "kept"
# Never put back: a fresh page carries its own.
NOT_KEPT = {"csrf_token", ONCE_FIELD}
MAX_KEPT_CHARS = 200_000

bp = Blueprint("kept_forms", __name__)


# Sessions the clock ended, not the person: for inactivity, or at the absolute
# session lifetime (SESSION_ABSOLUTE_TIMEOUT) in the middle of work.
ENDED_BY_TIME = ("idle", "expired")


def ended_by_time(token: str | None) -> tuple[int, str] | None:
    """(account, "idle" or "expired") when session `token` ended so recently."""
    if not token:
        return None
    login_session = db.session.scalar(select(LoginSession).where(LoginSession.token == token))
    if login_session is None or login_session.end_reason not in ENDED_BY_TIME:
        return None
    if login_session.ended_at is not None and utcnow() - login_session.ended_at > KEEP_FOR:
        return None
    return login_session.user_id, login_session.end_reason


def keep_posted_form(user_id: int) -> KeptForm | None:
    """Keep this request's form for `user_id`; None when there is nothing to keep."""
    fields = [[name, value] for name, value in request.form.items(multi=True) if name not in NOT_KEPT]
    if not fields or sum(len(value) for _name, value in fields) > MAX_KEPT_CHARS:
        return None
    files = sorted({name for name, upload in request.files.items(multi=True) if upload.filename})
    page = sent_from()
    db.session.execute(delete(KeptForm).where(KeptForm.created_at < utcnow() - KEEP_FOR))
    kept = KeptForm(
        user_id=user_id,
        action_path=request.full_path.rstrip("?"),
        page_path=page,
        fields=fields,
        file_fields=files,
        created_at=utcnow(),
    )
    db.session.add(kept)
    db.session.commit()
    return kept


def _kept_for_current_user(kept_id) -> KeptForm | None:
    if not kept_id or not str(kept_id).isdigit() or not current_user.is_authenticated:
        return None
    kept = db.session.get(KeptForm, int(kept_id))
    if kept is None or kept.user_id != current_user.id or utcnow() - kept.created_at > KEEP_FOR:
        return None
    return kept


@bp.route("/forms/kept/<int:kept_id>")
@login_required
def resume(kept_id: int):
    """Where the login page sends a person whose form was kept: back to its page."""
    kept = _kept_for_current_user(kept_id)
    if kept is None:
        flash(_("保留的填写内容已过期或不存在，请重新填写。"), "warning")
        return redirect(url_for("home.index"))
    separator = "&" if "?" in kept.page_path else "?"
    return redirect(f"{kept.page_path}{separator}{urlencode({QUERY_KEY: kept.id})}")


@bp.route("/session/alive")
@login_required
def alive():
    """Asked by the idle warning's 继续工作: loading the user counted them as active."""
    return Response(status=204)


def _fill(html: str, kept: KeptForm, page_url: str) -> str | None:
    """The page with the kept form filled in, or None if the page has no such form."""
    document = lxml.html.document_fromstring(html)
    target = urljoin(page_url, kept.action_path)
    for form in document.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        if urljoin(page_url, form.get("action") or page_url) != target:
            continue
        _put_values(form, kept.fields)
        form.insert(0, _notice(kept))
        return lxml.html.tostring(document, doctype="<!DOCTYPE html>", encoding="unicode")
    return None


def _put_values(form, fields: list) -> None:
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    for element in form.inputs:
        name = element.get("name")
        if not name or name in NOT_KEPT or name not in values:
            continue
        kind = (element.get("type") or "text").lower() if element.tag == "input" else element.tag
        if kind in ("submit", "button", "image", "file", "reset"):
            continue
        sent = values[name]
        if kind in ("checkbox", "radio"):
            element.checked = element.get("value", "on") in sent
        elif element.tag == "select":
            chosen = set(sent)
            for option in element.iter("option"):
                option_value = option.get("value", option.text_content())
                if option_value in chosen:
                    option.set("selected", "selected")
                elif "selected" in option.attrib:
                    del option.attrib["selected"]
        elif kind == "hidden":
            continue  # what the page decided (ids, steps), not what the person typed
        else:
            element.value = sent.pop(0) if len(sent) > 1 else sent[0]


def _notice(kept: KeptForm):
    text = _("您登录超时前填写的内容已放回下面的表单，尚未保存。请核对后点击保存。")
    if kept.file_fields:
        text += " " + _("照片等文件无法保留，请重新选择。")
    return lxml.html.fragment_fromstring(
        f'<div class="flash flash-warning kept-notice" role="alert">{escape(text)}</div>'
    )


def _after_request(response: Response) -> Response:
    kept_id = request.args.get(QUERY_KEY)
    if (
        not kept_id
        or request.method != "GET"
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
    ):
        return response
    kept = _kept_for_current_user(kept_id)
    if kept is None:
        return response
    filled = _fill(response.get_data(as_text=True), kept, urljoin(request.host_url, kept.page_path))
    if filled is None:
        return response
    response.set_data(filled)
    # Once put back, the copy on the server is not needed: it holds what may be
    # personal data, so it goes now rather than at expiry. A short transaction of its
    # own: this request's read transaction is not upgraded to a write.
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(delete(KeptForm).where(KeptForm.id == kept.id))
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _session_timeouts():
        """Seconds to the idle timeout, and left of the session's absolute lifetime
        (SESSION_ABSOLUTE_TIMEOUT since sign-in), for the warnings of session.js."""
        left = None
        # Prints rendered by a command or a worker process have no request and no user;
        # asking is_authenticated loads the session, which notes when it started.
        if has_request_context() and current_user.is_authenticated:
            started = g.get("login_session_started_at")
            lifetime = app.config.get("SESSION_ABSOLUTE_TIMEOUT")
            if started is not None and lifetime:
                left = max(0, int((started + lifetime - utcnow()).total_seconds()))
        return {"idle_timeout_seconds": int(app.config["IDLE_TIMEOUT"].total_seconds()), "session_seconds_left": left}

    app.after_request(_after_request)
