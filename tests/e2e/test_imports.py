"""A manager imports partners from a CSV in the browser: uploads it, maps the one column whose
header is not recognised, reads the dry run (its figures and its error row), imports the rows,
watches the progress finish and downloads the report.

The dry run and the import run in a real Celery worker, so the page's progress panel polls until
the worker is done. Set ``E2E_SCREENSHOTS`` to a folder to keep a full-page screenshot of every
step at 1280 and 390 pixels wide.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from partners.imports.models import Import
from partners.models import Partner
from tests.e2e.helpers import screenshots
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CSV = (
    "Org;Website;Partner type;Country;Regions\r\n"
    "Helix Health;https://helix.example;technology;AT;DACH\r\n"
    "Nordwind Capital Malmö;nordwind.example;financial;Sweden;NORDICS\r\n"
    "Quokka Labs;https://quokka.example;support;AU;ANZ\r\n"
    "Broken Row;https://broken.example;spaceship;DE;\r\n"
)


def _figure(page, label: str):
    return page.locator(".prm-figure", has=page.get_by_text(label, exact=True)).locator(".prm-figure-value")


def test_a_manager_maps_a_column_reads_the_dry_run_imports_and_downloads_the_report(worker, page, tmp_path):
    # given: Maria, and a partner the file updates (matched by its website's domain)
    manager = UserFactory(email="maria@example.com", username="maria@example.com", first_name="Maria")
    PartnerFactory(name="Helix Health", website="https://helix.example", type="technology", country="DE")
    upload = tmp_path / "crm-partners.csv"
    upload.write_bytes(CSV.encode("windows-1252"))
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    expect(page).to_have_url(re.compile(r"/$"))
    # when: she opens the imports and starts a new one
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="No imports yet")).to_be_visible()
    screenshots(page, "imports", "1-list-empty")
    page.get_by_role("link", name="New import").click()
    page.get_by_label("What the rows are").select_option("partners")
    page.get_by_label("CSV file").set_input_files(upload)
    screenshots(page, "imports", "2-upload")
    page.get_by_role("button", name="Upload and map columns").click()
    # then: the mapping page read the file and guessed every column but "Org"
    expect(page.get_by_role("heading", level=1)).to_have_text("2. Which column is which")
    expect(page.get_by_text("Read as Windows-1252, separated by semicolons · 4 data rows")).to_be_visible()
    org = page.get_by_label("Field for the column Org")
    expect(org).to_have_value("")
    expect(page.get_by_label("Field for the column Website")).to_have_value("website")
    expect(page.get_by_label("Field for the column Partner type")).to_have_value("type")
    expect(page.get_by_label("Field for the column Country")).to_have_value("country")
    expect(page.get_by_label("Field for the column Regions")).to_have_value("regions")
    expect(page.get_by_role("cell", name="Nordwind Capital Malmö")).to_be_visible()
    screenshots(page, "imports", "3-map")
    # when: she maps "Org" to the name and runs the dry run
    org.select_option(label="Name")
    page.get_by_role("button", name="Run a dry run").click()
    # then: the worker reads the rows; the page follows its progress and shows what would happen
    expect(page.get_by_role("heading", level=1)).to_have_text("Dry run of crm-partners.csv")
    expect(page.locator("#progress")).to_contain_text("All rows read", timeout=60_000)
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    expect(_figure(page, "Would create")).to_have_text("2")
    expect(_figure(page, "Would update")).to_have_text("1")
    expect(_figure(page, "Errors")).to_have_text("1")
    rows = page.get_by_role("region", name="Rows")
    broken = rows.get_by_role("row").filter(has_text="Broken Row")
    expect(broken).to_contain_text("Error")
    expect(broken).to_contain_text("Type: “spaceship” is not a partner type")
    expect(rows.get_by_role("row").filter(has_text="Helix Health")).to_contain_text("Country: DE → AT")
    assert not Partner.objects.filter(name="Quokka Labs").exists()
    screenshots(page, "imports", "4-dry-run")
    # when: she imports the rows
    page.get_by_role("button", name="Import these rows").click()
    # then: the import's page follows the worker to the end
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of crm-partners.csv")
    expect(page.locator("#progress")).to_contain_text("All rows read", timeout=60_000)
    expect(page.locator("#progress .progress-bar")).to_have_class(re.compile("bg-success"))
    expect(_figure(page, "Created")).to_have_text("2")
    expect(_figure(page, "Updated")).to_have_text("1")
    expect(page.get_by_role("link", name="dry run", exact=False).first).to_be_visible()
    quokka = Partner.objects.get(name="Quokka Labs")
    assert (quokka.type, quokka.country.code, quokka.regions) == ("support", "AU", ["ANZ"])
    assert Partner.objects.get(name="Helix Health").country.code == "AT"
    expect(page.get_by_role("link", name="Quokka Labs")).to_have_attribute("href", f"/partners/{quokka.pk}/")
    screenshots(page, "imports", "5-import")
    # when: she downloads the report
    with page.expect_download() as download:
        page.get_by_role("link", name="Download report (CSV)").click()
    # then: every row with what happened to it
    run = Import.objects.get(dry_run=False)
    assert download.value.suggested_filename == f"import-{run.pk}-report.csv"
    report = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert report[0] == ["row", "action", "id", "name", "messages", "changes"]
    by_name = {row[3]: row for row in report[1:]}
    assert [row[0] for row in report[1:]] == ["2", "3", "4", "5"]
    assert by_name["Helix Health"][1] == "update" and "country: DE → AT" in by_name["Helix Health"][5]
    assert by_name["Quokka Labs"][1:3] == ["create", str(quokka.pk)]
    assert by_name["Broken Row"][1] == "error"
    assert "type: “spaceship” is not a partner type" in by_name["Broken Row"][4]
    # and the list shows both, newest first
    page.get_by_role("link", name="Imports").first.click()
    expect(page.get_by_role("row").nth(1)).to_contain_text("Import")
    expect(page.get_by_role("row").nth(2)).to_contain_text("Dry run")
    screenshots(page, "imports", "6-list")
