"""The manager portal's program pages: programs with their ladders, the ladder editor
(administrators), a program's members, a membership's live evaluation and history, and the
downgrade proposals to decide (the partner's own manager or an administrator)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners.models import Partner
from partners.roles import Role, can_change_partner, role_of
from partners.views.access import portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.deals.forms import ReasonForm
from programs.tiers import editing, selectors, services
from programs.tiers.filters import MembershipFilterSet
from programs.tiers.forms import MemberAddForm, ProgramForm, TierChangeForm, TierFormSet
from programs.tiers.models import DowngradeProposal, Membership, Program
from programs.tiers.views.display import (
    STATE_BADGES,
    benefits_in_words,
    partner_types_in_words,
    requirements_in_words,
)

PAGE_SIZE = 50
MEMBER_FILTERS = ("tier", "state", "search")
LADDER_HELP = (
    "Requirements never decrease with rank: a higher tier asks at least as much as every tier below it "
    "(revenue, won deals, certified people per vertical, agreement, health score). Benefits may be anything."
)


def _is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def _program_or_404(request: HttpRequest, program_id: int) -> Program:
    try:
        return selectors.program_get(user=request.user, program_id=program_id)
    except Program.DoesNotExist:
        raise Http404 from None


def _admin_only(request: HttpRequest) -> None:
    if not _is_admin(request.user):
        raise PermissionDenied


def _tier_rows(program: Program) -> list[dict]:
    return [
        {
            "tier": tier,
            "requirements": requirements_in_words(tier, program.currency),
            "benefits": benefits_in_words(tier, program.currency),
        }
        for tier in program.ladder
    ]


@portal_view
def program_list(request: HttpRequest) -> HttpResponse:
    """Every program with its partner types and its tiers' member counts: three queries."""
    programs = selectors.programs_with_tiers(user=request.user)
    for program in programs:
        program.types_in_words = partner_types_in_words(program.partner_types)
    return render(
        request, "tiers/portal/program_list.html", {"programs": programs, "is_admin": _is_admin(request.user)}
    )


@portal_view
def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    """A program and its ladder: each tier's requirements and benefits in words."""
    program = _program_or_404(request, program_id)
    context = {
        "program": program,
        "types": partner_types_in_words(program.partner_types),
        "rows": _tier_rows(program),
        "is_admin": _is_admin(request.user),
        "ladder_help": LADDER_HELP,
    }
    return render(request, "tiers/portal/program_detail.html", context)


def _program_form(request: HttpRequest, program: Program | None) -> HttpResponse:
    form = ProgramForm(request.POST or None, instance=program)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if program is None:
                    saved = editing.program_create(actor=request.user, **form.values())
                else:
                    saved = editing.program_update(program_id=program.pk, actor=request.user, **form.values())
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, f"{saved.name} is saved.")
                return redirect("program-tiers" if program is None else "program-detail", saved.pk)
    return render(request, "tiers/portal/program_form.html", {"form": form, "program": program}, status=status)


@portal_view(write=True)
def program_create(request: HttpRequest) -> HttpResponse:
    """A new program (administrators); its tiers come next, in the ladder editor."""
    _admin_only(request)
    return _program_form(request, None)


@portal_view(write=True)
def program_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    """Change a program's settings (administrators)."""
    _admin_only(request)
    return _program_form(request, _program_or_404(request, program_id))


def _formset_errors(forms: list, errors: dict) -> list[str]:
    """The ladder check's errors next to the fields of the forms they name (by position); what
    names no form is returned, for above the editor."""
    above = []
    for position, field_errors in errors.get("tiers", {}).items():
        if 0 <= position < len(forms):
            forms[position].add_service_errors(field_errors)
        else:
            above.extend(message for messages_ in field_errors.values() for message in messages_)
    for field, messages_ in errors.items():
        if field != "tiers":
            above.extend(messages_)
    return above


@portal_view(write=True)
def program_tiers(request: HttpRequest, program_id: int) -> HttpResponse:
    """The ladder editor: every tier of the program in one form, saved together or not at all,
    with the ladder check's errors next to the fields (administrators)."""
    _admin_only(request)
    program = _program_or_404(request, program_id)
    initial = [{"id": tier.pk, **editing.tier_values(tier)} for tier in program.ladder]
    formset = TierFormSet(request.POST or None, initial=initial, prefix="tiers")
    status, ladder_errors = 200, []
    if request.method == "POST":
        status = 400
        if formset.is_valid():
            forms = formset.ladder()
            try:
                editing.tiers_save(
                    program_id=program.pk, actor=request.user, tiers=[form.values() for form in forms],
                    delete=formset.deleted_ids(),
                )  # fmt: skip
            except FieldErrors as exc:
                ladder_errors = _formset_errors(forms, exc.errors)
            except DomainError as exc:  # a tier with members cannot go
                ladder_errors = [exc.message]
            else:
                messages.success(request, f"The tiers of {program.name} are saved.")
                return redirect("program-detail", program.pk)
    context = {"program": program, "formset": formset, "ladder_help": LADDER_HELP, "ladder_errors": ladder_errors}
    return render(request, "tiers/portal/program_tiers.html", context, status=status)


