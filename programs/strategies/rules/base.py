"""The contract between the engine and the rule kinds: plain facts in, outcome drafts out.

Nothing here touches Django, the ORM or settings. The engine builds one ``PartnerFacts`` per
partner for a whole batch in a fixed number of queries, and every rule decides in memory, so a
rule is unit-tested with a dataclass and the cost per partner stays flat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from programs.strategies.rules.params import Params, ParamSchema
from programs.strategies.rules.wording import either

ACTIVE = "active"  # the status of a live agreement and of a live partner alike


@dataclass(frozen=True)
class AgreementFact:
    id: int
    kind: str
    status: str
    start_on: date
    end_on: date | None


@dataclass(frozen=True)
class DocumentFact:
    id: int
    kind: str
    issued_on: date | None
    expires_on: date | None

    def is_expired(self, today: date) -> bool:
        """A document is valid through its expiry day."""
        return self.expires_on is not None and self.expires_on < today


@dataclass(frozen=True)
class MetricFact:
    key: str
    period_start: date
    period_end: date
    value: float


@dataclass(frozen=True)
class DealFact:
    """A deal registration: when it was registered, its state, and when and for how much it closed
    (``closed_on`` and ``closed_amount`` only for won and lost deals)."""

    id: int
    state: str
    registered_on: date
    closed_on: date | None
    closed_amount: float | None
    currency: str


@dataclass(frozen=True)
class LeadOfferFact:
    """A lead offered to the partner and how the offer ended: accepted, declined, breached (the
    SLA ran out) or open."""

    lead_id: int
    offered_on: date
    outcome: str


@dataclass(frozen=True)
class CertificationFact:
    """A certification held by one of the partner's contacts, in a vertical. Only a verified one
    that has not expired makes its holder certified."""

    id: int
    contact_id: int
    definition_id: int
    vertical: str
    earned_on: date
    expires_on: date | None
    verified: bool

    def is_current(self, today: date) -> bool:
        """Verified and valid through its expiry day."""
        return self.verified and (self.expires_on is None or self.expires_on >= today)


@dataclass(frozen=True)
class TierFact:
    """One tier of a program with its requirements (``None`` / empty means not required)."""

    id: int
    name: str
    rank: int
    min_revenue: float | None = None
    min_won_deals: int | None = None
    min_certified: Mapping[str, int] = field(default_factory=dict)
    requires_agreement: bool = False
    min_health_score: int | None = None


@dataclass(frozen=True)
class MembershipFact:
    """The partner's place in a program: its tier, its state (ok, grace, proposed_downgrade) and
    what the program decides: its tiers (lowest rank first), currency, grace days, auto upgrade."""

    id: int
    program_id: int
    program_slug: str
    program_name: str
    currency: str
    auto_upgrade: bool
    grace_days: int
    tiers: tuple[TierFact, ...]
    tier_id: int
    state: str
    since: date
    grace_started_on: date | None = None
    grace_until: date | None = None
    evaluated_on: date | None = None
    recommended_tier_id: int | None = None

    @property
    def tier(self) -> TierFact:
        return next(tier for tier in self.tiers if tier.id == self.tier_id)


@dataclass(frozen=True)
class PartnerFacts:
    """What the rules may know about one partner on ``today``.

    ``regions`` holds the partner's region codes and all their ancestors (DACH, EMEA, GLOBAL),
    so a scope naming EMEA matches a DACH partner by plain membership.
    """

    id: int
    name: str
    type: str
    status: str
    engagement: str
    country: str
    regions: tuple[str, ...]
    verticals: tuple[str, ...]
    owner_id: int | None
    created_on: date
    onboarding_started_on: date | None
    last_activity_on: date | None
    last_review_on: Mapping[str, date]
    agreements: tuple[AgreementFact, ...]
    documents: tuple[DocumentFact, ...]
    metrics: tuple[MetricFact, ...]
    today: date
    deals: tuple[DealFact, ...] = ()
    last_deal_on: date | None = None  # the newest registration, however old
    lead_offers: tuple[LeadOfferFact, ...] = ()
    health_score: int | None = None
    memberships: tuple[MembershipFact, ...] = ()
    certifications: tuple[CertificationFact, ...] = ()

    def days_since(self, day: date) -> int:
        return (self.today - day).days

    @property
    def age_days(self) -> int:
        return self.days_since(self.created_on)

    @property
    def days_since_last_activity(self) -> int | None:
        return None if self.last_activity_on is None else self.days_since(self.last_activity_on)

    def certified_contacts(self, vertical: str) -> int:
        """How many distinct contacts hold a current certification in the vertical."""
        return len({c.contact_id for c in self.certifications if c.vertical == vertical and c.is_current(self.today)})

    def newest_document(self, kind: str) -> DocumentFact | None:
        """The latest issued document of a kind (undated ones count as oldest; ties go to the higher id)."""
        of_kind = [document for document in self.documents if document.kind == kind]
        return max(of_kind, key=lambda d: (d.issued_on or date.min, d.id), default=None)


class OutcomeKind:
    TASK = "task"
    ALERT = "alert"
    STATUS_CHANGE = "status_change"
    TIER_CHANGE = "tier_change"
    NOTIFICATION = "notification"
    SCORE = "score"
    ALL = frozenset({TASK, ALERT, STATUS_CHANGE, TIER_CHANGE, NOTIFICATION, SCORE})


AUDIENCES = frozenset({"manager", "partner"})


@dataclass(frozen=True)
class OutcomeDraft:
    """What a rule concluded about one partner, before the engine stores it as an Outcome.

    ``dedupe`` is stable for the same facts and changes with the triggering situation, so the
    engine's upsert on it never duplicates an outcome when a run is repeated or redelivered.
    ``evidence`` is JSON-serialisable (numbers, strings, ISO dates).
    """

    kind: str
    title: str
    explanation: str
    dedupe: str
    evidence: dict[str, Any] = field(default_factory=dict)
    due_on: date | None = None
    audience: str = "manager"
    score: int | None = None
    recommended_status: str | None = None

    def __post_init__(self) -> None:
        # a malformed draft is a bug in a rule: fail in its unit test, not in the engine's bulk write
        if self.kind not in OutcomeKind.ALL:
            raise ValueError(f"unknown outcome kind {self.kind!r}")
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r}")
        if (self.kind == OutcomeKind.SCORE) != (self.score is not None) or not 0 <= (self.score or 0) <= 100:
            raise ValueError("a score (0–100) belongs to, and only to, a score outcome")
        if (self.kind == OutcomeKind.STATUS_CHANGE) != (self.recommended_status is not None):
            raise ValueError("a recommended status belongs to, and only to, a status change")


@dataclass(frozen=True)
class Effect:
    """A change a rule asks for beyond an outcome, such as moving a membership into its grace
    period. A live run hands effects to the handler registered for ``kind`` in the same
    transaction as the outcomes; a preview only shows the outcomes."""

    kind: str
    data: Mapping[str, Any]


ENGAGEMENTS = ("arms_length", "collaborative", "strategic")
ENGAGEMENT_WORDS = {"arms_length": "arm's length", "collaborative": "collaborative", "strategic": "strategic"}


@dataclass(frozen=True)
class Scope:
    """Narrows a rule to some partners; an empty dimension means any, and all given ones must match."""

    verticals: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    engagement: tuple[str, ...] = ()

    def matches(self, facts: PartnerFacts) -> bool:
        return (
            (not self.engagement or facts.engagement in self.engagement)
            and (not self.regions or any(region in facts.regions for region in self.regions))
            and (not self.verticals or any(vertical in facts.verticals for vertical in self.verticals))
        )

    def describe(self) -> str:
        """ "if engagement is strategic and region is EMEA", or "" for any partner."""
        conditions = []
        if self.engagement:
            conditions.append(f"engagement is {either(ENGAGEMENT_WORDS.get(e, e) for e in self.engagement)}")
        if self.regions:
            conditions.append(f"region is {either(self.regions)}")
        if self.verticals:
            conditions.append(f"vertical is {either(self.verticals)}")
        return f"if {' and '.join(conditions)}" if conditions else ""

    def to_json(self) -> dict[str, list[str]]:
        return {key: list(getattr(self, key)) for key in ("verticals", "regions", "engagement") if getattr(self, key)}


class Rule:
    """One step of a strategy: a kind (the class), validated params and an optional scope.

    Subclasses set ``kind``, ``label``, ``description`` and ``params`` and implement
    ``evaluate``, ``describe_trigger`` and ``describe_action``. ``evaluate`` must stay pure.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str]
    params: ClassVar[ParamSchema] = ParamSchema()

    def __init__(self, params: Mapping[str, Any] | None = None, scope: Scope | None = None) -> None:
        if not isinstance(params, Params):  # raw values (tests, the shell) are validated here too
            params, errors = self.params.validate(params)
            if errors:
                raise InvalidRuleError({"params": errors})
        self.p: Params = params
        self.scope = scope or Scope()

    def evaluate(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        raise NotImplementedError

    def evaluate_if_in_scope(self, facts: PartnerFacts) -> list[OutcomeDraft]:
        return self.evaluate(facts) if self.scope.matches(facts) else []

    def effects(self, facts: PartnerFacts) -> list[Effect]:
        """Changes beyond outcomes; most rules only conclude and have none."""
        return []

    def effects_if_in_scope(self, facts: PartnerFacts) -> list[Effect]:
        return self.effects(facts) if self.scope.matches(facts) else []

    def describe_trigger(self) -> str:
        raise NotImplementedError

    def describe_action(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        """The rule in plain language: "Every 90 days, if engagement is strategic: schedule a strategy review"."""
        trigger, scope = self.describe_trigger(), self.scope.describe()
        return f"{trigger}, {scope}: {self.describe_action()}" if scope else f"{trigger}: {self.describe_action()}"

    def to_spec(self) -> dict[str, Any]:
        """The normalised spec (defaults filled in), which ``build_rules`` accepts again."""
        return {"kind": self.kind, "params": self.p.to_json(), "scope": self.scope.to_json()}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_spec()}>"


class InvalidRuleError(ValueError):
    """Raised when a rule is built directly from invalid values; ``errors`` is keyed like build_rules'."""

    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors
        super().__init__(errors)


class UnknownRuleKindError(LookupError):
    def __init__(self, kind: object) -> None:
        self.kind = kind
        super().__init__(f"Unknown rule kind “{kind}”.")


RULES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Add a rule kind to the registry; a kind name is claimed once, by one class."""
    for attribute in ("kind", "label", "description"):
        if not getattr(cls, attribute, ""):
            raise TypeError(f"{cls.__name__} must set {attribute}")
    if RULES.get(cls.kind, cls) is not cls:
        raise TypeError(f"rule kind {cls.kind!r} is already registered by {RULES[cls.kind].__name__}")
    RULES[cls.kind] = cls
    return cls


def rule_for(kind: str) -> type[Rule]:
    try:
        return RULES[kind]
    except (KeyError, TypeError):
        raise UnknownRuleKindError(kind) from None
