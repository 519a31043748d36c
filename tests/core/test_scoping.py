"""One helper decides what each user sees. The role/scope matrix, and a walk over
the whole URL map proving that every record URL answers 404 out of scope (403 for a
department handler on grid work, which is refused as a whole)."""

import re

import pytest
from sqlalchemy import select

from app.auth.roles import is_grid_work
from app.core.scoping import scoped_models, scoped_select
from app.extensions import db
from app.matters.models import MatterType
from app.org.models import Building, Division, ServiceTeam, StaffAssignment, StaffMember, StaffRole
from app.registry.people.models import CareTag, KeyPersonCategory, VisitClass
from tests.conftest import text_of
from tests.factories import START


def names_visible_to(user, model=Division):
    return {d.name for d in db.session.scalars(scoped_select(model, user))}


def test_role_scope_matrix(world):
    all_divisions = names_visible_to(world.users["admin"])
    assert {"示范县", "城关镇", "河西街道", "滨河一网格"} <= all_divisions
    assert names_visible_to(world.users["town_a"]) == {
        "城关镇",
        "东关社区",
        "李家村",
        "东关一网格",
        "东关二网格",
        "李家一网格",
    }
    assert names_visible_to(world.users["leader_a"]) == names_visible_to(world.users["town_a"])
    assert names_visible_to(world.users["station_a"]) == {"东关社区", "东关一网格", "东关二网格"}
    assert names_visible_to(world.users["worker_a"]) == {"东关一网格"}
    assert names_visible_to(world.users["worker_b"]) == {"滨河一网格"}
    assert names_visible_to(world.users["dept"]) == set()


def test_grid_worker_also_sees_grids_of_active_assignments(world):
    staff = world.staff["worker_a"]
    db.session.add(
        StaffAssignment(staff=staff, division=world.grid_a2, role=StaffRole.PART_TIME_WORKER.value, start_date=START)
    )
    db.session.commit()
    assert names_visible_to(world.users["worker_a"]) == {"东关一网格", "东关二网格"}


def test_ended_assignment_no_longer_opens_a_grid(world):
    from datetime import date

    db.session.add(
        StaffAssignment(
            staff=world.staff["worker_a"],
            division=world.grid_b,
            role=StaffRole.VOLUNTEER.value,
            start_date=START,
            end_date=date(2024, 6, 30),
        )
    )
    db.session.commit()
    assert "滨河一网格" not in names_visible_to(world.users["worker_a"])


def test_buildings_staff_and_teams_follow_the_divisions(world):
    worker = world.users["worker_a"]
    assert {b.address for b in db.session.scalars(scoped_select(Building, worker))} == {"东关路1号"}
    assert {s.name for s in db.session.scalars(scoped_select(StaffMember, worker))} == {"员工chief_a", "员工worker_a"}
    assert names_visible_to(world.users["station_a"], ServiceTeam) == {"东关社区调解队"}
    assert names_visible_to(worker, ServiceTeam) == set()
    assert len(list(db.session.scalars(scoped_select(Building, world.users["admin"])))) == 2


def test_grid_worker_pages_show_only_their_grid(client_as, world):
    client = client_as("worker_a")
    tree = text_of(client.get("/divisions/"))
    assert "东关一网格" in tree and "东关二网格" not in tree and "滨河一网格" not in tree
    staff = text_of(client.get("/staff/"))
    assert "员工worker_a" in staff and "员工worker_b" not in staff


# --- The URL-map walk --------------------------------------------------------------

