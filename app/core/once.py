"""One record per rendered form, however often it is sent.

Every POST form carries a one-time token, made when the page is rendered
(app.core.forms.Form.hidden_tag, the post_button macro, or `{{ once_field() }}` in a
hand-written form). The first POST with a token claims it — a row in
form_submission, written in the same transaction as whatever the view writes, so
the claim commits exactly when the record does — and where its answer led is kept
with the row: the redirect's target, or else the page the form was sent from. The
same rendered form sent again — a double click, back and resend, a retry after a
timeout, a repeated htmx request — finds the claim and is sent there, with a note
that it had already been sent; nothing new is created. Answers themselves are never
kept: a page may show what must not be stored (a new API key, a revealed ID number).

Two sendings at the same moment are settled by the primary key, not by a check
before writing: the second insert waits for the first transaction (a row lock on
PostgreSQL, the write lock on SQLite), then fails, and the second request answers
with what the first one created. A refused form (nothing committed) leaves no
claim, and its page is rendered again with a fresh token.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import CursorResult, delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.timeutil import utcnow
from app.extensions import db

FIELD = "_once"
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# As long as an entry may wait on a phone for signal (offline.MAX_QUEUE_AGE), and a
# day: a queued form replayed days later is still answered once.
KEEP_FOR = timedelta(days=8)
# How long a second sending waits for the first one's answer before saying so.
WAIT_FOR_FIRST = 10.0


def new_token() -> str:
    """A fresh token; templates call it `once_token()` for a part of a page that is
    sent on its own (htmx hx-vals on a row of a sheet whose rows are saved one by one)."""
    return secrets.token_urlsafe(24)


def once_field() -> Markup:
    """The hidden input carrying a fresh token; new on every rendering, so a form
    shown again after a refusal is a new sending."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_token()}">')


def _posted_token() -> str | None:
    if request.method != "POST":
        return None
    token = request.form.get(FIELD, "")
    return token if TOKEN_SHAPE.match(token) else None


def _before_request():
    token = _posted_token()
    if token is None:
        return None
    # Anonymous posts count only on the public pages (/public/…: a report, a rating,
    # a satisfaction answer); anywhere else the login page answers them
    # (app/core/security.py keeps what was typed) and they claim nothing.
    if not current_user.is_authenticated and not request.path.startswith("/public/"):
        return None
    from app.auth.models import FormSubmission

    user_id = current_user.id if current_user.is_authenticated else None
    existing = db.session.get(FormSubmission, token)
    if existing is not None:
        return _answer_again(existing, user_id)
    claim = FormSubmission(token=token, user_id=user_id, created_at=utcnow())
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:
        # Sent twice at once: the other request holds the claim.
        db.session.rollback()
        return _answer_again(db.session.get(FormSubmission, token), user_id)
    g.once_claim = token
    g.once_committed = False
    return None


def claim() -> Response | None:
    """Claim the form's token now, after release(): for a view that first reads at
    length outside any write (an import's check) and then writes in a short
    transaction. The answer to give instead if the same form was sent meanwhile."""
    result: Response | None = _before_request()
    return result


def release() -> None:
    """Let the form's token go: for a button that only reads (a print of what the form
    would do), so that the same rendered form may still be sent to do it. The claim,
    flushed but not committed, is rolled back with whatever else is pending."""
    if g.pop("once_claim", None) is not None:
        db.session.rollback()


def _on_commit(session: Session) -> None:
    # Only the request's own session commits the claim it flushed.
    from flask import has_request_context

    if has_request_context() and g.get("once_claim") and session is db.session():
        g.once_committed = True


def sent_from() -> str:
    """The page the form was on (same site only): htmx names it; a plain form is sent
    from its page (Referer); else the address it was sent to."""
    for url in (request.headers.get("HX-Current-URL"), request.referrer):
        if url:
            parts = urlsplit(url)
            if not parts.netloc or parts.netloc == request.host:
                return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def _after_request(response: Response) -> Response:
    token = g.pop("once_claim", None)
    if token is None or not g.get("once_committed"):
        return response
    from app.auth.models import FormSubmission

    location = response.headers.get("Location") or response.headers.get("HX-Redirect") or sent_from()
    answered = {"status_code": response.status_code, "location": location[:2000]}
    db.session.rollback()  # nothing of the view's is pending after its commit
    # An UPDATE gives a CursorResult (rowcount); Session.execute is typed as returning any Result.
    stored = cast(
        CursorResult[Any],
        db.session.execute(FormSubmission.__table__.update().where(FormSubmission.token == token).values(**answered)),
    )
    if stored.rowcount == 0:
        # The view rolled the claim back before committing its own work: claim it now.
        db.session.add(
            FormSubmission(
                token=token, user_id=current_user.get_id() and current_user.id, created_at=utcnow(), **answered
            )
        )
    db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP_FOR))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # claimed meanwhile by the same form sent again: it is answered
    return response


def _answer_again(existing, user_id: int | None):
    """Where the first sending led, for the same form sent again."""
    from app.auth.models import FormSubmission

    if existing is None or existing.user_id != user_id:
        # A token of someone else's page: not theirs to follow, nothing to create.
        return Response(
            _("这份表单已经提交过，请刷新页面后重新填写。"), status=409, content_type="text/plain; charset=utf-8"
        )
    deadline = time.monotonic() + WAIT_FOR_FIRST
    token = existing.token
    while existing is not None and existing.status_code is None and time.monotonic() < deadline:
        # The first sending is still being answered.
        db.session.rollback()
        time.sleep(0.2)
        existing = db.session.get(FormSubmission, token)
    db.session.rollback()
    location = existing.location if existing is not None and existing.status_code is not None else None
    flash(_("这份表单已经提交过，没有重复保存。"), "info")
    location = location or sent_from()
    if request.headers.get("HX-Request"):
        response = Response(status=200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def init_app(app: Flask) -> None:
    # After security's before_request (which marks write transactions) and Flask-WTF's
    # CSRF check: a forged post claims nothing.
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.jinja_env.globals["once_field"] = once_field
    app.jinja_env.globals["once_token"] = new_token
    if not event.contains(Session, "after_commit", _on_commit):
        event.listen(Session, "after_commit", _on_commit)
