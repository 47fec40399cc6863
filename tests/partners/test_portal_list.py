"""The partner list page: filters, sorting, pagination, htmx fragments and access."""

import re

import pytest

from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory


def _names(response) -> list[str]:
    """Partner names in the order the table shows them."""
    assert response.status_code == 200, response.content.decode()[:2000]
    return re.findall(r'<a class="fw-semibold" href="/partners/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


# --- what a row shows -----------------------------------------------------------------


def test_list_shows_each_partner_with_its_columns(staff_client, manager):
    # given
    partner = PartnerFactory(
        name="Helix Health",
        type="technology",
        status="onboarding",
        engagement="strategic",
        country="FR",
        regions=["DACH", "NA"],
        verticals=["healthcare", "life-sciences"],
        owner=manager,
        website="https://helix.example",
    )
    # when
    response = staff_client.get("/partners/")
    # then
    html = response.content.decode()
    assert _names(response) == ["Helix Health"]
    assert f'href="/partners/{partner.pk}/"' in html
    assert "Technology" in html
    assert 'prm-status prm-status-onboarding">Onboarding<' in html
    assert "Strategic" in html
    assert 'title="France">FR<' in html
    assert 'title="Germany, Austria and Switzerland">DACH<' in html
    assert ">Life sciences<" in html
    assert manager.get_full_name() in html
    assert "helix.example" in html


def test_list_without_partners_shows_the_empty_state(staff_client):
    # when
    response = staff_client.get("/partners/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No partners yet" in html
    assert 'href="/partners/new/"' in html


# --- filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value", "wanted", "other"),
    [
        ("type", "financial", {"type": "financial"}, {"type": "channel"}),
        ("status", "inactive", {"status": "inactive"}, {"status": "active"}),
        ("engagement", "strategic", {"engagement": "strategic"}, {"engagement": "arms_length"}),
        ("vertical", "retail", {"verticals": ["healthcare", "retail"]}, {"verticals": ["education"]}),
    ],
)
def test_each_filter_keeps_only_the_matching_partners(staff_client, param, value, wanted, other):
    # given
    PartnerFactory(name="Wanted", **wanted)
    PartnerFactory(name="Other", **other)
    # when
    response = staff_client.get("/partners/", {param: value})
    # then
    assert _names(response) == ["Wanted"]


def test_owner_filter_keeps_the_owners_partners(staff_client, manager):
    # given
    other_manager = UserFactory()
    PartnerFactory(name="Mine", owner=manager)
    PartnerFactory(name="Theirs", owner=other_manager)
    PartnerFactory(name="Nobodys")
    # when
    response = staff_client.get("/partners/", {"owner": manager.pk})
    # then
    assert _names(response) == ["Mine"]


def test_region_filter_includes_sub_regions(staff_client):
    # given: DACH and WE are below EMEA; NA is in AMER
    PartnerFactory(name="Berlin", regions=["DACH"])
    PartnerFactory(name="Paris", regions=["WE"])
    PartnerFactory(name="Toronto", regions=["NA"])
    # when
    emea = staff_client.get("/partners/", {"region": "EMEA"})
    dach = staff_client.get("/partners/", {"region": "DACH"})
    # then
    assert _names(emea) == ["Berlin", "Paris"]
    assert _names(dach) == ["Berlin"]


def test_search_finds_partners_by_name_and_by_contact(staff_client):
    # given
    PartnerFactory(name="Helix Health")
    with_contact = PartnerFactory(name="Nordwind")
    ContactFactory(partner=with_contact, name="Greta Helixson")
    PartnerFactory(name="Bluepeak")
    # when
    response = staff_client.get("/partners/", {"search": "heli"})
    # then
    assert _names(response) == ["Helix Health", "Nordwind"]


def test_filters_accept_comma_lists_and_repeated_parameters(staff_client):
    # given
    PartnerFactory(name="Channel Co", type="channel")
    PartnerFactory(name="Sales Co", type="sales")
    PartnerFactory(name="Bank Co", type="financial")
    # when
    comma = staff_client.get("/partners/?type=channel,sales")
    repeated = staff_client.get("/partners/?type=channel&type=sales")
    # then
    assert _names(comma) == ["Channel Co", "Sales Co"]
    assert _names(repeated) == ["Channel Co", "Sales Co"]
    assert '<option value="channel,sales" selected>Channel, Sales</option>' in comma.content.decode()


def test_filters_combine(staff_client):
    # given
    PartnerFactory(name="Match", type="channel", regions=["DACH"], status="active")
    PartnerFactory(name="Wrong region", type="channel", regions=["NA"], status="active")
    PartnerFactory(name="Wrong type", type="sales", regions=["DACH"], status="active")
    # when
    response = staff_client.get("/partners/", {"type": "channel", "region": "EMEA", "status": "active"})
    # then
    assert _names(response) == ["Match"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("type=bogus", "type", "Unknown type: bogus."),
        ("region=ATLANTIS", "region", "Unknown region: ATLANTIS."),
        ("vertical=alchemy", "vertical", "Unknown vertical: alchemy."),
        ("owner=abc", "owner", "Unknown owner: abc."),
        ("status=active,zombie", "status", "Unknown status: zombie."),
        ("ordering=shoe_size", "ordering", "Select a valid choice."),
        ("created_after=yesterday", "created_after", "Enter a valid date/time."),
    ],
)
def test_an_invalid_filter_answers_400_with_the_error_next_to_the_field(staff_client, query, field, message):
    # given
    PartnerFactory()
    # when
    response = staff_client.get(f"/partners/?{query}")
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert "Some filters are not valid" in html
    assert 'href="/partners/"' in html  # the way out


