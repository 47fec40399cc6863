"""The partner list with its filters, sorting and pagination, and the streamed CSV export."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django_countries import countries

from partners import selectors
from partners.forms import PartnerFilterForm, staff_label
from partners.models import Partner
from partners.views.access import (
    _partial_wanted,
    can_write,
    portal_view,
)
from prm.counting import BoundedPaginator
from prm.formats import short_date
from prm.spreadsheets import csv_safe

PAGE_SIZE = 50

CSV_CHUNK_SIZE = 2000

ORDERING_LABELS = {
    "name": "Name (A to Z)",
    "-name": "Name (Z to A)",
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "-health_score": "Health (best first)",
    "health_score": "Health (worst first)",
}

FILTER_LABELS = {
    "search": "Search",
    "type": "Type",
    "status": "Status",
    "region": "Region",
    "vertical": "Vertical",
    "engagement": "Engagement",
    "owner": "Owner",
    "program": "Program",
    "tier": "Tier",
}


def _filter_query(params: QueryDict, **overrides) -> str:
    """The known filter parameters that have a value (plus ``overrides``), url-encoded."""
    query = QueryDict(mutable=True)
    for key in PartnerFilterForm.base_fields:
        values = [value for value in params.getlist(key) if value.strip()]
        if values:
            query.setlist(key, values)
    for key, value in overrides.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def _options(choices, selected: list[str], any_label: str, indent: dict[str, int] | None = None) -> list[dict]:
    """<option>s for a single select; several values from a link (``?type=a,b``) show as one option."""
    options = [{"value": "", "label": any_label, "selected": not selected}]
    labels = dict(choices)
    if len(selected) > 1:
        combined = ", ".join(str(labels.get(value, value)) for value in selected)
        options.append({"value": ",".join(selected), "label": combined, "selected": True})
    for value, label in choices:
        depth = (indent or {}).get(value, 0)
        options.append(
            {
                "value": value,
                "label": "\u2003" * depth + str(label),
                "selected": selected == [value],
            }
        )
    return options


def _region_depths() -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Regions in tree order (each parent followed by its children) and each one's depth."""
    children = selectors.region_tree()
    ordered: list[tuple[str, str]] = []
    depths: dict[str, int] = {}

    def walk(parent: str | None, depth: int) -> None:
        for code, name in children.get(parent, []):
            ordered.append((code, name))
            depths[code] = depth
            walk(code, depth + 1)

    walk(None, 0)
    return ordered, depths


def _filter_controls(form: PartnerFilterForm) -> list[dict]:
    """The select boxes of the filter bar, with their labels, current values and errors."""
    regions, depths = _region_depths()
    sources = {
        "type": (Partner.Type.choices, "Any type", None),
        "status": (Partner.Status.choices, "Any status", None),
        "region": (regions, "Any region", depths),
        "vertical": (form.fields["vertical"].choices, "Any vertical", None),
        "engagement": (Partner.Engagement.choices, "Any", None),
        "owner": (form.fields["owner"].choices, "Anyone", None),
        "program": (form.program_choices, "Any program", None),
        "tier": (form.tier_choices, "Any tier", None),
    }
    controls = []
    for name, (choices, any_label, indent) in sources.items():
        bound = form[name]
        selected = [str(value) for value in (bound.value() or [])]
        controls.append(
            {
                "name": name,
                "id": bound.auto_id,
                "label": FILTER_LABELS[name],
                "options": _options(list(choices), selected, any_label, indent),
                "errors": bound.errors,
            }
        )
    return controls


def _list_context(request: HttpRequest, form: PartnerFilterForm) -> dict:
    ordering = (form.cleaned_data.get("ordering") if form.is_bound and form.is_valid() else None) or "name"
    active = sum(1 for key in FILTER_LABELS if any(v.strip() for v in request.GET.getlist(key)))
    return {
        "form": form,
        "controls": _filter_controls(form),
        "filter_names": list(FILTER_LABELS),
        "hidden_filters": ("created_after", "updated_after"),
        "ordering": ordering,
        "ordering_label": ORDERING_LABELS.get(ordering, ordering),
        "ordering_options": list(ORDERING_LABELS.items()),
        "active_filters": active,
        "query": _filter_query(request.GET),
        "can_write": can_write(request.user),
        "region_names": dict(form.fields["region"].choices),
        "vertical_names": dict(form.fields["vertical"].choices),
    }


