"""certification_coverage and certification_expiry: pure rules, exact explanations, evidence and keys."""

import json

import pytest

from programs.strategies.rules import CertificationFact, build_rules
from programs.strategies.rules.certification_coverage import NOTHING_REQUIRED, CertificationCoverage
from programs.strategies.rules.certification_expiry import CertificationExpiry
from tests.programs.rule_facts import ago, ahead, facts


def held(id, contact_id, vertical="healthcare", *, verified=True, expires_in=200, definition_id=1):
    return CertificationFact(
        id=id, contact_id=contact_id, definition_id=definition_id, vertical=vertical, earned_on=ago(300),
        expires_on=ahead(expires_in), verified=verified,
    )  # fmt: skip


# --- certification_coverage ---------------------------------------------------------------


@pytest.mark.parametrize(("certified", "alerts"), [(1, 1), (2, 0), (3, 0)])
def test_coverage_alerts_below_the_required_count_only(certified, alerts):
    # given: two required in healthcare; ``certified`` contacts hold a current one
    rule = CertificationCoverage({"required": {"healthcare": 2}})
    certifications = tuple(held(id, contact_id=id) for id in range(1, certified + 1))
    # when
    drafts = rule.evaluate(facts(certifications=certifications))
    # then
    assert len(drafts) == alerts


def test_coverage_lists_the_gap_per_vertical_with_its_evidence():
    # given: healthcare needs 3 (one certified, one waiting); financial-services needs 1 (none)
    rule = CertificationCoverage({"required": {"healthcare": 3, "financial-services": 1}})
    certifications = (held(1, 10), held(2, 11, verified=False), held(3, 12, "retail"))
    # when
    (draft,) = rule.evaluate(facts(certifications=certifications))
    # then
    assert draft.kind == "alert"
    assert draft.title == "Acme Health needs 3 more certified contacts"
    assert draft.explanation == (
        "Certified contacts missing: 1 more in financial-services (0 of 1); "
        "2 more in healthcare (1 of 3, 1 waiting for verification)."
    )
    assert draft.evidence == {
        "verticals": {
            "financial-services": {"required": 1, "certified": 0, "gap": 1, "pending": 0},
            "healthcare": {"required": 3, "certified": 1, "gap": 2, "pending": 1},
        }
    }
    assert draft.dedupe == "certification_coverage:7:financial-services=1,healthcare=2"
    json.dumps(draft.evidence)


def test_coverage_dedupe_key_is_stable_for_the_same_gap_and_changes_with_it():
    # given
    rule = CertificationCoverage({"required": {"healthcare": 3}})
    one = (held(1, 10),)
    # when: the same gap on two days, with a pending one added; then one more certified
    first = rule.evaluate(facts(certifications=one))[0].dedupe
    again = rule.evaluate(facts(certifications=(*one, held(2, 11, verified=False))))[0].dedupe
    smaller = rule.evaluate(facts(certifications=(*one, held(3, 12))))[0].dedupe
    # then
    assert first == again == "certification_coverage:7:healthcare=2"
    assert smaller == "certification_coverage:7:healthcare=1"


def test_expired_unverified_and_repeated_holders_do_not_count():
    # given: contact 10 holds two current ones (counts once), 11 an expired one, 12 a pending one
    rule = CertificationCoverage({"required": {"healthcare": 2}})
    certifications = (
        held(1, 10), held(2, 10, definition_id=2), held(3, 11, expires_in=-1), held(4, 12, verified=False),
    )  # fmt: skip
    # when
    (draft,) = rule.evaluate(facts(certifications=certifications))
    # then
    assert draft.evidence["verticals"]["healthcare"] == {"required": 2, "certified": 1, "gap": 1, "pending": 1}


def test_a_certification_expiring_today_still_counts():
    # given
    rule = CertificationCoverage({"required": {"healthcare": 1}})
    # when / then
    assert rule.evaluate(facts(certifications=(held(1, 10, expires_in=0),))) == []
    assert len(rule.evaluate(facts(certifications=(held(1, 10, expires_in=-1),)))) == 1


def test_own_verticals_applies_a_count_to_each_of_the_partners_verticals_unless_named():
    # given: the partner sells into healthcare and retail; retail is named with 2
    rule = CertificationCoverage({"own_verticals": 1, "required": {"retail": 2}})
    partner = facts(verticals=("healthcare", "retail"), certifications=(held(1, 10, "retail"),))
    # when
    (draft,) = rule.evaluate(partner)
    # then
    assert draft.evidence["verticals"] == {
        "healthcare": {"required": 1, "certified": 0, "gap": 1, "pending": 0},
        "retail": {"required": 2, "certified": 1, "gap": 1, "pending": 0},
    }
    assert draft.dedupe == "certification_coverage:7:healthcare=1,retail=1"


