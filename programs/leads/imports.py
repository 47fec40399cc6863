"""Lead rows for the CSV import flow (registered by the programs app, as partners never import
programs). Every row is a new lead unless an earlier import or row brought the same one (same
contact e-mail, or without one the same company in the same country): re-importing a file
creates nothing twice. Imported leads are routed one by one after the chunk commits."""

from __future__ import annotations

import re

from django.db.models.functions import Lower

from partners.imports import cells
from partners.imports.kinds.base import CellError, Column, ImportKind, ParsedRow, RowResult
from partners.imports.models import ImportRow
from programs.leads.models import Lead
from programs.leads.services import country_regions, lead_fields_errors, leads_create_many

Action = ImportRow.Action
_number = re.compile(r"^\s*(\d[\d,.' ]*)\s*\+?\s*$")
SIZE_BOUNDS = ((9, "1-9"), (49, "10-49"), (249, "50-249"), (999, "250-999"), (4999, "1000-4999"))


def _one_region(cell: str) -> str:
    codes = cells.regions(cell)
    if len(codes) != 1:
        raise CellError("Give one region.")
    return codes[0]


def _one_vertical(cell: str) -> str:
    slugs = cells.verticals(cell)
    if len(slugs) != 1:
        raise CellError("Give one vertical.")
    return slugs[0]


_size_band = cells.choice(Lead.Size, "company size")


def _size(cell: str) -> str:
    """A band (50-249, its label) or a number of employees (120 → 50-249)."""
    match = _number.match(cell)
    if match and "-" not in cell:
        employees = int(re.sub(r"\D", "", match.group(1)) or 0)
        return next((band for bound, band in SIZE_BOUNDS if employees <= bound), Lead.Size.GLOBAL.value)
    return _size_band(cell)


def _same_key(values: dict) -> str:
    """What makes two rows (or a row and a stored lead) the same lead."""
    if values.get("contact_email"):
        return f"email:{values['contact_email']}"
    if values.get("company") and values.get("country"):
        return f"company:{values['company'].casefold()}:{values['country']}"
    return ""


class LeadImport(ImportKind):
    code = "leads"
    label = "Leads"
    object_label = "lead"
    columns = (
        Column("company", "Company", aliases=("company", "company_name", "account", "organisation", "organization"),
               parse=cells.text(200)),
        Column("contact_name", "Contact name", aliases=("contact_name", "name", "full_name", "contact"),
               parse=cells.text(200)),
        Column("contact_email", "Contact e-mail", help="a lead with an e-mail imported before is not added again",
               aliases=("contact_email", "email", "e_mail", "email_address"), parse=cells.email),
        Column("country", "Country", help="a code such as DE or the English name",
               aliases=("country", "country_code", "hq_country"), parse=cells.country),
        Column("region", "Region", help="a region code or name; by default the country's region",
               aliases=("region", "territory"), parse=_one_region),
        Column("vertical", "Vertical", help="a vertical slug or name", aliases=("vertical", "industry", "sector"),
               parse=_one_vertical),
        Column("size", "Company size", help="an employee band such as 50-249, or a number of employees",
               aliases=("size", "company_size", "employees", "headcount"), parse=_size),
        Column("source", "Source", aliases=("source", "lead_source", "channel", "campaign"), parse=cells.text(50)),
        Column("notes", "Notes", aliases=("notes", "comment", "comments", "description"), parse=cells.text(5000)),
    )  # fmt: skip

    key_fields = ("contact_email", "company", "country")
    key_names = {"email": "contact_email", "company": "company"}
    key_labels = {"contact_email": "contact e-mail", "company": "company and country"}

    def row_keys(self, values: dict) -> tuple[str, str]:
        return _same_key(values), ""

    def mapping_errors(self, fields: set[str]) -> list[str]:
        missing = [name for name in ("company", "country") if name not in fields]
        return [f"Map a column to {name}: every lead needs it." for name in missing]

    def process(self, rows: list[ParsedRow], *, run, commit: bool, actor) -> list[RowResult]:
        results = [
            RowResult(number=row.number, action=Action.ERROR, label=str(row.values.get("company") or "")[:200])
            for row in rows
        ]
        regions, checked = country_regions(), []
        for row, result in zip(rows, results, strict=True):
            if row.errors:
                result.messages = dict(row.errors)
                continue
            values = row.values
            clean, errors = lead_fields_errors(
                company=str(values.get("company") or ""),
                country=str(values.get("country") or ""),
                contact_email=str(values.get("contact_email") or ""),
                region=values.get("region"),
                vertical=values.get("vertical"),
                size=str(values.get("size") or ""),
                source=str(values.get("source") or ""),
                country_regions=regions,
            )
            if errors:
                result.messages = errors
                continue
            clean.update(contact_name=str(values.get("contact_name") or ""), notes=str(values.get("notes") or ""))
            checked.append((clean, result))
        stored = _stored({_same_key(clean) for clean, _ in checked})
        fresh = []
        for clean, result in checked:
            existing = stored.get(_same_key(clean))
            if existing is not None:
                result.action, result.object_id = Action.UNCHANGED, existing
            else:
                result.action = Action.CREATE
                fresh.append((clean, result))
        if commit and fresh:
            for lead, (_, result) in zip(
                leads_create_many(actor=actor, leads=[clean for clean, _ in fresh]), fresh, strict=True
            ):
                result.object_id = lead.pk
        return results


def _stored(keys: set[str]) -> dict[str, int]:
    """Stored leads with these keys (two index-friendly queries) → their ids."""
    emails = [key.removeprefix("email:") for key in keys if key.startswith("email:")]
    found = {}
    if emails:
        for pk, email in Lead.objects.filter(contact_email__in=emails).values_list("pk", "contact_email"):
            found.setdefault(f"email:{email}", pk)
    companies = {key for key in keys if key.startswith("company:")}
    if companies:
        countries = {key.rsplit(":", 1)[1] for key in companies}
        names = {key.split(":", 1)[1].rsplit(":", 1)[0] for key in companies}
        rows = (
            Lead.objects.filter(contact_email="", country__in=countries)
            .annotate(folded=Lower("company"))
            .filter(folded__in=names)
            .values_list("pk", "company", "country")
        )
        for pk, company, country in rows:
            found.setdefault(f"company:{company.casefold()}:{country}", pk)
    return found
