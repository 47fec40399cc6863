"""The public "Become a partner" page: no log-in, a honeypot and a rate limit per client address."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from prm.errors import FieldErrors
from programs.applications import services
from programs.applications.forms import ApplyForm
from programs.applications.spam import submission_allowed

TOO_MANY = (
    "You have sent several applications from this network in the last hour. "
    "Please try again in an hour; nothing more was stored."
)


def _client_ip(request: HttpRequest) -> str | None:
    """The client's address as the log-in's rate limits see it (behind the TLS proxy, the last
    address the proxy appended), or None when the request does not say."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The form; a valid application creates the prospect partner and the application and leads
    to the thank-you page. A filled honeypot leads there too, storing nothing, so a bot learns
    nothing; the sixth application from one address within the hour is refused (429)."""
    if request.method != "POST":
        return render(request, "applications/public/apply.html", {"form": ApplyForm()})
    form = ApplyForm(request.POST)
    if form.is_spam:
        return redirect("application-thanks")
    status = 400
    if form.is_valid():
        client_ip = _client_ip(request)
        if not submission_allowed(client_ip):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            data = form.cleaned_data
            try:
                services.application_submit(
                    company=data["company"],
                    website=data["website"],
                    country=data["country"],
                    requested_type=data["requested_type"],
                    verticals=data["verticals"],
                    regions=data["regions"],
                    contact_name=data["contact_name"],
                    contact_email=data["contact_email"],
                    contact_phone=data["contact_phone"],
                    message=data["message"],
                    client_ip=client_ip,
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                return redirect("application-thanks")
    return render(request, "applications/public/apply.html", {"form": form}, status=status)


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/public/thanks.html")
