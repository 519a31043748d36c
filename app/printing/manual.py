"""Work-manual pages: Markdown rendered to safe HTML, saving with version history,
a community's own pages after the county's, and the print version (one printed page break per manual page, each with its
heading) that the inspection binder will include."""

from __future__ import annotations

import secrets

import markdown
import nh3
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.org.models import Division
from app.printing.manual_models import ManualPage, ManualPageVersion
from app.printing.pdf import PrintJob, PrintResult, job_missing_glyphs, lay_out, prepare_print

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "blockquote",
    "code",
    "pre",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
MAX_BODY = 100_000
MAX_TITLE = 100


class ManualError(ValueError):
    """A save refused (empty or too long)."""


def render_markdown(text: str) -> Markup:
    """Markdown to HTML, then sanitised: no scripts, no event attributes, no
    javascript: links, whatever the author typed (raw HTML included)."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
        )
    )


def ordered_pages(community: Division | None = None) -> list[ManualPage]:
    """The county's pages in manual order (every signed-in user reads them), then the
    community's own pages when one is given."""
    order = (ManualPage.sort_order, ManualPage.id)
    pages = list(db.session.scalars(select(ManualPage).where(ManualPage.division_id.is_(None)).order_by(*order)))
    if community is not None:
        pages += db.session.scalars(select(ManualPage).where(ManualPage.division_id == community.id).order_by(*order))
    return pages


def community_of(division: Division) -> Division | None:
    """The community whose pages go with a grid's or a community's prints."""
    if division.level == "community":
        return division
    if division.level == "grid":
        return division.parent
    return None


def _cleaned(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip() + "\n"
    if not title:
        raise ManualError(_("请填写标题。"))
    if len(title) > MAX_TITLE:
        raise ManualError(_("标题不能超过 %(n)d 个字。", n=MAX_TITLE))
    if len(body) > MAX_BODY:
        raise ManualError(_("正文太长（不能超过 %(n)d 个字符）。", n=MAX_BODY))
    return title, body


def create_page(community: Division, title: str, body: str, user) -> ManualPage:
    """A community's own page, after its other pages. The slug is the community's code
    and a random tail: unique by constraint, whoever adds a page at the same moment."""
    title, body = _cleaned(title, body)
    last = db.session.scalar(select(func.max(ManualPage.sort_order)).where(ManualPage.division_id == community.id))
    page = ManualPage(
        slug=f"{community.code}-{secrets.token_hex(3)}",
        title=title,
        body=body,
        division_id=community.id,
        sort_order=(last or 0) + 1,
        updated_at=utcnow(),
        updated_by_id=user.id,
    )
    db.session.add(page)
    db.session.flush()
    return page


def page_by_slug(slug: str) -> ManualPage | None:
    return db.session.scalar(select(ManualPage).where(ManualPage.slug == slug))


def current_number(page: ManualPage) -> int:
    """The current text's version number: one more than the kept versions."""
    kept = db.session.scalar(select(func.max(ManualPageVersion.number)).where(ManualPageVersion.page_id == page.id))
    return (kept or 0) + 1


def version_of(page: ManualPage, number: int) -> ManualPageVersion | None:
    return db.session.scalar(
        select(ManualPageVersion).where(ManualPageVersion.page_id == page.id, ManualPageVersion.number == number)
    )


def save_page(page: ManualPage, title: str, body: str, user) -> bool:
    """Keep the current text as a version, then replace it. False when nothing
    changed (no version is kept for a save that changes nothing)."""
    title, body = _cleaned(title, body)
    # The page as it is now, locked until this transaction ends: two editors saving at
    # once each keep the other's text as a version, and the version numbers (one more
    # than the kept ones) never collide on PostgreSQL.
    db.session.refresh(page, with_for_update=True)
    if title == page.title and body == page.body:
        return False
    db.session.add(
        ManualPageVersion(
            page=page,
            number=current_number(page),
            title=page.title,
            body=page.body,
            saved_at=page.updated_at,
            saved_by_id=page.updated_by_id,
        )
    )
    page.title, page.body = title, body
    page.updated_at, page.updated_by_id = utcnow(), user.id
    return True


def manual_job(pages: list[ManualPage], numbered: bool = True, standalone: bool = False) -> PrintJob:
    """The pages as one A4 document: each page starts on a new sheet with its title.
    `standalone` (the manual printed on its own): a cover and a contents page with each
    page's number first; in the binder, the binder's cover and contents serve."""
    rendered = [(page, render_markdown(page.body)) for page in pages]
    county = db.session.scalar(select(Division).where(Division.parent_id.is_(None)).order_by(Division.id))
    return prepare_print(
        "print/manual.html",
        title=_("网格化管理服务工作手册"),
        confidential=True,
        numbered=numbered,
        pages=rendered,
        standalone=standalone,
        county=county,
        printed_on=local_today(),
    )


def manual_pdf(pages: list[ManualPage]) -> PrintResult:
    job = manual_job(pages, standalone=True)
    laid_out = lay_out(job)
    return PrintResult(laid_out.pdf, laid_out.pages, job_missing_glyphs(job))
