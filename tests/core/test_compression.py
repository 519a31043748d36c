"""Text answers are compressed for a browser that asks (Flask-Compress, COMPRESS_* in
app/config.py; docs/phone.md "Light on a prepaid plan"): pages, htmx fragments, the
app's CSS and JavaScript, JSON — gzip or brotli, decompressing to the same bytes.
Nothing is compressed for a browser that does not ask, nor below 500 bytes, nor what
is compressed already (PDF, xlsx, JPEG, WOFF2); the security headers stay."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

ROOT = Path(__file__).resolve().parents[2]
GZIP = {"Accept-Encoding": "gzip"}
# Tokens that differ from one rendering of a page to the next.
TOKENS = re.compile(r'(name="(?:csrf_token|_once|form_token)[^>]*value=")[^"]*|("X-CSRFToken": ")[^"]*')


def unpacked(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(response.data)
    if encoding == "br":
        return brotli.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",") if part.strip()}


def same_page(first: bytes, second: bytes) -> bool:
    return TOKENS.sub(r"\1\2", first.decode()) == TOKENS.sub(r"\1\2", second.decode())


def test_a_page_comes_gzipped_when_asked_and_unpacks_to_the_same_page(client_as):
    client = client_as("worker_a")
    plain = client.get("/")
    packed = client.get("/", headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert same_page(unpacked(packed), plain.data)
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)
    # The security headers are those of the uncompressed page.
    for header in ("Content-Security-Policy", "Cache-Control", "X-Frame-Options", "X-Content-Type-Options"):
        assert packed.headers[header] == plain.headers[header], header
    assert packed.headers["Cache-Control"] == "no-store"


def test_brotli_when_the_browser_offers_it(client_as):
    client = client_as("worker_a")
    plain = client.get("/matters/")
    packed = client.get("/matters/", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "br"
    assert same_page(unpacked(packed), plain.data)
    # Neither zstd nor deflate: old station browsers get gzip or nothing.
    assert "Content-Encoding" not in client.get("/matters/", headers={"Accept-Encoding": "deflate, zstd"}).headers


def test_an_htmx_fragment_comes_compressed_and_still_varies_by_hx_request(client_as):
    client = client_as("worker_a")
    headers = {"HX-Request": "true", "HX-Target": "resident-rows"}
    plain = client.get("/residents/?status=all", headers=headers)
    packed = client.get("/residents/?status=all", headers={**headers, **GZIP})
    assert "<html" not in plain.get_data(as_text=True) and len(plain.data) >= 500
    assert packed.headers["Content-Encoding"] == "gzip"
    assert same_page(unpacked(packed), plain.data)
    assert {"hx-request", "accept-encoding"} <= vary(packed)


def test_the_apps_javascript_and_css_come_gzipped_as_they_are_on_disk(client):
    for path, mimetypes in (
        ("js/htmx.min.js", ("text/javascript", "application/javascript")),
        ("css/app.css", ("text/css",)),
    ):
        plain = client.get(f"/static/{path}")
        packed = client.get(f"/static/{path}", headers=GZIP)
        on_disk = (ROOT / "static" / path).read_bytes()
        assert packed.mimetype in mimetypes
        assert "Content-Encoding" not in plain.headers and plain.data == on_disk
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert unpacked(packed) == on_disk and len(packed.data) < len(on_disk) / 2
        assert "accept-encoding" in vary(packed)
        plain.close()
        packed.close()


def test_a_static_files_etag_names_its_encoding_and_revalidates(client):
    """A cached compressed copy is revalidated with its own ETag: 304, nothing sent."""
    plain = client.get("/static/js/htmx.min.js")
    packed = client.get("/static/js/htmx.min.js", headers=GZIP)
    assert packed.headers["ETag"] != plain.headers["ETag"] and packed.headers["ETag"].endswith(':gzip"')
    again = client.get("/static/js/htmx.min.js", headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    for response in (plain, packed, again):
        response.close()


def test_json_is_compressed_and_small_answers_are_not(client, world):
    plain = client.get("/open311/v2/services.json")
    packed = client.get("/open311/v2/services.json", headers=GZIP)
    assert len(plain.data) >= 500 and packed.headers["Content-Encoding"] == "gzip"
    assert unpacked(packed) == plain.data
    small = client.get("/healthz", headers=GZIP)
    assert small.status_code == 200 and len(small.data) < 500
    assert "Content-Encoding" not in small.headers


@pytest.mark.parametrize(
    "url, start",
    [
        ("/residents/export.xlsx", b"PK"),
        ("/visits/grids/{grid}/route.pdf", b"%PDF"),
    ],
)
def test_downloads_are_not_compressed_again(client_as, world, url, start):
    client = client_as("worker_a")
    response = client.get(url.format(grid=world.grid_a.id), headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data.startswith(start)
    assert response.headers["Cache-Control"] == "private, no-store"


def test_fonts_and_photos_are_not_compressed_again(client):
    font = next((ROOT / "static" / "fonts").rglob("*.woff2")).relative_to(ROOT / "static")
    response = client.get(f"/static/{font.as_posix()}", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.data.startswith(b"wOF2")
    response.close()
