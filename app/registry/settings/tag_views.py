"""The county's list of care tags (关爱标签): administrators add and retire them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth import audit
from app.auth.decorators import admin_required
from app.extensions import db
from app.registry import bp
from app.registry.people.models import CareTag, ResidentTag
from app.registry.settings.forms import CareTagForm


@bp.route("/care-tags/", methods=["GET", "POST"])
@admin_required
def care_tags():
    """Tags with how many residents carry them; a retired tag stays on old records."""
    form = CareTagForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.scalar(select(CareTag.id).where(CareTag.name == name)) is not None:
            form.name.errors.append(_("已有同名标签。"))
        else:
            tag = CareTag(name=name)
            db.session.add(tag)
            db.session.flush()
            audit.record("care_tag_added", target=tag, summary=name)
            db.session.commit()
            flash(_("已添加标签：%(name)s", name=name), "success")
            return redirect(url_for("registry.care_tags"), code=303)
    counts = dict(db.session.execute(select(ResidentTag.tag_id, func.count()).group_by(ResidentTag.tag_id)).all())
    tags = list(db.session.scalars(select(CareTag).order_by(CareTag.is_active.desc(), CareTag.name)))
    return render_template("registry/care_tags.html", form=form, tags=tags, counts=counts)


@bp.route("/care-tags/<int:tag_id>/toggle", methods=["POST"])
@admin_required
def toggle_care_tag(tag_id: int):
    tag = db.get_or_404(CareTag, tag_id)
    tag.is_active = not tag.is_active
    audit.record("care_tag_enabled" if tag.is_active else "care_tag_retired", target=tag, summary=tag.name)
    db.session.commit()
    return redirect(url_for("registry.care_tags", _anchor=f"tag-{tag.id}"), code=303)
