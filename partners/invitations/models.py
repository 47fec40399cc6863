"""Invitations: a link e-mailed to a future login, accepted once, before it expires.

The model lives in the ``partners`` app (partners.models imports it), so its table and migrations
stay where they were.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

INVITATION_DAYS = 7


def _expiry():
    return timezone.now() + timedelta(days=INVITATION_DAYS)


class InvitationQuerySet(models.QuerySet):
    def in_states(self, states, *, now=None) -> InvitationQuerySet:
        """The invitations in any of ``states`` (values of Invitation.State), as ``Invitation.state``
        decides one row's: the same rules, as a filter."""
        now = now or timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        conditions = {
            Invitation.State.PENDING: open_ & Q(expires_at__gt=now),
            Invitation.State.EXPIRED: open_ & Q(expires_at__lte=now),
            Invitation.State.ACCEPTED: Q(accepted_at__isnull=False),
            Invitation.State.WITHDRAWN: Q(accepted_at__isnull=True, revoked_at__isnull=False),
        }
        condition = Q(pk__in=[])
        for state in states:
            condition |= conditions[state]
        return self.filter(condition)


class Invitation(models.Model):
    """An offer of a login with a role: a staff role (``partner`` null) or a partner role at ``partner``.

    With ``user`` set, the login exists already (created for the person, e.g. by POST /api/v1/users/)
    and accepting sets its password; otherwise accepting creates the login. The e-mailed link
    carries a signed token naming this row; the row decides whether it is still good (not
    accepted, not revoked, not expired).
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "Administrator"
        MANAGER = "manager", "Partner manager"
        ANALYST = "analyst", "Analyst"
        PARTNER_ADMIN = "partner_admin", "Partner admin"
        PARTNER_MEMBER = "partner_member", "Partner member"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="set_password_invitations",
        help_text="The login whose password accepting sets; empty when accepting creates the login.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="invitation_partner_time")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=["admin", "manager", "analyst"], partner__isnull=True)
                    | models.Q(role__in=["partner_admin", "partner_member"], partner__isnull=False)
                ),
                name="invitation_role_matches_partner",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} ({self.role})"

    @property
    def state(self) -> str:
        """Where it stands: accepted, withdrawn, expired, or pending (its link still works)."""
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.revoked_at is not None:
            return self.State.WITHDRAWN
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING
