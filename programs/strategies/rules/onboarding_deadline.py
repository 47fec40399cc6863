"""Onboarding deadline: escalate a partner whose onboarding takes longer than the strategy allows."""

from __future__ import annotations

from programs.strategies.rules.base import OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import IntParam, ParamSchema
from programs.strategies.rules.wording import days

ONBOARDING = "onboarding"


@register
class OnboardingDeadline(Rule):
    """An escalation alert once a partner has been onboarding for more than ``days`` days.

    Day ``days`` itself is still in time. Onboarding counts from when it started, or from the
    partner's creation when the start is unknown. The dedupe key carries the start date, so a
    partner that goes back to prospect and starts onboarding again gets a fresh deadline.
    """

    kind = "onboarding_deadline"
    label = "Onboarding deadline"
    description = "Raises an escalation alert when onboarding is not complete within a number of days."
    params = ParamSchema(IntParam("days", required=True, min=1, max=365))

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        if facts.status != ONBOARDING:
            return []
        started = facts.onboarding_started_on or facts.created_on
        elapsed = facts.days_since(started)
        if elapsed <= self.p.days:
            return []
        return [
            OutcomeDraft(
                kind=OutcomeKind.ALERT,
                title=f"Onboarding of {facts.name} is overdue",
                explanation=(
                    f"Onboarding started on {started.isoformat()}, {days(elapsed)} ago; "
                    f"it should be complete within {days(self.p.days)}."
                ),
                dedupe=f"onboarding_deadline:{facts.id}:{started.isoformat()}",
                evidence={
                    "onboarding_started_on": started.isoformat(),
                    "start_known": facts.onboarding_started_on is not None,
                    "days_onboarding": elapsed,
                    "deadline_days": self.p.days,
                },
            )
        ]

    def describe_trigger(self) -> str:
        return f"When onboarding takes longer than {days(self.p.days)}"

    def describe_action(self) -> str:
        return "escalate to the owner"
