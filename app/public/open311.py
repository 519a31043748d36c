"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in
JSON and XML: the service list, service definitions, requests (GET with the spec's
filters; POST with an API key) and one request. Public fields only: reporters'
names, phones and e-mails are stored, never returned, and free text is masked.

Where a POSTed request goes: the spec has no grid, so `address_id` carries the
15-digit code of the grid (our "internal address ID"), or `attribute[grid_code]`
does; without either the county's OPEN311_DEFAULT_GRID (a grid code, for its
command centre to re-route) receives it. GET responses give the grid code back as
`address_id`. Security leads and disputes (OPEN311_HIDDEN_CLASSES) are neither
offered nor listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.addresses import public_url
from app.core.timeutil import to_local, utcnow
from app.extensions import csrf, db
from app.matters import reference
from app.matters.models import Matter
from app.matters.services import time_limits
from app.org.models import Division
from app.public import bp, masking, services
from app.public import open311_output as output

PREFIX = "/open311/v2"
FORMATS = "<any(json, xml):fmt>"
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
# Field order of a request, as the spec lists them.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Services -------------------------------------------------------------------------


def _service_dict(service: services.Service) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(service.keywords),
        "group": service.group,
    }


@bp.route(f"{PREFIX}/services.{FORMATS}")
def open311_services(fmt: str):
    """GET Service List."""
    return output.respond(fmt, [_service_dict(s) for s in services.catalogue(open311=True)], "services", "service")


@bp.route(f"{PREFIX}/services/<service_code>.{FORMATS}")
def open311_service_definition(service_code: str, fmt: str):
    """GET Service Definition: no service needs extra attributes (metadata false)."""
    if services.find_service(service_code, open311=True) is None:
        return output.error(fmt, 404, _("service_code %(code)s 不存在。", code=service_code))
    return output.respond(fmt, {"service_code": service_code, "attributes": []}, "service_definition", "")


@bp.route(f"/open311/discovery.{FORMATS}")
def open311_discovery(fmt: str):
    """Service Discovery: where the GeoReport v2 endpoint is and what it speaks."""
    endpoint = public_url("public.open311_services", fmt="json").rsplit("/services.json", 1)[0]
    payload = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": _("县网格化服务管理中心"),
        "key_service": _("向县级管理员申请 API 密钥。"),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": endpoint,
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return output.discovery(fmt, payload)


# --- Requests ---------------------------------------------------------------------------


def _status(matter: Matter) -> str:
    return "open" if matter.is_open else "closed"


def _status_notes(matter: Matter) -> str:
    notes = matter.status_label
    if matter.status == "closed" and matter.published_at is not None and matter.result:
        notes += _("：") + masking.public_result(matter)
    elif matter.status == "merged" and matter.merged_into is not None:
        notes += _("：并入 %(number)s", number=matter.merged_into.number)
    return notes


def _updated(matter: Matter) -> datetime:
    if matter.status == "closed" and matter.closed_at is not None:
        return matter.closed_at
    return matter.updated_at or matter.created_at


def _expected(matter: Matter) -> datetime | None:
    if matter.is_open:
        return matter.handle_due_at or matter.due_at
    return matter.handle_due_at


def _address(matter: Matter, names: set[str]) -> str:
    """Most specific first, as the spec asks: the place, the grid, up to the county."""
    parts = [
        masking.mask_text(matter.place, names),
        matter.grid.name,
        *(d.name for d in reversed(matter.grid.ancestors())),
    ]
    return ", ".join(p for p in parts if p)


def _coordinates_shown(matter: Matter) -> tuple[float | None, float | None]:
    """A matter's lat/long as a public report gave them; a position a worker's phone
    took (a matter reported by staff, or from a patrol finding) is personal data of
    the worker: given only once the matter is published (公示), as the results board
    shows it."""
    if (matter.reporter_id is None and matter.located_at is None) or matter.published_at is not None:
        return matter.latitude, matter.longitude
    return None, None


