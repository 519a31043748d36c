"""The state machine of the matters loop — the one place that says who may take
which step from which state. Views ask `allowed_actions`; services call `check`.

    reported ──verify──▶ verified ──dispatch──▶ handling ──feed_back──▶ checking ──pass_check──▶ closed
       │  └─reject▶ invalid      │  ▲ escalate (owner moves up)  │ ▲ send_back / rework             │
       └─merge▶ merged           └──┴──────── send_back ─────────┘ └──────── rework ────────────────┘
    reported/verified ──handle_on_spot──▶ closed          closed ──publish / rate / reopen (once)

Parts a user can play on a matter:
- owner: staff at the matter's owner level or above, whose scope covers the owner
  division (a town's command centre may take over what a station has not done);
- handler: the department's handlers, or staff at exactly the handler level whose
  scope covers the handler division;
- checker: the owner, or the grid worker who reported it;
- grid worker: a grid worker whose scope covers the matter's grid (on-the-spot handling);
- superior: town staff over the grid and county administrators (督办).
The owner also chases (催办) a department or town holding the matter past its deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.roles import matter_department_id, matter_level
from app.matters.models import Matter

RANK = {"grid": 0, "community": 1, "town": 2, "county": 3}


def covers(user, division) -> bool:
    """The user's scope includes this division (codes nest)."""
    from app.core.scoping import visible_prefixes

    if division is None:
        return False
    prefixes = visible_prefixes(user)
    if prefixes is None:
        return True
    return any(division.code.startswith(prefix) for prefix in prefixes)


def is_owner(user, matter: Matter) -> bool:
    level = matter_level(user)
    if level not in RANK or RANK[level] < RANK.get(matter.owner_level, 9):
        return False
    return covers(user, matter.owner_division)


def is_handler(user, matter: Matter) -> bool:
    if matter.handler_level is None:
        return False
    if matter.handler_level == "department":
        department_id = matter_department_id(user)
        return department_id is not None and department_id == matter.handler_department_id
    return matter_level(user) == matter.handler_level and covers(user, matter.handler_division)


def is_reporting_grid_worker(user, matter: Matter) -> bool:
    return (
        matter.reporter_id is not None
        and matter.reporter_id == getattr(user, "id", None)
        and matter_level(user) == "grid"
    )


def is_checker(user, matter: Matter) -> bool:
    return is_owner(user, matter) or is_reporting_grid_worker(user, matter)


def is_grid_worker(user, matter: Matter) -> bool:
    return matter_level(user) == "grid" and covers(user, matter.grid)


def is_superior(user, matter: Matter) -> bool:
    level = matter_level(user)
    if level == "county":
        return True
    return level == "town" and covers(user, matter.grid)


@dataclass(frozen=True)
class Transition:
    from_statuses: tuple[str, ...]
    who: Callable[[object, Matter], bool]
    to_status: str | None  # None: stays where it is
    extra: Callable[[Matter], bool] = lambda matter: True


def _no_pending_extension(matter: Matter) -> bool:
    return matter.pending_extension is None


def _pending_extension(matter: Matter) -> bool:
    return matter.pending_extension is not None


def _may_escalate(matter: Matter) -> bool:
    return matter.owner_level in ("grid", "community", "town")


def _publishable(matter: Matter) -> bool:
    """Not yet published, and of a class the public may see: a dispute or a security
    lead is between the people involved and the staff (OPEN311_HIDDEN_CLASSES)."""
    from app.public.services import hidden_classes

    return matter.published_at is None and matter.class_code not in hidden_classes()


def _overdue_elsewhere(matter: Matter) -> bool:
    """Held past its deadline by a department or a higher level: the owner (the grid
    chief's station) chases it (催办) until it is fed back."""
    from app.core.timeutil import utcnow

    return (
        matter.handler_level in ("department", "town", "county")
        and matter.due_at is not None
        and matter.due_at < utcnow()
    )


def _unrated(matter: Matter) -> bool:
    return matter.rating is None


def _may_reopen(matter: Matter) -> bool:
    return matter.rating == "unsatisfied" and not matter.reopened and matter.handler_level is not None


TRANSITIONS: dict[str, Transition] = {
    "verify": Transition(("reported",), is_owner, "verified"),
    "reject": Transition(("reported",), is_owner, "invalid"),
    "merge": Transition(("reported",), is_owner, "merged"),
    "handle_on_spot": Transition(("reported", "verified"), is_grid_worker, "closed"),
    "dispatch": Transition(("verified",), is_owner, "handling"),
    "escalate": Transition(("reported", "verified"), is_owner, "verified", _may_escalate),
    "progress": Transition(("handling",), is_handler, None),
    "request_extension": Transition(("handling",), is_handler, None, _no_pending_extension),
    "approve_extension": Transition(("handling",), is_owner, None, _pending_extension),
    "refuse_extension": Transition(("handling",), is_owner, None, _pending_extension),
    "send_back": Transition(("handling",), is_handler, "verified"),
    "feed_back": Transition(("handling",), is_handler, "checking"),
    "pass_check": Transition(("checking",), is_checker, "closed"),
    "rework": Transition(("checking",), is_checker, "handling"),
    "publish": Transition(("closed",), is_owner, None, _publishable),
    # Staff record a rating the reporter gave by phone; the public rate with their code.
    "rate": Transition(("closed",), is_checker, None, _unrated),
    "reopen": Transition(("closed",), is_owner, "handling", _may_reopen),
    "urge": Transition(("reported", "verified", "handling", "checking"), is_superior, None),
    "chase": Transition(("handling",), is_owner, None, _overdue_elsewhere),
}


def may(user, matter: Matter, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    if transition is None or matter.status not in transition.from_statuses:
        return False
    return transition.extra(matter) and bool(transition.who(user, matter))


def allowed_actions(user, matter: Matter) -> list[str]:
    return [action for action in TRANSITIONS if may(user, matter, action)]


def next_status(matter: Matter, action: str) -> str:
    to_status = TRANSITIONS[action].to_status
    return matter.status if to_status is None else to_status
