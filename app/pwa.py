"""The installable web app of the grid worker's phone (docs/phone.md, "No signal, no
loss"): the manifest, the service worker served from the site's root (so that it
may keep the field pages), the page of entries kept on the phone, and a fresh form
token for sending them when the signal is back."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.core.offline import MAX_QUEUE_AGE

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#a01c1c"  # base.html's <meta name="theme-color">


@bp.route("/manifest.webmanifest")
def manifest():
    body = {
        "name": _("网格通"),
        "short_name": _("网格通"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/favicon.ico")
def favicon():
    """The app icon at the address browsers ask for by themselves (a page of theirs
    asks before reading the page's <link rel="icon">): the same bytes for everyone,
    kept for a day like the unversioned static files."""
    path = Path(current_app.static_folder or "") / "favicon.ico"
    return send_file(path, mimetype="image/vnd.microsoft.icon", max_age=24 * 3600)


@bp.route("/sw.js")
def service_worker():
    """static/js/sw.js from the root, so that its scope is the whole site; never kept
    by the browser's HTTP cache, so a new version is found on the next visit."""
    path = Path(current_app.static_folder or "") / "js" / "sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline/")
@login_required
def offline_page():
    """Entries kept on this phone: waiting for signal, or refused by the server and
    waiting for the person (static/js/offline.js fills the lists from the phone's
    storage). Also what the phone shows when a page it has not kept is opened
    without signal."""
    return render_template("pwa/offline.html", max_days=MAX_QUEUE_AGE.days)


@bp.route("/offline/token")
def token() -> Response:
    """A fresh CSRF token for sending the entries kept on the phone: the one in a
    kept form may have expired, or belong to a session that has ended. Only to the
    signed-in account (the page's own script reads it; another site cannot).

    Signed out: 401, not the redirect every page gives. A script asks for this, and
    a redirect it followed would render the sign-in page — a new form token in the
    session, under the sign-in form the person is filling in ("页面已过期")."""
    if not current_user.is_authenticated:
        return Response(status=401)
    return jsonify({"csrf": generate_csrf(), "user": current_user.id})
