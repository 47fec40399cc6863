"""partners.panels: what other apps add to the partner pages, without partners importing them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from partners import panels


@pytest.fixture
def no_panels(monkeypatch):
    monkeypatch.setattr(panels, "_PARTNER_PAGE", {})
    monkeypatch.setattr(panels, "_PARTNER_HOME", {})


def test_the_page_merges_what_every_registered_provider_gives(no_panels):
    # given
    calls = []

    def outcomes(*, user, partner):
        calls.append((user, partner))
        return {"open_outcomes": [1, 2]}

    panels.register_partner_panel("strategies", outcomes)
    panels.register_partner_panel("deals", lambda *, user, partner: {"open_deals": 3})
    panels.register_partner_home_panel("strategies", lambda *, user, partner: {"requests": ["upload"]})
    # when
    page = panels.partner_panels(user="maria", partner="acme")
    home = panels.partner_home_panels(user="ana", partner="acme")
    # then
    assert page == {"open_outcomes": [1, 2], "open_deals": 3}
    assert calls == [("maria", "acme")]
    assert home == {"requests": ["upload"]}


def test_registering_a_name_again_replaces_its_provider(no_panels):
    # when
    panels.register_partner_panel("strategies", lambda *, user, partner: {"old": 1})
    panels.register_partner_panel("strategies", lambda *, user, partner: {"new": 2})
    # then
    assert panels.partner_panels(user=None, partner=None) == {"new": 2}


def test_two_providers_giving_the_same_key_are_refused(no_panels):
    # given
    panels.register_partner_panel("strategies", lambda *, user, partner: {"open_outcomes": []})
    panels.register_partner_panel("deals", lambda *, user, partner: {"open_outcomes": []})
    # when / then
    with pytest.raises(ImproperlyConfigured, match="deals"):
        panels.partner_panels(user=None, partner=None)


def test_programs_registers_its_panels_at_start_up():
    # then: the strategies panels are there once Django has started
    assert "strategies" in panels._PARTNER_PAGE
    assert "strategies" in panels._PARTNER_HOME
