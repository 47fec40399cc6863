"""Writes of partner applications: submit (public), assign a vetter, approve, reject.

Concurrency: a submission takes a transaction-level advisory lock on its registrable domain, so
two applications of one company sent at the same moment are checked one after the other and the
second is flagged as the duplicate of the first. A decision locks the application row, so two
managers deciding at once decide once; the loser gets InvalidApplicationTransition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_countries import countries

from partners.invitations.services import invitation_send
from partners.models import Contact, Partner
from partners.reference import reference
from partners.roles import Role, role_of
from partners.services import contact_add, partner_change_status, partner_create, partner_update
from prm.errors import Conflict, FieldErrors
from prm.mail import email_queue
from programs.applications.events import application_changed
from programs.applications.models import PartnerApplication
from programs.deals.matching import InvalidDomain, company_key, customer_domain
from programs.tiers.models import Program
from programs.tiers.services import membership_create

State = PartnerApplication.State
DECIDER_ROLES = (Role.ADMIN, Role.MANAGER)


class InvalidApplicationTransition(Conflict):
    code = "invalid_application_transition"


@dataclass(frozen=True)
class Submission:
    """An application's fields, checked and in normal form."""

    company: str
    website: str
    domain: str
    country: str
    requested_type: str
    verticals: list[str]
    regions: list[str]
    contact_name: str
    contact_email: str
    contact_phone: str
    message: str


def _line(value, limit: int) -> str:
    """One line of text: surrounding and repeated spaces (and line breaks) go."""
    return " ".join(str(value or "").split())[:limit]


def website_domain(website: str) -> str:
    """The registrable domain of an applicant's website (programs.deals.matching's normal form);
    InvalidDomain saying why for something that is not a company's website."""
    try:
        return customer_domain(website)
    except InvalidDomain as exc:
        raise InvalidDomain(str(exc).replace("customer's ", "company's ")) from None


def submission_errors(
    *,
    company: str,
    website: str,
    country: str,
    requested_type: str,
    verticals: Iterable[str],
    regions: Iterable[str],
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    message: str = "",
) -> tuple[Submission | None, dict[str, list[str]]]:
    """The application in normal form, or the field errors that refuse it: every field named by
    the public form, whoever calls (the page, a test, a later API)."""
    errors: dict[str, list[str]] = {}
    company = _line(company, 200)
    if not company:
        errors["company"] = ["Give your company's name."]
    raw_website = (website or "").strip()
    domain, url = "", ""
    try:
        domain = website_domain(raw_website)
    except InvalidDomain as exc:
        errors["website"] = [str(exc)]
    else:
        url = raw_website if "://" in raw_website else f"https://{raw_website}"
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["website"] = ["Give your company's website, such as https://example.com."]
        if len(url) > 200:
            errors["website"] = ["At most 200 characters."]
    country = (country or "").strip().upper()
    if country not in dict(countries):
        errors["country"] = ["Choose the country of your headquarters."]
    if requested_type not in Partner.Type.values:
        errors["requested_type"] = [f"Choose one of: {', '.join(Partner.Type.values)}."]
    ref = reference()
    verticals = list(dict.fromkeys(verticals or ()))
    regions = list(dict.fromkeys(regions or ()))
    unknown = sorted(set(verticals) - set(ref.verticals))
    if unknown:
        errors["verticals"] = [f"Unknown vertical: {', '.join(unknown)}."]
    unknown = sorted(set(regions) - set(ref.regions))
    if unknown:
        errors["regions"] = [f"Unknown region: {', '.join(unknown)}."]
    contact_name = _line(contact_name, 200)
    if not contact_name:
        errors["contact_name"] = ["Give the name of the person we should talk to."]
    contact_email = (contact_email or "").strip().lower()
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = ["Give a valid e-mail address, such as jane@example.com."]
    if len(contact_email) > 254:
        errors["contact_email"] = ["At most 254 characters."]
    contact_phone = _line(contact_phone, 40)
    message = (message or "").strip()
    if len(message) > 5000:
        errors["message"] = ["At most 5,000 characters."]
    if errors:
        return None, errors
    return Submission(
        company, url, domain, country, requested_type, verticals, regions, contact_name, contact_email,
        contact_phone, message,
    ), {}  # fmt: skip


def _lock_domain(domain: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"application-domain:{domain}"])


