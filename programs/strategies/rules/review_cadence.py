"""Review cadence: hold a review of a given kind with the partner at a regular interval."""

from __future__ import annotations

from datetime import timedelta

from programs.strategies.rules.base import OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import BoolParam, IntParam, ParamSchema, StrParam
from programs.strategies.rules.wording import days, humanise, iso

REVIEW_KINDS = ("business_review", "strategy_review", "roadmap_review", "pipeline_review", "service_review")


@register
class ReviewCadence(Rule):
    """Ask for a review once ``every_days`` have passed since the last review of that kind.

    A review is due on the day the interval is complete ("every 90 days" asks on day 90). A
    partner never reviewed counts from the day it was created, so a new partner is not asked on
    its first day. The dedupe key carries the last review's date: the task stays one task until a
    review is recorded, and the next overdue interval makes a new one. With ``ask_partner`` the
    partner is also asked, on its portal home, to propose dates (a second outcome addressed to it).
    """

    kind = "review_cadence"
    label = "Review cadence"
    description = "Creates a review task when the last review of a kind is older than the cadence."
    params = ParamSchema(
        IntParam("every_days", required=True, min=7, max=730),
        StrParam("review_kind", default="business_review", choices=REVIEW_KINDS),
        StrParam("title", max_length=120),  # default: "Schedule a <review kind> with <partner>"
        IntParam("due_in_days", default=14, min=0, max=90),
        BoolParam("ask_partner", default=False),
    )

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        review = humanise(self.p.review_kind)
        last = facts.last_review_on.get(self.p.review_kind)
        elapsed = facts.days_since(last) if last else facts.age_days
        if elapsed < self.p.every_days:
            return []
        cadence = f"the cadence is every {days(self.p.every_days)}"
        if last:
            explanation = f"The last {review} was on {last.isoformat()}, {days(elapsed)} ago; {cadence}."
        else:
            explanation = f"No {review} since the partner was created {days(elapsed)} ago; {cadence}."
        evidence = {
            "review_kind": self.p.review_kind,
            "last_review_on": iso(last),
            "days_since_review": elapsed,
            "every_days": self.p.every_days,
        }
        dedupe = f"review_cadence:{facts.id}:{self.p.review_kind}:{iso(last) or 'never'}"
        due_on = facts.today + timedelta(days=self.p.due_in_days)
        drafts = [
            OutcomeDraft(
                kind=OutcomeKind.TASK,
                title=self.p.title or f"Schedule a {review} with {facts.name}",
                explanation=explanation,
                dedupe=dedupe,
                evidence=evidence,
                due_on=due_on,
            )
        ]
        if self.p.ask_partner:
            since = (
                f"Your last {review} with us was on {last.isoformat()}"
                if last
                else f"We have not held a {review} with you yet"
            )
            drafts.append(
                OutcomeDraft(
                    kind=OutcomeKind.NOTIFICATION,
                    title=f"Please propose dates for a {review}",
                    explanation=f"{since}; we hold one every {days(self.p.every_days)}. "
                    "Please send your partner manager a few dates that suit you.",
                    dedupe=f"{dedupe}:partner",
                    evidence=evidence,
                    audience="partner",
                    due_on=due_on,
                )
            )
        return drafts

    def describe_trigger(self) -> str:
        return f"Every {days(self.p.every_days)}"

    def describe_action(self) -> str:
        action = f"schedule a {humanise(self.p.review_kind)}"
        action = f"{action} (“{self.p.title}”)" if self.p.title else action
        return f"{action}, and ask the partner to propose dates" if self.p.ask_partner else action
