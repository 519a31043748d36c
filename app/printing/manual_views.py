"""Work-manual pages for staff: the list, each page and its history for everyone
signed in; the editor of the county's pages for county administrators only (404 for
others, as for the other county reference lists). A community's own pages are read
by the community and its grids and written by station, town and county staff whose
area holds it. The manual as a PDF, with a community's pages after the county's
(audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth import audit
from app.auth.roles import Permission
from app.core.rendering import pdf_download
from app.core.scoping import get_visible_or_404, is_visible, scoped_select
from app.extensions import db
from app.org.models import Division
from app.printing import bp, manual
from app.printing.forms import ManualPageForm, NewManualPageForm
from app.printing.manual_models import ManualPage
from app.printing.views import audit_print


def _page_or_404(slug: str) -> ManualPage:
    """The page, if it is the county's or a community's the user's area holds."""
    page = manual.page_by_slug(slug)
    if page is None or not is_visible(page):
        abort(404)
    return page


def _editable_communities() -> list[Division]:
    """Communities whose own pages the user may write: stations, town and county staff
    (those who keep grid data), within their area."""
    if not current_user.can(Permission.EDIT_GRID_DATA):
        return []
    return list(
        db.session.scalars(
            scoped_select(Division)
            .where(Division.level == "community", Division.status == "active")
            .order_by(Division.code)
        )
    )


def may_edit(page: ManualPage) -> bool:
    if page.division_id is None:
        return current_user.can(Permission.EDIT_COUNTY_SETTINGS)
    return any(c.id == page.division_id for c in _editable_communities())


def _community_pages() -> list[tuple[Division, list[ManualPage]]]:
    """The communities' own pages the user may read, by community."""
    pages = list(
        db.session.scalars(
            scoped_select(ManualPage)
            .where(ManualPage.division_id.is_not(None))
            .order_by(ManualPage.division_id, ManualPage.sort_order, ManualPage.id)
        )
    )
    grouped: dict[int, list[ManualPage]] = {}
    for page in pages:
        grouped.setdefault(page.division_id, []).append(page)
    communities = {d.id: d for d in db.session.scalars(select(Division).where(Division.id.in_(grouped)))}
    return sorted(((communities[i], p) for i, p in grouped.items()), key=lambda pair: pair[0].code)


@bp.route("/manual/")
@login_required
def manual_index():
    """The manual's table of contents: the county's pages, then each community's own."""
    return render_template(
        "printing/manual_index.html",
        pages=manual.ordered_pages(),
        community_pages=_community_pages(),
        editable=_editable_communities(),
    )


@bp.route("/manual/print.pdf")
@login_required
def manual_print():
    """The whole manual as a PDF, one sheet break per page; with ?division_id= a
    community (or one of its grids), its own pages follow the county's."""
    division_id = request.args.get("division_id", type=int)
    community = None
    if division_id:
        community = manual.community_of(get_visible_or_404(Division, division_id))
        if community is None:
            abort(404)
    pages = manual.ordered_pages(community)
    result = manual.manual_pdf(pages)
    audit_print(_("工作手册"), community.name if community else _("全县"), len(pages), result)
    return pdf_download(result.pdf, _("工作手册"))


@bp.route("/manual/<slug>")
@login_required
def manual_page(slug: str):
    """One page, rendered."""
    page = _page_or_404(slug)
    return render_template(
        "printing/manual_page.html", page=page, html=manual.render_markdown(page.body), may_edit=may_edit(page)
    )


@bp.route("/manual/new", methods=["GET", "POST"])
@login_required
def manual_new():
    """A community's own page (楼栋长职责, 文明卫生公约 …), printed after the county's."""
    communities = _editable_communities()
    if not communities:
        abort(403)
    form = NewManualPageForm()
    form.division_id.choices = [(c.id, c.name) for c in communities]
    if request.method == "GET":
        form.division_id.data = request.args.get("division_id", type=int) or communities[0].id
    preview = None
    status = 200
    if form.validate_on_submit():
        community = next((c for c in communities if c.id == form.division_id.data), None)
        if community is None:
            form.division_id.errors = [_("请从列表中选择。")]
        elif form.preview.data:
            preview = manual.render_markdown(form.body.data)
        else:
            try:
                page = manual.create_page(community, form.title.data, form.body.data, current_user)
            except manual.ManualError as error:
                db.session.rollback()
                form.body.errors = [str(error)]
            else:
                audit.record(
                    "manual_page_created",
                    target=page,
                    summary=f"{community.name} {page.title}",
                    detail={"slug": page.slug, "division": community.code},
                )
                db.session.commit()
                flash(_("已添加到%(name)s的工作手册。", name=community.name), "success")
                return redirect(url_for("printing.manual_page", slug=page.slug), 303)
    if request.method == "POST" and form.errors:
        status = 400
    return render_template("printing/manual_new.html", form=form, preview=preview), status


@bp.route("/manual/<slug>/edit", methods=["GET", "POST"])
@login_required
def manual_edit(slug: str):
    """Edit a page (the county's: county administrators; a community's: its station,
    town and county staff); the replaced text goes to the history."""
    page = _page_or_404(slug)
    if not may_edit(page):
        abort(404)
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
