"""`manage.py seed_demo`: deterministic, realistic, idempotent demo partners written with COPY."""

import io
import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from django_countries import countries

from partners.demo import geo, pgcopy, seeding
from partners.demo.generator import DemoGenerator
from partners.models import Activity, Contact, Partner, Region, Vertical
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric
from tests.factories import UserFactory

VERTICALS = {"healthcare": "Healthcare", "retail": "Retail", "technology": "Technology"}


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, int, int]:
    return Partner.objects.count(), Contact.objects.count(), Activity.objects.count()


def _snapshot() -> list:
    """Everything but ids and absolute times; a contact named in a timeline row is named by e-mail."""
    emails = dict(Contact.objects.values_list("id", "email"))
    partners = []
    for partner in Partner.objects.select_related("owner").order_by("slug"):
        contacts = list(partner.contacts.order_by("email").values_list("name", "email", "phone", "title", "role"))
        timeline = [
            (kind, message, {**data, "contact": emails[data["contact"]]} if "contact" in data else data)
            for kind, message, data in partner.activities.order_by("created_at", "id").values_list(
                "kind", "message", "data"
            )
        ]
        partners.append(
            (
                partner.name, partner.legal_name, partner.slug, partner.website, partner.description,
                partner.type, partner.status, partner.engagement, partner.country, partner.regions,
                partner.verticals, partner.owner.email if partner.owner else None, contacts, timeline,
            )
        )  # fmt: skip
    return partners


def _countries_under(code: str, children: dict[str, list[str]]) -> set[str]:
    """Countries of a region and all its descendants, by the region tree in the database."""
    found = {country for country, _ in geo.REGIONS.get(code, ("", ()))[1]}
    for child in children.get(code, []):
        found |= _countries_under(child, children)
    return found


# --- determinism and idempotence ---------------------------------------------------------


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_partners_contacts_and_timeline(manager):
    # given
    _seed("--partners", "300", "--seed", "5")
    first = _snapshot()
    Partner.objects.all().delete()
    # when
    _seed("--partners", "300", "--seed", "5")
    # then
    assert _snapshot() == first
    assert len(first) == 300


@pytest.mark.django_db
def test_a_second_run_with_the_same_arguments_adds_and_changes_nothing(manager):
    # given
    _seed("--partners", "200", "--seed", "3")
    before, snapshot = _counts(), _snapshot()
    # when
    output = _seed("--partners", "200", "--seed", "3")
    # then
    assert output.startswith("Seeded 0 partners, 0 contacts, 0 timeline entries in ")
    assert "(200 skipped: slug already taken)" in output
    assert _counts() == before
    assert _snapshot() == snapshot


@pytest.mark.django_db
def test_a_larger_run_keeps_the_first_partners_and_adds_the_rest(manager):
    # given
    _seed("--partners", "100", "--seed", "4")
    first = _snapshot()
    # when
    output = _seed("--partners", "150", "--seed", "4")
    # then
    assert output.startswith("Seeded 50 partners, ")
    assert Partner.objects.count() == 150
    assert {row[2] for row in first} <= set(Partner.objects.values_list("slug", flat=True))


@pytest.mark.django_db
def test_different_seeds_live_side_by_side(manager):
    # when
    _seed("--partners", "100", "--seed", "1")
    output = _seed("--partners", "100", "--seed", "2")
    # then: seed 1 has plain slugs, other seeds a suffix, so nothing is skipped
    assert output.startswith("Seeded 100 partners, ")
    assert Partner.objects.filter(slug__endswith="-s2").count() == 100
    assert not Partner.objects.filter(slug__regex=r"-s[0-9]+$").exclude(slug__endswith="-s2").exists()


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database_and_then_does_nothing(manager):
    # when
    first = _seed("--partners", "50", "--seed", "1", "--if-empty")
    counts = _counts()
    second = _seed("--partners", "80", "--seed", "9", "--if-empty")
    # then
    assert first.startswith("Seeded 50 partners, ")
    assert second == "Nothing to do: 50 partners exist already (--if-empty).\n"
    assert _counts() == counts


