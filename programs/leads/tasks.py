"""Thin entry points over programs.leads.services, under stable names beat's schedules use."""

from celery import shared_task

from programs.leads.services import lead_route, leads_enforce_sla, leads_route


@shared_task(name="programs.leads.lead_route")
def lead_route_task(lead_id: int) -> str:
    """Route a lead waiting for the router (after a decline); a lead routed already is left as it is."""
    return lead_route(lead_id=lead_id).status


@shared_task(name="programs.leads.leads_route")
def leads_route_task(lead_ids: list[int]) -> int:
    """Route imported leads in batches; those routed already are left as they are."""
    return leads_route(lead_ids=lead_ids)


@shared_task(name="programs.leads.leads_enforce_sla")
def leads_enforce_sla_task() -> int:
    """Every five minutes: move unanswered offers to the next candidate; idempotent."""
    return leads_enforce_sla()
