"""Health score: one 0-100 figure per partner and day, for the list, the 360° page and trend charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from programs.strategies.rules.base import ACTIVE, OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import FloatMapParam, ParamSchema
from programs.strategies.rules.wording import either, number

FRESH_ACTIVITY_DAYS, STALE_ACTIVITY_DAYS = 30, 365
RECENT_REVIEW_DAYS, OLD_REVIEW_DAYS = 180, 365
RECENT_METRIC_DAYS = 90


def activity(facts: PartnerFacts) -> float:
    """100 up to 30 days since the last activity, falling linearly to 0 at 365; never active counts from creation."""
    quiet = facts.days_since_last_activity
    quiet = facts.age_days if quiet is None else quiet
    if quiet <= FRESH_ACTIVITY_DAYS:
        return 100.0
    return max(0.0, 100.0 * (STALE_ACTIVITY_DAYS - quiet) / (STALE_ACTIVITY_DAYS - FRESH_ACTIVITY_DAYS))


def reviews(facts: PartnerFacts) -> float | None:
    """100 with a review of any kind in the last 180 days, 50 within 365, else 0."""
    if not facts.last_review_on:
        return None
    since = facts.days_since(max(facts.last_review_on.values()))
    return 100.0 if since <= RECENT_REVIEW_DAYS else 50.0 if since <= OLD_REVIEW_DAYS else 0.0


def documents(facts: PartnerFacts) -> float | None:
    """Share of document kinds whose newest document is not expired (a replaced old one does not count)."""
    kinds = {document.kind for document in facts.documents}
    if not kinds:
        return None
    current = sum(not facts.newest_document(kind).is_expired(facts.today) for kind in kinds)
    return 100.0 * current / len(kinds)


def agreements(facts: PartnerFacts) -> float | None:
    """100 when any agreement is active and not past its end, else 0."""
    if not facts.agreements:
        return None
    live = any(a.status == ACTIVE and (a.end_on is None or a.end_on >= facts.today) for a in facts.agreements)
    return 100.0 if live else 0.0


def metrics(facts: PartnerFacts) -> float | None:
    """100 when any metric was reported for a period ending in the last 90 days, else 0: reporting, not values."""
    if not facts.metrics:
        return None
    since = facts.today - timedelta(days=RECENT_METRIC_DAYS)
    return 100.0 if any(metric.period_end >= since for metric in facts.metrics) else 0.0


COMPONENTS: dict[str, Callable[[PartnerFacts], float | None]] = {
    "activity": activity,
    "reviews": reviews,
    "documents": documents,
    "agreements": agreements,
    "metrics": metrics,
}
DEFAULT_WEIGHTS = {"activity": 0.4, "reviews": 0.2, "documents": 0.2, "agreements": 0.2}


@register
class HealthScore(Rule):
    """Today's score: the weighted average of the component scores that have data.

    A component without data (no reviews, documents, agreements or metrics on file) is left out
    and the remaining weights renormalised, so a partner is not punished for records a strategy
    does not keep. Activity always has data. With no weighted component left there is no score
    (no draft) rather than an invented one. One draft per partner and day ("health:<id>:<date>").
    """

    kind = "health_score"
    label = "Health score"
    description = "Computes the partner's 0-100 health score from weighted components."
    params = ParamSchema(
        FloatMapParam(
            "weights", default=DEFAULT_WEIGHTS, keys=tuple(COMPONENTS), min=0, max=100, require_positive=True
        ),
    )

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        weights = {name: weight for name, weight in self.p.weights.items() if weight > 0}
        scores = {name: COMPONENTS[name](facts) for name in weights}
        used = {name: score for name, score in scores.items() if score is not None}
        if not used:
            return []
        total = sum(weights[name] for name in used)
        shares = {name: weights[name] / total for name in used}
        score = int(sum(shares[name] * used[name] for name in used) + 0.5)  # half up, unlike round()
        parts = either((f"{name} {number(used[name])} (weight {number(100 * shares[name])} %)" for name in used), "and")
        left_out = [name for name, value in scores.items() if value is None]
        explanation = f"Health score {score} of 100 from {parts}."
        if left_out:
            explanation += f" Left out for lack of data: {', '.join(left_out)}."
        return [
            OutcomeDraft(
                kind=OutcomeKind.SCORE,
                title=f"Health score {score}",
                explanation=explanation,
                dedupe=f"health:{facts.id}:{facts.today.isoformat()}",
                evidence={
                    "components": {name: round(value, 1) for name, value in used.items()},
                    "weights": {name: round(share, 4) for name, share in shares.items()},
                    "left_out": left_out,
                },
                score=score,
            )
        ]

    def describe_trigger(self) -> str:
        return "On every run"

    def describe_action(self) -> str:
        weights = {name: weight for name, weight in self.p.weights.items() if weight > 0}
        total = sum(weights.values())
        parts = ", ".join(f"{name} {number(100 * weight / total)} %" for name, weight in weights.items())
        return f"score the partner's health from {parts}"
