"""Partner rows: matched by external_id, else by website domain, else by exact name; created or
updated with their timeline rows and events, and optionally one contact each."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from partners.imports import cells
from partners.imports.kinds.base import Column, ImportKind, ParsedRow, RowResult
from partners.imports.kinds.rows import ChunkWrites, ContactPlan, claimed_by, contact_plan, contacts_of, contacts_save
from partners.imports.models import ImportRow
from partners.models import Activity, Contact, Partner
from prm.db import insert_rows

Action = ImportRow.Action
# the fields a row may set, compared with the stored partner to decide update or unchanged
PROFILE_FIELDS = (
    "name", "legal_name", "external_id", "website", "description", "type", "engagement", "country", "regions",
    "verticals", "owner",
)  # fmt: skip
REQUIRED_TO_CREATE = ("name", "type", "country")
SLUG_SUFFIXES = range(2, 10)


def _contact_columns(prefix: str, what: str) -> tuple[Column, ...]:
    def column(name: str, label: str, aliases: tuple[str, ...], parse, help: str = "") -> Column:
        return Column(
            f"{prefix}{name}", f"{what} {label}", help=help, aliases=(f"{prefix}{name}", *aliases), parse=parse
        )

    return (
        column("name", "name", ("contact", "primary_contact"), cells.text(200)),
        column("email", "e-mail", (f"{prefix}e_mail", "email", "e_mail"), cells.email),
        column("phone", "phone", ("phone", "telephone"), cells.text(40)),
        column("title", "job title", ("job_title", "title"), cells.text(120)),
        column(
            "role", "role", (), cells.choice(Contact.Role, "contact role"),
            help="primary, sales, technical, billing or executive",
        ),
    )  # fmt: skip


@dataclass
class _Planned:
    row: ParsedRow
    result: RowResult
    values: dict = field(default_factory=dict)  # the row's values, the owner as a login
    partner: Partner | None = None  # the stored partner matched, or a new one
    created: bool = False
    changes: dict[str, list] = field(default_factory=dict)  # profile field → [old, new]
    status: tuple[str, str] | None = None
    contact: ContactPlan | None = None


class PartnerImport(ImportKind):
    code = "partners"
    label = "Partners"
    object_label = "partner"
    columns = (
        Column("external_id", "External ID", help="Your CRM's id; rows are matched on it first",
               aliases=("external_id", "externalid", "crm_id", "account_id", "record_id", "id"),
               parse=cells.external_id),
        Column("name", "Name", aliases=("name", "partner", "partner_name", "company", "company_name", "account",
                                        "account_name", "organisation", "organization"), parse=cells.text(200)),
        Column("legal_name", "Legal name", aliases=("legal_name", "registered_name"), parse=cells.text(200)),
        Column("website", "Website", help="Rows without an external_id are matched on its domain",
               aliases=("website", "web_site", "url", "domain", "homepage", "web"), parse=cells.website),
        Column("type", "Type", help="business, financial, technology, sales, channel or support",
               aliases=("type", "partner_type", "category"), parse=cells.choice(Partner.Type, "partner type")),
        Column("status", "Status", help="moves follow the partner lifecycle",
               aliases=("status", "stage", "lifecycle"), parse=cells.choice(Partner.Status, "status")),
        Column("engagement", "Engagement", aliases=("engagement", "engagement_level"),
               parse=cells.choice(Partner.Engagement, "engagement level")),
        Column("country", "Country", help="a code such as DE, or the English name",
               aliases=("country", "country_code", "hq_country"), parse=cells.country),
        Column("regions", "Regions", help="codes or names, separated by ;",
               aliases=("regions", "region", "territory", "territories"), parse=cells.regions),
        Column("verticals", "Verticals", help="slugs or names, separated by ;",
               aliases=("verticals", "vertical", "industry", "industries"), parse=cells.verticals),
        Column("owner", "Owner", help="the e-mail of a staff login",
               aliases=("owner", "owner_email", "owner_e_mail", "partner_manager", "manager", "account_owner"),
               parse=cells.email),
        Column("description", "Description", aliases=("description", "about", "notes"), parse=cells.text(5000)),
        *_contact_columns("contact_", "Contact"),
    )  # fmt: skip

    key_fields = ("external_id", "website", "name")
    key_names = {"ext": "external_id", "dom": "website", "name": "name"}

    def row_keys(self, values: dict) -> tuple[str, str]:
        return _keys(values)[:2]

    def mapping_errors(self, fields: set[str]) -> list[str]:
        if not fields & {"name", "external_id", "website"}:
            return ["Map a column to name, external_id or website: rows are matched and created by them."]
        return []

    def process(self, rows: list[ParsedRow], *, run, commit: bool, actor) -> list[RowResult]:
        planned = _plan(rows, run=run, lock=commit)
        if commit:
            _write([item for item in planned if item.result.action in (Action.CREATE, Action.UPDATE)], run, actor)
        return [item.result for item in planned]


def _keys(values: dict) -> tuple[str, str, str]:
    """The row's key in the file, its alternative key, and its domain."""
    external_id, website, name = values.get("external_id"), values.get("website"), values.get("name")
    domain = cells.domain_of(website) if website else ""
    if external_id:
        return f"ext:{external_id}", (f"dom:{domain}" if domain else ""), domain
    if domain:
        return f"dom:{domain}", "", domain
    return (f"name:{name}" if name else ""), "", ""


