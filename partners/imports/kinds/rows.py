"""Helpers the kinds share: earlier rows of the same import, and set-based writes of timeline rows,
contacts and events for a chunk."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from psycopg2.extras import Json

from partners.events import contact_snapshot, partner_snapshot
from partners.imports.models import ImportRow
from partners.models import Activity, Contact, Partner
from partners.outbox.services import EventDraft, events_record
from prm.db import insert_rows

CONTACT_FIELDS = ("name", "phone", "title", "role")


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


@dataclass
class ContactPlan:
    """A contact a row adds (``contact`` is new) or changes (``changes`` not empty)."""

    contact: Contact
    created: bool
    changes: dict[str, list] = field(default_factory=dict)


def contact_plan(
    *,
    partner_id: int | None,
    values: dict,
    existing: dict[tuple[int, str], Contact],
    has_primary: set[int],
    prefix: str,
) -> tuple[ContactPlan | None, dict[str, list[str]]]:
    """What a row's contact cells (``<prefix>email`` …) do to its partner's contacts: add one,
    change one found by e-mail, or nothing. The first contact a partner gets becomes primary
    unless a role is given; a second primary is refused. ``has_primary`` is updated."""
    email = values.get(f"{prefix}email")
    given = {name: values[f"{prefix}{name}"] for name in CONTACT_FIELDS if f"{prefix}{name}" in values}
    if email is None:
        if given:
            return None, {f"{prefix}email": ["Needed to add or update a contact."]}
        return None, {}
    contact = existing.get((partner_id, email)) if partner_id is not None else None
    if contact is not None:
        changes = {
            name: [getattr(contact, name), value] for name, value in given.items() if getattr(contact, name) != value
        }
        if changes.get("role", [None, None])[1] == Contact.Role.PRIMARY and partner_id in has_primary:
            return None, {f"{prefix}role": ["This partner already has a primary contact."]}
        if changes.get("role", [None, None])[1] == Contact.Role.PRIMARY:
            has_primary.add(partner_id)
        return (ContactPlan(contact=contact, created=False, changes=changes) if changes else None), {}
    if "name" not in given:
        return None, {f"{prefix}name": ["Needed for a new contact."]}
    role = given.get("role")
    if role is None:
        role = Contact.Role.SALES if partner_id in has_primary else Contact.Role.PRIMARY
    elif role == Contact.Role.PRIMARY and partner_id in has_primary:
        return None, {f"{prefix}role": ["This partner already has a primary contact."]}
    if role == Contact.Role.PRIMARY and partner_id is not None:
        has_primary.add(partner_id)
    contact = Contact(
        partner_id=partner_id,
        name=given["name"],
        email=email,
        phone=given.get("phone", ""),
        title=given.get("title", ""),
        role=role,
    )
    return ContactPlan(contact=contact, created=True), {}


def claimed_by(*, run, object_ids: set[int]) -> dict[int, int]:
    """Stored records that rows of the import already matched (object id → row number)."""
    if not object_ids:
        return {}
    rows = ImportRow.objects.filter(run=run, object_id__in=object_ids).exclude(action=ImportRow.Action.ERROR)
    return dict(rows.values_list("object_id", "number"))


def contacts_of(partner_ids: set[int]) -> tuple[dict[tuple[int, str], Contact], set[int]]:
    """The partners' contacts by (partner, e-mail), and which partners have a primary one."""
    existing, has_primary = {}, set()
    for contact in Contact.objects.filter(partner_id__in=partner_ids):
        existing[(contact.partner_id, contact.email.lower())] = contact
        if contact.role == Contact.Role.PRIMARY:
            has_primary.add(contact.partner_id)
    return existing, has_primary


ROWS_PER_EVENT = 100


