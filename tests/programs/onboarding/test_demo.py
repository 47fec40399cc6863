"""The demo seeds an agreement and a checklist per partner type and starts the checklists of the
demo partners already onboarding; seeding again adds nothing."""

import pytest

from partners.models import Partner
from programs.onboarding.demo import onboarding_demo_seed
from programs.onboarding.models import AgreementTemplate, Onboarding, OnboardingTemplate
from programs.onboarding.text import placeholder_errors
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_one_agreement_and_one_checklist_per_type_and_checklists_started():
    # given: demo partners onboarding, written without events
    onboarding = PartnerFactory.create_batch(3, type="technology", status="onboarding")
    PartnerFactory(type="technology", status="active")
    # when
    first = onboarding_demo_seed()
    again = onboarding_demo_seed()
    # then
    types = set(Partner.Type.values)
    assert (
        set(AgreementTemplate.objects.filter(region=None, is_current=True).values_list("partner_type", flat=True))
        == types
    )
    assert all(not placeholder_errors(template.body) for template in AgreementTemplate.objects.all())
    for checklist in OnboardingTemplate.objects.prefetch_related("items"):
        items = list(checklist.items.all())
        assert 4 <= len(items) <= 6
        assert sum(item.is_automatic for item in items) >= 2
    assert set(OnboardingTemplate.objects.values_list("partner_type", flat=True)) == types
    assert set(Onboarding.objects.values_list("partner_id", flat=True)) == {partner.pk for partner in onboarding}
    assert (first.agreements, first.checklists, first.started) == (6, 6, 3)
    assert (again.agreements, again.checklists, again.started) == (0, 0, 0)
