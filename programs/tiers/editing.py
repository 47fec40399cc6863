"""Editing programs and their tier ladders: administrators' writes, validated as a whole.

A tier ladder is checked by ``check_tier_ladder`` (pure, no database): every threshold is
non-negative, verticals are known, ranks and names are unique, and requirements never decrease
with rank (a higher tier asks at least what every lower tier asks). Benefits may be anything: a
program may give its top tier a smaller discount and more MDF. Services lock the program row, so
two administrators saving its ladder at once save one after the other, each checked in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from partners.models import Partner, Vertical
from partners.outbox.services import event_record
from partners.roles import Role, role_of
from prm.errors import Conflict, FieldErrors, NotFound
from programs.tiers.models import DowngradeProposal, Membership, Program, Tier, TierChange

MAX_RANK = 100
REQUIREMENT_FIELDS = ("min_revenue", "min_won_deals", "min_certified", "requires_agreement", "min_health_score")
BENEFIT_FIELDS = ("discount_percent", "mdf_per_quarter", "deal_protection_days", "lead_weight")
TIER_FIELDS = ("name", "rank", *REQUIREMENT_FIELDS, *BENEFIT_FIELDS)
PROGRAM_FIELDS = (
    "name", "slug", "partner_types", "description", "is_active", "currency", "auto_upgrade", "grace_days",
    "requires_agreement",
)  # fmt: skip
LABELS = {
    "min_revenue": "revenue",
    "min_won_deals": "won deals",
    "min_health_score": "health score",
}


class TierHasMembers(Conflict):
    code = "tier_has_members"


# ---------------------------------------------------------------------------------------------
# the ladder check (pure)


@dataclass(frozen=True)
class LadderIssue:
    """One thing wrong with a ladder: the tier at ``index`` (its position in the list given), the
    field the message belongs next to, and the other tier it contradicts, if any."""

    index: int
    field: str
    message: str
    other: int | None = None


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _tier_name(tier: Mapping[str, Any], index: int) -> str:
    return str(tier.get("name") or "").strip() or f"tier {index + 1}"


def _own_issues(index: int, tier: Mapping[str, Any], verticals: set[str] | None) -> list[LadderIssue]:
    """What one tier gets wrong on its own: negative or out-of-range figures, unknown verticals."""
    issues = []

    def add(field: str, message: str) -> None:
        issues.append(LadderIssue(index, field, message))

    if not str(tier.get("name") or "").strip():
        add("name", "Give the tier a name.")
    rank = tier.get("rank")
    if rank is None or not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= MAX_RANK:
        add("rank", f"A rank is a whole number from 1 (the entry tier) to {MAX_RANK}.")
    for field in ("min_revenue", "min_won_deals", "mdf_per_quarter"):
        value = _number(tier.get(field))
        if value is not None and value < 0:
            add(field, "Must be zero or more.")
    score = _number(tier.get("min_health_score"))
    if score is not None and not 0 <= score <= 100:
        add("min_health_score", "A health score is from 0 to 100.")
    discount = _number(tier.get("discount_percent"))
    if discount is not None and not 0 <= discount <= 100:
        add("discount_percent", "A discount is from 0 to 100 %.")
    certified = tier.get("min_certified") or {}
    if not isinstance(certified, Mapping):
        add("min_certified", 'Give certified people per vertical, such as {"healthcare": 3}.')
        return issues
    unknown = sorted(slug for slug in certified if verticals is not None and slug not in verticals)
    if unknown:
        add("min_certified", f"Unknown vertical{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    for slug, count in certified.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            add("min_certified", f"The number of {slug}-certified people must be a whole number, zero or more.")
    return issues


def _asks(tier: Mapping[str, Any]) -> dict[str, Any]:
    """What a tier requires, comparable between tiers: missing means nothing asked (zero)."""
    certified = tier.get("min_certified") or {}
    return {
        "min_revenue": _number(tier.get("min_revenue")) or Decimal(0),
        "min_won_deals": _number(tier.get("min_won_deals")) or Decimal(0),
        "min_health_score": _number(tier.get("min_health_score")) or Decimal(0),
        "requires_agreement": bool(tier.get("requires_agreement")),
        "min_certified": {slug: count for slug, count in certified.items() if isinstance(count, int) and count > 0}
        if isinstance(certified, Mapping)
        else {},
    }


def _shown(field: str, value) -> str:
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:,f}" if field == "min_revenue" else f"{value:f}"
    return str(value)


def _contradictions(tiers: Sequence[Mapping[str, Any]]) -> list[LadderIssue]:
    """A higher rank asking less than a lower one, reported next to the higher tier's field and
    naming the lower tier that asks the most of it."""
    ranked = sorted(
        (i for i, t in enumerate(tiers) if isinstance(t.get("rank"), int) and not isinstance(t.get("rank"), bool)),
        key=lambda i: tiers[i]["rank"],
    )
    asks = {i: _asks(tiers[i]) for i in ranked}
    issues = []
    for position, high in enumerate(ranked):
        lower = [low for low in ranked[:position] if tiers[low]["rank"] < tiers[high]["rank"]]
        if not lower:
            continue
        name = _tier_name(tiers[high], high)
        for field in ("min_revenue", "min_won_deals", "min_health_score"):
            low = max(lower, key=lambda i: asks[i][field])
            if asks[high][field] < asks[low][field]:
                issues.append(
                    LadderIssue(
                        high,
                        field,
                        other=low,
                        message=f"{name} asks less {LABELS[field]} than {_tier_name(tiers[low], low)}, a lower tier "
                        f"({_shown(field, asks[high][field])} against {_shown(field, asks[low][field])}): "
                        "a higher tier asks at least as much as every tier below it.",
                    )
                )
        low = next((i for i in lower if asks[i]["requires_agreement"]), None)
        if low is not None and not asks[high]["requires_agreement"]:
            issues.append(
                LadderIssue(
                    high,
                    "requires_agreement",
                    other=low,
                    message=f"{_tier_name(tiers[low], low)}, a lower tier, requires a signed agreement: "
                    f"{name} must too.",
                )
            )
        wanted: dict[str, tuple[int, int]] = {}  # vertical → (count, the lower tier asking it)
        for low in lower:
            for slug, count in asks[low]["min_certified"].items():
                if count > wanted.get(slug, (0, low))[0]:
                    wanted[slug] = (count, low)
        for slug, (count, low) in sorted(wanted.items()):
            held = asks[high]["min_certified"].get(slug, 0)
            if held < count:
                issues.append(
                    LadderIssue(
                        high,
                        "min_certified",
                        other=low,
                        message=f"{name} asks for {held} {slug}-certified people, {_tier_name(tiers[low], low)} (a "
                        f"lower tier) for {count}: a higher tier asks at least as much as every tier below it.",
                    )
                )
    return issues


def ladder_issues(tiers: Sequence[Mapping[str, Any]], *, verticals: Iterable[str] | None = None) -> list[LadderIssue]:
    """Everything wrong with a program's tiers given as plain mappings of TIER_FIELDS."""
    known = set(verticals) if verticals is not None else None
    issues = [issue for index, tier in enumerate(tiers) for issue in _own_issues(index, tier, known)]
    seen_ranks: dict[int, int] = {}
    seen_names: dict[str, int] = {}
    for index, tier in enumerate(tiers):
        rank = tier.get("rank")
        if isinstance(rank, int) and rank in seen_ranks:
            other = _tier_name(tiers[seen_ranks[rank]], seen_ranks[rank])
            issues.append(LadderIssue(index, "rank", f"{other} has rank {rank} already.", other=seen_ranks[rank]))
        elif isinstance(rank, int):
            seen_ranks[rank] = index
        name = str(tier.get("name") or "").strip().casefold()
        if name and name in seen_names:
            issues.append(LadderIssue(index, "name", "Another tier of this program has this name.", seen_names[name]))
        elif name:
            seen_names[name] = index
    return issues + _contradictions(tiers)


