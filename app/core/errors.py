"""Error pages in the user's language."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(_error):
        return page(403, _("无权访问"), _("您的账号没有执行此操作的权限。"))

    @app.errorhandler(404)
    def not_found(_error):
        return page(404, _("页面不存在"), _("您要找的页面不存在，或不在您的管辖范围内。"))

    @app.errorhandler(413)
    def too_large(_error):
        return page(413, _("文件过大"), _("上传的内容超过了大小限制。"))

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return page(400, _("页面已过期"), _("表单已过期或来源不明，请返回刷新页面后重新提交。"))
