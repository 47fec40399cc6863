"""Certification coverage: enough certified contacts in each vertical the partner sells into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from programs.strategies.rules.base import OutcomeDraft, OutcomeKind, PartnerFacts, Rule, register
from programs.strategies.rules.params import NON_FIELD, IntMapParam, IntParam, Params, ParamSchema

MAX_REQUIRED = 100
NOTHING_REQUIRED = "Require certified contacts in some vertical, or in the partner's own verticals."


class CoverageParams(ParamSchema):
    """A requirement must come from somewhere: named verticals, the partner's own, or both."""

    def validate(self, raw: Mapping[str, Any] | None) -> tuple[Params | None, dict[str, list[str]]]:
        params, errors = super().validate(raw)
        if params is not None and not params.required and not params.own_verticals:
            return None, {
                NON_FIELD: ["Require certified contacts in some vertical, or in the partner's own verticals."]
            }
        return params, errors


def _more_people(count: int) -> str:
    return "1 more certified contact" if count == 1 else f"{count} more certified contacts"


@register
class CertificationCoverage(Rule):
    """One alert listing, per vertical, how many more certified contacts the partner needs.

    ``required`` names verticals and counts ({"healthcare": 2}); ``own_verticals`` (above 0)
    requires that many in each of the partner's own verticals, unless ``required`` names the
    vertical. A contact counts once per vertical, with a verified certification that has not
    expired; pending ones are shown in the evidence but do not count. The dedupe key lists the
    gaps, so the alert stays one while the gap is the same and a new one appears when it changes.
    """

    kind = "certification_coverage"
    label = "Certification coverage"
    description = "Alerts when a partner has fewer certified contacts in a vertical than required."
    params = CoverageParams(
        IntMapParam("required", min=1, max=MAX_REQUIRED, default={}),
        IntParam("own_verticals", min=0, max=MAX_REQUIRED, default=0),
    )

    def _requirements(self, facts: PartnerFacts) -> dict[str, int]:
        needed = dict.fromkeys(facts.verticals, self.p.own_verticals) if self.p.own_verticals else {}
        needed.update(self.p.required)
        return dict(sorted(needed.items()))

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        gaps, evidence = [], {}
        for vertical, required in self._requirements(facts).items():
            certified = facts.certified_contacts(vertical)
            pending = len({c.contact_id for c in facts.certifications if c.vertical == vertical and not c.verified})
            gap = max(required - certified, 0)
            evidence[vertical] = {"required": required, "certified": certified, "gap": gap, "pending": pending}
            if gap:
                waiting = f", {pending} waiting for verification" if pending else ""
                gaps.append((vertical, gap, f"{gap} more in {vertical} ({certified} of {required}{waiting})"))
        if not gaps:
            return []
        total = sum(gap for _, gap, _ in gaps)
        return [
            OutcomeDraft(
                kind=OutcomeKind.ALERT,
                title=f"{facts.name} needs {_more_people(total)}",
                explanation=f"Certified contacts missing: {'; '.join(text for _, _, text in gaps)}.",
                dedupe=f"certification_coverage:{facts.id}:" + ",".join(f"{v}={gap}" for v, gap, _ in gaps),
                evidence={"verticals": evidence},
            )
        ]

    def describe_trigger(self) -> str:
        parts = [f"{count} in {vertical}" for vertical, count in self.p.required.items()]
        if self.p.own_verticals:
            parts.append(f"{self.p.own_verticals} in each of the partner's verticals")
        return f"When the partner has fewer certified contacts than required ({', '.join(parts)})"

    def describe_action(self) -> str:
        return "alert the owner with the gap per vertical"
