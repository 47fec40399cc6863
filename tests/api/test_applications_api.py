"""/api/v1/applications/: staff read applications with filters; managers and admins assign,
approve and reject; a partner's token reads an empty list and a 404 for each application."""

import pytest
from django.core import mail

from partners.invitations.models import Invitation
from partners.models import PartnerUser
from partners.services import api_token_create
from programs.applications.services import application_assign
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory
from tests.programs.applications.helpers import submit

pytestmark = pytest.mark.django_db


def _auth(api_client, user):
    _, key = api_token_create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def test_staff_list_and_filter_applications(api_client, manager):
    # given
    vetter = UserFactory(role="manager")
    first = submit(company="Alpha", website="alpha.example", contact_email="a@alpha.example")
    second = submit(company="Alpha EU", website="eu.alpha.example", contact_email="b@alpha.example")
    application_assign(application_id=second.pk, actor=manager, vetter=vetter)
    _auth(api_client, manager)
    # when
    everything = api_client.get("/api/v1/applications/").json()
    duplicates = api_client.get("/api/v1/applications/?duplicate=true").json()
    in_review = api_client.get(f"/api/v1/applications/?state=in_review&vetter={vetter.pk}").json()
    searched = api_client.get("/api/v1/applications/?search=alpha.example").json()
    detail = api_client.get(f"/api/v1/applications/{second.pk}/").json()
    # then: oldest first, in the API's names
    assert [row["id"] for row in everything["results"]] == [first.pk, second.pk]
    assert [row["id"] for row in duplicates["results"]] == [second.pk]
    assert [row["id"] for row in in_review["results"]] == [second.pk]
    assert searched["count"] == 2
    assert detail["duplicate"] is True and detail["duplicate_of"] == first.pk and detail["vetter"] == vetter.pk
    assert detail["domain"] == "alpha.example" and detail["state"] == "in_review"
    assert detail["verticals"] == ["healthcare", "life-sciences"] and detail["country"] == "DE"


def test_bad_filters_are_a_400_naming_them(api_client, manager):
    _auth(api_client, manager)
    response = api_client.get("/api/v1/applications/?state=maybe&colour=red")
    assert response.status_code == 400
    assert set(response.json()) >= {"colour"}
    assert api_client.get("/api/v1/applications/?vetter=x").status_code == 400


def test_a_manager_assigns_approves_and_rejects_through_the_api(
    api_client, manager, django_capture_on_commit_callbacks
):
    # given
    vetter = UserFactory(role="manager")
    approved = submit(company="Alpha", website="alpha.example", contact_email="a@alpha.example")
    rejected = submit(company="Bravo", website="bravo.example", contact_email="b@bravo.example")
    _auth(api_client, manager)
    mail.outbox.clear()
    # when
    assigned = api_client.post(f"/api/v1/applications/{approved.pk}/assign/", {"vetter": vetter.pk}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        approve = api_client.post(f"/api/v1/applications/{approved.pk}/approve/", format="json")
        reject = api_client.post(f"/api/v1/applications/{rejected.pk}/reject/", {"reason": "Not now."}, format="json")
    # then
    assert assigned.status_code == 200 and assigned.json()["state"] == "in_review"
    assert approve.status_code == 200 and approve.json()["state"] == "approved"
    assert approve.json()["invitation"] == Invitation.objects.get(email="a@alpha.example").pk
    assert reject.status_code == 200 and reject.json()["rejection_reason"] == "Not now."
    assert sorted(m.to[0] for m in mail.outbox) == ["a@alpha.example", "b@bravo.example"]
    # and deciding again is a 409, a missing reason a 400, an unknown vetter a 400
    again = api_client.post(f"/api/v1/applications/{approved.pk}/reject/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_application_transition"
    other = submit(company="Charlie", website="charlie.example", contact_email="c@charlie.example")
    assert api_client.post(f"/api/v1/applications/{other.pk}/reject/", {}, format="json").status_code == 400
    bad_vetter = api_client.post(f"/api/v1/applications/{other.pk}/assign/", {"vetter": 999999}, format="json")
    assert bad_vetter.status_code == 400 and "vetter" in bad_vetter.json()


def test_an_analyst_reads_but_cannot_decide(api_client):
    application = submit()
    _auth(api_client, UserFactory(role="analyst"))
    assert api_client.get(f"/api/v1/applications/{application.pk}/").status_code == 200
    assert api_client.post(f"/api/v1/applications/{application.pk}/approve/", format="json").status_code == 403


def test_a_partner_token_sees_no_application_not_even_its_own(api_client):
    # given: an application whose prospect partner has a login (as after approval)
    application = submit()
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=application.partner, role="partner_admin")
    _auth(api_client, user)
    # when / then
    listed = api_client.get("/api/v1/applications/")
    assert listed.status_code == 200 and listed.json()["count"] == 0 and listed.json()["results"] == []
    assert api_client.get(f"/api/v1/applications/{application.pk}/").status_code == 404
    for action in ("assign", "approve", "reject"):
        response = api_client.post(f"/api/v1/applications/{application.pk}/{action}/", {"reason": "x"}, format="json")
        assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == "received"


def test_anonymous_callers_are_refused(api_client):
    application = submit()
    assert api_client.get("/api/v1/applications/").status_code == 401
    assert api_client.get(f"/api/v1/applications/{application.pk}/").status_code == 401


@pytest.mark.parametrize("rows", [1, 20])
def test_list_query_count_is_flat(api_client, manager, rows, django_assert_max_num_queries):
    # given
    vetter = UserFactory(role="manager")
    PartnerFactory()  # a partner without an application changes nothing
    for number in range(rows):
        application = submit(company=f"C{number}", website=f"c{number}.example", contact_email=f"a@c{number}.example")
        application_assign(application_id=application.pk, actor=manager, vetter=vetter)
    _auth(api_client, manager)
    # when: the token (with its user), the count, the page with partner and vetter joined
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/applications/?page_size=20")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