def check_tier_ladder(
    tiers: Sequence[Mapping[str, Any]], *, verticals: Iterable[str] | None = None
) -> dict[int, dict[str, list[str]]]:
    """The field errors of a ladder, by the position of each tier in ``tiers``; empty when it is
    valid. ``verticals`` are the known vertical slugs (None skips that check)."""
    errors: dict[int, dict[str, list[str]]] = {}
    for issue in ladder_issues(tiers, verticals=verticals):
        errors.setdefault(issue.index, {}).setdefault(issue.field, []).append(issue.message)
    return errors


# ---------------------------------------------------------------------------------------------
# services


def _require_admin(actor) -> None:
    """Programs and tiers are configured by administrators; managers and analysts read them."""
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only administrators change programs and tiers.")


def _model_errors(instance, exclude=()) -> dict[str, list[str]]:
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {}


def _program_errors(program: Program) -> dict[str, list[str]]:
    errors = _model_errors(program)
    if not program.partner_types:
        errors.setdefault("partner_types", []).append("Choose at least one partner type.")
    if len(set(program.partner_types)) != len(program.partner_types):
        errors.setdefault("partner_types", []).append("Name each partner type once.")
    unknown = sorted(set(program.partner_types) - set(Partner.Type.values))
    if unknown:
        errors.setdefault("partner_types", []).append(f"Unknown partner type: {', '.join(unknown)}.")
    if not (len(program.currency) == 3 and program.currency.isalpha() and program.currency.isupper()):
        errors.setdefault("currency", []).append("An ISO 4217 code of three capital letters, such as EUR.")
    others = Program.objects.exclude(pk=program.pk)
    if others.filter(name__iexact=program.name.strip()).exists():
        errors.setdefault("name", []).append("Another program has this name.")
    if others.filter(slug=program.slug).exists():
        errors.setdefault("slug", []).append("Another program has this slug.")
    return {field: sorted(set(messages), key=messages.index) for field, messages in errors.items()}


