"""The partner list as a streamed CSV file."""

import csv
import io
import re

import pytest
import time_machine

from prm.spreadsheets import csv_safe
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

HEADER = [
    "id", "name", "legal_name", "slug", "website", "type", "status", "engagement", "country", "regions",
    "verticals", "owner_email", "created_at", "updated_at",
]  # fmt: skip


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def staff_client(client, manager):
    client.force_login(manager)
    return client


def test_export_streams_a_csv_attachment_with_a_header_row(staff_client, manager):
    # given
    partner = PartnerFactory(
        name="Helix Health",
        legal_name="Helix Health GmbH",
        slug="helix-health",
        website="https://helix.example",
        type="channel",
        status="active",
        engagement="strategic",
        country="DE",
        regions=["DACH", "WE"],
        verticals=["healthcare", "life-sciences"],
        owner=manager,
    )
    # when
    with time_machine.travel("2026-03-05 10:00:00Z", tick=False):
        response = staff_client.get("/partners/export.csv")
    # then
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="partners-20260305.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheet programs then read UTF-8
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1] == [
        str(partner.pk), "Helix Health", "Helix Health GmbH", "helix-health", "https://helix.example", "channel",
        "active", "strategic", "DE", "DACH;WE", "healthcare;life-sciences", manager.email,
        partner.created_at.isoformat(), partner.updated_at.isoformat(),
    ]  # fmt: skip


def test_export_applies_the_same_filters_as_the_list(staff_client):
    # given
    PartnerFactory(name="Berlin", type="channel", regions=["DACH"])
    PartnerFactory(name="Toronto", type="channel", regions=["NA"])
    PartnerFactory(name="Bank", type="financial", regions=["DACH"])
    # when
    response = staff_client.get("/partners/export.csv?type=channel&region=EMEA")
    # then
    assert [row["name"] for row in _rows(response)] == ["Berlin"]


def test_export_follows_the_chosen_order(staff_client):
    # given
    for name in ("Alpha", "Charlie", "Bravo"):
        PartnerFactory(name=name)
    # when
    response = staff_client.get("/partners/export.csv?ordering=-name")
    # then
    assert [row["name"] for row in _rows(response)] == ["Charlie", "Bravo", "Alpha"]


def test_export_neutralises_spreadsheet_formulas(staff_client):
    # given
    PartnerFactory(name='=HYPERLINK("http://evil.example","x")', legal_name="+1 555", website="")
    PartnerFactory(name="@SUM(A1)", legal_name="-2+3")
    # when
    rows = _rows(staff_client.get("/partners/export.csv"))
    # then
    assert {row["name"] for row in rows} == {'\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"}
    assert {row["legal_name"] for row in rows} == {"'+1 555", "'-2+3"}


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("plain", "plain"), (None, "")],
)
def test_csv_cells_starting_with_a_formula_character_get_an_apostrophe(value, safe):
    assert csv_safe(value) == safe


def test_export_of_many_partners_arrives_in_several_chunks(staff_client):
    # given
    PartnerFactory.create_batch(1001)
    # when
    response = staff_client.get("/partners/export.csv")
    chunks = list(response.streaming_content)
    # then: the header alone, then 500 rows a chunk
    assert len(chunks) == 4
    body = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(body)))) == 1001


def test_export_with_invalid_filters_shows_the_list_page_with_errors(staff_client):
    # when
    response = staff_client.get("/partners/export.csv?type=bogus&region=ATLANTIS")
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert not response.streaming
    assert "Unknown type: bogus." in html
    assert "Unknown region: ATLANTIS." in html
    assert 'id="partner-filters"' in html


def test_an_analyst_may_export(client, db):
    # given
    PartnerFactory(name="Visible")
    client.force_login(UserFactory(role="analyst"))
    # when
    rows = _rows(client.get("/partners/export.csv"))
    # then
    assert [row["name"] for row in rows] == ["Visible"]


def test_export_is_refused_to_anonymous_and_non_staff_users(client, db):
    # given
    PartnerFactory()
    # when
    anonymous = client.get("/partners/export.csv")
    client.force_login(UserFactory(is_staff=False))
    outsider = client.get("/partners/export.csv")
    # then
    assert anonymous.status_code == 302
    assert re.match(r"/accounts/login/", anonymous["Location"])
    assert outsider.status_code == 404


@pytest.mark.parametrize("rows", [1, 20])
def test_export_query_count_is_flat(staff_client, manager, rows, django_assert_max_num_queries):
    # given
    PartnerFactory.create_batch(rows, owner=manager)
    # when: session, user, then one cursor for the rows (owners joined); the first chunk has them all
    with django_assert_max_num_queries(3):
        response = staff_client.get("/partners/export.csv")
        exported = _rows(response)
    # then
    assert len(exported) == rows
