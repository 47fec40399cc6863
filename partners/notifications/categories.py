"""Who is told about which event: the one table of notification categories.

A category names the events it covers, who receives them (a set-based resolver over a batch of
events), whether partner logins or staff get it, its default delivery, and how one event reads
(title, body, link). Later capabilities add their rows with ``register_category`` at start-up.
Resolvers run once per batch with a few queries at most, never one per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from partners.notifications.models import Delivery

PARTNER = "partner"
STAFF = "staff"


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    link: str = ""


@dataclass
class Batch:
    """What resolvers and describers share for one batch: the partners the events name
    (id → name, owner_id, status), read in one query by the fan-out."""

    partners: dict[int, tuple[str, int | None, str]] = field(default_factory=dict)
    # partner id → ids of its active partner logins, read once for the batch when a category asks
    partner_logins: dict[int, list[int]] = field(default_factory=dict)

    def partner_name(self, partner_id) -> str:
        entry = self.partners.get(partner_id)
        return entry[0] if entry else "a partner"


Resolver = Callable[[list, Batch], Iterable[tuple[object, int]]]
Describer = Callable[[object, Batch], Message]


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    description: str
    audience: str  # PARTNER or STAFF
    default: str  # a Delivery value
    event_types: tuple[str, ...]
    recipients: Resolver  # (event, user_id) pairs for the events of this category's types
    describe: Describer
    # the user who made the change hears about it too (a run one started is worth a message)
    notify_actor: bool = False
    # every event of these types addresses its partner's organisation, so the fan-out reads the
    # organisation's logins for them (otherwise only for events whose data says audience "partner")
    to_organisation: bool = False


_CATEGORIES: dict[str, Category] = {}


def register_category(category: Category) -> None:
    _CATEGORIES[category.code] = category


def categories() -> list[Category]:
    return list(_CATEGORIES.values())


def category_get(code: str) -> Category | None:
    return _CATEGORIES.get(code)


def categories_for(*, is_staff: bool) -> list[Category]:
    """The categories that apply to a staff login or to a partner login."""
    audience = STAFF if is_staff else PARTNER
    return [category for category in _CATEGORIES.values() if category.audience == audience]


def page_link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page of an app not installed here: the notification has no link
        return ""


def _label(value, default: str) -> str:
    """A code such as ``business_review`` as words, or ``default``."""
    return str(value).replace("_", " ") if value else default


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- partner logins --------------------------------------------------------------------


def organisation_logins(events, batch: Batch):
    """Every active login of each event's partner (for categories whose events all concern the
    partner's organisation: ``to_organisation``)."""
    for event in events:
        for user_id in batch.partner_logins.get(event.partner_id, ()):
            yield event, user_id


def addressed_partner_logins(events, batch: Batch):
    """Every active login of the partner an event is addressed to (``audience`` partner)."""
    for event in events:
        if event.data.get("audience") == "partner" and event.partner_id is not None:
            for user_id in batch.partner_logins.get(event.partner_id, ()):
                yield event, user_id


def _describe_request(event, batch: Batch) -> Message:
    data = event.data
    due = f" Due on {data['due_on']}." if data.get("due_on") else ""
    return Message(
        title=f"Request: {data.get('title') or 'your partner manager needs something'}",
        body=f"Your partner manager asks {batch.partner_name(event.partner_id)} for this.{due}",
        link=page_link("selfservice:home"),
    )


def _invitation_accepted(events, batch: Batch):
    for event in events:
        inviter = _int(event.data.get("invited_by"))
        if inviter is not None:
            yield event, inviter


def _describe_invitation(event, batch: Batch) -> Message:
    data = event.data
    where = f" at {batch.partner_name(event.partner_id)}" if event.partner_id else ""
    return Message(
        title=f"{data.get('email') or 'Someone'} accepted your invitation",
        body=f"They now have a login{where} with the role {str(data.get('role') or '').replace('_', ' ')}.",
        link=page_link("selfservice:users") if event.partner_id else "",
    )


# --- staff -----------------------------------------------------------------------------


