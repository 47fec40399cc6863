"""The import pages at /imports/: the list and its empty state, the upload with the service's
refusals next to the field, the CSV templates, the mapping page (guessed fields, samples, errors),
a dry run then its commit through the pages, the progress panel, the report, who may open what,
and flat query counts."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports import services
from partners.imports.models import Import, ImportFile, ImportRow
from partners.models import Partner, PartnerUser
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
LIST = "/imports/"
UPLOAD = "/imports/new/"
PARTNERS_CSV = (
    "Org,Website,Partner type,Country,Notes\n"
    "Helix Health,https://helix.example,technology,DE,first\n"
    "Nordwind Capital,nordwind.example,financial,AT,second\n"
    "Broken Row,https://broken.example,spaceship,DE,third\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, data: bytes | str, *, kind: str = "partners", name: str = "partners.csv"):
    content = data.encode("utf-8") if isinstance(data, str) else data
    return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")})


def _partner_login(role: str = "partner_admin"):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=PartnerFactory(), role=role)
    return user


def _stored(text: str = PARTNERS_CSV, *, kind: str = "partners", user=None) -> ImportFile:
    upload = SimpleUploadedFile("partners.csv", text.encode("utf-8"), content_type="text/csv")
    return services.import_file_store(upload=upload, kind=kind, actor=user)


def _import(*, rows: int = 1, dry_run: bool = True, state: str = Import.State.DONE, user=None, name="p.csv") -> Import:
    """An import written straight to the database with ``rows`` report rows (for reads and counts)."""
    stored = ImportFile(
        kind="partners", name=name, size=10, sha256="0" * 64, encoding="utf-8", delimiter=",",
        header=["name", "website"], created_by=user,
    )  # fmt: skip
    stored.file.save("p.csv", ContentFile(b"name,website\nA,a.example\n"), save=False)
    stored.save()
    run = Import.objects.create(
        file=stored, kind="partners", dry_run=dry_run, state=state, mapping={"name": "name", "website": "website"},
        rows_total=rows, rows_done=rows, created=rows, created_by=user,
    )  # fmt: skip
    ImportRow.objects.bulk_create(ImportRow(run=run, number=n + 2, action="create", label=f"P{n}") for n in range(rows))
    return run


# --- the list ---------------------------------------------------------------------------------


def test_the_list_explains_imports_when_there_are_none(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get(LIST)
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "No imports yet" in body
    assert "nothing is written until you import the rows" in body
    assert 'href="/imports/new/"' in body


def test_the_list_shows_each_import_with_its_state_progress_and_counts(client, manager):
    # given
    run = _import(rows=3, user=manager, name="crm-export.csv")
    Import.objects.filter(pk=run.pk).update(created=1, updated=1, errors=1)
    client.force_login(manager)
    # when
    body = client.get(LIST).content.decode()
    # then
    assert "crm-export.csv" in body
    assert f'href="/imports/{run.pk}/"' in body
    assert "Dry run" in body and "Done" in body
    assert "3 / 3" in body
    assert "1 would create" in body and "1 would update" in body and "1 error<" in body
    assert manager.get_full_name() in body


def test_the_staff_navigation_links_to_imports_and_the_partner_list_offers_an_import(client, manager):
    # given
    PartnerFactory()
    client.force_login(manager)
    # when
    body = client.get("/partners/").content.decode()
    # then
    assert re.search(r'<a class="nav-link[^"]*"[^>]*href="/imports/">Imports</a>', body)
    assert 'href="/imports/new/?kind=partners"' in body
    assert "Import partners from CSV" in body


# --- upload -------------------------------------------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", "<sheet/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (_zip(), "This is not a CSV file but a ZIP archive"),
        (b"name\nonly one column\n", "Every row is a single column"),
    ],
    ids=["empty", "zip-renamed-csv", "one-column"],
)
def test_a_refused_upload_is_shown_next_to_the_file_field(client, manager, content, message):
    # given
    client.force_login(manager)
    # when
    response = _upload(client, content)
    # then
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<div class="invalid-feedback d-block" id="id_file_error">(.*?)</div>', body, re.S)
    assert error and message in error.group(1)
    assert ImportFile.objects.count() == 0


def test_an_unknown_kind_is_shown_next_to_the_kind_field(client, manager):
    # given
    client.force_login(manager)
    # when
    response = _upload(client, PARTNERS_CSV, kind="invoices")
    # then
    assert response.status_code == 400
    assert re.search(r'id="id_kind_error">[^<]*Choose partners or contacts', response.content.decode())
    assert ImportFile.objects.count() == 0


def test_the_upload_page_says_what_a_file_needs_and_links_the_templates(client, manager, settings):
    # given
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    client.force_login(manager)
    # when
    body = client.get(UPLOAD).content.decode()
    # then
    assert 'accept=".csv,text/csv"' in body
    assert "Up to 5.0\xa0MB" in body
    for words in ("UTF-8 (with or without BOM)", "UTF-16", "Windows-1252", "semicolon", "vertical bar"):
        assert words in body
    assert "else the one whose website has the same domain" in body
    assert 'href="/imports/template/partners.csv"' in body and 'href="/imports/template/contacts.csv"' in body


def test_a_good_upload_is_stored_and_goes_to_the_mapping_page(client, manager):
    # given
    client.force_login(manager)
    # when
    response = _upload(client, PARTNERS_CSV)
    # then
    stored = ImportFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/files/{stored.pk}/map/"
    assert stored.created_by == manager and stored.header == ["Org", "Website", "Partner type", "Country", "Notes"]


@pytest.mark.parametrize("kind", ["partners", "contacts"])
def test_a_template_is_the_kinds_columns_and_one_example_row(client, manager, kind):
    # given
    from partners.imports.kinds import kind_get

    client.force_login(manager)
    # when
    response = client.get(f"/imports/template/{kind}.csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{kind}-template.csv"' in response["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == [column.field for column in kind_get(kind).columns]
    assert len(example) == len(header) and all(example)


def test_an_unknown_template_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get("/imports/template/invoices.csv").status_code == 404


# --- mapping ------------------------------------------------------------------------------------


def _selected(body: str, column: str) -> str:
    """The value selected in the select labelled for ``column``."""
    select = re.search(
        rf'for="(id_column_\d+)">Field for the column {re.escape(column)}</label>\s*<select[^>]*>(.*?)</select>',
        body,
        re.S,
    )
    assert select, column
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
    return chosen.group(1) if chosen else ""


def test_the_mapping_page_preselects_the_guessed_fields_and_shows_samples(client, manager):
    # given
    client.force_login(manager)
    _upload(client, PARTNERS_CSV.replace("\n", "\r\n").replace(",", ";"))
    stored = ImportFile.objects.get()
    # when
    response = client.get(f"/imports/files/{stored.pk}/map/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert _selected(body, "Org") == ""  # not a known spelling: the manager chooses
    assert _selected(body, "Website") == "website"
    assert _selected(body, "Partner type") == "type"
    assert _selected(body, "Country") == "country"
    assert _selected(body, "Notes") == "description"
    for sample in ("Helix Health", "Nordwind Capital", "Broken Row", "nordwind.example"):
        assert sample in body
    assert "Read as UTF-8, separated by semicolons · 3 data rows" in body
    assert "— ignore this column —" in body
    assert "Business, financial, technology, sales, channel or support" in body  # the type's help
    assert "Run a dry run" in body


def test_the_mapping_page_shows_errors_at_the_top_and_by_the_columns_they_name(client, manager):
    # given
    client.force_login(manager)
    stored = _stored(user=manager)
    data = {"column_0": "name", "column_1": "name", "column_2": "type", "column_3": "country", "column_4": ""}
    # when: two columns feed the name
    response = client.post(f"/imports/files/{stored.pk}/map/", data)
    # then
    assert response.status_code == 400
    body = response.content.decode()
    message = "The columns “Org” and “Website” both feed Name; keep one."
    assert re.search(r'<div class="alert alert-danger[^>]*>.*?' + re.escape(message), body, re.S)
    assert re.search(r'id="id_column_0_error">' + re.escape(message), body)
    assert re.search(r'id="id_column_1_error">' + re.escape(message), body)
    assert not Import.objects.exists()


def test_a_mapping_that_matches_on_nothing_is_refused_with_the_reason(client, manager):
    # given
    client.force_login(manager)
    stored = _stored(user=manager)
    data = {"column_0": "", "column_1": "", "column_2": "type", "column_3": "country", "column_4": ""}
    # when
    response = client.post(f"/imports/files/{stored.pk}/map/", data)
    # then
    assert response.status_code == 400
    assert "Map a column to name, external_id or website" in response.content.decode()
    assert not Import.objects.exists()


def test_an_unknown_file_is_not_found_on_the_mapping_page(client, manager):
    client.force_login(manager)
    assert client.get("/imports/files/999999/map/").status_code == 404


# --- dry run, commit, progress and report ------------------------------------------------------


MAPPING = {"column_0": "name", "column_1": "website", "column_2": "type", "column_3": "country", "column_4": ""}


def test_a_dry_run_then_its_commit_through_the_pages_creates_the_partners(
    client, manager, django_capture_on_commit_callbacks
):
    # given
    client.force_login(manager)
    _upload(client, PARTNERS_CSV)
    stored = ImportFile.objects.get()
    # when: the manager maps "Org" to the name and runs the dry run
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/files/{stored.pk}/map/", MAPPING)
    # then: the dry run ran, wrote nothing, and its page says what would happen
    dry = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{dry.pk}/"
    assert (dry.dry_run, dry.state, dry.rows_total, dry.summary) == (
        True, "done", 3, {"create": 2, "update": 0, "unchanged": 0, "error": 1},
    )  # fmt: skip
    assert not Partner.objects.filter(name__in=["Helix Health", "Nordwind Capital"]).exists()
    body = client.get(response["Location"]).content.decode()
    assert "Dry run of partners.csv" in body
    assert "Would create" in body and "Import these rows" in body
    assert "“spaceship” is not a partner type" in body
    assert "<dt>Read as</dt><dd>UTF-8, separated by commas</dd>" in body
    assert 'hx-trigger="every 1s"' not in body  # finished: nothing to poll
    # when: the manager imports the rows
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{dry.pk}/commit/")
    # then
    run = Import.objects.get(source=dry)
    assert response["Location"] == f"/imports/{run.pk}/"
    assert (run.dry_run, run.state, run.summary["create"], run.summary["error"]) == (False, "done", 2, 1)
    helix = Partner.objects.get(name="Helix Health")
    assert (helix.type, helix.country.code, helix.website) == ("technology", "DE", "https://helix.example")
    assert Partner.objects.filter(name="Nordwind Capital", type="financial").exists()
    assert not Partner.objects.filter(name="Broken Row").exists()
    body = client.get(response["Location"]).content.decode()
    assert "Import of partners.csv" in body and "Created" in body
    assert f'href="/partners/{helix.pk}/"' in body
    assert f'href="/imports/{dry.pk}/"' in body  # back to the dry run
    # and the dry run now links to its import instead of offering it again
    body = client.get(f"/imports/{dry.pk}/").content.decode()
    assert "Import these rows" not in body
    assert f'href="/imports/{run.pk}/"' in body


def test_committing_a_dry_run_twice_leads_to_the_first_import(client, manager, django_capture_on_commit_callbacks):
    # given
    dry = _import(user=manager)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/imports/{dry.pk}/commit/")
    # when
    second = client.post(f"/imports/{dry.pk}/commit/", follow=True)
    # then
    assert second.redirect_chain[-1][0] == first["Location"]
    assert Import.objects.filter(source=dry).count() == 1
    assert "These rows were imported already" in second.content.decode()


def test_a_dry_run_that_is_not_finished_cannot_be_committed(client, manager):
    # given
    dry = _import(state=Import.State.RUNNING, user=manager)
    client.force_login(manager)
    # when
    response = client.post(f"/imports/{dry.pk}/commit/", follow=True)
    # then
    assert response.redirect_chain[-1][0] == f"/imports/{dry.pk}/"
    assert "Only a finished dry run can be committed." in response.content.decode()
    assert not Import.objects.filter(source=dry).exists()


def test_the_progress_panel_polls_while_running_and_reloads_the_page_once_finished(client, manager):
    # given
    run = _import(state=Import.State.RUNNING, rows=4, user=manager)
    Import.objects.filter(pk=run.pk).update(rows_total=8)
    client.force_login(manager)
    # when
    running = client.get(f"/imports/{run.pk}/progress/", headers={"HX-Request": "true"})
    Import.objects.filter(pk=run.pk).update(state=Import.State.DONE, rows_done=8)
    finished = client.get(f"/imports/{run.pk}/progress/", headers={"HX-Request": "true"})
    # then
    body = running.content.decode()
    assert f'hx-get="/imports/{run.pk}/progress/" hx-trigger="every 1s"' in body
    assert "4 / 8 rows" in body and "width: 50%" in body
    assert "HX-Refresh" not in running
    assert "hx-trigger" not in finished.content.decode()
    assert finished["HX-Refresh"] == "true"


def test_the_detail_page_filters_rows_by_action(client, manager):
    # given
    run = _import(rows=2, user=manager)
    ImportRow.objects.create(run=run, number=9, action="error", label="Bad", messages={"type": ["Not a type."]})
    client.force_login(manager)
    # when
    body = client.get(f"/imports/{run.pk}/?action=error").content.decode()
    everything = client.get(f"/imports/{run.pk}/").content.decode()
    # then: the created rows' cells show unfiltered and are filtered out
    assert "Bad" in body and "Not a type." in body
    assert ">P0<" in everything and ">P1<" in everything
    assert ">P0<" not in body and ">P1<" not in body


def test_the_report_is_csv_with_formulas_neutralised(client, manager, django_capture_on_commit_callbacks):
    # given: a name cell that a spreadsheet would run as a formula
    client.force_login(manager)
    text = 'name,website,type,country\n"=HYPERLINK(""https://evil.example"",""x"")",evil.example,channel,DE\n'
    _upload(client, text)
    stored = ImportFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/imports/files/{stored.pk}/map/",
            {"column_0": "name", "column_1": "website", "column_2": "type", "column_3": "country"},
        )
    run = Import.objects.get()
    # when
    response = client.get(f"/imports/{run.pk}/report.csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{run.pk}-report.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "action", "id", "name", "messages", "changes"]
    assert rows[1][:2] == ["2", "create"]
    assert rows[1][3] == """'=HYPERLINK("https://evil.example","x")"""


