"""Write demo partners, contacts and timelines with COPY, in one transaction, safe to run twice."""

from __future__ import annotations

import gc
import io
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from partners.demo import geo, pgcopy
from partners.demo.generator import DEFAULT_SEED, DemoGenerator
from partners.demo.plans import PartnerPlan
from partners.models import Activity, Contact, Partner, Region, Vertical
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from partners.roles import Role
from prm.db import analyze

STAGE = "demo_seed_partner"
LOCK_KEY = "partners.seed_demo"
BATCH_SIZE = 5000
RECORD_MODELS = (Agreement, PartnerDocument, ReportedMetric, BusinessReview)


class DemoDataError(Exception):
    """The reference data the generator relies on (regions, verticals) is missing."""


@dataclass(frozen=True)
class SeedResult:
    partners: int = 0
    contacts: int = 0
    activities: int = 0
    skipped: int = 0  # generated partners left out because their slug was taken
    agreements: int = 0
    documents: int = 0
    metrics: int = 0
    reviews: int = 0
    existing: int | None = None  # partners found by ``if_empty``, which then wrote nothing
    seconds: float = 0.0


def demo_owner_ids() -> list[int]:
    """Partner managers own the demo partners; without any, any active staff user; else nobody."""
    staff = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("id")
    managers = staff.filter(groups__name=Role.GROUP_NAMES[Role.MANAGER]).distinct()
    return list(managers.values_list("id", flat=True)) or list(staff.values_list("id", flat=True))


def demo_seed(
    *, partners: int, seed: int = DEFAULT_SEED, if_empty: bool = False, batch_size: int = BATCH_SIZE
) -> SeedResult:
    """Add ``partners`` generated partners with their contacts and timeline; return what was written.

    The same ``partners`` and ``seed`` give the same partners (see DemoGenerator). Partners go
    through a staging table into ``INSERT … ON CONFLICT (slug) DO NOTHING``; contacts and timeline
    rows are written only for the partners inserted, so a second run adds nothing. Everything
    happens in one transaction under an advisory lock, so concurrent runs queue and an error
    leaves nothing behind. With ``if_empty``, nothing is written when any partner exists.
    """
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LOCK_KEY])
        if if_empty and Partner.objects.exists():
            return SeedResult(existing=Partner.objects.count(), seconds=time.perf_counter() - started)
        missing = geo.region_codes() - set(Region.objects.values_list("code", flat=True))
        if missing:
            raise DemoDataError(f"Region codes missing: {', '.join(sorted(missing))}; run `manage.py migrate`.")
        verticals = dict(Vertical.objects.values_list("slug", "name"))
        if not verticals:
            raise DemoDataError("No verticals exist; run `manage.py migrate`.")
        generator = DemoGenerator(
            seed=seed, now_ts=int(timezone.now().timestamp()), owner_ids=demo_owner_ids(), verticals=verticals
        )
        writer = _Writer(cursor.cursor)  # the driver's own cursor: the writer thread uses it
        with _collector_paused():
            _pipeline(generator.plans(partners), batch_size, writer.write)
        writer.close()
    if writer.partners:  # after the commit: the pages' plans should count what was just written
        analyze(Partner, Contact, Activity, *RECORD_MODELS)
    return SeedResult(
        partners=writer.partners,
        contacts=writer.contacts,
        activities=writer.activities,
        skipped=writer.skipped,
        agreements=writer.counts["agreements"],
        documents=writer.counts["documents"],
        metrics=writer.counts["metrics"],
        reviews=writer.counts["reviews"],
        seconds=time.perf_counter() - started,
    )