def request_dict(matter: Matter) -> dict:
    """One service request with the spec's fields, public data only."""
    names = masking.personal_names(matter)
    code, name = services.service_of(matter)
    notice = (
        _("处置时限 %(n)d 个工作日", n=matter.matter_type.time_limit_days)
        if matter.matter_type is not None and matter.matter_type.time_limit_days
        else None
    )
    latitude, longitude = _coordinates_shown(matter)
    values = {
        "service_request_id": matter.number,
        "status": _status(matter),
        "status_notes": _status_notes(matter),
        "service_name": name,
        "service_code": code,
        "description": masking.mask_text(matter.description, names)[:MAX_DESCRIPTION],
        "agency_responsible": matter.handler_label or matter.owner_division.name,
        "service_notice": notice,
        "requested_datetime": output.w3(matter.created_at),
        "updated_datetime": output.w3(_updated(matter)),
        "expected_datetime": output.w3(_expected(matter)),
        "address": _address(matter, names),
        "address_id": matter.grid.code,
        "zipcode": None,
        "lat": latitude,
        "long": longitude,
        "media_url": None,
    }
    return {key: values[key] for key in REQUEST_FIELDS}


def _listed():
    return (
        select(Matter)
        .where(Matter.class_code.notin_(services.hidden_classes()))
        .options(
            selectinload(Matter.grid),
            selectinload(Matter.matter_type),
            selectinload(Matter.steps),
            selectinload(Matter.residents),
        )
    )


def _split(name: str) -> list[str]:
    """A comma-delimited argument that may also be given several times."""
    return [v.strip() for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]


def _parse_w3(name: str) -> datetime | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, _("%(name)s 须为 W3C 日期时间格式，如 2026-01-01T00:00:00+08:00。", name=name)
        ) from None
    if value.tzinfo is None:  # no offset given: the county's local time
        value = value.replace(tzinfo=to_local(utcnow()).tzinfo)
    return value.astimezone(UTC).replace(tzinfo=None)


def _filtered():
    ids = _split("service_request_id")
    statement = _listed()
    if ids:  # "This overrides all other arguments."
        return statement.where(Matter.number.in_(ids[:MAX_REQUESTS]))
    start, end = _parse_w3("start_date"), _parse_w3("end_date")
    if start and end and end - start > DEFAULT_SPAN:
        raise Open311Error(400, _("start_date 与 end_date 相隔不能超过 90 天。"))
    if start and end and end < start:
        raise Open311Error(400, _("end_date 早于 start_date。"))
    if start is None and end is None:
        end = utcnow()
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    statement = statement.where(Matter.created_at >= start, Matter.created_at <= end)
    codes = _split("service_code")
    if codes:
        class_codes = [c for c in codes if c in reference.CLASSES]
        type_ids = [int(c) for c in codes if c.isdigit()]
        if len(class_codes) + len(type_ids) < len(codes):
            raise Open311Error(
                400,
                _(
                    "未知的 service_code：%(codes)s。",
                    codes=", ".join(c for c in codes if c not in class_codes and not c.isdigit()),
                ),
            )
        statement = statement.where(
            (Matter.type_id.in_(type_ids)) | (Matter.class_code.in_(class_codes) & Matter.type_id.is_(None))
        )
    statuses = _split("status")
    if statuses:
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        if statuses == ["open"] or set(statuses) == {"open"}:
            statement = statement.where(Matter.status.in_(reference.OPEN_STATUSES))
        elif set(statuses) == {"closed"}:
            statement = statement.where(Matter.status.notin_(reference.OPEN_STATUSES))
    return statement


@bp.route(f"{PREFIX}/requests.{FORMATS}", methods=["GET"])
def open311_requests(fmt: str):
    """GET Service Requests: the latest 1,000 of at most 90 days (default: the last 90)."""
    try:
        statement = _filtered()
    except Open311Error as error:
        return output.error(fmt, error.status, error.description)
    matters = db.session.scalars(statement.order_by(Matter.created_at.desc(), Matter.id.desc()).limit(MAX_REQUESTS))
    return output.respond(fmt, [request_dict(m) for m in matters], "service_requests", "request")