def test_a_partner_without_verticals_needs_nothing_by_own_verticals():
    # given
    rule = CertificationCoverage({"own_verticals": 2})
    # when / then
    assert rule.evaluate(facts(verticals=())) == []


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"__all__": [NOTHING_REQUIRED]}),
        ({"required": {"healthcare": 0}}, {"required": ["“healthcare”: must be a whole number from 1 to 100."]}),
        ({"required": {"Health Care": 1}}, {"required": [
            "“Health Care” is not a valid name: lower-case letters, digits and hyphens."
        ]}),
        ({"required": ["healthcare"]}, {"required": ["Must be an object mapping names to whole numbers."]}),
        ({"own_verticals": -1}, {"own_verticals": ["Must be a whole number from 0 to 100."]}),
    ],
)  # fmt: skip
def test_coverage_params_are_refused_with_field_messages(params, errors):
    # when
    rules, found = build_rules([{"kind": "certification_coverage", "params": params}])
    # then
    assert rules == []
    assert found == {"0": {"params": errors}}


def test_coverage_describes_itself_and_normalises_its_spec():
    # given
    rule = CertificationCoverage({"required": {"retail": 1, "healthcare": "2"}, "own_verticals": 1})
    # then
    assert rule.describe() == (
        "When the partner has fewer certified contacts than required (2 in healthcare, 1 in retail, "
        "1 in each of the partner's verticals): alert the owner with the gap per vertical"
    )
    assert rule.to_spec()["params"] == {"required": {"healthcare": 2, "retail": 1}, "own_verticals": 1}


# --- certification_expiry -----------------------------------------------------------------


@pytest.mark.parametrize(("expires_in", "count"), [(-1, 0), (0, 2), (59, 2), (60, 2), (61, 0)])
def test_expiry_notifies_within_the_notice_days_only(expires_in, count):
    # given
    rule = CertificationExpiry({"days_before": 60})
    # when
    drafts = rule.evaluate(facts(certifications=(held(5, 10, expires_in=expires_in),)))
    # then
    assert len(drafts) == count


def test_expiry_tells_the_partner_and_gives_the_manager_a_task():
    # given
    rule = CertificationExpiry({"days_before": 60})
    # when
    notice, task = rule.evaluate(facts(certifications=(held(5, 10, expires_in=20),)))
    # then
    expires = ahead(20).isoformat()
    assert (notice.kind, notice.audience, task.kind, task.audience) == ("notification", "partner", "task", "manager")
    assert notice.title == f"A healthcare certification expires on {expires}"
    assert task.title == "Renew a healthcare certification of Acme Health"
    explanation = f"A healthcare certification (#5) of contact #10 expires on {expires}, in 20 days (notice: 60 days)."
    assert task.explanation == explanation
    assert notice.explanation == f"{explanation} Renew it and record the new certificate."
    assert notice.evidence == task.evidence == {
        "certification_id": 5, "contact_id": 10, "definition_id": 1, "vertical": "healthcare",
        "expires_on": expires, "days_left": 20, "days_before": 60,
    }  # fmt: skip
    assert notice.dedupe == f"certification_expiry:7:5:{expires}"
    assert task.dedupe == f"certification_expiry-task:7:5:{expires}"
    assert notice.due_on == task.due_on == ahead(20)


def test_expiry_ignores_pending_ones_and_those_already_renewed():
    # given: 5 renewed by 6 (same contact and definition, verified, later); 7 is pending
    rule = CertificationExpiry({"days_before": 60})
    certifications = (
        held(5, 10, expires_in=20),
        held(6, 10, expires_in=700),
        held(7, 11, verified=False, expires_in=5),
    )
    # when / then
    assert rule.evaluate(facts(certifications=certifications)) == []


def test_expiry_needs_its_notice_days():
    # when
    rules, errors = build_rules([{"kind": "certification_expiry", "params": {}}])
    # then
    assert rules == []
    assert errors == {"0": {"params": {"days_before": ["This field is required."]}}}
    assert CertificationExpiry({"days_before": 30}).describe() == (
        "When a verified certification expires within 30 days: tell the partner and ask the owner to get it renewed"
    )