def _pipeline(plans: Iterator[PartnerPlan], batch_size: int, write: Callable[[list[PartnerPlan]], None]) -> None:
    """Generate the next batch while one writer thread writes the previous one.

    Generation is Python; writing is mostly PostgreSQL keeping indexes and checking foreign
    keys, so on two cores the two overlap. Until this returns, only the writer thread uses the
    connection; at most two batches are in memory. An error on either side stops both.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-demo-writer") as pool:
        pending: Future | None = None
        while batch := list(islice(plans, batch_size)):
            if pending is not None:
                pending.result()
            pending = pool.submit(write, batch)
        if pending is not None:
            pending.result()


@contextmanager
def _collector_paused():
    """Millions of short-lived tuples would trigger the cycle collector over and over; plans hold no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Writer:
    """COPY batches of plans: partners through the staging table, then their contacts and timeline."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.stamp = pgcopy.Timestamps()
        self.partners = self.contacts = self.activities = self.skipped = 0
        q = connection.ops.quote_name
        partner_table = q(Partner._meta.db_table)
        self.partner_sequence = self._sequence(Partner)
        self.contact_sequence = self._sequence(Contact)
        columns = ", ".join(q(column) for column in pgcopy.PARTNER_COLUMNS)
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        # same column types as the real table, without its generated columns
        create = f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT {columns} FROM {partner_table} WITH NO DATA"  # noqa: S608
        cursor.execute(create)
        self.copy_stage = f"COPY {STAGE} ({columns}) FROM STDIN"
        self.insert = (
            f"INSERT INTO {partner_table} ({columns}) SELECT {columns} FROM {STAGE} ORDER BY id "  # noqa: S608
            "ON CONFLICT (slug) DO NOTHING RETURNING id"
        )
        self.copy_contacts = self._copy_sql(Contact, pgcopy.CONTACT_COLUMNS)
        self.copy_activities = self._copy_sql(Activity, pgcopy.ACTIVITY_COLUMNS)
        # relationship records: (field of RecordsPlan, COPY statement, line renderer)
        self.records = [
            ("agreements", self._copy_sql(Agreement, pgcopy.AGREEMENT_COLUMNS), pgcopy.agreement_lines),
            ("documents", self._copy_sql(PartnerDocument, pgcopy.DOCUMENT_COLUMNS), pgcopy.document_lines),
            ("metrics", self._copy_sql(ReportedMetric, pgcopy.METRIC_COLUMNS), pgcopy.metric_lines),
            ("reviews", self._copy_sql(BusinessReview, pgcopy.REVIEW_COLUMNS), pgcopy.review_lines),
        ]
        self.counts = dict.fromkeys([name for name, _, _ in self.records], 0)
        # Django's foreign keys are checked at commit by default; checking each batch at once
        # moves that work (seconds for a million rows) into the pipeline, beside generation
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred AND conrelid = ANY(%s::regclass[])",
            [[model._meta.db_table for model in (Partner, Contact, Activity, *RECORD_MODELS)]],
        )
        self.deferred = ", ".join(q(name) for (name,) in cursor.fetchall())
        if self.deferred:
            cursor.execute(f"SET CONSTRAINTS {self.deferred} IMMEDIATE")

    def _sequence(self, model) -> str:
        self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        return self.cursor.fetchone()[0]

    @staticmethod
    def _copy_sql(model, columns) -> str:
        q = connection.ops.quote_name
        return f"COPY {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) FROM STDIN"

    def _reserve(self, sequence: str, count: int) -> list[int]:
        """Ids from the table's own sequence, so contacts and timeline rows can name their partner."""
        if not count:
            return []
        self.cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in self.cursor.fetchall()]

    def _copy(self, sql: str, data: str) -> None:
        # one read of the whole batch: each chunk would otherwise make this thread wait for the
        # interpreter lock again while the generating thread holds it
        if data:
            self.cursor.copy_expert(sql, io.StringIO(data), size=len(data))

    def write(self, batch: list[PartnerPlan]) -> None:
        stamp, cursor = self.stamp, self.cursor
        ids = self._reserve(self.partner_sequence, len(batch))
        lines = "".join(pgcopy.partner_line(pk, plan, stamp) for pk, plan in zip(ids, batch, strict=True))
        self._copy(self.copy_stage, lines)
        cursor.execute(self.insert)
        inserted = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"TRUNCATE {STAGE}")
        kept = [(pk, plan) for pk, plan in zip(ids, batch, strict=True) if pk in inserted]
        self.skipped += len(batch) - len(kept)
        contact_ids = iter(self._reserve(self.contact_sequence, sum(len(plan.contacts) for _, plan in kept)))
        contacts, activities = [], []
        for pk, plan in kept:
            own = [next(contact_ids) for _ in plan.contacts]
            contacts.append(pgcopy.contact_lines(pk, plan, own, stamp))
            activities.append(pgcopy.activity_lines(pk, plan, own, stamp))
            self.contacts += len(own)
            self.activities += len(plan.activities)
        self.partners += len(kept)
        self._copy(self.copy_contacts, "".join(contacts))
        self._copy(self.copy_activities, "".join(activities))
        for name, sql, lines in self.records:
            self._copy(sql, "".join([lines(pk, plan, stamp) for pk, plan in kept]))
            self.counts[name] += sum(len(getattr(plan.records, name)) for _, plan in kept)

    def close(self) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
        if self.deferred:  # back to Django's default for the rest of an enclosing transaction
            self.cursor.execute(f"SET CONSTRAINTS {self.deferred} DEFERRED")
