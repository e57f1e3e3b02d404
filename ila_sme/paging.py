"""Work proportional to what is shown: a list is read one page at a time.

A page is a LIMIT/OFFSET read of one row more than it shows, so it knows whether more follow without
counting them. ``?from=50`` asks for the rows from the 51st on; the "load more" link of the
``_macros/pager.html`` macro carries it, and a view answers its htmx request with the rows alone.

    page = paging.page_of(select(EmployeeRecord).order_by(...), size=50)
    page.items, page.has_more, page.next_url("people.index", q=search)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request, url_for

from ila_sme.extensions import db

T = TypeVar("T")
START_ARG = "from"
MAX_START = 10_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items``: the rows shown, from row ``start`` (0 is the first); ``has_more``: rows follow them."""

    items: list[T]
    start: int
    size: int
    has_more: bool

    @property
    def next_start(self) -> int | None:
        return self.start + len(self.items) if self.has_more else None

    @property
    def first(self) -> bool:
        return self.start == 0

    def next_url(self, endpoint: str, **args: Any) -> str | None:
        """The address of the next rows (arguments that are None or empty are left out)."""
        if not self.has_more:
            return None
        kept = {name: value for name, value in args.items() if value not in (None, "", False)}
        return url_for(endpoint, **kept, **{START_ARG: self.next_start})

    def previous_url(self, endpoint: str, **args: Any) -> str | None:
        """The address of the rows before these (a window that moves rather than grows)."""
        if self.first:
            return None
        kept = {name: value for name, value in args.items() if value not in (None, "", False)}
        previous = max(self.start - self.size, 0)
        return url_for(endpoint, **kept, **({START_ARG: previous} if previous else {}))

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def start_arg(args=None) -> int:
    """The first row asked for (``?from=``): 0 when missing or not a row number."""
    text = (args if args is not None else request.args).get(START_ARG, "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text, re.ASCII):
        return 0
    return min(int(text), MAX_START)


def page_of(query, *, size: int, start: int | None = None, rows: bool = False) -> Page:
    """The page of ``query`` (ordered, so pages do not overlap) from ``start`` (default: ``start_arg``).
    ``rows``: the query selects several columns (rows come back as tuples), not one entity."""
    start = start_arg() if start is None else max(start, 0)
    limited = query.limit(size + 1).offset(start)
    found = list(db.session.execute(limited).all() if rows else db.session.scalars(limited).all())
    return Page(items=found[:size], start=start, size=size, has_more=len(found) > size)


def window(items: Sequence[T], *, size: int, start: int | None = None) -> Page:
    """A page of a list already at hand (a few rows computed together, e.g. the months of a year)."""
    start = start_arg() if start is None else max(start, 0)
    return Page(items=list(items[start:start + size]), start=start, size=size, has_more=len(items) > start + size)


def wants_more() -> bool:
    """The request asks for rows after the first page: an htmx "load more" gets the rows alone."""
    return start_arg() > 0
