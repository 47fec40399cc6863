"""Notification pages in both portals (list, preferences), the navbar's unread badge, and the
signed one-click unsubscribe page every notification e-mail links to.

The manager portal's views are ``portal_view``s and the partner portal's ``partner_view``s; both
read the caller's own notifications only, so another user's notification is a 404 everywhere.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from partners.notifications.categories import category_get
from partners.notifications.emails import DIGEST
from partners.notifications.forms import PreferencesForm
from partners.notifications.models import Notification
from partners.notifications.selectors import notification_list, notification_unread_count, preferences_of
from partners.notifications.services import (
    UnsubscribeRefused,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
    unsubscribe,
    unsubscribe_check,
)
from partners.notifications.unsubscribe import unsubscribe_token_read
from partners.selfservice.access import partner_view
from partners.views.access import portal_view

PAGE_SIZE = 25


def _names(request: HttpRequest) -> dict[str, str]:
    """The URL names of the caller's portal (the partner portal's live in ``selfservice``)."""
    prefix = "selfservice:" if getattr(request, "partner_user", None) else ""
    return {
        "list": f"{prefix}notifications",
        "read": f"{prefix}notification-read",
        "open": f"{prefix}notification-open",
        "read_all": f"{prefix}notifications-read-all",
        "preferences": f"{prefix}notification-preferences",
    }


def _list(request: HttpRequest) -> HttpResponse:
    """Three queries: the page, the list's count and the unread count."""
    unread_only = request.GET.get("show") == "unread"
    rows = notification_list(user=request.user, unread=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "notifications": list(page.object_list),
        "unread_only": unread_only,
        "unread": notification_unread_count(user=request.user),
        "urls": _names(request),
        "partner": getattr(request, "partner", None),
    }
    return render(request, "notifications/notification_list.html", context)


def _own_or_404(request: HttpRequest, pk: int, *, read: bool = True) -> Notification:
    try:
        return notification_mark_read(notification_id=pk, actor=request.user, read=read)
    except Notification.DoesNotExist:
        raise Http404 from None


def _read(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: mark one read (``read=0``: unread again); htmx gets the row back, others the list."""
    notification = _own_or_404(request, pk, read=request.POST.get("read", "1") != "0")
    if request.htmx:
        return render(
            request, "notifications/_notification_row.html", {"notification": notification, "urls": _names(request)}
        )
    return redirect(_names(request)["list"])


def _open(request: HttpRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read and goes to its object (or back to the list)."""
    notification = _own_or_404(request, pk)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(_names(request)["list"])


def _read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_all_read(actor=request.user)
    messages.success(
        request, f"{marked} notification{'s' if marked != 1 else ''} marked read." if marked else "Nothing was unread."
    )
    return redirect(_names(request)["list"])


def _preferences(request: HttpRequest) -> HttpResponse:
    preferences = preferences_of(user=request.user)
    form = PreferencesForm(request.POST or None, preferences=preferences)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                preferences_update(
                    actor=request.user,
                    deliveries=form.deliveries(),
                    digest_hour=form.cleaned_data["digest_hour"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your notification preferences were saved.")
                return redirect(_names(request)["preferences"])
    context = {"form": form, "urls": _names(request), "partner": getattr(request, "partner", None)}
    return render(request, "notifications/preferences.html", context, status=status)


# --- the manager portal -----------------------------------------------------------------


@portal_view
def notification_list_page(request: HttpRequest) -> HttpResponse:
    """The caller's notifications, newest first, unread ones emphasised; ``?show=unread``."""
    return _list(request)


@require_POST
@portal_view
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _read(request, pk)


@portal_view
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _open(request, pk)


@require_POST
@portal_view
def notifications_read_all_view(request: HttpRequest) -> HttpResponse:
    return _read_all(request)


@portal_view
def preferences_page(request: HttpRequest) -> HttpResponse:
    return _preferences(request)


# --- the partner portal -----------------------------------------------------------------


@partner_view
def partner_notification_list_page(request: HttpRequest) -> HttpResponse:
    return _list(request)


@require_POST
@partner_view
def partner_notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _read(request, pk)


@partner_view
def partner_notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _open(request, pk)


@require_POST
@partner_view
def partner_notifications_read_all_view(request: HttpRequest) -> HttpResponse:
    return _read_all(request)


@partner_view
def partner_preferences_page(request: HttpRequest) -> HttpResponse:
    return _preferences(request)


# --- both -------------------------------------------------------------------------------


@never_cache
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The navbar's unread count, loaded by htmx after the page (so no page pays for it): one
    indexed count. Nothing for a visitor (204: htmx swaps nothing)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = notification_unread_count(user=request.user)
    return render(request, "notifications/_badge.html", {"count": count})


@csrf_exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click" with no session or token
@never_cache
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST (the confirm button, or a mail client's one-click POST) turns the
    category off. A forged or altered link, or another login's, is a 400 page and changes nothing."""
    parsed = unsubscribe_token_read(token)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        user = unsubscribe_check(token=parsed, actor=request.user)
        codes = unsubscribe(token=parsed, actor=request.user) if request.method == "POST" else []
    except UnsubscribeRefused as exc:
        return render(request, "notifications/unsubscribe_invalid.html", {"message": exc.message}, status=400)
    context = {"done": request.method == "POST", "labels": _labels(codes, parsed.category), "email": user.email}
    context["preferences_url"] = _preferences_url(user)
    context["digest"] = parsed.category == DIGEST
    return render(request, "notifications/unsubscribe.html", context)


def _labels(codes: list[str], category: str) -> list[str]:
    if category == DIGEST and not codes:
        return ["the daily digest"]
    return [(category_get(code).label if category_get(code) else code) for code in (codes or [category])]


def _preferences_url(user) -> str:
    return reverse("notification-preferences" if user.is_staff else "selfservice:notification-preferences")
