"""Paging for lists that may hold a whole county.

An exact count of 200,000 residents costs more than the page itself (SQLite walks
the whole index), and nobody reads "page 3 of 6,667". So counting stops a little
past what the user could page to: below the cap the pager says "第 2 / 5 页，共 142
条" as usual; above it, "第 2 页，超过 1,000 条" and a next link — a nudge to narrow
the search. Statistics pages count properly; they are not lists.
"""

from __future__ import annotations

from math import ceil

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from flask_sqlalchemy.pagination import SelectPagination

from app.extensions import db

COUNT_CAP = 1000


class CappedPagination(SelectPagination):
    """flask_sqlalchemy's pagination with the count cut off at `count_cap` rows
    (or just past the current page, when someone pages further than that)."""

    def __init__(self, *args, count_cap: int, **kwargs) -> None:
        self.count_cap = count_cap
        self.total_is_exact = True
        super().__init__(*args, **kwargs)

    def _count_limit(self) -> int:
        return max(self.count_cap, self.page * self.per_page) + 1

    def _query_count(self) -> int:
        limit = self._count_limit()
        select = self._query_args["select"]
        # Only the key: the capped subquery must not drag every column along.
        sub = select.options(sa_orm.lazyload("*")).order_by(None).limit(limit).subquery()
        counted = self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar()
        self.total_is_exact = counted < limit
        return counted if self.total_is_exact else limit - 1

    @property
    def pages(self) -> int:
        if not self.total:
            return 0
        known = ceil(self.total / self.per_page)
        return known if self.total_is_exact else max(known, self.page + 1)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(statement: sa.Select, per_page: int, count_cap: int | None = None) -> CappedPagination:
    """A page of `statement` (page number from ?page=, 404 past the end) with a
    capped count. `per_page` is fixed by the page, never taken from the URL."""
    return CappedPagination(
        select=statement,
        session=db.session(),
        page=None,
        per_page=per_page,
        max_per_page=per_page,
        count_cap=count_cap or COUNT_CAP,
    )
