"""Every page without URL arguments opens for exactly the accounts listed below, and is
refused (403 or 404) to the others, walked as each account of the test county: the
route × role answer of app/auth/roles.py's permissions, in one table."""

from __future__ import annotations

import pytest

# --- Who opens which page -------------------------------------------------------------

ACCOUNTS = ("admin", "town_a", "station_a", "worker_a", "dept", "leader_a", "sysadmin", "secadmin", "auditor")
# Not walked: files, signing in and out, first-run setup, the language switch, the
# health check, and the public pages and API (no account needed).
NOT_WALKED = {
    "static",
    "pwa.favicon",
    "auth.login",
    "auth.logout",
    "auth.setup",
    "home.set_language",
    "home.health",
}
NOT_WALKED_PREFIXES = ("/public/", "/open311/")
# A page that needs a query argument to show anything gets one.
QUERIES = {"patrols.new_chief_report": lambda world: f"?grid_id={world.grid_a.id}"}

EVERYONE = set(ACCOUNTS)
WORKING = {"admin", "town_a", "station_a", "worker_a", "dept", "leader_a"}  # not the three administrators
GRID_WORK = WORKING - {"dept"}  # SEE_GRID_WORK
EDITORS = {"admin", "town_a", "station_a", "worker_a"}  # EDIT_REGISTERS
TOWN_UP = {"admin", "town_a"}
COUNTY = {"admin"}

# Endpoint → the accounts that open it (200, or a redirect elsewhere than the login
# page); every other account is refused (403 or 404).
WHO_OPENS = {
    "admin.audit_log": {"auditor"},
    "admin.create_user": {"sysadmin"},
    "admin.users": {"sysadmin", "secadmin"},
    "assessment.accountability_board": GRID_WORK,
    "assessment.board": GRID_WORK,
    "assessment.card_list": GRID_WORK,
    "assessment.complaint_list": GRID_WORK,
    "assessment.export_board": GRID_WORK,
    "assessment.issue_card": TOWN_UP,
    "assessment.record_adjustment": TOWN_UP,
    "assessment.adjustment_list": GRID_WORK,
    "assessment.unit_board": GRID_WORK,
    "assessment.new_survey": {"admin", "town_a", "station_a"},
    "assessment.record_complaint": {"admin", "town_a", "station_a"},
    "assessment.rules": COUNTY,
    "assessment.survey_list": GRID_WORK,
    "auth.change_password": EVERYONE,
    "dashboard.index": GRID_WORK,
    "dashboard.screen": GRID_WORK,
    "home.index": EVERYONE,
    "kept_forms.alive": EVERYONE,
    "matters.export_indicators": GRID_WORK,
    "matters.holidays": COUNTY,
    "matters.hotline_import": TOWN_UP,
    "matters.hotline_receipts_export": TOWN_UP,
    "matters.hotline_template": TOWN_UP,
    "matters.indicator_table": GRID_WORK,
    "matters.matter_list": WORKING,
    "matters.matter_types": COUNTY,
    "matters.report_matter": EDITORS,
    "matters.time_limits": COUNTY,
    "matters.type_options": WORKING,
    "org.create_department": COUNTY,
    "org.create_staff": {"admin", "town_a", "station_a"},
    "org.create_team": {"admin", "town_a", "station_a"},
    "org.department_list": WORKING,
    "org.staff_list": WORKING,
    "org.team_list": WORKING,
    "org.tree": WORKING,
    "patrols.chief_reports": GRID_WORK,
    "patrols.new_chief_report": EDITORS,
    "patrols.new_patrol": EDITORS,
    "patrols.opinion_log": GRID_WORK,
    "patrols.opinion_summary": GRID_WORK,
    "patrols.log_checks": GRID_WORK,
    "patrols.patrol_compliance": GRID_WORK,
    "patrols.patrol_list": GRID_WORK,
    "printing.binder_new": GRID_WORK,
    "printing.ledgers": GRID_WORK,
    "printing.manual_index": WORKING,
    "printing.manual_new": {"admin", "town_a", "station_a"},
    "printing.manual_print": WORKING,
    "printing.publicity_index": GRID_WORK,
    "public.api_keys": COUNTY,
    "registry.bulk_households": EDITORS,
    "registry.care_tags": COUNTY,
    "registry.change_feed": GRID_WORK,
    "registry.create_group": EDITORS,
    "registry.create_point": EDITORS,
    "registry.create_partner": EDITORS,
    "registry.create_house": EDITORS,
    "registry.create_household": EDITORS,
    # Key persons: grid workers and stations (town staff only with the 综治 duty,
    # which town_a lacks; county administrators manage the categories only).
    "registry.create_key_person": {"station_a", "worker_a"},
    "registry.create_organisation": EDITORS,
    "registry.create_resident": EDITORS,
    "registry.create_shop": EDITORS,
    "registry.export_households": GRID_WORK,
    "registry.export_houses": GRID_WORK,
    "registry.export_key_persons": {"station_a", "worker_a"},
    "registry.export_organisations": GRID_WORK,
    "registry.export_rentals": GRID_WORK,
    "registry.export_residents": GRID_WORK,
    "registry.export_shops": GRID_WORK,
    "registry.group_list": GRID_WORK,
    "registry.point_list": GRID_WORK,
    "registry.partner_list": GRID_WORK,
    "registry.house_list": GRID_WORK,
    "registry.household_list": GRID_WORK,
    "registry.hub": GRID_WORK,
    "registry.import_residents": EDITORS,
    "registry.import_template": GRID_WORK,
    # The phone's web app: its manifest and service worker are fetched by the browser
    # itself (the manifest without cookies, so it opens signed out too); the page of
    # kept entries and the token for sending them. Not the three administrators', who
    # do no field work (their pages link none of it).
    "pwa.manifest": WORKING,
    "pwa.offline_page": WORKING,
    "pwa.service_worker": WORKING,
    "pwa.token": WORKING,
    "registry.key_person_categories": COUNTY,
    "registry.key_person_list": {"station_a", "worker_a"},
    "registry.organisation_list": GRID_WORK,
    "registry.rental_list": GRID_WORK,
    "registry.resident_list": GRID_WORK,
    "registry.search": GRID_WORK,
    "registry.shop_list": GRID_WORK,
    "registry.visit_class_list": COUNTY,
    "supervision.admitted_items": WORKING,
    "supervision.create_admitted_item": COUNTY,
    "supervision.create_inspection": TOWN_UP,
    "supervision.create_meeting": EDITORS,
    "supervision.create_task": TOWN_UP,
    "supervision.create_training": EDITORS,
    "supervision.hub": GRID_WORK,
    "supervision.inspection_list": GRID_WORK,
    "supervision.meeting_list": GRID_WORK,
    "supervision.rectification_list": GRID_WORK,
    "supervision.task_list": GRID_WORK,
    "supervision.training_hours": GRID_WORK,
    "supervision.training_list": GRID_WORK,
    "visits.index": GRID_WORK,
}