def _plan(rows: list[ParsedRow], *, run, lock: bool) -> list[_Planned]:
    planned = [_Planned(row=row, result=RowResult(number=row.number, action=Action.ERROR)) for row in rows]
    live = []
    for item in planned:
        values = item.row.values
        item.result.label = str(values.get("name") or values.get("external_id") or values.get("website") or "")[:200]
        if item.row.errors:
            item.result.messages = dict(item.row.errors)
        elif not _keys(values)[0]:
            item.result.messages = {"name": ["Give a name, an external_id or a website to say which partner this is."]}
        else:
            live.append(item)
    matches = _match(live, lock=lock)
    _refuse_claimed(live, matches, run)
    live = [item for item in live if not item.result.messages]
    owners = _owners({item.row.values["owner"] for item in live if "owner" in item.row.values})
    contacts, has_primary = contacts_of({p.pk for p in matches.values() if p is not None})
    for item in live:
        _decide(item, matches.get(item.row.number), owners, contacts, has_primary)
    return planned


# the partners a chunk's rows name, by any of their keys: three index scans, arrays bound
MATCHING = """
SELECT id FROM partners_partner WHERE external_id = ANY(%s)
UNION SELECT id FROM partners_partner WHERE domain = ANY(%s)
UNION SELECT id FROM partners_partner WHERE name = ANY(%s)
"""


def _match(items: list[_Planned], *, lock: bool) -> dict[int, Partner | None]:
    """Each row's stored partner (row number → partner or None), in one query; for a real import
    the matched rows are locked in id order, so concurrent writers queue behind the chunk."""
    external_ids, domains, names = set(), set(), set()
    for item in items:
        values = item.row.values
        key, _, domain = _keys(values)
        if values.get("external_id"):
            external_ids.add(values["external_id"])
        if domain:
            domains.add(domain)
        if key.startswith("name:"):
            names.add(values["name"])
    with connection.cursor() as cursor:
        cursor.execute(MATCHING, [list(external_ids), list(domains), list(names)])
        ids = [pk for (pk,) in cursor.fetchall()]
    stored = Partner.objects.filter(pk__in=ids).select_related("owner").order_by("pk") if ids else []
    if lock and ids:
        stored = stored.select_for_update(of=("self",))
    by_external_id, by_domain, by_name = {}, {}, {}
    for partner in stored:
        if partner.external_id:
            by_external_id[partner.external_id] = partner
        by_domain.setdefault(partner.domain, []).append(partner)
        by_name.setdefault(partner.name, []).append(partner)
    matches: dict[int, Partner | None] = {}
    for item in items:
        values = item.row.values
        key, _, domain = _keys(values)
        external_id = values.get("external_id")
        if external_id and external_id in by_external_id:
            matches[item.row.number] = by_external_id[external_id]
            continue
        if external_id:  # a new external_id may claim the one partner of its domain that has none
            candidates = [p for p in by_domain.get(domain, []) if not p.external_id] if domain else []
            matches[item.row.number] = candidates[0] if len(candidates) == 1 else None
            continue
        candidates = by_domain.get(domain, []) if domain else by_name.get(values.get("name"), [])
        if len(candidates) > 1:
            what = f"website domain {domain}" if domain else "name"
            item.result.messages = {
                "website" if domain else "name": [
                    f"{len(candidates)} partners have this {what}; add an external_id column to say which."
                ]
            }
        matches[item.row.number] = candidates[0] if len(candidates) == 1 else None
    return matches