def _member_filters(request: HttpRequest) -> QueryDict:
    data = QueryDict(mutable=True)
    for key in MEMBER_FILTERS:
        value = request.GET.get(key, "").strip()
        if value:
            data[key] = value
    return data


def _partner_choices(program: Program) -> list[tuple]:
    """Partners of the program's types not yet in it, for the add form (the service refuses
    others anyway, with a clear error)."""
    partners = (
        Partner.objects.filter(type__in=program.partner_types)
        .exclude(status="terminated")
        .exclude(memberships__program=program)
        .order_by("name")
        .values_list("pk", "name")[:500]
    )
    return [("", "Choose a partner"), *partners]


def _members(request: HttpRequest, program: Program, *, add_form=None, status: int = 200) -> HttpResponse:
    data = _member_filters(request)
    members = MembershipFilterSet(
        data, selectors.membership_list(user=request.user).filter(program=program).order_by("partner__name", "id")
    )
    valid = members.is_valid()
    page = BoundedPaginator(members.qs if valid else Membership.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    may_add = role_of(request.user) in (Role.ADMIN, Role.MANAGER)
    if may_add and add_form is None:
        add_form = MemberAddForm(prefix="add", initial={"partner": request.GET.get("add", "")})
    if add_form is not None:
        add_form.fields["partner"].widget.choices = _partner_choices(program)
        add_form.fields["tier"].widget.choices = [("", "The entry tier"), *((t.pk, t.name) for t in program.ladder)]
    context = {
        "program": program,
        "page": page,
        "form": members.form,
        "tiers": program.ladder,
        "state_choices": Membership.State.choices,
        "badges": STATE_BADGES,
        "filtered": bool(data),
        "page_query": data.urlencode(),
        "add_form": add_form if may_add else None,
    }
    return render(request, "tiers/portal/program_members.html", context, status=status if valid else 400)


@portal_view
def program_members(request: HttpRequest, program_id: int) -> HttpResponse:
    """A program's members with tier, state (grace deadline), since and last review; filtered by
    tier, state and the partner's name; queries: the count, one page with partner and tier joined."""
    return _members(request, _program_or_404(request, program_id))


@require_POST
@portal_view(write=True)
def program_member_add(request: HttpRequest, program_id: int) -> HttpResponse:
    """Enrol a partner the manager manages; a partner of another type is refused with the reason."""
    program = _program_or_404(request, program_id)
    form = MemberAddForm(request.POST, prefix="add")
    if form.is_valid():
        partner = Partner.objects.filter(pk=form.cleaned_data["partner"]).first()
        if partner is None:
            form.add_error("partner", "Choose a partner.")
        elif not can_change_partner(request.user, partner):
            form.add_error("partner", f"Only {partner.name}'s manager or an administrator enrols it.")
        else:
            try:
                membership = services.membership_create(
                    partner_id=partner.pk, program_id=program.pk, tier_id=form.cleaned_data["tier"],
                    actor=request.user, reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            except DomainError as exc:  # not for its type, or a member already
                form.add_error("partner", exc.message)
            else:
                messages.success(request, f"{partner.name} joined {program.name} at {membership.tier.name}.")
                return redirect("membership-detail", membership.pk)
    return _members(request, program, add_form=form, status=400)


def _membership_or_404(request: HttpRequest, membership_id: int) -> Membership:
    membership = selectors.membership_list(user=request.user).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def _membership_page(request: HttpRequest, membership: Membership, *, form=None, status: int = 200) -> HttpResponse:
    evaluation = selectors.membership_evaluation(membership=membership)
    tiers = [
        {
            "tier": tier,
            "checks": evaluation.requirements(tier) if evaluation else (),
            "current": tier.id == membership.tier_id,
            "met": bool(evaluation) and all(check.met for check in evaluation.requirements(tier)),
        }
        for tier in (evaluation.membership.tiers if evaluation else ())
    ]
    may_decide = can_change_partner(request.user, membership.partner)
    if may_decide and form is None:
        form = TierChangeForm(prefix="change", initial={"expected_tier": membership.tier_id})
    if form is not None:
        form.fields["tier"].widget.choices = [
            (t["tier"].id, t["tier"].name) for t in tiers if t["tier"].id != membership.tier_id
        ]
    pending = membership.proposals.filter(state=DowngradeProposal.State.PENDING).select_related("to_tier").first()
    context = {
        "membership": membership,
        "evaluation": evaluation,
        "tiers": tiers,
        "history": selectors.membership_history(membership=membership),
        "may_decide": may_decide,
        "form": form if may_decide else None,
        "badges": STATE_BADGES,
        "pending": pending,
    }
    return render(request, "tiers/portal/membership_detail.html", context, status=status)


@portal_view
def membership_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    """A member's live evaluation against every tier, its tier history and the change-tier form."""
    return _membership_page(request, _membership_or_404(request, membership_id))


@require_POST
@portal_view(write=True)
def membership_change_tier(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Move the member to another tier with a reason (the partner's manager or an administrator)."""
    membership = _membership_or_404(request, membership_id)
    if not can_change_partner(request.user, membership.partner):
        raise PermissionDenied
    form = TierChangeForm(request.POST, prefix="change")
    if form.is_valid():
        try:
            services.membership_change_tier(
                membership_id=membership.pk, tier_id=form.cleaned_data["tier"], actor=request.user,
                reason=form.cleaned_data["reason"], expected_tier_id=form.cleaned_data["expected_tier"],
            )  # fmt: skip
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        except DomainError as exc:  # moved meanwhile: shown above the refreshed page
            messages.error(request, exc.message)
            return redirect("membership-detail", membership.pk)
        else:
            messages.success(request, "The tier is changed.")
            return redirect("membership-detail", membership.pk)
    return _membership_page(request, membership, form=form, status=400)


def _proposal_rows(proposals, user) -> list[dict]:
    return [
        {
            "proposal": proposal,
            "requirements": (proposal.evidence.get("requirements") or {}).get(proposal.from_tier.name, []),
            "gaps": [
                check.get("label")
                for check in (proposal.evidence.get("requirements") or {}).get(proposal.from_tier.name, [])
                if not check.get("met")
            ],
            "may_decide": can_change_partner(user, proposal.membership.partner),
        }
        for proposal in proposals
    ]


def _proposals(request: HttpRequest, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    page = BoundedPaginator(selectors.pending_proposals(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _proposal_rows(page.object_list, request.user)
    forms = forms or {}
    for row in rows:
        pk = row["proposal"].pk
        row["approve_form"] = forms.get(("approve", pk)) or ReasonForm(
            prefix=f"approve-{pk}", label="Note (optional)", help_text="Kept in the member's tier history."
        )
        row["reject_form"] = forms.get(("reject", pk)) or ReasonForm(
            prefix=f"reject-{pk}", label="Reason for keeping the tier", help_text="Required; kept with the decision."
        )
    return render(request, "tiers/portal/proposals.html", {"page": page, "rows": rows}, status=status)


@portal_view
def proposal_list(request: HttpRequest) -> HttpResponse:
    """Pending downgrade proposals, oldest first, each with its evidence and the decision forms;
    queries: the count, one page with member, program and tiers joined."""
    return _proposals(request)


@portal_view
def proposal_badge(request: HttpRequest) -> HttpResponse:
    """The number of proposals waiting, for the navigation (asked for by htmx after the page)."""
    count = selectors.pending_proposals(user=request.user).order_by().count()
    response = render(request, "tiers/portal/_proposal_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


def _decide(request: HttpRequest, proposal_id: int, name: str, decide, done: str) -> HttpResponse:
    proposal = selectors.pending_proposals(user=request.user).filter(pk=proposal_id).first()
    if proposal is None:
        decided = selectors.proposal_list(user=request.user).filter(pk=proposal_id).first()
        if decided is None:
            raise Http404
        messages.error(request, f"This proposal was {decided.state} already.")
        return redirect("tier-proposals")
    if not can_change_partner(request.user, proposal.membership.partner):
        raise PermissionDenied  # staff who read it but do not manage the partner
    form = ReasonForm(request.POST, prefix=f"{name}-{proposal.pk}")
    if form.is_valid():
        try:
            decide(proposal_id=proposal.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
            return _proposals(request, forms={(name, proposal.pk): form}, status=400)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("tier-proposals")
        messages.success(request, done.format(partner=proposal.membership.partner.name, tier=proposal.to_tier.name))
        return redirect("tier-proposals")
    return _proposals(request, forms={(name, proposal.pk): form}, status=400)


@require_POST
@portal_view(write=True)
def proposal_approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Move the member down as proposed."""
    return _decide(request, proposal_id, "approve", services.downgrade_approve, "{partner} moved down to {tier}.")


@require_POST
@portal_view(write=True)
def proposal_reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Keep the member at its tier, with the reason."""
    return _decide(request, proposal_id, "reject", services.downgrade_reject, "{partner} keeps its tier.")
