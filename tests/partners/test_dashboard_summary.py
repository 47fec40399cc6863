"""partner_summary, the dashboard's figures: one grouped query, added up in Python, equal to counting
partner by partner (a partner counts once in a region when it operates there or below it)."""

import random

import pytest

from partners.models import Partner, PartnerUser, Region
from partners.reference import reference, reference_changed
from partners.selectors import partner_summary
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

# leaves, inner nodes and the root, alone and together with their own ancestors or siblings
REGION_LISTS = [
    [],
    ["DACH"],
    ["DACH", "WE"],
    ["EMEA", "DACH"],
    ["WE", "NA", "JP"],
    ["GLOBAL"],
    ["APAC"],
    ["SEA", "ANZ", "IN", "GC"],
    ["LATAM", "NA", "AMER"],
    ["NORDICS", "ME", "AF"],
    ["JP"],
]


def _recount(user) -> dict:
    """The figures counted partner by partner, with the region tree read from the Region table."""
    parent = dict(Region.objects.values_list("code", "parent_id"))

    def inside(code: str, region: str) -> bool:  # ``code`` is ``region`` or lies below it
        while code is not None:
            if code == region:
                return True
            code = parent.get(code)
        return False

    partners = list(Partner.objects.visible_to(user).values_list("type", "status", "regions"))
    return {
        "total": len(partners),
        "by_type": {value: sum(1 for t, _, _ in partners if t == value) for value in Partner.Type.values},
        "by_status": {value: sum(1 for _, s, _ in partners if s == value) for value in Partner.Status.values},
        "by_region": {
            region: sum(1 for _, _, codes in partners if any(inside(code, region) for code in codes))
            for region in parent
        },
    }


def _figures(summary) -> dict:
    return {
        "total": summary.total,
        "by_type": summary.by_type,
        "by_status": summary.by_status,
        "by_region": summary.by_region,
    }


def test_the_summary_equals_a_partner_by_partner_recount_on_varied_data(manager):
    # given: every type, status and kind of region list, in uneven numbers
    rng = random.Random(7)  # noqa: S311 (test data, the same every run)
    for _ in range(150):
        PartnerFactory(
            type=rng.choice(Partner.Type.values),
            status=rng.choice(Partner.Status.values),
            regions=rng.choice(REGION_LISTS),
        )
    # when
    summary = partner_summary(user=manager)
    # then
    assert _figures(summary) == _recount(manager)
    assert summary.total == 150


def test_a_partner_in_several_sub_regions_counts_once_in_each_region_above_them(manager):
    # given: DACH and WE are in EMEA, NA in AMER, and all of them in GLOBAL
    PartnerFactory(regions=["DACH", "WE"])
    PartnerFactory(regions=["EMEA", "DACH"])
    PartnerFactory(regions=["WE", "NA"])
    PartnerFactory(regions=[])
    # when
    by_region = partner_summary(user=manager).by_region
    # then
    assert by_region["DACH"] == 2
    assert by_region["WE"] == 2
    assert by_region["EMEA"] == 3
    assert by_region["NA"] == 1
    assert by_region["AMER"] == 1
    assert by_region["APAC"] == 0
    assert by_region["GLOBAL"] == 3
    assert set(by_region) == set(reference().regions)


def test_types_and_statuses_without_partners_are_zero(manager):
    # given
    PartnerFactory.create_batch(2, type="sales", status="onboarding")
    # when
    summary = partner_summary(user=manager)
    # then
    assert summary.by_type == {value: 2 if value == "sales" else 0 for value in Partner.Type.values}
    assert summary.by_status == {value: 2 if value == "onboarding" else 0 for value in Partner.Status.values}


def test_a_partner_login_is_counted_its_own_organisation_only(db):
    # given
    own = PartnerFactory(type="support", regions=["JP"])
    PartnerFactory.create_batch(3, type="channel", regions=["JP"])
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=own, role="partner_member")
    # when
    summary = partner_summary(user=user)
    # then
    assert _figures(summary) == _recount(user)
    assert (summary.total, summary.by_type["support"], summary.by_region["APAC"]) == (1, 1, 1)


def test_an_inactive_login_is_counted_nothing(db):
    # given
    PartnerFactory.create_batch(2)
    user = UserFactory(is_active=False)
    # when
    summary = partner_summary(user=user)
    # then
    assert summary.total == 0
    assert set(summary.by_region.values()) == {0}


def test_the_summary_is_one_query_however_many_partners(manager, django_assert_num_queries):
    # given
    for regions in REGION_LISTS:
        PartnerFactory.create_batch(3, regions=regions)
    # the region tree cached, as it is for every page after the first (read afresh into the cache
    # and the process, so no copy the test's cache reset missed stands in for it)
    reference_changed()
    reference()
    # when: the grouped count of the partners, nothing per group or per region
    with django_assert_num_queries(1):
        summary = partner_summary(user=manager)
    # then
    assert summary.total == 3 * len(REGION_LISTS)
