"""In a real browser under the Content-Security-Policy (app/core/security.py): the
main pages of every kind of account load, with htmx working, and the browser reports
no violation; the policy really is enforced (an inline script does not run); the
questions that used to be inline onclick handlers are still asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_scope_and_login import log_in

pytestmark = pytest.mark.browser

# Collects the browser's securitypolicyviolation events (an init script comes from the
# test driver, not from the page, so the policy does not stop it).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' '
                           + e.sourceFile + ':' + e.lineNumber);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__violations || []")


def visit_all(page, live_server, paths) -> list[str]:
    found = []
    for path in paths:
        response = page.goto(live_server(path))
        assert response.status < 400, f"{path}: {response.status}"
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}, path
        page.wait_for_load_state("load")
        found += [f"{path}: {v}" for v in violations(page)]
    return found


def menu_paths(page, live_server) -> list[str]:
    hrefs = page.locator("nav.menu a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if h.startswith("/")]


def test_main_pages_report_no_policy_violation(page, live_server, world_ids):
    page.add_init_script(RECORD_VIOLATIONS)
    found = visit_all(
        page,
        live_server,
        [
            "/login",
            f"/public/grids/{_grid_code(live_server, world_ids)}/",
            f"/public/grids/{_grid_code(live_server, world_ids)}/report",
            "/public/track",
        ],
    )
    log_in(page, live_server, "admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    paths = menu_paths(page, live_server)
    assert len(paths) >= 12, paths
    found += visit_all(
        page,
        live_server,
        ["/"] + paths + ["/publicity/", "/dashboard/screen", f"/divisions/{world_ids.grid_a}", "/admin/api-keys/"],
    )
    page.context.clear_cookies()
    log_in(page, live_server, "worker_a")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    found += visit_all(page, live_server, ["/"] + menu_paths(page, live_server))
    assert not found, "\n".join(found)


def test_htmx_works_under_the_policy(page, live_server, world_ids):
    """The resident list filters as one types (an htmx GET), with allowEval off."""
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server, "admin")
    page.goto(live_server("/residents/"))
    assert page.evaluate("window.htmx.config.allowEval") is False
    rows = page.locator("#resident-rows")
    expect(rows).to_contain_text("张伟")
    with page.expect_response(lambda r: "/residents/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#q").fill("李娜")
    expect(rows).to_contain_text("李娜")
    expect(rows).not_to_contain_text("张伟")
    assert violations(page) == []


def test_the_policy_blocks_an_inline_script(context, live_server, world_ids):
    """The check above would see a violation: one injected here is reported and the
    inline script does not run. (A page of its own: the `page` fixture fails on any.)"""
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server("/login"))
    page.evaluate("""() => {
        window.__ran = false;
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true;';
        document.body.appendChild(s);
    }""")
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is False
    assert any(v.startswith("script-src") for v in violations(page))
    page.close()


def test_a_delete_button_still_asks_first(page, live_server, world_ids):
    """post_button(confirm=…): the question is asked by static/js/app.js."""
    log_in(page, live_server, "worker_a")
    page.goto(live_server(f"/visits/grids/{world_ids.grid_a}"))
    page.get_by_role("link", name="登记走访").first.click()
    page.get_by_label("走访情况").fill("户主在家，一切正常")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("户主在家，一切正常")
    detail = page.url
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="删除").click()
    assert questions == ["确定删除这条走访记录？"]
    assert page.url == detail
    expect(page.locator("main")).to_contain_text("户主在家，一切正常")
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="删除").click()
    expect(page).not_to_have_url(detail)
    assert questions == ["确定删除这条走访记录？"] * 2


def _grid_code(live_server, world_ids) -> str:
    from app.extensions import db
    from app.org.models import Division

    with live_server.app.app_context():
        code = db.session.get(Division, world_ids.grid_a).code
        db.session.remove()
    return code
