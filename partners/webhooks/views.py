"""Webhook pages, the same in both portals: administrators manage them at /settings/webhooks/ (the
staff subscriptions, and they read the partner-scoped ones too), a partner admin its own
organisation's at /partner/webhooks/.

Every view takes the ``Portal`` it is shown in (which URL names and which header); ``for_managers``
and ``for_partners`` wrap them with each portal's access rule. Other staff get a 403, partner
members a 403 on the list and a 404 for any subscription they name (they manage none), as
another organisation's subscription is a 404 for everyone. A new secret (after creating or
rotating) is shown once, on the answer to that POST, which no cache keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partners.roles import Role, role_of
from partners.selfservice.access import partner_view
from partners.views.access import _partial_wanted, portal_view
from partners.webhooks import selectors, services
from partners.webhooks.forms import RedeliverSinceForm, SubscriptionForm
from partners.webhooks.models import WebhookDelivery, WebhookSubscription
from partners.webhooks.queries import with_attempts, with_last_delivery
from prm.querystring import int_or_default

DELIVERIES_SHOWN = 25  # on a subscription's page, newest first; "Older" pages back with ?before=


@dataclass(frozen=True)
class Portal:
    """Where a page is shown: ``ns`` prefixes its URL names (``selfservice:`` in the partner
    portal), ``partner`` is the partner admin's organisation (None in the manager portal)."""

    ns: str
    partner: object | None = None

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.ns}{name}", args=args)

    @property
    def is_partner(self) -> bool:
        return self.partner is not None


MANAGER = Portal(ns="")


def for_managers(view: Callable) -> Callable:
    """The manager portal's version of ``view``: administrators only (403 for other staff)."""

    @portal_view
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if role_of(request.user) != Role.ADMIN:
            raise PermissionDenied
        return view(request, MANAGER, *args, **kwargs)

    return wrapped


def for_partners(view: Callable) -> Callable:
    """The partner portal's version of ``view``, for the organisation's partner admins."""

    @partner_view
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(request, Portal(ns="selfservice:", partner=request.partner), *args, **kwargs)

    return wrapped


@portal_view
def paused_badge(request: HttpRequest) -> HttpResponse:
    """The administrators' navbar warning, loaded by htmx after the page (so no page pays for it):
    how many subscriptions are paused, or nothing at all."""
    if role_of(request.user) != Role.ADMIN:
        raise PermissionDenied
    count = selectors.subscriptions_paused(user=request.user).count()
    return render(request, "webhooks/_paused_badge.html", {"count": count})


def _require_manager(request: HttpRequest) -> None:
    """403 for a login that manages no webhooks (a partner member) on the pages naming none."""
    if not selectors.may_manage_webhooks(request.user):
        raise PermissionDenied


def _subscription(request: HttpRequest, subscription_id: int) -> WebhookSubscription:
    """One subscription the caller manages; 404 for any other (another organisation's included)."""
    try:
        return selectors.subscription_get(user=request.user, subscription_id=subscription_id)
    except WebhookSubscription.DoesNotExist:
        raise Http404 from None


def _render(request: HttpRequest, portal: Portal, template: str, context: dict, status: int = 200) -> HttpResponse:
    context = {"portal": portal, "ns": portal.ns, "partner": portal.partner, **context}
    return render(request, template, context, status=status)


def _subscription_fields(form: SubscriptionForm) -> dict:
    data = form.cleaned_data
    return {
        "url": data["url"].strip(),
        "description": data["description"],
        "event_types": data["event_types"],
        "is_active": data["is_active"],
    }


# --- list, create, edit, delete -----------------------------------------------------------


