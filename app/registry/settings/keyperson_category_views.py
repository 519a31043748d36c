"""The county's key-person categories (重点人员类别): administrators add them, rename
and describe them, set how often the grid follows up, and take them out of use."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import admin_required
from app.core.forms import saving
from app.extensions import db
from app.registry import bp
from app.registry.keypersons.models import KeyPersonCategory
from app.registry.keypersons.services import category_fields
from app.registry.settings import keyperson_categories as rules
from app.registry.settings.forms import CategoryForm, NewCategoryForm


def _values(form) -> rules.CategoryValues:
    return rules.CategoryValues(
        name=form.name.data or "", description=form.description.data or "", follow_up_days=form.follow_up_days.data
    )


def _to_list(category: KeyPersonCategory | None = None):
    anchor = f"category-{category.id}" if category is not None else None
    return redirect(url_for("registry.key_person_categories", _anchor=anchor), code=303)


@bp.route("/key-person-categories/", methods=["GET", "POST"])
@admin_required
def key_person_categories():
    """Every category with its own fields, follow-up interval and how many are listed;
    the form below adds one."""
    form = NewCategoryForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            category = rules.add_category(_values(form), user=current_user)
        if saved:
            flash(_("已添加类别：%(name)s", name=category.name), "success")
            return _to_list(category)
    categories = list(
        db.session.scalars(select(KeyPersonCategory).order_by(KeyPersonCategory.is_active.desc(), KeyPersonCategory.id))
    )
    return render_template(
        "registry/key_person_categories.html",
        form=form,
        categories=categories,
        counts=rules.active_listing_counts(),
        fields={c.id: category_fields(c) for c in categories},
    )


@bp.route("/key-person-categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_key_person_category(category_id: int):
    category = db.get_or_404(KeyPersonCategory, category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        with saving(form) as saved:
            changed = rules.update_category(category, _values(form), user=current_user)
        if saved:
            flash(_("已保存。") if changed else _("没有修改。"), "success")
            return _to_list(category)
    return render_template(
        "registry/key_person_category_form.html", form=form, category=category, fields=category_fields(category)
    )


@bp.route("/key-person-categories/<int:category_id>/toggle", methods=["POST"])
@admin_required
def toggle_key_person_category(category_id: int):
    category = db.get_or_404(KeyPersonCategory, category_id)
    rules.set_category_active(category, not category.is_active, user=current_user)
    db.session.commit()
    return _to_list(category)