def _manager_outcomes(events, batch: Batch):
    for event in events:
        if event.data.get("audience") == "partner":
            continue
        users = {_int(event.data.get("partner_owner")), _int(event.data.get("assignee"))} - {None}
        for user_id in users:
            yield event, user_id


def _describe_outcome(event, batch: Batch) -> Message:
    data = event.data
    kind = str(data.get("kind") or "outcome").replace("_", " ")
    due = f" Due on {data['due_on']}." if data.get("due_on") else ""
    return Message(
        title=f"New {kind} for {batch.partner_name(event.partner_id)}: {data.get('title') or ''}".rstrip(": "),
        body=f"A strategy concluded this about a partner you look after.{due}",
        link=page_link("inbox"),
    )


def _runs_started(events, batch: Batch):
    for event in events:
        starter = _int(event.data.get("started_by"))
        if starter is not None:
            yield event, starter


def _describe_run(event, batch: Batch) -> Message:
    data = event.data
    name = data.get("strategy_name") or f"strategy #{data.get('strategy')}"
    counts = ", ".join(
        f"{label} {data[key]}"
        for key, label in (("partners_evaluated", "partners evaluated"), ("outcomes_created", "outcomes created"))
        if data.get(key) is not None
    )
    what = "Preview" if data.get("dry_run") else "Run"
    return Message(
        title=f"{what} of {name} {data.get('status') or 'finished'}",
        body=(counts[:1].upper() + counts[1:] + ".") if counts else "",
        link=page_link("run-detail", event.object_id) if str(event.object_id).isdigit() else "",
    )


def partner_owner(events, batch: Batch):
    """The owner (partner manager) of each event's partner."""
    for event in events:
        entry = batch.partners.get(event.partner_id)
        if entry and entry[1] is not None:
            yield event, entry[1]


def _describe_activity(event, batch: Batch) -> Message:
    data, name = event.data, batch.partner_name(event.partner_id)
    link = page_link("partner-detail", event.partner_id) if event.partner_id else ""
    if event.type == "document.uploaded":
        who = " by the partner" if data.get("by_partner") else ""
        return Message(
            title=f"{name} has a new document: {data.get('title') or data.get('kind') or ''}".rstrip(": "),
            body=f"{_label(data.get('kind'), 'a')} document uploaded{who}.".capitalize(),
            link=link,
        )
    changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
    change = changes.get("status") if isinstance(changes.get("status"), dict) else {}
    moved = f" from {change.get('from')} to {change.get('to')}" if change else f" to {data.get('status')}"
    return Message(title=f"{name} moved{moved}", body="The partner's lifecycle status changed.", link=link)


for _category in (
    Category(
        code="requests",
        label="Requests from your partner manager",
        description="Something your organisation is asked to do: upload a document, propose review dates.",
        audience=PARTNER,
        default=Delivery.IMMEDIATELY,
        event_types=("outcome.created",),
        recipients=addressed_partner_logins,
        describe=_describe_request,
    ),
    Category(
        code="invitations",
        label="Accepted invitations",
        description="Someone you invited accepted and now has a login.",
        audience=PARTNER,
        default=Delivery.IMMEDIATELY,
        event_types=("invitation.accepted",),
        recipients=_invitation_accepted,
        describe=_describe_invitation,
    ),
    Category(
        code="outcomes",
        label="New outcomes for your partners",
        description="Tasks and alerts strategies create for partners you own or that are assigned to you.",
        audience=STAFF,
        default=Delivery.DIGEST,
        event_types=("outcome.created",),
        recipients=_manager_outcomes,
        describe=_describe_outcome,
    ),
    Category(
        code="runs",
        label="Finished strategy runs",
        description="A strategy run you started has ended, with its counts.",
        audience=STAFF,
        default=Delivery.IMMEDIATELY,
        event_types=("run.finished",),
        recipients=_runs_started,
        describe=_describe_run,
        notify_actor=True,
    ),
    Category(
        code="partner_activity",
        label="Activity of your partners",
        description="Documents uploaded to partners you own, and their status changes.",
        audience=STAFF,
        default=Delivery.DIGEST,
        event_types=("document.uploaded", "partner.status_changed"),
        recipients=partner_owner,
        describe=_describe_activity,
    ),
):
    register_category(_category)
