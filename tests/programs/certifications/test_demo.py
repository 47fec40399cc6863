"""The demo's certifications come from the real services: a definition per vertical, certifications
of the demo partners' contacts in their verticals in every state, nothing added twice with --if-empty."""

import pytest

from partners.demo.seeding import demo_seed
from partners.models import Vertical
from partners.outbox.models import Event
from programs.certifications.demo import demo_certifications_seed
from programs.certifications.models import Certification, CertificationDefinition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_certifications_are_recorded_decided_and_not_doubled():
    # given: demo partners owned by a manager
    UserFactory(role="manager")
    demo_seed(partners=120, seed=1, if_empty=False)
    # when
    recorded = demo_certifications_seed(seed=1)
    again = demo_certifications_seed(seed=1, if_empty=True)
    # then
    assert recorded == Certification.objects.count() > 0
    assert again == 0
    assert CertificationDefinition.objects.count() == Vertical.objects.count()
    assert set(Certification.objects.values_list("state", flat=True)) == {"pending", "verified", "rejected"}
    for certification in Certification.objects.select_related("partner", "contact", "definition")[:50]:
        assert certification.contact.partner_id == certification.partner_id
        assert certification.definition.vertical_id in certification.partner.verticals
    assert Event.objects.filter(type="certification.recorded").count() == recorded
