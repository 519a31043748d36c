"""Work-manual pages for staff: the list, each page and its history for everyone
signed in; the editor for county administrators only (404 for others, as
for the other county reference lists); the whole manual as a PDF (audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import audit
from app.auth.decorators import admin_required
from app.core.rendering import pdf_download
from app.extensions import db
from app.printing import bp, manual
from app.printing.forms import ManualPageForm
from app.printing.views import audit_print


def _page_or_404(slug: str):
    page = manual.page_by_slug(slug)
    if page is None:
        abort(404)
    return page


@bp.route("/manual/")
@login_required
def manual_index():
    """The manual's table of contents."""
    return render_template("printing/manual_index.html", pages=manual.ordered_pages())


@bp.route("/manual/print.pdf")
@login_required
def manual_print():
    """The whole manual as a PDF, one sheet break per page."""
    pages = manual.ordered_pages()
    result = manual.manual_pdf(pages)
    audit_print(_("工作手册"), _("全县"), len(pages), result)
    return pdf_download(result.pdf, _("工作手册"))


@bp.route("/manual/<slug>")
@login_required
def manual_page(slug: str):
    """One page, rendered."""
    page = _page_or_404(slug)
    return render_template("printing/manual_page.html", page=page, html=manual.render_markdown(page.body))


@bp.route("/manual/<slug>/edit", methods=["GET", "POST"])
@admin_required
def manual_edit(slug: str):
    """Edit a page (county administrators); the replaced text goes to the history."""
    page = _page_or_404(slug)
    form = ManualPageForm(obj=page)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = manual.render_markdown(form.body.data)
        else:
            try:
                changed = manual.save_page(page, form.title.data, form.body.data, current_user)
            except manual.ManualError as error:
                db.session.rollback()
                form.body.errors = [str(error)]
            else:
                if changed:
                    audit.record(
                        "manual_page_saved",
                        target=page,
                        summary=page.title,
                        detail={"slug": page.slug, "version": manual.current_number(page)},
                    )
                    db.session.commit()
                    flash(_("已保存，原内容已存入修改记录。"), "success")
                else:
                    flash(_("内容没有变化，未保存新版本。"), "info")
                return redirect(url_for("printing.manual_page", slug=page.slug), 303)
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template("printing/manual_edit.html", page=page, form=form, preview=preview), status


@bp.route("/manual/<slug>/history")
@login_required
def manual_history(slug: str):
    """Every earlier text of the page: who saved it and when."""
    page = _page_or_404(slug)
    return render_template("printing/manual_history.html", page=page, number=manual.current_number(page))


@bp.route("/manual/<slug>/versions/<int:number>")
@login_required
def manual_version(slug: str, number: int):
    """An earlier text of the page, rendered."""
    page = _page_or_404(slug)
    version = manual.version_of(page, number)
    if version is None:
        abort(404)
    return render_template(
        "printing/manual_version.html", page=page, version=version, html=manual.render_markdown(version.body)
    )
