"""The address the public reaches the app at (PUBLIC_BASE_URL), for every URL given
to someone outside the current page: tracking links, Open311 replies and discovery,
the QR code on posters. Never built from the request's Host header, which the sender
of the request chooses."""

from __future__ import annotations

from flask import current_app

# Used while PUBLIC_BASE_URL is not set: the address `scripts/run.sh` serves on, so
# the quick start works on one machine. `flask serve` warns that it is unset.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def configured_base_url() -> str | None:
    """PUBLIC_BASE_URL without a trailing slash, or None while it is not set."""
    value = (current_app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    return value or None


def base_url() -> str:
    return configured_base_url() or DEVELOPMENT_BASE_URL


def served_over_https(config) -> bool:
    return str(config.get("PUBLIC_BASE_URL") or "").strip().lower().startswith("https://")


def public_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` as the public reaches it: PUBLIC_BASE_URL
    (which includes any path prefix the app is served under) + the route's path."""
    values = dict(values)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind("public.invalid", script_name="/")
    return base_url() + adapter.build(endpoint, values)
