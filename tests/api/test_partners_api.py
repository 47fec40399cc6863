"""/api/v1/partners/ as api.md promises it."""

import pytest
from django.utils import timezone

from partners.models import Activity, Partner
from tests.factories import UserFactory

PARTNER_KEYS = {
    "id", "name", "legal_name", "slug", "website", "description", "type", "status", "engagement", "country",
    "regions", "verticals", "owner", "created_at", "updated_at",
}  # fmt: skip


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- create, read, update, archive ----------------------------------------------------


def test_create_returns_the_api_md_representation(manager_client, manager):
    # when
    response = manager_client.post(
        "/api/v1/partners/",
        {
            "name": "Helix Health Systems", "legal_name": "Helix Health Systems GmbH",
            "website": "https://helix-health.example", "type": "channel", "status": "active",
            "engagement": "collaborative", "country": "DE", "regions": ["DACH"],
            "verticals": ["healthcare", "life-sciences"], "owner": manager.id,
        },
        format="json",
    )  # fmt: skip
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= PARTNER_KEYS
    assert body["slug"] == "helix-health-systems"
    assert body["regions"] == ["DACH"]
    assert body["verticals"] == ["healthcare", "life-sciences"]
    assert body["owner"] == manager.id
    assert body["country"] == "DE"
    assert body["created_at"].endswith("Z")
    assert response["ETag"] == f'"{body["id"]}-1"'
    partner = Partner.objects.get(pk=body["id"])
    assert partner.activities.get().kind == Activity.Kind.CREATED


def test_read_one_partner_with_its_etag(manager_client, make_partner):
    # given
    partner = make_partner(name="Kestrel Analytics")
    # when
    response = manager_client.get(f"/api/v1/partners/{partner.pk}/")
    # then
    assert response.status_code == 200
    assert response.json()["name"] == "Kestrel Analytics"
    assert response["ETag"] == partner.etag