@dataclass
class ChunkWrites:
    """The timeline rows and ``import.rows`` events of a chunk, each written with one INSERT.

    An import does not send one ``partner.created`` per row: its changes go out as
    ``import.rows`` events of up to ROWS_PER_EVENT rows each (each row: its number, what
    happened, the partner and contact as they now are, the changes), so a subscriber gets a
    thousand deliveries for a 100,000-row file instead of 200,000.
    """

    run_id: int
    kind: str
    activities: list[tuple] = field(default_factory=list)
    rows: dict[int, dict] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    created: set[int] = field(default_factory=set)  # partners inserted with last_activity_at set

    def timeline(self, *, partner_id: int, actor, kind: str, message: str, data: dict, number: int) -> None:
        self.activities.append((
            partner_id,
            actor.pk if actor is not None else None,
            kind,
            f"{message} (import #{self.run_id}, row {number})"[:500],
            Json({**data, "import": self.run_id, "row": number}, dumps=_dumps),
            timezone.now(),
        ))  # fmt: skip
        self.touched.add(partner_id)

    def _row(self, number: int, action: str) -> dict:
        return self.rows.setdefault(number, {"row": number, "action": action})

    def partner(self, *, partner: Partner, number: int, action: str, changes: dict | None = None) -> None:
        entry = self._row(number, action)
        entry["partner"] = partner_snapshot(partner)
        if changes:
            entry["changes"] = {name: {"from": old, "to": new} for name, (old, new) in changes.items()}

    def contact(self, *, plan: ContactPlan, actor, number: int) -> None:
        contact = plan.contact
        entry = self._row(number, "create" if plan.created else "update")
        entry["contact"] = contact_snapshot(contact)
        if plan.created:
            self.timeline(
                partner_id=contact.partner_id,
                actor=actor,
                kind=Activity.Kind.CONTACT_ADDED,
                message=f"Contact {contact.name} added ({contact.get_role_display().lower()})",
                data={"contact": contact.pk, "role": contact.role},
                number=number,
            )
        else:
            self.timeline(
                partner_id=contact.partner_id,
                actor=actor,
                kind=Activity.Kind.CONTACT_UPDATED,
                message=f"Contact {contact.name} updated: " + ", ".join(plan.changes),
                data={"contact": contact.pk, "changes": plan.changes},
                number=number,
            )
            entry["contact"]["changes"] = {name: {"from": old, "to": new} for name, (old, new) in plan.changes.items()}

    def save(self, *, actor) -> None:
        """The timeline rows, the partners' last activity and the events: one statement each."""
        now = timezone.now()
        insert_rows(Activity, ["partner_id", "actor_id", "kind", "message", "data", "created_at"], self.activities)
        if self.touched - self.created:
            Partner.objects.filter(pk__in=self.touched - self.created).update(last_activity_at=now)
        entries = [self.rows[number] for number in sorted(self.rows)]
        events_record(
            (
                EventDraft(
                    type="import.rows",
                    object_type="import",
                    object_id=self.run_id,
                    partner_id=None,
                    data={"import": self.run_id, "kind": self.kind, "rows": entries[start : start + ROWS_PER_EVENT]},
                )
                for start in range(0, len(entries), ROWS_PER_EVENT)
            ),
            actor=actor,
            returning=False,
        )


def contacts_save(plans: list[ContactPlan]) -> None:
    """Insert the new contacts and update the changed ones, in bulk."""
    now = timezone.now()
    new = [plan.contact for plan in plans if plan.created]
    ids = insert_rows(
        Contact,
        ["partner_id", "name", "email", "phone", "title", "role", "created_at", "updated_at"],
        [(c.partner_id, c.name, c.email, c.phone, c.title, c.role, now, now) for c in new],
        returning_ids=True,
    )
    for contact, pk in zip(new, ids, strict=True):
        contact.pk, contact.created_at, contact.updated_at = pk, now, now
    changed = [plan.contact for plan in plans if not plan.created]
    for plan in plans:
        if not plan.created:
            for name, (_, value) in plan.changes.items():
                setattr(plan.contact, name, value)
            plan.contact.updated_at = now
    if changed:
        Contact.objects.bulk_update(changed, [*CONTACT_FIELDS, "updated_at"], batch_size=1000)