def walked_rules(app):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and not rule.arguments
            and rule.endpoint not in NOT_WALKED
            and not rule.rule.startswith(NOT_WALKED_PREFIXES)
        ),
        key=lambda rule: rule.endpoint,
    )


def test_the_table_names_every_page_walked(app):
    assert {rule.endpoint for rule in walked_rules(app)} == set(WHO_OPENS)


def opens(response) -> bool | None:
    """True: opened (200, or a redirect elsewhere than the login page); False: refused
    (403, 404); None: anything else, which is a failure of its own."""
    if response.status_code in (403, 404):
        return False
    if response.status_code in (301, 302, 303, 307, 308):
        return not response.headers["Location"].split("?")[0].endswith("/login")
    return True if 200 <= response.status_code < 300 else None


@pytest.mark.parametrize("username", ACCOUNTS)
def test_each_account_opens_exactly_its_pages(app, world, client_as, username):
    client = client_as(username)
    opened, odd = set(), {}
    for rule in walked_rules(app):
        query = QUERIES[rule.endpoint](world) if rule.endpoint in QUERIES else ""
        response = client.get(rule.rule + query)
        answer = opens(response)
        if answer is None:
            odd[rule.endpoint] = response.status_code
        elif answer:
            opened.add(rule.endpoint)
    expected = {endpoint for endpoint, accounts in WHO_OPENS.items() if username in accounts}
    assert {"opened but not listed": opened - expected, "listed but refused": expected - opened - set(odd)} == {
        "opened but not listed": set(),
        "listed but refused": set(),
    }
    assert odd == {}
