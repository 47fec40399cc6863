"""How fast new leads are routed among many partners: ``BENCH lead_routing``.

``prm.bench`` runs this after its other workloads (``python -m prm.bench_leads [--leads N]`` runs it
alone with the environment's settings, against a migrated database with seeded partners). It
writes ``--leads`` leads (10,000 by default) with one INSERT, waiting for the router as imported
leads do, each from the country, a region and usually a vertical of a random active partner (one
in ten from a country only, one in ten without a vertical, one in ten for a vertical the partner
does not serve), so the default rules narrow, fall back and sometimes find nobody. Then it routes
them through ``leads_route`` in this process, the code path the import's Celery task runs (batches
under the routing lock; decisions, offers, leads, passes and ``lead.offered`` events written per
batch). ``wall_s`` is the routing alone; the target is 10,000 leads within 30 s.

Afterwards the leads, their offers, routing decisions, timeline rows and events are deleted, and every partner's
pass is put back as it was, so the next run on the same database measures the same work.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

LEADS = 10_000
SEED = 17
SOURCE = "bench-leads"  # marks the bench's leads
TARGET_LEADS, TARGET_WALL_S = 10_000, 30.0


def write_leads(count: int, *, seed: int = SEED) -> list[int]:
    """``count`` leads waiting for the router (status routing), spread over the countries, regions
    and verticals of the active partners; their ids."""
    from partners.models import Partner
    from partners.reference import reference
    from programs.leads.models import Lead, LeadCountryRegion

    rng = random.Random(seed)  # noqa: S311 (a bench's data, not a secret)
    partners = list(
        Partner.objects.filter(status=Partner.Status.ACTIVE)
        .order_by("pk")
        .values_list("country", "regions", "verticals")[:20_000]
    )
    if not partners:
        raise SystemExit("bench: no active partners to route leads to (seed the database first)")
    verticals = sorted(reference().verticals)
    countries = list(LeadCountryRegion.objects.values_list("country", "region_id"))
    leads = []
    for n in range(count):
        country, regions, served = rng.choice(partners)
        region = rng.choice(regions) if regions else None
        vertical = rng.choice(served) if served else None
        roll = rng.random()
        if roll < 0.1 and countries:
            country, region = rng.choice(countries)
        elif roll < 0.2:
            vertical = None
        elif roll < 0.3:
            vertical = rng.choice(verticals)
        leads.append(
            Lead(
                company=f"Bench Lead {n}",
                contact_email=f"buyer{n}@l{n}-bench.example",
                country=str(country),
                region_id=region,
                vertical_id=vertical,
                size=Lead.Size.MEDIUM,
                source=SOURCE,
            )
        )
    return [lead.pk for lead in Lead.objects.bulk_create(leads, batch_size=2000)]


def passes_snapshot() -> dict[int, int]:
    from programs.leads.models import LeadCredit

    return dict(LeadCredit.objects.values_list("partner_id", "pass_value"))


def cleanup(passes: dict[int, int] | None = None) -> int:
    """Delete the bench's leads with their offers, routing decisions and ``lead.*`` events; with
    ``passes`` (passes_snapshot() before the run), put every partner's pass back as it was."""
    from django.db import connection, transaction

    from partners.models import Activity
    from partners.outbox.models import Event
    from prm.db import delete_in_batches
    from programs.leads.models import Lead, LeadCredit, LeadOffer, LeadRouting

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_leads ON COMMIT DROP AS SELECT id FROM {Lead._meta.db_table} "  # noqa: S608
            "WHERE source = %s",
            [SOURCE],
        )
        for model in (LeadOffer, LeadRouting):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE lead_id IN (SELECT id FROM bench_leads)")  # noqa: S608
        cursor.execute(
            f"DELETE FROM {Activity._meta.db_table} WHERE kind = 'lead' "  # noqa: S608
            "AND (data->>'lead')::bigint IN (SELECT id FROM bench_leads)"
        )
        cursor.execute("SELECT id::text FROM bench_leads")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), 5000):
            delete_in_batches(
                Event.objects.filter(
                    object_type="lead", type__startswith="lead.", object_id__in=ids[start : start + 5000]
                )
            )
        cursor.execute(f"DELETE FROM {Lead._meta.db_table} WHERE id IN (SELECT id FROM bench_leads)")  # noqa: S608
        deleted = cursor.rowcount
        if passes is not None:
            LeadCredit.objects.exclude(partner_id__in=list(passes)).delete()
            LeadCredit.objects.bulk_create(
                [LeadCredit(partner_id=pk, pass_value=value) for pk, value in passes.items()],
                update_conflicts=True,
                unique_fields=["partner"],
                update_fields=["pass_value"],
                batch_size=5000,
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Lead._meta.db_table}")
    return deleted


def measure_routing(*, leads: int = LEADS) -> dict:
    """Write, route and delete ``leads`` leads in this (set-up) Django process; the figures."""
    from django.db import connection
    from django.db.models import Count

    from partners.models import Partner
    from programs.leads.models import Lead
    from programs.leads.services import leads_route

    cleanup()  # what an interrupted run left
    passes = passes_snapshot()
    try:
        started = time.perf_counter()
        ids = write_leads(leads)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Lead._meta.db_table}")
        written_s = time.perf_counter() - started
        started = time.perf_counter()
        routed = leads_route(lead_ids=ids)
        wall_s = time.perf_counter() - started
        statuses = dict(Lead.objects.filter(pk__in=ids).order_by().values_list("status").annotate(n=Count("id")))
    finally:
        started = time.perf_counter()
        cleanup(passes)
        cleanup_s = time.perf_counter() - started
    return {
        "leads": routed,
        "wall_s": wall_s,
        "leads_per_s": routed / wall_s if wall_s else 0.0,
        "active_partners": Partner.objects.filter(status=Partner.Status.ACTIVE).count(),
        "written_s": written_s,
        "cleanup_s": cleanup_s,
        "statuses": statuses,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prm.bench_leads", description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=LEADS, help="leads to write and route")
    args = parser.parse_args(argv)
    import django

    django.setup()
    figures = measure_routing(leads=args.leads)
    target = TARGET_WALL_S * args.leads / TARGET_LEADS
    statuses = figures["statuses"]
    print(
        f"bench: {args.leads:,} leads written in {figures['written_s']:.1f} s; "
        f"{statuses.get('offered', 0):,} offered, {statuses.get('manual', 0):,} to the manual queue; "
        f"deleted in {figures['cleanup_s']:.1f} s",
        flush=True,
    )
    print(
        f"BENCH lead_routing leads={figures['leads']} wall_s={figures['wall_s']:.1f} "
        f"leads_per_s={figures['leads_per_s']:.0f} active_partners={figures['active_partners']} "
        f"target_wall_s={target:.0f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    sys.exit(main(sys.argv[1:]))
