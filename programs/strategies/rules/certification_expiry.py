"""Certification expiry: a contact's verified certification is about to lapse."""

from __future__ import annotations

from programs.strategies.rules.base import CertificationFact, OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import IntParam, ParamSchema
from programs.strategies.rules.wording import days


def _renewed(certification: CertificationFact, facts: PartnerFacts) -> bool:
    """The contact already holds the same certification verified for longer (a renewal)."""
    return any(
        other.contact_id == certification.contact_id
        and other.definition_id == certification.definition_id
        and other.verified
        and other.expires_on is not None
        and other.expires_on > certification.expires_on
        for other in facts.certifications
    )


@register
class CertificationExpiry(Rule):
    """For each verified certification that expires within ``days_before`` days (and was not
    renewed already): a notification to the partner and a renewal task for its manager, due on
    the expiry day. Both dedupe keys carry the certification and its expiry, so a renewed
    certification nearing its new expiry makes new outcomes."""

    kind = "certification_expiry"
    label = "Certification expiry"
    description = "Tells the partner and its manager when a contact's certification is about to expire."
    params = ParamSchema(IntParam("days_before", required=True, min=1, max=365))

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        drafts = []
        for certification in sorted(facts.certifications, key=lambda c: (c.expires_on or facts.today, c.id)):
            if not certification.verified or certification.expires_on is None:
                continue
            left = (certification.expires_on - facts.today).days
            if left < 0 or left > self.p.days_before or _renewed(certification, facts):
                continue
            expires = certification.expires_on.isoformat()
            what = f"A {certification.vertical} certification (#{certification.id})"
            explanation = (
                f"{what} of contact #{certification.contact_id} expires on {expires}, in {days(left)} "
                f"(notice: {days(self.p.days_before)})."
            )
            evidence = {
                "certification_id": certification.id,
                "contact_id": certification.contact_id,
                "definition_id": certification.definition_id,
                "vertical": certification.vertical,
                "expires_on": expires,
                "days_left": left,
                "days_before": self.p.days_before,
            }
            key = f"{facts.id}:{certification.id}:{expires}"
            drafts.append(
                OutcomeDraft(
                    kind=OutcomeKind.NOTIFICATION,
                    title=f"A {certification.vertical} certification expires on {expires}",
                    explanation=f"{explanation} Renew it and record the new certificate.",
                    dedupe=f"certification_expiry:{key}",
                    evidence=evidence,
                    due_on=certification.expires_on,
                    audience="partner",
                )
            )
            drafts.append(
                OutcomeDraft(
                    kind=OutcomeKind.TASK,
                    title=f"Renew a {certification.vertical} certification of {facts.name}",
                    explanation=explanation,
                    dedupe=f"certification_expiry-task:{key}",
                    evidence=evidence,
                    due_on=certification.expires_on,
                )
            )
        return drafts

    def describe_trigger(self) -> str:
        return f"When a verified certification expires within {days(self.p.days_before)}"

    def describe_action(self) -> str:
        return "tell the partner and ask the owner to get it renewed"
