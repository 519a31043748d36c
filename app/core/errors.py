"""Error pages in the user's language that show nothing of the server's insides.

Every HTTP error the app or Werkzeug raises (400, 403, 404, 405, 413, 500 …) gets
the same page in the person's language: what happened and what to do, never a
traceback, an exception's text or Werkzeug's English description. An exception a
view did not handle is logged (by Flask) and answered with the 500 page after the
database session is rolled back; if even that page cannot be rendered (the
database is gone), a bare page without the site's frame says the same.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

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

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return page(400, _("页面已过期"), _("表单已过期或来源不明，请返回刷新页面后重新提交。"))