@bp.route(f"{PREFIX}/requests/<service_request_id>.{FORMATS}")
def open311_request(service_request_id: str, fmt: str):
    """GET Service Request (by our matter number)."""
    matter = db.session.scalar(_listed().where(Matter.number == service_request_id))
    if matter is None:
        return output.error(fmt, 404, _("service_request_id %(id)s 不存在。", id=service_request_id))
    return output.respond(fmt, [request_dict(matter)], "service_requests", "request")


# --- POST Service Request ---------------------------------------------------------------


def _grid_for_post() -> Division:
    code = (request.form.get("address_id") or request.form.get("attribute[grid_code]") or "").strip()
    if not code:
        code = str(current_app.config.get("OPEN311_DEFAULT_GRID") or "")
        if not code:
            raise Open311Error(400, _("请用 address_id（或 attribute[grid_code]）给出 15 位网格编码。"))
    grid = services.active_division(code, "grid")
    if grid is None:
        raise Open311Error(400, _("address_id %(code)s 不是在用的网格编码。", code=code))
    return grid


def _coordinates() -> tuple[float | None, float | None]:
    lat, long = request.form.get("lat", "").strip(), request.form.get("long", "").strip()
    if not lat and not long:
        return None, None
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        raise Open311Error(400, _("lat 和 long 须同时给出，且为 WGS84 经纬度数值。")) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Open311Error(400, _("lat 或 long 超出范围。"))
    return latitude, longitude


def _post_values() -> services.PublicReport:
    form = request.form
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    service = services.find_service(code, open311=True)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s 不存在。", code=code))
    latitude, longitude = _coordinates()
    address = (form.get("address_string") or "").strip()
    if latitude is None and not address and not form.get("address_id", "").strip():
        raise Open311Error(400, _("请给出位置：lat 和 long、address_string 或 address_id。"))
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("缺少 description。"))
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description 不能超过 4000 个字符。"))
    # Chinese order: family name first.
    name = (form.get("last_name") or "").strip() + (form.get("first_name") or "").strip()
    return services.PublicReport(
        service=service,
        grid=_grid_for_post(),
        description=description,
        address=address[:200],
        reporter_name=name,
        latitude=latitude,
        longitude=longitude,
        reporter_phone=(form.get("phone") or "").strip(),
    )


@bp.route(f"{PREFIX}/requests.{FORMATS}", methods=["POST"])
@csrf.exempt  # clients send an api_key, not a session's CSRF token
def open311_create_request(fmt: str):
    """POST Service Request (form-encoded, api_key required)."""
    key = services.api_key_for(request.values.get("api_key"))
    if key is None:
        return output.error(fmt, 403, _("api_key 无效或已停用。"))
    try:
        values = _post_values()
        matter = services.report(values, services.client_fingerprint(f"api-key:{key.id}"), throttle=False)
    except Open311Error as error:
        db.session.rollback()
        return output.error(fmt, error.status, error.description)
    except services.PublicError as error:
        db.session.rollback()
        return output.error(fmt, 400, str(error))
    extra = {k: request.form.get(k, "").strip() for k in ("email", "media_url", "device_id", "account_id")}
    extra = {k: v[:200] for k, v in extra.items() if v}
    if extra:
        # No column for these: kept on the report step for the first receiver, never returned.
        matter.steps[0].detail = {**(matter.steps[0].detail or {}), "open311": extra}
    db.session.commit()
    tracking_url = public_url("public.track", code=matter.tracking_code)
    notice = _(
        "已受理，将在 %(n)d 个工作日内核实。查询码 %(code)s，可在 %(url)s 查询进度、办结后评价。",
        n=time_limits()["verify"],
        code=matter.tracking_code,
        url=tracking_url,
    )
    return output.respond(
        fmt,
        [{"service_request_id": matter.number, "service_notice": notice, "account_id": None}],
        "service_requests",
        "request",
    )