def subscription_list_page(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Every subscription the caller manages with its state and last delivery; the paused ones
    first in a banner (three queries whatever the number of subscriptions)."""
    _require_manager(request)
    subscriptions = with_last_delivery(selectors.subscription_list(user=request.user))
    paused = [subscription for subscription in subscriptions if subscription.paused_at is not None]
    return _render(request, portal, "webhooks/list.html", {"subscriptions": subscriptions, "paused": paused})


@never_cache  # the answer to a successful POST shows the new secret
def subscription_create_page(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The form; a valid POST creates the subscription and answers its secret, once."""
    _require_manager(request)
    form = SubscriptionForm(request.POST or None, actor=request.user, initial={"is_active": True})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                subscription = services.subscription_create(
                    actor=request.user,
                    partner_id=portal.partner.pk if portal.is_partner else None,
                    **_subscription_fields(form),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _render(
                    request, portal, "webhooks/secret.html", {"subscription": subscription, "rotated": False}
                )
    return _render(request, portal, "webhooks/form.html", {"form": form, "subscription": None}, status=status)


def subscription_edit_page(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    """Change the URL, description, events or active flag (the secret stays)."""
    subscription = _subscription(request, pk)
    initial = {
        "url": subscription.url,
        "description": subscription.description,
        "event_types": subscription.event_types,
        "is_active": subscription.is_active,
    }
    form = SubscriptionForm(request.POST or None, actor=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.subscription_update(
                    actor=request.user, subscription_id=subscription.pk, **_subscription_fields(form)
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "The subscription was saved.")
                return redirect(portal.url("webhook-detail", subscription.pk))
    context = {"form": form, "subscription": subscription}
    return _render(request, portal, "webhooks/form.html", context, status=status)


def subscription_delete_page(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    """Ask, then delete a subscription with its deliveries: nothing more is sent to it."""
    subscription = _subscription(request, pk)
    if request.method == "POST":
        services.subscription_delete(actor=request.user, subscription_id=subscription.pk)
        messages.success(request, f"The subscription to {subscription.url} was deleted; nothing more is sent to it.")
        return redirect(portal.url("webhook-list"))
    return _render(request, portal, "webhooks/confirm.html", {"subscription": subscription, "action": "delete"})


@never_cache
def subscription_rotate_page(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    """Ask, then issue a new secret, shown once; the previous one keeps signing for a while."""
    subscription = _subscription(request, pk)
    if request.method == "POST":
        rotated = services.subscription_rotate_secret(actor=request.user, subscription_id=subscription.pk)
        return _render(request, portal, "webhooks/secret.html", {"subscription": rotated, "rotated": True})
    context = {"subscription": subscription, "action": "rotate", "grace_hours": settings.WEBHOOK_SECRET_ROTATION_HOURS}
    return _render(request, portal, "webhooks/confirm.html", context)


# --- one subscription: its deliveries and actions --------------------------------------------


def subscription_detail_page(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    """The subscription, its recent deliveries with their attempts (request headers, status,
    duration, the start of the answer) and the actions. An htmx request gets the deliveries only
    (the page refreshes them while some are pending)."""
    subscription = _subscription(request, pk)
    return _detail(request, portal, subscription, RedeliverSinceForm())


def _detail(request, portal, subscription, redeliver_form, status: int = 200) -> HttpResponse:
    before = int_or_default(request.GET.get("before"), 0, minimum=0)
    rows = selectors.delivery_list(user=request.user, subscription_id=subscription.pk)
    if before:
        rows = rows.filter(pk__lt=before)
    # one row more than shown tells whether there are older ones, without a COUNT
    deliveries = with_attempts(rows[: DELIVERIES_SHOWN + 1])
    context = {
        "subscription": subscription,
        "deliveries": deliveries[:DELIVERIES_SHOWN],
        "older": deliveries[DELIVERIES_SHOWN - 1].pk if len(deliveries) > DELIVERIES_SHOWN else None,
        "before": before,
        "pending": any(delivery.state == WebhookDelivery.State.PENDING for delivery in deliveries),
        "redeliver_form": redeliver_form,
        "now": timezone.now(),
    }
    if _partial_wanted(request) and request.htmx.target == "deliveries":
        response = _render(request, portal, "webhooks/_deliveries.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    return _render(request, portal, "webhooks/detail.html", context, status=status)


@require_POST
def subscription_test(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    event = services.subscription_send_test(actor=request.user, subscription_id=subscription.pk)
    messages.success(request, f"A test event ({event.webhook_id}) was sent; its delivery is listed below.")
    return redirect(portal.url("webhook-detail", subscription.pk))


@require_POST
def subscription_pause(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    services.subscription_pause(actor=request.user, subscription_id=subscription.pk, reason="Paused by hand.")
    messages.success(request, "The subscription is paused: nothing is sent to it until it is resumed.")
    return redirect(portal.url("webhook-detail", subscription.pk))


@require_POST
def subscription_resume(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    services.subscription_resume(actor=request.user, subscription_id=subscription.pk)
    messages.success(
        request, "The subscription was resumed: new events are sent again. Redeliver what it missed meanwhile below."
    )
    return redirect(portal.url("webhook-detail", subscription.pk))


@require_POST
def subscription_redeliver_since(request: HttpRequest, portal: Portal, pk: int) -> HttpResponse:
    """Send again every delivery of the events since a time; an invalid time re-shows the page with
    the error next to the field."""
    subscription = _subscription(request, pk)
    form = RedeliverSinceForm(request.POST)
    if not form.is_valid():
        return _detail(request, portal, subscription, form, status=400)
    try:
        count = services.deliveries_redeliver_since(
            actor=request.user, subscription_id=subscription.pk, since=form.cleaned_data["since"]
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, portal, subscription, form, status=400)
    noun = "delivery is" if count == 1 else "deliveries are"
    messages.success(request, f"{count} {noun} sent again.")
    return redirect(portal.url("webhook-detail", subscription.pk))


@require_POST
def delivery_redeliver(request: HttpRequest, portal: Portal, pk: int, delivery_id: int) -> HttpResponse:
    subscription = _subscription(request, pk)
    delivery = (
        selectors.delivery_list(user=request.user, subscription_id=subscription.pk).filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise Http404
    services.delivery_redeliver(actor=request.user, delivery_id=delivery.pk)
    messages.success(request, f"The delivery of {delivery.event.type} ({delivery.event.webhook_id}) is sent again.")
    return redirect(portal.url("webhook-detail", subscription.pk))
