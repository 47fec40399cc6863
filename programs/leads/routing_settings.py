"""Writes of the lead routing settings that administrators and partner managers edit on the rules
editor: the ordered rules, the weights per engagement level, and the capacity and time to answer
per partner type. (Kept beside services.py, which writes leads themselves.)

The router reads the rules in one statement, so it sees a move of two rules entirely or not at
all; every write here checks the rows with the models' own validation and raises FieldErrors
naming the field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from partners.models import Partner
from prm.errors import FieldErrors, NotFound
from programs.leads.models import LeadPolicy, LeadRoutingRule, LeadWeight

POSITION_STEP = 10


def _checked(row, exclude=()) -> None:
    try:
        row.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise FieldErrors(exc.message_dict) from None


def _rule_values(field: str, values) -> list[str]:
    # a rule on the lead's own value keeps no values, whatever a form sent along
    if field in (LeadRoutingRule.Field.PARTNER_TYPE, LeadRoutingRule.Field.ENGAGEMENT):
        return list(dict.fromkeys(values or ()))
    return []


@transaction.atomic
def routing_rule_create(
    *, actor, name: str, field: str, required: bool, values=(), is_active: bool = True
) -> LeadRoutingRule:
    """Add a rule after the last one. FieldErrors for an unknown field or values that do not fit
    it. Two rules added at once may share a position; the router orders them by id then."""
    last = LeadRoutingRule.objects.order_by("-position", "-id").first()
    rule = LeadRoutingRule(
        position=(last.position + POSITION_STEP) if last else POSITION_STEP,
        name=(name or "").strip(),
        field=field,
        required=required,
        values=_rule_values(field, values),
        is_active=is_active,
    )
    _checked(rule)
    rule.save()
    return rule


@transaction.atomic
def routing_rule_update(
    *, rule_id: int, actor, name: str, field: str, required: bool, values=(), is_active: bool = True
) -> LeadRoutingRule:
    """Change a rule's name, field, values, whether it is required and whether it is on; its
    position stays. NotFound for a rule deleted meanwhile."""
    rule = LeadRoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("This routing rule was deleted.")
    rule.name, rule.field, rule.required, rule.is_active = (name or "").strip(), field, required, is_active
    rule.values = _rule_values(field, values)
    _checked(rule)
    rule.save()
    return rule


@transaction.atomic
def routing_rule_delete(*, rule_id: int, actor) -> None:
    """Delete a rule; leads routed before keep its name in their routing history."""
    deleted, _ = LeadRoutingRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound("This routing rule was deleted already.")


@transaction.atomic
def routing_rule_move(*, rule_id: int, actor, up: bool) -> list[LeadRoutingRule]:
    """Move a rule one place up or down (the first stays first, the last last) and number every
    rule afresh in steps of ten. Locks every rule (in id order, so two moves queue up rather than
    deadlock). Returns the rules in their new order."""
    locked = list(LeadRoutingRule.objects.select_for_update().order_by("id"))
    rules = sorted(locked, key=lambda rule: (rule.position, rule.pk))
    index = next((i for i, rule in enumerate(rules) if rule.pk == rule_id), None)
    if index is None:
        raise NotFound("This routing rule was deleted.")
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    changed = []
    for number, rule in enumerate(rules, start=1):
        if rule.position != number * POSITION_STEP:
            rule.position = number * POSITION_STEP
            changed.append(rule)
    LeadRoutingRule.objects.bulk_update(changed, ["position"])
    return rules


@transaction.atomic
def lead_weights_update(*, actor, weights: dict[str, int]) -> list[LeadWeight]:
    """Set the round robin's weight of each engagement level given (from 1 to 1000): a partner's
    share of leads among the candidates left is its weight over their sum."""
    errors = {}
    for engagement, weight in weights.items():
        if engagement not in Partner.Engagement.values:
            errors[engagement] = ["Unknown engagement level."]
        elif not isinstance(weight, int) or not 1 <= weight <= 1000:
            errors[engagement] = ["Give a whole number from 1 to 1000."]
    if errors:
        raise FieldErrors(errors)
    for engagement, weight in weights.items():
        LeadWeight.objects.update_or_create(engagement=engagement, defaults={"weight": weight})
    return list(LeadWeight.objects.order_by("engagement"))


@transaction.atomic
def lead_policies_update(*, actor, policies: dict[str, tuple[int, int]]) -> list[LeadPolicy]:
    """Set, per partner type given, how many open leads a partner holds at most and how many hours
    it has to answer an offer (both at least 1; offers already made keep their time)."""
    errors = {}
    for partner_type, (capacity, hours) in policies.items():
        if partner_type not in Partner.Type.values:
            errors[partner_type] = ["Unknown partner type."]
            continue
        for name, value in (("capacity", capacity), ("respond_hours", hours)):
            if not isinstance(value, int) or not 1 <= value <= 32767:
                errors[f"{name}_{partner_type}"] = ["Give a whole number of at least 1."]
    if errors:
        raise FieldErrors(errors)
    for partner_type, (capacity, hours) in policies.items():
        LeadPolicy.objects.update_or_create(
            partner_type=partner_type, defaults={"capacity": capacity, "respond_hours": hours}
        )
    return list(LeadPolicy.objects.order_by("partner_type"))
