import pytest

from partners.models import Activity, Contact, Partner, Region, Vertical
from partners.services import contact_add
from tests.factories import UserFactory


@pytest.fixture
def partner(make_partner):
    return make_partner(name="Helix Health")


def _add(client, target, **fields):
    body = {"partner": target.pk, "name": "Anna Berg", "email": "anna@helix.example", **fields}
    return client.post("/api/v1/contacts/", body, format="json")


def test_add_a_contact_in_the_api_md_shape(manager_client, partner):
    # when
    response = _add(manager_client, partner, role="primary", phone="+49 30 1234", title="CEO")
    # then
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"], "partner": partner.pk, "name": "Anna Berg", "email": "anna@helix.example",
        "phone": "+49 30 1234", "title": "CEO", "role": "primary", "is_primary": True,
    }  # fmt: skip
    assert partner.activities.filter(kind=Activity.Kind.CONTACT_ADDED).count() == 1


def test_is_primary_true_makes_the_contact_primary(manager_client, partner):
    # when
    response = _add(manager_client, partner, is_primary=True)
    # then
    assert response.status_code == 201
    assert Contact.objects.get().role == "primary"


def test_a_second_primary_contact_is_refused_with_a_field_message(manager_client, partner):
    # given
    _add(manager_client, partner, role="primary")
    # when
    response = _add(manager_client, partner, role="primary", email="bo@helix.example", name="Bo")
    # then
    assert response.status_code == 400
    assert response.json() == {"role": ["This partner already has a primary contact."]}
    assert Contact.objects.count() == 1


def test_the_database_refuses_a_second_primary_even_without_the_service(partner):
    # given
    from django.db import IntegrityError, transaction

    Contact.objects.create(partner=partner, name="A", email="a@x.example", role="primary")
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(partner=partner, name="B", email="b@x.example", role="primary")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"role": "boss"}, "role"),
        ({"name": ""}, "name"),
        ({"partner": 0}, "partner"),
    ],
)
def test_bad_contact_input_is_a_400(manager_client, partner, fields, field):
    # when
    response = _add(manager_client, partner, **fields)
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_filter_contacts_by_partner(manager_client, partner, make_partner):
    # given
    other = make_partner(name="Other")
    contact_add(partner_id=partner.pk, actor=None, name="Mine", email="m@x.example")
    contact_add(partner_id=other.pk, actor=None, name="Theirs", email="t@x.example")
    # when
    response = manager_client.get(f"/api/v1/contacts/?partner={partner.pk}")
    # then
    assert [row["name"] for row in response.json()["results"]] == ["Mine"]
    assert manager_client.get("/api/v1/contacts/?partner=abc").status_code == 400


def test_update_and_remove_a_contact(manager_client, partner):
    # given
    contact = contact_add(partner_id=partner.pk, actor=None, name="Anna", email="anna@x.example")
    # when
    patched = manager_client.patch(f"/api/v1/contacts/{contact.pk}/", {"title": "CTO"}, format="json")
    removed = manager_client.delete(f"/api/v1/contacts/{contact.pk}/")
    # then
    assert patched.status_code == 200
    assert patched.json()["title"] == "CTO"
    assert removed.status_code == 204
    assert not Contact.objects.exists()
    kinds = list(partner.activities.values_list("kind", flat=True))
    assert {"contact_added", "contact_updated", "contact_removed"} <= set(kinds)


@pytest.mark.parametrize("rows", [1, 20])
def test_contact_list_query_count_is_flat(manager_client, partner, django_assert_max_num_queries, rows):
    # given
    for index in range(rows):
        contact_add(partner_id=partner.pk, actor=None, name=f"C {index}", email=f"c{index}@x.example")
    # when
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/contacts/")
    # then
    assert len(response.json()["results"]) == rows


def test_regions_nest_by_parent_code(manager_client):
    # when
    response = manager_client.get("/api/v1/regions/?page_size=200")
    # then
    rows = {row["code"]: row for row in response.json()["results"]}
    assert rows["DACH"] == {"code": "DACH", "name": "Germany, Austria and Switzerland", "parent": "EMEA"}
    assert rows["GLOBAL"]["parent"] is None
    assert len(rows) == 16


def test_verticals_are_listed_by_slug(manager_client):
    # when
    response = manager_client.get("/api/v1/verticals/?page_size=200")
    # then
    slugs = {row["slug"] for row in response.json()["results"]}
    assert {"healthcare", "manufacturing", "life-sciences"} <= slugs
    assert len(slugs) == 10


def test_only_admins_change_reference_data(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post("/api/v1/verticals/", {"slug": "mining", "name": "Mining"}, format="json")
    # then
    assert response.status_code == 403
    assert not Vertical.objects.filter(slug="mining").exists()


def test_an_admin_adds_a_region_and_cannot_delete_one_in_use(api_client, make_partner):
    # given
    admin = UserFactory(role="admin")
    api_client.force_authenticate(admin)
    make_partner(regions=["DACH"])
    # when
    created = api_client.post("/api/v1/regions/", {"code": "BALT", "name": "Baltics", "parent": "EMEA"}, format="json")
    in_use = api_client.delete("/api/v1/regions/DACH/")
    parent = api_client.delete("/api/v1/regions/EMEA/")
    unused = api_client.delete("/api/v1/regions/BALT/")
    # then
    assert created.status_code == 201
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "region_in_use"
    assert parent.status_code == 409
    assert unused.status_code == 204
    assert Region.objects.filter(code="DACH").exists()
    assert Partner.objects.filter(regions__contains=["DACH"]).exists()


def test_a_new_region_is_usable_at_once_although_regions_are_cached(api_client, make_partner):
    # given: the reference data is cached by a first filter
    admin = UserFactory(role="admin")
    api_client.force_authenticate(admin)
    assert api_client.get("/api/v1/partners/?region=EMEA").status_code == 200
    # when
    api_client.post("/api/v1/regions/", {"code": "BALT", "name": "Baltics", "parent": "EMEA"}, format="json")
    make_partner(name="Riga Systems", regions=["BALT"])
    # then
    assert [row["name"] for row in api_client.get("/api/v1/partners/?region=EMEA").json()["results"]] == [
        "Riga Systems"
    ]
    assert api_client.get("/api/v1/partners/?region=BALT").status_code == 200
