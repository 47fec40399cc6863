"""Words of the demo timeline: what partners talk about, and why their status changed.

Templates take ``{c}`` (a contact's name), ``{topic}``, ``{doc}``, ``{vertical}`` and ``{q}`` (a
quarter such as Q3). Status messages follow the services' wording, so demo rows read like real ones.
"""

TYPE_LABELS = {
    "business": "Business",
    "financial": "Financial",
    "technology": "Technology",
    "sales": "Sales",
    "channel": "Channel",
    "support": "Support",
}

TOPICS: dict[str, tuple[str, ...]] = {
    "channel": ("the {q} pipeline", "deal registration rules", "the reseller agreement renewal", "a joint campaign",
                "their MDF request", "discount tiers", "the new price list", "certification of two engineers",
                "a competitive displacement deal", "lead follow-up times"),
    "sales": ("the {q} forecast", "deal registration rules", "a large {vertical} opportunity", "pricing approval",
              "the quota for {q}", "a stalled deal", "sales enablement sessions", "referral fees"),
    "technology": ("the API integration roadmap", "a joint reference architecture", "connector certification",
                   "single sign-on integration", "release compatibility", "the marketplace listing",
                   "a co-developed {vertical} feature", "security review findings"),
    "support": ("the escalation process", "the SLA review", "the ticket backlog", "knowledge base access",
                "on-call handover", "first-response times", "a major incident review", "support tooling"),
    "business": ("co-selling opportunities", "the annual partnership plan", "executive sponsorship",
                 "a joint event in {q}", "market expansion into {vertical}", "a customer reference story"),
    "financial": ("the credit line renewal", "leasing terms for customers", "the quarterly financial review",
                  "payment terms", "a financing offer for {vertical} customers", "covenant reporting"),
}  # fmt: skip

DOCS = ("the partner onboarding guide", "the updated price list", "the co-marketing kit", "the certification schedule",
        "the {q} enablement plan", "a contract draft", "the partner program guide", "the {vertical} playbook",
        "the joint business plan")  # fmt: skip

WITH_CONTACT = {
    "meeting": ("Quarterly business review with {c}", "Workshop with {c} on {topic}", "Met {c} to discuss {topic}",
                "Joint account planning with {c} ({vertical})", "Executive sponsor meeting with {c}"),
    "call": ("Call with {c} about {topic}", "Check-in call with {c}", "{c} called about {topic}",
             "Pipeline review call with {c}"),
    "email": ("Sent {doc} to {c}", "E-mail from {c} about {topic}", "Followed up with {c} on {topic}",
              "Asked {c} for an update on {topic}"),
    "note": ("{c} is the best way in for {topic}", "{c} prefers quarterly reviews over monthly calls",
             "{c} will be out until next month", "{c} asked for help with {topic}"),
}  # fmt: skip
WITHOUT_CONTACT = {
    "meeting": ("Internal account review: {topic}", "Kick-off meeting: {topic}"),
    "call": ("Introductory call about {topic}", "Call about {topic}"),
    "email": ("Sent {doc}", "Introductory e-mail about {topic}"),
    "note": ("Interested in {topic}", "Budget for {topic} confirmed", "Risk: no progress on {topic}",
             "Good feedback on {topic}", "Strong presence in {vertical}"),
}  # fmt: skip

# reasons, by the status a partner ends up in; "" means none given
ACTIVATION_REASONS = ("", "", "onboarding complete", "checklist done")
TERMINATION_REASONS = ("contract ended", "acquired by another company", "did not meet program requirements",
                       "partner requested termination", "no longer a strategic fit")  # fmt: skip
DISQUALIFICATION_REASONS = ("not qualified", "no response", "joined a competitor's program")
INACTIVITY_DAYS = 90  # partners_mark_inactive's wording: "no activity for 90 days"


def describe(*, type_label: str, country: str, regions: str, verticals: str) -> str:
    """One sentence about the partner, e.g. for the profile page."""
    return f"{type_label} partner headquartered in {country}, working in {regions}, focused on {verticals}."
