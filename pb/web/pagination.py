"""Pagination: one COUNT and one page of rows, whatever the query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to show, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
        shown = {1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)}
        result: list[int | None] = []
        previous = 0
        for n in sorted(shown):
            if n - previous > 1:
                result.append(None)
            result.append(n)
            previous = n
        return result


def paginate(session: Session, stmt: sa.Select[Any], page: int | str | None = 1, per_page: int = 25,
             *, scalars: bool = True) -> Page[Any]:
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    limited = stmt.limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(limited).unique().all() if scalars else session.execute(limited).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate_list(items: Sequence[T], page: int | str | None = 1, per_page: int = 25) -> Page[T]:
    """A page of a list already in memory (a queue merged from several queries)."""
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = min(page, max(1, -(-len(items) // per_page)))
    return Page(items=items[(page - 1) * per_page: page * per_page], page=page, per_page=per_page, total=len(items))
