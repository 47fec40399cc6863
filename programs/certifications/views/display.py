"""What the certification pages show of a certification, worked out once per row."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, QueryDict
from django.utils import timezone

from prm.formats import short_date
from programs.certifications.filters import CertificationFilterSet
from programs.certifications.models import EXPIRY_NOTICE_DAYS, Certification

STATE_LABELS = dict(Certification.State.choices)
STATE_BADGES = {
    Certification.State.PENDING: "text-bg-warning",
    Certification.State.VERIFIED: "text-bg-success",
    Certification.State.REJECTED: "text-bg-danger",
}


def expiry(certification: Certification, today: date) -> str:
    """expired, expiring (within the notice days) or valid."""
    if certification.expires_on < today:
        return "expired"
    if certification.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS):
        return "expiring"
    return "valid"


def certification_row(certification: Certification, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    return {
        "certification": certification,
        "state": STATE_LABELS.get(certification.state, certification.state),
        "badge": STATE_BADGES.get(certification.state, "text-bg-secondary"),
        "expiry": expiry(certification, today),
        "earned": short_date(certification.earned_on),
        "expires": short_date(certification.expires_on),
    }


def filter_query(request: HttpRequest, names, **overrides) -> str:
    """The given filter parameters that have a value (plus ``overrides``), url-encoded."""
    query = QueryDict(mutable=True)
    for key in names:
        value = request.GET.get(key, "").strip()
        if value:
            query[key] = value
    for key, value in overrides.items():
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()


def filterset(request: HttpRequest, queryset, names) -> CertificationFilterSet:
    """CertificationFilterSet over the parameters a page shows (others in the address are left out:
    a page forgives what the API refuses), empty values dropped."""
    data = QueryDict(mutable=True)
    for key in names:
        value = request.GET.get(key, "").strip()
        if value:
            data[key] = value
    return CertificationFilterSet(data, queryset, request=request)
