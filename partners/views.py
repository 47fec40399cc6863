"""The manager portal: dashboard, partner list and CSV export, partner page and its edits.

Views stay thin: forms validate the shape, partners.selectors read (starting from
``Partner.objects.visible_to(user)``), partners.services write. Every page is for staff
only; anyone else, like a partner the user may not see, gets a 404. Only admins and
partner managers write; analysts see the same pages read-only and get a 403 on writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from partners import selectors, services
from partners.forms import ContactForm, PartnerFilterForm, PartnerForm, PartnerStatusForm
from partners.models import Contact, Partner, Region, Vertical
from partners.roles import Role, role_of
from partners.services import InvalidStatusTransition
from prm.errors import DomainError

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 50
CSV_CHUNK_SIZE = 2000
WRITER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
ORDERING_LABELS = {
    "name": "Name (A to Z)",
    "-name": "Name (Z to A)",
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "-health_score": "Health (best first)",
    "health_score": "Health (worst first)",
}
ACTIVITY_ICONS = {
    "created": "plus-circle",
    "updated": "pencil",
    "status_changed": "arrow-left-right",
    "contact_added": "person-plus",
    "contact_updated": "person-gear",
    "contact_removed": "person-dash",
    "note": "sticky",
    "meeting": "people",
    "call": "telephone",
    "email": "envelope",
}
FILTER_LABELS = {
    "search": "Search",
    "type": "Type",
    "status": "Status",
    "region": "Region",
    "vertical": "Vertical",
    "engagement": "Engagement",
    "owner": "Owner",
}


# --- access ---------------------------------------------------------------------------


def can_write(user) -> bool:
    """Admins and partner managers change partners; analysts only read."""
    return bool(user.is_authenticated and user.is_staff and role_of(user) in WRITER_ROLES)


def portal_view(view: Callable | None = None, *, write: bool = False):
    """Log-in required and staff only (others get a 404, as for a partner they may not see);
    ``write=True`` also requires a writer's role, else 403, for GET and POST alike."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_staff:
                raise Http404
            if write and not can_write(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorate(view) if view is not None else decorate


def _partner_or_404(user, pk: int) -> Partner:
    try:
        return selectors.partner_get(user=user, partner_id=pk)
    except Partner.DoesNotExist:
        raise Http404 from None


def _contact_or_404(user, partner: Partner, contact_id: int) -> Contact:
    contact = selectors.contact_list(user=user, partner_ids=[partner.pk]).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact


def _partial_wanted(request: HttpRequest) -> bool:
    """An htmx request for a fragment (not the full page htmx asks for on a history miss)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- dashboard ------------------------------------------------------------------------


def _list_url(**params) -> str:
    return f"{reverse('partner-list')}?{urlencode(params)}" if params else reverse("partner-list")


def _region_tree() -> dict[str | None, list[tuple[str, str]]]:
    """Parent code → [(code, name)] of its children, in one query."""
    children: dict[str | None, list[tuple[str, str]]] = {}
    for code, name, parent in Region.objects.values_list("code", "name", "parent_id"):
        children.setdefault(parent, []).append((code, name))
    return children


def _region_groups(by_region: dict[str, int]) -> list[dict]:
    """Top-level regions (AMER, EMEA, APAC) with their sub-regions, each with its count and link."""
    children = _region_tree()
    roots = children.get(None, [])
    # one world root (GLOBAL) above the continents: show the continents
    tops = children.get(roots[0][0], []) if len(roots) == 1 else roots

    def node(code: str, name: str) -> dict:
        return {"code": code, "name": name, "count": by_region.get(code, 0), "url": _list_url(region=code)}

    return [{**node(code, name), "children": [node(*child) for child in children.get(code, [])]} for code, name in tops]


@portal_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by type, status and region (one aggregate query), each number a link to the list."""
    summary = selectors.partner_summary(user=request.user)
    by_type = [
        {"value": value, "label": label, "count": summary.by_type.get(value, 0), "url": _list_url(type=value)}
        for value, label in Partner.Type.choices
    ]
    by_status = [
        {
            "value": value,
            "label": label,
            "count": summary.by_status.get(value, 0),
            "share": round(100 * summary.by_status.get(value, 0) / (summary.total or 1)),
            "url": _list_url(status=value),
        }
        for value, label in Partner.Status.choices
    ]
    kpis = [
        {"label": "Partners", "count": summary.total, "url": _list_url(), "icon": "diagram-3"},
        *(
            {
                "label": label,
                "count": summary.by_status.get(status, 0),
                "url": _list_url(status=status),
                "icon": icon,
                "status": status,
            }
            for status, label, icon in (
                (Partner.Status.ACTIVE, "Active", "check-circle"),
                (Partner.Status.ONBOARDING, "Onboarding", "hourglass-split"),
                (Partner.Status.PROSPECT, "Prospects", "binoculars"),
            )
        ),
    ]
    region_groups = _region_groups(summary.by_region) if summary.total else []
    # each continent followed by its sub-regions; the chart draws continents darker
    region_rows = [(row, row is group) for group in region_groups for row in (group, *group["children"])]
    chart = {
        "types": {
            "labels": [row["label"] for row in by_type],
            "counts": [row["count"] for row in by_type],
            "urls": [row["url"] for row in by_type],
        },
        "regions": {
            "labels": [row["name"] for row, _ in region_rows],
            "codes": [row["code"] for row, _ in region_rows],
            "counts": [row["count"] for row, _ in region_rows],
            "urls": [row["url"] for row, _ in region_rows],
            "top": [top for _, top in region_rows],
        },
    }
    role = role_of(request.user)
    return render(
        request,
        "portal/dashboard.html",
        {
            "role": role,
            "can_write": role in WRITER_ROLES,
            "summary": summary,
            "kpis": kpis,
            "by_type": by_type,
            "by_status": by_status,
            "region_groups": region_groups,
            "chart": chart,
        },
    )


# --- partner list and export ----------------------------------------------------------


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
    children = _region_tree()
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


@portal_view
def partner_list(request: HttpRequest) -> HttpResponse:
    """Filtered, sorted, paginated partners: a fixed number of queries whatever the page size.

    An htmx request (a filter changed) gets just the results, with the clean URL to push.
    """
    form = PartnerFilterForm(request.GET)
    if not form.is_valid():
        return _invalid_filters(request, form)
    partners = selectors.partner_list(user=request.user, filters=form.filters())
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _list_context(request, form)
    region_names, vertical_names = context["region_names"], context["vertical_names"]
    rows = [
        {
            "partner": partner,
            "regions": [(code, region_names.get(code, code)) for code in partner.regions],
            "verticals": [(slug, vertical_names.get(slug, slug)) for slug in partner.verticals],
        }
        for partner in page.object_list
    ]
    context |= {
        "page": page,
        "rows": rows,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
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
# a cell starting with one of these is a formula to spreadsheet programs (CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The cell as text; a leading formula character is neutralised with an apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_row(partner: Partner) -> list[str]:
    return [
        csv_safe(value)
        for value in (
            partner.pk,
            partner.name,
            partner.legal_name,
            partner.slug,
            partner.website,
            partner.type,
            partner.status,
            partner.engagement,
            partner.country.code,
            ";".join(partner.regions),
            ";".join(partner.verticals),
            partner.owner.email if partner.owner else "",
            partner.created_at.isoformat(),
            partner.updated_at.isoformat(),
        )
    ]


def csv_stream(partners: QuerySet[Partner], rows_per_chunk: int = 500) -> Iterator[str]:
    """The header, then the rows in chunks; a server-side cursor reads 2,000 partners at a time,
    so memory stays flat however many partners are exported."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM, so spreadsheet programs read the file as UTF-8
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, partner in enumerate(partners.iterator(chunk_size=CSV_CHUNK_SIZE), start=1):
        writer.writerow(_csv_row(partner))
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


# --- partner page ---------------------------------------------------------------------


def _positive_int(value: str | None, default: int = 1) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(number, 1)


@portal_view
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile, contacts and timeline (50 entries at a time, one query each) of one partner."""
    partner = _partner_or_404(request.user, pk)
    timeline_page = _positive_int(request.GET.get("timeline_page"))
    offset = (timeline_page - 1) * TIMELINE_PAGE_SIZE
    # one row more than shown tells whether there is more, without a COUNT
    activities = list(
        selectors.partner_timeline(user=request.user, partner_id=partner.pk)[offset : offset + TIMELINE_PAGE_SIZE + 1]
    )
    for activity in activities:
        activity.icon = ACTIVITY_ICONS.get(activity.kind, "dot")
    timeline = {
        "activities": activities[:TIMELINE_PAGE_SIZE],
        "page": timeline_page,
        "has_more": len(activities) > TIMELINE_PAGE_SIZE,
        "has_newer": timeline_page > 1,
    }
    if _partial_wanted(request) and "timeline_page" in request.GET:
        response = render(request, "partials/_timeline_items.html", {"partner": partner, "timeline": timeline})
        patch_vary_headers(response, ("HX-Request",))
        return response
    contacts = sorted(
        selectors.contact_list(user=request.user, partner_ids=[partner.pk]), key=lambda contact: not contact.is_primary
    )
    regions = dict(Region.objects.filter(code__in=partner.regions).values_list("code", "name"))
    verticals = dict(Vertical.objects.filter(slug__in=partner.verticals).values_list("slug", "name"))
    response = render(
        request,
        "portal/partner_detail.html",
        {
            "partner": partner,
            "contacts": contacts,
            "timeline": timeline,
            "regions": [(code, regions.get(code, code)) for code in partner.regions],
            "verticals": [(slug, verticals.get(slug, slug)) for slug in partner.verticals],
            "can_write": can_write(request.user),
        },
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- partner writes -------------------------------------------------------------------


def _show_service_error(form, exc: ValidationError | DomainError, field: str | None = None) -> int:
    """Put a service's refusal on the form (on ``field`` for a DomainError); return the HTTP status."""
    if isinstance(exc, ValidationError):
        form.add_error(None, exc)
        return 400
    form.add_error(field, exc.message)
    return exc.status_code


@portal_view(write=True)
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                partner = services.partner_create(actor=request.user, **form.create_kwargs())
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{partner.name} was added to the registry.")
                return redirect("partner-detail", pk=partner.pk)
    return render(request, "portal/partner_form.html", {"form": form, "partner": None}, status=status)


@portal_view(write=True)
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner_or_404(request.user, pk)
    form = PartnerForm(request.POST or None, instance=partner)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changed_fields()
            if not changes:
                messages.info(request, "Nothing was changed.")
                return redirect("partner-detail", pk=pk)
            try:
                services.partner_update(
                    partner_id=pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["expected_version"],
                    **changes,
                )
            except (ValidationError, DomainError) as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{form.cleaned_data['name']} was saved.")
                return redirect("partner-detail", pk=pk)
        # the heading and the cancel link show the partner as stored, not the rejected input
        partner = _partner_or_404(request.user, pk)
    return render(request, "portal/partner_form.html", {"form": form, "partner": partner}, status=status)


@portal_view(write=True)
def partner_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a status change; only the statuses Partner.TRANSITIONS allows are offered, and
    an illegal one (a forged form, or a change made meanwhile) is the service's 409, shown
    on the status field."""
    partner = _partner_or_404(request.user, pk)
    form = PartnerStatusForm(request.POST or None, partner=partner)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                changed = services.partner_change_status(
                    partner_id=pk,
                    actor=request.user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except InvalidStatusTransition as exc:
                status = _show_service_error(form, exc, field="status")
            except (ValidationError, DomainError) as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{partner.name} is now {changed.get_status_display().lower()}.")
                return redirect("partner-detail", pk=pk)
    return render(request, "portal/partner_status.html", {"form": form, "partner": partner}, status=status)


# --- contacts -------------------------------------------------------------------------


@portal_view(write=True)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner_or_404(request.user, pk)
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                contact = services.contact_add(partner_id=pk, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{contact.name} was added as a contact.")
                return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
    return render(
        request, "portal/contact_form.html", {"form": form, "partner": partner, "contact": None}, status=status
    )


@portal_view(write=True)
def contact_edit(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    partner = _partner_or_404(request.user, pk)
    contact = _contact_or_404(request.user, partner, contact_id)
    form = ContactForm(request.POST or None, instance=contact)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                saved = services.contact_update(contact_id=contact.pk, actor=request.user, **changes)
            except ValidationError as exc:
                status = _show_service_error(form, exc)
            else:
                messages.success(request, f"{saved.name} was saved." if changes else "Nothing was changed.")
                return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
        contact = _contact_or_404(request.user, partner, contact_id)
    return render(
        request, "portal/contact_form.html", {"form": form, "partner": partner, "contact": contact}, status=status
    )


@portal_view(write=True)
def contact_remove(request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
    """GET asks for confirmation (so it works without JavaScript); POST removes."""
    partner = _partner_or_404(request.user, pk)
    contact = _contact_or_404(request.user, partner, contact_id)
    if request.method == "POST":
        services.contact_remove(contact_id=contact.pk, actor=request.user)
        messages.success(request, f"{contact.name} was removed from the contacts.")
        return redirect(f"{reverse('partner-detail', args=[pk])}#contacts")
    return render(request, "portal/contact_remove.html", {"partner": partner, "contact": contact})
