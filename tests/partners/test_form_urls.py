from partners.forms import PartnerForm
from partners.selfservice.forms import PartnerProfileForm


def test_a_bare_domain_typed_as_a_website_means_https(db):
    # when
    manager_form = PartnerForm(data={"name": "Helix", "type": "channel", "engagement": "collaborative",
                                     "country": "DE", "website": "helix.example"})  # fmt: skip
    partner_form = PartnerProfileForm(data={"name": "Helix", "website": "helix.example"})
    # then
    manager_form.is_valid()
    partner_form.is_valid()
    assert manager_form.cleaned_data["website"] == "https://helix.example"
    assert partner_form.cleaned_data["website"] == "https://helix.example"
