"""Deal registrations, the conflicts found between them, their history, and how long approval
protects a customer for each partner type."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.models import Partner


class Deal(models.Model):
    """An opportunity a partner registers to have the customer protected for it.

    ``customer_domain`` and ``company_key`` are the normal forms of programs.deals.matching, each
    indexed with the state and the protection's end, so the conflict check on every registration is
    an index lookup however many registrations there are. Moves between states follow TRANSITIONS.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        EXPIRED = "expired", "Expired"

    class Stage(models.TextChoices):
        QUALIFY = "qualify", "Qualify"
        DEVELOP = "develop", "Develop"
        PROPOSE = "propose", "Propose"
        NEGOTIATE = "negotiate", "Negotiate"

    # the one place that says which state may follow which
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.SUBMITTED: frozenset({State.APPROVED, State.REJECTED, State.EXPIRED}),
        State.APPROVED: frozenset({State.WON, State.LOST, State.EXPIRED}),
        State.REJECTED: frozenset(),
        State.WON: frozenset(),
        State.LOST: frozenset(),
        State.EXPIRED: frozenset(),
    }
    OPEN_STATES = (State.SUBMITTED, State.APPROVED)

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="deals")
    customer_company = models.CharField(max_length=200)
    company_key = models.CharField(max_length=200, help_text="The company name in normal form (matching).")
    customer_domain = models.CharField(max_length=253, help_text="The registrable domain, in ASCII (matching).")
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    expected_close_on = models.DateField()
    products = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.QUALIFY)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    # set on approval; a protected deal refuses other partners' registrations of its customer
    protected_until = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="When the end of protection was announced.")
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    closed_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the conflict check: open registrations of a customer, by domain or by company key
            models.Index(
                fields=["customer_domain", "created_at"],
                name="deal_open_domain",
                condition=Q(state__in=["submitted", "approved"]),
            ),
            models.Index(
                fields=["company_key", "created_at"],
                name="deal_open_company",
                condition=Q(state__in=["submitted", "approved"]),
            ),
            models.Index(fields=["partner", "-created_at"], name="deal_partner_recent"),
            models.Index(fields=["state", "-created_at"], name="deal_state_recent"),
            # the lists: newest first, registration dates, search by a name's beginning or a domain
            # whatever the state, the stage filter and each ?ordering= (each ends on the id)
            models.Index(fields=["-created_at", "-id"], name="deal_recent"),
            models.Index(fields=["company_key"], name="deal_company_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["customer_domain", "id"], name="deal_domain"),
            models.Index(fields=["stage", "-created_at"], name="deal_stage_recent"),
            models.Index(fields=["expected_close_on", "id"], name="deal_expected_close"),
            models.Index(fields=["amount", "id"], name="deal_amount"),
            models.Index(fields=["customer_company", "id"], name="deal_customer_name"),
            models.Index(fields=["protected_until", "id"], name="deal_protected_until"),
            # the expiry job: approved deals whose protection ends
            models.Index(fields=["protected_until"], name="deal_protection_end", condition=Q(state="approved")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(protected_until__isnull=False), name="deal_approved_is_protected"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_company} ({self.get_state_display()}) by {self.partner_id}"

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    def is_protected(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.APPROVED and self.protected_until is not None and self.protected_until > now


class DealConflict(models.Model):
    """Another partner's open registration of the same customer, found when ``deal`` was submitted,
    with the evidence: which fields matched and the products in common."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="conflicts")
    other = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    matched = ArrayField(models.CharField(max_length=16), help_text="domain, company, products")
    products = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deal_id", "other_id"]
        constraints = [models.UniqueConstraint(fields=["deal", "other"], name="deal_conflict_once")]

    def __str__(self) -> str:
        return f"deal {self.deal_id} ~ deal {self.other_id} ({', '.join(self.matched)})"


class DealHistory(models.Model):
    """One change of a deal: who, what, from which state to which, and why."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="history", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deal_id", "created_at", "id"]
        verbose_name_plural = "deal histories"
        indexes = [models.Index(fields=["deal", "created_at", "id"], name="deal_history_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.action} of deal {self.deal_id}"


class DealProtection(models.Model):
    """How many days approval protects a customer, per partner type; admins edit it (program tiers
    will override it)."""

    partner_type = models.CharField(max_length=16, choices=Partner.Type.choices, unique=True)
    days = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(1)])
    reminder_days = models.PositiveSmallIntegerField(default=14, help_text="Days before the end to remind.")

    class Meta:
        ordering = ["partner_type"]

    def __str__(self) -> str:
        return f"{self.partner_type}: {self.days} days"
