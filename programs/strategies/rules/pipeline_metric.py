"""Pipeline metric: act on what the partner's deals and leads say — deals registered, won or lost
in a window, win rate, partner-sourced revenue, days since the last deal, lead acceptance rate and
lead SLA breaches — computed from the registrations and offers themselves, not from reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from programs.strategies.rules.base import OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.metric_threshold import OPERATORS
from programs.strategies.rules.params import FloatParam, IntParam, ParamSchema, StrParam
from programs.strategies.rules.wording import days, number

WON, LOST = "won", "lost"
ANSWERED = ("accepted", "declined", "breached")
METRICS = {
    "deals_registered": "deals registered",
    "deals_won": "deals won",
    "deals_lost": "deals lost",
    "win_rate_pct": "win rate",
    "partner_revenue": "partner-sourced revenue",
    "days_since_last_deal": "days since the last deal",
    "lead_acceptance_rate_pct": "lead acceptance rate",
    "lead_sla_breaches": "lead SLA breaches",
}


@dataclass(frozen=True)
class Measure:
    """A metric's value for one partner, how many records it rests on (``sample``), the newest date
    among them (``anchor``, part of the dedupe key: a new deal or offer makes a new situation) and
    the figures in words."""

    value: float
    sample: int
    anchor: str
    text: str


def _newest(dates) -> str:
    found = [day for day in dates if day is not None]
    return max(found).isoformat() if found else "never"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def measure(facts: PartnerFacts, metric: str, *, window_days: int = 90, currency: str = "USD") -> Measure | None:
    """The metric over the ``window_days`` up to today; None when it has nothing to rest on (a win
    rate without closed deals, an acceptance rate without answered offers)."""
    since: date = facts.today - timedelta(days=window_days)
    window = f"in the last {days(window_days)}"
    closed = [deal for deal in facts.deals if deal.state in (WON, LOST) and deal.closed_on and deal.closed_on >= since]
    won = [deal for deal in closed if deal.state == WON]
    if metric == "deals_registered":
        recent = [deal for deal in facts.deals if deal.registered_on >= since]
        anchor = _newest([facts.last_deal_on])
        return Measure(len(recent), len(recent), anchor, f"{_plural(len(recent), 'deal')} registered {window}")
    if metric in ("deals_won", "deals_lost"):
        chosen = won if metric == "deals_won" else [deal for deal in closed if deal.state == LOST]
        state = metric.removeprefix("deals_")
        return Measure(
            len(chosen),
            len(chosen),
            _newest(d.closed_on for d in chosen),
            f"{_plural(len(chosen), 'deal')} {state} {window}",
        )
    if metric == "win_rate_pct":
        if not closed:
            return None
        rate = 100 * len(won) / len(closed)
        text = f"{len(won)} of {_plural(len(closed), 'closed deal')} won {window} ({number(rate)} %)"
        return Measure(rate, len(closed), _newest(d.closed_on for d in closed), text)
    if metric == "partner_revenue":
        in_currency = [deal for deal in won if deal.currency == currency]
        total = sum(deal.closed_amount or 0 for deal in in_currency)
        text = f"{number(total)} {currency} from {_plural(len(in_currency), 'won deal')} {window}"
        return Measure(total, len(in_currency), _newest(d.closed_on for d in in_currency), text)
    if metric == "days_since_last_deal":
        last = facts.last_deal_on
        if last is None:
            age = facts.age_days
            return Measure(age, 0, "never", f"no deal registered since the partner was created {days(age)} ago")
        quiet = facts.days_since(last)
        return Measure(quiet, 1, last.isoformat(), f"no deal registered for {days(quiet)}, since {last.isoformat()}")
    offers = [offer for offer in facts.lead_offers if offer.offered_on >= since]
    answered = [offer for offer in offers if offer.outcome in ANSWERED]
    if metric == "lead_acceptance_rate_pct":
        if not answered:
            return None
        accepted = sum(1 for offer in answered if offer.outcome == "accepted")
        rate = 100 * accepted / len(answered)
        text = f"{accepted} of {_plural(len(answered), 'answered lead offer')} accepted {window} ({number(rate)} %)"
        return Measure(rate, len(answered), _newest(o.offered_on for o in answered), text)
    if metric == "lead_sla_breaches":
        breached = [offer for offer in offers if offer.outcome == "breached"]
        text = f"{_plural(len(breached), 'lead')} left unanswered past the SLA {window}"
        return Measure(len(breached), len(breached), _newest(o.offered_on for o in breached), text)
    raise ValueError(f"unknown pipeline metric {metric!r}")


@register
class PipelineMetric(Rule):
    """A task or alert when a deal or lead metric crosses a threshold.

    ``min_count`` keeps a rate from speaking too early: the win rate needs that many deals closed in
    the window, the acceptance rate that many answered offers, revenue that many won deals. A
    metric with nothing to rest on makes no outcome. The dedupe key carries the newest deal or
    offer behind the figure, so re-running on the same deals is not a new outcome while a new deal
    that still breaches is.
    """

    kind = "pipeline_metric"
    label = "Deal and lead metric"
    description = "Creates a task or alert from the partner's deals and leads: win rate, days since the last deal, …"
    params = ParamSchema(
        StrParam("metric", required=True, choices=tuple(METRICS)),
        StrParam("operator", required=True, choices=tuple(OPERATORS)),
        FloatParam("value", required=True, min=0),
        IntParam("window_days", default=90, min=1, max=730),
        IntParam("min_count", default=1, min=1, max=10_000),
        StrParam("currency", default="USD", pattern=r"[A-Z]{3}", pattern_message="A three-letter currency code."),
        StrParam("outcome", default="task", choices=("task", "alert")),
        StrParam("title", max_length=120),  # default: "<Metric> below <value> for <partner>"
    )

    @property
    def unit(self) -> str:
        if self.p.metric.endswith("_pct"):
            return " %"
        if self.p.metric == "partner_revenue":
            return f" {self.p.currency}"
        if self.p.metric == "days_since_last_deal":
            return " days"
        return ""

    @property
    def threshold(self) -> str:
        return f"{OPERATORS[self.p.operator][1]} {number(self.p.value)}{self.unit}"

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        found = measure(facts, self.p.metric, window_days=self.p.window_days, currency=self.p.currency)
        if found is None or (self._needs_sample and found.sample < self.p.min_count):
            return []
        if not OPERATORS[self.p.operator][0](found.value, self.p.value):
            return []
        label = METRICS[self.p.metric]
        return [
            OutcomeDraft(
                kind=self.p.outcome,
                title=self.p.title or f"{label[:1].upper()}{label[1:]} {self.threshold} for {facts.name}",
                explanation=f"{found.text[:1].upper()}{found.text[1:]} (threshold: {label} {self.threshold}).",
                dedupe=(
                    f"pipeline_metric:{facts.id}:{self.p.metric}:{self.p.operator}:{number(self.p.value)}"
                    f":{self.p.window_days}:{found.anchor}"
                ),
                evidence={
                    "metric": self.p.metric,
                    "observed": round(found.value, 4),
                    "operator": self.p.operator,
                    "threshold": self.p.value,
                    "window_days": self.p.window_days,
                    "sample": found.sample,
                    "newest": found.anchor,
                },
            )
        ]

    @property
    def _needs_sample(self) -> bool:
        return self.p.metric in ("win_rate_pct", "lead_acceptance_rate_pct", "partner_revenue")

    def describe_trigger(self) -> str:
        label = METRICS[self.p.metric]
        if self.p.metric == "days_since_last_deal":
            return f"When the {label} is {self.threshold}"
        enough = f" (with at least {self.p.min_count})" if self._needs_sample and self.p.min_count > 1 else ""
        return f"When the {label} over the last {days(self.p.window_days)} is {self.threshold}{enough}"

    def describe_action(self) -> str:
        action = "raise an alert" if self.p.outcome == OutcomeKind.ALERT else "create a task"
        return f"{action} (“{self.p.title}”)" if self.p.title else action
