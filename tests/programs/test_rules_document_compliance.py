"""document_compliance: alerts for missing, expired or old documents, reminders to the partner."""

import json

import pytest

from programs.strategies.rules import Scope
from programs.strategies.rules.document_compliance import DocumentCompliance
from tests.programs.rule_facts import ago, ahead, document, facts


def test_each_missing_required_kind_gets_an_alert():
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc", "insurance", "nda"]})
    # when
    drafts = rule.evaluate(facts(documents=(document(kind="nda", issued_on=ago(10)),)))
    # then
    assert [(d.kind, d.title) for d in drafts] == [
        ("alert", "KYC document missing for Acme Health"),
        ("alert", "Insurance certificate missing for Acme Health"),
    ]
    assert drafts[0].dedupe == "document_compliance:7:kyc:missing:none"
    assert (
        drafts[1].explanation == "No insurance certificate is on file for the partner, and the strategy requires one."
    )


@pytest.mark.parametrize(("expires_in", "situation"), [(-1, "expired"), (0, "expiring")])
def test_a_document_is_valid_through_its_expiry_day(expires_in, situation):
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc"]})
    # when
    (draft,) = rule.evaluate(facts(documents=(document(id=4, expires_on=ahead(expires_in)),)))
    # then
    assert draft.evidence["situation"] == situation


def test_an_expired_document_raises_an_alert_for_the_owner():
    # when
    (draft,) = DocumentCompliance({"required_kinds": ["insurance"]}).evaluate(
        facts(documents=(document(id=4, kind="insurance", issued_on=ago(400), expires_on=ago(5)),))
    )
    # then: an expired document is not also reported as old
    assert draft.kind == "alert"
    assert draft.audience == "manager"
    assert draft.title == "Insurance certificate of Acme Health has expired"
    assert draft.explanation == "The newest insurance certificate expired on 2025-06-25, 5 days ago."
    assert draft.dedupe == "document_compliance:7:insurance:expired:4"
    json.dumps(draft.evidence)


@pytest.mark.parametrize(("expires_in", "expected"), [(31, 0), (30, 1), (29, 1)])
def test_the_partner_is_reminded_within_the_warning_window(expires_in, expected):
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc"], "warn_days_before_expiry": 30})
    # when
    drafts = rule.evaluate(facts(documents=(document(expires_on=ahead(expires_in)),)))
    # then
    assert len(drafts) == expected
    if drafts:
        assert drafts[0].kind == "notification"
        assert drafts[0].audience == "partner"
        assert drafts[0].title == "Please renew your KYC document"
        assert drafts[0].due_on == ahead(expires_in)


@pytest.mark.parametrize(("age", "expected"), [(365, 0), (366, 1)])
def test_a_document_older_than_max_age_days_raises_an_alert(age, expected):
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc"], "max_age_days": 365})
    # when
    drafts = rule.evaluate(facts(documents=(document(id=9, issued_on=ago(age)),)))
    # then
    assert len(drafts) == expected
    if drafts:
        assert drafts[0].kind == "alert"
        assert drafts[0].dedupe == "document_compliance:7:kyc:stale:9"
        assert drafts[0].explanation == (
            "The newest KYC document was issued on 2024-06-29, 366 days ago (maximum age: 365 days)."
        )


def test_only_the_newest_document_of_a_kind_is_judged():
    # given: last year's expired certificate was replaced by a current one
    documents = (
        document(id=1, kind="insurance", issued_on=ago(400), expires_on=ago(35)),
        document(id=2, kind="insurance", issued_on=ago(40), expires_on=ahead(325)),
    )
    # when
    drafts = DocumentCompliance({"required_kinds": ["insurance"]}).evaluate(facts(documents=documents))
    # then
    assert drafts == []


def test_dedupe_is_stable_and_changes_with_the_situation_and_the_document():
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc"]})

    def key(*docs, **overrides):
        return rule.evaluate(facts(documents=docs, **overrides))[0].dedupe

    # when
    expiring = key(document(id=4, expires_on=ahead(10)))
    expiring_next_day = key(document(id=4, expires_on=ahead(10)), today=ahead(1))
    expired = key(document(id=4, expires_on=ago(1)))
    replacement_expired = key(document(id=5, issued_on=ago(1), expires_on=ago(1)))
    # then
    assert expiring == expiring_next_day == "document_compliance:7:kyc:expiring:4"
    assert len({expiring, expired, replacement_expired}) == 3