def _program_changed(program: Program, *, actor, created: bool) -> None:
    event_record(
        type="program.changed",
        object_type="program",
        object_id=program.pk,
        partner_id=None,
        data={"program": program.pk, "name": program.name, "slug": program.slug, "created": created,
              "is_active": program.is_active, "partner_types": list(program.partner_types)},
        actor=actor,
    )  # fmt: skip


@transaction.atomic
def program_create(*, actor, **fields) -> Program:
    """A new program from PROGRAM_FIELDS (FieldErrors next to each field otherwise)."""
    _require_admin(actor)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not program fields: {sorted(unknown)}")
    program = Program(**fields)
    program.name = (program.name or "").strip()
    errors = _program_errors(program)
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:  # the same name or slug saved meanwhile
        raise FieldErrors({"name": ["Another program has this name or slug."]}) from None
    _program_changed(program, actor=actor, created=True)
    return program


@transaction.atomic
def program_update(*, program_id: int, actor, **fields) -> Program:
    """Change a program's PROGRAM_FIELDS given; the row is locked for the change."""
    _require_admin(actor)
    program = Program.objects.select_for_update().filter(pk=program_id).first()
    if program is None:
        raise NotFound("No such program.")
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not program fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(program, name, value.strip() if name == "name" else value)
    errors = _program_errors(program)
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError:
        raise FieldErrors({"name": ["Another program has this name or slug."]}) from None
    _program_changed(program, actor=actor, created=False)
    return program


def tier_values(tier: Tier) -> dict[str, Any]:
    return {name: getattr(tier, name) for name in TIER_FIELDS}


def _tier_errors(tier: Tier) -> dict[str, list[str]]:
    """The model's own validators (types, ranges) of one tier, uniqueness left to the ladder check."""
    return _model_errors(tier, exclude=("program",))


def _known_verticals(tiers: Iterable[Mapping[str, Any]]) -> set[str]:
    slugs = {slug for tier in tiers if isinstance(tier.get("min_certified"), Mapping) for slug in tier["min_certified"]}
    return set(Vertical.objects.filter(slug__in=slugs).values_list("slug", flat=True)) if slugs else set()


def _deletable(tier: Tier) -> str | None:
    """Why a tier cannot be deleted, or None: members at it, or history naming it."""
    if Membership.objects.filter(Q(tier=tier) | Q(recommended_tier=tier)).exists():
        count = Membership.objects.filter(tier=tier).count()
        return f"{tier.name} has {count} member{'s' if count != 1 else ''}: move them to another tier first."
    history = (
        TierChange.objects.filter(Q(from_tier=tier) | Q(to_tier=tier)).exists()
        or DowngradeProposal.objects.filter(Q(from_tier=tier) | Q(to_tier=tier)).exists()
    )
    if history:
        return f"{tier.name} is named in members' tier history, which is kept for good."
    return None


