"""The rules of the public side: reports from residents (throttled per client by a
salted hash of its address, never the address itself), the service catalogue the
intake form and Open311 share, the timeline and results a member of the public may
see — units instead of staff names, personal data masked — and Open311 API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.core.conflicts import serialize
from app.core.forms import RuleError
from app.core.identity import check_phone
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters import reference, reporting
from app.matters import services as matters
from app.matters.models import ApiKey, Matter, MatterType
from app.org.models import Division

# Overridable in instance/config.py (docs/features-public.md, "Settings and tests").
DEFAULT_REPORTS_PER_HOUR = 5
THROTTLE_WINDOW = timedelta(hours=1)
MAX_PUBLIC_PHOTOS = 3
# Steps that are the administration's own business: not on the public timeline.
INTERNAL_ACTIONS = {"urge", "request_extension", "refuse_extension"}


class PublicError(RuleError):
    """A public submission was refused."""


class Throttled(PublicError):
    """This client sent the most reports an hour allows."""


# --- Grids and communities by their code ---------------------------------------------


def active_division(code: str, level: str) -> Division | None:
    """The active grid or community with this code (None: unknown or retired)."""
    division = db.session.scalar(select(Division).where(Division.code == code, Division.level == level))
    return division if division is not None and division.is_active else None


def public_directory() -> list[tuple[Division, list[Division]]]:
    """Every active community with its active grids, in code order (the landing page)."""
    divisions = list(
        db.session.scalars(
            select(Division)
            .where(Division.level.in_(("community", "grid")), Division.status == "active")
            .order_by(Division.code)
        )
    )
    grids: dict[int | None, list[Division]] = {}  # by parent_id, which the model allows to be None
    for division in divisions:
        if division.level == "grid":
            grids.setdefault(division.parent_id, []).append(division)
    return [(d, grids.get(d.id, [])) for d in divisions if d.level == "community"]


# --- The service catalogue (intake form and Open311) ----------------------------------


@dataclass(frozen=True)
class Service:
    """A kind of matter the public may report: a whole class ("other … problems") or
    one leaf of the subtype tree. `code` is the Open311 service_code."""

    code: str
    class_code: str
    type_id: int | None
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]
    time_limit_days: int | None


def hidden_classes() -> set[str]:
    """Classes Open311 neither offers nor lists (OPEN311_HIDDEN_CLASSES): security
    leads and disputes are between the people involved and the staff."""
    return set(current_app.config.get("OPEN311_HIDDEN_CLASSES", ("order", "dispute")))


def catalogue(open311: bool = False) -> list[Service]:
    """Per class: the class itself, then its active leaf subtypes."""
    types = list(
        db.session.scalars(
            select(MatterType)
            .where(MatterType.is_active)
            .order_by(MatterType.class_code, MatterType.sort_order, MatterType.id)
        )
    )
    parents = {t.parent_id for t in types if t.parent_id}
    # Leaves grouped under their parent (公用设施, 道路交通 …), in the tree's order.
    types.sort(
        key=lambda t: ((t.parent.sort_order, t.parent.id) if t.parent else (t.sort_order, t.id), t.sort_order, t.id)
    )
    hidden = hidden_classes() if open311 else set()
    services = []
    for class_code, label in reference.CLASSES.items():
        if class_code in hidden:
            continue
        group = str(label)
        services.append(
            Service(
                class_code,
                class_code,
                None,
                _("%(name)s（其他）", name=group),
                _("不属于下列小类的%(name)s问题", name=group),
                group,
                (group,),
                None,
            )
        )
        for matter_type in types:
            if matter_type.class_code != class_code or matter_type.id in parents:
                continue
            keywords = tuple(k for k in (matter_type.parent.name if matter_type.parent else "", group) if k)
            description = matter_type.path
            if matter_type.time_limit_days:
                description += " · " + _("处置时限 %(n)d 个工作日", n=matter_type.time_limit_days)
            services.append(
                Service(
                    str(matter_type.id),
                    class_code,
                    matter_type.id,
                    matter_type.name,
                    description,
                    group,
                    keywords,
                    matter_type.time_limit_days,
                )
            )
    return services


def find_service(code: str, open311: bool = False) -> Service | None:
    return next((s for s in catalogue(open311) if s.code == code), None)


def service_of(matter: Matter) -> tuple[str, str]:
    """(service_code, service_name) of a matter: its subtype, else its class."""
    if matter.matter_type is not None:
        return str(matter.matter_type.id), matter.matter_type.name
    return matter.class_code, matter.class_label


# --- Reporting ------------------------------------------------------------------------


def client_fingerprint(client: str) -> str:
    """A salted SHA-256 (HMAC keyed with the app's secret) of the client address or
    API key: equal for the same client, useless for finding out who it was."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, client.encode(), hashlib.sha256).hexdigest()


def reports_per_hour() -> int:
    return int(current_app.config.get("PUBLIC_REPORTS_PER_HOUR", DEFAULT_REPORTS_PER_HOUR))


def check_throttle(fingerprint: str, now: datetime) -> None:
    """Refuse the submission when this client already sent the hourly maximum.
    Runs inside the write transaction, taken in turn per client (BEGIN IMMEDIATE on
    SQLite, a lock on PostgreSQL), so two tabs cannot both slip under the limit."""
    serialize("public_report", fingerprint)
    limit = reports_per_hour()
    recent = db.session.execute(
        select(func.count(Matter.id)).where(
            Matter.submitter_fingerprint == fingerprint, Matter.created_at >= now - THROTTLE_WINDOW
        )
    ).scalar_one()
    if recent >= limit:
        raise Throttled(_("提交过于频繁：同一网络每小时最多提交 %(n)d 件，请稍后再试，急事请拨打 12345。", n=limit))


@dataclass
class PublicReport:
    service: Service
    grid: Division
    description: str
    address: str
    reporter_name: str = ""
    reporter_phone: str = ""
    is_anonymous: bool = False
    latitude: float | None = None
    longitude: float | None = None


def report(values: PublicReport, fingerprint: str, *, throttle: bool = True, now: datetime | None = None) -> Matter:
    """A matter from the public (source 群众网上提交, no reporting account)."""
    now = now or utcnow()
    if throttle:
        check_throttle(fingerprint, now)
    if not values.grid.is_grid or not values.grid.is_active:
        raise PublicError(_("这个网格已撤销，请从网格通首页重新选择。"))
    phone = values.reporter_phone.strip()
    if phone and not values.is_anonymous:
        checked = check_phone(phone)
        if checked.error:
            raise PublicError(checked.error, "reporter_phone")
        phone = checked.number
    try:
        return reporting.report(
            reporting.MatterValues(
                class_code=values.service.class_code,
                type_id=values.service.type_id,
                description=values.description,
                grid=values.grid,
                source="online",
                address=values.address,
                reporter_name=values.reporter_name[:32],
                reporter_phone=phone[:32],
                is_anonymous=values.is_anonymous,
                latitude=values.latitude,
                longitude=values.longitude,
                submitter_fingerprint=fingerprint,
            ),
            reporter=None,
            now=now,
        )
    except matters.MatterError as error:
        raise PublicError(str(error), error.field) from None


def find_by_code(code: str) -> Matter | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    return db.session.scalar(select(Matter).where(Matter.tracking_code == code))


def rate(matter: Matter, rating: str, note: str, now: datetime | None = None) -> None:
    try:
        matters.rate_by_code(matter, rating, note, now=now)
    except matters.MatterError as error:
        raise PublicError(str(error), error.field) from None


# --- What the public may read ----------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    action_label: str
    unit: str
    detail: str


def _unit_of(step) -> str:
    """Who took a step, as the public sees it: the unit, never a person."""
    user = step.actor
    if user is None:
        return _("群众")
    if user.scope_department is not None:
        return user.scope_department.name
    if user.scope_division is not None:
        return user.scope_division.name
    return _("工作人员")


def public_timeline(matter: Matter) -> list[PublicStep]:
    steps = []
    for step in matter.steps:
        if step.action in INTERNAL_ACTIONS:
            continue
        detail = step.detail or {}
        text = ""
        if step.action in ("dispatch", "escalate") and detail.get("to"):
            text = _("转至 %(unit)s", unit=detail["to"])
        elif step.action == "approve_extension" and detail.get("days"):
            text = _("延长 %(n)d 个工作日", n=detail["days"])
        elif step.action == "rate" and detail.get("rating"):
            text = reference.label(reference.RATINGS, detail["rating"])
        elif step.action == "merge" and detail.get("into"):
            text = _("并入事件 %(number)s", number=detail["into"])
        steps.append(PublicStep(step.at, step.action_label, _unit_of(step), text))
    return steps


def board_statement(community: Division) -> Select:
    """Closed and published matters of the community's grids (retired ones too),
    the latest first — never those of the classes kept out of Open311 (disputes,
    security leads), even one published before the rule (or the setting) changed."""
    return (
        select(Matter)
        .join(Division, Matter.grid_id == Division.id)
        .where(
            Division.code.startswith(community.code),
            Matter.status == "closed",
            Matter.published_at.is_not(None),
            Matter.class_code.notin_(hidden_classes()),
        )
        .order_by(Matter.closed_at.desc(), Matter.id.desc())
    )


# --- Open311 API keys ------------------------------------------------------------------


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(name: str) -> tuple[ApiKey, str]:
    """A new key: the caller shows `raw` once; only its SHA-256 is kept."""
    name = name.strip()
    if not name:
        raise PublicError(_("请填写使用这个密钥的单位或应用。"), "name")
    raw = secrets.token_urlsafe(30)
    key = ApiKey(name=name[:64], key_hash=hash_key(raw), prefix=raw[:8])
    db.session.add(key)
    db.session.flush()
    return key, raw


def api_key_for(raw: str | None, now: datetime | None = None) -> ApiKey | None:
    """The active key with this value (its last use noted), or None."""
    if not raw or len(raw) > 128:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw.strip())))
    if key is None or not key.is_active:
        return None
    key.last_used_at = now or utcnow()
    return key
