"""Agreement renewal: renew an agreement before it ends, and notice one that lapsed while active."""

from __future__ import annotations

from programs.strategies.rules.base import ACTIVE, OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import IntParam, ParamSchema, StrListParam
from programs.strategies.rules.wording import days, either, humanise

# partners.records.models.Agreement.Kind; repeated here because rules import no models
AGREEMENT_KINDS = ("reseller", "referral", "technology_alliance", "support_services", "financing", "nda_master")


@register
class AgreementRenewal(Rule):
    """A renewal task for each active agreement that ends within ``days_before`` days.

    An agreement whose end date has passed but which is still marked active has lapsed: it gets
    the same task, due today, worded as a lapse. Open-ended agreements never trigger. The dedupe
    key carries the end date, so extending an agreement and nearing the new end makes a new task.
    """

    kind = "agreement_renewal"
    label = "Agreement renewal"
    description = "Creates a renewal task when an active agreement is about to end or has lapsed."
    params = ParamSchema(
        IntParam("days_before", required=True, min=1, max=365),
        StrListParam("kinds", choices=AGREEMENT_KINDS, default=()),  # empty: every kind
    )

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        drafts = []
        for agreement in facts.agreements:
            if agreement.status != ACTIVE or agreement.end_on is None:
                continue
            if self.p.kinds and agreement.kind not in self.p.kinds:
                continue
            left = (agreement.end_on - facts.today).days
            if left > self.p.days_before:
                continue
            what = f"The {humanise(agreement.kind)} agreement #{agreement.id}"
            if left < 0:
                explanation = (
                    f"{what} ended on {agreement.end_on.isoformat()}, {days(-left)} ago, but is still active: "
                    "it has lapsed."
                )
            else:
                explanation = (
                    f"{what} ends on {agreement.end_on.isoformat()}, in {days(left)} "
                    f"(renewal window: {days(self.p.days_before)})."
                )
            drafts.append(
                OutcomeDraft(
                    kind=OutcomeKind.TASK,
                    title=f"Renew the {humanise(agreement.kind)} agreement with {facts.name}",
                    explanation=explanation,
                    dedupe=f"agreement_renewal:{facts.id}:{agreement.id}:{agreement.end_on.isoformat()}",
                    evidence={
                        "agreement_id": agreement.id,
                        "agreement_kind": agreement.kind,
                        "end_on": agreement.end_on.isoformat(),
                        "days_left": left,
                        "days_before": self.p.days_before,
                        "lapsed": left < 0,
                    },
                    due_on=max(agreement.end_on, facts.today),
                )
            )
        return drafts

    def describe_trigger(self) -> str:
        kinds = f"{either(humanise(kind) for kind in self.p.kinds)} " if self.p.kinds else ""
        return f"When an active {kinds}agreement ends within {days(self.p.days_before)}"

    def describe_action(self) -> str:
        return "ask the owner to renew it"
