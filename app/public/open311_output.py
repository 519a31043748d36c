"""Open311 responses in both formats the spec names: XML (schemaless, no namespace,
with the XML declaration) and JSON (its Spark-convention mapping), UTF-8 in both,
and the spec's error list."""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree

from flask import current_app

from app.core.text import clean_text
from app.core.timeutil import to_local


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # Rows stored before control characters were refused on input must not make the
    # whole feed unparseable.
    return clean_text(str(value))


def xml_document(root: str, item: str, rows: list[dict] | dict) -> bytes:
    top = ElementTree.Element(root)
    for row in rows if isinstance(rows, list) else [rows]:
        parent = ElementTree.SubElement(top, item) if item else top
        for key, value in row.items():
            child = ElementTree.SubElement(parent, key)
            if isinstance(value, list):  # a service definition's attributes
                for entry in value:
                    sub = ElementTree.SubElement(child, "attribute")
                    for k, v in entry.items():
                        ElementTree.SubElement(sub, k).text = _xml_value(v)
            else:
                child.text = _xml_value(value)
    return _declared(top)


def respond(fmt: str, payload, root: str, item: str, status: int = 200):
    if fmt == "xml":
        response = current_app.response_class(xml_document(root, item, payload), status=status, mimetype="text/xml")
        response.charset = "utf-8"
        return response
    return json_response(payload, status)


def json_response(payload, status: int = 200):
    """UTF-8 JSON in the spec's field order (not sorted, not \\u-escaped)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, status=status, content_type="application/json; charset=utf-8")


def error(fmt: str, status: int, description: str):
    return respond(fmt, [{"code": status, "description": description}], "errors", "error", status)


def w3(value: datetime | None) -> str | None:
    """2026-11-22T09:30:00+08:00: ISO 8601 with the offset, as the spec requires."""
    return to_local(value).isoformat(timespec="seconds") if value is not None else None


def discovery(fmt: str, payload: dict):
    """The service discovery document (its endpoints' formats are lists)."""
    if fmt != "xml":
        return json_response(payload)
    top = ElementTree.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ElementTree.SubElement(top, key).text = payload[key]
    endpoints = ElementTree.SubElement(top, "endpoints")
    for entry in payload["endpoints"]:
        node = ElementTree.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ElementTree.SubElement(node, key).text = entry[key]
        formats = ElementTree.SubElement(node, "formats")
        for value in entry["formats"]:
            ElementTree.SubElement(formats, "format").text = value
    return current_app.response_class(_declared(top), mimetype="text/xml")


def _declared(top) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, encoding="unicode").encode()
