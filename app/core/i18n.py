"""Locale selection: zh_CN unless the person chose English (a cookie)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from app.extensions import babel

LOCALE_COOKIE = "gridbook_lang"
# Each language is offered under its own name, whatever the current locale.
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    from flask import current_app

    chosen = request.cookies.get(LOCALE_COOKIE) if request else None
    if chosen is not None and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS_DIR))
