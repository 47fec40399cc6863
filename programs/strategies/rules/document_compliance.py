"""Document compliance: the documents a partner must hold are present, current and not too old."""

from __future__ import annotations

from programs.strategies.rules.base import DocumentFact, OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import BoolParam, IntParam, ParamSchema, StrListParam
from programs.strategies.rules.wording import days, iso

# partners.records.models.PartnerDocument.Kind; repeated here because rules import no models
DOCUMENT_KINDS = {
    "kyc": "KYC document",
    "insurance": "insurance certificate",
    "nda": "NDA",
    "integration_certificate": "integration certificate",
    "support_certificate": "support certificate",
    "data_processing_agreement": "data processing agreement",
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@register
class DocumentCompliance(Rule):
    """Check the newest document of each required kind.

    Missing → alert; expired (past its expiry day) → alert; expiring within
    ``warn_days_before_expiry`` → a notification to the partner, who must renew it; issued more
    than ``max_age_days`` ago → alert. An expired document gets only the expiry alert. Dedupe keys
    name the kind, the situation and the document, so uploading a replacement makes a new outcome
    when that one, in turn, expires. With ``ask_partner``, a missing, expired or out-of-date
    document also asks the partner, on its portal home, to upload a current one (a second outcome
    addressed to it, closed by the run after the upload).
    """

    kind = "document_compliance"
    label = "Document compliance"
    description = "Raises alerts for required documents that are missing, expired or too old."
    params = ParamSchema(
        StrListParam("required_kinds", required=True, choices=tuple(DOCUMENT_KINDS), min_items=1),
        IntParam("max_age_days", min=30, max=3650),
        IntParam("warn_days_before_expiry", default=30, min=0, max=180),
        BoolParam("ask_partner", default=False),
    )

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        drafts = []
        for document_kind in self.p.required_kinds:
            document = facts.newest_document(document_kind)
            if document is None:
                drafts.append(self._missing(facts, document_kind))
            else:
                drafts.extend(self._check(facts, document_kind, document))
        if self.p.ask_partner:
            drafts.extend([self._ask_partner(draft) for draft in drafts if draft.kind == OutcomeKind.ALERT])
        return drafts

    @staticmethod
    def _ask_partner(alert: OutcomeDraft) -> OutcomeDraft:
        """The partner's side of an alert: please upload a current document (the portal's words)."""
        name = DOCUMENT_KINDS[alert.evidence["document_kind"]]
        situation = alert.evidence["situation"]
        if situation == "missing":
            title, why = f"Please upload your {name}", f"We have no {name} on file for you."
        elif situation == "expired":
            title, why = f"Please upload your renewed {name}", f"Your {name} expired on {alert.evidence['expires_on']}."
        else:
            title, why = f"Please upload a current {name}", f"Your {name} was issued on {alert.evidence['issued_on']}."
        return OutcomeDraft(
            kind=OutcomeKind.NOTIFICATION,
            title=title,
            explanation=f"{why} Please upload a current one on the Documents page of the partner portal.",
            dedupe=f"{alert.dedupe}:partner",
            evidence=alert.evidence,
            audience="partner",
        )

    def _missing(self, facts: PartnerFacts, document_kind: str) -> OutcomeDraft:
        name = DOCUMENT_KINDS[document_kind]
        return OutcomeDraft(
            kind=OutcomeKind.ALERT,
            title=f"{_capital(name)} missing for {facts.name}",
            explanation=f"No {name} is on file for the partner, and the strategy requires one.",
            dedupe=f"document_compliance:{facts.id}:{document_kind}:missing:none",
            evidence={"document_kind": document_kind, "situation": "missing"},
        )

    def _check(self, facts: PartnerFacts, document_kind: str, document: DocumentFact) -> list[OutcomeDraft]:
        name, drafts = DOCUMENT_KINDS[document_kind], []
        evidence = {
            "document_kind": document_kind,
            "document_id": document.id,
            "issued_on": iso(document.issued_on),
            "expires_on": iso(document.expires_on),
        }

        def draft(situation: str, **fields) -> OutcomeDraft:
            return OutcomeDraft(
                dedupe=f"document_compliance:{facts.id}:{document_kind}:{situation}:{document.id}",
                evidence={**evidence, "situation": situation},
                **fields,
            )

        if document.is_expired(facts.today):
            ago = facts.days_since(document.expires_on)
            return [
                draft(
                    "expired",
                    kind=OutcomeKind.ALERT,
                    title=f"{_capital(name)} of {facts.name} has expired",
                    explanation=f"The newest {name} expired on {document.expires_on.isoformat()}, {days(ago)} ago.",
                )
            ]
        if document.expires_on is not None:
            left = (document.expires_on - facts.today).days
            if left <= self.p.warn_days_before_expiry:
                drafts.append(
                    draft(
                        "expiring",
                        kind=OutcomeKind.NOTIFICATION,
                        title=f"Please renew your {name}",
                        explanation=f"Your {name} expires on {document.expires_on.isoformat()}, "
                        f"in {days(left)} (reminder window: {days(self.p.warn_days_before_expiry)}).",
                        audience="partner",
                        due_on=document.expires_on,
                    )
                )
        if self.p.max_age_days is not None and document.issued_on is not None:
            age = facts.days_since(document.issued_on)
            if age > self.p.max_age_days:
                drafts.append(
                    draft(
                        "stale",
                        kind=OutcomeKind.ALERT,
                        title=f"{_capital(name)} of {facts.name} is out of date",
                        explanation=f"The newest {name} was issued on {document.issued_on.isoformat()}, "
                        f"{days(age)} ago (maximum age: {days(self.p.max_age_days)}).",
                    )
                )
        return drafts

    def describe_trigger(self) -> str:
        problems = "missing or expired" if self.p.max_age_days is None else "missing, expired or too old"
        age = f" (older than {days(self.p.max_age_days)})" if self.p.max_age_days is not None else ""
        kinds = ", ".join(DOCUMENT_KINDS[kind] for kind in self.p.required_kinds)
        return f"When a required document ({kinds}) is {problems}{age}"

    def describe_action(self) -> str:
        warn = self.p.warn_days_before_expiry
        when = f"{days(warn)} before" if warn else "on the day"
        remind = f"alert the owner, and remind the partner {when} a document expires"
        return f"{remind}; ask the partner to upload missing or out-of-date ones" if self.p.ask_partner else remind
