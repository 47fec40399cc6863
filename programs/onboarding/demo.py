"""Demo agreements and onboarding checklists: one generic agreement (any region) and one checklist
per partner type, then the checklists of the demo partners already onboarding. Idempotent: a type
that has an agreement or a checklist keeps it."""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import Partner
from partners.records.models import Agreement
from programs.onboarding.models import AgreementTemplate, OnboardingItem, OnboardingTemplate
from programs.onboarding.services import agreement_template_publish, onboardings_sweep

KINDS = {
    Partner.Type.BUSINESS: Agreement.Kind.NDA_MASTER,
    Partner.Type.FINANCIAL: Agreement.Kind.FINANCING,
    Partner.Type.TECHNOLOGY: Agreement.Kind.TECHNOLOGY_ALLIANCE,
    Partner.Type.SALES: Agreement.Kind.REFERRAL,
    Partner.Type.CHANNEL: Agreement.Kind.RESELLER,
    Partner.Type.SUPPORT: Agreement.Kind.SUPPORT_SERVICES,
}
BODY = """{kind} agreement

Between OpenPRM Demo Ltd ("the Vendor") and {{partner_legal_name}}, {{partner_country}} ("the Partner"), \
a {{partner_type}} partner.

1. Scope. The Partner may market, resell or refer the Vendor's products within the programs it belongs to.
2. Conduct. The Partner registers opportunities before working them and keeps customer data confidential.
3. Term. This agreement starts on {{date}} and remains in force until {{valid_until}}, unless ended earlier \
by either party with 90 days' written notice.
4. Changes. The Vendor publishes new versions on the partner portal; the Partner accepts each before it \
applies.

Accepted on behalf of {{partner_name}} on {{date}}."""
# (title, description, days after the start, automatic kind)
ITEMS = (
    ("Accept the partner agreement", "Read and accept the agreement on the portal.", 7, "agreement_accepted"),
    (
        "Kick-off call with your partner manager",
        "Agree on goals, target customers and the first quarter's plan.",
        14,
        "none",
    ),
    ("Invite a colleague to the portal", "A second person who registers deals and receives leads.", 21,
     "colleague_invited"),
    ("Complete the product training", "The online course for sales and pre-sales staff.", 30, "none"),
    ("Register your first deal", "Protect your first opportunity through deal registration.", 60, "first_deal"),
)  # fmt: skip


@dataclass(frozen=True)
class OnboardingDemo:
    agreements: int
    checklists: int
    started: int


def onboarding_demo_seed() -> OnboardingDemo:
    agreements = checklists = 0
    for partner_type, label in Partner.Type.choices:
        if not AgreementTemplate.objects.filter(partner_type=partner_type).exists():
            kind = KINDS[partner_type]
            agreement_template_publish(
                actor=None,
                name=f"{label} partner agreement",
                kind=kind,
                partner_type=partner_type,
                body=BODY.format(kind=Agreement.Kind(kind).label),
                valid_months=24,
            )
            agreements += 1
        if not OnboardingTemplate.objects.filter(partner_type=partner_type).exists():
            template = OnboardingTemplate.objects.create(
                name=f"{label} partner onboarding",
                partner_type=partner_type,
                description="From signing the agreement to the first registered deal.",
            )
            OnboardingItem.objects.bulk_create(
                OnboardingItem(
                    template=template, position=position, title=title, description=text, due_offset_days=days, auto=auto
                )
                for position, (title, text, days, auto) in enumerate(ITEMS, start=1)
            )
            checklists += 1
    started = onboardings_sweep()["started"]
    return OnboardingDemo(agreements, checklists, started)
