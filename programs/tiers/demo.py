"""Demo programs (``manage.py seed_demo_programs``): a channel and sales program with
Registered / Silver / Gold / Platinum, and a technology alliance program, with every demo partner
of their types enrolled.

Enrolment is one INSERT … SELECT per program (and one for the "joined" history rows), so it
takes seconds at 100,000 partners; the tier each partner starts at is drawn from its id, so the
same partners get the same tiers every time. The strategies' tier reviews then put partners that
do not meet their tier into a grace period, as real programs look after an import; one member in
ten above the entry tier starts with its grace period over, so the first review proposes
downgrades for a manager to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from programs.tiers.models import Membership, Program, Tier

CHANNEL_TIERS = (
    {"name": "Registered", "rank": 1, "discount_percent": Decimal(5)},
    {"name": "Silver", "rank": 2, "min_revenue": Decimal(25_000), "min_won_deals": 2, "requires_agreement": True,
     "discount_percent": Decimal(10), "mdf_per_quarter": Decimal(2_500), "deal_protection_days": 100,
     "lead_weight": 3},
    {"name": "Gold", "rank": 3, "min_revenue": Decimal(100_000), "min_won_deals": 5, "requires_agreement": True,
     "min_certified": {"healthcare": 2}, "min_health_score": 60, "discount_percent": Decimal(15),
     "mdf_per_quarter": Decimal(10_000), "deal_protection_days": 120, "lead_weight": 5},
    {"name": "Platinum", "rank": 4, "min_revenue": Decimal(250_000), "min_won_deals": 10, "requires_agreement": True,
     "min_certified": {"healthcare": 3, "life-sciences": 2}, "min_health_score": 70,
     "discount_percent": Decimal(20), "mdf_per_quarter": Decimal(25_000), "deal_protection_days": 150,
     "lead_weight": 8},
)  # fmt: skip
ALLIANCE_TIERS = (
    {"name": "Registered", "rank": 1},
    {"name": "Validated", "rank": 2, "requires_agreement": True, "min_certified": {"technology": 2},
     "discount_percent": Decimal(5), "mdf_per_quarter": Decimal(5_000), "deal_protection_days": 120},
    {"name": "Premier", "rank": 3, "requires_agreement": True, "min_certified": {"technology": 4},
     "min_won_deals": 3, "min_health_score": 70, "discount_percent": Decimal(10),
     "mdf_per_quarter": Decimal(15_000), "deal_protection_days": 150},
)  # fmt: skip
PROGRAMS = (
    {
        "slug": "channel-partner-program",
        "name": "Channel Partner Program",
        "partner_types": ["channel", "sales"],
        "description": "For partners that resell and refer: tiers earned by won revenue, won deals, certified "
        "people in the verticals we sell to, a signed agreement and a healthy relationship.",
        "tiers": CHANNEL_TIERS,
        # per cent of members starting at each rank, lowest first
        "spread": (60, 25, 12, 3),
    },
    {
        "slug": "technology-alliance",
        "name": "Technology Alliance",
        "partner_types": ["technology"],
        "description": "For technology partners that integrate with our products: tiers earned by certified "
        "integration engineers, joint wins and a signed alliance agreement.",
        "tiers": ALLIANCE_TIERS,
        "spread": (55, 35, 10),
    },
)
ENROLLED_STATUSES = ("onboarding", "active", "inactive")

ENROL = """
INSERT INTO programs_membership (partner_id, program_id, tier_id, since, state, created_at, updated_at)
SELECT p.id, %(program)s, (%(tiers)s::bigint[])[
           (SELECT count(*) FROM unnest(%(bounds)s::int[]) AS bound WHERE bound <= (p.id * 7919) %% 100) + 1],
       (p.created_at AT TIME ZONE 'UTC')::date, 'ok', now(), now()
FROM partners_partner AS p
WHERE p.type = ANY(%(types)s) AND p.status = ANY(%(statuses)s)
ON CONFLICT (partner_id, program_id) DO NOTHING
"""
# one member in ten above its program's entry tier has been below it for a while: its grace period
# ended ten days ago, so the first review proposes its downgrade (unless it meets its tier again)
LAPSED = """
UPDATE programs_membership AS m SET state = 'grace', grace_started_on = CURRENT_DATE - (%(grace)s + 10),
       grace_until = CURRENT_DATE - 10
FROM programs_tier AS t
WHERE m.tier_id = t.id AND m.program_id = %(program)s AND t.rank > 1 AND m.state = 'ok' AND m.evaluated_on IS NULL
  AND m.partner_id %% 10 = 0
"""
JOINED = """
INSERT INTO programs_tierchange (membership_id, partner_id, to_tier_id, direction, reason, evidence, created_at)
SELECT m.id, m.partner_id, m.tier_id, 'joined', 'Enrolled with the demo data.', '{}'::jsonb, now()
FROM programs_membership AS m
WHERE m.program_id = %(program)s AND NOT EXISTS (SELECT 1 FROM programs_tierchange AS c WHERE c.membership_id = m.id)
"""


@dataclass(frozen=True)
class ProgramsResult:
    programs: int
    members: int
    existing: int | None = None


@transaction.atomic
def demo_programs_seed(*, if_empty: bool = False) -> ProgramsResult:
    """Create the demo programs (when missing) and enrol every demo partner of their types that is
    onboarding, active or inactive; with ``if_empty``, nothing when any program exists already."""
    if if_empty and Program.objects.exists():
        return ProgramsResult(0, 0, existing=Program.objects.count())
    created = 0
    for spec in PROGRAMS:
        program, new = Program.objects.get_or_create(
            slug=spec["slug"],
            defaults={key: spec[key] for key in ("name", "partner_types", "description")},
        )
        created += new
        if new:
            Tier.objects.bulk_create(Tier(program=program, **tier) for tier in spec["tiers"])
        tiers = list(program.tiers.order_by("rank").values_list("pk", flat=True))
        spread = spec["spread"][: len(tiers)]
        bounds = [sum(spread[: i + 1]) for i in range(len(spread) - 1)]  # 60, 85, 97: rank by id mod 100
        with connection.cursor() as cursor:
            cursor.execute(
                ENROL,
                {"program": program.pk, "tiers": tiers, "bounds": bounds, "types": spec["partner_types"],
                 "statuses": list(ENROLLED_STATUSES)},
            )  # fmt: skip
            cursor.execute(JOINED, {"program": program.pk})
            if new:
                cursor.execute(LAPSED, {"program": program.pk, "grace": program.grace_days})
    return ProgramsResult(programs=created, members=Membership.objects.count())