def test_patch_changes_fields_and_writes_the_timeline(manager_client, make_partner):
    # given
    partner = make_partner()
    # when
    response = manager_client.patch(
        f"/api/v1/partners/{partner.pk}/", {"engagement": "strategic", "regions": ["WE", "DACH"]}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["engagement"] == "strategic"
    assert response.json()["regions"] == ["WE", "DACH"]
    entry = partner.activities.filter(kind=Activity.Kind.UPDATED).get()
    assert entry.data["changes"]["engagement"] == ["collaborative", "strategic"]
    assert response["ETag"] == f'"{partner.pk}-2"'


def test_put_replaces_the_profile(manager_client, make_partner):
    # given
    partner = make_partner()
    # when
    response = manager_client.put(
        f"/api/v1/partners/{partner.pk}/",
        {"name": "Renamed", "type": "sales", "country": "FR", "regions": ["WE"], "verticals": []},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    partner.refresh_from_db()
    assert (partner.name, partner.type, partner.country.code, partner.regions, partner.verticals) == (
        "Renamed", "sales", "FR", ["WE"], []
    )  # fmt: skip


def test_a_write_with_a_stale_if_match_is_412_and_changes_nothing(manager_client, make_partner):
    # given: a client read version 1, then someone else changed the partner
    partner = make_partner(name="Original")
    stale = manager_client.get(f"/api/v1/partners/{partner.pk}/")["ETag"]
    manager_client.patch(f"/api/v1/partners/{partner.pk}/", {"description": "edited"}, format="json")
    # when
    response = manager_client.patch(
        f"/api/v1/partners/{partner.pk}/", {"name": "Overwritten"}, format="json", HTTP_IF_MATCH=stale
    )
    # then
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    partner.refresh_from_db()
    assert partner.name == "Original"


def test_a_write_with_the_current_if_match_succeeds(manager_client, make_partner):
    # given
    partner = make_partner()
    etag = manager_client.get(f"/api/v1/partners/{partner.pk}/")["ETag"]
    # when
    response = manager_client.patch(
        f"/api/v1/partners/{partner.pk}/", {"name": "Fresh"}, format="json", HTTP_IF_MATCH=etag
    )
    # then
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_an_if_match_of_another_partner_is_412(manager_client, make_partner):
    # given
    first, second = make_partner(), make_partner()
    # when
    response = manager_client.patch(
        f"/api/v1/partners/{first.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH=second.etag
    )
    # then
    assert response.status_code == 412


def test_status_follows_the_allowed_transitions(manager_client, make_partner):
    # given
    partner = make_partner(status="prospect")
    # when
    illegal = manager_client.patch(f"/api/v1/partners/{partner.pk}/", {"status": "active"}, format="json")
    legal = manager_client.patch(f"/api/v1/partners/{partner.pk}/", {"status": "onboarding"}, format="json")
    # then
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "invalid_status_transition"
    assert illegal.json()["allowed"] == ["onboarding", "terminated"]
    assert legal.status_code == 200
    assert legal.json()["status"] == "onboarding"
    assert partner.activities.filter(kind=Activity.Kind.STATUS_CHANGED).count() == 1


def test_delete_archives_and_keeps_the_partner(manager_client, make_partner):
    # given
    partner = make_partner()
    # when
    response = manager_client.delete(f"/api/v1/partners/{partner.pk}/")
    again = manager_client.delete(f"/api/v1/partners/{partner.pk}/")
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "terminated"
    assert again.status_code == 200
    assert Partner.objects.get(pk=partner.pk).status == "terminated"
    assert manager_client.get(f"/api/v1/partners/{partner.pk}/").status_code == 200


def test_timeline_is_newest_first(manager_client, make_partner):
    # given
    partner = make_partner(status="prospect")
    manager_client.patch(f"/api/v1/partners/{partner.pk}/", {"status": "onboarding"}, format="json")
    # when
    response = manager_client.get(f"/api/v1/partners/{partner.pk}/timeline/")
    # then
    assert response.status_code == 200
    kinds = [row["kind"] for row in response.json()["results"]]
    assert kinds == ["status_changed", "created"]
    assert response.json()["results"][0]["actor_name"]


def test_unknown_partner_is_404(manager_client, db):
    # when / then
    assert manager_client.get("/api/v1/partners/999999/").status_code == 404
    assert manager_client.get("/api/v1/partners/999999/timeline/").status_code == 404


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "reseller"}, "type"),
        ({"regions": ["MOON"]}, "regions"),
        ({"verticals": ["space"]}, "verticals"),
        ({"country": "XX"}, "country"),
        ({"website": "not a url"}, "website"),
        ({"name": "x" * 201}, "name"),
        ({"engagement": "close"}, "engagement"),
        ({"owner": 999999}, "owner"),
        ({"status": "sleeping"}, "status"),
        ({"regions": "DACH"}, "regions"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(manager_client, changes, field):
    # given
    valid = {"name": "Valid Partner", "type": "channel", "country": "DE"}
    # when
    response = manager_client.post("/api/v1/partners/", {**valid, **changes}, format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert isinstance(response.json()[field], list)
    assert not Partner.objects.exists()


def test_a_duplicate_slug_is_a_400(manager_client, make_partner):
    # given
    make_partner(name="Taken", slug="taken")
    # when
    response = manager_client.post(
        "/api/v1/partners/", {"name": "Other", "slug": "taken", "type": "sales", "country": "FR"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json()["slug"] == ["A partner with this slug already exists."]
    assert Partner.objects.count() == 1


def test_bad_patch_changes_nothing(manager_client, make_partner):
    # given
    partner = make_partner(name="Keep Me")
    # when
    response = manager_client.patch(
        f"/api/v1/partners/{partner.pk}/", {"name": "New", "regions": ["NOWHERE"]}, format="json"
    )
    # then
    assert response.status_code == 400
    partner.refresh_from_db()
    assert partner.name == "Keep Me"
    assert partner.version == 1


def test_a_non_staff_owner_is_refused(manager_client):
    # given
    outsider = UserFactory(is_staff=False)
    # when
    response = manager_client.post(
        "/api/v1/partners/", {"name": "P", "type": "sales", "country": "FR", "owner": outsider.pk}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "owner" in response.json()


# --- filters --------------------------------------------------------------------------


@pytest.fixture
def network(make_partner, manager):
    other_owner = UserFactory()
    make_partner(name="Alpha", type="channel", regions=["DACH"], verticals=["healthcare"], owner=manager)
    make_partner(name="Bravo", type="sales", regions=["WE"], verticals=["retail"], status="prospect", owner=None)
    make_partner(
        name="Charlie", type="technology", regions=["NA"], verticals=["technology"], engagement="strategic", owner=None
    )
    make_partner(name="Delta", type="channel", regions=["JP"], verticals=["healthcare", "retail"], owner=other_owner)
    make_partner(
        name="Echo", type="financial", regions=["EMEA"], verticals=["financial-services"], status="inactive", owner=None
    )
    return other_owner


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=channel", ["Alpha", "Delta"]),
        ("type=channel,sales", ["Alpha", "Bravo", "Delta"]),
        ("type=channel,financial", ["Alpha", "Delta", "Echo"]),
        ("status=prospect", ["Bravo"]),
        ("status=active,inactive", ["Alpha", "Charlie", "Delta", "Echo"]),
        ("region=EMEA", ["Alpha", "Bravo", "Echo"]),
        ("region=DACH", ["Alpha"]),
        ("region=APAC,AMER", ["Charlie", "Delta"]),
        ("region=GLOBAL", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("vertical=healthcare", ["Alpha", "Delta"]),
        ("vertical=retail,technology", ["Bravo", "Charlie", "Delta"]),
        ("engagement=strategic", ["Charlie"]),
        ("type=channel&region=EMEA&vertical=healthcare", ["Alpha"]),
        ("search=alp", ["Alpha"]),
        ("search=ECHO", ["Echo"]),
        ("ordering=-name&type=channel", ["Delta", "Alpha"]),
    ],
)
def test_each_filter(manager_client, network, query, expected):
    # when
    response = manager_client.get(f"/api/v1/partners/?{query}")
    # then
    assert _names(response) == expected


def test_owner_filter(manager_client, network, manager):
    # when / then
    assert _names(manager_client.get(f"/api/v1/partners/?owner={manager.pk}")) == ["Alpha"]
    assert _names(manager_client.get(f"/api/v1/partners/?owner={manager.pk},{network.pk}")) == ["Alpha", "Delta"]


def test_search_finds_contacts(manager_client, make_partner):
    # given
    from partners.services import contact_add

    partner = make_partner(name="Foxtrot")
    make_partner(name="Golf")
    contact_add(partner_id=partner.pk, actor=None, name="Ingrid Svensson", email="ingrid@foxtrot.example")
    # when / then
    assert _names(manager_client.get("/api/v1/partners/?search=svens")) == ["Foxtrot"]
    assert _names(manager_client.get("/api/v1/partners/?search=ingrid@foxtrot")) == ["Foxtrot"]


def test_created_and_updated_after(manager_client, make_partner, time_machine):
    # given
    time_machine.move_to("2026-01-01T00:00:00Z")
    make_partner(name="Old")
    time_machine.move_to("2026-06-01T00:00:00Z")
    make_partner(name="New")
    # when / then
    assert _names(manager_client.get("/api/v1/partners/?created_after=2026-03-01T00:00:00Z")) == ["New"]
    assert _names(manager_client.get("/api/v1/partners/?updated_after=2025-12-01")) == ["New", "Old"]


def test_ordering_by_created_at_and_health_score(manager_client, make_partner):
    # given
    first, second = make_partner(name="First"), make_partner(name="Second")
    make_partner(name="Unscored")
    Partner.objects.filter(pk=first.pk).update(health_score=90)
    Partner.objects.filter(pk=second.pk).update(health_score=40)
    # when / then: partners without a score come last both ways
    assert _names(manager_client.get("/api/v1/partners/?ordering=-created_at")) == ["Unscored", "Second", "First"]
    assert _names(manager_client.get("/api/v1/partners/?ordering=health_score")) == ["Second", "First", "Unscored"]
    assert _names(manager_client.get("/api/v1/partners/?ordering=-health_score")) == ["First", "Second", "Unscored"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=reseller", "type"),
        ("type=channel,bogus", "type"),
        ("status=asleep", "status"),
        ("region=MOON", "region"),
        ("vertical=space", "vertical"),
        ("engagement=close", "engagement"),
        ("owner=abc", "owner"),
        ("owner=999999", "owner"),
        ("created_after=yesterday", "created_after"),
        ("ordering=password", "ordering"),
    ],
)
def test_unknown_filter_values_are_a_400(manager_client, network, query, field):
    # when
    response = manager_client.get(f"/api/v1/partners/?{query}")
    # then
    assert response.status_code == 400
    assert field in response.json()


def test_pagination_of_partners(manager_client, make_partner):
    # given
    for _ in range(5):
        make_partner()
    # when
    response = manager_client.get("/api/v1/partners/?page_size=2&page=3")
    # then
    body = response.json()
    assert body["count"] == 5
    assert len(body["results"]) == 1
    assert body["next"] is None
    assert "page=2" in body["previous"]


# --- performance ----------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_is_flat(api_client, token_header, make_partner, django_assert_max_num_queries, rows):
    # given
    for _ in range(rows):
        make_partner(type="channel", regions=["DACH"], verticals=["healthcare"])
    # when: token, count, page (regions and verticals come from the cache once it is warm)
    api_client.get("/api/v1/partners/?region=EMEA", **token_header)
    with django_assert_max_num_queries(3):
        response = api_client.get(
            "/api/v1/partners/?type=channel&region=EMEA&vertical=healthcare&page_size=50", **token_header
        )
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [1, 20])
def test_unfiltered_list_query_count_is_flat(manager_client, make_partner, django_assert_max_num_queries, rows):
    # given
    for _ in range(rows):
        make_partner()
    # when: count, page
    with django_assert_max_num_queries(2):
        response = manager_client.get("/api/v1/partners/")
    # then
    assert len(response.json()["results"]) == rows


# --- who may do what ------------------------------------------------------------------


def test_an_analyst_reads_but_cannot_write(api_client, make_partner):
    # given
    partner = make_partner(name="Read Only")
    analyst = UserFactory(role="analyst")
    api_client.force_authenticate(analyst)
    # when
    read = api_client.get(f"/api/v1/partners/{partner.pk}/")
    write = api_client.patch(f"/api/v1/partners/{partner.pk}/", {"name": "Changed"}, format="json")
    create = api_client.post("/api/v1/partners/", {"name": "N", "type": "sales", "country": "FR"}, format="json")
    # then
    assert read.status_code == 200
    assert write.status_code == 403
    assert create.status_code == 403
    partner.refresh_from_db()
    assert partner.name == "Read Only"


def test_a_login_without_staff_rights_sees_no_partner(api_client, make_partner):
    # given
    partner = make_partner()
    outsider = UserFactory(is_staff=False)
    api_client.force_authenticate(outsider)
    # when / then
    assert api_client.get("/api/v1/partners/").status_code == 403
    assert api_client.get(f"/api/v1/partners/{partner.pk}/").status_code == 403


def test_anonymous_callers_get_401(api_client, make_partner):
    # when / then
    assert api_client.get("/api/v1/partners/").status_code == 401


def test_timestamps_are_iso_with_timezone(manager_client, make_partner):
    # given
    make_partner()
    # when
    row = manager_client.get("/api/v1/partners/").json()["results"][0]
    # then
    parsed = timezone.datetime.fromisoformat(row["updated_at"].replace("Z", "+00:00"))
    assert parsed.tzinfo is not None


def test_a_list_row_is_the_same_representation_as_the_detail(manager_client, make_partner, manager):
    # given: one partner with an owner, one without
    make_partner(name="Owned", owner=manager)
    make_partner(name="Unowned", owner=None)
    # when
    rows = manager_client.get("/api/v1/partners/").json()["results"]
    # then
    for row in rows:
        assert manager_client.get(f"/api/v1/partners/{row['id']}/").json() == row
    assert rows[0]["owner_name"] == manager.get_full_name()
    assert rows[1]["owner_name"] is None


@pytest.mark.parametrize("search", ["acme.com", "www.acme.com", "https://acme.com/about", "ACME.COM", "acme"])
def test_search_finds_a_partner_by_its_website_domain(manager_client, make_partner, search):
    # given: the website has www. and a path; another partner's only mentions the domain in its path
    make_partner(name="Roadrunner Supplies", website="https://www.acme.com/partners")
    make_partner(name="Coyote Ltd", website="https://coyote.example/acme")
    make_partner(name="Acmeless", website="https://acme.org")
    # when
    names = _names(manager_client.get("/api/v1/partners/", {"search": search}))
    # then
    assert "Roadrunner Supplies" in names
    assert "Coyote Ltd" not in names
    if search != "acme":
        assert "Acmeless" not in names


@pytest.mark.parametrize("query", ["tier=gold", "program=3", "tier=gold&type=channel"])
def test_tier_and_program_are_refused_until_programs_exist(manager_client, make_partner, query):
    # given: a sync job filtering by tier must not process the whole registry
    make_partner(name="Alpha")
    # when
    response = manager_client.get(f"/api/v1/partners/?{query}")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {query.split("=")[0]}
