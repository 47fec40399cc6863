"""/api/v1/imports/: upload (202), progress, commit, rows, the CSV report, refusals and who may
do what (api.md, imports)."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports.models import Import, ImportRow
from partners.imports.services import import_file_store, import_run, import_start
from partners.models import Partner, PartnerUser
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/"
DOCUMENTED = {"id", "kind", "dry_run", "state", "progress", "summary", "encoding", "report_url", "created_at"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file(content: bytes, name: str = "partners.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _partners_csv(*rows: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["external_id", "name", "type", "country"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


CONTENT = _partners_csv(("crm-1", "Acme", "channel", "DE"), ("crm-2", "Beta", "reseller", "DE"))


def _finished_dry_run(actor, content: bytes = CONTENT) -> Import:
    stored = import_file_store(upload=_file(content), kind="partners", actor=actor)
    run = import_start(file=stored, actor=actor, dry_run=True)
    assert import_run(import_id=run.pk) == "done"
    run.refresh_from_db()
    return run


def _partner_login(partner=None):
    user = UserFactory(is_staff=False)
    PartnerUser.objects.create(user=user, partner=partner or PartnerFactory(), role="partner_admin")
    return user


# --- upload -------------------------------------------------------------------------------


def test_an_upload_answers_202_with_the_documented_import_and_the_job_runs_after_commit(
    api_client, manager, django_capture_on_commit_callbacks
):
    # given
    api_client.force_authenticate(manager)
    mapping = {"external_id": "external_id", "name": "name", "type": "type", "country": "country"}
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(
            URL,
            {"file": _file(CONTENT), "kind": "partners", "dry_run": "true", "mapping": json.dumps(mapping)},
            format="multipart",
        )
    # then
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) >= DOCUMENTED
    assert body["kind"] == "partners" and body["dry_run"] is True
    assert body["state"] == "queued"
    assert body["progress"] == {"done": 0, "total": 2}
    assert body["summary"] == {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    assert body["encoding"] == "utf-8"
    assert body["report_url"] == f"/api/v1/imports/{body['id']}/report/"
    assert callbacks  # the job is queued once the upload committed
    # and the job ran (eagerly, as the broker would have it run)
    detail = api_client.get(f"{URL}{body['id']}/").json()
    assert detail["state"] == "done"
    assert detail["progress"] == {"done": 2, "total": 2}
    assert detail["summary"] == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert Partner.objects.count() == 0  # a dry run


def test_an_upload_without_dry_run_defaults_to_a_dry_run(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post(URL, {"file": _file(CONTENT), "kind": "partners"}, format="multipart")
    # then
    assert response.status_code == 202
    assert response.json()["dry_run"] is True


def test_the_detail_shows_progress_and_summary(api_client, manager):
    # given
    run = _finished_dry_run(manager)
    api_client.force_authenticate(manager)
    # when
    response = api_client.get(f"{URL}{run.pk}/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= DOCUMENTED
    assert (body["id"], body["state"], body["progress"]) == (run.pk, "done", {"done": 2, "total": 2})
    assert body["summary"] == {"create": 1, "update": 0, "unchanged": 0, "error": 1}


# --- commit -------------------------------------------------------------------------------


def test_committing_a_finished_dry_run_answers_202_with_a_new_import(api_client, manager):
    # given
    run = _finished_dry_run(manager)
    api_client.force_authenticate(manager)
    # when
    response = api_client.post(f"{URL}{run.pk}/commit/")
    again = api_client.post(f"{URL}{run.pk}/commit/")
    # then
    assert response.status_code == 202
    body = response.json()
    assert set(body) >= DOCUMENTED
    assert body["id"] != run.pk
    assert body["dry_run"] is False and body["state"] == "queued"
    assert Import.objects.get(pk=body["id"]).source_id == run.pk
    assert again.status_code == 202 and again.json()["id"] == body["id"]  # not a second import


def test_committing_an_unfinished_or_real_import_is_a_conflict(api_client, manager):
    # given
    stored = import_file_store(upload=_file(CONTENT), kind="partners", actor=manager)
    queued = import_start(file=stored, actor=manager, dry_run=True)
    real = import_start(file=stored, actor=manager, dry_run=False)
    assert import_run(import_id=real.pk) == "done"
    api_client.force_authenticate(manager)
    # when
    answers = [api_client.post(f"{URL}{run.pk}/commit/") for run in (queued, real)]
    # then
    for response in answers:
        assert response.status_code == 409
        assert response.json()["code"] == "import_not_committable"
    assert not Import.objects.filter(source__in=[queued, real]).exists()


# --- rows and report ----------------------------------------------------------------------


def test_the_rows_are_paginated_and_filtered_by_action(api_client, manager):
    # given
    rows = [(f"crm-{i}", f"Name {i}", "channel" if i % 3 else "reseller", "DE") for i in range(30)]
    run = _finished_dry_run(manager, _partners_csv(*rows))
    api_client.force_authenticate(manager)
    # when
    errors = api_client.get(f"{URL}{run.pk}/rows/?action=error&page_size=4")
    everything = api_client.get(f"{URL}{run.pk}/rows/?page_size=200")
    bad_action = api_client.get(f"{URL}{run.pk}/rows/?action=explode")
    unknown_param = api_client.get(f"{URL}{run.pk}/rows/?colour=red")
    # then
    assert errors.status_code == 200
    body = errors.json()
    assert body["count"] == 10
    assert body["next"]
    assert [row["row"] for row in body["results"]] == [2, 5, 8, 11]
    first = body["results"][0]
    assert set(first) == {"row", "action", "object_id", "label", "messages", "changes"}
    assert first["action"] == "error" and list(first["messages"]) == ["type"]
    assert [row["row"] for row in everything.json()["results"]] == list(range(2, 32))
    assert bad_action.status_code == 400 and "action" in bad_action.json()
    assert unknown_param.status_code == 400


def test_the_report_is_a_csv_of_every_row_with_formulas_neutralised(api_client, manager):
    # given: names a spreadsheet would run as formulas
    names = ["=cmd|' /C calc'!A0", "+1", "@SUM(1)", "-2+3", "Plain"]
    rows = [(f"crm-{i}", name, "channel", "DE") for i, name in enumerate(names)] + [("crm-x", "=bad", "nope", "DE")]
    run = _finished_dry_run(manager, _partners_csv(*rows))
    api_client.force_authenticate(manager)
    # when
    response = api_client.get(f"{URL}{run.pk}/report/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"import-{run.pk}-report.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["row", "action", "id", "name", "messages", "changes"]
    assert [(line[0], line[1], line[3]) for line in lines[1:]] == [
        ("2", "create", "'=cmd|' /C calc'!A0"),
        ("3", "create", "'+1"),
        ("4", "create", "'@SUM(1)"),
        ("5", "create", "'-2+3"),
        ("6", "create", "Plain"),
        ("7", "error", "'=bad"),
    ]
    assert "type:" in lines[-1][4]
    only_errors = api_client.get(f"{URL}{run.pk}/report/?action=error")
    assert len(list(csv.reader(io.StringIO(b"".join(only_errors.streaming_content).decode())))) == 2


# --- refusals -----------------------------------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("partners.csv", b"\0" * 10_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "partners"}, "file"),
        ({"kind": "partners", "file": ("empty.csv", b"")}, "file"),
        ({"kind": "partners", "file": ("partners.csv", "zip")}, "file"),
        ({"kind": "partners", "file": ("partners.csv", b"name,type\n")}, "file"),
        ({"kind": "no-such-kind", "file": ("partners.csv", CONTENT)}, "kind"),
        ({"file": ("partners.csv", CONTENT)}, "kind"),
        ({"kind": "partners", "file": ("partners.csv", CONTENT), "mapping": "{not json"}, "mapping"),
        ({"kind": "partners", "file": ("partners.csv", CONTENT), "mapping": '["name"]'}, "mapping"),
        ({"kind": "partners", "file": ("partners.csv", CONTENT), "mapping": '{"name": "colour"}'}, "mapping"),
        ({"kind": "partners", "file": ("partners.csv", CONTENT), "mapping": '{"nope": "name"}'}, "mapping"),
        ({"kind": "partners", "file": ("partners.csv", CONTENT), "dry_run": "perhaps"}, "dry_run"),
    ],
)
def test_an_upload_that_cannot_be_used_is_a_400_naming_the_field(api_client, manager, data, field):
    # given
    api_client.force_authenticate(manager)
    if "file" in data:
        name, content = data["file"]
        data = {**data, "file": _file(_zip() if content == "zip" else content, name)}
    # when
    response = api_client.post(URL, data, format="multipart")
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body
    assert all(isinstance(message, str) and message for message in body[field])
    assert not Import.objects.exists()


def test_a_zip_renamed_csv_is_refused_as_an_archive(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post(URL, {"kind": "partners", "file": _file(_zip())}, format="multipart")
    # then
    assert response.status_code == 400
    assert "ZIP archive" in response.json()["file"][0]


def test_a_file_over_the_size_limit_is_a_400(api_client, manager, settings):
    # given
    settings.IMPORT_MAX_BYTES = 50
    api_client.force_authenticate(manager)
    # when
    response = api_client.post(URL, {"kind": "partners", "file": _file(CONTENT)}, format="multipart")
    # then
    assert response.status_code == 400
    assert "limit" in response.json()["file"][0]
    assert not Import.objects.exists()


def test_a_json_body_is_refused_without_a_500(api_client, manager):
    # given
    api_client.force_authenticate(manager)
    # when
    response = api_client.post(URL, {"kind": "partners", "file": "x"}, format="json")
    # then
    assert response.status_code in (400, 415)


# --- who may do what -----------------------------------------------------------------------


def test_a_partner_login_gets_403_on_the_list_and_404_on_any_import(api_client, manager):
    # given
    run = _finished_dry_run(manager)
    api_client.force_authenticate(_partner_login())
    # when
    answers = {
        "list": api_client.get(URL),
        "post": api_client.post(URL, {"kind": "partners", "file": _file(CONTENT)}, format="multipart"),
        "get": api_client.get(f"{URL}{run.pk}/"),
        "commit": api_client.post(f"{URL}{run.pk}/commit/"),
        "rows": api_client.get(f"{URL}{run.pk}/rows/"),
        "report": api_client.get(f"{URL}{run.pk}/report/"),
    }
    # then
    assert {name: response.status_code for name, response in answers.items()} == {
        "list": 403, "post": 403, "get": 404, "commit": 404, "rows": 404, "report": 404,
    }  # fmt: skip
    assert Import.objects.count() == 1


def test_an_analyst_reads_imports_but_starts_and_commits_none(api_client, manager):
    # given
    run = _finished_dry_run(manager)
    api_client.force_authenticate(UserFactory(role="analyst"))
    # when
    listed = api_client.get(URL)
    read = api_client.get(f"{URL}{run.pk}/")
    rows = api_client.get(f"{URL}{run.pk}/rows/")
    report = api_client.get(f"{URL}{run.pk}/report/")
    posted = api_client.post(URL, {"kind": "partners", "file": _file(CONTENT)}, format="multipart")
    committed = api_client.post(f"{URL}{run.pk}/commit/")
    # then
    assert (listed.status_code, read.status_code, rows.status_code, report.status_code) == (200, 200, 200, 200)
    assert listed.json()["count"] == 1
    assert (posted.status_code, committed.status_code) == (403, 403)
    assert Import.objects.count() == 1


def test_an_anonymous_caller_gets_401(api_client, manager):
    # given
    run = _finished_dry_run(manager)
    # when
    answers = [api_client.get(URL), api_client.get(f"{URL}{run.pk}/")]
    # then
    assert [response.status_code for response in answers] == [401, 401]


def test_an_administrator_starts_imports(api_client, admin_user):
    # given
    api_client.force_authenticate(admin_user)
    # when
    response = api_client.post(URL, {"kind": "partners", "file": _file(CONTENT)}, format="multipart")
    # then
    assert response.status_code == 202


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("imports", [1, 20])
def test_the_list_query_count_is_flat(api_client, manager, django_assert_max_num_queries, imports):
    # given
    stored = import_file_store(upload=_file(CONTENT), kind="partners", actor=manager)
    for _ in range(imports):
        import_start(file=stored, actor=manager, dry_run=True)
    api_client.force_authenticate(manager)
    # when: the count, the page (with its files and creators joined)
    with django_assert_max_num_queries(2):
        response = api_client.get(URL)
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == imports


@pytest.mark.parametrize("rows", [1, 20])
def test_the_rows_query_count_is_flat(api_client, manager, django_assert_max_num_queries, rows):
    # given
    run = _finished_dry_run(manager, _partners_csv(*[(f"crm-{i}", f"N {i}", "channel", "DE") for i in range(rows)]))
    api_client.force_authenticate(manager)
    # when: the import (in the caller's scope), the rows' count, the page of rows
    with django_assert_max_num_queries(3):
        response = api_client.get(f"{URL}{run.pk}/rows/")
    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert ImportRow.objects.filter(run=run).count() == rows