def _sort_links(request: HttpRequest, ordering: str) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (natural direction first, flipped when already sorted)."""
    links = {}
    for column, default in (("name", "name"), ("health_score", "-health_score"), ("created_at", "-created_at")):
        current = ordering.lstrip("-") == column
        target = (ordering[1:] if ordering.startswith("-") else f"-{column}") if current else default
        links[column] = {
            "query": _filter_query(request.GET, ordering=target, page=None),
            "direction": ("descending" if ordering.startswith("-") else "ascending") if current else "",
        }
    return links


def _invalid_filters(request: HttpRequest, form: PartnerFilterForm) -> HttpResponse:
    """The list page with the filter errors next to the fields, answered with a 400."""
    context = {**_list_context(request, form), "page": None}
    template = "partials/_partner_results.html" if _partial_wanted(request) else "portal/partner_list.html"
    response = render(request, template, context, status=400)
    patch_vary_headers(response, ("HX-Request",))
    return response


TYPE_LABELS = dict(Partner.Type.choices)
STATUS_LABELS = dict(Partner.Status.choices)
ENGAGEMENT_LABELS = dict(Partner.Engagement.choices)


@functools.cache
def _country_names(language: str) -> dict[str, str]:
    return dict(countries)


def _row(partner: Partner, region_names: dict, vertical_names: dict) -> dict:
    """What a row shows, worked out here: labels, names and dates looked up in the template
    cost about a millisecond a row."""
    updated = timezone.localtime(partner.updated_at)
    return {
        "partner": partner,
        "url": reverse("partner-detail", args=[partner.pk]),
        "type": TYPE_LABELS.get(partner.type, partner.type),
        "status": STATUS_LABELS.get(partner.status, partner.status),
        "engagement": ENGAGEMENT_LABELS.get(partner.engagement, partner.engagement),
        "country": _country_names(get_language()).get(partner.country.code, partner.country.code),
        "owner": staff_label(partner.owner) if partner.owner else "",
        "updated_iso": updated.isoformat(),
        "updated_title": f"{short_date(updated)}, {updated:%H:%M} {updated.tzname()}",
        "updated": short_date(updated),
        "regions": [(code, region_names.get(code, code)) for code in partner.regions],
        "verticals": [(slug, vertical_names.get(slug, slug)) for slug in partner.verticals],
    }


def _page_range(page) -> list:
    """Page links around the current page; past the counted rows the last number is not the end."""
    numbers = list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    if not page.paginator.count_exact:
        numbers.append(page.paginator.ELLIPSIS)
    return numbers


@portal_view
def partner_list(request: HttpRequest) -> HttpResponse:
    """Filtered, sorted, paginated partners: a fixed number of queries whatever the page size.

    An htmx request (a filter changed) gets just the results, with the clean URL to push.
    """
    form = PartnerFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filters(request, form)
    partners = selectors.partner_list(user=request.user, filters=form.filters())
    page = BoundedPaginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _list_context(request, form)
    region_names, vertical_names = context["region_names"], context["vertical_names"]
    rows = [_row(partner, region_names, vertical_names) for partner in page.object_list]
    context |= {
        "page": page,
        "rows": rows,
        "page_range": _page_range(page),
        "sort_links": _sort_links(request, context["ordering"]),
        "page_query": _filter_query(request.GET, page=None),
    }
    if _partial_wanted(request):
        response = render(request, "partials/_partner_results.html", context)
        query = _filter_query(request.GET, page=page.number if page.number > 1 else None)
        response["HX-Push-Url"] = f"{reverse('partner-list')}?{query}" if query else reverse("partner-list")
    else:
        response = render(request, "portal/partner_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


CSV_HEADER = (
    "id", "name", "legal_name", "slug", "website", "type", "status", "engagement", "country", "regions",
    "verticals", "owner_email", "created_at", "updated_at",
)  # fmt: skip
# the columns of CSV_HEADER as the query reads them; rows are tuples, never models
CSV_COLUMNS = (
    "id", "name", "legal_name", "slug", "website", "type", "status", "engagement", "country", "regions",
    "verticals", "owner__email", "created_at", "updated_at",
)  # fmt: skip


def _csv_row(row: tuple) -> list[str]:
    *head, regions, verticals, owner_email, created_at, updated_at = row
    return [
        *map(csv_safe, head),
        csv_safe(";".join(regions)),
        csv_safe(";".join(verticals)),
        csv_safe(owner_email or ""),
        created_at.isoformat(),
        updated_at.isoformat(),
    ]


def csv_stream(partners: QuerySet[Partner], rows_per_chunk: int = 500) -> Iterator[str]:
    """The header, then the rows in chunks; a server-side cursor reads 2,000 partners at a time,
    so memory stays flat however many partners are exported."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the file as UTF-8
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()  # the download starts before the query has answered
    buffer.seek(0)
    buffer.truncate()
    rows = partners.values_list(*CSV_COLUMNS).iterator(chunk_size=CSV_CHUNK_SIZE)
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_row(row))
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


@portal_view
def partner_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, streamed; invalid filters get the list page with its errors."""
    # nothing to render: only the reference data of the filters given is queried
    form = PartnerFilterForm(request.GET, lazy=True)
    if not form.is_valid():
        return _invalid_filters(request, PartnerFilterForm(request.GET))
    partners = selectors.partner_list(user=request.user, filters=form.filters())
    response = StreamingHttpResponse(csv_stream(partners), content_type="text/csv; charset=utf-8")
    filename = f"partners-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