def test_filter_controls_are_labelled(staff_client):
    # given
    PartnerFactory()
    # when
    html = staff_client.get("/partners/").content.decode()
    # then
    for name in ("search", "type", "status", "region", "vertical", "engagement", "owner", "ordering"):
        assert re.search(rf'<label[^>]+for="id_{name}"', html), name
        assert f'id="id_{name}"' in html


def test_region_filter_lists_sub_regions_under_their_region(staff_client):
    # given
    PartnerFactory()
    # when
    html = staff_client.get("/partners/").content.decode()
    # then: EMEA comes before its sub-regions, which are indented
    select = html[html.index('id="id_region"') : html.index("</select>", html.index('id="id_region"'))]
    assert select.index('value="EMEA"') < select.index('value="DACH"')
    assert re.search(r'value="DACH">\u2003\u2003Germany', select)


# --- sorting --------------------------------------------------------------------------


def test_list_is_sorted_by_name_by_default_and_on_request(staff_client):
    # given
    for name in ("Bravo", "Alpha", "Charlie"):
        PartnerFactory(name=name)
    # when
    default = staff_client.get("/partners/")
    reverse = staff_client.get("/partners/?ordering=-name")
    # then
    assert _names(default) == ["Alpha", "Bravo", "Charlie"]
    assert _names(reverse) == ["Charlie", "Bravo", "Alpha"]


def test_list_sorts_by_creation(staff_client):
    # given: created in this order
    for name in ("First", "Second", "Third"):
        PartnerFactory(name=name)
    # when
    newest = staff_client.get("/partners/?ordering=-created_at")
    oldest = staff_client.get("/partners/?ordering=created_at")
    # then
    assert _names(newest) == ["Third", "Second", "First"]
    assert _names(oldest) == ["First", "Second", "Third"]


def test_best_health_first_puts_unscored_partners_last(staff_client):
    # given
    PartnerFactory(name="Unscored", health_score=None)
    PartnerFactory(name="Weak", health_score=20)
    PartnerFactory(name="Strong", health_score=90)
    # when
    best = staff_client.get("/partners/?ordering=-health_score")
    worst = staff_client.get("/partners/?ordering=health_score")
    # then
    assert _names(best) == ["Strong", "Weak", "Unscored"]
    assert _names(worst)[:2] == ["Weak", "Strong"]


def test_column_headers_link_to_the_other_sort_direction_and_keep_filters(staff_client):
    # given
    PartnerFactory(type="channel")
    # when
    html = staff_client.get("/partners/?type=channel&ordering=name").content.decode()
    # then
    assert 'aria-sort="ascending"' in html
    assert 'href="?type=channel&amp;ordering=-name"' in html
    assert 'href="?type=channel&amp;ordering=-health_score"' in html


# --- pagination -----------------------------------------------------------------------


def test_list_shows_50_partners_a_page_and_page_links_keep_the_filters(staff_client):
    # given
    PartnerFactory.create_batch(51, type="channel")
    PartnerFactory(type="sales")
    # when
    first = staff_client.get("/partners/?type=channel")
    second = staff_client.get("/partners/?type=channel&page=2")
    # then
    assert len(_names(first)) == 50
    assert len(_names(second)) == 1
    assert set(_names(first)).isdisjoint(_names(second))
    assert 'href="?type=channel&amp;page=2"' in first.content.decode()
    assert "51</strong> partners" in first.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page(staff_client):
    # given
    PartnerFactory.create_batch(3)
    # when
    response = staff_client.get("/partners/?page=99")
    bad = staff_client.get("/partners/?page=abc")
    # then
    assert len(_names(response)) == 3
    assert len(_names(bad)) == 3


