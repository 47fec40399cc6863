"""programs.tiers.editing against the database: whole-ladder saves, swaps under the unique
constraints, deletions refused while members or history name a tier, administrators only."""

import pytest
from django.core.exceptions import PermissionDenied

from partners.outbox.models import Event
from prm.errors import FieldErrors
from programs.tiers.editing import TierHasMembers, program_create, tier_delete, tier_values, tiers_save
from programs.tiers.models import Program, Tier, TierChange
from tests.factories import UserFactory
from tests.programs.tiers.factories import MembershipFactory, ladder

pytestmark = pytest.mark.django_db


def test_two_tiers_swap_names_and_ranks_in_one_save(admin_user):
    # given
    program, registered, silver, gold = ladder()
    swapped = [
        {**tier_values(registered), "id": registered.pk},
        {**tier_values(gold), "id": gold.pk, "name": "Silver", "rank": 2, "min_health_score": 60,
         "min_certified": {}, "requires_agreement": False},
        {**tier_values(silver), "id": silver.pk, "name": "Gold", "rank": 3, "min_health_score": 80,
         "min_certified": {"healthcare": 2}, "requires_agreement": True},
    ]  # fmt: skip
    # when
    tiers_save(program_id=program.pk, actor=admin_user, tiers=swapped)
    # then
    assert list(program.tiers.values_list("pk", "name", "rank")) == [
        (registered.pk, "Registered", 1), (gold.pk, "Silver", 2), (silver.pk, "Gold", 3)
    ]  # fmt: skip
    assert Event.objects.filter(type="program.changed", object_id=str(program.pk)).exists()


def test_an_invalid_ladder_saves_nothing_and_says_where(admin_user):
    # given
    program, registered, silver, gold = ladder()
    tiers = [{**tier_values(t), "id": t.pk} for t in (registered, silver, gold)]
    tiers[0]["name"] = "Entry"
    tiers[2]["requires_agreement"] = False
    tiers.append({"name": "Platinum", "rank": 4, "min_health_score": 10})
    # when
    with pytest.raises(FieldErrors) as refused:
        tiers_save(program_id=program.pk, actor=admin_user, tiers=tiers)
    # then: Platinum asks less than Gold twice; no agreement is asked (Gold no longer asks it)
    errors = refused.value.errors["tiers"]
    assert set(errors) == {3}
    assert set(errors[3]) == {"min_health_score", "min_certified"}
    assert not Tier.objects.filter(name__in=["Entry", "Platinum"]).exists()


def test_a_tier_named_in_the_history_is_not_deleted(admin_user):
    # given: nobody is at Gold any more, but a member moved from it
    _program, _registered, silver, gold = ladder()
    membership = MembershipFactory(tier=silver)
    TierChange.objects.create(membership=membership, partner=membership.partner, from_tier=gold, to_tier=silver,
                              direction="downgrade", reason="Below Gold")  # fmt: skip
    # when
    with pytest.raises(TierHasMembers) as refused:
        tier_delete(tier_id=gold.pk, actor=admin_user)
    # then
    assert refused.value.message == "Gold is named in members' tier history, which is kept for good."
    assert Tier.objects.filter(pk=gold.pk).exists()


@pytest.mark.parametrize("role", ["manager", "analyst"])
def test_only_administrators_edit_programs(role):
    # given
    actor = UserFactory(role=role)
    # when / then
    with pytest.raises(PermissionDenied):
        program_create(actor=actor, name="Alliance", slug="alliance", partner_types=["technology"])
    assert not Program.objects.exists()
