"""check_tier_ladder as a pure function: no database."""

from programs.tiers.editing import check_tier_ladder

VERTICALS = {"healthcare", "retail"}


def tier(name, rank, **fields):
    return {"name": name, "rank": rank, **fields}


def test_a_ladder_whose_requirements_grow_with_rank_is_valid():
    # given: benefits that shrink are allowed; requirements only grow
    tiers = [
        tier("Registered", 1, discount_percent=30),
        tier("Silver", 2, min_revenue=10000, min_won_deals=2, min_certified={"healthcare": 1}, discount_percent=10),
        tier("Gold", 3, min_revenue=50000, min_won_deals=5, min_certified={"healthcare": 3, "retail": 1},
             requires_agreement=True, min_health_score=70, discount_percent=5),
    ]  # fmt: skip
    # when
    errors = check_tier_ladder(tiers, verticals=VERTICALS)
    # then
    assert errors == {}


def test_a_higher_tier_asking_less_revenue_is_refused_next_to_its_revenue():
    # given
    tiers = [tier("Silver", 2, min_revenue=50000), tier("Gold", 3, min_revenue=40000)]
    # when
    errors = check_tier_ladder(tiers, verticals=VERTICALS)
    # then: on Gold (position 1), naming Silver and both figures
    assert list(errors) == [1]
    [message] = errors[1]["min_revenue"]
    assert "Gold asks less revenue than Silver" in message
    assert "40,000 against 50,000" in message


def test_a_higher_tier_leaving_out_a_requirement_a_lower_one_sets_asks_less():
    # given: Gold sets no won-deals minimum while Silver asks 3
    tiers = [tier("Gold", 3), tier("Silver", 2, min_won_deals=3)]
    # when
    errors = check_tier_ladder(tiers)
    # then
    assert list(errors) == [0]
    assert "Gold asks less won deals than Silver" in errors[0]["min_won_deals"][0]


def test_a_higher_tier_asking_a_lower_health_score_is_refused():
    # when
    errors = check_tier_ladder([tier("Silver", 2, min_health_score=70), tier("Gold", 3, min_health_score=60)])
    # then
    assert "Gold asks less health score than Silver" in errors[1]["min_health_score"][0]


def test_the_agreement_required_below_is_required_above():
    # when
    errors = check_tier_ladder([tier("Silver", 2, requires_agreement=True), tier("Gold", 3)])
    # then
    assert errors[1]["requires_agreement"] == ["Silver, a lower tier, requires a signed agreement: Gold must too."]


def test_fewer_certified_people_in_a_vertical_than_a_lower_tier_is_refused_per_vertical():
    # given: Gold asks more healthcare but forgets retail
    tiers = [
        tier("Silver", 2, min_certified={"healthcare": 2, "retail": 1}),
        tier("Gold", 3, min_certified={"healthcare": 3}),
    ]
    # when
    errors = check_tier_ladder(tiers, verticals=VERTICALS)
    # then: only retail is wrong
    assert errors[1]["min_certified"] == [
        "Gold asks for 0 retail-certified people, Silver (a lower tier) for 1: a higher tier asks at least as much "
        "as every tier below it."
    ]


def test_the_contradiction_names_the_lower_tier_that_asks_the_most():
    # given: Platinum is below Gold's revenue, and Gold asks more than Silver
    tiers = [
        tier("Silver", 2, min_revenue=10000),
        tier("Gold", 3, min_revenue=50000),
        tier("Platinum", 4, min_revenue=20000),
    ]
    # when
    errors = check_tier_ladder(tiers)
    # then
    assert list(errors) == [2]
    assert "than Gold" in errors[2]["min_revenue"][0]


def test_negative_thresholds_and_benefits_are_refused():
    # given
    tiers = [
        tier("Silver", 1, min_revenue=-1, min_won_deals=-2, min_certified={"healthcare": -1}, min_health_score=101,
             mdf_per_quarter=-5, discount_percent=120),
    ]  # fmt: skip
    # when
    errors = check_tier_ladder(tiers, verticals=VERTICALS)[0]
    # then
    assert errors["min_revenue"] == ["Must be zero or more."]
    assert errors["min_won_deals"] == ["Must be zero or more."]
    assert errors["mdf_per_quarter"] == ["Must be zero or more."]
    assert errors["min_health_score"] == ["A health score is from 0 to 100."]
    assert errors["discount_percent"] == ["A discount is from 0 to 100 %."]
    assert errors["min_certified"] == [
        "The number of healthcare-certified people must be a whole number, zero or more."
    ]


def test_unknown_verticals_are_refused():
    # when
    errors = check_tier_ladder(
        [tier("Gold", 1, min_certified={"spaceflight": 2, "healthcare": 1})], verticals=VERTICALS
    )
    # then
    assert errors[0]["min_certified"] == ["Unknown vertical: spaceflight."]


def test_duplicate_ranks_and_names_are_refused_on_the_later_tier():
    # when
    errors = check_tier_ladder([tier("Gold", 2), tier("gold", 2)])
    # then
    assert errors == {
        1: {"rank": ["Gold has rank 2 already."], "name": ["Another tier of this program has this name."]}
    }


def test_a_rank_outside_one_to_a_hundred_and_an_empty_name_are_refused():
    # when
    errors = check_tier_ladder([tier("", 0), tier("Top", 101)])
    # then
    assert errors[0]["name"] == ["Give the tier a name."]
    assert "from 1" in errors[0]["rank"][0]
    assert "from 1" in errors[1]["rank"][0]
