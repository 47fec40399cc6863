"""Metric threshold: act when a reported figure (SLA %, CSAT, win rate …) crosses a line."""

from __future__ import annotations

import operator
from datetime import timedelta

from programs.strategies.rules.base import OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import FloatParam, IntParam, ParamSchema, StrParam
from programs.strategies.rules.wording import days, humanise, number

OPERATORS = {
    "lt": (operator.lt, "below"),
    "lte": (operator.le, "at or below"),
    "gt": (operator.gt, "above"),
    "gte": (operator.ge, "at or above"),
}
METRIC_LABELS = {
    "sla_compliance_pct": "SLA compliance",
    "csat": "CSAT",
    "win_rate_pct": "win rate",
    "mdf_used_pct": "MDF use",
    "lead_acceptance_rate_pct": "lead acceptance rate",
}
METRIC_KEY_PATTERN = r"[a-z][a-z0-9_]{0,49}"  # as partners.records.models.METRIC_KEY_PATTERN


def metric_label(key: str) -> str:
    """A known label, else the key in words; keys ending in _pct are percentages."""
    return METRIC_LABELS.get(key) or humanise(key.removesuffix("_pct"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@register
class MetricThreshold(Rule):
    """A task or alert when a metric, over the last ``window_days``, crosses the threshold.

    Only figures whose period ended within the window count (a period ending exactly
    ``window_days`` ago is in); ``latest`` takes the newest period, ``average`` the mean of all
    of them. No figures means no outcome: a missing report is not a breach. The dedupe key carries
    the threshold and the newest period used, so each new report that still breaches is a new
    outcome, while re-running on the same reports is not.
    """

    kind = "metric_threshold"
    label = "Metric threshold"
    description = "Creates a task or alert when a partner's metric crosses a threshold."
    params = ParamSchema(
        StrParam(
            "metric",
            required=True,
            max_length=50,
            pattern=METRIC_KEY_PATTERN,
            pattern_message="Use lower-case letters, digits and underscores, starting with a letter.",
        ),
        StrParam("operator", required=True, choices=tuple(OPERATORS)),
        FloatParam("value", required=True),
        IntParam("window_days", default=90, min=1, max=730),
        StrParam("aggregate", default="latest", choices=("latest", "average")),
        StrParam("outcome", default="alert", choices=("task", "alert")),
        StrParam("title", max_length=120),  # default: "<Metric> below <value> for <partner>"
    )

    @property
    def unit(self) -> str:
        return " %" if self.p.metric.endswith("_pct") else ""

    @property
    def threshold(self) -> str:
        """ "below 95 %"."""
        return f"{OPERATORS[self.p.operator][1]} {number(self.p.value)}{self.unit}"

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        since = facts.today - timedelta(days=self.p.window_days)
        figures = sorted(
            (m for m in facts.metrics if m.key == self.p.metric and m.period_end >= since),
            key=lambda m: (m.period_end, m.period_start),
        )
        if not figures:
            return []
        newest = figures[-1]
        observed = sum(m.value for m in figures) / len(figures) if self.p.aggregate == "average" else newest.value
        compare = OPERATORS[self.p.operator][0]
        if not compare(observed, self.p.value):
            return []
        label, shown = metric_label(self.p.metric), f"{number(observed)}{self.unit}"
        if self.p.aggregate == "average":
            measured = f"{_capital(label)} averaged {shown} over the last {days(self.p.window_days)}"
        else:
            measured = f"{_capital(label)} was {shown} in the period ending {newest.period_end.isoformat()}"
        return [
            OutcomeDraft(
                kind=self.p.outcome,
                title=self.p.title or f"{_capital(label)} {self.threshold} for {facts.name}",
                explanation=f"{measured} (threshold: {self.threshold}).",
                dedupe=(
                    f"metric_threshold:{facts.id}:{self.p.metric}:{self.p.operator}:{number(self.p.value)}"
                    f":{newest.period_end.isoformat()}"
                ),
                evidence={
                    "metric": self.p.metric,
                    "aggregate": self.p.aggregate,
                    "observed": round(observed, 4),
                    "operator": self.p.operator,
                    "threshold": self.p.value,
                    "window_days": self.p.window_days,
                    "periods": len(figures),
                    "newest_period_end": newest.period_end.isoformat(),
                },
            )
        ]

    def describe_trigger(self) -> str:
        label, window = metric_label(self.p.metric), days(self.p.window_days)
        if self.p.aggregate == "average":
            return f"When {label} averages {self.threshold} over the last {window}"
        return f"When the latest {label} reported in the last {window} is {self.threshold}"

    def describe_action(self) -> str:
        action = "raise an alert" if self.p.outcome == OutcomeKind.ALERT else "create a task"
        return f"{action} (“{self.p.title}”)" if self.p.title else action
