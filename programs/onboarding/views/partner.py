"""The partner's agreement page (open while the portal is gated on it) and its onboarding
checklist, where a partner admin ticks the items that do not complete themselves."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners.selfservice.access import can_write, partner_view
from prm.errors import DomainError, FieldErrors
from programs.onboarding import selectors, services
from programs.onboarding.forms import AgreementAcceptForm
from programs.onboarding.models import OnboardingItem
from programs.onboarding.services import AgreementChanged
from programs.onboarding.views.panels import onboarding_links


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the log-in rate limits count it: REMOTE_ADDR, or behind the TLS
    proxy (ALLAUTH_TRUSTED_PROXY_COUNT) the hop the proxy appended to X-Forwarded-For."""
    try:
        return get_adapter(request).get_client_ip(request)
    except ImproperlyConfigured:  # a forwarded header shorter than the proxies we trust
        return request.META.get("REMOTE_ADDR")


@partner_view(gated=False)
def agreement(request: HttpRequest) -> HttpResponse:
    """The current agreement, rendered for the organisation; a partner admin accepts it by typing
    their name. A member reads it and is told who can accept; a member's POST is refused (403)
    and stores nothing."""
    partner, user = request.partner, request.user
    view = selectors.agreement_view(user=user, partner=partner)
    admin = can_write(request)
    form = None
    status = 200
    if view.template is not None and not view.accepted:
        form = AgreementAcceptForm(
            request.POST if request.method == "POST" else None,
            user=user,
            initial={"template": view.template.pk, "typed_name": user.get_full_name()},
        )
    if request.method == "POST":
        if not admin:
            status = 403
            messages.error(request, services.AgreementAdminOnly.default_message)
        elif form is None:
            return redirect("partner-onboarding:agreement")
        elif form.is_valid():
            try:
                services.agreement_accept(
                    partner_id=partner.pk,
                    actor=user,
                    template_id=form.cleaned_data["template"],
                    typed_name=form.cleaned_data["typed_name"],
                    ip=client_ip(request),
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
                status = 400
            except AgreementChanged as exc:
                messages.warning(request, exc.message)
                return redirect("partner-onboarding:agreement")
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "Thank you: the agreement is accepted and your portal is open.")
                return redirect("selfservice:home")
        else:
            status = 400
    admins = []
    if not admin:
        admins = [
            link.user.get_full_name() or link.user.email
            for link in partner.users.filter(role="partner_admin", user__is_active=True).select_related("user")[:5]
        ]
    context = {"partner": partner, "view": view, "form": form if admin else None, "admin": admin, "admins": admins}
    return render(request, "onboarding/partner/agreement.html", context, status=status)


@partner_view
def onboarding(request: HttpRequest) -> HttpResponse:
    """The organisation's checklist: progress, each item with its due date, done or overdue, a
    tick for a partner admin on the items that do not complete themselves. Queries: the login and
    organisation, the gate, the onboarding, its items and its steps."""
    partner = request.partner
    current = selectors.onboarding_latest(user=request.user, partner_id=partner.pk)
    progress = selectors.onboarding_progress(current) if current is not None else None
    context = {
        "partner": partner,
        "progress": progress,
        "can_tick": can_write(request),
        "links": onboarding_links(),
        "today": timezone.localdate(),
    }
    return render(request, "onboarding/partner/onboarding.html", context)


@require_POST
@partner_view
def onboarding_item_complete(request: HttpRequest, item_id: int) -> HttpResponse:
    """Tick an item of the organisation's checklist in progress; an item that is not on it is a
    404, a member gets a 403."""
    current = selectors.onboarding_latest(user=request.user, partner_id=request.partner.pk)
    if current is None or not OnboardingItem.objects.filter(pk=item_id, template_id=current.template_id).exists():
        raise Http404
    try:
        services.onboarding_item_complete(onboarding_id=current.pk, item_id=item_id, actor=request.user)
    except services.OnboardingNotAllowed:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Item done.")
    return redirect("partner-onboarding:onboarding")
