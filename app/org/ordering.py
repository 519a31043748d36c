"""The order people expect in lists and choices: numbers inside names by their value
(1号楼, 2号楼 … 10号楼; room 101, 102 … 1001) and Chinese names by pinyin (李四,
王五, 张三), not by code point (which puts 10号楼 before 2号楼 and 张 before 李 at
random).

One key, `sort_key`, for every list sorted in Python. Lists paginated in SQL cannot
use it: residents are ordered by their stored `name_pinyin` (computed the same way,
see app.registry.people.services.pinyin_keys), and building numbers, units and rooms, for
which nothing is stored, by `natural_order` — shorter first, then the text — which
gives the same order whenever the names differ only in their numbers (1号楼 … 10号楼,
101 … 1001) on SQLite and PostgreSQL alike.

It lives in app.org because buildings are org's and the registry already builds on
org; the registry uses it for its own lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin
from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

DIGITS = re.compile(r"(\d+)")
T = TypeVar("T")


@lru_cache(maxsize=8192)
def sort_key(text: str | None) -> tuple:
    """A key that orders numbers by value and Chinese by pinyin: "10号楼" after
    "2号楼", "李四" before "张三". Text runs compare by their toneless pinyin (other
    characters as they are, letters ignoring case), then by the characters
    themselves, so that homophones keep a fixed order; digit runs by value."""
    parts = DIGITS.split((text or "").strip())
    # split() alternates text and digits (text first), so the same position always
    # holds the same kind of value and the tuples compare.
    return tuple((int(part), part) if index % 2 else (_spelled(part), part) for index, part in enumerate(parts))


def _spelled(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL)).lower()


def natural_order(column) -> tuple[ColumnElement, ColumnElement]:
    """ORDER BY terms for a column of numbers-in-text that has no stored key: by
    length, then text — 1号楼, 2号楼, 10号楼; 101, 102, 1001."""
    return func.length(column), column


def buildings_in_order(buildings: Iterable[T]) -> list[T]:
    """Buildings by number (naturally), then name."""
    return sorted(buildings, key=lambda b: (sort_key(b.number), sort_key(b.name), b.id))


def people_in_order(people: Iterable[T]) -> list[T]:
    """People (residents, staff: anything with a name and an id) in pinyin order."""
    return sorted(people, key=lambda p: (sort_key(p.name), p.id))