def _refuse_claimed(items: list[_Planned], matches: dict[int, Partner | None], run) -> None:
    """One stored partner is imported by one row of a file: another row that matches it another
    way (its domain, say, where the first used its external_id) is refused. Chunks in parallel
    may both pass this check; the unique (import, object) constraint then fails one, whose retry
    sees the other's row."""
    ids = {p.pk for number, p in matches.items() if p is not None}
    claimed = claimed_by(run=run, object_ids=ids)
    for item in items:
        partner = matches.get(item.row.number)
        if partner is None or item.result.messages:
            continue
        first = claimed.setdefault(partner.pk, item.row.number)
        if first != item.row.number:
            item.result.messages = {"name": [f"Row {first} of this file also imports this partner ({partner.name})."]}


def _owners(emails: set[str]) -> dict[str, object]:
    if not emails:
        return {}
    users = get_user_model().objects.annotate(folded=Lower("email"))
    users = users.filter(folded__in=emails, is_staff=True, is_active=True)
    return {user.email.lower(): user for user in users}


def _same(field_name: str, old, new) -> bool:
    if field_name in ("regions", "verticals"):
        return sorted(old or []) == sorted(new or [])
    if field_name == "owner":
        return (old.pk if old else None) == (new.pk if new else None)
    if field_name == "country":
        return str(old or "") == str(new or "")
    return (old or "") == (new or "")


def _decide(item: _Planned, partner: Partner | None, owners, contacts, has_primary: set[int]) -> None:
    values = dict(item.row.values)
    result = item.result
    errors: dict[str, list[str]] = {}
    if "owner" in values:
        owner = owners.get(values["owner"])
        if owner is None:
            errors["owner"] = [f"No active staff login has the e-mail {values['owner']}."]
        values["owner"] = owner
    if partner is None:
        missing = [name for name in REQUIRED_TO_CREATE if name not in values]
        for name in missing:
            errors[name] = ["Needed for a new partner."]
    else:
        status = values.get("status")
        if status and status != partner.status and not partner.can_move_to(status):
            allowed = ", ".join(sorted(Partner.TRANSITIONS[partner.status]))
            errors["status"] = [f"A partner that is {partner.status} cannot become {status}; allowed: {allowed}."]
    contact, contact_errors = contact_plan(
        partner_id=partner.pk if partner else None,
        values=values,
        existing=contacts,
        has_primary=has_primary,
        prefix="contact_",
    )
    errors.update(contact_errors)
    if errors:
        result.messages = errors
        result.object_id = partner.pk if partner else None
        return
    item.contact = contact
    item.values = values
    if partner is None:
        item.created = True
        item.partner = Partner(
            **{name: values[name] for name in PROFILE_FIELDS if name in values},
            status=values.get("status", Partner.Status.PROSPECT),
        )
        result.action = Action.CREATE
        return
    item.partner = partner
    result.object_id = partner.pk
    result.label = partner.name[:200]
    for name in PROFILE_FIELDS:
        if name in values and not _same(name, getattr(partner, name), values[name]):
            old, new = getattr(partner, name), values[name]
            item.changes[name] = [_plain(old), _plain(new)]
    if values.get("status") and values["status"] != partner.status:
        item.status = (partner.status, values["status"])
    result.changes = dict(item.changes)
    if item.status:
        result.changes["status"] = list(item.status)
    if contact is not None:
        result.changes.update({f"contact_{k}": v for k, v in contact.changes.items()} if not contact.created else {})
        if contact.created:
            result.changes["contact"] = [None, contact.contact.email]
    result.action = Action.UPDATE if result.changes else Action.UNCHANGED


def _plain(value):
    if hasattr(value, "pk"):
        return value.email if hasattr(value, "email") else value.pk
    if isinstance(value, list | tuple):
        return list(value)
    return str(value) if value is not None else None


