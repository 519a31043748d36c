"""Open311 API keys (county administrators): create one — its value is shown once,
only a SHA-256 hash is kept — and disable it. Both are audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import audit
from app.auth.decorators import admin_required
from app.core.forms import attach_error
from app.extensions import db
from app.matters.models import ApiKey
from app.public import bp, services
from app.public.forms import ApiKeyForm


def _page(form: ApiKeyForm, new_key: str | None = None, status: int = 200):
    keys = list(db.session.scalars(select(ApiKey).order_by(ApiKey.is_active.desc(), ApiKey.created_at.desc())))
    return render_template("public/api_keys.html", form=form, keys=keys, new_key=new_key), status


@bp.route("/admin/api-keys/", methods=["GET", "POST"])
@admin_required
def api_keys():
    """The keys Open311 clients use to submit requests; a new one is shown once."""
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            key, raw = services.create_api_key(form.name.data)
        except services.PublicError as error:
            db.session.rollback()
            attach_error(form, error)
            return _page(form, status=400)
        audit.record("api_key_created", target=key, summary=key.name, detail={"prefix": key.prefix})
        db.session.commit()
        # Rendered, not redirected: the value must never sit in a cookie or a URL.
        return _page(ApiKeyForm(formdata=None), new_key=raw)
    return _page(form, status=400 if form.errors else 200)


@bp.route("/admin/api-keys/<int:api_key_id>/disable", methods=["POST"])
@admin_required
def disable_api_key(api_key_id: int):
    key = db.session.get(ApiKey, api_key_id)
    if key is None:
        abort(404)
    if key.is_active:
        key.is_active = False
        audit.record("api_key_disabled", target=key, summary=key.name, detail={"prefix": key.prefix})
        db.session.commit()
        flash(_("已停用密钥 %(name)s。", name=key.name), "success")
    return redirect(url_for("public.api_keys"), 303)