def partners_with_domain(domain: str, *, exclude: Iterable[int] = ()) -> list[Partner]:
    """Partners whose website's registrable domain is ``domain`` (www. and subdomains ignored),
    oldest first, each confirmed with the normal form applications use. ``Partner.domain`` is the
    host without "www."; a subdomain host ("eu.acme.com") only matches by its suffix, which no
    B-tree index answers, so this reads the partners' domain column once: fine for a submission
    (rate-limited) and an application's page, not for a list."""
    rows = (
        Partner.objects.filter(Q(domain=domain) | Q(domain__endswith=f".{domain}"))
        .exclude(pk__in=list(exclude))
        .only("pk", "name", "website", "status")
        .order_by("pk")
    )
    found = []
    for partner in rows:
        try:
            if customer_domain(partner.website) == domain:
                found.append(partner)
        except InvalidDomain:
            continue
    return found


def application_submit(
    *,
    company: str,
    website: str,
    country: str,
    requested_type: str,
    verticals: Iterable[str],
    regions: Iterable[str],
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    message: str = "",
    client_ip: str | None = None,
    now=None,
) -> PartnerApplication:
    """Receive an application from the public page: in one transaction a prospect partner (with
    the contact as its primary contact), the application, the ``application.received`` event and
    timeline rows. FieldErrors for bad input; nothing is written then.

    Duplicates are flagged, not refused: another application of the same registrable domain
    (``duplicate_of``, the first one) or an existing partner with that domain
    (``duplicate_partner``). The domain's advisory lock makes simultaneous applications of one
    company see each other.
    """
    submission, errors = submission_errors(
        company=company,
        website=website,
        country=country,
        requested_type=requested_type,
        verticals=verticals,
        regions=regions,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        message=message,
    )
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        _lock_domain(submission.domain)
        now = now or timezone.now()  # after the lock: applications of one company are timed in the order they ran
        earlier = (
            PartnerApplication.objects.filter(domain=submission.domain).order_by("created_at", "id").only("pk").first()
        )
        existing = partners_with_domain(submission.domain)
        try:
            partner = partner_create(
                actor=None,
                name=submission.company,
                type=submission.requested_type,
                country=submission.country,
                website=submission.website,
                regions=submission.regions,
                verticals=submission.verticals,
                status=Partner.Status.PROSPECT,
            )
            contact_add(
                partner_id=partner.pk,
                actor=None,
                name=submission.contact_name,
                email=submission.contact_email,
                phone=submission.contact_phone,
                role=Contact.Role.PRIMARY,
            )
        except ValidationError as exc:  # the partner's own checks, in the form's names
            names = {"name": "company", "type": "requested_type", "email": "contact_email", "phone": "contact_phone"}
            raise FieldErrors(
                {names.get(field, field): messages for field, messages in exc.message_dict.items()}
            ) from exc
        application = PartnerApplication.objects.create(
            partner=partner,
            company=submission.company,
            company_key=company_key(submission.company),
            website=submission.website,
            domain=submission.domain,
            country=submission.country,
            requested_type=submission.requested_type,
            verticals=submission.verticals,
            regions=submission.regions,
            contact_name=submission.contact_name,
            contact_email=submission.contact_email,
            contact_phone=submission.contact_phone,
            message=submission.message,
            client_ip=client_ip or None,
            is_duplicate=earlier is not None or bool(existing),
            duplicate_of=earlier,
            duplicate_partner=existing[0] if existing else None,
            created_at=now,
        )
        application_changed(
            application=application, actor=None, type="application.received", message="Application received"
        )
    return application


def _decider_check(actor) -> None:
    if actor is None or not actor.is_active or role_of(actor) not in DECIDER_ROLES:
        raise PermissionDenied("Only partner managers and administrators vet applications.")


def _locked(application_id: int) -> PartnerApplication:
    return PartnerApplication.objects.select_for_update(of=("self",)).select_related("partner").get(pk=application_id)


def _move(application: PartnerApplication, state: str) -> str:
    if not application.can_move_to(state):
        allowed = ", ".join(sorted(PartnerApplication.TRANSITIONS[application.state])) or "none"
        raise InvalidApplicationTransition(
            f"An application that is {application.get_state_display().lower()} cannot become {state}; "
            f"allowed: {allowed}.",
            current=application.state,
        )
    old, application.state = application.state, state
    return old


def vetter_is_eligible(user) -> bool:
    """A vetter decides, so must be an active partner manager or administrator."""
    return bool(user is not None and user.is_active and user.is_staff and role_of(user) in DECIDER_ROLES)


