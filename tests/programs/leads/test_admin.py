"""The routing settings in the admin site: administrators edit rules, weights and policies; a
rule's values are checked; leads are read-only there, with their offers and routing decisions."""

import pytest
from django.core.exceptions import ValidationError

from programs.leads.models import LeadRoutingRule
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner, new_lead

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "values", "ok"),
    [
        ("partner_type", ["sales", "channel"], True),
        ("partner_type", [], False),
        ("partner_type", ["reseller"], False),
        ("engagement", ["strategic"], True),
        ("region", [], True),
        ("region", ["DACH"], False),
    ],
)
def test_a_rules_values_are_checked(field, values, ok):
    rule = LeadRoutingRule(position=1, name="Rule", field=field, values=values)
    if ok:
        rule.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            rule.full_clean()
        assert list(refused.value.message_dict) == ["values"]


def test_an_administrator_opens_every_lead_page_of_the_admin_site(client):
    # given
    client.force_login(UserFactory(role="admin"))
    lead_partner()
    lead = new_lead()
    rule = LeadRoutingRule.objects.first()
    # when / then
    for path in (
        "/admin/programs/lead/",
        f"/admin/programs/lead/{lead.pk}/change/",
        "/admin/programs/leadroutingrule/",
        f"/admin/programs/leadroutingrule/{rule.pk}/change/",
        "/admin/programs/leadweight/",
        "/admin/programs/leadpolicy/",
        "/admin/programs/leadcountryregion/",
    ):
        assert client.get(path).status_code == 200, path
