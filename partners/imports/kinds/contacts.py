"""Contact rows: each names its partner (external_id, else website domain) and is matched to that
partner's contact with the same e-mail, or added."""

from __future__ import annotations

from django.db.models import Q

from partners.imports import cells
from partners.imports.kinds.base import Column, ImportKind, ParsedRow, RowResult
from partners.imports.kinds.rows import ChunkWrites, claimed_by, contact_plan, contacts_of, contacts_save
from partners.imports.models import ImportRow
from partners.models import Contact, Partner

Action = ImportRow.Action


class ContactImport(ImportKind):
    code = "contacts"
    label = "Contacts"
    object_label = "contact"
    columns = (
        Column("partner_external_id", "Partner's external ID", help="which partner the contact belongs to",
               aliases=("partner_external_id", "partner_id", "account_id", "external_id", "crm_id"),
               parse=cells.external_id),
        Column("partner_website", "Partner's website", help="used when there is no external ID",
               aliases=("partner_website", "website", "company_website", "domain", "url"), parse=cells.website),
        Column("name", "Name", aliases=("name", "contact_name", "full_name", "contact"), parse=cells.text(200)),
        Column("email", "E-mail", help="contacts are matched on it within their partner",
               aliases=("email", "e_mail", "email_address", "contact_email"), parse=cells.email),
        Column("phone", "Phone", aliases=("phone", "telephone", "mobile"), parse=cells.text(40)),
        Column("title", "Job title", aliases=("title", "job_title", "position"), parse=cells.text(120)),
        Column("role", "Role", help="primary, sales, technical, billing or executive",
               aliases=("role", "contact_role"), parse=cells.choice(Contact.Role, "contact role")),
    )  # fmt: skip

    key_fields = ("partner_external_id", "partner_website", "email")
    key_names = {"contact": "email"}
    key_labels = {"email": "partner and e-mail"}

    def row_keys(self, values: dict) -> tuple[str, str]:
        partner = values.get("partner_external_id") or (
            cells.domain_of(values["partner_website"]) if "partner_website" in values else ""
        )
        return (f"contact:{partner}:{values['email']}", "") if partner and "email" in values else ("", "")

    def mapping_errors(self, fields: set[str]) -> list[str]:
        errors = []
        if "email" not in fields:
            errors.append("Map a column to email: contacts are matched on it.")
        if not fields & {"partner_external_id", "partner_website"}:
            errors.append("Map a column to partner_external_id or partner_website: it says whose contact a row is.")
        return errors

    def process(self, rows: list[ParsedRow], *, run, commit: bool, actor) -> list[RowResult]:
        results = [
            RowResult(
                number=row.number,
                action=Action.ERROR,
                label=str(row.values.get("name") or row.values.get("email") or "")[:200],
            )
            for row in rows
        ]
        live = []
        for row, result in zip(rows, results, strict=True):
            if row.errors:
                result.messages = dict(row.errors)
            elif "email" not in row.values:
                result.messages = {"email": ["Needed: contacts are matched on it."]}
            elif not ("partner_external_id" in row.values or "partner_website" in row.values):
                result.messages = {
                    "partner_external_id": ["Say whose contact this is: a partner's external_id or website."]
                }
            else:
                live.append((row, result))
        partners = _partners([row for row, _ in live], lock=commit)
        for row, result in live:
            partner, problem = _partner_of(row.values, partners)
            if problem:
                result.messages = problem
            else:
                row.values["_partner"] = partner
        live = [(row, result) for row, result in live if not result.messages]
        contacts, has_primary = contacts_of({row.values["_partner"].pk for row, _ in live})
        matched = {
            contacts[(row.values["_partner"].pk, row.values["email"])].pk
            for row, _ in live
            if (row.values["_partner"].pk, row.values["email"]) in contacts
        }
        claimed = claimed_by(run=run, object_ids=matched)
        planned, creating = [], {}
        for row, result in live:
            existing = contacts.get((row.values["_partner"].pk, row.values["email"]))
            first = creating.get((row.values["_partner"].pk, row.values["email"]))
            if first is not None:  # named once by external_id and once by website
                result.messages = {"email": [f"Row {first} of this file is the same contact."]}
                continue
            if existing is not None:
                first = claimed.setdefault(existing.pk, row.number)
                if first != row.number:
                    result.messages = {"email": [f"Row {first} of this file is the same contact."]}
                    continue
            partner = row.values["_partner"]
            plan, errors = contact_plan(
                partner_id=partner.pk, values=row.values, existing=contacts, has_primary=has_primary, prefix=""
            )
            if errors:
                result.messages = errors
                continue
            if plan is None:
                result.action = Action.UNCHANGED
                result.object_id = contacts[(partner.pk, row.values["email"])].pk
                continue
            if plan.created:
                creating[(partner.pk, row.values["email"])] = row.number
            result.action = Action.CREATE if plan.created else Action.UPDATE
            result.changes = dict(plan.changes)
            result.object_id = None if plan.created else plan.contact.pk
            planned.append((plan, partner, row.number, result))
        if commit and planned:
            contacts_save([plan for plan, _, _, _ in planned])
            writes = ChunkWrites(run_id=run.pk, kind="contacts")
            for plan, _, number, result in planned:
                result.object_id = plan.contact.pk
                writes.contact(plan=plan, actor=actor, number=number)
            writes.save(actor=actor)
        for row, _ in live:
            row.values.pop("_partner", None)
        return results


def _partners(rows: list[ParsedRow], *, lock: bool) -> dict[str, list[Partner]]:
    """The partners the rows name, by "ext:<id>" and "dom:<domain>"; locked for a real import."""
    external_ids = {row.values["partner_external_id"] for row in rows if "partner_external_id" in row.values}
    domains = {cells.domain_of(row.values["partner_website"]) for row in rows if "partner_website" in row.values}
    if not external_ids and not domains:
        return {}
    stored = Partner.objects.filter(Q(external_id__in=external_ids) | Q(domain__in=domains)).order_by("pk")
    if lock:
        stored = stored.select_for_update()
    found: dict[str, list[Partner]] = {}
    for partner in stored.only("pk", "name", "external_id", "website", "domain"):
        if partner.external_id:
            found.setdefault(f"ext:{partner.external_id}", []).append(partner)
        found.setdefault(f"dom:{partner.domain}", []).append(partner)
    return found


def _partner_of(values: dict, partners: dict[str, list[Partner]]) -> tuple[Partner | None, dict]:
    if "partner_external_id" in values:
        matched = partners.get(f"ext:{values['partner_external_id']}")
        if matched:
            return matched[0], {}
        if "partner_website" not in values:
            return None, {"partner_external_id": [f"No partner has the external_id {values['partner_external_id']}."]}
    domain = cells.domain_of(values["partner_website"])
    matched = partners.get(f"dom:{domain}", [])
    if len(matched) == 1:
        return matched[0], {}
    if matched:
        return None, {
            "partner_website": [f"{len(matched)} partners have the website domain {domain}; use partner_external_id."]
        }
    return None, {"partner_website": [f"No partner has the website domain {domain}."]}
