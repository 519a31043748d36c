"""Page-or-fragment rendering, template filters and the few globals templates need."""

from __future__ import annotations

from io import BytesIO
from os import PathLike
from pathlib import Path

from flask import Flask, Response, abort, g, has_request_context, make_response, render_template, request, send_file
from flask_babel import format_date, format_datetime, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_environment
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from app.core.i18n import LANGUAGE_NAMES
from app.core.location import describe as describe_position
from app.core.masking import is_printing, mask_id_number, mask_numbers, mask_phone
from app.core.offline import OFFLINE_ENDPOINTS
from app.core.scoping import sees_division
from app.core.timeutil import local_today, to_local
from app.extensions import htmx


def wants_fragment(target_id: str) -> bool:
    """True when htmx asked to swap exactly this element. Boosted links and
    navigation also send HX-Request, so a bare `if htmx` is not enough."""
    return bool(htmx) and not htmx.boosted and htmx.target == target_id


def render_page(template: str, fragment: str | None = None, target_id: str | None = None, **context) -> Response:
    """Render the whole page, or only `fragment` when htmx targets `target_id`.
    The page template includes the same fragment, so both stay in step."""
    if fragment and target_id and wants_fragment(target_id):
        body = render_template(fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes | str | PathLike[str], mimetype: str, filename: str) -> Response:
    """A download never kept in a cache: it may hold personal data, and station PCs
    are shared."""
    source = BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def private_photo(path: Path | None) -> Response:
    """A stored photo (a staff member's, a matter's, a finding's) shown in the page,
    after the caller's scope check; never kept in a cache. 404 when its file is gone."""
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def xlsx_download(payload: bytes, name: str) -> Response:
    """An xlsx attachment named `name-YYYYMMDD.xlsx` (today's local date)."""
    return _attachment(payload, XLSX_MIMETYPE, f"{name}-{local_today():%Y%m%d}.xlsx")


def pdf_download(pdf: bytes | str | PathLike[str], name: str) -> Response:
    """A PDF attachment named `name-YYYYMMDD.pdf` (today's local date), from its bytes
    or from a file (a finished binder)."""
    return _attachment(pdf, "application/pdf", f"{name}-{local_today():%Y%m%d}.pdf")


def _local_datetime(value, fmt="yyyy-MM-dd HH:mm"):
    if value is None:
        return ""
    return format_datetime(to_local(value).replace(tzinfo=None), fmt, rebase=False)


def _local_date(value, fmt="yyyy-MM-dd"):
    return "" if value is None else format_date(value, fmt)


def numbers_masked() -> bool:
    """Whether what is rendered now shows ID numbers and mobiles masked: in every print,
    and on the pages of anyone who may not see full numbers (anonymous visitors,
    leaders, department handlers; Permission.REVEAL_NUMBERS may)."""
    if is_printing():
        return True
    if not has_request_context():
        return False
    from app.auth.roles import Permission  # (app.auth imports this module)

    return not current_user.can(Permission.REVEAL_NUMBERS)


def _finalize(value):
    """Every value a template outputs ({{ … }}) passes here: text gets its ID numbers
    and mobiles masked when numbers_masked(). Markup (form widgets, the output of
    `_()` with values) is left alone: values put into a translated sentence go through
    the `free_text` filter, and numbers that are not personal (staff work phones,
    licence and credit codes, 12345 work order numbers) through `not_personal`."""
    if type(value) is not str:
        if not isinstance(value, LazyString):
            return value
        # A lazy translation would go out unescaped (LazyString.__html__), values and all.
        value = str(value)
    if len(value) < 11:
        return value
    if not numbers_masked():
        _note_full_numbers(value)
        return value
    return mask_numbers(value)


def _note_full_numbers(text: str) -> None:
    """A field page the phone might keep (app/core/offline.py) that shows a full ID or
    mobile number is not kept: noted here, where such numbers would be masked."""
    if (
        has_request_context()
        and request.endpoint in OFFLINE_ENDPOINTS
        and not g.get("full_numbers_shown")
        and mask_numbers(text) != text
    ):
        g.full_numbers_shown = True


def _free_text(value) -> str:
    """For a value put into a translated sentence: masked as _finalize would mask it."""
    text = "" if value is None else str(value)
    if numbers_masked():
        return mask_numbers(text)
    if len(text) >= 11:
        _note_full_numbers(text)
    return text


@pass_environment
def _truncate(env, value, *args, **kwargs) -> str:
    """Jinja's truncate, masking first: a number cut in half would not be found after."""
    text = "" if value is None else str(value)
    if numbers_masked():
        text = mask_numbers(text)
    elif len(text) >= 11:
        _note_full_numbers(text)
    return do_truncate(env, text, *args, **kwargs)


def _not_personal(value) -> Markup:
    """A number shown as it is to everyone: a staff member's or department's work
    phone (on the public posters anyway), a licence or credit code, a 12345 work order."""
    return escape("" if value is None else value)


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = _finalize
    app.jinja_env.filters["free_text"] = _free_text
    app.jinja_env.filters["not_personal"] = _not_personal
    app.jinja_env.filters["truncate"] = _truncate
    app.jinja_env.filters["local_datetime"] = _local_datetime
    app.jinja_env.filters["local_date"] = _local_date
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["sees_division"] = sees_division
    app.jinja_env.globals["position_text"] = describe_position

    @app.context_processor
    def _globals():
        return {
            "current_path": request.path if request else "/",
            "locale_code": str(get_locale() or "zh_CN"),
            "language_names": LANGUAGE_NAMES,
        }