def test_an_import_that_does_not_exist_is_not_found(client, manager):
    client.force_login(manager)
    for path in ("/imports/999999/", "/imports/999999/progress/", "/imports/999999/report.csv"):
        assert client.get(path).status_code == 404


# --- who may open what --------------------------------------------------------------------------


def test_an_analyst_reads_imports_but_gets_403_on_every_write(client):
    # given
    analyst = UserFactory(role="analyst")
    run = _import()
    stored = run.file
    client.force_login(analyst)
    # when / then: reading
    assert client.get(LIST).status_code == 200
    assert "New import" not in client.get(LIST).content.decode()
    detail = client.get(f"/imports/{run.pk}/")
    assert detail.status_code == 200 and "Import these rows" not in detail.content.decode()
    # when / then: writing
    assert _upload(client, PARTNERS_CSV).status_code == 403
    assert client.post(f"/imports/files/{stored.pk}/map/", MAPPING).status_code == 403
    assert client.post(f"/imports/{run.pk}/commit/").status_code == 403
    assert ImportFile.objects.count() == 1 and Import.objects.count() == 1


def test_a_partner_login_is_sent_to_its_portal_on_gets_and_gets_404_on_posts(client):
    # given
    user = _partner_login()
    run = _import()
    client.force_login(user)
    gets = [
        LIST, UPLOAD, "/imports/template/partners.csv", f"/imports/files/{run.file_id}/map/", f"/imports/{run.pk}/",
        f"/imports/{run.pk}/progress/", f"/imports/{run.pk}/report.csv",
    ]  # fmt: skip
    posts = [UPLOAD, f"/imports/files/{run.file_id}/map/", f"/imports/{run.pk}/commit/"]
    # when / then
    for path in gets:
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/partner/"), path
    for path in posts:
        assert client.post(path, MAPPING).status_code == 404, path
    assert Import.objects.count() == 1


def test_an_anonymous_visitor_is_asked_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("imports", [1, 20])
def test_the_list_query_count_is_flat(client, manager, django_assert_max_num_queries, imports):
    # given
    for _ in range(imports):
        _import(user=manager)
    client.force_login(manager)
    # when: session, user, the role's groups, count, the page with its files and importers joined
    with django_assert_max_num_queries(5):
        response = client.get(LIST)
    # then
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == imports + 1


@pytest.mark.parametrize("rows", [1, 20])
def test_the_detail_query_count_is_flat(client, manager, django_assert_max_num_queries, rows):
    # given: a finished dry run with rows linking to partners
    run = _import(rows=rows, user=manager)
    for row, partner in zip(ImportRow.objects.filter(run=run), PartnerFactory.create_batch(rows), strict=True):
        ImportRow.objects.filter(pk=row.pk).update(object_id=partner.pk)
    client.force_login(manager)
    # when: session, user, the import with its file and importer, the count and the page of rows,
    # the dry run's commit, the role's groups
    with django_assert_max_num_queries(7):
        response = client.get(f"/imports/{run.pk}/")
    # then
    assert response.status_code == 200
    assert response.content.decode().count('<td data-label="Row"') == rows
