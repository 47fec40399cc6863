from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partners.roles import role_of


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The manager's start page; the registry and strategies add their figures here."""
    return render(request, "portal/dashboard.html", {"role": role_of(request.user)})
