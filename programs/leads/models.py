"""Leads, the offers made to partners for them, every routing decision, and the routing settings
administrators edit: the ordered rules, the weights, capacity and SLA per partner type, and which
region a lead's country belongs to."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Upper
from django.utils import timezone
from django_countries.fields import CountryField

from partners.models import Partner, Region, Vertical


class Lead(models.Model):
    """A prospective customer handed to one partner at a time.

    ``partner`` is the partner the lead is offered to or that accepted it (None while routing,
    declined or in the manual queue); ``offered_at``/``respond_by`` mirror its pending offer.
    Moves between statuses follow TRANSITIONS.
    """

    class Status(models.TextChoices):
        ROUTING = "routing", "Routing"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        MANUAL = "manual", "Manual queue"
        CONVERTED = "converted", "Converted"
        CLOSED = "closed", "Closed"

    class Size(models.TextChoices):
        MICRO = "1-9", "1–9 employees"
        SMALL = "10-49", "10–49 employees"
        MEDIUM = "50-249", "50–249 employees"
        LARGE = "250-999", "250–999 employees"
        ENTERPRISE = "1000-4999", "1,000–4,999 employees"
        GLOBAL = "5000+", "5,000 or more employees"

    # the one place that says which status may follow which; an offer that lapses or is declined
    # goes back through routing, so OFFERED may follow OFFERED (the next partner)
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.ROUTING: frozenset({Status.OFFERED, Status.MANUAL, Status.CLOSED}),
        Status.OFFERED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.OFFERED, Status.MANUAL, Status.CLOSED}),
        Status.DECLINED: frozenset({Status.OFFERED, Status.MANUAL, Status.CLOSED}),
        Status.MANUAL: frozenset({Status.OFFERED, Status.CLOSED}),
        Status.ACCEPTED: frozenset({Status.CONVERTED, Status.CLOSED}),
        Status.CONVERTED: frozenset(),
        Status.CLOSED: frozenset(),
    }
    OPEN_STATUSES = (Status.OFFERED, Status.ACCEPTED)  # what counts against a partner's capacity
    WAITING_STATUSES = (Status.ROUTING, Status.DECLINED)  # waiting for the router
    # what a partner's login sees of its own leads
    PARTNER_STATUSES = (Status.OFFERED, Status.ACCEPTED, Status.CONVERTED, Status.CLOSED)

    company = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    country = CountryField()
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    vertical = models.ForeignKey(Vertical, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    size = models.CharField(max_length=16, choices=Size.choices, blank=True)
    source = models.CharField(max_length=50, blank=True, help_text="Where the lead came from: web, event, …")
    notes = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ROUTING)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="lead_status_recent"),
            models.Index(fields=["partner", "-created_at"], name="lead_partner_recent"),
            models.Index(fields=["country", "-created_at"], name="lead_country_recent"),
            models.Index(fields=["source", "-created_at"], name="lead_source_recent"),
            models.Index(fields=["-created_at", "-id"], name="lead_recent"),
            # ?search=: the beginning of the company name, whatever its case (Django's istartswith
            # compares UPPER(company::text))
            models.Index(
                OpClass(Upper(Cast("company", output_field=models.TextField())), name="text_pattern_ops"),
                name="lead_company_prefix",
            ),
            # an import finds the leads it brought before by their contact's e-mail
            models.Index(fields=["contact_email"], name="lead_contact_email", condition=~Q(contact_email="")),
            # the SLA job: offers whose time is up
            models.Index(fields=["respond_by"], name="lead_offered_due", condition=Q(status="offered")),
            # the sweep: leads left waiting for the router (the broker was down)
            models.Index(fields=["updated_at"], name="lead_waiting", condition=Q(status__in=["routing", "declined"])),
            # capacity: each partner's open leads
            models.Index(fields=["partner"], name="lead_partner_open", condition=Q(status__in=["offered", "accepted"])),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(partner__isnull=False, respond_by__isnull=False),
                name="lead_offered_has_partner",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["routing", "declined", "manual"]) | Q(partner__isnull=True),
                name="lead_waiting_has_no_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_status_display()})"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class LeadRouting(models.Model):
    """One routing decision, kept for the record: the rules applied, the candidates left after each
    step (ids, capped, with the full count), the final pool's size and total weight with the
    candidates next in line and their passes (capped), whom it chose and why. Staff read it on the
    lead; partners never do."""

    class Trigger(models.TextChoices):
        CREATED = "created", "Lead created"
        DECLINED = "declined", "Declined by a partner"
        BREACHED = "breached", "SLA breached"
        MANUAL = "manual", "Assigned by a manager"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="routings", db_index=False)
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    chosen = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    steps = models.JSONField(default=list, blank=True)
    pool = models.JSONField(
        default=list,
        blank=True,
        help_text="The final pool: size, total weight, the chosen one's pass, the next in line.",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["lead_id", "created_at", "id"]
        indexes = [models.Index(fields=["lead", "created_at", "id"], name="lead_routing_time")]

    def __str__(self) -> str:
        return f"routing of lead {self.lead_id} → {self.chosen_id or 'manual queue'}"


class LeadOffer(models.Model):
    """A lead offered to one partner, and what became of it. At most one offer per lead and
    partner (never offered twice) and one pending offer per lead; a breached offer is the row
    that SLA metrics count."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        BREACHED = "breached", "Not answered in time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers", db_index=False)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="lead_offers", db_index=False)
    routing = models.ForeignKey(LeadRouting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["lead_id", "offered_at", "id"]
        indexes = [
            # metrics: a partner's accepted, declined and breached offers in a window
            models.Index(fields=["partner", "outcome", "responded_at"], name="lead_offer_partner_outcome"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lead", "partner"], name="lead_offer_once_per_partner"),
            models.UniqueConstraint(fields=["lead"], condition=Q(outcome="pending"), name="lead_offer_one_pending"),
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} → partner {self.partner_id} ({self.outcome})"


class LeadRoutingRule(models.Model):
    """One step of lead routing, applied in ``position`` order. A required rule that leaves no
    candidate sends the lead to the manual queue; an optional one is skipped when it would."""

    class Field(models.TextChoices):
        REGION = "region", "Region (the partner covers the lead's region or a region above it)"
        VERTICAL = "vertical", "Vertical (the partner serves the lead's vertical)"
        COUNTRY = "country", "Country (the partner's HQ is in the lead's country)"
        PARTNER_TYPE = "partner_type", "Partner type (one of the values)"
        ENGAGEMENT = "engagement", "Engagement level (one of the values)"

    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=100)
    field = models.CharField(max_length=16, choices=Field.choices)
    required = models.BooleanField(default=True, help_text="Off: preferred, skipped when it would leave nobody.")
    values = ArrayField(
        models.CharField(max_length=32),
        default=list,
        blank=True,
        help_text="For partner type and engagement rules: the accepted values.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self) -> None:
        """Type and engagement rules list known values; the others take theirs from the lead."""
        known = {self.Field.PARTNER_TYPE: Partner.Type.values, self.Field.ENGAGEMENT: Partner.Engagement.values}
        if self.field in known:
            wrong = [value for value in self.values if value not in known[self.field]]
            if wrong or not self.values:
                raise ValidationError({"values": [f"Give one or more of: {', '.join(known[self.field])}."]})
        elif self.values:
            raise ValidationError({"values": ["This rule matches the lead's own value; leave the values empty."]})


class LeadWeight(models.Model):
    """How large a share of leads a partner of an engagement level gets in the weighted round robin."""

    engagement = models.CharField(max_length=16, choices=Partner.Engagement.choices, unique=True)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)])

    class Meta:
        ordering = ["engagement"]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.weight}"


class LeadPolicy(models.Model):
    """Per partner type: how many open (offered or accepted) leads a partner holds at most, and
    how many hours it has to accept or decline an offer."""

    partner_type = models.CharField(max_length=16, choices=Partner.Type.choices, unique=True)
    capacity = models.PositiveSmallIntegerField(default=20, validators=[MinValueValidator(1)])
    respond_hours = models.PositiveSmallIntegerField(default=48, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["partner_type"]
        verbose_name_plural = "lead policies"

    def __str__(self) -> str:
        return f"{self.partner_type}: {self.capacity} open leads, {self.respond_hours} h to respond"


class LeadCredit(models.Model):
    """A partner's pass in the weighted round robin (stride scheduling, programs.leads.routing):
    the candidate with the lowest pass is offered the next lead and its pass grows by its stride.
    A row is written when the partner is chosen, only under the routing lock; no row means 0."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, primary_key=True, related_name="+")
    pass_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"partner {self.partner_id}: pass {self.pass_value}"


class LeadCountryRegion(models.Model):
    """Which region a lead from a country belongs to, when the lead does not say (DE → DACH)."""

    country = CountryField(unique=True)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country} → {self.region_id}"