def test_the_scope_limits_the_rule_to_matching_partners():
    # given
    rule = DocumentCompliance({"required_kinds": ["kyc"]}, Scope(engagement=("arms_length",), regions=("EMEA",)))
    # then
    assert len(rule.evaluate_if_in_scope(facts(engagement="arms_length"))) == 1
    assert rule.evaluate_if_in_scope(facts(engagement="arms_length", regions=("US", "NA", "AMER", "GLOBAL"))) == []
    assert rule.evaluate_if_in_scope(facts(engagement="strategic")) == []


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "required_kinds", "This field is required."),
        ({"required_kinds": []}, "required_kinds", "Choose at least 1 value."),
        ({"required_kinds": "kyc"}, "required_kinds", "Must be a list of non-empty text values."),
        (
            {"required_kinds": ["passport"]},
            "required_kinds",
            "Unknown value “passport”. Must be one of: kyc, insurance, nda, integration_certificate, "
            "support_certificate, data_processing_agreement.",
        ),
        ({"required_kinds": ["kyc"], "max_age_days": 29}, "max_age_days", "Must be a whole number from 30 to 3650."),
        (
            {"required_kinds": ["kyc"], "warn_days_before_expiry": 181},
            "warn_days_before_expiry",
            "Must be a whole number from 0 to 180.",
        ),
        ({"required_kinds": ["kyc"], "kinds": ["nda"]}, "kinds", "Unknown parameter."),
    ],
)
def test_invalid_params_are_reported_per_field(raw, field, message):
    # when
    params, errors = DocumentCompliance.params.validate(raw)
    # then
    assert params is None
    assert errors == {field: [message]}


def test_describe_states_the_rule_in_plain_language():
    # then
    assert DocumentCompliance({"required_kinds": ["kyc", "nda"]}).describe() == (
        "When a required document (KYC document, NDA) is missing or expired: "
        "alert the owner, and remind the partner 30 days before a document expires"
    )
    assert DocumentCompliance(
        {"required_kinds": ["insurance"], "max_age_days": 365, "warn_days_before_expiry": 0}
    ).describe() == (
        "When a required document (insurance certificate) is missing, expired or too old (older than 365 days): "
        "alert the owner, and remind the partner on the day a document expires"
    )


def test_asking_the_partner_adds_an_upload_request_for_each_alert():
    # given: KYC missing, insurance expired, NDA too old, support certificate expiring
    rule = DocumentCompliance(
        {
            "required_kinds": ["kyc", "insurance", "nda", "support_certificate"],
            "max_age_days": 365,
            "ask_partner": True,
        }
    )
    documents = (
        document(id=4, kind="insurance", issued_on=ago(400), expires_on=ago(5)),
        document(id=5, kind="nda", issued_on=ago(500)),
        document(id=6, kind="support_certificate", issued_on=ago(10), expires_on=ahead(10)),
    )
    # when
    drafts = rule.evaluate(facts(documents=documents))
    # then: each manager alert has its partner request; the expiry reminder stays one outcome
    asked = [(draft.title, draft.dedupe) for draft in drafts if draft.audience == "partner"]
    assert asked == [
        ("Please renew your support certificate", "document_compliance:7:support_certificate:expiring:6"),
        ("Please upload your KYC document", "document_compliance:7:kyc:missing:none:partner"),
        ("Please upload your renewed insurance certificate", "document_compliance:7:insurance:expired:4:partner"),
        ("Please upload a current NDA", "document_compliance:7:nda:stale:5:partner"),
    ]
    by_title = {draft.title: draft for draft in drafts}
    assert by_title["Please upload your renewed insurance certificate"].explanation == (
        "Your insurance certificate expired on 2025-06-25. "
        "Please upload a current one on the Documents page of the partner portal."
    )
    assert by_title["Please upload your KYC document"].kind == "notification"
    assert [draft.kind for draft in drafts if draft.audience == "manager"] == ["alert", "alert", "alert"]
    assert all("Acme Health" not in draft.title + draft.explanation for draft in drafts if draft.audience == "partner")


def test_without_asking_the_partner_alerts_reach_only_the_manager():
    # when
    drafts = DocumentCompliance({"required_kinds": ["kyc"]}).evaluate(facts())
    # then
    assert [(draft.kind, draft.audience) for draft in drafts] == [("alert", "manager")]


def test_describe_says_the_partner_is_asked_to_upload():
    # then
    assert DocumentCompliance({"required_kinds": ["kyc"], "ask_partner": True}).describe() == (
        "When a required document (KYC document) is missing or expired: alert the owner, and remind the partner "
        "30 days before a document expires; ask the partner to upload missing or out-of-date ones"
    )
