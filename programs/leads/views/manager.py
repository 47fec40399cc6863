"""The manager portal's lead pages: every lead with filters, the manual queue, creating a lead, a
lead's page with its offers and routing history where it is assigned from the manual queue,
converted or closed, and the routing rules editor."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_POST

from partners.models import Partner
from partners.reference import reference
from partners.views.access import can_write, portal_view
from prm.counting import BoundedPaginator
from prm.errors import DomainError, FieldErrors
from programs.leads import routing_settings, selectors, services
from programs.leads.filters import LeadFilterSet
from programs.leads.forms import (
    FIELD_HELP,
    LeadAssignForm,
    LeadCloseForm,
    LeadCreateForm,
    PoliciesForm,
    RoutingRuleForm,
    WeightsForm,
    partner_choices,
)
from programs.leads.models import Lead, LeadRoutingRule
from programs.leads.views.display import filter_query, lead_row, offer_row, routing_entries

PAGE_SIZE = 50
FILTERS = ("search", "status", "partner", "country", "region", "vertical", "source")
RULE_FIELD_LABELS = {
    LeadRoutingRule.Field.REGION: "Region",
    LeadRoutingRule.Field.VERTICAL: "Vertical",
    LeadRoutingRule.Field.COUNTRY: "Country",
    LeadRoutingRule.Field.PARTNER_TYPE: "Partner type",
    LeadRoutingRule.Field.ENGAGEMENT: "Engagement level",
}
VALUE_LABELS = {**dict(Partner.Type.choices), **dict(Partner.Engagement.choices)}


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.lead_get(user=request.user, lead_id=lead_id)
    except Lead.DoesNotExist:
        raise Http404 from None


def _filterset(request: HttpRequest, queryset) -> LeadFilterSet:
    """LeadFilterSet over the parameters the page shows (others are left out: a page forgives what
    the API refuses), empty values dropped."""
    data = QueryDict(mutable=True)
    for key in FILTERS:
        value = request.GET.get(key, "").strip()
        if value:
            data[key] = value
    return LeadFilterSet(data, queryset, request=request)


@portal_view
def lead_list(request: HttpRequest) -> HttpResponse:
    """Every lead, newest first, filtered by LeadFilterSet (the API's filters). Queries: the
    bounded count, one page with partner, region and vertical joined, and the partner filtered by."""
    leads = _filterset(request, selectors.lead_page(user=request.user))
    valid = leads.is_valid()
    page = BoundedPaginator(leads.qs if valid else Lead.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    partner_ids = leads.form.cleaned_data.get("partner") if valid else ()
    ref = reference()
    context = {
        "form": leads.form,
        "page": page,
        "rows": [lead_row(lead, now=now) for lead in page.object_list],
        "status_choices": Lead.Status.choices,
        "region_choices": sorted(ref.regions.items(), key=lambda item: item[1]),
        "vertical_choices": list(ref.verticals.items()),
        "partners": list(Partner.objects.visible_to(request.user).filter(pk__in=partner_ids).values("pk", "name"))
        if partner_ids
        else [],
        "filtered": any(request.GET.get(name, "").strip() for name in FILTERS),
        "page_query": filter_query(request, FILTERS),
        "may_write": can_write(request.user),
    }
    response = render(request, "leads/portal/lead_list.html", context, status=200 if valid else 400)
    patch_vary_headers(response, ("HX-Request",))
    return response


@portal_view
def manual_queue(request: HttpRequest) -> HttpResponse:
    """Leads no rule could place, oldest first, each with why and how long it has waited. Queries:
    the bounded count and one page (partner, region, vertical joined; the reason a subquery)."""
    page = BoundedPaginator(selectors.manual_queue(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for lead in page.object_list:
        row = lead_row(lead, now=now)
        row["waiting"] = timesince(lead.updated_at, now, depth=1)
        rows.append(row)
    return render(
        request, "leads/portal/manual_queue.html", {"page": page, "rows": rows, "may_write": can_write(request.user)}
    )


@portal_view
def manual_queue_badge(request: HttpRequest) -> HttpResponse:
    """The number of leads in the manual queue, for the navigation (asked for by htmx after the page)."""
    count = selectors.manual_queue(user=request.user).order_by().count()
    response = render(request, "leads/portal/_queue_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


@portal_view(write=True)
def lead_create(request: HttpRequest) -> HttpResponse:
    """Create a lead; it is routed at once. The form's shape, then the service's checks next to
    their fields."""
    form = LeadCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lead = services.lead_create(actor=request.user, **form.cleaned_data)
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                if lead.status == Lead.Status.OFFERED:
                    messages.success(request, f"{lead.company} is offered to {lead.partner.name}.")
                else:
                    messages.warning(request, f"No partner fits {lead.company}: it waits in the manual queue.")
                return redirect("lead-detail", lead.pk)
    return render(request, "leads/portal/lead_form.html", {"form": form}, status=status)


def _detail(request: HttpRequest, lead: Lead, *, assign_form=None, status: int = 200) -> HttpResponse:
    may_write = can_write(request.user)
    can_assign = may_write and lead.status == Lead.Status.MANUAL
    candidates = selectors.lead_assign_candidates(user=request.user, lead=lead) if can_assign else []
    context = {
        "lead": lead,
        "row": lead_row(lead),
        "offers": [offer_row(offer) for offer in selectors.lead_offers(user=request.user, lead=lead)],
        "routings": routing_entries(selectors.lead_routing_history(user=request.user, lead=lead)),
        "may_write": may_write,
        "can_assign": can_assign,
        "assign_form": assign_form or LeadAssignForm(candidates=candidates),
        "suggested": bool(candidates),
        "can_convert": may_write and lead.can_move_to(Lead.Status.CONVERTED),
        "can_close": may_write and lead.can_move_to(Lead.Status.CLOSED),
    }
    return render(request, "leads/portal/lead_detail.html", context, status=status)


@portal_view
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead with its fields, every offer and what became of it, and every routing decision in
    words: the trigger, each rule with the candidates it kept, the weights, whom it chose and why."""
    return _detail(request, _lead_or_404(request, lead_id))


@require_GET
@portal_view(write=True)
def lead_assign_search(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The partner picker's options for a name typed (htmx): active partners never offered this
    lead, whose name begins with it; the lead's region's partners when nothing is typed."""
    lead = _lead_or_404(request, lead_id)
    candidates = selectors.lead_assign_candidates(user=request.user, lead=lead, search=request.GET.get("q", ""))
    response = render(
        request,
        "leads/portal/_partner_options.html",
        {"choices": partner_choices(candidates), "searched": request.GET.get("q", "").strip()},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@portal_view(write=True)
def lead_assign(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Offer a lead of the manual queue to the partner chosen."""
    lead = _lead_or_404(request, lead_id)
    form = LeadAssignForm(request.POST)
    if form.is_valid():
        try:
            lead = services.lead_assign_manually(
                lead_id=lead.pk, partner_id=form.cleaned_data["partner"], actor=request.user
            )
        except DomainError as exc:
            form.add_error("partner", exc.message)
        else:
            messages.success(request, f"{lead.company} is offered to {lead.partner.name}.")
            return redirect("lead-detail", lead.pk)
    candidates = selectors.lead_assign_candidates(user=request.user, lead=lead)
    form.fields["partner"].widget.choices = [("", "Choose a partner…"), *partner_choices(candidates)]
    return _detail(request, lead, assign_form=form, status=400)


@require_POST
@portal_view(write=True)
def lead_close(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert an accepted lead, or close a lead that is not finished (a pending offer is withdrawn)."""
    lead = _lead_or_404(request, lead_id)
    form = LeadCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to convert or to close the lead.")
        return redirect("lead-detail", lead.pk)
    converted = form.cleaned_data["converted"]
    try:
        services.lead_close(lead_id=lead.pk, actor=request.user, converted=converted)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{lead.company} is {'converted' if converted else 'closed'}.")
    return redirect("lead-detail", lead.pk)


# the routing rules editor


def _rule_rows(rules) -> list[dict]:
    return [
        {
            "rule": rule,
            "field": RULE_FIELD_LABELS.get(rule.field, rule.field),
            "values": ", ".join(VALUE_LABELS.get(value, value) for value in rule.values),
            "first": index == 0,
            "last": index == len(rules) - 1,
        }
        for index, rule in enumerate(rules)
    ]


def _editor(request: HttpRequest, *, rule_form=None, weights_form=None, policies_form=None, status=200):
    rules, weights, policies = selectors.routing_settings()
    context = {
        "rules": _rule_rows(rules),
        "may_write": can_write(request.user),
        "rule_form": rule_form or RoutingRuleForm(prefix="new"),
        "weights_form": weights_form or WeightsForm(weights={row.engagement: row.weight for row in weights}),
        "policies_form": policies_form
        or PoliciesForm(policies={row.partner_type: (row.capacity, row.respond_hours) for row in policies}),
        "field_help": [(RULE_FIELD_LABELS[value], FIELD_HELP[value]) for value in LeadRoutingRule.Field.values],
    }
    return render(request, "leads/portal/routing.html", context, status=status)


@portal_view
def routing_editor(request: HttpRequest) -> HttpResponse:
    """The routing settings: the ordered rules, weights per engagement level, capacity and hours to
    answer per partner type. Staff read them; administrators and partner managers change them."""
    return _editor(request)


@require_POST
@portal_view(write=True)
def routing_rule_create(request: HttpRequest) -> HttpResponse:
    """Add a rule after the last one."""
    form = RoutingRuleForm(request.POST, prefix="new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = routing_settings.routing_rule_create(
                actor=request.user, name=data["name"], field=data["field"], required=data["required"],
                values=form.values(), is_active=data["is_active"],
            )  # fmt: skip
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, f"The rule “{rule.name}” is added as the last one.")
            return redirect("lead-routing")
    return _editor(request, rule_form=form, status=400)


@portal_view(write=True)
def routing_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Change a rule (its place stays); delete it from here too."""
    rule = LeadRoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    form = RoutingRuleForm(request.POST) if request.method == "POST" else RoutingRuleForm.for_rule(rule)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                rule = routing_settings.routing_rule_update(
                    rule_id=rule.pk, actor=request.user, name=data["name"], field=data["field"],
                    required=data["required"], values=form.values(), is_active=data["is_active"],
                )  # fmt: skip
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("lead-routing")
            else:
                messages.success(request, f"The rule “{rule.name}” is saved.")
                return redirect("lead-routing")
    context = {"rule": rule, "form": form}
    return render(request, "leads/portal/routing_rule_form.html", context, status=status)


@require_POST
@portal_view(write=True)
def routing_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Delete a rule; routing histories keep its name."""
    try:
        routing_settings.routing_rule_delete(rule_id=rule_id, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The rule is deleted; leads routed before keep it in their history.")
    return redirect("lead-routing")


@require_POST
@portal_view(write=True)
def routing_rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Move a rule one place up or down."""
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, "Move a rule up or down.")
        return redirect("lead-routing")
    try:
        routing_settings.routing_rule_move(rule_id=rule_id, actor=request.user, up=direction == "up")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('lead-routing')}#rule-{rule_id}")


@require_POST
@portal_view(write=True)
def routing_weights(request: HttpRequest) -> HttpResponse:
    """Save the weight of each engagement level."""
    _, weights, _ = selectors.routing_settings()
    form = WeightsForm(request.POST, weights={row.engagement: row.weight for row in weights})
    if form.is_valid():
        try:
            routing_settings.lead_weights_update(actor=request.user, weights=form.weights())
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, "The weights are saved; they count from the next lead routed.")
            return redirect("lead-routing")
    return _editor(request, weights_form=form, status=400)


@require_POST
@portal_view(write=True)
def routing_policies(request: HttpRequest) -> HttpResponse:
    """Save each partner type's capacity and hours to answer."""
    _, _, policies = selectors.routing_settings()
    form = PoliciesForm(
        request.POST, policies={row.partner_type: (row.capacity, row.respond_hours) for row in policies}
    )
    if form.is_valid():
        try:
            routing_settings.lead_policies_update(actor=request.user, policies=form.policies())
        except FieldErrors as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, "Capacity and time to answer are saved; offers already made keep their time.")
            return redirect("lead-routing")
    return _editor(request, policies_form=form, status=400)
