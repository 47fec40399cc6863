"""What agreements and onboarding tell the rest of the system: timeline rows and outbox events."""

from __future__ import annotations

from partners.events import timeline_record
from partners.models import Activity
from partners.outbox.services import EventDraft, event_record, events_record
from programs.onboarding.models import AgreementAcceptance, Onboarding, OnboardingItem, OnboardingStep

EVENT_TYPES = {
    "agreement.accepted": "A partner admin accepted the partner's current agreement (typed name, time, version).",
    "onboarding.started": "A partner entered onboarding and got its type's checklist, with each item's due date.",
    "onboarding.item_completed": "An item of a partner's onboarding checklist was completed, by hand or by itself.",
    "onboarding.items_overdue": "Items of a partner's onboarding checklist passed their due date.",
    "onboarding.completed": "Every item of a partner's onboarding checklist is complete; the partner is active.",
    "onboarding.cancelled": "A partner left onboarding before its checklist was complete.",
}
# what a partner's own logins and webhooks may hear of (overdue items are the manager's worry)
PARTNER_EVENT_TYPES = (
    "agreement.accepted",
    "onboarding.started",
    "onboarding.item_completed",
    "onboarding.completed",
    "onboarding.cancelled",
)


def acceptance_recorded(acceptance: AgreementAcceptance, *, actor) -> None:
    """The timeline row and ``agreement.accepted`` of an acceptance, in the caller's transaction."""
    template = acceptance.template
    timeline_record(
        partner=acceptance.partner,
        actor=actor,
        kind=Activity.Kind.AGREEMENT,
        message=f"Agreement “{template.name}” (version {template.version}) accepted by {acceptance.typed_name}"[:500],
        data={
            "record": "agreement",
            "agreement": acceptance.agreement_id,
            "acceptance": acceptance.pk,
            "template": template.pk,
            "version": template.version,
        },
    )
    agreement = acceptance.agreement
    event_record(
        type="agreement.accepted",
        object_type="agreement",
        object_id=acceptance.agreement_id,
        partner_id=acceptance.partner_id,
        data={
            "id": acceptance.agreement_id,
            "partner": acceptance.partner_id,
            "acceptance": acceptance.pk,
            "template": template.pk,
            "template_name": template.name,
            "version": template.version,
            "kind": agreement.kind,
            "typed_name": acceptance.typed_name,
            "accepted_at": acceptance.accepted_at.isoformat(),
            "start_on": agreement.start_on.isoformat(),
            "end_on": agreement.end_on.isoformat() if agreement.end_on else None,
        },
        actor=actor,
    )


def _onboarding_data(onboarding: Onboarding, **extra) -> dict:
    return {
        "id": onboarding.pk,
        "partner": onboarding.partner_id,
        "template": onboarding.template_id,
        "state": onboarding.state,
        "started_on": onboarding.started_on.isoformat(),
        "completed_at": onboarding.completed_at.isoformat() if onboarding.completed_at else None,
        **extra,
    }


def onboarding_changed(
    *, onboarding: Onboarding, actor, type: str, message: str, extra: dict | None = None, counts_as_activity=True
) -> None:
    """The partner's timeline row and the outbox event of one change of its onboarding."""
    timeline_record(
        partner=onboarding.partner,
        actor=actor,
        kind=Activity.Kind.ONBOARDING,
        message=message[:500],
        data={"record": "onboarding", "onboarding": onboarding.pk, "state": onboarding.state},
        counts_as_activity=counts_as_activity,
    )
    event_record(
        type=type,
        object_type="onboarding",
        object_id=onboarding.pk,
        partner_id=onboarding.partner_id,
        data=_onboarding_data(onboarding, **(extra or {})),
        actor=actor,
    )


def steps_recorded(onboarding: Onboarding, steps: list[tuple[OnboardingStep, OnboardingItem]], *, actor) -> None:
    """One timeline row for the items just completed and one ``onboarding.item_completed`` each."""
    if not steps:
        return
    titles = ", ".join(f"“{item.title}”" for _, item in steps)
    automatic = all(step.automatic for step, _ in steps)
    timeline_record(
        partner=onboarding.partner,
        actor=actor,
        kind=Activity.Kind.ONBOARDING,
        message=f"Onboarding: {titles} {'completed itself' if automatic and len(steps) == 1 else 'completed'}"[:500],
        data={"record": "onboarding", "onboarding": onboarding.pk, "items": [item.pk for _, item in steps]},
        counts_as_activity=not automatic,
    )
    events_record(
        [
            EventDraft(
                type="onboarding.item_completed",
                object_type="onboarding",
                object_id=onboarding.pk,
                partner_id=onboarding.partner_id,
                data=_onboarding_data(
                    onboarding,
                    item={"id": item.pk, "title": item.title, "auto": item.auto},
                    automatic=step.automatic,
                    completed_by=step.completed_by_id,
                ),
            )
            for step, item in steps
        ],
        actor=actor,
    )
