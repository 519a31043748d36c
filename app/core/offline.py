"""Entries made on a phone without signal (docs/phone.md, "No signal, no loss").

The phone's service worker (static/js/sw.js) keeps a field form sent without a
connection and sends it again once there is one, with two headers:
`X-Gridbook-Queued: 1` and `X-Gridbook-Entered-At`, the ISO time the person pressed
保存 on the phone. The form carries its own one-time token (app/core/once.py), so a
replay, however often, saves once.

- The time is taken only when it is not after now (+ CLOCK_SKEW: a phone's clock
  running fast) and not older than MAX_QUEUE_AGE. Otherwise the form is refused at
  its top with a message (`Form.validate`, app/core/forms.py), so the person gets the
  filled form back, as any refusal.
- Every record of a kind with `EnteredOffline`'s column created in such a request
  gets `entered_at`; its own created time stays the arrival time.
- `offline_page()` marks the few field pages the worker may keep on the phone
  (the `X-Gridbook-Offline` header); the service worker stores only pages so marked,
  and never one that showed a full ID or phone number.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, g, has_request_context, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.location import CLOCK_SKEW
from app.core.timeutil import to_local, utcnow

ENTERED_AT_HEADER = "X-Gridbook-Entered-At"
QUEUED_HEADER = "X-Gridbook-Queued"
OFFLINE_HEADER = "X-Gridbook-Offline"
# How long an entry may wait on the phone; once.KEEP_FOR outlasts it, so a replay days
# later is still answered once.
MAX_QUEUE_AGE = timedelta(days=7)
# The pages a grid worker may open without signal (their GET answers only). Key
# persons, revealed numbers, exports, prints, administration and login are not here.
OFFLINE_ENDPOINTS = frozenset(
    {
        "home.index",
        "visits.index",
        "visits.grid_due",
        "visits.grid_visits",
        "visits.household_visit_list",
        "visits.new_visit",
        "visits.visit_detail",
        "patrols.patrol_list",
        "patrols.new_patrol",
        "patrols.patrol_detail",
        "patrols.opinion_log",
        "patrols.new_chief_report",
        "matters.matter_list",
        "matters.report_matter",
        "matters.matter_detail",
        "pwa.offline_page",
    }
)


class EnteredOffline:
    """When the record was entered on the phone, if it waited there for signal
    (None: sent at once). Its created time is when it arrived."""

    entered_at: Mapped[datetime | None] = mapped_column(default=None)


def entered_at() -> datetime | None:
    """This request's accepted entered-on-the-phone time (naive UTC), if any."""
    return g.get("entered_at") if has_request_context() else None


def refusal() -> str | None:
    """The message refusing this request's entered-at time, if it must be refused."""
    return g.get("entered_at_refusal") if has_request_context() else None


def _parse(raw: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None)


def _before_request():
    if request.method != "POST":
        return None
    raw = request.headers.get(ENTERED_AT_HEADER)
    if raw is None:
        return None
    value = _parse(raw)
    now = utcnow()
    if value is None or value > now + CLOCK_SKEW:
        g.entered_at_refusal = _(
            "手机上记录的录入时间有误（晚于现在或无法识别），没有保存。请核对手机的日期和时间，检查内容后再保存。"
        )
    elif value < now - MAX_QUEUE_AGE:
        g.entered_at_refusal = _(
            "这条记录是 %(time)s 在手机上录入的，在手机上等待上传已超过 %(days)s 天，没有保存。"
            "请核对内容（日期等）后重新保存。",
            time=format_datetime(to_local(value), "yyyy-MM-dd HH:mm"),
            days=MAX_QUEUE_AGE.days,
        )
    else:
        g.entered_at = value
    return None


def _stamp(session: Session, _context, _instances) -> None:
    when = entered_at()
    if when is None:
        return
    for record in session.new:
        if isinstance(record, EnteredOffline) and record.entered_at is None:
            record.entered_at = when


def offline_page() -> bool:
    """Whether this answer is a field page the phone may keep for use without signal."""
    return request.method == "GET" and request.endpoint in OFFLINE_ENDPOINTS and not g.get("full_numbers_shown")


def _after_request(response):
    if response.status_code == 200 and response.mimetype == "text/html" and offline_page():
        response.headers[OFFLINE_HEADER] = "page"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_before_request)
    app.after_request(_after_request)
    if not event.contains(Session, "before_flush", _stamp):
        event.listen(Session, "before_flush", _stamp)