# Public pages and the Open311 API (app/public) answer everyone alike, signed in or
# not, so scope cannot make them 404: they name grids and communities by their
# division codes and matters by number (never by record id) and show public fields
# only, masked — tests/public checks what they show.
PUBLIC_PARAMS = {"grid_code", "community_code", "service_code", "service_request_id", "fmt"}
# Work-manual pages (/manual/<slug>, /manual/<slug>/versions/<number>) are county-wide
# reference text every signed-in user reads: named by slug and a page's version
# number, not records of any division (tests/printing/test_manual.py checks who may edit).
MANUAL_PARAMS = {"slug", "number"}
# URL parameters that are not records.
# A binder job's token: jobs belong to the user who started them (anyone else,
# and any unknown token, gets 404), so it is not a record of a division.
BINDER_PARAMS = {"token"}
# A form kept across the idle timeout belongs to the account that typed it; anyone
# else is sent to the start page with nothing shown (tests/auth/test_kept_forms.py).
KEPT_FORM_PARAMS = {"kept_id"}
# The administrators' settings pages are named by group (system, security).
SETTING_GROUPS = {"group"}
# A calendar year's holiday arrangement (county-wide, administrators only:
# tests/auth/test_permission_walk.py).
CALENDAR_PARAMS = {"year"}
NOT_RECORDS = (
    {"code", "filename"}
    | PUBLIC_PARAMS
    | MANUAL_PARAMS
    | BINDER_PARAMS
    | KEPT_FORM_PARAMS
    | SETTING_GROUPS
    | CALENDAR_PARAMS
)
# Names of a step (the matters loop): walked with one value, not an integer.
STEP_NAMES = {"action": ["verify"]}
# Departments are county-wide reference data (duty phone numbers), in everyone's
# scope by design; their pages are checked for 200/403 below instead of 404.
COUNTY_WIDE = {"department_id"}
# County reference lists that only administrators change (care tags, visit classes,
# key-person categories): for anyone else every such URL is 404, like any record
# outside their scope.
ADMIN_REFERENCE = {"tag_id", "visit_class_id", "category_id", "type_id", "api_key_id"}
# Records only the administrators of 三员分立 handle: audit alerts, paused addresses.
ADMINISTRATION = {"event_id", "throttle_id"}


def _an_api_key_id() -> int:
    from app.matters.models import ApiKey

    key = ApiKey(name="walk", key_hash="0" * 64, prefix="walk")
    db.session.add(key)
    db.session.commit()
    return key.id


def out_of_scope_records(world):
    """For each URL parameter: ids of records outside worker_a's scope (grid 东关一网格)."""
    team_b = world.teams["team_b"]
    return {
        "division_id": [world.grid_b.id, world.community_b.id, world.town_b.id, world.county.id, world.grid_a2.id],
        "building_id": [world.building_b.id],
        "staff_id": [world.staff["worker_b"].id],
        "assignment_id": [world.staff["worker_b"].assignments[0].id],
        "team_id": [team_b.id, world.teams["team_a"].id],
        "membership_id": [team_b.memberships[0].id],
        "user_id": [world.users["worker_b"].id, world.users["worker_a"].id],
        "department_id": [world.department.id],
        "household_id": [world.households["b"].id],
        "member_id": [world.households["b"].current_members[0].id],
        "resident_id": [world.residents["b"].id],
        **{f"{name}_id": [record.id] for name, record in world.records["b"].items()},
        "tag_id": [db.session.scalar(select(CareTag.id))],
        "visit_class_id": [db.session.scalar(select(VisitClass.id))],
        "category_id": [db.session.scalar(select(KeyPersonCategory.id))],
        "type_id": [db.session.scalar(select(MatterType.id))],
        "api_key_id": [_an_api_key_id()],
        **_administration_records(),
        "handover_id": [_a_handover_id(world)],
    }


def _a_handover_id(world) -> int:
    """A handover of grid B (its pack a stand-in: the walk only asks for it)."""
    from app.adjustments.models import Handover

    staff = world.staff["worker_b"]
    record = Handover(
        grid_id=world.grid_b.id,
        assignment_id=staff.assignments[0].id,
        leaver_id=staff.id,
        successor_id=staff.id,
        handed_over_on=START,
        pack_sha256="0" * 64,
        pack_pdf=b"%PDF-1.7",
    )
    db.session.add(record)
    db.session.commit()
    return record.id


def _administration_records() -> dict[str, list[int]]:
    from datetime import timedelta

    from app.auth.models import AuditEvent, LoginThrottle
    from app.core.timeutil import utcnow

    alert = AuditEvent(action="refusal_burst", actor_name="worker_b", summary="walk")
    paused = LoginThrottle(
        kind="address", key="198.51.100.7", failed_login_count=20, locked_until=utcnow() + timedelta(minutes=15)
    )
    db.session.add_all([alert, paused])
    db.session.commit()
    return {"event_id": [alert.id], "throttle_id": [paused.id]}


def record_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        yield rule


