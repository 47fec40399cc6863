"""Who the partners are: organisations, their regions and verticals, contacts and timeline."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField
from knox.models import AbstractAuthToken

from partners.querysets import PartnerQuerySet

EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9._:~-]{1,100}$"
# scheme, "www." and the host of a URL; the host (group 3) is what a domain search matches
WEBSITE_HOST_PATTERN = r"^([a-z][a-z0-9+.-]*://)?(www\.)?([^/:?#]*).*$"


class Region(models.Model):
    """A node of the region tree (GLOBAL → AMER → NA …); partners store region codes."""

    # upper case, so codes never collide with vertical slugs in Partner.facets
    code = models.CharField(
        max_length=16,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9_]*$", "Upper-case letters and digits.")],
    )
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Vertical(models.Model):
    """An industry a partner has competencies in."""

    slug = models.SlugField(
        max_length=50,
        primary_key=True,
        validators=[RegexValidator(r"^[a-z0-9-]+$", "Lower-case letters, digits, hyphens.")],
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A partner organisation. Terminated partners are kept for history, never deleted.

    Region codes and vertical slugs are arrays with GIN indexes: the list filters become
    index lookups and a page of partners needs no join or prefetch to show them.
    """

    class Type(models.TextChoices):
        BUSINESS = "business", "Business"
        FINANCIAL = "financial", "Financial"
        TECHNOLOGY = "technology", "Technology"
        SALES = "sales", "Sales"
        CHANNEL = "channel", "Channel"
        SUPPORT = "support", "Support"

    class Status(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        TERMINATED = "terminated", "Terminated"

    class Engagement(models.TextChoices):
        ARMS_LENGTH = "arms_length", "Arm's length"
        COLLABORATIVE = "collaborative", "Collaborative"
        STRATEGIC = "strategic", "Strategic"

    # the one place that says which status may follow which
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PROSPECT: frozenset({Status.ONBOARDING, Status.TERMINATED}),
        Status.ONBOARDING: frozenset({Status.ACTIVE, Status.PROSPECT, Status.TERMINATED}),
        Status.ACTIVE: frozenset({Status.INACTIVE, Status.TERMINATED}),
        Status.INACTIVE: frozenset({Status.ACTIVE, Status.TERMINATED}),
        Status.TERMINATED: frozenset({Status.PROSPECT}),
    }

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    # an integration's own id for the partner (its CRM record, say), unique when set, so it can
    # upsert with PUT /api/v1/partners/by-external-id/<external_id>/
    external_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(EXTERNAL_ID_PATTERN, "Use letters, digits and . _ : ~ - (at most 100).")],
    )
    website = models.URLField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    type = models.CharField(max_length=16, choices=Type.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROSPECT)
    engagement = models.CharField(max_length=16, choices=Engagement.choices, default=Engagement.COLLABORATIVE)
    country = CountryField()
    regions = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    verticals = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_partners"
    )
    health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change; the API's ETag.")
    # every filterable value in one indexed array: "type:channel", "status:active",
    # "engagement:strategic", region codes (upper case) and vertical slugs (lower case), so
    # one GIN index scan answers any combination of the list filters
    facets = models.GeneratedField(
        expression=RawSQL(
            "ARRAY['type:' || type, 'status:' || status, 'engagement:' || engagement]::varchar[]"
            " || regions || verticals",
            (),
        ),
        output_field=ArrayField(models.CharField(max_length=64)),
        db_persist=True,
    )
    # the website's host without "www." is a word of its own, so "acme.com" finds https://www.acme.com/about
    search_document = models.GeneratedField(
        expression=SearchVector(
            "name",
            "legal_name",
            "website",
            Func(Lower("website"), Value(WEBSITE_HOST_PATTERN), Value(r"\3"), function="regexp_replace"),
            config="simple",
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # the website's host in lower case without "www." (https://www.Acme.com/about → acme.com),
    # which a CSV import matches rows on when they carry no external_id
    domain = models.GeneratedField(
        expression=Func(Lower("website"), Value(WEBSITE_HOST_PATTERN), Value(r"\3"), function="regexp_replace"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        # partner managers change the partners they own; this lets one change all of them
        # (partners.roles.can_change_partner); admins hold every permission
        permissions = [("manage_all_partners", "Can change every partner, not only those they own")]
        indexes = [
            models.Index(fields=["type", "name"], name="partner_type_name"),
            models.Index(fields=["status", "name"], name="partner_status_name"),
            GinIndex(fields=["facets"], name="partner_facets_gin"),
            models.Index(fields=["owner", "name"], name="partner_owner_name"),
            models.Index(fields=["name", "id"], name="partner_name_id"),
            models.Index(fields=["created_at"], name="partner_created"),
            models.Index(fields=["updated_at"], name="partner_updated"),
            models.Index(fields=["health_score"], name="partner_health"),
            models.Index(fields=["status", "last_activity_at"], name="partner_status_activity"),
            GinIndex(fields=["search_document"], name="partner_search_gin"),
            # the dashboard's counts (selectors.partner_summary): one index-only scan, grouped
            models.Index(fields=["type", "status", "regions"], name="partner_summary"),
            models.Index(fields=["domain"], name="partner_domain"),
        ]

    def __str__(self) -> str:
        return self.name

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class Contact(models.Model):
    """A person at a partner. At most one primary contact per partner, enforced by the database."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SALES = "sales", "Sales"
        TECHNICAL = "technical", "Technical"
        BILLING = "billing", "Billing"
        EXECUTIVE = "executive", "Executive"

    # indexed by contact_email_unique_per_partner, which starts with the partner
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SALES)
    search_document = models.GeneratedField(
        expression=SearchVector("name", "email", config="simple"), output_field=SearchVectorField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=models.Q(role="primary"), name="contact_one_primary_per_partner"
            ),
            models.UniqueConstraint(fields=["partner", "email"], name="contact_email_unique_per_partner"),
        ]
        indexes = [GinIndex(fields=["search_document"], name="contact_search_gin")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_primary(self) -> bool:
        return self.role == self.Role.PRIMARY


class Activity(models.Model):
    """One entry of a partner's timeline; written by the service that made the change."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        STATUS_CHANGED = "status_changed", "Status changed"
        CONTACT_ADDED = "contact_added", "Contact added"
        CONTACT_UPDATED = "contact_updated", "Contact updated"
        CONTACT_REMOVED = "contact_removed", "Contact removed"
        NOTE = "note", "Note"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"
        DEAL = "deal", "Deal"
        LEAD = "lead", "Lead"
        TIER = "tier", "Tier"
        CERTIFICATION = "certification", "Certification"
        APPLICATION = "application", "Application"
        AGREEMENT = "agreement", "Agreement"
        ONBOARDING = "onboarding", "Onboarding"

    # indexed by activity_partner_time, which starts with the partner
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="activities", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["partner", "-created_at", "-id"], name="activity_partner_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.kind}: {self.message}"


class PartnerUser(models.Model):
    """A login that belongs to one partner organisation, with its role there."""

    class Role(models.TextChoices):
        PARTNER_ADMIN = "partner_admin", "Partner admin"
        PARTNER_MEMBER = "partner_member", "Partner member"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_user")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="users")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PARTNER_MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner_id", "user_id"]
        indexes = [models.Index(fields=["partner", "role"], name="partner_user_partner_role")]

    def __str__(self) -> str:
        return f"{self.user} at {self.partner} ({self.get_role_display()})"


class AuditEvent(models.Model):
    """Who did what to whose access: log-ins, failed log-ins, deactivations, role changes.

    Rows are only ever added; admins read them in the admin site.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed log-in"
        LOGOUT = "logout", "Logged out"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"
        ROLE_CHANGED = "role_changed", "Role changed"
        INVITATION_SENT = "invitation_sent", "Invitation sent"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
        USER_CREATED = "user_created", "User created"
        USER_REACTIVATED = "user_reactivated", "User reactivated"
        USER_RENAMED = "user_renamed", "User renamed"
        API_TOKEN_CREATED = "api_token_created", "API token created"
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"

    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identifier = models.CharField(max_length=254, blank=True, help_text="The e-mail tried, for failed log-ins.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_time"),
            models.Index(fields=["subject", "-created_at"], name="audit_subject_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.identifier or self.subject_id}"


class ApiToken(AbstractAuthToken):
    """A knox token with a label, so a user can tell its integrations apart and revoke one."""

    name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "API token"
        indexes = [models.Index(fields=["token_key"])]

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.token_key}…) of {self.user}"


from partners.invitations.models import Invitation  # noqa: E402,F401
from partners.records.models import Agreement, BusinessReview, PartnerDocument, ReportedMetric  # noqa: E402,F401
