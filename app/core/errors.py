"""Error pages in the user's language that show nothing of the server's insides.

Every HTTP error the app or Werkzeug raises (400, 403, 404, 405, 413, 500 …) gets
the same page in the person's language: what happened and what to do, never a
traceback, an exception's text or Werkzeug's English description. An exception a
view did not handle is logged (by Flask) and answered with the 500 page after the
database session is rolled back; if even that page cannot be rendered (the
database is gone), a bare page without the site's frame says the same.

A save the database refused for a reason the person can act on is not a 500: busy
(another long write held the database past the busy timeout) and a full disk are 503
pages that say so and that nothing was saved, a unique constraint lost even after the
request was run again (app/core/conflicts.py) is 409. htmx forms show the same words
above themselves.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core import conflicts

log = logging.getLogger(__name__)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _texts(code: int) -> tuple[str, str]:
    """The title and the message of an error page."""
    if code == 400:
        return _("请求有误"), _("提交的内容无法处理。请返回上一页检查后重新提交。")
    if code == 403:
        return _("无权访问"), _("您的账号没有执行此操作的权限。")
    if code == 404:
        return _("页面不存在"), _("您要找的页面不存在，或不在您的管辖范围内。")
    if code == 405:
        return _("无法这样访问"), _("这个地址不能这样打开。请从页面上的链接或按钮进入。")
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return _("文件过大"), _(
            "一次提交的内容合计超过 %(mb)s MB，没有收到。请按浏览器的“后退”返回（已填写的内容仍在），"
            "缩小或减少照片、文件后再提交。",
            mb=_megabytes(limit),
        )
    if code == 429:
        return _("操作过于频繁"), _("请稍后再试。")
    if code >= 500:
        return _("服务器出错"), _(
            "处理您的请求时出错，这次操作可能没有完成。请稍后重试；如果一再出现，请告诉系统管理员出错的时间和操作。"
        )
    return _("无法完成请求"), _("这个请求无法完成（错误代码 %(code)d）。请返回上一页重试。", code=code)


def _bare(code: int, title: str, message: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{code} · {escape(title)}'
        f"</title></head><body><h1>{code} · {escape(title)}</h1><p>{escape(message)}</p>"
        f'<p><a href="/">{escape(_("返回首页"))}</a></p></body></html>'
    )


def page(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = _texts(code)
    title, message = title or default_title, message or default_message
    try:
        html = render_template("errors/error.html", code=code, title=title, message=message)
    except Exception:  # the page's frame needs the database, the session, the templates
        log.exception("the error page could not be rendered")
        html = _bare(code, title, message)
    return html, code


def _unsaved(code: int, title: str, message: str, retry_after: int | None = None):
    """A save that did not happen: the page says why; an htmx form, which swaps
    nothing on an error, shows the same words above itself (X-Error-Message, read by
    static/js/app.js) and keeps what was typed."""
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:
        log.exception("rolling back after a failed save failed")
    html, code = page(code, title, message)
    headers = {}
    if request.headers.get("HX-Request"):
        headers["X-Error-Message"] = quote(title + _("：") + message)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return html, code, headers


def busy_page():
    return _unsaved(
        503,
        _("系统繁忙，未保存"),
        _(
            "有人正在保存大批数据，这次操作等了一会儿仍没有轮到，没有保存。请按浏览器的“后退”返回"
            "（已填写的内容仍在），稍等几秒再提交。"
        ),
        retry_after=5,
    )


def disk_full_page():
    return _unsaved(
        503,
        _("磁盘空间不足，未保存"),
        _(
            "服务器的磁盘已满，这次操作没有保存。请按浏览器的“后退”返回（已填写的内容仍在），"
            "并告诉系统管理员清理磁盘；查看记录不受影响。"
        ),
    )


def conflict_page():
    return _unsaved(
        409,
        _("同时保存冲突，未保存"),
        _("几乎同一时刻有人保存了相同的内容，这次没有保存。请按浏览器的“后退”返回，刷新页面检查后再提交。"),
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.response is not None:
            return error  # a redirect, or a response made by the view itself
        html, code = page(error.code)
        # Keep what the status needs (405: Allow), not Werkzeug's body or its type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return html, code, headers

    @app.errorhandler(InternalServerError)
    def server_error(_error):
        # Reached in production (PROPAGATE_EXCEPTIONS off) for any exception a view
        # did not handle; Flask has logged it with its traceback already.
        from app.extensions import db

        try:
            db.session.rollback()
        except Exception:
            log.exception("rolling back after an error failed")
        return page(500)

    @app.errorhandler(DBAPIError)
    def database_refused(error: DBAPIError):
        # Busy (SQLite's busy timeout ran out behind a long import; a PostgreSQL lock
        # or deadlock), full, or a unique constraint lost twice: a page that says so,
        # never a 500. Anything else is a bug: re-raised, logged and answered with 500.
        if conflicts.is_disk_full(error):
            log.error("disk full: a save was refused: %s", error.orig)
            return disk_full_page()
        if conflicts.is_busy(error):
            log.warning("database busy: a request gave up waiting: %s", error.orig)
            return busy_page()
        if conflicts.is_unique_violation(error):
            return conflict_page()
        raise error

    @app.errorhandler(OSError)
    def file_refused(error: OSError):
        if conflicts.is_disk_full(error):
            log.error("disk full: a file was not written: %s", error)
            return disk_full_page()
        raise error

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return page(400, _("页面已过期"), _("表单已过期或来源不明，请返回刷新页面后重新提交。"))
