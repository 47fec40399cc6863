"""Programs, agreement and checklist templates, and partner logins for the onboarding tests."""

import pytest

from partners.models import PartnerUser
from programs.onboarding.models import OnboardingItem, OnboardingTemplate
from programs.onboarding.services import agreement_template_publish
from programs.tiers.models import Program
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

BODY = (
    "This agreement between Example Corp and {partner_name} ({partner_country}) starts on {date}, until {valid_until}."
)


def make_program(*, types=("channel",), requires_agreement=True, active=True, name="Channel program"):
    return Program.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        partner_types=list(types),
        requires_agreement=requires_agreement,
        is_active=active,
    )


def publish(*, partner_type="channel", region_id=None, body=BODY, name="Channel partner agreement", months=12):
    return agreement_template_publish(
        actor=None,
        name=name,
        kind="reseller",
        partner_type=partner_type,
        region_id=region_id,
        body=body,
        valid_months=months,
    )


def make_checklist(*, partner_type="channel", autos=("agreement_accepted", "first_deal"), manual=("Kick-off call",)):
    """A checklist with the automatic items ``autos`` (due after 7, 14… days) and manual ones."""
    template = OnboardingTemplate.objects.create(name=f"{partner_type.title()} onboarding", partner_type=partner_type)
    position = 0
    for auto in autos:
        position += 1
        OnboardingItem.objects.create(
            template=template, position=position, title=f"Auto {auto}", auto=auto, due_offset_days=7 * position
        )
    for title in manual:
        position += 1
        OnboardingItem.objects.create(template=template, position=position, title=title, due_offset_days=7 * position)
    return template


def login(partner, *, role="partner_admin", first_name="Ada", last_name="Lovelace"):
    user = UserFactory(is_staff=False, first_name=first_name, last_name=last_name)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


@pytest.fixture
def owner(db):
    return UserFactory(role="manager")


@pytest.fixture
def alpha(owner):
    return PartnerFactory(name="Alpha Channel", type="channel", status="prospect", owner=owner, regions=["DACH"])


@pytest.fixture
def bravo(owner):
    return PartnerFactory(name="Bravo Channel", type="channel", status="prospect", owner=owner, regions=["NORDICS"])