@pytest.mark.django_db
def test_an_error_half_way_leaves_nothing_behind(manager, monkeypatch):
    # given: the second batch fails to write
    calls = []
    original = seeding._Writer.write

    def failing_write(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        original(self, batch)

    monkeypatch.setattr(seeding._Writer, "write", failing_write)
    # when
    with pytest.raises(RuntimeError, match="disk full"):
        seeding.demo_seed(partners=120, seed=1, batch_size=50)
    # then
    assert _counts() == (0, 0, 0)


# --- the data follows the models' rules and looks real ------------------------------------


@pytest.mark.django_db
def test_every_partner_country_lies_in_one_of_its_regions(manager):
    # given
    _seed("--partners", "400", "--seed", "11")
    children: dict[str, list[str]] = {}
    for code, parent in Region.objects.values_list("code", "parent_id"):
        children.setdefault(parent, []).append(code)
    # then
    for country, regions in Partner.objects.values_list("country", "regions"):
        covered = set().union(*(_countries_under(code, children) for code in regions))
        assert country in covered, (country, regions)
    multi = Partner.objects.filter(regions__len__gt=1).count()
    assert 0.15 * 400 < multi < 0.45 * 400  # most partners work in one region


@pytest.mark.django_db
def test_codes_slugs_and_choices_exist_and_rows_pass_model_validation(manager):
    # given
    _seed("--partners", "300", "--seed", "12")
    codes = set(Region.objects.values_list("code", flat=True))
    slugs = set(Vertical.objects.values_list("slug", flat=True))
    # then
    for partner in Partner.objects.all():
        assert set(partner.regions) <= codes and partner.regions
        assert set(partner.verticals) <= slugs and 1 <= len(partner.verticals) <= 3
        assert partner.country in countries
        assert partner.website == f"https://{partner.slug}.example"
        assert partner.health_score is None
    for partner in Partner.objects.all()[:60]:
        partner.full_clean()
    for contact in Contact.objects.select_related("partner")[:150]:
        contact.full_clean()
        assert contact.email.endswith(f"@{contact.partner.slug}.example")
    assert set(Activity.objects.values_list("kind", flat=True)) <= set(Activity.Kind.values)


@pytest.mark.django_db
def test_a_partner_has_at_most_one_primary_contact_and_most_have_one(manager):
    # when
    _seed("--partners", "300", "--seed", "13")
    # then
    primaries = Contact.objects.filter(role=Contact.Role.PRIMARY).values("partner").annotate(n=Count("id"))
    per_partner = [row["n"] for row in primaries]
    assert max(per_partner) == 1
    assert len(per_partner) > 0.85 * 300
    sizes = Partner.objects.annotate(n=Count("contacts")).values_list("n", flat=True)
    assert min(sizes) >= 1 and max(sizes) <= 5


@pytest.mark.django_db
def test_six_hundred_partners_cover_all_six_types_in_a_plausible_mix(manager):
    # when
    _seed("--partners", "600", "--seed", "1")
    # then
    mix = dict(Partner.objects.values_list("type").annotate(n=Count("id")))
    assert set(mix) == set(Partner.Type.values)
    assert mix["channel"] == max(mix.values())
    assert mix["financial"] == min(mix.values())
    statuses = dict(Partner.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(Partner.Status.values)
    assert statuses["active"] > 300
    financial = dict(Partner.objects.filter(type="financial").values_list("engagement").annotate(n=Count("id")))
    assert financial["arms_length"] == max(financial.values())


@pytest.mark.django_db
def test_the_timeline_spans_two_years_and_last_activity_is_the_newest_entry(manager):
    # when
    _seed("--partners", "300", "--seed", "14")
    # then
    now = timezone.now()
    span = Activity.objects.aggregate(oldest=Min("created_at"), newest=Max("created_at"))
    assert now - timedelta(days=731) <= span["oldest"] <= now - timedelta(days=690)
    assert span["newest"] >= now - timedelta(days=3)
    partners = Partner.objects.annotate(newest=Max("activities__created_at"), first=Min("activities__created_at"))
    for partner in partners:
        assert partner.last_activity_at == partner.newest
        assert partner.first == partner.created_at
        assert partner.created_at <= partner.updated_at <= partner.last_activity_at <= now
    average = Activity.objects.count() / 300
    assert 6 <= average <= 16
    quiet = Partner.objects.filter(status="active", last_activity_at__lt=now - timedelta(days=180)).count()
    assert quiet > 0  # the inactivity job has something to find
    firsts = Activity.objects.order_by("partner_id", "created_at", "id").distinct("partner_id")
    assert set(firsts.values_list("kind", flat=True)) == {"created"}


@pytest.mark.django_db
def test_partner_managers_own_the_partners():
    # given
    managers = UserFactory.create_batch(3, role="manager")
    UserFactory(role="analyst")
    get_user_model().objects.create_user(username="outsider", is_staff=False)
    # when
    _seed("--partners", "200", "--seed", "15")
    # then
    owners = set(Partner.objects.exclude(owner=None).values_list("owner", flat=True))
    assert owners == {manager.pk for manager in managers}
    assert Partner.objects.exclude(status="prospect").filter(owner=None).count() == 0


@pytest.mark.django_db
def test_without_managers_any_staff_user_owns_and_without_staff_nobody_does():
    # given
    admin = UserFactory(role="admin")
    # when
    _seed("--partners", "30", "--seed", "16")
    # then
    assert set(Partner.objects.exclude(owner=None).values_list("owner", flat=True)) == {admin.pk}
    # given
    Partner.objects.all().delete()
    admin.is_staff = False
    admin.save()
    # when
    _seed("--partners", "30", "--seed", "16")
    # then
    assert not Partner.objects.exclude(owner=None).exists()


# --- relationship records -----------------------------------------------------------------


def _record_rows() -> list:
    """Every record without ids, by partner slug, so two seedings compare equal."""
    slug = "partner__slug"
    return [
        sorted(Agreement.objects.values_list(slug, "kind", "title", "start_on", "end_on", "status")),
        sorted(PartnerDocument.objects.values_list(slug, "kind", "title", "file", "issued_on", "expires_on")),
        sorted(ReportedMetric.objects.values_list(slug, "key", "period_start", "period_end", "value", "source")),
        sorted(BusinessReview.objects.values_list(slug, "held_on", "kind", "attendees", "notes")),
    ]


@pytest.mark.django_db
def test_records_are_deterministic_written_once_and_leave_the_partners_of_a_seed_unchanged(manager, monkeypatch):
    # given: the partners a seed gives without records
    monkeypatch.setattr("partners.demo.generator.records", lambda *args, **kwargs: seeding_no_records())
    _seed("--partners", "150", "--seed", "21")
    without = _snapshot()
    Partner.objects.all().delete()
    monkeypatch.undo()
    # when
    output = _seed("--partners", "150", "--seed", "21")
    first = _record_rows()
    again = _seed("--partners", "150", "--seed", "21")
    # then
    assert _snapshot() == without
    assert "Records: " in output and "Records: 0 agreements, 0 documents, 0 reported metrics, 0 reviews" in again
    assert _record_rows() == first
    Partner.objects.all().delete()
    _seed("--partners", "150", "--seed", "21")
    assert _record_rows() == first
    assert all(first)


def seeding_no_records():
    from partners.demo.plans import NO_RECORDS

    return NO_RECORDS


@pytest.mark.django_db
def test_partners_have_realistic_agreements_documents_metrics_and_reviews(manager):
    # given
    _seed("--partners", "1200", "--seed", "22")
    today = timezone.localdate()
    soon = today + timedelta(days=60)
    active = Partner.objects.filter(status="active")
    # then: most active partners have one or two agreements; some end soon, some lapsed
    per_partner = active.annotate(n=Count("agreements")).values_list("n", flat=True)
    assert sum(1 for n in per_partner if n) > 0.8 * active.count()
    assert max(per_partner) <= 2
    assert Agreement.objects.filter(partner__status="active", status="active", end_on__range=(today, soon)).exists()
    assert Agreement.objects.filter(status="expired", end_on__lt=today).exists()
    assert not Agreement.objects.filter(partner__status="prospect").exists()
    assert not Agreement.objects.filter(status="active", end_on__lt=today).exists()
    # financial partners: KYC and NDA, some missing, some expired, some expiring soon
    financial = Partner.objects.filter(type="financial").exclude(status__in=["prospect", "onboarding"])
    kyc = PartnerDocument.objects.filter(kind="kyc")
    assert set(kyc.values_list("partner__type", flat=True)) == {"financial"}
    assert 0 < kyc.values("partner").distinct().count() < financial.count()
    assert kyc.filter(expires_on__lt=today).exists() and kyc.filter(expires_on__range=(today, soon)).exists()
    assert PartnerDocument.objects.filter(kind="nda", partner__type="financial").exists()
    assert set(
        PartnerDocument.objects.filter(kind="integration_certificate").values_list("partner__type", flat=True)
    ) == {"technology"}
    assert set(PartnerDocument.objects.filter(kind="support_certificate").values_list("partner__type", flat=True)) == {
        "support"
    }
    # documents carry a placeholder path and no file is written
    assert all(
        name.startswith("demo/partner-documents/") for name in PartnerDocument.objects.values_list("file", flat=True)
    )
    # support partners report SLA and CSAT monthly for a year, mostly good; sales and channel win rates
    sla = ReportedMetric.objects.filter(key="sla_compliance_pct")
    assert set(sla.values_list("partner__type", flat=True)) == {"support"}
    assert sla.filter(value__lt=95).exists() and sla.filter(value__gte=95).count() > 0.75 * sla.count()
    assert sla.aggregate(n=Max("value"))["n"] <= 100
    csat = ReportedMetric.objects.filter(key="csat")
    assert csat.filter(value__lt=4).exists() and csat.filter(value__gte=4).count() > 0.6 * csat.count()
    assert csat.aggregate(low=Min("value"))["low"] >= 1 and csat.aggregate(high=Max("value"))["high"] <= 5
    months = sla.values("partner").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(months) == 12
    assert set(ReportedMetric.objects.filter(key="win_rate_pct").values_list("partner__type", flat=True)) == {
        "sales", "channel"
    }  # fmt: skip
    assert set(ReportedMetric.objects.values_list("source", flat=True)) == {"demo"}
    # reviews: strategic partners quarterly strategy reviews, others sparser, some overdue
    strategic = active.filter(engagement="strategic", created_at__lt=timezone.now() - timedelta(days=600))
    reviews = BusinessReview.objects.filter(partner__in=strategic, kind="strategy_review")
    per_strategic = reviews.values("partner").annotate(n=Count("id")).values_list("n", flat=True)
    assert per_strategic and max(per_strategic) >= 5
    assert set(BusinessReview.objects.values_list("kind", flat=True)) == set(BusinessReview.Kind.values)
    latest = active.annotate(last=Max("reviews__held_on")).exclude(last=None)
    assert latest.filter(engagement="strategic", last__lt=today - timedelta(days=120)).exists()  # overdue
    assert not BusinessReview.objects.filter(held_on__gt=today).exists()
    # rows pass model validation
    for model in (Agreement, PartnerDocument, ReportedMetric, BusinessReview):
        for row in model.objects.all()[:40]:
            row.full_clean(validate_constraints=False)


# --- the pieces -----------------------------------------------------------------------------


def test_the_generator_depends_only_on_the_seed_and_is_stable_as_the_count_grows():
    # given
    now = int(time.time())

    def plans(seed, count):
        generator = DemoGenerator(seed=seed, now_ts=now, owner_ids=[1, 2], verticals=VERTICALS)
        return list(generator.plans(count))

    # then
    assert plans(3, 40) == plans(3, 40)
    assert plans(3, 40)[:25] == plans(3, 25)
    assert [plan.slug for plan in plans(4, 25)] != [plan.slug for plan in plans(3, 25)]


def test_copy_text_escapes_backslashes_tabs_and_newlines():
    # then
    assert pgcopy.text("plain") == "plain"
    assert pgcopy.text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert pgcopy.array(["DACH", "WE"]) == "{DACH,WE}"
    assert pgcopy.array(["a b", 'q"uote', "back\\slash", ""]) == '{"a b","q\\\\"uote","back\\\\\\\\slash",""}'


@pytest.mark.django_db
def test_copy_text_round_trips_through_postgresql():
    # given
    values = ["tab\there", "new\nline", "back\\slash", 'quote"s', "ümlaut ß"]
    line = "\t".join(
        [pgcopy.text(values[0]), pgcopy.text(values[1]), pgcopy.array(values), pgcopy.json_text({"v": values})]
    )
    # when
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_check (a text, b text, c text[], d jsonb)")
        cursor.cursor.copy_expert("COPY copy_check FROM STDIN", io.StringIO(line + "\n"))
        cursor.execute("SELECT a, b, c, d FROM copy_check")
        row = cursor.fetchone()
        cursor.execute("DROP TABLE copy_check")
    # then
    assert row[:3] == (values[0], values[1], values)
    assert json.loads(row[3]) == {"v": values}  # Django reads jsonb as text
