"""The demo seed leaves the tables it filled analysed: the first pages after it are planned for the
partners, contacts and timeline it wrote, however late autovacuum comes by."""

import pytest
from django.db import connection

from partners.demo.seeding import RECORD_MODELS, demo_seed
from partners.models import Activity, Contact, Partner

pytestmark = pytest.mark.django_db
TABLES = [model._meta.db_table for model in (Partner, Contact, Activity, *RECORD_MODELS)]


def _db_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _last_analysed() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the statistics as they are now
        cursor.execute(
            "SELECT relname, pg_stat_get_last_analyze_time(oid) FROM pg_class WHERE relname = ANY(%s)", [TABLES]
        )
        return dict(cursor.fetchall())


def test_the_seed_analyses_every_table_it_filled(manager):
    # given
    before = _db_now()
    # when
    result = demo_seed(partners=12, seed=3)
    # then
    assert result.partners == 12
    analysed = _last_analysed()
    assert sorted(analysed) == sorted(TABLES)
    assert all(at is not None and at >= before for at in analysed.values()), analysed
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Partner._meta.db_table])
        assert cursor.fetchone()[0] == Partner.objects.count() == 12