def _slugs(names: list[str]) -> list[str]:
    """Unique slugs for new partners: one query for the plain slugs, a second only for the names
    whose plain slug is taken."""
    bases = [slugify(name)[:70] or "partner" for name in names]
    taken = _taken(set(bases))
    crowded = {base for base in bases if base in taken}
    if crowded:
        taken |= _taken({f"{base}-{n}" for base in crowded for n in SLUG_SUFFIXES})
    slugs = []
    for base in bases:
        slug = next((s for s in [base, *(f"{base}-{n}" for n in SLUG_SUFFIXES)] if s not in taken), None)
        if slug is None:  # a common name: find the first free number above the tried ones
            used = set(Partner.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)) | taken
            number = 10
            while f"{base}-{number}" in used:
                number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _taken(slugs: set[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug FROM partners_partner WHERE slug = ANY(%s)", [list(slugs)])
        return {slug for (slug,) in cursor.fetchall()}


INSERT_COLUMNS = (
    "name", "legal_name", "slug", "external_id", "website", "description", "type", "status", "engagement", "country",
    "regions", "verticals", "owner_id", "last_activity_at", "version", "created_at", "updated_at",
)  # fmt: skip


def _column(partner: Partner, column: str):
    value = getattr(partner, column)
    if column == "country":
        return str(value)
    return list(value) if column in ("regions", "verticals") else value


def _write(items: list[_Planned], run, actor) -> None:
    """Insert the new partners and update the changed ones in bulk, then their contacts, timeline
    rows and events; one statement each, in the caller's transaction."""
    now = timezone.now()
    writes = ChunkWrites(run_id=run.pk, kind="partners")
    new = [item for item in items if item.created]
    for item, slug in zip(new, _slugs([item.partner.name for item in new]), strict=True):
        item.partner.slug = slug
        item.partner.created_at = item.partner.updated_at = item.partner.last_activity_at = now
    ids = insert_rows(
        Partner,
        list(INSERT_COLUMNS),
        [tuple(_column(item.partner, column) for column in INSERT_COLUMNS) for item in new],
        returning_ids=True,
    )
    for item, pk in zip(new, ids, strict=True):
        item.partner.pk = pk
        writes.created.add(pk)
    changed = [item for item in items if not item.created and (item.changes or item.status)]
    for item in changed:
        partner = item.partner
        for name in item.changes:
            setattr(partner, name, item.values[name])
        if item.status:
            partner.status = item.status[1]
        partner.version += 1
        partner.updated_at = now
    if changed:
        update_fields = sorted(
            {name for item in changed for name in item.changes} | {"status", "version", "updated_at"}
        )
        Partner.objects.bulk_update([item.partner for item in changed], update_fields, batch_size=500)
    plans = []
    for item in items:
        partner, number = item.partner, item.row.number
        item.result.object_id = partner.pk
        changes = {**item.changes, **({"status": list(item.status)} if item.status else {})}
        writes.partner(partner=partner, number=number, action=item.result.action, changes=changes)
        if item.created:
            writes.timeline(
                partner_id=partner.pk,
                actor=actor,
                kind=Activity.Kind.CREATED,
                message=f"{partner.get_type_display()} partner created as {partner.get_status_display().lower()}",
                data={"status": partner.status},
                number=number,
            )
        if item.changes:
            writes.timeline(
                partner_id=partner.pk,
                actor=actor,
                kind=Activity.Kind.UPDATED,
                message="Updated " + ", ".join(name.replace("_", " ") for name in item.changes),
                data={"changes": item.changes},
                number=number,
            )
        if item.status:
            old, status = item.status
            writes.timeline(
                partner_id=partner.pk,
                actor=actor,
                kind=Activity.Kind.STATUS_CHANGED,
                message=f"Status changed from {old} to {status}",
                data={"from": old, "to": status, "reason": "import"},
                number=number,
            )
        if item.contact is not None:
            item.contact.contact.partner_id = partner.pk
            plans.append((item.contact, partner, number))
    contacts_save([plan for plan, _, _ in plans])
    for plan, _, number in plans:
        writes.contact(plan=plan, actor=actor, number=number)
    writes.save(actor=actor)
