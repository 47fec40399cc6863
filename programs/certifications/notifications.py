"""Who hears about certifications: the partner's logins when one is verified or rejected and when a
verified one is about to expire; the partner's manager when one waits for verification."""

from __future__ import annotations

from partners.notifications.categories import (
    PARTNER,
    STAFF,
    Batch,
    Category,
    Message,
    organisation_logins,
    page_link,
    partner_owner,
    register_category,
)
from partners.notifications.models import Delivery

PARTNER_EVENT_TYPES = ("certification.verified", "certification.rejected", "certification.expiring")


def _what(event) -> str:
    data = event.data
    return f"{data.get('definition_name') or 'A certification'} of {data.get('contact_name') or 'a contact'}"


def _describe_for_partner(event, batch: Batch) -> Message:
    data, what = event.data, _what(event)
    link = page_link("partner-certifications:certification-list")
    if event.type == "certification.verified":
        return Message(
            title=f"Certification verified: {what}", body=f"It counts until {data.get('expires_on')}.", link=link
        )
    if event.type == "certification.rejected":
        reason = data.get("rejection_reason") or "no reason given"
        return Message(title=f"Certification rejected: {what}", body=f"Reason: {reason}", link=link)
    return Message(
        title=f"{what} expires on {data.get('expires_on')}",
        body="Renew it and record the new certificate, so the contact stays certified.",
        link=link,
    )


def _describe_for_manager(event, batch: Batch) -> Message:
    data = event.data
    return Message(
        title=f"{batch.partner_name(event.partner_id)} recorded a certification to verify",
        body=f"{_what(event)}, in {data.get('vertical')}, earned on {data.get('earned_on')}.",
        link=page_link("certification-detail", event.object_id),
    )


def register() -> None:
    register_category(
        Category(
            code="certification_news",
            label="Your certifications",
            description="A certification verified or rejected, or about to expire.",
            audience=PARTNER,
            default=Delivery.IMMEDIATELY,
            event_types=PARTNER_EVENT_TYPES,
            recipients=organisation_logins,
            describe=_describe_for_partner,
            to_organisation=True,
        )
    )
    register_category(
        Category(
            code="certification_verifications",
            label="Certifications to verify",
            description="A partner you own recorded a certification that waits for your verification.",
            audience=STAFF,
            default=Delivery.IMMEDIATELY,
            event_types=("certification.recorded",),
            recipients=partner_owner,
            describe=_describe_for_manager,
        )
    )
