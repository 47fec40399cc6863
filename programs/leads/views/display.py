"""What the lead pages show of a lead, worked out in Python once per row: labels, dates, the time
left to answer, and the routing history in words."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.timesince import timeuntil

from prm.formats import short_date
from programs.leads.models import Lead, LeadOffer, LeadRouting
from programs.leads.selectors import pool_candidates

STATUS_LABELS = dict(Lead.Status.choices)
STATUS_BADGES = {
    Lead.Status.ROUTING: "text-bg-light border",
    Lead.Status.OFFERED: "text-bg-warning",
    Lead.Status.ACCEPTED: "text-bg-success",
    Lead.Status.DECLINED: "text-bg-light border",
    Lead.Status.MANUAL: "text-bg-danger",
    Lead.Status.CONVERTED: "text-bg-primary",
    Lead.Status.CLOSED: "text-bg-secondary",
}
SIZE_LABELS = dict(Lead.Size.choices)
OUTCOME_LABELS = dict(LeadOffer.Outcome.choices)
OUTCOME_BADGES = {
    LeadOffer.Outcome.PENDING: "text-bg-warning",
    LeadOffer.Outcome.ACCEPTED: "text-bg-success",
    LeadOffer.Outcome.DECLINED: "text-bg-secondary",
    LeadOffer.Outcome.BREACHED: "text-bg-danger",
    LeadOffer.Outcome.WITHDRAWN: "text-bg-light border",
}
TRIGGER_LABELS = dict(LeadRouting.Trigger.choices)
URGENT_HOURS = 4
CHECK_NAMES = {
    "active partners": "Active partners",
    "not offered this lead before": "Not offered this lead before",
    "under open-lead capacity": "Under their open-lead capacity",
}


def when(value: datetime | None) -> str:
    """``5 Sep 2026, 14:30`` in the site's time zone."""
    if value is None:
        return ""
    value = timezone.localtime(value)
    return f"{short_date(value.date())}, {value:%H:%M}"


def time_left(respond_by: datetime | None, now: datetime) -> str:
    if respond_by is None:
        return ""
    if respond_by <= now:
        return "time is up"
    return f"{timeuntil(respond_by, now, depth=2)} left"


def lead_row(lead: Lead, *, now=None) -> dict:
    """A list row's labels and figures."""
    now = now or timezone.now()
    offered = lead.status == Lead.Status.OFFERED
    return {
        "lead": lead,
        "status": STATUS_LABELS.get(lead.status, lead.status),
        "badge": STATUS_BADGES.get(lead.status, "text-bg-secondary"),
        "country": lead.country.name if lead.country else "",
        "region": lead.region.name if lead.region_id and lead.region else "",
        "vertical": lead.vertical.name if lead.vertical_id and lead.vertical else "",
        "size": SIZE_LABELS.get(lead.size, ""),
        "created": when(lead.created_at),
        "respond_by": when(lead.respond_by) if offered else "",
        "iso_respond_by": timezone.localtime(lead.respond_by).isoformat() if offered and lead.respond_by else "",
        "time_left": time_left(lead.respond_by, now) if offered else "",
        "overdue": offered and lead.respond_by is not None and lead.respond_by <= now,
        "urgent": offered
        and lead.respond_by is not None
        and (lead.respond_by - now).total_seconds() < URGENT_HOURS * 3600,
        "accepted": when(lead.accepted_at),
        "closed": when(lead.closed_at),
    }


def offer_row(offer: LeadOffer) -> dict:
    return {
        "offer": offer,
        "outcome": OUTCOME_LABELS.get(offer.outcome, offer.outcome),
        "badge": OUTCOME_BADGES.get(offer.outcome, "text-bg-secondary"),
        "offered": when(offer.offered_at),
        "respond_by": when(offer.respond_by),
        "responded": when(offer.responded_at),
        "by": _person(offer.responded_by),
    }


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _step_line(step: dict, number: int) -> dict:
    """One step of a decision in words: what it kept and what became of the candidates."""
    name, outcome = step.get("name", ""), step.get("outcome", "")
    before, after = step.get("before", 0), step.get("after", 0)
    is_rule = step.get("rule") is not None or step.get("required") is not None
    kind = ("required rule" if step.get("required") else "optional rule") if is_rule else "check"
    title = f"“{name}”" if is_rule else CHECK_NAMES.get(name, name.capitalize())
    if outcome == "emptied":
        text = f"left nobody of {before}: the lead went to the manual queue"
    elif outcome == "skipped":
        text = f"would have left nobody, so it was skipped; {before} stay"
    elif number == 1:
        text = f"{after} candidate{'s' if after != 1 else ''}"
    elif before == after:
        text = f"all {after} kept"
    else:
        text = f"{before} → {after} ({before - after} left out)"
    return {"number": number, "kind": kind, "title": title, "text": text, "outcome": outcome, "after": after}


def routing_entries(history) -> list[dict]:
    """Every routing decision of a lead, oldest first, readable by a person: when and why it ran,
    who ran it, each step with the candidates it kept, the final pool's size and the candidates
    next in line with their weights, shares and passes, whom it chose and why."""
    entries = []
    names = history.partner_names
    for routing in history.routings:
        rows = pool_candidates(routing.pool)
        summary = routing.pool if isinstance(routing.pool, dict) else {}
        total = summary.get("total_weight") or sum(entry.get("weight", 0) for entry in rows) or 1
        candidates = sorted(
            (
                {
                    "id": entry.get("partner"),
                    "name": names.get(entry.get("partner"), f"Partner #{entry.get('partner')}"),
                    "weight": entry.get("weight", 0),
                    "share": f"{entry.get('weight', 0) / total:.0%}",
                    "pass": entry.get("pass", entry.get("credit", 0)),
                    "chosen": entry.get("partner") == routing.chosen_id,
                }
                for entry in rows
            ),
            # a summary lists the next in line already (the chosen one first); an old list is sorted
            key=lambda row: 0 if summary else (not row["chosen"], -row["weight"], row["name"]),
        )
        entries.append(
            {
                "routing": routing,
                "trigger": TRIGGER_LABELS.get(routing.trigger, routing.trigger),
                "when": when(routing.created_at),
                "iso": timezone.localtime(routing.created_at).isoformat(),
                "actor": _person(routing.actor),
                "chosen": routing.chosen,
                "reason": routing.reason,
                "steps": [_step_line(step, number) for number, step in enumerate(routing.steps or [], start=1)],
                "candidates": candidates,
                "pool_size": summary.get("size", len(rows)),
            }
        )
    return entries


def filter_query(request: HttpRequest, names, **overrides) -> str:
    """The given filter parameters that have a value (plus ``overrides``), url-encoded."""
    query = QueryDict(mutable=True)
    for key in names:
        value = request.GET.get(key, "").strip()
        if value:
            query[key] = value
    for key, value in overrides.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()
