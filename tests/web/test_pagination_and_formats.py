from __future__ import annotations

import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.web.format import money, parse_money, percent
from pb.web.pagination import paginate


def test_paginate_counts_and_clamps(session) -> None:
    for i in range(53):
        session.add(AuditEntry(action=f"test.{i}"))
    session.flush()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    page = paginate(session, stmt, 2, per_page=25)
    assert (page.total, page.pages, len(page.items), page.has_prev, page.has_next) == (53, 3, 25, True, True)
    assert page.items[0].action == "test.25"
    assert paginate(session, stmt, 99, per_page=25).page == 3
    assert paginate(session, stmt, "nonsense", per_page=25).page == 1
    assert paginate(session, stmt, 1, per_page=5).window() == [1, 2, 3, None, 11]


def test_money_formats_by_language(app) -> None:
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("fr"):
            assert money(12_345_00) == "12\u202f345\xa0€"
            assert money(12_345_50) == "12\u202f345,50\xa0€"
            assert percent(0.1234) == "12,3\xa0%"
        with force_locale("en"):
            assert money(12_345_00) == "€12,345"
            assert percent(0.1234) == "12.3%"


def test_parse_money_accepts_what_people_type() -> None:
    assert parse_money("150 000") == 15_000_000
    assert parse_money("150.000 €") == 15_000_000
    assert parse_money("1 250,50 €") == 125_050
    assert parse_money("1250.5") == 125_050
    assert parse_money("1,250.50") == 125_050
    assert parse_money("1.250,50") == 125_050
    assert parse_money("0") == 0


def test_parse_money_refuses_what_it_cannot_read() -> None:
    import pytest

    for bad in ("", "abc", "-5", "1,234,5", "12,34,567", "1.234,567.89", "1,2345"):
        with pytest.raises(ValueError):
            parse_money(bad)


def test_paginate_list() -> None:
    from pb.web.pagination import paginate_list

    page = paginate_list(list(range(120)), 3, per_page=50)
    assert (page.items, page.pages, page.total) == (list(range(100, 120)), 3, 120)
    assert paginate_list([], 5).items == [] and paginate_list([], 5).page == 1