@transaction.atomic
def application_assign(*, application_id: int, actor, vetter) -> PartnerApplication:
    """Give an open application a vetter (or none, with ``vetter`` None); a received application
    moves to in review. FieldErrors ``vetter`` for a login that cannot vet; locks the row."""
    _decider_check(actor)
    if vetter is not None and not vetter_is_eligible(vetter):
        raise FieldErrors({"vetter": ["Choose an active partner manager or administrator."]})
    application = _locked(application_id)
    if not application.is_open:
        raise InvalidApplicationTransition("A decided application keeps the vetter it had.", current=application.state)
    if application.vetter_id == (vetter.pk if vetter is not None else None):
        return application
    application.vetter = vetter
    if vetter is not None and application.state == State.RECEIVED:
        _move(application, State.IN_REVIEW)
    application.version = F("version") + 1
    application.save()
    application.refresh_from_db()
    who = (vetter.get_full_name() or vetter.email) if vetter is not None else "nobody"
    application_changed(application=application, actor=actor, message=f"Application assigned to {who}")
    return application


@dataclass(frozen=True)
class Approval:
    application: PartnerApplication
    invited: bool  # False when the contact's e-mail has a login already (nothing sent then)
    note: str = ""


@transaction.atomic
def application_approve(*, application_id: int, actor, request=None, now=None) -> Approval:
    """Approve an open application: the partner moves from prospect to onboarding (the onboarding
    slice reacts to that status change), gets the vetter (or the approver) as its owner if it had
    none, joins the active programs for its type at their entry tier, and the contact is invited
    as the partner's administrator (the e-mail leaves after the commit). Writes
    ``application.decided``. Locks the application, then the partner.

    A contact whose e-mail already has a login is not invited (invitations refuse that); the
    approval goes on and says so, for the manager to give that login access by hand.
    """
    _decider_check(actor)
    now = now or timezone.now()
    application = _locked(application_id)
    old = _move(application, State.APPROVED)
    partner = application.partner
    if partner.status not in (Partner.Status.ONBOARDING, Partner.Status.ACTIVE):  # moved on by hand meanwhile
        partner = partner_change_status(
            partner_id=partner.pk, actor=actor, status=Partner.Status.ONBOARDING, reason="application approved"
        )
    if partner.owner_id is None:
        owner = application.vetter if vetter_is_eligible(application.vetter) else actor
        partner_update(partner_id=partner.pk, actor=actor, owner=owner)
    for program in Program.objects.filter(is_active=True, partner_types__contains=[partner.type]).exclude(
        memberships__partner=partner
    ):  # the programs for its type take it in at their entry tier
        membership_create(
            partner_id=partner.pk,
            program_id=program.pk,
            actor=actor,
            reason="Joined on its application's approval.",
        )
    invited, note = True, ""
    try:
        invitation = invitation_send(
            actor=actor, email=application.contact_email, role=Role.PARTNER_ADMIN, partner=partner, request=request
        )
    except ValidationError as exc:
        invited, note = False, " ".join(exc.messages)
    else:
        application.invitation_id = invitation.pk
    application.decided_by, application.decided_at = actor, now
    application.version = F("version") + 1
    application.save()
    application.refresh_from_db()
    application.partner = partner
    application_changed(
        application=application,
        actor=actor,
        type="application.decided",
        message="Application approved" + ("" if invited else f" (contact not invited: {note})"),
        extra={"from_state": old, "invited": invited},
    )
    return Approval(application=application, invited=invited, note=note)


def rejection_email(application: PartnerApplication) -> EmailMessage:
    context = {"application": application}
    subject = render_to_string("applications/email/rejected_subject.txt", context).strip()
    body = render_to_string("applications/email/rejected_message.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[application.contact_email])


@transaction.atomic
def application_reject(*, application_id: int, actor, reason: str, now=None) -> PartnerApplication:
    """Reject an open application with a reason, which is e-mailed to the applicant.

    The prospect partner is terminated: kept with its timeline for history (terminated partners are
    never deleted and may be moved back to prospect), but out of the lists of live prospects, and
    an invitation to it could never be accepted. The e-mail is queued durably in this transaction
    under a key of its own (prm.mail): it is sent after the commit, once, however many times the
    sending task runs. Writes ``application.decided``. Locks the application, then the partner.
    """
    _decider_check(actor)
    reason = (reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": ["Say why the application is rejected; the applicant reads it."]})
    if len(reason) > 2000:
        raise FieldErrors({"reason": ["At most 2,000 characters."]})
    now = now or timezone.now()
    application = _locked(application_id)
    old = _move(application, State.REJECTED)
    application.decided_by, application.decided_at, application.rejection_reason = actor, now, reason
    application.version = F("version") + 1
    application.save()
    application.refresh_from_db()
    if application.partner.status == Partner.Status.PROSPECT:
        application.partner = partner_change_status(
            partner_id=application.partner_id,
            actor=actor,
            status=Partner.Status.TERMINATED,
            reason="application rejected",
        )
    email_queue(rejection_email(application), key=f"application-rejected:{application.pk}")
    application_changed(
        application=application,
        actor=actor,
        type="application.decided",
        message="Application rejected",
        extra={"from_state": old},
    )
    return application
