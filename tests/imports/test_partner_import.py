"""Partner and contact imports through the services: what every row does (or would do), what a
commit writes, re-runs, matching, the mapping, encodings and contacts."""

import csv
import dataclasses
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.imports.kinds import kind_get
from partners.imports.mapping import mapping_errors, mapping_guess
from partners.imports.models import Import, ImportColumnChoice, ImportRow
from partners.imports.services import (
    ImportNotReady,
    import_commit,
    import_file_store,
    import_run,
    import_start,
)
from partners.models import Activity, Contact, Partner
from partners.outbox.models import Event
from prm.errors import FieldErrors
from tests.factories import UserFactory
from tests.partners.factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "external_id", "name", "website", "type", "status", "country", "regions", "verticals", "owner",
    "contact_name", "contact_email", "contact_role",
]  # fmt: skip
PARTNER_EVENTS = ("partner.created", "partner.updated", "partner.status_changed", "contact.created", "contact.updated")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _csv(rows: list[list[str]], header=HEADER, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _run(run: Import) -> Import:
    """The job, synchronously, as the worker runs it."""
    assert import_run(import_id=run.pk) == "done"
    run.refresh_from_db()
    return run


def _dry_run(content: bytes, actor, *, kind="partners", mapping=None, name="partners.csv") -> Import:
    stored = import_file_store(upload=SimpleUploadedFile(name, content), kind=kind, actor=actor)
    return _run(import_start(file=stored, actor=actor, dry_run=True, mapping=mapping))


def _commit(dry_run: Import, actor) -> Import:
    return _run(import_commit(import_id=dry_run.pk, actor=actor))


def _rows(run: Import) -> dict[int, ImportRow]:
    return {row.number: row for row in ImportRow.objects.filter(run=run)}


def _counts() -> tuple[int, int, int, int]:
    return (
        Partner.objects.count(),
        Contact.objects.count(),
        Activity.objects.count(),
        Event.objects.exclude(type="import.finished").count(),
    )


# --- the big file ------------------------------------------------------------------------


@dataclass
class Expected:
    action: str
    field: str = ""  # the field an error row's message names
    says: str = ""  # a piece of that message
    changes: dict = dataclasses.field(default_factory=dict)
    ext: str | None = None  # the external_id of the partner the row creates or changes
    domain: str = ""  # the domain of a partner created without an external_id
    contact: str = ""  # the e-mail of the contact the row creates


CASES = 25  # every row's case is its index modulo CASES; cases 19 to 24 name stored partners


def _row(index: int, owner_email: str, non_staff_email: str) -> tuple[list[str], Expected]:
    """One row of the file and what it must do, decided from how it was made."""
    number = index + 2  # the header is row 1
    case, ext = index % CASES, f"imp-{index}"
    row = dict.fromkeys(HEADER, "")
    good = {"external_id": ext, "name": f"Imported {index}", "type": "channel", "country": "DE"}
    extra: list[str] = []
    match case:
        case 0:  # a new partner with its first contact (primary)
            row |= good | {"status": "onboarding", "regions": "DACH", "verticals": "healthcare"}
            row |= {"contact_name": f"Ann {index}", "contact_email": f"ann{index}@imp.example"}
            expected = Expected("create", ext=ext, contact=f"ann{index}@imp.example")
        case 1:  # valid values by name, code and slug in any case
            row |= good | {"type": "Channel", "country": "germany", "regions": "dach; Western Europe"}
            row |= {"verticals": "HEALTHCARE|Financial Services|Life-Sciences", "owner": owner_email.upper()}
            expected = Expected("create", ext=ext)
        case 2:
            row |= good | {"type": "reseller"}
            expected = Expected("error", "type", "“reseller” is not a partner type")
        case 3:
            row |= good | {"country": "Atlantis"}
            expected = Expected("error", "country", "Unknown country “Atlantis”")
        case 4:
            bad = "Mars" if index % 2 else "XX"
            row |= good | {"regions": f"DACH;{bad}"}
            expected = Expected("error", "regions", f"Unknown region: {bad}.")
        case 5:
            bad = "Basket Weaving" if index % 2 else "underwater-basket"
            row |= good | {"verticals": f"{bad};retail"}
            expected = Expected("error", "verticals", f"Unknown vertical: {bad}.")
        case 6:
            row |= good | {"website": "not a web site"}
            expected = Expected("error", "website", "is not a web address")
        case 7:
            row |= good | {"external_id": f"bad id {index}!"}
            expected = Expected("error", "external_id", "Use letters, digits")
        case 8:
            row |= good | {"name": "N" * 201}
            expected = Expected("error", "name", "At most 200 characters")
        case 9:
            row |= good | {"contact_name": "Bo", "contact_email": f"bo{index}@"}
            expected = Expected("error", "contact_email", "is not an e-mail address")
        case 10:
            row |= good | {"owner": "owner@@example.com"}
            expected = Expected("error", "owner", "is not an e-mail address")
        case 11:
            row |= good | {"owner": non_staff_email}
            expected = Expected("error", "owner", "No active staff login")
        case 12:
            row |= good | {"name": ""}
            expected = Expected("error", "name", "Needed for a new partner")
        case 13:
            row |= good | {"type": ""}
            expected = Expected("error", "type", "Needed for a new partner")
        case 14:
            row |= good | {"country": ""}
            expected = Expected("error", "country", "Needed for a new partner")
        case 15:  # the external_id of this block's case-0 row, 15 rows earlier
            row |= good | {"external_id": f"imp-{index - 15}", "name": f"Again {index}"}
            expected = Expected("error", "external_id", f"Row {number - 15} of this file is the same partner")
        case 16:  # no external_id: created and known by its website's domain
            row |= good | {"external_id": "", "website": f"dom{index}.example"}
            expected = Expected("create", domain=f"dom{index}.example")
        case 17:  # the domain of the row before, written differently, again without external_id
            row |= good | {"external_id": "", "name": f"Other {index}"}
            row |= {"website": f"https://www.DOM{index - 1}.example/x"}
            expected = Expected("error", "website", f"Row {number - 1} of this file is the same partner")
        case 18:  # a cell more than the header names
            row |= good
            extra = ["surplus"]
            expected = Expected("error", "row", f"This row has {len(HEADER) + 1} cells")
        case 19:  # a stored active partner cannot go back to prospect
            row |= {"external_id": f"old-{index}", "status": "prospect"}
            expected = Expected("error", "status", "cannot become prospect; allowed: inactive, terminated")
        case 20:  # a stored active partner may become inactive
            row |= {"external_id": f"old-{index}", "status": "Inactive"}
            expected = Expected("update", changes={"status": ["active", "inactive"]}, ext=f"old-{index}")
        case 21:  # a stored partner with a primary contact gets no second one
            row |= {"external_id": f"old-{index}", "contact_name": "Second"}
            row |= {"contact_email": f"second{index}@x.example", "contact_role": "primary"}
            expected = Expected("error", "contact_role", "already has a primary contact")
        case 22:  # nothing says which partner this is
            row |= {"type": "channel", "country": "DE", "regions": "DACH"}
            expected = Expected("error", "name", "Give a name, an external_id or a website")
        case 23:  # a stored partner, every given cell as stored
            row |= {"external_id": f"old-{index}", "name": f"Old {index}", "type": "channel", "status": "active"}
            row |= {"country": "DE", "regions": "DACH", "verticals": "healthcare"}
            expected = Expected("unchanged", ext=f"old-{index}")
        case 24:  # a stored partner renamed; the empty cells leave the rest alone
            row |= {"external_id": f"old-{index}", "name": f"Renamed {index}"}
            expected = Expected("update", changes={"name": [f"Old {index}", f"Renamed {index}"]}, ext=f"old-{index}")
    return [row[name] for name in HEADER] + extra, expected


def _stored_partners(count: int, owner) -> None:
    """The stored partners cases 19 to 24 name; case 21's have a primary contact."""
    indexes = [index for index in range(count) if index % CASES >= 19]
    Partner.objects.bulk_create(
        [
            Partner(
                name=f"Old {index}", slug=f"old-{index}", external_id=f"old-{index}", type="channel", status="active",
                country="DE", regions=["DACH"], verticals=["healthcare"], description=f"kept {index}", owner=owner,
            )
            for index in indexes
        ]
    )  # fmt: skip
    with_contact = Partner.objects.filter(external_id__in=[f"old-{i}" for i in indexes if i % CASES == 21])
    Contact.objects.bulk_create(
        [Contact(partner=p, name="First", email=f"first-{p.pk}@x.example", role="primary") for p in with_contact]
    )


@pytest.fixture
def big_file(manager):
    owner = UserFactory(role="manager", email="dana.owner@example.com", username="dana.owner@example.com")
    non_staff = UserFactory(is_staff=False, email="outsider@example.com", username="outsider@example.com")
    count = 10_000
    _stored_partners(count, owner)
    made = [_row(index, owner.email, non_staff.email) for index in range(count)]
    content = _csv([row for row, _ in made])
    expected = {index + 2: outcome for index, (_, outcome) in enumerate(made)}
    return content, expected, owner


def test_a_dry_run_of_ten_thousand_mixed_rows_reports_every_row_and_writes_nothing(big_file, manager):
    # given
    content, expected, _ = big_file
    before = _counts()
    # when
    run = _dry_run(content, manager)
    # then: every row as decided when the file was made
    rows = _rows(run)
    assert run.state == "done"
    assert run.rows_total == run.rows_done == len(expected) == len(rows) == 10_000
    wrong = []
    for number, outcome in expected.items():
        row = rows[number]
        if row.action != outcome.action:
            wrong.append((number, outcome.action, row.action, row.messages))
        elif outcome.action == "error":
            if set(row.messages) != {outcome.field} or outcome.says not in " ".join(row.messages[outcome.field]):
                wrong.append((number, outcome.field, outcome.says, row.messages))
        elif outcome.changes and row.changes != outcome.changes:
            wrong.append((number, outcome.changes, row.changes))
    assert wrong == [], f"{len(wrong)} rows wrong, first: {wrong[:5]}"
    tally = {action: sum(o.action == action for o in expected.values()) for action in ImportRow.Action.values}
    assert run.summary == tally
    assert tally == {"create": 1200, "update": 800, "unchanged": 400, "error": 7600}
    # and nothing was written but the report
    assert _counts() == before
    assert Event.objects.filter(type="import.finished", object_id=str(run.pk)).count() == 1


def test_committing_the_dry_run_writes_what_it_reported_with_timeline_rows_and_events(big_file, manager):
    # given
    content, expected, owner = big_file
    dry_run = _dry_run(content, manager)
    partners_before, contacts_before, _, _ = _counts()
    # when
    run = _commit(dry_run, manager)
    # then: the same outcome row by row
    assert run.state == "done" and not run.dry_run and run.source_id == dry_run.pk
    assert run.summary == dry_run.summary
    assert {n: r.action for n, r in _rows(run).items()} == {n: o.action for n, o in expected.items()}
    created = {n: o for n, o in expected.items() if o.action == "create"}
    assert Partner.objects.count() == partners_before + len(created)
    assert Contact.objects.count() == contacts_before + sum(bool(o.contact) for o in created.values())
    # the new partners' values
    by_ext = {p.external_id: p for p in Partner.objects.filter(external_id__startswith="imp-")}
    by_domain = {p.domain: p for p in Partner.objects.filter(domain__startswith="dom")}
    partner_of = {n: (by_ext[o.ext] if o.ext else by_domain[o.domain]) for n, o in created.items()}
    assert len({p.pk for p in partner_of.values()}) == len(created)
    for number, partner in partner_of.items():
        index = number - 2
        assert partner.name == f"Imported {index}"
        assert (partner.type, str(partner.country)) == ("channel", "DE")
        if index % CASES == 0:
            assert (partner.status, partner.regions, partner.verticals) == ("onboarding", ["DACH"], ["healthcare"])
            assert partner.owner_id is None
            contact = Contact.objects.get(partner=partner)
            assert (contact.email, contact.name, contact.role) == (f"ann{index}@imp.example", f"Ann {index}", "primary")
        elif index % CASES == 1:
            assert partner.status == "prospect"
            assert partner.regions == ["DACH", "WE"]
            assert partner.verticals == ["healthcare", "financial-services", "life-sciences"]
            assert partner.owner_id == owner.pk
        else:
            assert partner.website == f"https://dom{index}.example"
    # the stored partners' changes, and only the given cells changed
    stored = {p.external_id: p for p in Partner.objects.filter(external_id__startswith="old-")}
    for number in expected:
        index = number - 2
        if index % CASES < 19:
            continue
        partner = stored[f"old-{index}"]
        status = "inactive" if index % CASES == 20 else "active"
        name = f"Renamed {index}" if index % CASES == 24 else f"Old {index}"
        assert (partner.name, partner.status, partner.description, partner.owner_id) == (
            name, status, f"kept {index}", owner.pk
        )  # fmt: skip
        assert (partner.regions, partner.verticals, str(partner.country)) == (["DACH"], ["healthcare"], "DE")
    # the timeline: one row per change, each naming the import and the row
    activities = Activity.objects.filter(data__import=run.pk)
    expected_activities = set()
    for number, outcome in expected.items():
        if outcome.action == "create":
            expected_activities.add((partner_of[number].pk, "created", number))
            if outcome.contact:
                expected_activities.add((partner_of[number].pk, "contact_added", number))
        elif outcome.action == "update":
            kind = "status_changed" if "status" in outcome.changes else "updated"
            expected_activities.add((stored[outcome.ext].pk, kind, number))
    got = [(a.partner_id, a.kind, a.data["row"]) for a in activities]
    assert len(got) == len(set(got))
    assert set(got) == expected_activities
    status_rows = activities.filter(kind="status_changed")
    assert {(a.data["from"], a.data["to"]) for a in status_rows} == {("active", "inactive")}
    # the events: every written row once, in import.rows batches of at most 100, and no per-row events
    batches = Event.objects.filter(type="import.rows", object_id=str(run.pk)).order_by("id")
    assert all(len(batch.data["rows"]) <= 100 for batch in batches)
    entries = [entry for batch in batches for entry in batch.data["rows"]]
    got_events = [
        (
            entry["row"],
            entry["action"],
            entry["partner"]["id"],
            "contact" in entry,
            "status" in entry.get("changes", {}),
        )
        for entry in entries
    ]
    expected_events = []
    for number, outcome in expected.items():
        if outcome.action == "create":
            expected_events.append((number, "create", partner_of[number].pk, bool(outcome.contact), False))
        elif outcome.action == "update":
            expected_events.append((number, "update", stored[outcome.ext].pk, False, "status" in outcome.changes))
    assert sorted(got_events) == sorted(expected_events)
    assert not Event.objects.filter(type__in=PARTNER_EVENTS).exists()
    assert Event.objects.filter(type="import.finished", object_id=str(run.pk)).count() == 1
    assert Event.objects.filter(type="import.finished").count() == 2  # the dry run's and the commit's


def test_running_the_same_file_again_after_a_commit_changes_nothing(big_file, manager):
    # given
    content, expected, _ = big_file
    first = _commit(_dry_run(content, manager), manager)
    before = _counts()
    first_errors = {r.number: r.messages for r in ImportRow.objects.filter(run=first, action="error")}
    # when
    again = _dry_run(content, manager)
    again_committed = _commit(again, manager)
    # then
    for run in (again, again_committed):
        rows = _rows(run)
        assert {n: r.action for n, r in rows.items() if r.action != "error"} == {
            n: "unchanged" for n, o in expected.items() if o.action != "error"
        }
        assert {n: r.messages for n, r in rows.items() if r.action == "error"} == first_errors
        assert run.summary == {"create": 0, "update": 0, "unchanged": 2400, "error": 7600}
    assert _counts() == before


# --- matching ------------------------------------------------------------------------------


MATCH_HEADER = ["external_id", "name", "website", "type", "country", "status", "description"]


def test_a_row_is_matched_by_external_id_first(manager):
    # given
    partner = PartnerFactory(external_id="crm-1", name="Stored", website="https://other.example")
    PartnerFactory(name="Decoy", website="https://acme.example")
    content = _csv([["crm-1", "Stored", "https://acme.example", "", "", "", ""]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert (row.action, row.object_id) == ("update", partner.pk)
    assert row.changes == {"website": ["https://other.example", "https://acme.example"]}


def test_a_row_without_external_id_is_matched_by_its_website_domain(manager):
    # given
    partner = PartnerFactory(name="Acme", website="https://acme.com", description="old")
    content = _csv([["", "", "https://www.Acme.com/x", "", "", "", "new"]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert (row.action, row.object_id) == ("update", partner.pk)
    partner.refresh_from_db()
    assert partner.description == "new"
    assert Partner.objects.count() == 1


def test_a_row_with_neither_is_matched_by_exact_name(manager):
    # given
    partner = PartnerFactory(name="Exact Name GmbH", description="old")
    PartnerFactory(name="exact name gmbh")
    content = _csv([["", "Exact Name GmbH", "", "", "", "", "new"]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert (row.action, row.object_id, row.changes) == ("update", partner.pk, {"description": ["old", "new"]})


def test_a_new_external_id_claims_the_one_partner_of_its_domain_that_has_none(manager):
    # given
    partner = PartnerFactory(name="Claimable", website="https://claim.example", external_id=None)
    content = _csv([["crm-9", "", "claim.example", "", "", "", ""]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert (row.action, row.object_id) == ("update", partner.pk)
    partner.refresh_from_db()
    assert partner.external_id == "crm-9"
    assert Partner.objects.count() == 1


def test_a_domain_two_stored_partners_share_is_an_error(manager):
    # given
    PartnerFactory(name="Amb One", website="https://amb.example")
    PartnerFactory(name="Amb Two", website="https://www.amb.example/about")
    content = _csv([["", "Amb", "amb.example", "channel", "DE", "", ""]], MATCH_HEADER)
    # when
    run = _dry_run(content, manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert row.action == "error"
    assert list(row.messages) == ["website"]
    assert "2 partners have this website domain amb.example" in row.messages["website"][0]


def test_an_update_changes_only_the_given_cells(manager):
    # given
    owner = UserFactory(role="manager")
    partner = PartnerFactory(
        external_id="crm-2", name="Before", website="https://keep.example", description="keep me", owner=owner,
        regions=["DACH", "WE"], verticals=["retail"], status="active", engagement="strategic",
    )  # fmt: skip
    version = partner.version
    content = _csv([["crm-2", "After", "", "", "", "", ""]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    assert ImportRow.objects.get(run=run).changes == {"name": ["Before", "After"]}
    partner.refresh_from_db()
    assert partner.name == "After"
    assert (partner.website, partner.description, partner.owner_id) == ("https://keep.example", "keep me", owner.pk)
    assert (partner.regions, partner.verticals, partner.status, partner.engagement) == (
        ["DACH", "WE"], ["retail"], "active", "strategic"
    )  # fmt: skip
    assert partner.version == version + 1


def test_a_status_move_the_lifecycle_allows_is_applied_with_a_timeline_row(manager):
    # given
    partner = PartnerFactory(external_id="crm-3", status="prospect")
    content = _csv([["crm-3", "", "", "", "", "onboarding", ""]], MATCH_HEADER)
    # when
    run = _commit(_dry_run(content, manager), manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert (row.action, row.changes) == ("update", {"status": ["prospect", "onboarding"]})
    partner.refresh_from_db()
    assert partner.status == "onboarding"
    timeline = Activity.objects.get(partner=partner, kind="status_changed")
    assert timeline.data == {"from": "prospect", "to": "onboarding", "reason": "import", "import": run.pk, "row": 2}
    (entry,) = Event.objects.get(type="import.rows", object_id=str(run.pk)).data["rows"]
    assert (entry["row"], entry["action"], entry["partner"]["id"]) == (2, "update", partner.pk)
    assert entry["changes"] == {"status": {"from": "prospect", "to": "onboarding"}}
    assert entry["partner"]["status"] == "onboarding"


def test_a_forbidden_status_move_names_the_allowed_ones(manager):
    # given
    PartnerFactory(external_id="crm-4", status="terminated")
    content = _csv([["crm-4", "", "", "", "", "active", ""]], MATCH_HEADER)
    # when
    run = _dry_run(content, manager)
    # then
    row = ImportRow.objects.get(run=run)
    assert row.action == "error"
    assert row.messages == {"status": ["A partner that is terminated cannot become active; allowed: prospect."]}


# --- committing ---------------------------------------------------------------------------


def test_committing_one_dry_run_twice_returns_the_same_import(manager):
    # given
    dry_run = _dry_run(_csv([["crm-5", "Five", "", "channel", "DE", "", ""]], MATCH_HEADER), manager)
    # when
    first = import_commit(import_id=dry_run.pk, actor=manager)
    second = import_commit(import_id=dry_run.pk, actor=manager)
    # then
    assert first.pk == second.pk
    assert Import.objects.filter(source=dry_run).count() == 1


def test_an_unfinished_dry_run_cannot_be_committed(manager):
    # given
    stored = import_file_store(
        upload=SimpleUploadedFile("p.csv", _csv([["crm-6", "Six", "", "channel", "DE", "", ""]], MATCH_HEADER)),
        kind="partners",
        actor=manager,
    )
    queued = import_start(file=stored, actor=manager, dry_run=True)
    # when / then
    with pytest.raises(ImportNotReady) as refused:
        import_commit(import_id=queued.pk, actor=manager)
    assert refused.value.code == "import_not_committable"
    assert not Import.objects.filter(source=queued).exists()


def test_a_real_import_cannot_be_committed_again(manager):
    # given
    content = _csv([["crm-7", "Seven", "", "channel", "DE", "", ""]], MATCH_HEADER)
    committed = _commit(_dry_run(content, manager), manager)
    # when / then
    with pytest.raises(ImportNotReady):
        import_commit(import_id=committed.pk, actor=manager)
    assert Partner.objects.filter(external_id="crm-7").count() == 1


# --- encodings end to end -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "encoding"), [("cp1252", "windows-1252"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le")]
)
def test_accented_names_import_correctly_from_any_supported_encoding(manager, codec, encoding):
    # given
    text = "name;type;country;description\nMüller Café;channel;DE;Straße – “gut”\nØresund Ltd;sales;DK;è\n"
    content = text.encode(codec)
    # when
    dry_run = _dry_run(content, manager)
    run = _commit(dry_run, manager)
    # then
    assert dry_run.file.encoding == encoding
    assert run.summary == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert set(Partner.objects.values_list("name", "description")) == {
        ("Müller Café", "Straße – “gut”"),
        ("Øresund Ltd", "è"),
    }


# --- contacts -----------------------------------------------------------------------------

CONTACT_HEADER = ["partner_external_id", "partner_website", "name", "email", "role", "phone"]


def test_contact_rows_name_their_partner_by_external_id_or_website(manager):
    # given
    by_ext = PartnerFactory(external_id="crm-c1")
    by_site = PartnerFactory(website="https://www.site.example")
    ContactFactory(partner=by_ext, email="same@c1.example", name="Same", role="primary", phone="")
    ContactFactory(partner=by_ext, email="old@c1.example", name="Old", role="sales", phone="1")
    rows = [
        ["crm-c1", "", "Same", "SAME@c1.example", "", ""],  # 2: as stored
        ["crm-c1", "", "Old", "old@c1.example", "", "2"],  # 3: phone changes
        ["", "site.example", "New", "new@site.example", "", ""],  # 4: new, the partner's first: primary
        ["", "https://site.example/x", "Newer", "newer@site.example", "technical", ""],  # 5: new
        ["crm-none", "", "Lost", "lost@x.example", "", ""],  # 6: no such partner
        ["", "nowhere.example", "Lost", "lost@x.example", "", ""],  # 7: no such domain
        ["crm-c1", "", "Twice", "new@c1.example", "", ""],  # 8: new
        ["crm-c1", "", "Twice again", "NEW@c1.example", "", ""],  # 9: the same contact again
        ["crm-c1", "", "", "", "", ""],  # 10: no e-mail
    ]
    content = _csv(rows, CONTACT_HEADER)
    # when
    dry_run = _dry_run(content, manager, kind="contacts")
    run = _commit(dry_run, manager)
    # then
    for current in (dry_run, run):
        rows_of = _rows(current)
        assert {n: r.action for n, r in rows_of.items()} == {
            2: "unchanged", 3: "update", 4: "create", 5: "create", 6: "error", 7: "error", 8: "create", 9: "error",
            10: "error",
        }  # fmt: skip
        assert rows_of[6].messages == {"partner_external_id": ["No partner has the external_id crm-none."]}
        assert rows_of[7].messages == {"partner_website": ["No partner has the website domain nowhere.example."]}
        assert rows_of[9].messages == {"email": ["Row 8 of this file is the same contact (same partner and e-mail)."]}
        assert list(rows_of[10].messages) == ["email"]
        assert rows_of[3].changes == {"phone": ["1", "2"]}
    assert set(Contact.objects.filter(partner=by_site).values_list("email", "name", "role")) == {
        ("new@site.example", "New", "primary"),
        ("newer@site.example", "Newer", "technical"),
    }
    assert Contact.objects.get(partner=by_ext, email="old@c1.example").phone == "2"
    assert Contact.objects.get(partner=by_ext, email="new@c1.example").role == "sales"
    entries = Event.objects.get(type="import.rows", object_id=str(run.pk)).data["rows"]
    assert [(e["row"], e["action"], e["contact"]["email"]) for e in entries] == [
        (3, "update", "old@c1.example"),
        (4, "create", entries[1]["contact"]["email"]),
        (5, "create", entries[2]["contact"]["email"]),
        (8, "create", entries[3]["contact"]["email"]),
    ]
    assert entries[0]["contact"]["changes"] == {"phone": {"from": "1", "to": "2"}}
    # and again: nothing changes
    again = _commit(_dry_run(content, manager, kind="contacts"), manager)
    assert again.summary == {"create": 0, "update": 0, "unchanged": 5, "error": 4}


# --- mapping --------------------------------------------------------------------------------


def test_the_mapping_is_guessed_from_header_aliases():
    # given
    partners, contacts = kind_get("partners"), kind_get("contacts")
    header = ["Company", "E-Mail", "CRM ID", "Country Code", "Web Site", "Favourite colour", ""]
    # when
    guessed_partners = mapping_guess(kind=partners, header=header)
    guessed_contacts = mapping_guess(kind=contacts, header=header)
    # then
    assert guessed_partners == {
        "Company": "name",
        "E-Mail": "contact_email",
        "CRM ID": "external_id",
        "Country Code": "country",
        "Web Site": "website",
        "Favourite colour": "",
    }
    assert guessed_contacts["E-Mail"] == "email"
    assert guessed_contacts["CRM ID"] == "partner_external_id"


def test_a_field_is_guessed_for_one_column_only():
    # given: "Company" and "Name" both alias the name
    header = ["Name", "Company"]
    # when
    guessed = mapping_guess(kind=kind_get("partners"), header=header)
    # then
    assert guessed == {"Name": "name", "Company": ""}


def test_a_mapping_a_person_chose_is_remembered_and_wins_next_time(manager):
    # given
    header = ["Company", "Legal", "CRM ID", "Kind", "Country"]
    content = _csv([["Acme", "Acme GmbH", "crm-m1", "channel", "DE"]], header)
    mapping = {"Company": "legal_name", "Legal": "name", "CRM ID": "external_id", "Kind": "type", "Country": ""}
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=manager)
    # when
    run = import_start(file=stored, actor=manager, dry_run=True, mapping=mapping)
    # then
    assert run.mapping == {"Company": "legal_name", "Legal": "name", "CRM ID": "external_id", "Kind": "type"}
    assert dict(ImportColumnChoice.objects.filter(kind="partners").values_list("header", "field")) == {
        "company": "legal_name",
        "legal": "name",
        "crm_id": "external_id",
        "kind": "type",
        "country": "",
    }
    guessed = mapping_guess(kind=kind_get("partners"), header=["COMPANY", "legal", "Crm-Id", "kind", "country"])
    assert guessed == {"COMPANY": "legal_name", "legal": "name", "Crm-Id": "external_id", "kind": "type", "country": ""}
    assert mapping_guess(kind=kind_get("contacts"), header=["Company"]) == {"Company": ""}


def test_a_mapping_guessed_without_a_person_is_not_remembered(manager):
    # given
    content = _csv([["Acme", "channel", "DE"]], ["Company", "Type", "Country"])
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=manager)
    # when
    run = import_start(file=stored, actor=manager, dry_run=True)
    # then
    assert run.mapping == {"Company": "name", "Type": "type", "Country": "country"}
    assert not ImportColumnChoice.objects.exists()


@pytest.mark.parametrize(
    ("kind", "mapping", "says"),
    [
        ("partners", {"Nope": "name"}, "The file has no column “Nope”."),
        ("partners", {"Company": "colour"}, "“colour” (column “Company”) is not a field of partners"),
        ("partners", {"Company": "name", "Legal": "name"}, "The columns “Company” and “Legal” both feed Name"),
        ("partners", {"Kind": "type"}, "Map a column to name, external_id or website"),
        ("contacts", {"Company": "name", "Mail": "email"}, "Map a column to partner_external_id or partner_website"),
        ("contacts", {"Company": "partner_website"}, "Map a column to email"),
    ],
)
def test_a_mapping_that_cannot_be_used_is_explained(kind, mapping, says):
    # given
    header = ["Company", "Legal", "Kind", "Mail"]
    # when
    errors = mapping_errors(kind=kind_get(kind), header=header, mapping=mapping)
    # then
    assert any(says in error for error in errors), errors


def test_import_start_refuses_a_mapping_that_cannot_be_used(manager):
    # given
    content = _csv([["Acme", "channel"]], ["Company", "Kind"])
    stored = import_file_store(upload=SimpleUploadedFile("p.csv", content), kind="partners", actor=manager)
    # when
    with pytest.raises(FieldErrors) as refused:
        import_start(file=stored, actor=manager, dry_run=True, mapping={"Company": "colour"})
    # then
    assert list(refused.value.errors) == ["mapping"]
    assert not Import.objects.exists()
    assert not ImportColumnChoice.objects.exists()


def test_an_unknown_kind_or_a_bad_file_is_a_field_error(manager):
    # when
    with pytest.raises(FieldErrors) as unknown_kind:
        import_file_store(upload=SimpleUploadedFile("p.csv", b"name,type\na,b\n"), kind="no-such-kind", actor=manager)
    with pytest.raises(FieldErrors) as bad_file:
        import_file_store(upload=SimpleUploadedFile("p.csv", b"PK\x03\x04rest"), kind="partners", actor=manager)
    # then
    assert list(unknown_kind.value.errors) == ["kind"]
    assert list(bad_file.value.errors) == ["file"]
