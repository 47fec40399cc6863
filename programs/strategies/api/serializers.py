"""Representations of api.md for strategies, runs and outcomes, and the shapes of their writes.

Serializers check the shape of a request (types, lengths); whether rules, scopes and schedules
are valid is the services' answer (``programs.strategies.services``), with nested field errors.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import Partner
from programs.strategies.models import Outcome, Strategy, StrategyRun, StrategyVersion
from programs.strategies.selectors import rules_described
from programs.strategies.services import SETTABLE_OUTCOME_STATES

# Partner.Type's values as their own labels: a choice set of its own, so the schema names it
# PartnerTypeEnum without colliding with the partner representation's TypeEnum
PARTNER_TYPES = [(value, value) for value in Partner.Type.values]


def _user_name(user) -> str | None:
    return (user.get_full_name() or user.email) if user else None


def rule_specs(rules) -> list[dict]:
    """Stored rules as api.md promises them: every rule with kind, params and scope."""
    return [
        {"kind": rule.get("kind"), "params": rule.get("params") or {}, "scope": rule.get("scope") or {}}
        if isinstance(rule, dict)
        else rule
        for rule in rules or []
    ]


# --- shapes used in several places ---------------------------------------------------


class ScopeSerializer(serializers.Serializer):
    """A strategy's scope: it names every dimension, empty for any."""

    verticals = serializers.ListField(child=serializers.CharField(), help_text="Vertical slugs; empty means any.")
    regions = serializers.ListField(
        child=serializers.CharField(), help_text="Region codes (a region includes its sub-regions); empty means any."
    )
    engagement = serializers.ListField(
        child=serializers.ChoiceField(choices=Partner.Engagement.choices), help_text="Engagement levels; empty: any."
    )


class RuleScopeSerializer(serializers.Serializer):
    """A rule's scope as stored: it names only the dimensions that narrow the rule ({} for every partner)."""

    verticals = serializers.ListField(child=serializers.CharField(), required=False, help_text="Vertical slugs.")
    regions = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Region codes (a region includes its sub-regions)."
    )
    engagement = serializers.ListField(
        child=serializers.ChoiceField(choices=Partner.Engagement.choices),
        required=False,
        help_text="Engagement levels.",
    )


class RuleSpecSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="A rule kind of /api/v1/rule-kinds/.")
    params = serializers.DictField(help_text="Parameters, validated against the kind's schema.")
    scope = RuleScopeSerializer(required=False, help_text="Narrows the rule to some partners; {} for all.")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


@extend_schema_field(RuleSpecSerializer(many=True))
class RulesField(serializers.JSONField):
    """Rules as submitted; the publish service validates them and answers with nested field errors."""

    def to_internal_value(self, data):
        # PostgreSQL's jsonb refuses the NUL character: a 400 here rather than a 500 on publish
        if _has_nul(data):
            raise serializers.ValidationError("Text may not contain NUL characters.")
        return super().to_internal_value(data)


