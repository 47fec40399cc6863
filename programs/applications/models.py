"""Applications to become a partner, sent from the public page and vetted by managers.

An application creates a prospect partner at once (so the timeline, events and, on approval,
onboarding all work on one partner row from the start) and keeps what the applicant typed, which
the partner's profile may later drift from. ``domain`` is the registrable domain of the website
(programs.deals.matching), indexed, so duplicate applications of one company are an index lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField

from partners.models import Partner


class PartnerApplication(models.Model):
    """A company asking to become a partner, and the manager's vetting of it.

    ``is_duplicate`` is set when another application of the same domain came first
    (``duplicate_of``) or an existing partner's website has that domain (``duplicate_partner``);
    both keep the first one found, and the detail page lists every other one.
    """

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # the one place that says which state may follow which
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.RECEIVED: frozenset({State.IN_REVIEW, State.APPROVED, State.REJECTED}),
        State.IN_REVIEW: frozenset({State.APPROVED, State.REJECTED}),
        State.APPROVED: frozenset(),
        State.REJECTED: frozenset(),
    }
    OPEN_STATES = (State.RECEIVED, State.IN_REVIEW)

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="applications")
    company = models.CharField(max_length=200)
    company_key = models.CharField(max_length=200, help_text="The company name in normal form (matching).")
    website = models.URLField(max_length=200)
    domain = models.CharField(max_length=253, help_text="The website's registrable domain, in ASCII (matching).")
    country = CountryField()
    requested_type = models.CharField(max_length=16, choices=Partner.Type.choices)
    verticals = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    regions = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(max_length=254)
    contact_phone = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True, max_length=5000)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECEIVED)
    vetter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, max_length=2000)
    is_duplicate = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    invitation_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="The invitation sent to the contact on approval."
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # the queue: open applications oldest first, whatever else filters them
            models.Index(fields=["created_at", "id"], name="application_age"),
            models.Index(fields=["state", "created_at", "id"], name="application_state_age"),
            models.Index(fields=["vetter", "created_at", "id"], name="application_vetter_age"),
            models.Index(fields=["created_at", "id"], name="application_duplicate_age", condition=Q(is_duplicate=True)),
            # duplicates of a company, and the search by domain or by a name's beginning
            models.Index(fields=["domain", "created_at"], name="application_domain"),
            models.Index(fields=["company_key"], name="application_company_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["partner"], name="application_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""), name="application_rejected_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_state_display()})"

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