def test_no_match_shows_an_empty_state_with_a_reset_link(staff_client):
    # given
    PartnerFactory(type="channel")
    # when
    response = staff_client.get("/partners/?type=financial")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No partners match these filters" in html
    assert '<a class="btn btn-outline-primary" href="/partners/">Reset the filters</a>' in html


# --- htmx -----------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results_and_the_clean_url_to_push(staff_client):
    # given
    PartnerFactory(name="Channel Co", type="channel")
    PartnerFactory(name="Sales Co", type="sales")
    # when: the filter form sends every field, empty ones included
    response = staff_client.get(
        "/partners/?search=&type=channel&status=&region=&ordering=name", headers={"HX-Request": "true"}
    )
    # then
    html = response.content.decode()
    assert _names(response) == ["Channel Co"]
    assert "<html" not in html
    assert 'id="partner-filters"' not in html
    assert response["HX-Push-Url"] == "/partners/?type=channel&ordering=name"
    assert "HX-Request" in response["Vary"]


def test_an_htmx_request_with_invalid_filters_gets_the_errors_with_a_400(staff_client):
    # when
    response = staff_client.get("/partners/?type=bogus", headers={"HX-Request": "true"})
    # then
    assert response.status_code == 400
    assert "Unknown type: bogus." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_the_full_page_wires_the_filters_to_htmx_and_still_submits_without_javascript(staff_client):
    # given
    PartnerFactory()
    # when
    html = staff_client.get("/partners/").content.decode()
    # then
    form = re.search(r'<form id="partner-filters"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert 'action="/partners/"' in form
    assert 'hx-get="/partners/"' in form
    assert 'hx-target="#partner-results"' in form
    assert 'hx-push-url="true"' in form
    assert '<button class="btn btn-sm btn-primary" type="submit">' in html
    assert 'data-bs-target="#partner-filters-panel"' in html  # the phone's "Filters" button
    assert re.search(r'<script src="/static/js/partner_list\.js" defer>', html)


def test_export_link_carries_the_current_filters(staff_client):
    # given
    PartnerFactory(type="channel")
    # when
    html = staff_client.get("/partners/?type=channel&region=EMEA&page=1").content.decode()
    # then
    assert 'href="/partners/export.csv?type=channel&amp;region=EMEA"' in html


# --- access and queries ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    # when
    response = client.get("/partners/?type=channel")
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/partners/")


def test_a_login_without_staff_rights_gets_404(client, db):
    # given
    PartnerFactory()
    client.force_login(UserFactory(is_staff=False))
    # when
    response = client.get("/partners/")
    # then
    assert response.status_code == 404


def test_an_analyst_sees_the_list_without_the_new_partner_button(client, db):
    # given
    PartnerFactory(name="Visible")
    client.force_login(UserFactory(role="analyst"))
    # when
    response = client.get("/partners/")
    # then
    assert _names(response) == ["Visible"]
    assert "/partners/new/" not in response.content.decode()


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_is_flat(staff_client, manager, rows, django_assert_max_num_queries):
    # given: every row with an owner, regions and verticals to show
    PartnerFactory.create_batch(rows, owner=manager, regions=["DACH", "NA"], verticals=["healthcare", "retail"])
    # when: session, user, the form's regions/verticals/owners, programs and tiers, the region tree, count,
    # page, role
    with django_assert_max_num_queries(10):
        response = staff_client.get("/partners/")
    # then
    assert len(_names(response)) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_filtered_list_query_count_is_flat(staff_client, manager, rows, django_assert_max_num_queries):
    # given: the matching rows, and one partner missing each filter by one criterion
    matching = [f"Alpine {index:02d}" for index in range(1, rows + 1)]
    for name in matching:
        PartnerFactory(name=name, owner=manager, regions=["DACH"], verticals=["healthcare"])
    PartnerFactory(name="Alpine Toronto", owner=manager, regions=["NA"], verticals=["healthcare"])
    PartnerFactory(name="Alpine Retail", owner=manager, regions=["DACH"], verticals=["retail"])
    PartnerFactory(name="Alpine Theirs", owner=UserFactory(), regions=["DACH"], verticals=["healthcare"])
    PartnerFactory(name="Bluepeak", owner=manager, regions=["DACH"], verticals=["healthcare"])
    # when: as above, plus checking the region, vertical and owner given
    with django_assert_max_num_queries(13):  # and the form's programs and tiers
        response = staff_client.get(f"/partners/?region=EMEA&vertical=healthcare&owner={manager.pk}&search=a")
    # then: the page rendered every matching row, and only those
    assert _names(response) == matching
    assert re.search(rf">{rows}</strong> partners?\b", response.content.decode())
