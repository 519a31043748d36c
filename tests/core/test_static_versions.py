"""Links to static files carry the file's version (app/core/static_files.py), so a
phone's kept copy or a browser's day-old copy never outlives a deploy: the page links
each script and style with `?v=`, the address serves the file, and a changed file
gets a new address at once."""

from __future__ import annotations

import re

from flask import url_for


def linked(html: str) -> dict[str, str]:
    """{path: version} of the scripts and styles a page links."""
    return dict(re.findall(r'(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]+)"', html))


def test_a_page_links_its_scripts_and_styles_with_their_versions(client_as, world):
    page = client_as("worker_a").get("/")
    links = linked(page.get_data(as_text=True))
    for path in ("/static/js/htmx.min.js", "/static/js/app.js", "/static/css/app.css", "/static/css/fonts.css"):
        assert path in links, path
    response = client_as("worker_a").get(f"/static/js/app.js?v={links['/static/js/app.js']}")
    assert response.status_code == 200 and b"function" in response.data
    response.close()


def test_the_public_pages_too(client, world):
    links = linked(client.get("/public/find-grid").get_data(as_text=True))
    assert "/static/css/app.css" in links


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    script = static / "js" / "field.js"
    script.write_text("var a = 1;", encoding="utf-8")
    original = app.static_folder
    app.static_folder = str(static)
    try:
        with app.test_request_context():
            first = url_for("static", filename="js/field.js")
            assert url_for("static", filename="js/field.js") == first
            script.write_text("var a = 2; // a deploy", encoding="utf-8")
            second = url_for("static", filename="js/field.js")
            missing = url_for("static", filename="js/none.js")
    finally:
        app.static_folder = original
    assert re.fullmatch(r"/static/js/field\.js\?v=[0-9a-f]{10}", first)
    assert second != first and second.startswith("/static/js/field.js?v=")
    assert missing == "/static/js/none.js"  # no file, no version: the 404 stays plain


def test_a_versioned_file_is_kept_for_good_and_the_same_for_everyone(client_as, world):
    """Its address changes with its content, so it is immutable; it varies with no
    cookie and sets none, signed in or not — a new tab does not ask for it again."""
    client = client_as("worker_a")
    links = linked(client.get("/").get_data(as_text=True))
    response = client.get(f"/static/css/app.css?v={links['/static/css/app.css']}")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Cookie" not in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers
    assert "Expires" not in response.headers
    response.close()
    # An old version's address, or none, is kept a day only.
    for address in ("/static/css/app.css?v=0000000000", "/static/css/app.css"):
        response = client.get(address)
        assert response.headers["Cache-Control"] == "public, max-age=86400", address
        response.close()
    # Pages still vary with the cookie: they are the signed-in person's.
    assert "Cookie" in client.get("/").headers["Vary"]


def test_the_favicon_is_there(client, world):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "Set-Cookie" not in response.headers
    response.close()
    assert 'rel="icon"' in client.get("/public/find-grid").get_data(as_text=True)
