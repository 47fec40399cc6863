"""Rule kinds for strategies; importing this package fills the registry ``RULES``.

The engine builds ``PartnerFacts`` and calls ``build_rules`` / ``Rule.evaluate_if_in_scope``;
nothing in this package touches the database.
"""

from programs.strategies.rules import (  # noqa: F401  (each module registers its kind)
    agreement_renewal,
    certification_coverage,
    certification_expiry,
    document_compliance,
    health_score,
    inactivity,
    metric_threshold,
    onboarding_deadline,
    pipeline_metric,
    review_cadence,
    tier_evaluation,
)
from programs.strategies.rules.base import (
    RULES,
    AgreementFact,
    CertificationFact,
    DealFact,
    DocumentFact,
    Effect,
    InvalidRuleError,
    LeadOfferFact,
    MembershipFact,
    MetricFact,
    OutcomeDraft,
    OutcomeKind,
    PartnerFacts,
    Rule,
    Scope,
    TierFact,
    UnknownRuleKindError,
    register,
    rule_for,
)
from programs.strategies.rules.params import Params, ParamSchema
from programs.strategies.rules.specs import build_rule, build_rules, parse_scope

__all__ = [
    "RULES",
    "AgreementFact",
    "CertificationFact",
    "DealFact",
    "DocumentFact",
    "Effect",
    "InvalidRuleError",
    "LeadOfferFact",
    "MembershipFact",
    "MetricFact",
    "OutcomeDraft",
    "OutcomeKind",
    "ParamSchema",
    "Params",
    "PartnerFacts",
    "Rule",
    "Scope",
    "TierFact",
    "UnknownRuleKindError",
    "build_rule",
    "build_rules",
    "parse_scope",
    "register",
    "rule_for",
]
