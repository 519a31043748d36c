"""The session cookie, left off what is the same for everyone.

Flask adds `Vary: Cookie` to every response whose request looked at the session, and
this app's guards look at it on every request (who is signed in). On a static file
that told every cache — the browser's included — that the file might differ per
cookie, so a new tab asked again for each script and style sheet. Static files are
public bytes: no cookie is set or varied on them."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

# Endpoints whose answer is the same file for everyone.
PUBLIC_FILES = frozenset({"static", "pwa.favicon"})


class SessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session, response) -> None:
        if request.endpoint in PUBLIC_FILES:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
