"""Inactivity: a partner that has gone quiet needs its owner's attention."""

from __future__ import annotations

from programs.strategies.rules.base import ACTIVE, OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import BoolParam, IntParam, ParamSchema
from programs.strategies.rules.wording import days, iso

INACTIVE = "inactive"


@register
class Inactivity(Rule):
    """Ask the owner to re-engage a partner without activity for ``days`` or more.

    A partner with no activity at all counts from the day it was created. With
    ``recommend_inactive`` an active partner also gets a status change recommendation, which a
    manager applies (the rule never changes a status itself). Both dedupe keys carry the last
    activity date, so new activity followed by a new quiet spell makes new outcomes.
    """

    kind = "inactivity"
    label = "Inactivity"
    description = "Creates a re-engagement task when a partner has had no activity for a number of days."
    params = ParamSchema(
        IntParam("days", required=True, min=7, max=730),
        BoolParam("recommend_inactive", default=False),
    )

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        last = facts.last_activity_on
        quiet = facts.days_since_last_activity if last else facts.age_days
        if quiet < self.p.days:
            return []
        threshold = f"threshold: {days(self.p.days)}"
        if last:
            explanation = f"No activity for {days(quiet)}, since {last.isoformat()} ({threshold})."
        else:
            explanation = f"No activity since the partner was created {days(quiet)} ago ({threshold})."
        evidence = {"last_activity_on": iso(last), "days_without_activity": quiet, "threshold_days": self.p.days}
        since = iso(last) or "never"
        drafts = [
            OutcomeDraft(
                kind=OutcomeKind.TASK,
                title=f"Re-engage {facts.name}",
                explanation=explanation,
                dedupe=f"inactivity:{facts.id}:{since}",
                evidence=evidence,
            )
        ]
        if self.p.recommend_inactive and facts.status == ACTIVE:
            drafts.append(
                OutcomeDraft(
                    kind=OutcomeKind.STATUS_CHANGE,
                    title=f"Mark {facts.name} as inactive",
                    explanation=f"{explanation} The strategy recommends marking quiet partners inactive.",
                    dedupe=f"inactivity-status:{facts.id}:{since}",
                    evidence={**evidence, "status": facts.status},
                    recommended_status=INACTIVE,
                )
            )
        return drafts

    def describe_trigger(self) -> str:
        return f"When there has been no activity for {days(self.p.days)}"

    def describe_action(self) -> str:
        action = "ask the owner to re-engage the partner"
        return f"{action} and recommend marking an active partner inactive" if self.p.recommend_inactive else action
