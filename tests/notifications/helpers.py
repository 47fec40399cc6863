"""Events as the services record them, partner logins, and the dispatcher run to completion."""

from __future__ import annotations

import itertools

from django.db import transaction

from partners.models import PartnerUser
from partners.outbox.services import event_record, outbox_dispatch
from tests.factories import UserFactory

_ids = itertools.count(1000)


def partner_login(partner, *, role: str = "partner_member", **fields):
    user = UserFactory(is_staff=False, **fields)
    PartnerUser.objects.create(user=user, partner=partner, role=role)
    return user


def request_event(partner, *, title: str = "Upload your KYC document", actor=None, **extra):
    """outcome.created addressed to the partner (what a document_compliance rule asks for)."""
    outcome_id = next(_ids)
    data = {
        "id": outcome_id,
        "partner": partner.pk,
        "strategy": 1,
        "kind": "task",
        "title": title,
        "audience": "partner",
        "assignee": None,
        "due_on": "2026-12-31",
        "state": "open",
        "partner_owner": partner.owner_id,
        **extra,
    }
    return event_record(
        type="outcome.created",
        object_type="outcome",
        object_id=outcome_id,
        partner_id=partner.pk,
        data=data,
        actor=actor,
    )


def outcome_event(partner, *, title: str = "Re-engage the partner", assignee=None, actor=None):
    """outcome.created for the manager (audience manager)."""
    outcome_id = next(_ids)
    data = {
        "id": outcome_id,
        "partner": partner.pk,
        "strategy": 1,
        "kind": "task",
        "title": title,
        "audience": "manager",
        "assignee": assignee.pk if assignee else None,
        "due_on": None,
        "state": "open",
        "partner_owner": partner.owner_id,
    }
    return event_record(
        type="outcome.created",
        object_type="outcome",
        object_id=outcome_id,
        partner_id=partner.pk,
        data=data,
        actor=actor,
    )


def run_event(*, started_by, status: str = "succeeded"):
    run_id = next(_ids)
    data = {
        "id": run_id,
        "partner": None,
        "strategy": 1,
        "strategy_name": "Channel partners",
        "status": status,
        "started_by": started_by.pk if started_by else None,
        "partners_evaluated": 12,
        "outcomes_created": 3,
    }
    return event_record(type="run.finished", object_type="run", object_id=run_id, partner_id=None, data=data)


def document_event(partner, *, title: str = "Insurance 2027", actor=None):
    document_id = next(_ids)
    data = {"id": document_id, "partner": partner.pk, "kind": "insurance", "title": title, "by_partner": True}
    return event_record(
        type="document.uploaded",
        object_type="document",
        object_id=document_id,
        partner_id=partner.pk,
        data=data,
        actor=actor,
    )


def invitation_event(partner, *, inviter, email: str = "new@partner.example"):
    invitation_id = next(_ids)
    data = {
        "id": invitation_id,
        "partner": partner.pk,
        "user": None,
        "email": email,
        "role": "partner_member",
        "invited_by": inviter.pk,
    }
    return event_record(
        type="invitation.accepted", object_type="invitation", object_id=invitation_id, partner_id=partner.pk, data=data
    )


def dispatch(capture) -> int:
    """Fan out every pending event and run what the commit would (the e-mail tasks, eagerly)."""
    with capture(execute=True), transaction.atomic():
        return outbox_dispatch()
