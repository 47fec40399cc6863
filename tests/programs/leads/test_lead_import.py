"""Leads through the CSV import flow: a dry run says what each row would do, a commit creates the
leads and routes them, a second import of the same file creates nothing, and bad rows say why."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports.kinds import kind_get
from partners.imports.mapping import mapping_guess
from partners.imports.models import Import, ImportRow
from partners.imports.services import import_commit, import_file_store, import_run, import_start
from programs.leads.models import Lead, LeadOffer
from tests.factories import UserFactory
from tests.programs.leads.helpers import lead_partner

pytestmark = pytest.mark.django_db
HEADER = ["Company", "Contact Name", "Email", "Country", "Industry", "Employees", "Lead Source"]
ROWS = [
    ["Helix Clinics", "Jane Doe", "jane@helix.example", "Germany", "Healthcare", "120", "Trade fair"],
    ["Alpen Bau", "Max Muster", "max@alpen.example", "AT", "manufacturing", "50-249", "web"],
    ["Nowhere Inc", "", "", "Atlantis", "", "", ""],  # unknown country
    ["Helix Clinics", "Jane Again", "JANE@helix.example", "DE", "", "", ""],  # the same lead as row 2
    ["", "No Company", "nobody@example.com", "DE", "", "", ""],  # no company
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _run(run: Import) -> Import:
    assert import_run(import_id=run.pk) == "done"
    run.refresh_from_db()
    return run


def _dry_run(content: bytes, actor) -> Import:
    stored = import_file_store(upload=SimpleUploadedFile("leads.csv", content), kind="leads", actor=actor)
    return _run(import_start(file=stored, actor=actor, dry_run=True))


def _rows(run: Import) -> dict[int, ImportRow]:
    return {row.number: row for row in ImportRow.objects.filter(run=run)}


def test_the_leads_kind_is_registered_and_guesses_spreadsheet_headers():
    kind = kind_get("leads")
    assert kind is not None and kind.label == "Leads"
    assert mapping_guess(kind=kind, header=HEADER) == {
        "Company": "company",
        "Contact Name": "contact_name",
        "Email": "contact_email",
        "Country": "country",
        "Industry": "vertical",
        "Employees": "size",
        "Lead Source": "source",
    }


def test_a_dry_run_says_what_each_row_would_do_and_writes_no_lead():
    # given
    manager = UserFactory()
    # when
    run = _dry_run(_csv(ROWS), manager)
    # then
    rows = _rows(run)
    assert {number: row.action for number, row in rows.items()} == {
        2: "create",
        3: "create",
        4: "error",
        5: "error",
        6: "error",
    }
    assert rows[4].messages == {"country": ["Unknown country “Atlantis”; use a code such as DE or the English name."]}
    assert rows[5].messages == {"contact_email": ["Row 2 of this file is the same lead (same contact e-mail)."]}
    assert list(rows[6].messages) == ["company"]
    assert (run.created, run.errors) == (2, 3)
    assert not Lead.objects.exists()


def test_a_commit_creates_the_leads_in_normal_form_and_routes_them(django_capture_on_commit_callbacks):
    # given
    manager = UserFactory()
    dach = lead_partner(name="Dach Care", verticals=["healthcare", "manufacturing"])
    dry = _dry_run(_csv(ROWS), manager)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = _run(import_commit(import_id=dry.pk, actor=manager))
    # then
    assert (run.created, run.errors) == (2, 3)
    leads = {lead.company: lead for lead in Lead.objects.all()}
    assert set(leads) == {"Helix Clinics", "Alpen Bau"}
    helix = leads["Helix Clinics"]
    assert (str(helix.country), helix.region_id, helix.vertical_id, helix.size, helix.source) == (
        "DE",
        "DACH",
        "healthcare",
        "50-249",
        "trade fair",
    )
    assert (helix.created_by_id, helix.status, helix.partner_id) == (manager.pk, "offered", dach.pk)
    assert leads["Alpen Bau"].status == "offered"
    assert LeadOffer.objects.count() == 2
    assert _rows(run)[2].object_id == helix.pk


def test_importing_the_same_file_again_creates_nothing_twice(django_capture_on_commit_callbacks):
    manager = UserFactory()
    lead_partner()
    with django_capture_on_commit_callbacks(execute=True):
        _run(import_commit(import_id=_dry_run(_csv(ROWS[:2]), manager).pk, actor=manager))
    ids = set(Lead.objects.values_list("pk", flat=True))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = _run(import_commit(import_id=_dry_run(_csv(ROWS[:2]), manager).pk, actor=manager))
    # then
    assert (again.created, again.unchanged) == (0, 2)
    assert set(Lead.objects.values_list("pk", flat=True)) == ids
    assert {row.object_id for row in _rows(again).values()} == ids


def test_leads_without_an_email_match_on_company_and_country():
    manager = UserFactory()
    rows = [["Solo GmbH", "", "", "DE", "", "", ""], ["SOLO GMBH", "", "", "AT", "", "", ""]]
    _run(import_commit(import_id=_dry_run(_csv(rows), manager).pk, actor=manager))
    again = _dry_run(_csv([["solo gmbh", "", "", "Germany", "", "", ""]]), manager)
    assert [row.action for row in _rows(again).values()] == ["unchanged"]


def test_a_mapping_without_company_or_country_is_refused():
    assert kind_get("leads").mapping_errors({"contact_email"}) == [
        "Map a column to company: every lead needs it.",
        "Map a column to country: every lead needs it.",
    ]


@pytest.mark.parametrize(
    ("cell", "band"), [("7", "1-9"), ("1,200", "1000-4999"), ("25000", "5000+"), ("10-49", "10-49")]
)
def test_company_size_takes_a_band_or_a_number_of_employees(cell, band):
    assert kind_get("leads").column("size").parse(cell) == band