@extend_schema_field(ScopeSerializer)
class ScopeField(serializers.JSONField):
    """A scope object; the keys given replace those of the current scope, the others stay."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be an object with verticals, regions and engagement.")
        return data


# --- strategies ----------------------------------------------------------------------


class StrategySerializer(serializers.ModelSerializer):
    """The strategy of api.md with its current version's rules, plus read-only extras."""

    partner_type = serializers.ChoiceField(choices=PARTNER_TYPES, read_only=True)
    scope = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(help_text="The number of the current version.")
    version_id = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()
    rules_described = serializers.SerializerMethodField(help_text="The current rules in plain language.")
    published_at = serializers.SerializerMethodField(help_text="When the current version was published.")

    class Meta:
        model = Strategy
        fields = [
            "id", "name", "partner_type", "scope", "is_active", "schedule", "version", "rules",
            "version_id", "rules_described", "published_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ScopeSerializer)
    def get_scope(self, strategy) -> dict:
        return {
            "verticals": list(strategy.scope_verticals),
            "regions": list(strategy.scope_regions),
            "engagement": list(strategy.scope_engagement),
        }

    def get_version(self, strategy) -> int | None:
        return strategy.current_version.number if strategy.current_version else None

    def get_version_id(self, strategy) -> int | None:
        return strategy.current_version_id

    @extend_schema_field(RuleSpecSerializer(many=True))
    def get_rules(self, strategy) -> list:
        return rule_specs(strategy.current_version.rules) if strategy.current_version else []

    def get_rules_described(self, strategy) -> list[str]:
        return rules_described(strategy.current_version.rules) if strategy.current_version else []

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_published_at(self, strategy):
        version = strategy.current_version
        return serializers.DateTimeField().to_representation(version.published_at) if version else None


class StrategyCreateSerializer(serializers.Serializer):
    """A new strategy; its rules become version 1."""

    name = serializers.CharField(max_length=120)
    partner_type = serializers.ChoiceField(choices=PARTNER_TYPES)
    scope = ScopeField(required=False, help_text="Missing keys mean any.")
    is_active = serializers.BooleanField(default=True)
    schedule = serializers.CharField(
        max_length=100, default="0 3 * * *", help_text="Cron expression (minute hour day month weekday), UTC."
    )
    rules = RulesField()
    note = serializers.CharField(max_length=500, allow_blank=True, default="", help_text="Why; kept on the version.")


class StrategyUpdateSerializer(serializers.Serializer):
    """A partial edit. ``rules`` (and a changed ``scope``) publish the next version, with ``note``."""

    name = serializers.CharField(max_length=120, required=False)
    partner_type = serializers.ChoiceField(
        choices=PARTNER_TYPES, required=False, help_text="Cannot change; create another strategy instead."
    )
    scope = ScopeField(required=False)
    is_active = serializers.BooleanField(required=False)
    schedule = serializers.CharField(max_length=100, required=False)
    rules = RulesField(required=False)
    note = serializers.CharField(max_length=500, allow_blank=True, required=False)

    def validate_partner_type(self, value):
        if self.instance is not None and value != self.instance.partner_type:
            raise serializers.ValidationError("A strategy's partner type cannot change; create another strategy.")
        return value


class StrategyVersionSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()
    rules_described = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = StrategyVersion
        fields = ["id", "number", "rules", "rules_described", "note", "author", "author_name", "published_at"]
        read_only_fields = fields

    @extend_schema_field(RuleSpecSerializer(many=True))
    def get_rules(self, version) -> list:
        return rule_specs(version.rules)

    def get_rules_described(self, version) -> list[str]:
        return rules_described(version.rules)

    def get_author_name(self, version) -> str | None:
        return _user_name(version.author)


# --- runs ----------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    """The run of api.md; ``version`` is the version's number, ``version_id`` its id."""

    version = serializers.IntegerField(source="version.number", read_only=True)
    strategy_name = serializers.CharField(source="strategy.name", read_only=True)
    progress = serializers.SerializerMethodField(help_text="Partners evaluated out of the total, 0-100.")
    draft = serializers.SerializerMethodField(help_text="For a preview of unpublished rules: those rules.")

    class Meta:
        model = StrategyRun
        fields = [
            "id", "strategy", "version", "trigger", "dry_run", "status", "partners_total", "partners_evaluated",
            "outcomes_created", "outcomes_unchanged", "outcomes_closed", "started_at", "finished_at", "error",
            "version_id", "strategy_name", "progress", "requested_by", "created_at", "draft",
        ]  # fmt: skip
        read_only_fields = fields

    def get_draft(self, run) -> list | None:
        return run.rules

    def get_progress(self, run) -> int:
        if run.status == StrategyRun.Status.SUCCEEDED:
            return 100
        return run.partners_evaluated * 100 // run.partners_total if run.partners_total else 0


class DiffEntrySerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    partner_name = serializers.CharField()
    rule_kind = serializers.CharField()
    kind = serializers.CharField(help_text="The outcome kind: " + ", ".join(Outcome.Kind.values))
    title = serializers.CharField()
    explanation = serializers.CharField()
    dedupe_key = serializers.CharField()


class RunDiffSerializer(serializers.Serializer):
    """What a preview would create, keep open and close; complete once its status is succeeded."""

    run = serializers.IntegerField()
    status = serializers.CharField(help_text="The run's status: " + ", ".join(StrategyRun.Status.values))
    create = DiffEntrySerializer(many=True)
    keep = DiffEntrySerializer(many=True)
    close = DiffEntrySerializer(many=True)


# --- outcomes ------------------------------------------------------------------------


class OutcomeSerializer(serializers.ModelSerializer):
    """The outcome of api.md; ``version`` is the number of the version that produced it."""

    version = serializers.IntegerField(source="version.number", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    strategy_name = serializers.CharField(source="strategy.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()

    class Meta:
        model = Outcome
        fields = [
            "id", "partner", "strategy", "version", "run", "rule_kind", "kind", "title", "explanation", "evidence",
            "due_on", "assignee", "state", "created_at",
            "version_id", "partner_name", "strategy_name", "assignee_name", "note", "recommended_status", "audience",
            "closed_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_assignee_name(self, outcome) -> str | None:
        return _user_name(outcome.assignee)


class PartnerOutcomeSerializer(serializers.ModelSerializer):
    """An outcome as a partner's login reads it: the api.md names, without what is internal to the
    vendor (managers' closing notes, names of staff and strategies, the recommended status).

    ``strategy``, ``run`` and ``assignee`` stay as the plain ids the contract lists, so one client
    parses both shapes; they open nothing for a partner (strategies, runs and staff users are not
    its to read). The fields are listed here rather than derived from OutcomeSerializer, so a field
    added there for managers does not reach partners unnoticed. ``evidence`` stays: it is the
    partner's own figures (e.g. its document's expiry).
    """

    version = serializers.IntegerField(source="version.number", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id", "partner", "strategy", "version", "run", "rule_kind", "kind", "title", "explanation", "evidence",
            "due_on", "assignee", "state", "created_at",
            "partner_name", "audience", "closed_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class OutcomeTransitionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=SETTABLE_OUTCOME_STATES,
        error_messages={"invalid_choice": f"Set one of: {', '.join(SETTABLE_OUTCOME_STATES)}; runs set the others."},
        help_text="done or dismissed close the outcome; applied carries out a recommended status change.",
    )
    note = serializers.CharField(max_length=1000, allow_blank=True, default="", help_text="Why; kept on the outcome.")


# --- rule kinds ----------------------------------------------------------------------


class RuleKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    params = serializers.ListField(
        child=serializers.DictField(),
        help_text='Each parameter\'s schema: {"name", "type", "required", "default", "min", "max", "choices", …}.',
    )


class PreviewRequestSerializer(serializers.Serializer):
    rules = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="A draft to preview instead of the current version."
    )
