"""Page-or-fragment rendering, template filters and the few globals templates need."""
from __future__ import annotations

from io import BytesIO

from flask import Flask, Response, make_response, render_template, request, send_file
from flask_babel import format_date, format_datetime, get_locale

from app.core.i18n import LANGUAGE_NAMES
from app.core.masking import mask_id_number, mask_phone
from app.core.scoping import sees_division
from app.core.timeutil import local_today, to_local
from app.extensions import htmx


def wants_fragment(target_id: str) -> bool:
    """True when htmx asked to swap exactly this element. Boosted links and
    navigation also send HX-Request, so a bare `if htmx` is not enough."""
    return bool(htmx) and not htmx.boosted and htmx.target == target_id


def render_page(template: str, fragment: str | None = None, target_id: str | None = None,
                **context) -> Response:
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


def xlsx_download(payload: bytes, name: str) -> Response:
    """An xlsx attachment named `name-YYYYMMDD.xlsx`; never kept in a cache (it may
    hold personal data, and station PCs are shared)."""
    response = send_file(BytesIO(payload), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{name}-{local_today():%Y%m%d}.xlsx", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _local_datetime(value, fmt="yyyy-MM-dd HH:mm"):
    if value is None:
        return ""
    return format_datetime(to_local(value).replace(tzinfo=None), fmt, rebase=False)


def _local_date(value, fmt="yyyy-MM-dd"):
    return "" if value is None else format_date(value, fmt)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = _local_datetime
    app.jinja_env.filters["local_date"] = _local_date
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["sees_division"] = sees_division

    @app.context_processor
    def _globals():
        return {"current_path": request.path if request else "/",
                "locale_code": str(get_locale() or "zh_CN"),
                "language_names": LANGUAGE_NAMES}