def test_every_url_parameter_is_known(app):
    """A new record route must be added to the walk below (and scoped in the app)."""
    known = (
        set(NOT_RECORDS)
        | set(COUNTY_WIDE)
        | set(ADMIN_REFERENCE)
        | ADMINISTRATION
        | {
            "division_id",
            "building_id",
            "staff_id",
            "assignment_id",
            "team_id",
            "membership_id",
            "user_id",
            "household_id",
            "member_id",
            "resident_id",
            "key_person_id",
            "follow_up_id",
            "house_id",
            "rental_id",
            "tenant_id",
            "shop_id",
            "organisation_id",
            "group_id",
            "group_member_id",
            "matter_id",
            "photo_id",
            "visit_id",
            "patrol_id",
            "finding_id",
            "opinion_id",
            "chief_report_id",
            "meeting_id",
            "decision_id",
            "training_id",
            "admitted_item_id",
            "task_id",
            "target_id",
            "inspection_id",
            "rectification_id",
            "card_id",
            "survey_id",
            "complaint_id",
            "point_id",
            "partner_id",
            "adjustment_id",
            "area_id",
            "handover_id",
        }
        | set(STEP_NAMES)
    )
    unknown = {(rule.rule, arg) for rule in record_rules(app) for arg in rule.arguments if arg not in known}
    assert not unknown, f"add these URL parameters to the scope walk: {unknown}"


def _session_csrf(client) -> dict:
    """The signed-in session's CSRF token, as every page carries it: the walk below
    forges requests with a valid session, so that scope, not CSRF, refuses them."""
    match = re.search(r'"X-CSRFToken": "([^"]*)"', client.get("/").get_data(as_text=True))
    return {"csrf_token": match.group(1)} if match else {}


@pytest.mark.slow  # a walk of every record URL, GET and POST (the fast lane leaves walks out)
@pytest.mark.parametrize("username", ["worker_a", "dept", "station_a"])
def test_every_record_url_is_404_out_of_scope(app, world, client_as, username):
    """Forged requests: every record URL outside the user's scope, GET and POST."""
    client = client_as(username)
    token = _session_csrf(client)
    records = {**out_of_scope_records(world), **STEP_NAMES}
    if username == "station_a":  # the station sees grid_a2 and team_a: only test the far side
        records["division_id"] = [world.grid_b.id, world.community_b.id, world.town_b.id]
        records["team_id"] = [world.teams["team_b"].id]
        records["user_id"] = [world.users["worker_b"].id]
    checked = 0
    for rule in record_rules(app):
        if set(rule.arguments) & NOT_RECORDS:
            continue
        if set(rule.arguments) & COUNTY_WIDE:
            continue
        columns = [records[arg] for arg in sorted(rule.arguments)]
        for combination in zip(
            *[c if len(c) == max(map(len, columns)) else c * max(map(len, columns)) for c in columns]
        ):
            url = app.url_map.bind("localhost").build(rule.endpoint, dict(zip(sorted(rule.arguments), combination)))
            # A department handler does no grid work: those pages are 403 whatever the
            # record (tests/auth/test_permissions.py); the rest, such as another
            # department's matters, 404 like everyone's.
            expected = 403 if username == "dept" and is_grid_work(rule.endpoint) else 404
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data=dict(token))
                assert response.status_code == expected, f"{username} {method} {url} → {response.status_code}"
                checked += 1
    assert checked >= 20


def test_county_wide_department_pages(app, world, client_as):
    """Forged posts to the department pages by someone who may only read them: 403."""
    client = client_as("worker_b")
    token = _session_csrf(client)
    for rule in record_rules(app):
        if set(rule.arguments) & COUNTY_WIDE:
            url = app.url_map.bind("localhost").build(rule.endpoint, {"department_id": world.department.id})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                status = client.open(url, method=method, data=dict(token)).status_code
                assert status in ((200,) if method == "GET" and "edit" not in rule.rule else (403,)), (
                    method,
                    url,
                    status,
                )


def test_every_scoped_model_has_a_rule():
    assert {Division, Building, StaffMember, StaffAssignment, ServiceTeam} <= set(scoped_models())


def test_record_ids_in_urls_are_integers(app):
    for rule in record_rules(app):
        for arg in set(rule.arguments) - NOT_RECORDS - set(STEP_NAMES):
            assert re.search(rf"<int:{arg}>", rule.rule), rule.rule


def test_key_persons_are_seen_only_by_grid_station_and_governance_staff(world):
    from app.registry.people.models import KeyPerson

    who_sees = lambda user: {k.grid_id for k in db.session.scalars(scoped_select(KeyPerson, user))}
    assert who_sees(world.users["worker_a"]) == {world.grid_a.id}
    assert who_sees(world.users["station_a"]) == {world.grid_a.id}
    assert who_sees(world.users["town_a"]) == set()  # town staff without the 综治 duty
    assert who_sees(world.users["leader_a"]) == set()
    assert who_sees(world.users["admin"]) == set()
    world.users["town_a"].governance_duty = True
    db.session.commit()
    assert who_sees(world.users["town_a"]) == {world.grid_a.id}