@transaction.atomic
def tiers_save(*, program_id: int, actor, tiers: Sequence[Mapping[str, Any]], delete: Iterable[int] = ()) -> list[Tier]:
    """Save a program's ladder together: each mapping of TIER_FIELDS updates the tier of its
    ``id`` or adds one; the tiers in ``delete`` go (refused while members are at them).

    The resulting ladder (with the program's untouched tiers) must pass ``check_tier_ladder``;
    otherwise FieldErrors ``{"tiers": {position: {field: [message]}}}`` and nothing is saved. The
    program row is locked, so concurrent saves of one ladder run one after the other.
    """
    _require_admin(actor)
    program = Program.objects.select_for_update().filter(pk=program_id).first()
    if program is None:
        raise NotFound("No such program.")
    existing = {tier.pk: tier for tier in program.tiers.all()}
    delete = {int(pk) for pk in delete}
    errors: dict[int, dict[str, list[str]]] = {}
    model_errors: dict[int, dict[str, list[str]]] = {}
    edited: list[Tier] = []
    for position, values in enumerate(tiers):
        pk = values.get("id")
        if pk is not None and pk not in existing:
            errors.setdefault(position, {}).setdefault("id", []).append("Not a tier of this program.")
            edited.append(Tier(program=program))
            continue
        tier = existing[pk] if pk is not None else Tier(program=program)
        for name in TIER_FIELDS:
            if name in values:
                setattr(tier, name, values[name])
        if tier.min_certified is None:
            tier.min_certified = {}
        edited.append(tier)
        model_errors[position] = _tier_errors(tier)
    for pk in sorted(delete):
        tier = existing.get(pk)
        if tier is None:
            raise FieldErrors({"delete": [f"{pk} is not a tier of this program."]})
        reason = _deletable(tier)
        if reason:
            raise TierHasMembers(reason, tier=pk)
    kept = [tier for pk, tier in existing.items() if pk not in delete and all(t.pk != pk for t in edited)]
    ladder = [tier_values(tier) for tier in (*edited, *kept)]
    for issue in ladder_issues(ladder, verticals=_known_verticals(ladder)):
        if issue.index < len(edited):
            bucket = errors.setdefault(issue.index, {}).setdefault(issue.field, [])
        elif issue.other is not None and issue.other < len(edited):
            # an untouched tier contradicts an edited one: said with the edited tier's errors
            bucket = errors.setdefault(issue.other, {}).setdefault(issue.field, [])
        else:
            continue  # an old inconsistency between untouched tiers does not block this edit
        if issue.message not in bucket:
            bucket.append(issue.message)
    for position, field_errors in model_errors.items():  # what the ladder check did not already say
        for field, messages in field_errors.items():
            if field not in errors.get(position, {}):
                errors.setdefault(position, {})[field] = messages
    if errors:
        raise FieldErrors({"tiers": errors})
    Tier.objects.filter(pk__in=delete).delete()
    # two passes, so ranks and names can be swapped between tiers under the unique constraints
    moving = [tier for tier in edited if tier.pk is not None]
    for offset, tier in enumerate(moving):
        Tier.objects.filter(pk=tier.pk).update(rank=30000 + offset, name=f"~{tier.pk}")
    for tier in edited:
        tier.save()
    event_record(
        type="program.changed", object_type="program", object_id=program.pk, partner_id=None, actor=actor,
        data={"program": program.pk, "name": program.name, "slug": program.slug, "created": False,
              "tiers": [{"id": t.pk, "name": t.name, "rank": t.rank} for t in program.tiers.order_by("rank")]},
    )  # fmt: skip
    return sorted(edited, key=lambda tier: tier.rank)


def _single(errors: FieldErrors) -> FieldErrors:
    """A ladder error of one edited tier as flat field errors (the API's tier resource)."""
    tiers = errors.errors.get("tiers") if isinstance(errors.errors, dict) else None
    if tiers is None:
        return errors
    flat: dict[str, list[str]] = {}
    for field_errors in tiers.values():
        for field, messages in field_errors.items():
            flat.setdefault(field, []).extend(messages)
    return FieldErrors(flat)


def tier_create(*, program_id: int, actor, **fields) -> Tier:
    """Add one tier to a program's ladder (checked with the others; flat FieldErrors)."""
    try:
        return tiers_save(program_id=program_id, actor=actor, tiers=[fields])[0]
    except FieldErrors as exc:
        raise _single(exc) from None


def tier_update(*, tier_id: int, actor, **fields) -> Tier:
    """Change one tier (checked with the others of its ladder; flat FieldErrors)."""
    program_id = Tier.objects.filter(pk=tier_id).values_list("program_id", flat=True).first()
    if program_id is None:
        raise NotFound("No such tier.")
    try:
        return tiers_save(program_id=program_id, actor=actor, tiers=[{**fields, "id": tier_id}])[0]
    except FieldErrors as exc:
        raise _single(exc) from None


def tier_delete(*, tier_id: int, actor) -> None:
    """Remove a tier nobody is at and no history names (409 tier_has_members otherwise)."""
    program_id = Tier.objects.filter(pk=tier_id).values_list("program_id", flat=True).first()
    if program_id is None:
        raise NotFound("No such tier.")
    tiers_save(program_id=program_id, actor=actor, tiers=[], delete=[tier_id])
